"""The Access Advisor workflow on both clients: job waits, friendly pagers, full reports,
account scans, Organizations reports.

``last_accessed(arn)`` generates a report, waits for it, reads every page (and optionally every
service's entities) and returns an :class:`~iamlast.report.AccessReport`. ``scan()`` does that
for many principals at once — given ARNs or all users, roles, groups and customer-managed
policies — with bounded concurrency and one shared request rate, yielding a result per ARN
without stopping.

Each method is defined once, in :class:`Workflows` (it checks its arguments and builds the
flow, :mod:`iamlast._runtime.flows`); on :class:`SyncAdvisor` (``Client``) and
:class:`AsyncAdvisor` (``AsyncClient``) that one definition is driven by threads or by tasks,
with the same requests, limits, results and errors.
Every argument is checked when the method is called (awaited, for the async coroutines), before
any request: a bad one raises :class:`~iamlast.errors.ParamValidationError` naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from . import _faces as face
from ._generated.client import SyncOperations
from ._runtime.flows import Flow
from ._runtime.flows.arguments import GRANULARITIES, Arguments, looks_like_arn
from ._runtime.flows.report import (
    ENTITIES_OP,
    MAX_NAMESPACES_PER_CALL,
    ORGANIZATIONS_OP,
    SERVICES_OP,
    Polling,
    chunks,
    last_accessed,
    organizations_report,
    wait_for_job,
)
from ._runtime.jobs import DEFAULT_TIMEOUT
from ._runtime.pagers import PagerArgs
from ._runtime.ratelimit import TokenBucket
from .orgscan import OrganizationWorkflows
from .proposals import ProposalWorkflows

if TYPE_CHECKING:
    from ._async_advisor import AsyncAdvisor
    from ._generated.enums import SortKeyType, SortKeyTypeLiteral
    from ._generated.shapes import (
        AccessDetail,
        EntityDetails,
        GetOrganizationsAccessReportResponse,
        GetServiceLastAccessedDetailsResponse,
        GetServiceLastAccessedDetailsWithEntitiesResponse,
        ListPoliciesGrantingServiceAccessEntry,
        ListPoliciesGrantingServiceAccessResponse,
        ServiceLastAccessed,
    )
    from ._runtime.flows.scan import (
        Discovery,
        ProgressCallback,
        ReportOptions,
        ScanFailure,
        ScanProgress,
        ScanResult,
        ScanSuccess,
    )
    from .report import AccessReport, OrganizationsReport

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_NAMESPACES_PER_CALL",
    "AsyncAdvisor",
    "Granularity",
    "ScanFailure",
    "ScanProgress",
    "ScanResult",
    "ScanSuccess",
    "SyncAdvisor",
    "Workflows",
]

_SCAN_NAMES = ("ScanFailure", "ScanProgress", "ScanResult", "ScanSuccess")


def __getattr__(name: str) -> Any:
    # The async half (its generated methods) loads with the first AsyncClient, not with Client.
    if name == "AsyncAdvisor":
        from ._async_advisor import AsyncAdvisor

        globals()[name] = AsyncAdvisor
        return AsyncAdvisor
    # The scan's value types load with the first scan, not with the client.
    if name in _SCAN_NAMES:
        from ._runtime.flows import scan as scan_flows

        value = getattr(scan_flows, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


Granularity = Literal["SERVICE_LEVEL", "ACTION_LEVEL"]
SORT_KEYS = (
    "SERVICE_NAMESPACE_ASCENDING",
    "SERVICE_NAMESPACE_DESCENDING",
    "LAST_AUTHENTICATED_TIME_ASCENDING",
    "LAST_AUTHENTICATED_TIME_DESCENDING",
)


def _polling(
    args: Arguments, timeout: Any, first: Any, cap: Any, names: tuple[str, str]
) -> Polling:
    seconds = args.seconds("timeout", timeout)
    initial = args.seconds(names[0], first)
    ceiling = args.seconds(names[1], cap)
    if ceiling < initial:
        args.problem(names[1], "range", f"must be at least {names[0]} ({initial:g}), not {cap!r}")
    return Polling(seconds, initial, ceiling)


def _sort_key(args: Arguments, value: Any) -> str | None:
    return None if value is None else args.choice("sort_key", value, SORT_KEYS)


def _paging(
    args: Arguments,
    operation: str,
    kwargs: dict[str, Any],
    page_size: Any,
    max_items: Any,
    starting_marker: Any,
    max_pages: Any,
) -> PagerArgs[Any, Any]:
    args.check()
    return PagerArgs(operation, kwargs, page_size, max_items, starting_marker, max_pages)


def _waiting(operation: str, job_id: str, extra: dict[str, Any], polling: Polling) -> Flow[Any]:
    # The deadline starts when the wait does (for the async client: when it is awaited).
    return (yield from wait_for_job(operation, job_id, extra, polling, polling.deadline()))


class Workflows:
    """Each workflow method once: it checks the arguments and returns what the clients run
    (the :mod:`iamlast._faces` decorators make it each client's method)."""

    # ------------------------------------------------------------------ jobs

    @face.call
    def wait_for_job(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        page_size: int | None = None,
    ) -> Flow[GetServiceLastAccessedDetailsResponse]:
        """Poll GetServiceLastAccessedDetails until the job is COMPLETED; return that response
        (the first page of its services; ``page_size`` is sent as MaxItems).

        Polls at once, then backs off with jitter from ``initial_delay`` to ``max_delay``. Every
        poll, a slow or silent one included, ends by the time ``timeout`` seconds have passed:
        then JobTimeoutError (with the last response, if any). FAILED raises JobFailedError
        with the service's details; a status iamlast does not know raises JobStatusError at once.
        """
        args = Arguments("wait_for_job")
        job = args.text("job_id", job_id)
        polling = _polling(args, timeout, initial_delay, max_delay, ("initial_delay", "max_delay"))
        size = args.optional_whole("page_size", page_size, minimum=1, maximum=1000)
        args.check()
        return _waiting(SERVICES_OP, job, {"max_items": size}, polling)

    @face.call
    def wait_for_organizations_report(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
    ) -> Flow[GetOrganizationsAccessReportResponse]:
        """Poll GetOrganizationsAccessReport until COMPLETED; return that response (the waiting
        is as :meth:`wait_for_job`'s)."""
        args = Arguments("wait_for_organizations_report")
        job = args.text("job_id", job_id)
        polling = _polling(args, timeout, initial_delay, max_delay, ("initial_delay", "max_delay"))
        extra = {
            "sort_key": _sort_key(args, sort_key),
            "max_items": args.optional_whole("page_size", page_size, minimum=1, maximum=1000),
        }
        args.check()
        return _waiting(ORGANIZATIONS_OP, job, extra, polling)

    # ------------------------------------------------------------------ pagers

    @face.pager
    def paginate_services(
        self,
        job_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
    ) -> PagerArgs[GetServiceLastAccessedDetailsResponse, ServiceLastAccessed]:
        """Every service of a completed job (GetServiceLastAccessedDetails, all pages).
        Raises JobNotReadyError / JobFailedError instead of yielding nothing for a job that is
        not COMPLETED."""
        args = Arguments("paginate_services")
        kwargs = {"job_id": args.text("job_id", job_id)}
        return _paging(args, SERVICES_OP, kwargs, page_size, max_items, starting_marker, max_pages)

    @face.pager
    def paginate_entities(
        self,
        job_id: str,
        service_namespace: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
    ) -> PagerArgs[GetServiceLastAccessedDetailsWithEntitiesResponse, EntityDetails]:
        """Every entity that could use one service of a completed job
        (GetServiceLastAccessedDetailsWithEntities, all pages)."""
        args = Arguments("paginate_entities")
        kwargs = {
            "job_id": args.text("job_id", job_id),
            "service_namespace": args.text("service_namespace", service_namespace),
        }
        return _paging(args, ENTITIES_OP, kwargs, page_size, max_items, starting_marker, max_pages)

    @face.chain
    def paginate_policies_granting_service_access(
        self, arn: str, service_namespaces: Sequence[str]
    ) -> list[
        PagerArgs[ListPoliciesGrantingServiceAccessResponse, ListPoliciesGrantingServiceAccessEntry]
    ]:
        """The policies granting each service, all pages; more than 200 namespaces are split
        over several calls."""
        args = Arguments("paginate_policies_granting_service_access")
        principal = args.text("arn", arn)
        namespaces = args.strings("service_namespaces", service_namespaces, what="a namespace")
        args.check()
        return [
            PagerArgs(
                "ListPoliciesGrantingServiceAccess",
                {"arn": principal, "service_namespaces": chunk},
            )
            for chunk in chunks(namespaces)
        ]

    @face.pager
    def paginate_organizations_access_report(
        self,
        job_id: str,
        *,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
    ) -> PagerArgs[GetOrganizationsAccessReportResponse, AccessDetail]:
        """Every access detail of a completed Organizations report, all pages."""
        args = Arguments("paginate_organizations_access_report")
        kwargs = {"job_id": args.text("job_id", job_id), "sort_key": _sort_key(args, sort_key)}
        return _paging(
            args, ORGANIZATIONS_OP, kwargs, page_size, max_items, starting_marker, max_pages
        )

    # ------------------------------------------------------------------ reports

    @face.call
    def last_accessed(
        self,
        arn: str,
        *,
        granularity: Granularity = "SERVICE_LEVEL",
        with_entities: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
        page_size: int | None = None,
        concurrency: int = 8,
    ) -> Flow[AccessReport]:
        """Generate, wait for and read a whole service-last-accessed report for ``arn``.

        ``timeout`` bounds the wait for the job once it is generated (every poll ends by then;
        JobTimeoutError after it); generating it and reading the finished pages are calls with
        the client's own timeouts and retries. With ``with_entities``, every service's
        entities are read too, ``concurrency`` services at a time.
        """
        args = Arguments("last_accessed")
        options = _report_options(
            args, granularity, with_entities, timeout, poll_delay, max_poll_delay
        )
        principal = args.text("arn", arn)
        size = args.optional_whole("page_size", page_size, minimum=1, maximum=1000)
        workers = args.whole("concurrency", concurrency, minimum=1)
        args.check()
        return last_accessed(
            principal,
            granularity=options.granularity,
            with_entities=options.with_entities,
            polling=options.polling,
            page_size=size,
            concurrency=workers,
        )

    @face.call
    def organizations_report(
        self,
        entity_path: str,
        *,
        organizations_policy_id: str | None = None,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
    ) -> Flow[OrganizationsReport]:
        """Generate (waiting politely while too many reports run), wait for and read a whole
        Organizations access report; ``timeout`` bounds the polite waiting and the polls
        together."""
        args = Arguments("organizations_report")
        path = args.text("entity_path", entity_path)
        policy = args.optional_text("organizations_policy_id", organizations_policy_id)
        key = _sort_key(args, sort_key)
        polling = _polling(
            args, timeout, poll_delay, max_poll_delay, ("poll_delay", "max_poll_delay")
        )
        args.check()
        return organizations_report(
            path, organizations_policy_id=policy, sort_key=key, polling=polling
        )

    # ------------------------------------------------------------------ many principals

    @face.stream
    def discover(
        self,
        *,
        users: bool = True,
        roles: bool = True,
        groups: bool = True,
        policies: bool = True,
        skip_service_linked_roles: bool = True,
    ) -> face.Emitting[str]:
        """ARNs of the account's users, roles, groups and customer-managed policies, streamed
        page by page as they are listed."""
        from ._runtime.flows.scan import discover

        args = Arguments("discover")
        which = _discovery(args, users, roles, groups, policies, skip_service_linked_roles)
        args.check()
        return face.Emitting(discover(which))

    @face.stream
    def scan(
        self,
        arns: Iterable[str] | None = None,
        *,
        users: bool = True,
        roles: bool = True,
        groups: bool = True,
        policies: bool = True,
        skip_service_linked_roles: bool = True,
        granularity: Granularity = "SERVICE_LEVEL",
        with_entities: bool = False,
        concurrency: int = 8,
        rate_limit: float | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
        progress: ProgressCallback | None = None,
    ) -> face.Emitting[ScanResult]:
        """Reports for many principals, ``concurrency`` at a time, every request (retries
        included) through one ``rate_limit`` (requests/s) when given: one :class:`ScanResult`
        (:class:`ScanSuccess` or :class:`ScanFailure`) per principal, in completion order.

        ``arns`` must be an iterable of ARN strings (each checked, with its position, before
        any request; an ARN given twice is scanned once); without it, the principals are
        discovered (the ``users`` ... ``policies`` switches) and streamed into the workers as
        they are listed, so results start before discovery ends and memory stays flat. Leaving
        the iteration early stops everything: no request starts afterwards.
        """
        from ._runtime.flows.scan import scan

        args = Arguments("scan")
        targets = None
        if arns is not None:
            targets = args.strings("arns", arns, what="an ARN", valid=looks_like_arn, unique=True)
        which = _discovery(args, users, roles, groups, policies, skip_service_linked_roles)
        options = _report_options(
            args, granularity, with_entities, timeout, poll_delay, max_poll_delay
        )
        workers = args.whole("concurrency", concurrency, minimum=1)
        rate = args.rate("rate_limit", rate_limit)
        callback = args.callback("progress", progress)
        args.check()
        return face.Emitting(
            scan(
                targets,
                which,
                options,
                concurrency=workers,
                limiter=TokenBucket(rate) if rate is not None else None,
                progress=callback,
            )
        )


def _discovery(
    args: Arguments, users: Any, roles: Any, groups: Any, policies: Any, skip_slr: Any
) -> Discovery:
    from ._runtime.flows.scan import Discovery

    return Discovery(
        users=args.flag("users", users),
        roles=args.flag("roles", roles),
        groups=args.flag("groups", groups),
        policies=args.flag("policies", policies),
        skip_service_linked_roles=args.flag("skip_service_linked_roles", skip_slr),
    )


def _report_options(
    args: Arguments,
    granularity: Any,
    with_entities: Any,
    timeout: Any,
    poll_delay: Any,
    max_poll_delay: Any,
) -> ReportOptions:
    from ._runtime.flows.scan import ReportOptions

    return ReportOptions(
        granularity=args.choice("granularity", granularity, GRANULARITIES),
        with_entities=args.flag("with_entities", with_entities),
        polling=_polling(
            args, timeout, poll_delay, max_poll_delay, ("poll_delay", "max_poll_delay")
        ),
    )


class SyncAdvisor(
    Workflows, ProposalWorkflows, OrganizationWorkflows, face.SyncSide, SyncOperations
):
    """The Access Advisor workflow on :class:`~iamlast.Client` (threads for fan-out; the
    driver is the client's own, :attr:`~iamlast._client.SyncBaseClient._driver`)."""
