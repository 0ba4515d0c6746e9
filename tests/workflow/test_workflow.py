"""The Access Advisor workflow against the loopback emulator, with both clients.

Every test runs a real HTTP server (iamlast.testing.FakeIAM) and the real clients: signing,
retries, parsing, paging, job polling. Poll delays are shortened so jobs that stay IN_PROGRESS
for a few polls finish in milliseconds.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, timedelta

import httpx
import pytest

import iamlast
from iamlast import AsyncClient, Client, errors
from iamlast.report import ActionStatus
from iamlast.testing import FakeIAM, Faults, SyntheticAccount

FAST = {"poll_delay": 0.005, "max_poll_delay": 0.02}


def _kwargs(iam: FakeIAM, **extra: object) -> dict[str, object]:
    kw = iam.client_kwargs()
    return {
        "endpoint_url": kw["endpoint_url"],
        "region": kw["region_name"],
        "aws_access_key_id": kw["aws_access_key_id"],
        "aws_secret_access_key": kw["aws_secret_access_key"],
        **extra,
    }


@pytest.fixture
def iam() -> Iterator[FakeIAM]:
    with FakeIAM(SyntheticAccount.generate(7), job_polls=2, page_cap=37) as server:
        yield server


@pytest.fixture
def client(iam: FakeIAM) -> Iterator[Client]:
    with Client(**_kwargs(iam)) as c:  # type: ignore[arg-type]
        yield c


def _admin_arn(iam: FakeIAM) -> str:
    return iam.account.admin_role.arn


# ------------------------------------------------------------------------------------ jobs


def test_wait_for_job_polls_until_complete(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    job_id = client.generate_service_last_accessed_details(arn=arn).job_id
    assert job_id is not None
    done = client.wait_for_job(job_id, initial_delay=0.005, max_delay=0.01)
    assert done.job_status == "COMPLETED"
    assert done.job_completion_date is not None
    assert done.job_completion_date.tzinfo is UTC
    assert iam.calls("GetServiceLastAccessedDetails") == 3  # IN_PROGRESS twice, then COMPLETED


def test_failed_job_raises_with_details(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    iam.fail_jobs(arn, code="ServiceFailure", message="could not read the logs")
    job_id = client.generate_service_last_accessed_details(arn=arn).job_id
    assert job_id is not None
    with pytest.raises(iamlast.JobFailedError) as info:
        client.wait_for_job(job_id, initial_delay=0.005, max_delay=0.01)
    assert info.value.job_id == job_id
    assert info.value.code == "ServiceFailure"
    assert info.value.message == "could not read the logs"
    assert isinstance(info.value, iamlast.IamError)
    # polled until FAILED, not beyond
    assert iam.calls("GetServiceLastAccessedDetails") == 3


def test_timeout_raises_with_last_response(iam: FakeIAM, client: Client) -> None:
    iam.job_polls = 10_000
    job_id = client.generate_service_last_accessed_details(arn=_admin_arn(iam)).job_id
    assert job_id is not None
    with pytest.raises(iamlast.JobTimeoutError) as info:
        client.wait_for_job(job_id, timeout=0.2, initial_delay=0.01, max_delay=0.02)
    assert info.value.job_id == job_id
    assert info.value.last_response is not None
    assert info.value.last_response.job_status == "IN_PROGRESS"
    assert info.value.polls >= 2


async def test_async_wait_and_cancellation(iam: FakeIAM) -> None:
    async with AsyncClient(**_kwargs(iam)) as ac:  # type: ignore[arg-type]
        job = await ac.generate_service_last_accessed_details(arn=_admin_arn(iam))
        assert job.job_id is not None
        done = await ac.wait_for_job(job.job_id, initial_delay=0.005, max_delay=0.01)
        assert done.job_status == "COMPLETED"

        iam.job_polls = 10_000
        job = await ac.generate_service_last_accessed_details(arn=_admin_arn(iam))
        assert job.job_id is not None
        before = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        task = asyncio.create_task(ac.wait_for_job(job.job_id, initial_delay=0.01, max_delay=0.01))
        await asyncio.sleep(0.1)
        polls = iam.calls("GetServiceLastAccessedDetails")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.1)
        assert iam.calls("GetServiceLastAccessedDetails") <= polls + 1  # stopped polling
        after = {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}
        assert after <= before


# ------------------------------------------------------------------------------- pagination


def test_all_services_across_capped_pages(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    expected = set(iam.account.granted_services(iam.account.find(arn)))  # type: ignore[arg-type]
    assert len(expected) >= 400
    report = client.last_accessed(arn, **FAST)  # type: ignore[arg-type]
    namespaces = [s.namespace for s in report.services]
    assert len(namespaces) == len(set(namespaces)) == len(expected)
    assert set(namespaces) == expected
    # page_cap 37 < MaxItems 100: many pages, each shorter than asked
    assert iam.calls("GetServiceLastAccessedDetails") >= len(expected) // 37


def test_paginate_entities_1000_with_cap(iam: FakeIAM, client: Client) -> None:
    policy = iam.account.policy("iamlast-bulk-1k")
    job_id = client.generate_service_last_accessed_details(arn=policy.arn).job_id
    assert job_id is not None
    client.wait_for_job(job_id, initial_delay=0.005, max_delay=0.01)
    pager = client.paginate_entities(job_id, "s3", page_size=1000)
    arns = [e.entity_info.arn for e in pager]
    assert len(arns) == len(set(arns)) == 1200
    assert pager.resume_marker is None
    pages = list(client.paginate_entities(job_id, "s3", page_size=1000).pages())
    assert all(len(p.entity_details_list) <= 37 for p in pages)
    assert sum(len(p.entity_details_list) for p in pages) == 1200


def test_max_items_and_resume_marker(iam: FakeIAM, client: Client) -> None:
    policy = iam.account.policy("iamlast-bulk-1k")
    job_id = client.generate_service_last_accessed_details(arn=policy.arn).job_id
    assert job_id is not None
    client.wait_for_job(job_id, initial_delay=0.005, max_delay=0.01)
    first = client.paginate_entities(job_id, "s3", max_items=100)
    head = [e.entity_info.arn for e in first]
    assert len(head) == 100
    assert first.resume_marker is not None
    rest = [
        e.entity_info.arn
        for e in client.paginate_entities(job_id, "s3", starting_marker=first.resume_marker)
    ]
    everything = [e.entity_info.arn for e in client.paginate_entities(job_id, "s3")]
    assert head + rest == everything


def test_paging_a_running_job_refuses_instead_of_yielding_nothing(
    iam: FakeIAM, client: Client
) -> None:
    iam.job_polls = 5
    job_id = client.generate_service_last_accessed_details(arn=_admin_arn(iam)).job_id
    assert job_id is not None
    with pytest.raises(
        iamlast.JobNotReadyError if hasattr(iamlast, "JobNotReadyError") else errors.IamError
    ):
        list(client.paginate_services(job_id))


def _page(truncated: bool, marker: str | None, n: int) -> bytes:
    members = "".join(
        f"<member><ServiceName>S{i}</ServiceName><ServiceNamespace>s{i}</ServiceNamespace></member>"
        for i in range(n)
    )
    marker_xml = f"<Marker>{marker}</Marker>" if marker else ""
    return (
        '<GetServiceLastAccessedDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<GetServiceLastAccessedDetailsResult><JobStatus>COMPLETED</JobStatus>"
        "<JobCreationDate>2024-01-01T00:00:00Z</JobCreationDate>"
        "<JobCompletionDate>2024-01-01T00:00:01Z</JobCompletionDate>"
        f"<ServicesLastAccessed>{members}</ServicesLastAccessed>"
        f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>{marker_xml}"
        "</GetServiceLastAccessedDetailsResult>"
        "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        "</GetServiceLastAccessedDetailsResponse>"
    ).encode()


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ([_page(True, None, 2)], "no marker"),
        ([_page(True, "m1", 2), _page(True, "m1", 2)], "twice"),
    ],
)
def test_marker_guards(pages: list[bytes], message: str) -> None:
    bodies = iter(pages + [_page(False, None, 0)] * 5)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=next(bodies)))
    with Client(
        endpoint_url="https://iam.example.test",
        aws_access_key_id="AKID",
        aws_secret_access_key="secret",
        http_client=httpx.Client(transport=transport),
    ) as c:
        with pytest.raises(errors.PaginationError, match=message):
            list(c.paginate_services("a" * 36))


def test_policies_granting_access_splits_namespaces(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    namespaces = iam.account.granted_services(iam.account.find(arn))[:250]  # type: ignore[arg-type]
    entries = list(client.paginate_policies_granting_service_access(arn, namespaces))
    assert [e.service_namespace for e in entries] == namespaces
    calls = [r for r in iam.requests if r.action == "ListPoliciesGrantingServiceAccess"]
    assert len(calls) >= 2  # 200 + 50
    assert all(r.status == 200 for r in calls)


# ---------------------------------------------------------------------------------- reports


def test_report_matches_the_account(iam: FakeIAM, client: Client) -> None:
    role = next(
        r for r in iam.account.roles.values() if not r.path.startswith("/aws-service-role/")
    )
    report = client.last_accessed(role.arn, **FAST)  # type: ignore[arg-type]
    assert report.arn == role.arn
    assert report.as_of.tzinfo is UTC
    for service in report.services:
        truth = iam.account.usage(role.arn, service.namespace)
        if truth is None:
            assert service.last_authenticated is None
        else:
            assert service.last_authenticated == truth.when
            assert service.last_authenticated.tzinfo is UTC
    never = {s.namespace for s in report.never_used()}
    assert never == {
        s.namespace for s in report.services if iam.account.usage(role.arn, s.namespace) is None
    }
    cutoff = report.as_of - timedelta(days=90)
    unused = {s.namespace for s in report.unused(timedelta(days=90))}
    assert unused == {
        s.namespace
        for s in report.services
        if s.last_authenticated is None or s.last_authenticated < cutoff
    }
    assert never <= unused


def test_action_level_three_way_status(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    report = client.last_accessed(arn, granularity="ACTION_LEVEL", **FAST)  # type: ignore[arg-type]
    iam_service = report.service("iam")
    assert iam_service is not None
    assert iam_service.tracks_actions
    # iam:PassRole is not an action IAM tracks: never reported unused.
    assert iam_service.action_status("iam:PassRole") is ActionStatus.NOT_TRACKED
    assert all(a.action_name != "PassRole" for a in iam_service.unused_actions(timedelta(days=1)))
    statuses = {a.status for s in report.services for a in (s.actions or ())}
    # Tracked actions are used, used before the window or never used; never "not tracked".
    assert statuses <= {ActionStatus.USED, ActionStatus.UNUSED, ActionStatus.NEVER_USED}
    untracked = [s for s in report.services if not s.tracks_actions]
    assert untracked  # most services have no action-level data
    assert untracked[0].action_status("Anything") is ActionStatus.NOT_TRACKED


def test_report_with_entities(iam: FakeIAM, client: Client) -> None:
    group = next(g for g in iam.account.groups.values() if g.members)
    report = client.last_accessed(group.arn, with_entities=True, **FAST)  # type: ignore[arg-type]
    members = {u.arn for u in group.members}
    for service in report.services:
        assert service.entities is not None
        assert {e.entity_info.arn for e in service.entities} <= members


async def test_async_report_equals_sync(iam: FakeIAM, client: Client) -> None:
    arn = _admin_arn(iam)
    sync_report = client.last_accessed(arn, with_entities=True, **FAST)  # type: ignore[arg-type]
    async with AsyncClient(**_kwargs(iam)) as ac:  # type: ignore[arg-type]
        async_report = await ac.last_accessed(arn, with_entities=True, **FAST)  # type: ignore[arg-type]
    assert [(s.namespace, s.last_authenticated) for s in sync_report.services] == [
        (s.namespace, s.last_authenticated) for s in async_report.services
    ]
    assert async_report.job_id != sync_report.job_id


def test_organizations_report_waits_politely(
    iam: FakeIAM, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iamlast._sync_driver

    path = "o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6/123456789012"
    blockers = [
        client.generate_organizations_access_report(entity_path=path).job_id for _ in range(3)
    ]
    sleeps: list[float] = []
    real_sleep = iamlast._sync_driver._Scope.sleep
    busy = threading.local()

    def fake_sleep(scope: object, seconds: float) -> None:
        if getattr(busy, "on", False) or seconds < 1:  # the blockers' own short polls
            real_sleep(scope, seconds)  # type: ignore[arg-type]
            return
        # While we "wait", the running reports finish (someone polls them to completion).
        sleeps.append(seconds)
        busy.on = True
        try:
            for job_id in blockers:
                assert job_id is not None
                client.wait_for_organizations_report(job_id, initial_delay=0.001, max_delay=0.002)
        finally:
            busy.on = False

    monkeypatch.setattr(iamlast._sync_driver._Scope, "sleep", fake_sleep)
    report = client.organizations_report(
        path, sort_key="SERVICE_NAMESPACE_ASCENDING", poll_delay=0.001, max_poll_delay=0.002
    )
    assert sleeps  # it met ReportGenerationLimitExceeded and waited instead of failing
    assert report.entity_path == path
    namespaces = [d.service_namespace for d in report.access_details]
    assert namespaces == sorted(namespaces)
    assert report.number_of_services_accessible is not None


# -------------------------------------------------------------------------------------- scans


@pytest.fixture
def short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry backoffs capped at 5 ms (the retry decisions themselves are unchanged)."""
    import time
    import types

    import iamlast._async_client
    import iamlast._client

    real_sleep, real_async_sleep = time.sleep, asyncio.sleep

    async def async_sleep(seconds: float) -> None:
        await real_async_sleep(min(seconds, 0.005))

    monkeypatch.setattr(
        iamlast._client,
        "time",
        types.SimpleNamespace(monotonic=time.monotonic, sleep=lambda s: real_sleep(min(s, 0.005))),
    )
    monkeypatch.setattr(
        iamlast._async_client,
        "asyncio",
        types.SimpleNamespace(sleep=async_sleep, to_thread=asyncio.to_thread),
    )


@pytest.fixture
def scan_iam(short_backoff: None) -> Iterator[FakeIAM]:
    account = SyntheticAccount.generate(
        3, users=0, roles=0, groups=0, policies=0, bulk_policies=False
    )
    account.add_roles(200)
    faults = Faults(seed=11, throttle_rate=0.20, error_rate=0.05)
    with FakeIAM(account, job_polls=1, faults=faults) as server:
        yield server


def _scan_targets(iam: FakeIAM) -> set[str]:
    return {r.arn for r in iam.account.roles.values() if r.name.startswith("scan-role")}


def test_sync_scan_under_faults_loses_and_duplicates_nothing(scan_iam: FakeIAM) -> None:
    targets = _scan_targets(scan_iam)
    assert len(targets) == 200
    progress: list[int] = []
    with Client(**_kwargs(scan_iam, max_attempts=12)) as c:  # type: ignore[arg-type]
        results = list(
            c.scan(
                sorted(targets), concurrency=8, progress=lambda p: progress.append(p.done), **FAST
            )  # type: ignore[arg-type]
        )
    arns = [r.arn for r in results]
    assert len(arns) == len(set(arns)) == 200
    assert set(arns) == targets
    assert all(r.ok and r.report is not None for r in results), [
        r.error for r in results if not r.ok
    ][:3]
    assert progress == list(range(1, 201))
    errors_seen = scan_iam.counters()["errors"]
    assert errors_seen.get("Throttling", 0) > 20  # the faults happened, and were retried away


async def test_async_scan_under_faults_loses_and_duplicates_nothing(scan_iam: FakeIAM) -> None:
    targets = _scan_targets(scan_iam)
    async with AsyncClient(**_kwargs(scan_iam, max_attempts=12)) as ac:  # type: ignore[arg-type]
        results = [r async for r in ac.scan(sorted(targets), concurrency=16, **FAST)]  # type: ignore[arg-type]
    arns = [r.arn for r in results]
    assert len(arns) == len(set(arns)) == 200
    assert set(arns) == targets
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    assert scan_iam.counters()["errors"].get("Throttling", 0) > 20


def test_scan_reports_per_arn_errors_and_goes_on(iam: FakeIAM, client: Client) -> None:
    good = _admin_arn(iam)
    missing = "arn:aws:iam::123456789012:role/does-not-exist"
    failing = next(r.arn for r in iam.account.roles.values() if r.arn != good)
    iam.fail_jobs(failing)
    results = {r.arn: r for r in client.scan([good, missing, failing], concurrency=2, **FAST)}  # type: ignore[arg-type]
    assert set(results) == {good, missing, failing}
    assert results[good].ok
    assert isinstance(results[missing].error, errors.NoSuchEntityError)
    assert isinstance(results[failing].error, iamlast.JobFailedError)


def test_scan_discovers_principals(iam: FakeIAM, client: Client) -> None:
    found = set(client.discover())
    account = iam.account
    assert {u.arn for u in account.users.values()} <= found
    assert {g.arn for g in account.groups.values()} <= found
    assert not any("/aws-service-role/" in arn for arn in found)
    assert all(":policy/" not in arn or ":aws:policy" not in arn for arn in found)
    with_slr = set(client.discover(skip_service_linked_roles=False))
    assert with_slr >= found


async def test_async_scan_shares_one_rate_limit(iam: FakeIAM) -> None:
    roles = [r.arn for r in iam.account.roles.values()][:10]
    iam.job_polls = 0
    async with AsyncClient(**_kwargs(iam)) as ac:  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        start = loop.time()
        results = [r async for r in ac.scan(roles, concurrency=10, rate_limit=40, **FAST)]  # type: ignore[arg-type]
        elapsed = loop.time() - start
    assert len(results) == 10
    requests = iam.calls()
    # 40 requests/s shared by 10 workers: the whole scan cannot beat requests / rate.
    assert elapsed >= (requests - 1) / 40 * 0.9


def test_abandoning_a_sync_scan_stops_it(iam: FakeIAM, client: Client) -> None:
    iam.job_polls = 0
    roles = [r.arn for r in iam.account.roles.values()][:12]
    scan = client.scan(roles, concurrency=2, **FAST)  # type: ignore[arg-type]
    first = next(scan)
    assert first.arn in roles
    scan.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("iamlast-scan")]
    assert iam.calls("GenerateServiceLastAccessedDetails") <= 4  # no new principals started
