"""The executor path of ``scan_organization``: one account's scan is a picklable plain function
of (account, role, options) returning plain data, run under any ``concurrent.futures.Executor``
— threads, the standard library's process pool, and a real ``dask.distributed`` LocalCluster
with worker processes — with the same result as the scan run in-process, through both clients."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import pickle
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from iamlast import orgunit
from iamlast.testing import FakeOrganization

from .both import FAST, MODES, Both
from .org_support import (
    FAILED,
    LOG_ARCHIVE,
    PROD,
    ROLE,
    SCANNED,
    comparable,
    expected_arns,
    organization,
    principal_counts,
)

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def org() -> Iterator[FakeOrganization]:
    with organization() as server:
        yield server


@pytest.fixture(scope="module")
def in_process(org: FakeOrganization) -> dict[str, Any]:
    """What the scan says run in this process (the reference every executor must match)."""
    with org.client() as client:
        return comparable(
            list(client.scan_organization(ROLE, client_options=org.scan_options(), **FAST))
        )


@pytest.fixture(params=MODES)
async def both(request: pytest.FixtureRequest, org: FakeOrganization) -> AsyncIterator[Both]:
    b = Both(request.param, **org.iamlast_kwargs())
    yield b
    await b.close()


async def _scan(both: Both, org: FakeOrganization, executor: Any, **kwargs: Any) -> list[Any]:
    return await both.stream(
        "scan_organization",
        ROLE,
        client_options=org.scan_options(),
        executor=executor,
        **FAST,
        **kwargs,
    )


def _unit_options(org: FakeOrganization, **more: Any) -> dict[str, Any]:
    return {
        "region": org.region,
        "endpoints": {"iam": org.endpoint_url, "sts": org.endpoint_url},
        "scan": {"poll_delay": 0.005, "max_poll_delay": 0.02},
        **more,
    }


# ---------------------------------------------------------------------- the unit itself


def test_the_unit_is_a_picklable_plain_function_returning_plain_data(
    org: FakeOrganization,
) -> None:
    assert pickle.loads(pickle.dumps(orgunit.scan_account)) is orgunit.scan_account
    from iamlast.sts import Client as Sts

    with Sts(**org.iamlast_kwargs()) as sts:
        c = sts.assume_role(role_arn=org.role_arn(PROD[0], ROLE), role_session_name="unit")
    assert c.credentials is not None
    creds = orgunit.PlainCredentials(
        c.credentials.access_key_id,
        c.credentials.secret_access_key,
        c.credentials.session_token,
        c.credentials.expiration.isoformat(),
    )
    assert c.credentials.secret_access_key not in repr(creds)
    options = _unit_options(org, credentials=creds)
    options = pickle.loads(pickle.dumps(options))  # what crosses to a worker
    answer = orgunit.scan_account(PROD[0], None, options)
    json.dumps(answer)  # plain data: JSON-able as it is
    assert answer["account_id"] == PROD[0]
    items = orgunit.decode_answer(PROD[0], "prod-a", answer)
    assert {i.arn for i in items if i.kind == "result"} == expected_arns(org, PROD[0])
    assert items[-1].kind == "done" and items[-1].scanned == len(expected_arns(org, PROD[0]))


async def test_the_unit_called_inside_an_event_loop_gives_the_same_answer(
    org: FakeOrganization, aws_env: pytest.MonkeyPatch
) -> None:
    # No loop in the thread (an executor's worker): it runs on an async client; inside a
    # running loop (this test) it cannot start another, and runs on the sync client's threads.
    for key, value in org.env().items():
        aws_env.setenv(key, value)
    inside = orgunit.scan_account(PROD[0], ROLE, _unit_options(org))
    outside = await asyncio.to_thread(orgunit.scan_account, PROD[0], ROLE, _unit_options(org))
    assert comparable(orgunit.decode_answer(PROD[0], None, inside)) == comparable(
        orgunit.decode_answer(PROD[0], None, outside)
    )
    results = [i for i in orgunit.decode_answer(PROD[0], None, inside) if i.kind == "result"]
    assert {i.arn for i in results} == expected_arns(org, PROD[0])


def test_the_unit_assumes_the_role_itself_and_reports_a_refusal_as_data(
    org: FakeOrganization, aws_env: pytest.MonkeyPatch
) -> None:
    for key, value in org.env().items():
        aws_env.setenv(key, value)
    answer = orgunit.scan_account(PROD[1], ROLE, _unit_options(org))
    items = orgunit.decode_answer(PROD[1], None, answer)
    assert {i.arn for i in items if i.kind == "result"} == expected_arns(org, PROD[1])
    refused = orgunit.scan_account(LOG_ARCHIVE, ROLE, _unit_options(org))
    json.dumps(refused)
    (failed,) = orgunit.decode_answer(LOG_ARCHIVE, None, refused)
    assert failed.kind == "failed" and failed.stage == "assume_role"
    assert failed.error.code == "AccessDenied" and failed.error.status_code == 403


# ---------------------------------------------------------------------- any executor


class Counting(Executor):
    """A thread pool that counts what it was given (any Executor will do)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(4)
        self.submitted: list[str] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted.append(args[0])
        return self.pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.pool.shutdown(wait, cancel_futures=cancel_futures)


async def test_any_executor_gives_the_in_process_result(
    both: Both, org: FakeOrganization, in_process: dict[str, Any]
) -> None:
    executor = Counting()
    try:
        items = await _scan(both, org, executor)
    finally:
        executor.shutdown()
    assert comparable(items) == in_process
    # The caller's own account never leaves this process (nor do its credentials); the
    # accounts that cannot be entered are refused before anything is submitted.
    assert sorted(executor.submitted) == sorted(a for a in SCANNED if a != org.management_account)
    assert set(principal_counts(items).values()) == {1}


class Broken(Executor):
    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(RuntimeError("the worker died"))
        return future


async def test_an_executor_failure_is_that_accounts_error(
    both: Both, org: FakeOrganization
) -> None:
    items = await _scan(both, org, Broken())
    failed = {i.account_id: i for i in items if i.kind == "failed"}
    broken = {a for a, f in failed.items() if f.stage == "executor"}
    assert broken == {a for a in SCANNED if a != org.management_account}
    assert all("the worker died" in str(failed[a].error) for a in broken)
    assert {i.account_id for i in items if i.kind == "done"} == {org.management_account}


@pytest.fixture(scope="module")
def process_pool() -> Iterator[ProcessPoolExecutor]:
    # spawn: fresh interpreters that receive only what is pickled (no fork of this process)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


async def test_the_standard_process_pool_gives_the_in_process_result(
    both: Both, org: FakeOrganization, in_process: dict[str, Any], process_pool: ProcessPoolExecutor
) -> None:
    items = await _scan(both, org, process_pool)
    assert comparable(items) == in_process
    assert set(principal_counts(items).values()) == {1}


# ---------------------------------------------------------------------- dask


@pytest.fixture(scope="module")
def dask_client(org: FakeOrganization) -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=4,
        dashboard_address=None,
        silence_logs=40,
        protocol="tcp",
        host="127.0.0.1",
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


async def test_dask_local_cluster_worker_processes_give_the_in_process_result(
    both: Both, org: FakeOrganization, in_process: dict[str, Any], dask_client: Any
) -> None:
    pids = set(dask_client.run(os.getpid).values())
    assert len(pids) == 2 and os.getpid() not in pids  # really other processes
    items = await _scan(both, org, dask_client.get_executor())
    assert comparable(items) == in_process


def _point_at(env: dict[str, str]) -> None:
    os.environ.update(env)


async def test_dask_workers_with_their_own_credentials(
    both: Both, org: FakeOrganization, in_process: dict[str, Any], dask_client: Any
) -> None:
    dask_client.run(_point_at, org.env())  # the workers' own environment: the caller's keys
    items = await _scan(both, org, dask_client.get_executor(), worker_credentials="worker")
    assert comparable(items) == in_process
    failed = {i.account_id: i.stage for i in items if i.kind == "failed"}
    assert failed == dict.fromkeys(FAILED, "assume_role")
