"""Waits end on time, unknown job statuses end them at once, and pagers are bounded — in both
clients, against loopback servers that stall, never answer, or page forever."""

from __future__ import annotations

import time
from typing import Any

import pytest

from iamlast import errors
from iamlast._runtime.paging import DEFAULT_MAX_PAGES, MARKER_MEMORY, Cursor
from iamlast._runtime.registry import PaginatorSpec
from iamlast.jobs import JobStatusError, JobTimeoutError

from .both import FAST, MODES, Both
from .hostile import Hostile, details

pytestmark = pytest.mark.timeout(60)

JOB = "00000001-0000-4000-8000-000000000000"
ARN = "arn:aws:iam::123456789012:role/slow"
#: What "a small margin" past a deadline is allowed to be on a loaded 2-core machine.
MARGIN = 0.45


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _polls(server: Hostile) -> int:
    return server.calls("GetServiceLastAccessedDetails")


# ------------------------------------------------------------------------------- deadlines


async def test_slow_polls_do_not_overshoot_the_timeout(mode: str) -> None:
    """Each poll takes 0.7 s and says IN_PROGRESS; timeout=1: the second poll is cut at 1 s
    (today's 2.5-s polls took timeout=3 to 5.2 s)."""
    server: Hostile

    def slow(params: dict[str, str]) -> tuple[int, str]:
        server.stall(0.7)
        return 200, details("IN_PROGRESS")

    with Hostile({"GetServiceLastAccessedDetails": slow}) as server:
        both = Both(mode, **server.client_kwargs())
        start = time.monotonic()
        try:
            with pytest.raises(JobTimeoutError) as info:
                await both.call("wait_for_job", JOB, timeout=1.0, initial_delay=0.05, max_delay=0.1)
        finally:
            await both.close()
        elapsed = time.monotonic() - start
    assert 1.0 <= elapsed < 1.0 + MARGIN, elapsed
    assert info.value.polls == 1 and info.value.job_id == JOB
    assert info.value.last_response is not None
    assert info.value.last_response.job_status == "IN_PROGRESS"
    assert isinstance(info.value, errors.IamError)


async def test_a_silent_server_times_out_as_the_wait_not_the_transport(mode: str) -> None:
    """The server never answers a poll: timeout=0.5 ends at 0.5 s with JobTimeoutError (today
    timeout=1 became 8 s and a TransportError)."""
    server: Hostile

    def silent(params: dict[str, str]) -> tuple[int, str]:
        server.stall(60)
        return 200, details("IN_PROGRESS")

    with Hostile({"GetServiceLastAccessedDetails": silent}) as server:
        both = Both(mode, **server.client_kwargs())
        try:
            start = time.monotonic()
            with pytest.raises(JobTimeoutError) as info:
                await both.call("wait_for_job", JOB, timeout=0.5)
            waited = time.monotonic() - start
            start = time.monotonic()
            with pytest.raises(JobTimeoutError) as report:
                await both.call("last_accessed", ARN, timeout=0.5, **FAST)
            reported = time.monotonic() - start
        finally:
            await both.close()
    assert 0.5 <= waited < 0.5 + MARGIN, waited
    assert 0.5 <= reported < 0.5 + MARGIN, reported
    assert info.value.last_response is None and info.value.polls == 0
    assert report.value.job_id == JOB


async def test_throttled_polls_never_back_off_past_the_deadline(mode: str) -> None:
    throttle = (
        400,
        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded"
        "</Message></Error><RequestId>r</RequestId></ErrorResponse>",
    )
    with Hostile({"GetServiceLastAccessedDetails": lambda p: throttle}) as server:
        both = Both(mode, **server.client_kwargs(max_attempts=50))
        start = time.monotonic()
        try:
            with pytest.raises(JobTimeoutError):
                await both.call("wait_for_job", JOB, timeout=0.6)
        finally:
            await both.close()
        elapsed = time.monotonic() - start
        assert elapsed < 0.6 + MARGIN, elapsed
        # Backoff was cut to the deadline: nothing was sent after it.
        assert all(s.at < start + 0.6 + 0.05 for s in server.seen)


# ------------------------------------------------------------------------ unknown statuses


@pytest.mark.parametrize("status", ["CANCELLED", None, "PAUSED"])
async def test_an_unknown_job_status_ends_the_wait_at_once(mode: str, status: str | None) -> None:
    with Hostile({"GetServiceLastAccessedDetails": lambda p: (200, details(status))}) as server:
        both = Both(mode, **server.client_kwargs())
        start = time.monotonic()
        try:
            with pytest.raises(JobStatusError) as info:
                await both.call("wait_for_job", JOB, timeout=30)
            waited = time.monotonic() - start
            scanned = await both.stream("scan", [ARN], timeout=30, **FAST)
        finally:
            await both.close()
    assert waited < 1.0 and _polls(server) == 2  # one poll for the wait, one for the scan
    err = info.value
    assert err.status == status and err.job_id == JOB
    assert err.response is not None and err.response.job_status == status
    assert status is None or status in str(err)
    (result,) = scanned
    assert not result.ok and isinstance(result.error, JobStatusError)


async def test_paging_a_job_with_an_unknown_status_refuses(mode: str) -> None:
    with Hostile({"GetServiceLastAccessedDetails": lambda p: (200, details("CANCELLED"))}) as server:
        both = Both(mode, **server.client_kwargs())
        try:
            with pytest.raises(JobStatusError):
                await both.items(both.client.paginate_services(JOB))
        finally:
            await both.close()


# ----------------------------------------------------------------------------- pager bounds


def _endless_details(empty: bool) -> Any:
    counter = iter(range(10**9))

    def handler(params: dict[str, str]) -> tuple[int, str]:
        n = next(counter)
        return 200, details("COMPLETED", services=0 if empty else 2, marker=f"m{n + 1}")

    return handler


@pytest.mark.parametrize("empty", [False, True], ids=["full-pages", "empty-pages"])
async def test_a_pager_stops_after_max_pages(mode: str, empty: bool) -> None:
    with Hostile({"GetServiceLastAccessedDetails": _endless_details(empty)}) as server:
        both = Both(mode, **server.client_kwargs())
        items: list[Any] = []
        try:
            with pytest.raises(errors.PaginationError) as info:
                pager = both.client.paginate_services(JOB, max_pages=30)
                if mode == "sync":
                    for item in pager:
                        items.append(item)
                else:
                    async for item in pager:
                        items.append(item)
        finally:
            await both.close()
    assert _polls(server) == 30
    assert len(items) == (0 if empty else 60)  # every page read was handed out first
    assert info.value.pages == 30 and "max_pages=30" in str(info.value)


def test_the_default_bound_and_the_marker_memory_are_documented_and_bounded() -> None:
    assert DEFAULT_MAX_PAGES == 100_000
    spec = PaginatorSpec("marker", "marker", "is_truncated", "max_items", ("items",))

    class Page:
        def __init__(self, marker: str | None) -> None:
            self.items = [1]
            self.marker = marker
            self.is_truncated = marker is not None

    cursor = Cursor("ListThings", spec)
    for n in range(5_000):
        cursor.consume(Page(f"m{n}"))
    assert len(cursor._seen) <= MARKER_MEMORY  # memory against cycles stays bounded
    with pytest.raises(errors.PaginationError, match="twice"):
        cursor.consume(Page("m4990"))  # a recent marker again is still a cycle


def test_generated_pagers_take_max_pages(mode: str) -> None:
    from iamlast import AsyncClient, Client

    cls: Any = Client if mode == "sync" else AsyncClient
    pager = cls(aws_access_key_id="AKID", aws_secret_access_key="s").paginate_list_roles(
        max_pages=3
    )
    assert pager._max_pages == 3
