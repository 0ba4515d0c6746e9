"""httpcore's network layer for the async clients, on asyncio itself.

httpcore runs on anyio under asyncio, and anyio sets up a cancel scope with a deadline around
every read and write and rebuilds a dict for every pooled connection's liveness check: about a
third of the client's CPU per request against a fast server. Here a protocol buffers what the
socket gives (pausing the socket past :data:`HIGH_WATER`, so a server sending more than is read
cannot fill memory), a read waits on one future with one timer, and a write waits only when the
transport's buffer is full. The errors are httpcore's, as its anyio backend raises them; Unix
sockets still go through that backend.

Only the connection pools iamlast builds itself use it (:func:`install`); proxy mounts and an
``http_client`` you pass in keep their own.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["HIGH_WATER", "LOW_WATER", "AsyncioBackend", "install"]

#: Bytes buffered before the socket is no longer read (until a read brings them under LOW_WATER).
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024


def install(client: httpx.AsyncClient) -> bool:
    """Give the default transport's connection pool of an httpx client iamlast built this
    backend (before its first connection). False, changing nothing, when that is not httpcore's
    plain pool; proxy mounts (``HTTPS_PROXY``, ...) keep their own pools as they are."""
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if type(pool) is not httpcore.AsyncConnectionPool or not hasattr(pool, "_network_backend"):
        return False
    pool._network_backend = AsyncioBackend()
    return True


def _wake(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class _Protocol(asyncio.Protocol):
    """What the socket gave and whether it ended; futures for a read and a drain waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.reading: asyncio.Future[None] | None = None
        self.draining: asyncio.Future[None] | None = None
        self.write_paused = False
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= HIGH_WATER and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        _wake(self.reading)

    def eof_received(self) -> bool:
        self.eof = True
        _wake(self.reading)
        return False  # the transport closes itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        _wake(self.reading)
        _wake(self.draining)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        _wake(self.draining)


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection (TCP, then TLS over it when started)."""

    def __init__(self, transport: asyncio.Transport, protocol: _Protocol) -> None:
        self._transport = transport
        self._protocol = protocol

    async def _wait(self, which: str, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        setattr(self._protocol, which, waiter)
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            setattr(self._protocol, which, None)
            if timer is not None:
                timer.cancel()

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        protocol = self._protocol
        if not protocol.buffer and not protocol.eof:
            try:
                await self._wait("reading", timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("timed out reading from the server") from None
        buffer = protocol.buffer
        if buffer:
            data = bytes(buffer[:max_bytes])
            del buffer[:max_bytes]
            if protocol.read_paused and len(buffer) < LOW_WATER and not protocol.eof:
                protocol.read_paused = False
                self._transport.resume_reading()
            return data
        if protocol.error is not None:
            raise httpcore.ReadError(_said(protocol.error))
        return b""  # the server closed the connection

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        protocol = self._protocol
        if protocol.error is not None:
            raise httpcore.WriteError(_said(protocol.error))
        if protocol.eof or self._transport.is_closing():
            raise httpcore.WriteError("the connection is closed")
        self._transport.write(buffer)
        if protocol.write_paused:
            try:
                await self._wait("draining", timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout("timed out writing to the server") from None
            if protocol.error is not None:
                raise httpcore.WriteError(_said(protocol.error))

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._protocol, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.abort()
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self._transport.abort()
            raise httpcore.ConnectError(_said(exc)) from None
        if transport is None:  # the connection closed during the handshake
            raise httpcore.ConnectError("the connection closed during the TLS handshake")
        assert isinstance(transport, asyncio.Transport)
        self._protocol.transport = transport  # pausing reads now pauses the TLS transport
        return AsyncioStream(transport, self._protocol)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # an idle connection with data or an end: not to be reused
            protocol = self._protocol
            return bool(protocol.buffer) or protocol.eof or self._transport.is_closing()
        names = {"client_addr": "sockname", "server_addr": "peername"}
        if info in ("ssl_object", "socket", "client_addr", "server_addr"):
            return self._transport.get_extra_info(names.get(info, info))
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Connections for httpcore's async pool, opened with asyncio's ``create_connection``."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    _Protocol,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                    happy_eyeballs_delay=0.25,  # as anyio's connect_tcp (RFC 8305)
                )
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            raise httpcore.ConnectError(_said(exc)) from None
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            try:
                sock.setsockopt(*option)
            except OSError as exc:
                transport.abort()
                raise httpcore.ConnectError(_said(exc)) from None
        assert isinstance(transport, asyncio.Transport)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        from httpcore._backends.anyio import AnyIOBackend

        return await AnyIOBackend().connect_unix_socket(path, timeout, socket_options)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _said(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
