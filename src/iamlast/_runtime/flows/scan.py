"""Scanning many principals: discovery, one report each, results streamed as they finish.

Discovery (ListUsers, ListRoles, ListGroups, ListPolicies of the account's own policies) feeds
the workers through a bounded buffer, so the first result can arrive before discovery ends and
memory stays flat however many principals there are. Every ARN gets exactly one result: its
report (:class:`ScanSuccess`) or the error that stopped it (:class:`ScanFailure`); one
principal's failure never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from ..errors import IamError
from . import Emit, Flow, Next, Spec, Stream, Total, emit_all, relay
from .report import Polling, last_accessed, pages

if TYPE_CHECKING:
    from ..ratelimit import TokenBucket
    from ..report import AccessReport

__all__ = [
    "SERVICE_LINKED_PATH",
    "Discovery",
    "ReportOptions",
    "ScanFailure",
    "ScanProgress",
    "ScanResult",
    "ScanSuccess",
    "discover",
    "scan",
]

SERVICE_LINKED_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class ScanSuccess:
    """A principal whose report was read: ``report`` is it."""

    arn: str
    report: AccessReport
    error: None = None

    @property
    def ok(self) -> Literal[True]:
        return True


@dataclass(frozen=True)
class ScanFailure:
    """A principal whose report could not be read: ``error`` says why."""

    arn: str
    error: IamError
    report: None = None

    @property
    def ok(self) -> Literal[False]:
        return False


#: One principal's outcome; ``if result.ok:`` (or ``isinstance``) tells type checkers which.
ScanResult: TypeAlias = ScanSuccess | ScanFailure


@dataclass(frozen=True)
class ScanProgress:
    """Where a scan is: ``total`` is None until every principal to scan is known."""

    done: int
    failed: int
    total: int | None
    last_arn: str | None


ProgressCallback = Callable[[ScanProgress], None]


@dataclass(frozen=True, slots=True)
class Discovery:
    """Which principals discovery lists."""

    users: bool = True
    roles: bool = True
    groups: bool = True
    policies: bool = True
    skip_service_linked_roles: bool = True

    def listings(self) -> list[tuple[str, str, dict[str, Any]]]:
        """(kind, operation, arguments); customer-managed policies only."""
        wanted = [
            (self.users, ("user", "ListUsers", {})),
            (self.roles, ("role", "ListRoles", {})),
            (self.groups, ("group", "ListGroups", {})),
            (self.policies, ("policy", "ListPolicies", {"scope": "Local"})),
        ]
        return [listing for on, listing in wanted if on]


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """How each principal's report is read."""

    granularity: str
    with_entities: bool
    polling: Polling
    page_size: int | None = None
    concurrency: int = 8


def discover(which: Discovery, *, announce: bool = False) -> Flow[None]:
    """Emits the ARNs of the account's principals, page by page, as they are listed; with
    ``announce``, a :class:`~iamlast._runtime.flows.Total` as soon as the last page is read,
    before that page's ARNs (so a scan knows its size while principals still wait)."""
    listings = which.listings()
    count = 0
    for n, (kind, operation, kwargs) in enumerate(listings, 1):
        spec = yield Spec(operation)
        assert spec.paginator is not None
        keys = spec.paginator.result_keys
        skip = kind == "role" and which.skip_service_linked_roles
        last_listing = n == len(listings)

        def arns_of(
            page: Any, skip: bool = skip, last: bool = last_listing, keys: Any = keys
        ) -> list[Any]:
            found: list[Any] = [
                item.arn
                for key in keys
                for item in getattr(page, key, None) or ()
                if not (skip and (item.path or "").startswith(SERVICE_LINKED_PATH))
            ]
            nonlocal count
            count += len(found)
            if announce and last and not page.is_truncated:
                found.insert(0, Total(count))
            return found

        yield from relay(pages(operation, kwargs, whole_pages=True), arns_of)
    if announce and not listings:
        yield Emit(Total(0))


def report(arn: str, options: ReportOptions) -> Flow[ScanResult]:
    """One principal's report, or the error that stopped it (never raised: returned)."""
    try:
        found = yield from last_accessed(
            arn,
            granularity=options.granularity,
            with_entities=options.with_entities,
            polling=options.polling,
            page_size=options.page_size,
            concurrency=options.concurrency,
        )
    except IamError as exc:
        return ScanFailure(arn, exc)
    return ScanSuccess(arn, found)


def scan(
    targets: list[str] | None,
    which: Discovery,
    options: ReportOptions,
    *,
    concurrency: int,
    limiter: TokenBucket | None,
    progress: ProgressCallback | None,
) -> Flow[None]:
    """Emits one :class:`ScanResult` per principal, in completion order, ``concurrency``
    principals at a time; ``targets`` (checked ARNs) or, when None, everything discovered."""
    source = emit_all(targets) if targets is not None else discover(which, announce=True)
    known = len(targets) if targets is not None else None
    handle = yield Stream(
        source,
        lambda arn: report(arn, options),
        limit=concurrency,
        buffer=concurrency,
        limiter=limiter,
    )
    done = failed = 0
    while (completed := (yield Next(handle))) is not None:
        result: ScanResult = completed.value
        done += 1
        failed += 0 if result.ok else 1
        if progress is not None:
            total = known if known is not None else completed.total
            progress(ScanProgress(done, failed, total, result.arn))
        yield Emit(result)
