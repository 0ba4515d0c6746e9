"""Small hostile loopback servers for the client tests: each misbehaves in one way and counts
what it saw. All bind 127.0.0.1 on a free port and stop in ``close()`` (or ``with``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from iamlast.testing.httpserver import Reply, Request, ThreadedHTTPServer

NS = "https://iam.amazonaws.com/doc/2010-05-08/"


def ok_document(action: str, request_id: str = "rid-hostile") -> bytes:
    """A successful, empty-listing response for the list operations the tests call."""
    inner = {
        "ListUsers": "<Users/><IsTruncated>false</IsTruncated>",
        "ListRoles": "<Roles/><IsTruncated>false</IsTruncated>",
        "ListGroups": "<Groups/><IsTruncated>false</IsTruncated>",
    }.get(action, "")
    result = f"<{action}Result>{inner}</{action}Result>" if inner else ""
    return (
        f'<{action}Response xmlns="{NS}">{result}<ResponseMetadata><RequestId>{request_id}'
        f"</RequestId></ResponseMetadata></{action}Response>"
    ).encode()


def error_document(code: str, message: str, request_id: str = "rid-hostile") -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def action_of(request: Request) -> str:
    return dict(parse_qsl(request.body.decode("utf-8", "replace"))).get("Action", "")


class _Closing:
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Any:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Recording(_Closing):
    """Answers every request with ``reply(request)`` (an OK document by default) and keeps each
    request's headers."""

    def __init__(self, reply: Callable[[Request], Reply] | None = None) -> None:
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._reply = reply or (
            lambda r: Reply(200, [("Content-Type", "text/xml")], ok_document(action_of(r)))
        )

        def handle(request: Request) -> Reply:
            with self._lock:
                self.requests.append(request)
            return self._reply(request)

        self._server = ThreadedHTTPServer(handle)
        self.url = f"http://127.0.0.1:{self._server.port}/"

    def close(self) -> None:
        self._server.close()


class _Sockets(_Closing):
    """A raw accept loop: ``serve(conn)`` runs on a thread per connection."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._conns: list[socket.socket] = []
        self._closing = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._closing.set()
        self._sock.close()
        for conn in self._conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _read_request(conn: socket.socket, buf: bytearray) -> bytes | None:
    """One request (head and Content-Length body) off ``conn``; None at EOF."""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    end = buf.index(b"\r\n\r\n") + 4
    head = bytes(buf[:end])
    size = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            size = int(value)
    while len(buf) < end + size:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        buf += chunk
    request = bytes(buf[: end + size])
    del buf[: end + size]
    return request


class IdleClosing(_Sockets):
    """Keep-alive, but a connection left idle longer than ``idle`` seconds is closed when the next
    request arrives on it, without an answer: what a client sees when the server closed an idle
    connection just as the request went out."""

    def __init__(self, idle: float = 0.05) -> None:
        self.idle = idle
        self.answered = 0
        self.refused = 0
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        last = time.monotonic()
        while (request := _read_request(conn, buf)) is not None:
            if time.monotonic() - last > self.idle:
                self.refused += 1
                return
            action = dict(parse_qsl(request.split(b"\r\n\r\n", 1)[1].decode())).get("Action", "")
            body = ok_document(action)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n"
                % len(body)
                + body
            )
            self.answered += 1
            last = time.monotonic()


class Blackhole(_Sockets):
    """Accepts connections, reads, never answers (an instance-metadata endpoint that is not
    there, a hung proxy); with ``hang_up``, closes each connection at once instead."""

    def __init__(self, *, hang_up: bool = False) -> None:
        self.hang_up = hang_up
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        if self.hang_up:
            return
        while conn.recv(65536):
            pass


class ProxyAuthRequired(_Sockets):
    """A proxy that answers every request (CONNECT or forwarded) with 407."""

    def __init__(self) -> None:
        self.requests: list[bytes] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        buf = bytearray()
        while (request := _read_request(conn, buf)) is not None:
            self.requests.append(request.split(b"\r\n", 1)[0])
            conn.sendall(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="hostile"\r\nContent-Length: 0\r\n\r\n'
            )


class StsDenying(Recording):
    """An STS endpoint refusing AssumeRole with AccessDenied (the commonest cross-account
    failure)."""

    MESSAGE = (
        "User: arn:aws:iam::111122223333:user/dev is not authorized to perform: sts:AssumeRole "
        "on resource: arn:aws:iam::444455556666:role/audit"
    )

    def __init__(self) -> None:
        super().__init__(
            lambda r: Reply(
                403,
                [("Content-Type", "text/xml")],
                error_document("AccessDenied", self.MESSAGE, "rid-sts"),
            )
        )
