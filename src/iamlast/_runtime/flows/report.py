"""The report workflows: one principal's service-last-accessed report, an Organizations
access report, and the policies granting services — each written once."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..jobs import generate_politely, job_id_of, wait_for
from ..paging import Cursor, read_pages
from . import Flow, Gather, Send, Spec, collect

if TYPE_CHECKING:
    from ..report import AccessReport, OrganizationsReport

__all__ = [
    "MAX_NAMESPACES_PER_CALL",
    "Polling",
    "last_accessed",
    "organizations_report",
    "pages",
    "policies_granting",
]

#: ListPoliciesGrantingServiceAccess accepts at most this many namespaces per call.
MAX_NAMESPACES_PER_CALL = 200

SERVICES_OP = "GetServiceLastAccessedDetails"
ENTITIES_OP = "GetServiceLastAccessedDetailsWithEntities"
ORGANIZATIONS_OP = "GetOrganizationsAccessReport"


class Polling:
    """How long a wait for a job may take (``timeout`` seconds; every poll ends by then) and how
    its polls are spaced (from ``initial_delay`` up to ``max_delay``)."""

    __slots__ = ("initial_delay", "max_delay", "timeout")

    def __init__(self, timeout: float, initial_delay: float, max_delay: float) -> None:
        self.timeout = timeout
        self.initial_delay = initial_delay
        self.max_delay = max_delay

    def __repr__(self) -> str:
        return f"Polling(timeout={self.timeout}, {self.initial_delay}..{self.max_delay})"

    def deadline(self) -> float:
        return time.monotonic() + self.timeout


def pages(
    operation: str,
    kwargs: dict[str, Any],
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_marker: str | None = None,
    max_pages: int | None = None,
    whole_pages: bool = False,
    first_page: Any = None,
) -> Flow[None]:
    """Every item (or whole page) of one paged operation, emitted in order."""
    spec = yield Spec(operation)
    assert spec.paginator is not None, f"{operation} does not page"
    cursor = Cursor(
        spec.name,
        spec.paginator,
        page_size=page_size,
        max_items=max_items,
        starting_marker=starting_marker,
        max_pages=max_pages,
    )
    yield from read_pages(spec, kwargs, cursor, pages=whole_pages, first_page=first_page)


def chunks(namespaces: Sequence[str]) -> list[list[str]]:
    """The namespaces in groups one ListPoliciesGrantingServiceAccess call accepts."""
    items = list(namespaces)
    if not items:
        return [[]]
    return [
        items[i : i + MAX_NAMESPACES_PER_CALL]
        for i in range(0, len(items), MAX_NAMESPACES_PER_CALL)
    ]


def policies_granting(
    arn: str, namespaces: Sequence[str], *, whole_pages: bool = False
) -> Flow[None]:
    """The policies granting each service to ``arn``, every page, 200 namespaces per call."""
    for chunk in chunks(namespaces):
        yield from pages(
            "ListPoliciesGrantingServiceAccess",
            {"arn": arn, "service_namespaces": chunk},
            whole_pages=whole_pages,
        )


def wait_for_job(
    operation: str, job_id: str, extra: dict[str, Any], polling: Polling, deadline: float
) -> Flow[Any]:
    """Poll a job until COMPLETED (see :func:`~iamlast._runtime.jobs.wait_for`)."""
    failure = "error_details" if operation == ORGANIZATIONS_OP else "error"
    return wait_for(
        operation,
        job_id,
        extra,
        deadline=deadline,
        timeout=polling.timeout,
        initial_delay=polling.initial_delay,
        max_delay=polling.max_delay,
        failure_attr=failure,
    )


def last_accessed(
    arn: str,
    *,
    granularity: str,
    with_entities: bool,
    polling: Polling,
    page_size: int | None,
    concurrency: int,
) -> Flow[AccessReport]:
    """Generate, wait for and read one principal's report; with entities, read each service's
    entities ``concurrency`` services at a time."""
    generated = yield Send(
        "GenerateServiceLastAccessedDetails", {"arn": arn, "granularity": granularity}
    )
    job_id = job_id_of(generated, "GenerateServiceLastAccessedDetails")
    first = yield from wait_for_job(
        SERVICES_OP, job_id, {"max_items": page_size}, polling, polling.deadline()
    )
    services = yield from collect(
        pages(SERVICES_OP, {"job_id": job_id}, page_size=page_size, first_page=first)
    )
    entities = None
    if with_entities:
        namespaces = [s.service_namespace for s in services]
        lists = yield Gather(
            [
                collect(
                    pages(
                        ENTITIES_OP,
                        {"job_id": job_id, "service_namespace": namespace},
                        page_size=page_size,
                    )
                )
                for namespace in namespaces
            ],
            concurrency,
        )
        entities = dict(zip(namespaces, lists, strict=True))
    from ..report import build_report

    return build_report(arn, job_id, first, services, entities, granularity)


def organizations_report(
    entity_path: str,
    *,
    organizations_policy_id: str | None,
    sort_key: str | None,
    polling: Polling,
) -> Flow[OrganizationsReport]:
    """Generate (waiting politely while too many reports run), wait for and read a whole
    Organizations access report; ``polling.timeout`` bounds the polite waiting and the polls
    together."""
    deadline = polling.deadline()
    start: dict[str, Any] = {"entity_path": entity_path}
    if organizations_policy_id is not None:
        start["organizations_policy_id"] = organizations_policy_id
    generated = yield from generate_politely(
        "GenerateOrganizationsAccessReport", start, deadline=deadline
    )
    job_id = job_id_of(generated, "GenerateOrganizationsAccessReport")
    first = yield from wait_for_job(
        ORGANIZATIONS_OP, job_id, {"sort_key": sort_key}, polling, deadline
    )
    details = yield from collect(
        pages(ORGANIZATIONS_OP, {"job_id": job_id, "sort_key": sort_key}, first_page=first)
    )
    from ..report import build_organizations_report

    return build_organizations_report(entity_path, job_id, first, details)
