"""The effects multi-account workflows are built from, through both drivers: a flow run on a
client of its own (``With``), a bound on requests in flight (``Gate``), work handed to an
executor (``Offload``), and streams whose work emits many results (``flat``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from iamlast import errors
from iamlast._runtime.flows import Emit, Flow, Gate, Next, Offload, Send, Stream, With, emit_all
from iamlast._runtime.flows.scan import Discovery, discover
from iamlast.testing import FakeIAM, SyntheticAccount

from .both import MODES, Both
from .hostile import Hostile, details

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def other() -> Iterator[FakeIAM]:
    account = SyntheticAccount.generate(11, users=3, roles=2, groups=1, policies=0, bulk_policies=False)
    with FakeIAM(account, job_polls=0) as server:
        yield server


@pytest.fixture(scope="module")
def home() -> Iterator[FakeIAM]:
    account = SyntheticAccount.generate(12, users=1, roles=1, groups=0, policies=0, bulk_policies=False)
    with FakeIAM(account, job_polls=0) as server:
        yield server


async def _run(both: Both, flow: Flow[Any]) -> Any:
    run = both.client._driver.run(flow)
    return await run if both.mode == "async" else run


async def _stream(both: Both, flow: Flow[Any]) -> list[Any]:
    return await both.items(both.client._driver.stream(flow))


def _users_elsewhere(server: FakeIAM) -> Flow[list[str]]:
    def inner() -> Flow[list[str]]:
        page = yield Send("ListUsers", {})
        return [u.user_name for u in page.users]

    return (yield With("iam", server.iamlast_kwargs(), inner()))


@pytest.mark.parametrize("mode", MODES)
async def test_with_runs_a_flow_on_a_client_of_its_own(
    mode: str, home: FakeIAM, other: FakeIAM
) -> None:
    both = Both(mode, **home.iamlast_kwargs())
    home.clear_log()
    other.clear_log()
    try:
        names = await _run(both, _users_elsewhere(other))
        assert sorted(names) == sorted(u.name for u in other.account.users.values())
        assert home.calls() == 0 and other.calls("ListUsers") == 1
        # What the inner flow emits passes through; what it returns comes back.
        emitted = await _stream(
            both,
            _emit_elsewhere(other),
        )
        assert emitted[-1] == ("returned", len(emitted) - 1)
        assert set(emitted[:-1]) == {u.arn for u in other.account.users.values()}
        # A failure inside is thrown back into the outer flow, typed.
        with pytest.raises(errors.NoSuchEntityError):
            await _run(both, _missing_elsewhere(other))
        # Bad client options are refused like any client's, inside the flow.
        with pytest.raises(errors.ParamValidationError):
            await _run(both, _bad_options())
    finally:
        await both.close()


def _emit_elsewhere(server: FakeIAM) -> Flow[None]:
    count = yield With(
        "iam", server.iamlast_kwargs(), _count(discover(Discovery(roles=False, groups=False, policies=False)))
    )
    yield Emit(("returned", count))


def _count(flow: Flow[None]) -> Flow[int]:
    n = 0
    from iamlast._runtime.flows import relay

    def seen(value: Any) -> tuple[Any]:
        nonlocal n
        n += 1
        return (value,)

    yield from relay(flow, seen)
    return n


def _missing_elsewhere(server: FakeIAM) -> Flow[Any]:
    def inner() -> Flow[Any]:
        arn = "arn:aws:iam::123456789012:user/nobody-here"
        return (yield Send("GenerateServiceLastAccessedDetails", {"arn": arn}))

    return (yield With("iam", server.iamlast_kwargs(), inner()))


def _bad_options() -> Flow[Any]:
    def inner() -> Flow[Any]:
        return (yield Send("ListUsers", {}))

    return (yield With("iam", {"max_attempts": "many"}, inner()))


class _InFlight:
    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, params: dict[str, str]) -> tuple[int, str]:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.03)
        with self._lock:
            self.now -= 1
        return 200, details("COMPLETED")


@pytest.mark.parametrize("mode", MODES)
async def test_a_gate_bounds_requests_in_flight_across_clients_and_a_flat_stream(mode: str) -> None:
    gauge = _InFlight()
    with Hostile({"GetServiceLastAccessedDetails": gauge}) as server:
        both = Both(mode, **server.client_kwargs())
        gate = Gate(3)

        def account(n: int) -> Flow[None]:
            def polls() -> Flow[None]:
                for k in range(4):
                    yield Send("GetServiceLastAccessedDetails", {"job_id": f"{n:08d}-0000-4000-8000-{k:012d}"})
                    yield Emit((n, k))

            yield With("iam", server.client_kwargs(), polls(), gate=gate)

        def scan() -> Flow[None]:
            handle = yield Stream(emit_all(range(6)), account, limit=6, buffer=6, flat=True)
            while (done := (yield Next(handle))) is not None:
                yield Emit(done.value)

        try:
            got = await _stream(both, scan())
        finally:
            await both.close()
    assert sorted(got) == [(n, k) for n in range(6) for k in range(4)]
    assert gauge.peak == 3  # six accounts at once, three requests at most


def _square(x: int) -> int:
    return x * x


def _fail(x: int) -> int:
    raise errors.TransportError("no route", kind="connect", operation="ListUsers")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", ["threads", "processes"])
async def test_offload_runs_work_on_any_executor(mode: str, kind: str, home: FakeIAM) -> None:
    executor: Any = ThreadPoolExecutor(2) if kind == "threads" else ProcessPoolExecutor(2)
    both = Both(mode, **home.iamlast_kwargs())

    def flow() -> Flow[list[int]]:
        out = []
        for x in range(4):
            out.append((yield Offload(executor, _square, (x,))))
        try:
            yield Offload(executor, _fail, (1,))
        except errors.TransportError as exc:  # raised in the worker, pickled back, typed
            out.append(-1 if exc.kind == "connect" else -2)
        return out

    try:
        assert await _run(both, flow()) == [0, 1, 4, 9, -1]
    finally:
        await both.close()
        executor.shutdown(wait=True)
