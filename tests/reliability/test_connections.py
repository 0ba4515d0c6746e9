"""Connections that misbehave, through both clients against hostile loopback servers and the
emulator: cookies a server sets, many first calls at once, closing with calls in flight, the
encodings asked for, kept-alive connections the server closed while idle, a proxy demanding
authentication, and a bound on a whole call.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

import iamlast
from iamlast import errors
from iamlast._runtime import retry
from iamlast.testing import FakeIAM
from iamlast.testing.httpserver import Reply, Request

from ._hostile import (
    Blackhole,
    IdleClosing,
    ProxyAuthRequired,
    Recording,
    action_of,
    error_document,
    ok_document,
)
from .conftest import client_kwargs

pytestmark = pytest.mark.timeout(60)

MODES = ["sync", "async"]
KEYS = {"aws_access_key_id": "AKIDHOSTILE000000000", "aws_secret_access_key": "hostile-secret"}


def make_client(mode: str, **kwargs: Any) -> Any:
    cls = iamlast.Client if mode == "sync" else iamlast.AsyncClient
    return cls(**{**KEYS, **kwargs})


async def call(mode: str, client: Any, method: str = "list_users", **kwargs: Any) -> Any:
    result = getattr(client, method)(**kwargs)
    return await result if mode == "async" else result


async def close(mode: str, client: Any) -> None:
    if mode == "sync":
        client.close()
    else:
        await client.aclose()


# --------------------------------------------------------------------------- cookies


def _cookie_setting(request: Request) -> Reply:
    n = len(request.body)
    return Reply(
        200,
        [
            ("Content-Type", "text/xml"),
            ("Set-Cookie", f"session{n}={'x' * 40}; Path=/"),
            ("Set-Cookie", "AWSALB=sticky; Path=/; HttpOnly"),
        ],
        ok_document(action_of(request)),
    )


@pytest.mark.parametrize("mode", MODES)
async def test_no_cookie_is_ever_sent_back(mode: str) -> None:
    with Recording(_cookie_setting) as server:
        client = make_client(mode, endpoint_url=server.url)
        for _ in range(30):
            await call(mode, client)
        await close(mode, client)
    assert len(server.requests) == 30
    assert [r.headers.get("cookie") for r in server.requests] == [None] * 30


@pytest.mark.parametrize("mode", MODES)
async def test_a_passed_in_http_client_sends_none_of_its_cookies(mode: str) -> None:
    with Recording(_cookie_setting) as server:
        http: Any = (httpx.Client if mode == "sync" else httpx.AsyncClient)(
            cookies={"tracking": "abc"}
        )
        client = make_client(mode, endpoint_url=server.url, http_client=http)
        for _ in range(3):
            await call(mode, client)
        await close(mode, client)
        await (http.aclose() if mode == "async" else asyncio.sleep(0, http.close()))
    assert [r.headers.get("cookie") for r in server.requests] == [None] * 3


# --------------------------------------------------------------------------- what we ask for


@pytest.mark.parametrize("mode", MODES)
async def test_accept_encoding_is_what_the_body_reader_decodes(mode: str) -> None:
    with Recording() as server:
        client = make_client(mode, endpoint_url=server.url)
        await call(mode, client)
        await close(mode, client)
        http: Any = (httpx.Client if mode == "sync" else httpx.AsyncClient)(
            headers={"Accept-Encoding": "br, zstd"}
        )
        client = make_client(mode, endpoint_url=server.url, http_client=http)
        await call(mode, client)
        await close(mode, client)
        await (http.aclose() if mode == "async" else asyncio.sleep(0, http.close()))
    assert [r.headers["accept-encoding"] for r in server.requests] == ["gzip, deflate"] * 2


# --------------------------------------------------------------------------- one pool


@pytest.fixture
def counted_pools(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every httpx client built while the test runs."""
    built: list[Any] = []
    for cls in (httpx.Client, httpx.AsyncClient):
        original = cls.__init__

        def init(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> None:
            built.append(self)
            time.sleep(0.01)  # widen the window two first calls could race through
            __original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__init__", init)
    return built


@pytest.mark.parametrize("mode", MODES)
async def test_sixteen_first_calls_at_once_build_one_pool(
    mode: str, counted_pools: list[Any]
) -> None:
    with FakeIAM() as iam, warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        client = make_client(mode, **client_kwargs(iam))
        if mode == "sync":
            barrier = threading.Barrier(16)

            def first() -> Any:
                barrier.wait()
                return client.list_users()

            with ThreadPoolExecutor(16) as pool:
                results = list(pool.map(lambda _: first(), range(16)))
        else:
            results = await asyncio.gather(*(client.list_users() for _ in range(16)))
        assert len(results) == 16
        assert len(counted_pools) == 1
        assert client._http_client is counted_pools[0]
        await close(mode, client)
        assert counted_pools[0].is_closed
        gc.collect()


# --------------------------------------------------------------------------- close


def _until_sent(server: Blackhole) -> None:
    """Until a request is on its way to ``server`` (and a moment more, for it to be read)."""
    deadline = time.monotonic() + 5
    while server.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)


@pytest.mark.parametrize("mode", MODES)
async def test_close_ends_a_call_in_flight_with_a_typed_error(mode: str) -> None:
    with Blackhole() as server:
        client = make_client(mode, endpoint_url=server.url, timeout=20)
        started = time.monotonic()
        if mode == "sync":
            pool = ThreadPoolExecutor(1)
            future = pool.submit(client.list_users)
            _until_sent(server)
            client.close()
            with pytest.raises(errors.ClientClosedError) as caught:
                future.result(timeout=10)
            pool.shutdown()
        else:
            task = asyncio.create_task(client.list_users())
            await asyncio.to_thread(_until_sent, server)
            await client.aclose()
            with pytest.raises(errors.ClientClosedError) as caught:
                await asyncio.wait_for(task, 10)
        assert time.monotonic() - started < 5  # not the 20-s read timeout
        assert isinstance(caught.value, errors.IamError) and isinstance(caught.value, RuntimeError)
        assert caught.value.operation == "ListUsers"
        assert server.connections == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_call_after_close_raises_at_once_and_opens_nothing(mode: str) -> None:
    with Recording() as server:
        client = make_client(mode, endpoint_url=server.url)
        await call(mode, client)
        await close(mode, client)
        assert client.is_closed
        for method in ("list_users", "list_roles"):
            with pytest.raises(errors.ClientClosedError, match="closed"):
                await call(mode, client, method)
        assert client._http_client is None
        never_used = make_client(mode, endpoint_url=server.url)
        await close(mode, never_used)
        with pytest.raises(errors.ClientClosedError):
            await call(mode, never_used)
        await close(mode, never_used)  # still idempotent
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_a_closed_passed_in_http_client_is_a_typed_error(mode: str) -> None:
    with Recording() as server:
        http: Any = (httpx.Client if mode == "sync" else httpx.AsyncClient)()
        client = make_client(mode, endpoint_url=server.url, http_client=http)
        await (http.aclose() if mode == "async" else asyncio.sleep(0, http.close()))
        with pytest.raises(errors.ClientClosedError):
            await call(mode, client)
    assert server.requests == []


# --------------------------------------------------------------------------- idle close


@pytest.mark.usefixtures("short_backoff")
@pytest.mark.parametrize("mode", MODES)
async def test_a_connection_closed_while_idle_is_retried_at_once(
    mode: str, short_backoff: list[float]
) -> None:
    with IdleClosing(idle=0.05) as server:
        client = make_client(mode, endpoint_url=server.url)
        results = []
        for _ in range(8):
            results.append(await call(mode, client))
            await asyncio.sleep(0.08)
        await close(mode, client)
    assert server.answered == 8
    assert server.refused >= 5  # the race goes the server's way nearly every time
    retried = [r.response_metadata.retry_attempts for r in results]
    assert sum(retried) == server.refused and max(retried) == 1
    assert short_backoff == [0.0] * server.refused  # at once: no backoff


# --------------------------------------------------------------------------- proxies


@pytest.fixture
def proxy(aws_env: pytest.MonkeyPatch) -> Iterator[ProxyAuthRequired]:
    with ProxyAuthRequired() as p:
        aws_env.delenv("NO_PROXY")
        aws_env.setenv("HTTPS_PROXY", p.url)
        aws_env.setenv("HTTP_PROXY", p.url)
        yield p


@pytest.mark.usefixtures("short_backoff")
@pytest.mark.parametrize("mode", MODES)
async def test_a_407_from_a_proxy_tunnel_is_not_retried(
    mode: str, proxy: ProxyAuthRequired
) -> None:
    client = make_client(mode, endpoint_url="https://iam.amazonaws.com")
    with pytest.raises(errors.TransportError) as caught:
        await call(mode, client)
    await close(mode, client)
    assert caught.value.kind == "proxy_auth" and caught.value.attempts == 1
    assert "407" in str(caught.value)
    assert proxy.requests == [b"CONNECT iam.amazonaws.com:443 HTTP/1.1"]


@pytest.mark.usefixtures("short_backoff")
@pytest.mark.parametrize("mode", MODES)
async def test_a_407_from_a_forwarding_proxy_is_not_retried(
    mode: str, proxy: ProxyAuthRequired
) -> None:
    client = make_client(mode, endpoint_url="http://iam.proxied.test")
    with pytest.raises(errors.ServiceError) as caught:
        await call(mode, client)
    await close(mode, client)
    assert (caught.value.status_code, caught.value.attempts) == (407, 1)
    assert len(proxy.requests) == 1


# --------------------------------------------------------------------------- call_timeout


@pytest.mark.parametrize("mode", MODES)
async def test_call_timeout_bounds_a_request_that_never_answers(mode: str) -> None:
    with Blackhole() as server:
        client = make_client(mode, endpoint_url=server.url, timeout=20, call_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(errors.CallTimeoutError) as caught:
            await call(mode, client)
        elapsed = time.monotonic() - started
        await close(mode, client)
    assert 0.4 < elapsed < 2.5
    assert isinstance(caught.value, TimeoutError)
    assert (caught.value.operation, caught.value.timeout, caught.value.attempts) == (
        "ListUsers",
        0.5,
        1,
    )


def _throttling(request: Request) -> Reply:
    return Reply(400, [("Content-Type", "text/xml")], error_document("Throttling", "slow down"))


@pytest.fixture
def backoff_draw(monkeypatch: pytest.MonkeyPatch) -> Any:
    defaults = retry.decide.__kwdefaults__
    assert defaults is not None

    def draw(value: float) -> None:
        monkeypatch.setitem(defaults, "random", lambda: value)

    return draw


@pytest.mark.parametrize("mode", MODES)
async def test_call_timeout_stops_retries_whose_backoff_would_pass_it(
    mode: str, backoff_draw: Any
) -> None:
    backoff_draw(1.0)  # the first backoff is 1 s: past a 0.3-s bound
    with Recording(_throttling) as server:
        client = make_client(mode, endpoint_url=server.url, call_timeout=0.3, max_attempts=5)
        started = time.monotonic()
        with pytest.raises(errors.ThrottlingError) as caught:
            await call(mode, client)
        assert time.monotonic() - started < 0.5
        assert caught.value.attempts == 1
        await close(mode, client)
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_call_timeout_includes_retries(mode: str, backoff_draw: Any) -> None:
    backoff_draw(0.1)  # 0.1, 0.2, 0.4 s: the third retry would end past 0.6 s
    with Recording(_throttling) as server:
        client = make_client(mode, endpoint_url=server.url, call_timeout=0.6, max_attempts=10)
        started = time.monotonic()
        with pytest.raises(errors.ThrottlingError) as caught:
            await call(mode, client)
        assert time.monotonic() - started < 1.0
        await close(mode, client)
    assert caught.value.attempts == len(server.requests) == 3
    assert client.call_timeout == 0.6


@pytest.mark.parametrize("mode", MODES)
async def test_no_call_timeout_by_default(mode: str) -> None:
    client = make_client(mode, endpoint_url="http://iam.example.test")
    assert client.call_timeout is None
    await close(mode, client)


def test_timeouts_are_documented_for_what_they_are() -> None:
    for doc in (iamlast.Client.__doc__ or "", iamlast.AsyncClient.__doc__ or ""):
        assert "socket operation" in doc and "call_timeout" in doc
