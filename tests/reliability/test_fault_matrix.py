"""Faults × operations × clients, against the loopback emulator.

Faults: throttling bursts, 5xx (InternalFailure, ServiceUnavailable), dropped connections,
truncated bodies, latency past the client's read timeout, a job that never finishes, a job that
fails. Operations: a single call (ListRoles, GetServiceLastAccessedDetails), a pager
(``paginate_entities`` over the 1,200-entity bulk policy, many short pages), ``wait_for_job`` and
a scan of 30 principals. Clients: ``Client`` and ``AsyncClient``.

Each cell ends in the right result (equal to a fault-free run: pagers deliver every item exactly
once) or the right typed error (ThrottlingError / TransportError with its kind, attempts equal to
max_attempts, JobTimeoutError, JobFailedError, per-ARN errors in a scan); retries are paid from
the client's quota and stop when it is empty; every test has a deadline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

import iamlast
from iamlast import AsyncClient, Client, errors
from iamlast.jobs import JobFailedError, JobNotReadyError, JobTimeoutError
from iamlast.testing import FakeIAM, Faults, SyntheticAccount

from .conftest import client_kwargs

pytestmark = [pytest.mark.timeout(60), pytest.mark.usefixtures("short_backoff")]

MODES = ["sync", "async"]
ATTEMPTS = 3
QUOTA = 500
#: Connect and pool timeouts stay generous; only reading is cut short.
READ_TIMEOUT = httpx.Timeout(10.0, read=0.2)
STALL = 0.6
FAST = {"poll_delay": 0.005, "max_poll_delay": 0.02}
ENTITIES_OP = "GetServiceLastAccessedDetailsWithEntities"
DETAILS_OP = "GetServiceLastAccessedDetails"
GENERATE_OP = "GenerateServiceLastAccessedDetails"


@dataclass(frozen=True)
class Fault:
    """One kind of fault: how to script it, and the error it ends in once retries run out."""

    name: str
    script: str  # what FakeIAM.fail_next takes
    error: type[iamlast.IamError]
    kind: str | None = None  # TransportError.kind
    cost: int = 5  # quota tokens per retry
    rate: Faults = field(default_factory=Faults)  # the same fault as a seeded random rate

    def check(self, exc: BaseException, attempts: int = ATTEMPTS) -> None:
        assert isinstance(exc, self.error), repr(exc)
        assert exc.attempts == attempts  # type: ignore[attr-defined]
        if self.kind is not None:
            assert isinstance(exc, errors.TransportError) and exc.kind == self.kind, exc


FAULTS = [
    Fault("throttling", "Throttling", errors.ThrottlingError, rate=Faults(throttle_rate=0.3)),
    Fault(
        "internal-failure",
        "InternalFailure",
        errors.InternalFailureError,
        rate=Faults(error_rate=0.3),
    ),
    Fault(
        "service-unavailable",
        "ServiceUnavailable",
        errors.ServiceUnavailableError,
        rate=Faults(error_rate=0.3),
    ),
    Fault(
        "dropped-connection", "drop", errors.TransportError, "protocol", rate=Faults(drop_rate=0.2)
    ),
    Fault(
        "truncated-body",
        "truncate",
        errors.TransportError,
        "protocol",
        rate=Faults(truncate_rate=0.2),
    ),
    Fault(
        "latency-past-read-timeout",
        "slow_body",
        errors.TransportError,
        "read_timeout",
        cost=10,
        rate=Faults(slow_body=0.1, stall=STALL),
    ),
]
FAULT_IDS = [f.name for f in FAULTS]


def _seeded(fault: Fault, seed: int) -> Faults:
    return fault.rate.with_(seed=seed)


# --------------------------------------------------------------------------------- driving


class Driver:
    """One client, sync or async, behind one awaitable surface."""

    def __init__(self, mode: str, server: FakeIAM, **kwargs: Any) -> None:
        self.mode = mode
        self.server = server
        kwargs.setdefault("max_attempts", ATTEMPTS)
        kwargs.setdefault("timeout", READ_TIMEOUT)
        cls = Client if mode == "sync" else AsyncClient
        self.client: Any = cls(**client_kwargs(server, **kwargs))

    async def close(self) -> None:
        if self.mode == "sync":
            self.client.close()
        else:
            await self.client.aclose()

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(self.client, method)(*args, **kwargs)
        return await result if self.mode == "async" else result

    async def collect(
        self, pager: Any, *, after: int | None = None, then: Callable[[], None] | None = None
    ) -> tuple[list[Any], BaseException | None]:
        """Items of ``pager`` until it ends or raises; ``then()`` runs once ``after`` items came."""
        items: list[Any] = []

        def seen(item: Any) -> None:
            items.append(item)
            if then is not None and len(items) == after:
                then()

        try:
            if self.mode == "sync":
                for item in pager:
                    seen(item)
            else:
                async for item in pager:
                    seen(item)
        except iamlast.IamError as exc:
            return items, exc
        return items, None

    async def scan(self, arns: list[str], **kwargs: Any) -> list[Any]:
        kwargs = {**FAST, "concurrency": 8, **kwargs}
        if self.mode == "sync":
            return list(self.client.scan(arns, **kwargs))
        return [r async for r in self.client.scan(arns, **kwargs)]

    @property
    def quota(self) -> int:
        return int(self.client.retry_quota.available)


@pytest.fixture
def account() -> SyntheticAccount:
    acct = SyntheticAccount.generate(
        21, users=3, roles=3, groups=1, policies=2, bulk_policies=False
    )
    acct.add_bulk_policy("bulk-1200", 1200)
    acct.add_roles(30, prefix="matrix")
    return acct


@pytest.fixture
def iam(account: SyntheticAccount) -> Iterator[FakeIAM]:
    with FakeIAM(account, job_polls=0, page_cap=60, faults=Faults(stall=STALL)) as server:
        yield server


@pytest.fixture(params=MODES)
async def driver(request: pytest.FixtureRequest, iam: FakeIAM) -> Any:
    d = Driver(request.param, iam)
    yield d
    await d.close()


def _eventually(condition: Callable[[], bool], within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _plain(model: Any) -> dict[str, Any]:
    data = model.to_json()
    data.pop("ResponseMetadata", None)
    return data


async def _completed_job(d: Driver, arn: str) -> str:
    job = await d.call("generate_service_last_accessed_details", arn=arn)
    await d.call("wait_for_job", job.job_id, initial_delay=0.005, max_delay=0.01)
    return str(job.job_id)


def _bulk(iam: FakeIAM) -> str:
    return iam.account.policy("bulk-1200").arn


def _targets(iam: FakeIAM) -> list[str]:
    return sorted(r.arn for r in iam.account.roles.values() if r.name.startswith("matrix"))


# --------------------------------------------------------------------------------- single calls

SINGLE = ["ListRoles", DETAILS_OP]


async def _single(d: Driver, operation: str, job_id: str | None) -> Any:
    if operation == "ListRoles":
        return await d.call("list_roles", max_items=5)
    return await d.call("get_service_last_accessed_details", job_id=job_id)


@pytest.mark.parametrize("operation", SINGLE)
@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_single_call_recovers_within_max_attempts(
    driver: Driver, iam: FakeIAM, fault: Fault, operation: str
) -> None:
    job_id = await _completed_job(driver, iam.account.admin_role.arn)
    expected = await _single(driver, operation, job_id)
    before = iam.calls(operation)
    iam.fail_next(ATTEMPTS - 1, fault.script, action=operation)
    result = await _single(driver, operation, job_id)
    assert _plain(result) == _plain(expected)
    assert result.response_metadata.retry_attempts == ATTEMPTS - 1
    assert iam.calls(operation) - before == ATTEMPTS
    # Two retries taken, the last one's cost given back on success.
    assert driver.quota == QUOTA - fault.cost


@pytest.mark.parametrize("operation", SINGLE)
@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_single_call_gives_up_with_the_typed_error(
    driver: Driver, iam: FakeIAM, fault: Fault, operation: str
) -> None:
    job_id = await _completed_job(driver, iam.account.admin_role.arn)
    before = iam.calls(operation)
    iam.fail_next(ATTEMPTS, fault.script, action=operation)
    with pytest.raises(iamlast.IamError) as caught:
        await _single(driver, operation, job_id)
    fault.check(caught.value)
    assert iam.calls(operation) - before == ATTEMPTS
    assert driver.quota == QUOTA - (ATTEMPTS - 1) * fault.cost
    assert iam.counters()["faults"] == {"scripted": ATTEMPTS}


async def test_latency_on_every_request_is_a_read_timeout(driver: Driver, iam: FakeIAM) -> None:
    iam.faults = Faults(actions={"ListRoles": Faults(latency=STALL)})
    with pytest.raises(errors.TransportError) as caught:
        await driver.call("list_roles")
    assert (caught.value.kind, caught.value.attempts) == ("read_timeout", ATTEMPTS)
    # The emulator logs a request once its delayed answer is written: wait for the last one.
    assert _eventually(lambda: iam.calls("ListRoles") == ATTEMPTS)
    assert driver.quota == QUOTA - 10 * (ATTEMPTS - 1)


async def test_single_call_on_a_job_that_never_finishes(driver: Driver, iam: FakeIAM) -> None:
    iam.job_polls = 1_000_000
    job = await driver.call(
        "generate_service_last_accessed_details", arn=iam.account.admin_role.arn
    )
    for _ in range(3):
        page = await driver.call("get_service_last_accessed_details", job_id=job.job_id)
        assert page.job_status == "IN_PROGRESS"
        assert page.job_completion_date is None and not page.services_last_accessed


async def test_single_call_on_a_failed_job(driver: Driver, iam: FakeIAM) -> None:
    arn = iam.account.admin_role.arn
    iam.fail_jobs(arn, code="ServiceFailure", message="logs unavailable")
    job = await driver.call("generate_service_last_accessed_details", arn=arn)
    page = await driver.call("get_service_last_accessed_details", job_id=job.job_id)
    assert page.job_status == "FAILED"
    assert (page.error.code, page.error.message) == ("ServiceFailure", "logs unavailable")


# --------------------------------------------------------------------------------- pagers


async def _entities(d: Driver, job_id: str, **kwargs: Any) -> Any:
    return d.client.paginate_entities(job_id, "s3", page_size=100, **kwargs)


def _arns(items: list[Any]) -> list[str]:
    return [e.entity_info.arn for e in items]


async def _baseline(d: Driver, iam: FakeIAM) -> tuple[str, list[str]]:
    job_id = await _completed_job(d, _bulk(iam))
    items, error = await d.collect(await _entities(d, job_id))
    assert error is None
    arns = _arns(items)
    assert len(arns) == len(set(arns)) == 1200
    return job_id, arns


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_pager_recovers_mid_way_and_delivers_each_item_once(
    driver: Driver, iam: FakeIAM, fault: Fault
) -> None:
    job_id, expected = await _baseline(driver, iam)
    pages = iam.calls(ENTITIES_OP)
    iam.clear_log()
    items, error = await driver.collect(
        await _entities(driver, job_id),
        after=500,
        then=lambda: iam.fail_next(ATTEMPTS - 1, fault.script, action=ENTITIES_OP),
    )
    assert error is None
    assert _arns(items) == expected  # every item, once, in order
    assert iam.calls(ENTITIES_OP) == pages + ATTEMPTS - 1
    assert iam.counters()["faults"] == {"scripted": ATTEMPTS - 1}


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_pager_fails_loudly_and_resumes_without_loss(
    driver: Driver, iam: FakeIAM, fault: Fault
) -> None:
    job_id, expected = await _baseline(driver, iam)
    pager = await _entities(driver, job_id)
    items, error = await driver.collect(
        pager, after=500, then=lambda: iam.fail_next(ATTEMPTS, fault.script, action=ENTITIES_OP)
    )
    assert error is not None, "the pager swallowed the failure"
    fault.check(error)
    got = _arns(items)
    assert 500 <= len(got) < 1200 and got == expected[: len(got)]
    assert pager.resume_marker is not None
    rest, error = await driver.collect(
        await _entities(driver, job_id, starting_marker=pager.resume_marker)
    )
    assert error is None
    assert got + _arns(rest) == expected


async def test_pager_under_seeded_faults_of_every_kind(driver: Driver, iam: FakeIAM) -> None:
    job_id, expected = await _baseline(driver, iam)
    iam.faults = Faults(
        seed=5,
        throttle_rate=0.15,
        error_rate=0.1,
        drop_rate=0.05,
        truncate_rate=0.05,
        slow_body=0.03,
        stall=STALL,
    )
    d = Driver(driver.mode, iam, max_attempts=12)
    try:
        items, error = await d.collect(await _entities(d, job_id))
    finally:
        await d.close()
    assert error is None
    assert _arns(items) == expected
    assert sum(iam.counters()["faults"].values()) >= 5  # the faults happened


async def test_pager_stopped_inside_a_page_resumes_without_loss(
    driver: Driver, iam: FakeIAM
) -> None:
    job_id, expected = await _baseline(driver, iam)
    pager = await _entities(driver, job_id)
    got: list[str] = []
    if driver.mode == "sync":
        for item in pager:
            got.append(item.entity_info.arn)
            if len(got) == 90:  # page_cap 60: the middle of the second page
                break
    else:
        async for item in pager:
            got.append(item.entity_info.arn)
            if len(got) == 90:
                break
    rest, error = await driver.collect(
        await _entities(driver, job_id, starting_marker=pager.resume_marker)
    )
    assert error is None
    assert got + _arns(rest) == expected


async def test_pager_on_a_job_that_never_finishes_refuses(driver: Driver, iam: FakeIAM) -> None:
    iam.job_polls = 1_000_000
    job = await driver.call("generate_service_last_accessed_details", arn=_bulk(iam))
    items, error = await driver.collect(await _entities(driver, job.job_id))
    assert items == []
    assert isinstance(error, JobNotReadyError) and error.status == "IN_PROGRESS"


async def test_pager_on_a_failed_job_raises(driver: Driver, iam: FakeIAM) -> None:
    iam.fail_jobs(_bulk(iam), code="ServiceFailure", message="gone")
    job = await driver.call("generate_service_last_accessed_details", arn=_bulk(iam))
    items, error = await driver.collect(await _entities(driver, job.job_id))
    assert items == []
    assert isinstance(error, JobFailedError)
    assert (error.job_id, error.code, error.message) == (job.job_id, "ServiceFailure", "gone")


# --------------------------------------------------------------------------------- jobs


async def _wait(d: Driver, job_id: str, **kwargs: Any) -> Any:
    kwargs = {"initial_delay": 0.005, "max_delay": 0.02, "timeout": 30, **kwargs}
    return await d.call("wait_for_job", job_id, **kwargs)


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_wait_for_job_rides_out_faults(driver: Driver, iam: FakeIAM, fault: Fault) -> None:
    iam.job_polls = 3
    job = await driver.call(
        "generate_service_last_accessed_details", arn=iam.account.admin_role.arn
    )
    iam.fail_next(ATTEMPTS - 1, fault.script, action=DETAILS_OP)
    done = await _wait(driver, job.job_id)
    assert done.job_status == "COMPLETED" and done.job_completion_date is not None
    assert iam.counters()["faults"] == {"scripted": ATTEMPTS - 1}
    # Three IN_PROGRESS polls and one COMPLETED, plus the failed attempts (a truncated or
    # stalled answer was computed, so it counted as one of the polls).
    assert 4 <= iam.calls(DETAILS_OP) <= 4 + ATTEMPTS - 1


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_wait_for_job_gives_up_with_the_typed_error(
    driver: Driver, iam: FakeIAM, fault: Fault
) -> None:
    iam.job_polls = 3
    job = await driver.call(
        "generate_service_last_accessed_details", arn=iam.account.admin_role.arn
    )
    iam.fail_next(ATTEMPTS, fault.script, action=DETAILS_OP)
    with pytest.raises(iamlast.IamError) as caught:
        await _wait(driver, job.job_id)
    fault.check(caught.value)


async def test_wait_for_a_job_that_never_finishes_times_out(driver: Driver, iam: FakeIAM) -> None:
    iam.job_polls = 1_000_000
    job = await driver.call(
        "generate_service_last_accessed_details", arn=iam.account.admin_role.arn
    )
    with pytest.raises(JobTimeoutError) as caught:
        await _wait(driver, job.job_id, timeout=0.3)
    err = caught.value
    assert err.job_id == job.job_id and err.timeout == 0.3
    assert err.polls >= 2 and err.last_response.job_status == "IN_PROGRESS"
    polls = iam.calls(DETAILS_OP)
    await asyncio.sleep(0.1)
    assert iam.calls(DETAILS_OP) == polls  # it stopped polling


async def test_wait_for_a_job_that_never_finishes_under_faults_still_times_out(
    driver: Driver, iam: FakeIAM
) -> None:
    iam.job_polls = 1_000_000
    job = await driver.call(
        "generate_service_last_accessed_details", arn=iam.account.admin_role.arn
    )
    iam.faults = Faults(seed=3, throttle_rate=0.3, error_rate=0.2, stall=STALL)
    d = Driver(driver.mode, iam, max_attempts=10)
    try:
        with pytest.raises(JobTimeoutError):
            await _wait(d, job.job_id, timeout=0.3)
    finally:
        await d.close()


async def test_wait_for_a_failed_job_raises(driver: Driver, iam: FakeIAM) -> None:
    arn = iam.account.admin_role.arn
    iam.job_polls = 2
    iam.fail_jobs(arn, code="ServiceFailure", message="could not read the logs")
    job = await driver.call("generate_service_last_accessed_details", arn=arn)
    with pytest.raises(JobFailedError) as caught:
        await _wait(driver, job.job_id)
    err = caught.value
    assert (err.job_id, err.code, err.message) == (
        job.job_id,
        "ServiceFailure",
        "could not read the logs",
    )
    assert iam.calls(DETAILS_OP) == 3  # polled until FAILED, not beyond


# --------------------------------------------------------------------------------- scans


def _assert_truthful(iam: FakeIAM, result: Any) -> None:
    """A scan result says what the emulator's account holds: every granted service, each with
    its true last use."""
    assert result.ok, result.error
    principal = iam.account.find(result.arn)
    namespaces = [s.namespace for s in result.report.services]
    assert sorted(namespaces) == sorted(iam.account.granted_services(principal))
    for service in result.report.services:
        truth = iam.account.usage(result.arn, service.namespace)
        assert service.last_authenticated == (truth.when if truth is not None else None)


def _exactly_once(results: list[Any], targets: list[str]) -> dict[str, Any]:
    arns = [r.arn for r in results]
    assert sorted(arns) == sorted(targets) and len(arns) == len(set(arns))
    return {r.arn: r for r in results}


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_scan_rides_out_seeded_faults(driver: Driver, iam: FakeIAM, fault: Fault) -> None:
    iam.faults = _seeded(fault, seed=17)
    d = Driver(driver.mode, iam, max_attempts=15)
    try:
        results = await d.scan(_targets(iam))
    finally:
        await d.close()
    for result in _exactly_once(results, _targets(iam)).values():
        _assert_truthful(iam, result)
    assert sum(iam.counters()["faults"].values()) > 0


@pytest.mark.parametrize("fault", FAULTS, ids=FAULT_IDS)
async def test_scan_reports_the_typed_error_per_arn(
    driver: Driver, iam: FakeIAM, fault: Fault
) -> None:
    targets = _targets(iam)
    always = {
        "throttling": Faults(throttle_rate=1.0),
        "internal-failure": Faults(error_rate=1.0),
        "service-unavailable": Faults(error_rate=1.0),
        "dropped-connection": Faults(drop_rate=1.0),
        "truncated-body": Faults(truncate_rate=1.0),
        "latency-past-read-timeout": Faults(slow_body=1.0, stall=STALL),
    }[fault.name]
    iam.faults = Faults(stall=STALL, actions={GENERATE_OP: always})
    d = Driver(driver.mode, iam, max_attempts=2)
    try:
        results = await d.scan(targets)
    finally:
        await d.close()
    by_arn = _exactly_once(results, targets)
    for result in by_arn.values():
        assert not result.ok and result.report is None
        if fault.name in ("internal-failure", "service-unavailable"):
            assert isinstance(
                result.error, errors.InternalFailureError | errors.ServiceUnavailableError
            )
            assert result.error.attempts == 2
        else:
            fault.check(result.error, attempts=2)
    # 30 principals x 1 retry each: the quota had room for every one of them.
    assert iam.calls(GENERATE_OP) == 2 * len(targets)


async def test_scan_with_per_arn_job_failures_timeouts_and_missing_principals(
    driver: Driver, iam: FakeIAM
) -> None:
    targets = _targets(iam)
    failing, stuck, fine = targets[:4], targets[4:7], targets[7:]
    missing = [f"arn:aws:iam::123456789012:role/gone-{n}" for n in range(2)]
    for arn in failing:
        iam.fail_jobs(arn, code="ServiceFailure", message=f"no logs for {arn}")
    for arn in stuck:
        iam.set_job_polls(arn, 1_000_000)
    iam.faults = Faults(seed=9, throttle_rate=0.1, error_rate=0.05, stall=STALL)
    d = Driver(driver.mode, iam, max_attempts=10)
    try:
        results = await d.scan(targets + missing, timeout=0.3)
    finally:
        await d.close()
    by_arn = _exactly_once(results, targets + missing)
    for arn in failing:
        err = by_arn[arn].error
        assert isinstance(err, JobFailedError) and err.message == f"no logs for {arn}"
    for arn in stuck:
        assert isinstance(by_arn[arn].error, JobTimeoutError)
    for arn in missing:
        assert isinstance(by_arn[arn].error, errors.NoSuchEntityError)
    for arn in fine:
        _assert_truthful(iam, by_arn[arn])


async def test_scan_of_jobs_that_never_finish_ends(driver: Driver, iam: FakeIAM) -> None:
    iam.job_polls = 1_000_000
    results = await driver.scan(_targets(iam), timeout=0.2)
    by_arn = _exactly_once(results, _targets(iam))
    assert all(isinstance(r.error, JobTimeoutError) for r in by_arn.values())


async def test_scan_of_jobs_that_all_fail(driver: Driver, iam: FakeIAM) -> None:
    iam.fail_jobs(lambda key: True, code="ServiceFailure", message="down")
    results = await driver.scan(_targets(iam))
    by_arn = _exactly_once(results, _targets(iam))
    assert all(isinstance(r.error, JobFailedError) for r in by_arn.values())


# --------------------------------------------------------------------------------- the quota


async def test_retries_stop_when_the_quota_is_drained(driver: Driver, iam: FakeIAM) -> None:
    iam.faults = Faults(actions={"ListRoles": Faults(error_rate=1.0)})
    attempts: list[int] = []
    while True:
        before = driver.quota
        sent = iam.calls("ListRoles")
        with pytest.raises(errors.ServiceError) as caught:
            await driver.call("list_roles")
        assert iam.calls("ListRoles") - sent == caught.value.attempts  # no request unaccounted
        attempts.append(caught.value.attempts)
        assert before - driver.quota == 5 * (caught.value.attempts - 1)
        if caught.value.attempts == 1:
            break
        assert len(attempts) <= QUOTA // 10
    assert attempts == [ATTEMPTS] * (QUOTA // 10) + [1]
    assert driver.quota == 0
    # Still empty: failures are not retried at all, whatever the error.
    iam.fail_next(1, "drop", action="ListRoles")
    with pytest.raises(errors.TransportError) as caught_t:
        await driver.call("list_roles")
    assert caught_t.value.attempts == 1
    # Successes refill it one token each, and retries come back once there is room.
    iam.faults = Faults()
    for n in range(1, 6):
        await driver.call("list_roles", max_items=1)
        assert driver.quota == n
    iam.fail_next(1, "Throttling", action="ListRoles")
    result = await driver.call("list_roles", max_items=1)
    assert result.response_metadata.retry_attempts == 1
    assert driver.quota == 5  # 5 taken for the retry, 5 given back by its success


async def test_a_drained_quota_makes_a_scan_fail_fast_not_hang(
    driver: Driver, iam: FakeIAM
) -> None:
    iam.faults = Faults(error_rate=1.0)
    d = Driver(driver.mode, iam, max_attempts=20)
    try:
        results = await d.scan(_targets(iam))
        assert d.quota < 5  # not enough for one more retry
    finally:
        await d.close()
    by_arn = _exactly_once(results, _targets(iam))
    assert all(
        isinstance(r.error, errors.InternalFailureError | errors.ServiceUnavailableError)
        for r in by_arn.values()
    )
    retries = iam.calls() - len(results)
    assert retries * 5 <= QUOTA  # never more retries than the quota paid for
    assert any(r.error.attempts == 1 for r in results)  # later ones were not retried at all


async def test_concurrent_calls_share_one_quota(iam: FakeIAM) -> None:
    iam.faults = Faults(actions={"ListRoles": Faults(error_rate=1.0)})
    async with AsyncClient(**client_kwargs(iam, max_attempts=10)) as client:
        outcomes = await asyncio.gather(
            *(client.list_roles() for _ in range(40)), return_exceptions=True
        )
        assert all(isinstance(o, errors.ServiceError) for o in outcomes)
        retries = sum(o.attempts - 1 for o in outcomes)  # type: ignore[union-attr]
        assert retries == QUOTA // 5  # exactly what the quota paid for, no more
        assert client.retry_quota.available == 0
    assert iam.calls("ListRoles") == 40 + QUOTA // 5
