"""The async clients' network layer on asyncio itself (``iamlast._aionet``): httpcore's errors as
its anyio backend raises them, a buffer that stops reading the socket instead of filling memory,
liveness of idle connections, cancellation — against small loopback servers — and the pool an
iamlast client builds uses it (a proxy's keeps its own)."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import httpcore
import httpx
import pytest

from iamlast import AsyncClient, _aionet

pytestmark = pytest.mark.timeout(60)


class Raw:
    """A loopback TCP server running ``handle(conn)`` for each connection on its own thread."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self.done.set()
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket], None]], Raw]]:
    servers: list[Raw] = []

    def start(handle: Callable[[socket.socket], None]) -> Raw:
        servers.append(Raw(handle))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


async def _connect(server: Raw) -> _aionet.AsyncioStream:
    stream = await _aionet.AsyncioBackend().connect_tcp("127.0.0.1", server.port, timeout=5)
    assert isinstance(stream, _aionet.AsyncioStream)
    return stream


async def test_a_reply_is_read_and_a_clean_close_reads_empty(raw: Callable[..., Raw]) -> None:
    def echo_then_close(conn: socket.socket) -> None:
        conn.sendall(b"pong:" + conn.recv(100))

    stream = await _connect(raw(echo_then_close))
    await stream.write(b"ping", timeout=5)
    got = b""
    while chunk := await stream.read(65536, timeout=5):
        got += chunk
    assert got == b"pong:ping"
    assert stream.get_extra_info("is_readable") is True  # ended: never to be reused
    assert stream.get_extra_info("server_addr")[1] == stream.get_extra_info("socket").getpeername()[1]
    await stream.aclose()


async def test_a_silent_server_is_a_read_timeout(raw: Callable[..., Raw]) -> None:
    release = threading.Event()
    stream = await _connect(raw(lambda conn: release.wait(10)))
    try:
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(100, timeout=0.2)
        assert stream.get_extra_info("is_readable") is False  # idle and alive
    finally:
        release.set()
        await stream.aclose()


async def test_a_reset_is_a_read_error_and_then_a_write_error(raw: Callable[..., Raw]) -> None:
    def reset(conn: socket.socket) -> None:
        conn.recv(10)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    stream = await _connect(raw(reset))
    await stream.write(b"x", timeout=5)
    with pytest.raises(httpcore.ReadError):
        while await stream.read(100, timeout=5):
            pass
    with pytest.raises(httpcore.WriteError):
        await stream.write(b"more", timeout=5)
    await stream.aclose()


async def test_nothing_listening_is_a_connect_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpcore.ConnectError):
        await _aionet.AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)


async def test_a_fast_server_is_not_read_into_memory_past_the_high_water_mark(
    raw: Callable[..., Raw],
) -> None:
    total = 16 * 1024 * 1024

    def flood(conn: socket.socket) -> None:
        block = b"z" * 65536
        for _ in range(total // len(block)):
            conn.sendall(block)

    stream = await _connect(raw(flood))
    protocol = stream._protocol
    await asyncio.sleep(0.5)  # nothing read meanwhile: the socket is no longer read
    assert protocol.read_paused
    assert len(protocol.buffer) < _aionet.HIGH_WATER + 512 * 1024
    got = 0
    while chunk := await stream.read(65536, timeout=5):
        got += len(chunk)
        assert len(protocol.buffer) < _aionet.HIGH_WATER + 512 * 1024
    assert got == total
    await stream.aclose()


async def test_a_cancelled_read_leaves_nothing_waiting(raw: Callable[..., Raw]) -> None:
    release = threading.Event()

    def later(conn: socket.socket) -> None:
        release.wait(10)
        conn.sendall(b"late")

    stream = await _connect(raw(later))
    reading = asyncio.ensure_future(stream.read(100, timeout=10))
    await asyncio.sleep(0.05)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert stream._protocol.reading is None
    release.set()
    assert await stream.read(100, timeout=5) == b"late"  # the stream itself is unharmed
    await stream.aclose()


async def test_an_iamlast_pool_uses_it_and_a_proxy_keeps_its_own() -> None:
    own = httpx.AsyncClient()
    proxied = httpx.AsyncClient(proxy="http://127.0.0.1:9")
    try:
        assert _aionet.install(own) is True
        assert isinstance(own._transport._pool._network_backend, _aionet.AsyncioBackend)  # type: ignore[attr-defined]
        _aionet.install(proxied)  # its default transport, never used: every URL is proxied
        for transport in proxied._mounts.values():
            assert transport is not None
            pool = transport._pool  # type: ignore[attr-defined]
            assert type(pool) is httpcore.AsyncHTTPProxy
            assert not isinstance(pool._network_backend, _aionet.AsyncioBackend)
    finally:
        await own.aclose()
        await proxied.aclose()


async def test_the_async_client_builds_its_pool_on_it(raw: Callable[..., Raw]) -> None:
    body = (
        b'<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult>'
        b"<Roles/><IsTruncated>false</IsTruncated></ListRolesResult><ResponseMetadata>"
        b"<RequestId>rid-1</RequestId></ResponseMetadata></ListRolesResponse>"
    )

    def iam(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(next(v for k, v in (line.split(b": ", 1) for line in head.split(b"\r\n")[1:]) if k.lower() == b"content-length"))
        while len(rest) < length:
            rest += conn.recv(65536)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n"
            + body
        )

    server = raw(iam)
    async with AsyncClient(
        endpoint_url=f"http://127.0.0.1:{server.port}",
        region="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
        max_attempts=1,
    ) as client:
        result = await client.list_roles()
        assert result.roles == [] and result.response_metadata.request_id == "rid-1"
        pool = client._http_client._transport._pool  # type: ignore[union-attr]
        assert isinstance(pool._network_backend, _aionet.AsyncioBackend)
