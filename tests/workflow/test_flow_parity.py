"""The same workflow, driven sync and async, sends the same requests (as a multiset) and
returns equal results; fan-out obeys the same limits in both."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from iamlast.testing import FakeIAM, SyntheticAccount

from .both import FAST, MODES, Both
from .hostile import Hostile, details, ok

pytestmark = pytest.mark.timeout(120)

ORG_PATH = "o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6/123456789012"


@pytest.fixture(scope="module")
def iam() -> Iterator[FakeIAM]:
    account = SyntheticAccount.generate(8, users=4, roles=5, groups=2, policies=2)
    with FakeIAM(account, job_polls=2, page_cap=37) as server:
        yield server


#: What differs between two runs of the same job: its id, its times, the markers naming it.
PER_RUN = {"job_id", "job_created", "as_of", "JobId", "JobCreationDate", "JobCompletionDate", "Marker"}


def _drop_per_run(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in PER_RUN}


def _plain(value: Any) -> Any:
    """A comparable form of what a workflow returned, without what differs per run."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "to_json") and hasattr(value, "job_id") and hasattr(value, "as_of"):
        return _drop_per_run(value.to_json())
    if hasattr(value, "report") and hasattr(value, "arn"):  # a ScanResult
        return (value.arn, value.ok, _plain(value.report) if value.ok else type(value.error).__name__)
    if hasattr(value, "access_details"):  # an OrganizationsReport
        return [d.to_json() for d in value.access_details], value.number_of_services_accessible
    if hasattr(value, "to_json"):
        data = _drop_per_run(value.to_json())
        data.pop("ResponseMetadata", None)
        return data
    return value


def _request_multiset(iam: FakeIAM) -> Counter[tuple[str | None, tuple[tuple[str, str], ...]]]:
    out: Counter[tuple[str | None, tuple[tuple[str, str], ...]]] = Counter()
    for record in iam.requests:
        params = {
            k: ("<job>" if k == "JobId" else "<marker>" if k == "Marker" else v)
            for k, v in record.params.items()
        }
        out[(record.action, tuple(sorted(params.items())))] += 1
    return out


async def _job(both: Both, arn: str) -> str:
    job = await both.call("generate_service_last_accessed_details", arn=arn)
    return str(job.job_id)


Case = Callable[[Both, FakeIAM], Awaitable[Any]]


async def _wait(both: Both, iam: FakeIAM) -> Any:
    job = await _job(both, iam.account.admin_role.arn)
    return await both.call("wait_for_job", job, initial_delay=0.005, max_delay=0.01, page_size=50)


async def _report(both: Both, iam: FakeIAM) -> Any:
    group = next(g for g in iam.account.groups.values() if g.members)
    return await both.call("last_accessed", group.arn, with_entities=True, concurrency=3, **FAST)


async def _action_report(both: Both, iam: FakeIAM) -> Any:
    return await both.call(
        "last_accessed", iam.account.admin_role.arn, granularity="ACTION_LEVEL", page_size=40, **FAST
    )


async def _services_pager(both: Both, iam: FakeIAM) -> Any:
    job = await _job(both, iam.account.admin_role.arn)
    await both.call("wait_for_job", job, initial_delay=0.005, max_delay=0.01)
    pages = await both.items(both.client.paginate_services(job, page_size=25).pages())
    items = await both.items(both.client.paginate_services(job, max_items=60))
    return [len(pages), *items]


async def _entities_pager(both: Both, iam: FakeIAM) -> Any:
    job = await _job(both, iam.account.admin_role.arn)
    await both.call("wait_for_job", job, initial_delay=0.005, max_delay=0.01)
    return await both.items(both.client.paginate_entities(job, "iam"))


async def _granting(both: Both, iam: FakeIAM) -> Any:
    arn = iam.account.admin_role.arn
    namespaces = iam.account.granted_services(iam.account.find(arn))[:230]  # type: ignore[arg-type]
    return await both.items(both.client.paginate_policies_granting_service_access(arn, namespaces))


async def _org_report(both: Both, iam: FakeIAM) -> Any:
    return await both.call(
        "organizations_report", ORG_PATH, sort_key="SERVICE_NAMESPACE_ASCENDING", **FAST
    )


async def _discover(both: Both, iam: FakeIAM) -> Any:
    return sorted(await both.stream("discover", skip_service_linked_roles=False))


async def _scan_given(both: Both, iam: FakeIAM) -> Any:
    arns = sorted(r.arn for r in iam.account.roles.values())[:6]
    arns.append("arn:aws:iam::123456789012:user/nobody")
    results = await both.stream("scan", arns, concurrency=3, **FAST)
    return sorted(_plain(results), key=lambda r: r[0])


async def _scan_discovered(both: Both, iam: FakeIAM) -> Any:
    results = await both.stream("scan", policies=False, concurrency=4, **FAST)
    return sorted(_plain(results), key=lambda r: r[0])


CASES: dict[str, Case] = {
    "wait_for_job": _wait,
    "last_accessed-entities": _report,
    "last_accessed-actions": _action_report,
    "paginate_services": _services_pager,
    "paginate_entities": _entities_pager,
    "policies_granting": _granting,
    "organizations_report": _org_report,
    "discover": _discover,
    "scan-given": _scan_given,
    "scan-discovered": _scan_discovered,
}


@pytest.mark.parametrize("case", sorted(CASES))
async def test_both_clients_send_the_same_requests_and_agree(case: str, iam: FakeIAM) -> None:
    runs = {}
    for mode in MODES:
        iam.clear_log()
        both = Both(mode, **iam.iamlast_kwargs())
        try:
            result = await CASES[case](both, iam)
        finally:
            await both.close()
        runs[mode] = (_request_multiset(iam), _plain(result))
    (sync_requests, sync_result), (async_requests, async_result) = runs["sync"], runs["async"]
    assert sync_requests == async_requests
    assert sum(sync_requests.values()) > 0
    assert sync_result == async_result


class Gauge:
    """How many requests of one action were in the server at once, at most."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, body: Callable[[], tuple[int, str]]) -> tuple[int, str]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(0.05)
            return body()
        finally:
            with self._lock:
                self.now -= 1


def _namespaces(count: int) -> str:
    members = "".join(
        f"<member><ServiceName>S{n}</ServiceName><ServiceNamespace>svc{n}</ServiceNamespace></member>"
        for n in range(count)
    )
    return ok(
        "GetServiceLastAccessedDetails",
        "<JobStatus>COMPLETED</JobStatus><JobType>SERVICE_LEVEL</JobType>"
        "<JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>"
        "<JobCompletionDate>2024-01-01T00:00:05Z</JobCompletionDate>"
        f"<ServicesLastAccessed>{members}</ServicesLastAccessed><IsTruncated>false</IsTruncated>",
    )


@pytest.mark.parametrize("mode", MODES)
async def test_fan_out_limits_are_the_same_in_both_clients(mode: str) -> None:
    """A scan runs ``concurrency`` principals at once; a report reads entities ``concurrency``
    services at once (the sync client used to read them one at a time)."""
    generate, entities = Gauge(), Gauge()
    server: Hostile
    entities_xml = ok(
        "GetServiceLastAccessedDetailsWithEntities",
        "<JobStatus>COMPLETED</JobStatus><JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>"
        "<JobCompletionDate>2024-01-01T00:00:05Z</JobCompletionDate>"
        "<EntityDetailsList/><IsTruncated>false</IsTruncated>",
    )
    with Hostile(
        {
            "GenerateServiceLastAccessedDetails": lambda p: generate(lambda: server._generate(p)),
            "GetServiceLastAccessedDetails": lambda p: (200, _namespaces(12)),
            "GetServiceLastAccessedDetailsWithEntities": lambda p: entities(
                lambda: (200, entities_xml)
            ),
        }
    ) as server:
        both = Both(mode, **server.client_kwargs())
        try:
            arns = [f"arn:aws:iam::123456789012:role/r{n}" for n in range(9)]
            results = await both.stream("scan", arns, concurrency=3, **FAST)
            assert len(results) == 9 and all(r.ok for r in results)
            assert generate.peak == 3
            report = await both.call(
                "last_accessed", arns[0], with_entities=True, concurrency=5, **FAST
            )
            assert len(report.services) == 12
            assert entities.peak == 5
            assert report.unused(timedelta(days=1))
        finally:
            await both.close()
    assert details  # the module's page writer is shared with the other suites
