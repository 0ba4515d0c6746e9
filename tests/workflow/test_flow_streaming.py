"""Scans stream in both clients and stop cleanly whenever their consumer leaves.

Against small loopback servers: a ListRoles that pages forever (discovery never ends, yet
results flow and the number of pages read stays bounded), and polls that stall (requests are
in flight when the consumer leaves). Leaving — ``break``, ``close()``/``aclose()``, cancelling
the task, Ctrl-C — starts no request afterwards, leaves no thread or task, logs nothing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from iamlast import AsyncClient, Client
from iamlast.advisor import ScanProgress

from .both import FAST, MODES, Both
from .hostile import Hostile, details, endless_roles, ok, roles_page

pytestmark = pytest.mark.timeout(60)

EMPTY_USERS = ok("ListUsers", "<Users/><IsTruncated>false</IsTruncated>")


def _driver_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(("iamlast-scan", "iamlast-gather"))]


def _no_driver_threads(within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while _driver_threads():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _other_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


@pytest.fixture
def endless() -> Iterator[Hostile]:
    with Hostile(
        {"ListUsers": lambda p: (200, EMPTY_USERS), "ListRoles": endless_roles(page=20)}
    ) as server:
        yield server


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything logged at WARNING or above by any logger (asyncio's included)."""
    caplog.set_level(logging.WARNING)
    yield caplog
    gc.collect()  # unretrieved task exceptions are logged when their futures are collected
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not problems, [r.getMessage()[:200] for r in problems]


@pytest.mark.parametrize("mode", MODES)
async def test_discovery_streams_into_a_bounded_queue(
    mode: str, endless: Hostile, quiet: pytest.LogCaptureFixture
) -> None:
    """Discovery never ends here; the first results arrive anyway, and taking 60 of them reads
    only a few pages more than those 60 principals need (today's sync scan listed every page
    before its first report: here it would never have reported at all)."""
    both = Both(mode, **endless.client_kwargs())
    seen: list[ScanProgress] = []
    try:
        results = await both.stream(
            "scan", concurrency=4, limit=60, progress=seen.append, **FAST
        )
    finally:
        await both.close()
    assert len(results) == 60 and all(r.ok for r in results)
    assert len({r.arn for r in results}) == 60
    assert all(p.total is None for p in seen)  # discovery had not finished
    assert [p.done for p in seen] == list(range(1, 61))
    pages = endless.calls("ListRoles")
    # 60 taken + at most 4 running + 4 waiting + 4 finished-not-taken, 20 per page, +1 page read ahead
    assert pages <= (60 + 12) // 20 + 2, pages
    await asyncio.sleep(0.2)
    assert endless.calls("ListRoles") == pages  # and discovery stopped with the consumer


@pytest.mark.parametrize("mode", MODES)
async def test_first_result_arrives_before_discovery_finishes(mode: str) -> None:
    # 10 pages of 20 roles, each page 50 ms slow: discovery takes at least 0.5 s.
    def slow_roles(params: dict[str, str]) -> tuple[int, str]:
        time.sleep(0.05)
        n = int(params.get("Marker", "m0")[1:])
        return 200, roles_page(n * 20, 20, f"m{n + 1}" if n < 9 else None)

    with Hostile({"ListUsers": lambda p: (200, EMPTY_USERS), "ListRoles": slow_roles}) as server:
        both = Both(mode, **server.client_kwargs())
        start = time.monotonic()
        first_at = None
        count = 0
        try:
            scan = both.client.scan(groups=False, policies=False, concurrency=8, **FAST)
            if mode == "sync":
                for _ in scan:
                    count += 1
                    first_at = first_at or time.monotonic() - start
            else:
                async for _ in scan:
                    count += 1
                    first_at = first_at or time.monotonic() - start
        finally:
            await both.close()
        assert count == 200
        assert first_at is not None and first_at < 0.4, first_at  # before the 10th page was read


def _late(server: Hostile, left: float) -> float:
    """What the server read after the consumer left must be only what was already in flight.

    A request written before the consumer left may still be read by the server thread a moment
    later on a loaded machine; at most one per worker (concurrency 4) can be. Returns the moment
    from which nothing at all may arrive.
    """
    late = server.after(left)
    assert len(late) <= 4, late
    return time.monotonic()


@pytest.mark.parametrize("how", ["break", "close"])
def test_leaving_a_sync_scan_stops_it(
    how: str, endless: Hostile, quiet: pytest.LogCaptureFixture
) -> None:
    with Client(**endless.client_kwargs()) as client:
        scan = client.scan(concurrency=4, **FAST)
        for n, result in enumerate(scan, 1):
            assert result.ok
            if n == 5:
                if how == "close":
                    scan.close()
                break
        if how == "break":
            del scan  # the generator is closed when the last reference goes
        left = time.monotonic()
        assert _no_driver_threads()
        time.sleep(0.3)
        settled = _late(endless, left)
        time.sleep(0.3)
        assert endless.after(settled) == []


@pytest.mark.parametrize("how", ["break", "aclose", "cancel"])
async def test_leaving_an_async_scan_stops_it(
    how: str, endless: Hostile, quiet: pytest.LogCaptureFixture
) -> None:
    before = _other_tasks()
    async with AsyncClient(**endless.client_kwargs()) as client:
        if how == "cancel":

            async def consume() -> None:
                async for _ in client.scan(concurrency=4, **FAST):
                    pass

            task = asyncio.create_task(consume())
            await asyncio.sleep(0.3)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            scan = client.scan(concurrency=4, **FAST)
            n = 0
            async for result in scan:
                assert result.ok
                n += 1
                if n == 5:
                    break
            if how == "aclose":
                await scan.aclose()  # type: ignore[attr-defined]
            else:
                del scan
                await asyncio.sleep(0.05)  # the loop's finalizer closes an abandoned generator
        left = time.monotonic()
        await asyncio.sleep(0.3)
        settled = _late(endless, left)
        await asyncio.sleep(0.3)
        assert endless.after(settled) == []
        assert _other_tasks() <= before


def _stalling(seconds: float) -> Hostile:
    server: Hostile

    def stalled(params: dict[str, str]) -> tuple[int, str]:
        server.stall(seconds)
        return 200, details("COMPLETED")

    server = Hostile({"GetServiceLastAccessedDetails": stalled})
    return server


def test_ctrl_c_stops_a_sync_scan_within_a_second_while_requests_are_in_flight(
    quiet: pytest.LogCaptureFixture,
) -> None:
    arns = [f"arn:aws:iam::123456789012:role/r{n}" for n in range(12)]
    with _stalling(30.0) as server, Client(**server.client_kwargs()) as client:
        timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        try:
            with pytest.raises(KeyboardInterrupt):
                for _ in client.scan(arns, concurrency=4, **FAST):
                    pass
        finally:
            timer.cancel()
        stopped = time.monotonic()
        # Ctrl-C came at 0.5 s; four polls were stalled in flight for 30 s.
        interrupted_at = server.seen[0].at + 0.5
        assert stopped - interrupted_at < 1.6, stopped - interrupted_at
        time.sleep(0.3)
        assert server.after(stopped) == []
    # Once the stalled requests end (the server closed), the threads end too, sending nothing.
    assert _no_driver_threads(within=5.0)


@pytest.mark.parametrize("mode", MODES)
async def test_a_failing_discovery_raises_after_the_results_it_handed_over(mode: str) -> None:
    pages = iter(range(3))

    def failing_roles(params: dict[str, str]) -> tuple[int, str]:
        n = next(pages, None)
        if n is None or n == 2:
            return 403, (
                '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>'
                "<Message>no ListRoles for you</Message></Error><RequestId>r</RequestId>"
                "</ErrorResponse>"
            )
        return 200, roles_page(n * 5, 5, f"m{n + 1}")

    from iamlast import errors

    with Hostile({"ListUsers": lambda p: (200, EMPTY_USERS), "ListRoles": failing_roles}) as server:
        both = Both(mode, **server.client_kwargs())
        got: list[Any] = []
        try:
            with pytest.raises(errors.AccessDeniedError):
                scan = both.client.scan(concurrency=3, **FAST)
                if mode == "sync":
                    for result in scan:
                        got.append(result)
                else:
                    async for result in scan:
                        got.append(result)
        finally:
            await both.close()
        assert sorted(r.arn for r in got) == sorted(
            f"arn:aws:iam::123456789012:role/r{n}" for n in range(10)
        )
