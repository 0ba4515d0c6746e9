"""The Access Advisor workflow on both clients: friendly pagers, full reports, account scans,
Organizations reports.

``last_accessed(arn)`` generates a report, waits for it, reads every page (and optionally every
service's entities) and returns an :class:`~iamlast.report.AccessReport`. ``scan()`` does that
for many principals at once — given ARNs or all users, roles, groups and customer-managed
policies — with bounded concurrency and one shared request rate, yielding a result or an error
per ARN without stopping.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._runtime.errors import FieldProblem, IamError, ParamValidationError
from ._runtime.ratelimit import TokenBucket, active_limiter
from .jobs import DEFAULT_TIMEOUT, AsyncJobs, SyncJobs, job_id_of
from .pagination import AsyncChainPager, AsyncPager, ChainPager, Pager

if TYPE_CHECKING:
    import asyncio
    from concurrent.futures import Future

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
    from .report import AccessReport, OrganizationsReport

__all__ = [
    "MAX_NAMESPACES_PER_CALL",
    "AsyncAdvisor",
    "Granularity",
    "ScanProgress",
    "ScanResult",
    "SyncAdvisor",
]

Granularity = Literal["SERVICE_LEVEL", "ACTION_LEVEL"]
#: ListPoliciesGrantingServiceAccess accepts at most this many namespaces per call.
MAX_NAMESPACES_PER_CALL = 200
_SERVICE_LINKED_PATH = "/aws-service-role/"


@dataclass(frozen=True)
class ScanResult:
    """One principal's outcome in a scan: its report, or the error that stopped it."""

    arn: str
    report: AccessReport | None = None
    error: IamError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ScanProgress:
    """Where a scan is: ``total`` is None until discovery has finished."""

    done: int
    failed: int
    total: int | None
    last_arn: str | None


ProgressCallback = Callable[[ScanProgress], None]


def _chunks(namespaces: Sequence[str]) -> list[list[str]]:
    if isinstance(namespaces, str | bytes | bytearray):  # list("s3") would send ["s", "3"]
        raise ParamValidationError(
            "ListPoliciesGrantingServiceAccessRequest",
            [
                FieldProblem(
                    "ServiceNamespaces", "type", f"expected a list, got {type(namespaces).__name__}"
                )
            ],
        )
    items = list(namespaces)
    if not items:
        return [[]]
    return [
        items[i : i + MAX_NAMESPACES_PER_CALL]
        for i in range(0, len(items), MAX_NAMESPACES_PER_CALL)
    ]


def _discoverable(kind: str, item: Any, skip_service_linked_roles: bool) -> str | None:
    arn: str = item.arn
    if (
        kind == "role"
        and skip_service_linked_roles
        and (item.path or "").startswith(_SERVICE_LINKED_PATH)
    ):
        return None
    return arn


def _listings(
    users: bool, roles: bool, groups: bool, policies: bool
) -> list[tuple[str, str, dict[str, Any]]]:
    """What discovery lists: (kind, operation, arguments); customer-managed policies only."""
    wanted = [
        (users, ("user", "ListUsers", {})),
        (roles, ("role", "ListRoles", {})),
        (groups, ("group", "ListGroups", {})),
        (policies, ("policy", "ListPolicies", {"scope": "Local"})),
    ]
    return [listing for on, listing in wanted if on]


def _bucket(rate_limit: float | None) -> TokenBucket | None:
    return TokenBucket(rate_limit) if rate_limit is not None else None


# --------------------------------------------------------------------------------------- sync


class SyncAdvisor(SyncJobs):
    """The Access Advisor workflow on :class:`~iamlast.Client`."""

    def paginate_services(
        self,
        job_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> Pager[GetServiceLastAccessedDetailsResponse, ServiceLastAccessed]:
        """Every service of a completed job (GetServiceLastAccessedDetails, all pages).
        Raises JobNotReadyError / JobFailedError instead of yielding nothing for a job that is
        not COMPLETED."""
        return Pager(
            self,
            "GetServiceLastAccessedDetails",
            {"job_id": job_id},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

    def paginate_entities(
        self,
        job_id: str,
        service_namespace: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> Pager[GetServiceLastAccessedDetailsWithEntitiesResponse, EntityDetails]:
        """Every entity that could use one service of a completed job
        (GetServiceLastAccessedDetailsWithEntities, all pages)."""
        return Pager(
            self,
            "GetServiceLastAccessedDetailsWithEntities",
            {"job_id": job_id, "service_namespace": service_namespace},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

    def paginate_policies_granting_service_access(
        self, arn: str, service_namespaces: Sequence[str]
    ) -> ChainPager[
        ListPoliciesGrantingServiceAccessResponse, ListPoliciesGrantingServiceAccessEntry
    ]:
        """The policies granting each service, all pages; more than 200 namespaces are split
        over several calls."""
        return ChainPager(
            [
                Pager(
                    self,
                    "ListPoliciesGrantingServiceAccess",
                    {"arn": arn, "service_namespaces": chunk},
                )
                for chunk in _chunks(service_namespaces)
            ]
        )

    def paginate_organizations_access_report(
        self,
        job_id: str,
        *,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> Pager[GetOrganizationsAccessReportResponse, AccessDetail]:
        """Every access detail of a completed Organizations report, all pages."""
        return Pager(
            self,
            "GetOrganizationsAccessReport",
            {"job_id": job_id, "sort_key": sort_key},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

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
    ) -> AccessReport:
        """Generate, wait for and read a whole service-last-accessed report for ``arn``."""
        return self._report(
            arn, granularity, with_entities, timeout, page_size, None, poll_delay, max_poll_delay
        )

    def _report(
        self,
        arn: str,
        granularity: Granularity,
        with_entities: bool,
        timeout: float,
        page_size: int | None,
        stop: threading.Event | None,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
    ) -> AccessReport:
        job_id = job_id_of(
            self.generate_service_last_accessed_details(arn=arn, granularity=granularity),
            "GenerateServiceLastAccessedDetails",
        )
        first = self._wait(
            "GetServiceLastAccessedDetails",
            job_id,
            {"max_items": page_size},
            timeout,
            poll_delay,
            max_poll_delay,
            "error",
            stop,
        )
        services: list[ServiceLastAccessed] = list(
            Pager(
                self,
                "GetServiceLastAccessedDetails",
                {"job_id": job_id},
                page_size=page_size,
                first_page=first,
            )
        )
        entities = None
        if with_entities:
            entities = {
                s.service_namespace: list(
                    self.paginate_entities(job_id, s.service_namespace, page_size=page_size)
                )
                for s in services
            }
        from .report import build_report

        return build_report(arn, job_id, first, services, entities, granularity)

    def organizations_report(
        self,
        entity_path: str,
        *,
        organizations_policy_id: str | None = None,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
    ) -> OrganizationsReport:
        """Generate (waiting politely while too many reports run), wait for and read a whole
        Organizations access report."""
        start = {"entity_path": entity_path, "organizations_policy_id": organizations_policy_id}
        job_id = job_id_of(
            self._generate_politely(
                "GenerateOrganizationsAccessReport",
                {k: v for k, v in start.items() if v is not None},
                timeout,
            ),
            "GenerateOrganizationsAccessReport",
        )
        extra = {"sort_key": sort_key}
        first = self._wait(
            "GetOrganizationsAccessReport",
            job_id,
            extra,
            timeout,
            poll_delay,
            max_poll_delay,
            "error_details",
        )
        details: list[AccessDetail] = list(
            Pager(
                self,
                "GetOrganizationsAccessReport",
                {"job_id": job_id, "sort_key": sort_key},
                first_page=first,
            )
        )
        from .report import build_organizations_report

        return build_organizations_report(entity_path, job_id, first, details)

    def discover(
        self,
        *,
        users: bool = True,
        roles: bool = True,
        groups: bool = True,
        policies: bool = True,
        skip_service_linked_roles: bool = True,
    ) -> Iterator[str]:
        """ARNs of the account's users, roles, groups and customer-managed policies (streamed)."""
        for kind, operation, kwargs in _listings(users, roles, groups, policies):
            pager: Pager[Any, Any] = Pager(self, operation, kwargs)
            for item in pager:
                arn = _discoverable(kind, item, skip_service_linked_roles)
                if arn is not None:
                    yield arn

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
    ) -> Iterator[ScanResult]:
        """Reports for many principals, ``concurrency`` at a time (threads), every request
        through one ``rate_limit`` (requests/s) when given; one :class:`ScanResult` per ARN, in
        completion order. Stopping the iteration stops the scan."""
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        context = contextvars.copy_context()
        context.run(active_limiter.set, _bucket(rate_limit))
        stop = threading.Event()
        targets = list(arns) if arns is not None else None
        if targets is None:
            targets = context.copy().run(
                lambda: list(
                    self.discover(
                        users=users,
                        roles=roles,
                        groups=groups,
                        policies=policies,
                        skip_service_linked_roles=skip_service_linked_roles,
                    )
                )
            )
        total = len(targets)
        done = failed = 0

        def one(arn: str) -> ScanResult:
            try:
                return ScanResult(
                    arn,
                    report=self._report(
                        arn,
                        granularity,
                        with_entities,
                        timeout,
                        None,
                        stop,
                        poll_delay,
                        max_poll_delay,
                    ),
                )
            except IamError as exc:
                return ScanResult(arn, error=exc)

        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="iamlast-scan")
        pending: set[Future[ScanResult]] = set()
        queue = iter(targets)
        try:
            while True:
                while len(pending) < concurrency:
                    arn = next(queue, None)
                    if arn is None:
                        break
                    pending.add(pool.submit(context.copy().run, one, arn))
                if not pending:
                    break
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    result = future.result()
                    done += 1
                    failed += 0 if result.ok else 1
                    if progress is not None:
                        progress(ScanProgress(done, failed, total, result.arn))
                    yield result
        finally:
            stop.set()
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


# -------------------------------------------------------------------------------------- async


class AsyncAdvisor(AsyncJobs):
    """The Access Advisor workflow on :class:`~iamlast.AsyncClient`."""

    def paginate_services(
        self,
        job_id: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> AsyncPager[GetServiceLastAccessedDetailsResponse, ServiceLastAccessed]:
        """Every service of a completed job, all pages (``async for``)."""
        return AsyncPager(
            self,
            "GetServiceLastAccessedDetails",
            {"job_id": job_id},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

    def paginate_entities(
        self,
        job_id: str,
        service_namespace: str,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> AsyncPager[GetServiceLastAccessedDetailsWithEntitiesResponse, EntityDetails]:
        """Every entity for one service of a completed job, all pages (``async for``)."""
        return AsyncPager(
            self,
            "GetServiceLastAccessedDetailsWithEntities",
            {"job_id": job_id, "service_namespace": service_namespace},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

    def paginate_policies_granting_service_access(
        self, arn: str, service_namespaces: Sequence[str]
    ) -> AsyncChainPager[
        ListPoliciesGrantingServiceAccessResponse, ListPoliciesGrantingServiceAccessEntry
    ]:
        """The policies granting each service; more than 200 namespaces split over calls."""
        return AsyncChainPager(
            [
                AsyncPager(
                    self,
                    "ListPoliciesGrantingServiceAccess",
                    {"arn": arn, "service_namespaces": chunk},
                )
                for chunk in _chunks(service_namespaces)
            ]
        )

    def paginate_organizations_access_report(
        self,
        job_id: str,
        *,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> AsyncPager[GetOrganizationsAccessReportResponse, AccessDetail]:
        """Every access detail of a completed Organizations report (``async for``)."""
        return AsyncPager(
            self,
            "GetOrganizationsAccessReport",
            {"job_id": job_id, "sort_key": sort_key},
            page_size=page_size,
            max_items=max_items,
            starting_marker=starting_marker,
        )

    async def last_accessed(
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
    ) -> AccessReport:
        """Generate, wait for and read a whole report; entities are read ``concurrency``
        services at a time."""
        job_id = job_id_of(
            await self.generate_service_last_accessed_details(arn=arn, granularity=granularity),
            "GenerateServiceLastAccessedDetails",
        )
        first = await self._wait(
            "GetServiceLastAccessedDetails",
            job_id,
            {"max_items": page_size},
            timeout,
            poll_delay,
            max_poll_delay,
            "error",
        )
        pager: AsyncPager[Any, ServiceLastAccessed] = AsyncPager(
            self,
            "GetServiceLastAccessedDetails",
            {"job_id": job_id},
            page_size=page_size,
            first_page=first,
        )
        services = [s async for s in pager]
        entities = None
        if with_entities:
            import asyncio

            gate = asyncio.Semaphore(max(1, concurrency))

            async def read(namespace: str) -> tuple[str, list[EntityDetails]]:
                async with gate:
                    return namespace, [
                        e
                        async for e in self.paginate_entities(
                            job_id, namespace, page_size=page_size
                        )
                    ]

            pairs = await asyncio.gather(*(read(s.service_namespace) for s in services))
            entities = dict(pairs)
        from .report import build_report

        return build_report(arn, job_id, first, services, entities, granularity)

    async def organizations_report(
        self,
        entity_path: str,
        *,
        organizations_policy_id: str | None = None,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
    ) -> OrganizationsReport:
        """Generate (politely), wait for and read a whole Organizations access report."""
        start = {"entity_path": entity_path, "organizations_policy_id": organizations_policy_id}
        job_id = job_id_of(
            await self._generate_politely(
                "GenerateOrganizationsAccessReport",
                {k: v for k, v in start.items() if v is not None},
                timeout,
            ),
            "GenerateOrganizationsAccessReport",
        )
        first = await self._wait(
            "GetOrganizationsAccessReport",
            job_id,
            {"sort_key": sort_key},
            timeout,
            poll_delay,
            max_poll_delay,
            "error_details",
        )
        pager: AsyncPager[Any, AccessDetail] = AsyncPager(
            self,
            "GetOrganizationsAccessReport",
            {"job_id": job_id, "sort_key": sort_key},
            first_page=first,
        )
        from .report import build_organizations_report

        return build_organizations_report(entity_path, job_id, first, [d async for d in pager])

    async def discover(
        self,
        *,
        users: bool = True,
        roles: bool = True,
        groups: bool = True,
        policies: bool = True,
        skip_service_linked_roles: bool = True,
    ) -> AsyncIterator[str]:
        """ARNs of the account's users, roles, groups and customer-managed policies."""
        for kind, operation, kwargs in _listings(users, roles, groups, policies):
            pager: AsyncPager[Any, Any] = AsyncPager(self, operation, kwargs)
            async for item in pager:
                arn = _discoverable(kind, item, skip_service_linked_roles)
                if arn is not None:
                    yield arn

    async def scan(
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
    ) -> AsyncIterator[ScanResult]:
        """Reports for many principals, ``concurrency`` at a time, every request (retries
        included) through one ``rate_limit`` (requests/s) when given; one :class:`ScanResult`
        per ARN in completion order. Discovery streams into the workers. Leaving the loop early
        cancels everything still running."""
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, not {concurrency}")
        context = contextvars.copy_context()
        context.run(active_limiter.set, _bucket(rate_limit))
        import asyncio

        todo: asyncio.Queue[str | None] = asyncio.Queue()
        results: asyncio.Queue[ScanResult | BaseException] = asyncio.Queue()
        total: list[int | None] = [None]

        async def feed() -> None:
            count = 0
            try:
                if arns is not None:
                    for arn in arns:
                        count += 1
                        await todo.put(arn)
                else:
                    async for arn in self.discover(
                        users=users,
                        roles=roles,
                        groups=groups,
                        policies=policies,
                        skip_service_linked_roles=skip_service_linked_roles,
                    ):
                        count += 1
                        await todo.put(arn)
                total[0] = count
            except IamError as exc:
                await results.put(exc)
            finally:
                for _ in range(concurrency):
                    await todo.put(None)

        async def work() -> None:
            while (arn := await todo.get()) is not None:
                try:
                    report = await self.last_accessed(
                        arn,
                        granularity=granularity,
                        with_entities=with_entities,
                        timeout=timeout,
                        poll_delay=poll_delay,
                        max_poll_delay=max_poll_delay,
                    )
                    await results.put(ScanResult(arn, report=report))
                except IamError as exc:
                    await results.put(ScanResult(arn, error=exc))

        tasks = [asyncio.create_task(feed(), context=context)]
        tasks += [asyncio.create_task(work(), context=context) for _ in range(concurrency)]
        workers = asyncio.gather(*tasks)
        done = failed = 0
        try:
            while True:
                if total[0] is not None and done >= total[0]:
                    break
                getter = asyncio.ensure_future(results.get())
                waiting: set[asyncio.Future[Any]] = {getter, workers}
                finished, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if getter not in finished:
                    getter.cancel()
                    if results.empty():
                        workers.result()  # re-raise a crash; a clean finish means nothing left
                        break
                    item = results.get_nowait()
                else:
                    item = getter.result()
                if isinstance(item, BaseException):
                    raise item
                done += 1
                failed += 0 if item.ok else 1
                if progress is not None:
                    progress(ScanProgress(done, failed, total[0], item.arn))
                yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
