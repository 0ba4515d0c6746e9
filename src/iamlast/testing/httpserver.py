"""A small threaded HTTP/1.1 server on raw sockets: keep-alive, one thread per connection,
and the hooks fault injection needs (drop, truncate, stall). ``http.server`` parses headers
through the email package and costs several times more per request; this parser reads only
what an AWS query client sends.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Reply", "Request", "ThreadedHTTPServer"]

_REASONS = {
    100: "Continue", 200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 409: "Conflict", 411: "Length Required",
    413: "Payload Too Large", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 503: "Service Unavailable",
}
_MAX_HEAD = 64 * 1024
_MAX_BODY = 16 * 1024 * 1024


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; repeats are joined with ``,``."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Reply:
    """What to send back, and how: ``connection`` may ``"drop"`` (close, send nothing),
    ``"truncate"`` (send part of the body, then close) or ``"slow_body"`` (stall mid-body)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    connection: str | None = None
    stall: float = 0.0


Handler = Callable[[Request], Reply]


class ThreadedHTTPServer:
    """Serves ``handler`` on ``host:port`` (0: a free port) until :meth:`close`."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self.handler = handler
        self._sock = socket.create_server((host, port), backlog=1024)
        self.host, self.port = self._sock.getsockname()[:2]
        self._closing = threading.Event()
        self._conns: set[socket.socket] = set()
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"fake-iam-accept-{self.port}", daemon=True)
        self._acceptor.start()

    def close(self, timeout: float = 2.0) -> None:
        """Stop accepting, close every connection, and wait for the threads."""
        self._closing.set()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        with self._lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._acceptor.join(timeout)
        for t in threads:
            t.join(timeout)

    def _accept_loop(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True, name=f"fake-iam-conn-{self.port}")
            with self._lock:
                if self._closing.is_set():
                    conn.close()
                    return
                self._conns.add(conn)
                self._threads.add(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._connection(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
                self._threads.discard(threading.current_thread())
            try:
                conn.close()
            except OSError:
                pass

    def _connection(self, conn: socket.socket) -> None:
        buf = bytearray()
        quickack = getattr(socket, "TCP_QUICKACK", None)

        def recv(size: int) -> bytes:
            # Clients that write headers and body separately without TCP_NODELAY (httpx does)
            # would otherwise wait for our delayed ACK before sending the body. Linux resets
            # QUICKACK after use, hence before every read.
            if quickack is not None:
                conn.setsockopt(socket.IPPROTO_TCP, quickack, 1)
            return conn.recv(size)
        while True:
            end = buf.find(b"\r\n\r\n")
            while end < 0:
                if len(buf) > _MAX_HEAD:
                    self._send_simple(conn, 431)
                    return
                chunk = recv(65536)
                if not chunk:
                    return
                buf += chunk
                end = buf.find(b"\r\n\r\n")
            head = bytes(buf[:end]).decode("latin-1")
            del buf[: end + 4]
            lines = head.split("\r\n")
            try:
                method, target, version = lines[0].split(" ", 2)
            except ValueError:
                self._send_simple(conn, 400)
                return
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                value = value.strip()
                headers[name] = f"{headers[name]},{value}" if name in headers else value
            if headers.get("expect", "").lower() == "100-continue":
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = self._read_chunked(conn, buf)
                if body is None:
                    return
            else:
                try:
                    size = int(headers.get("content-length", "0"))
                except ValueError:
                    self._send_simple(conn, 400)
                    return
                if size > _MAX_BODY or size < 0:
                    self._send_simple(conn, 413)
                    return
                while len(buf) < size:
                    chunk = recv(max(65536, size - len(buf)))
                    if not chunk:
                        return
                    buf += chunk
                body = bytes(buf[:size])
                del buf[:size]
            path, _, query = target.partition("?")
            conn_header = headers.get("connection", "").lower()
            keep_alive = conn_header != "close" if version == "HTTP/1.1" else conn_header == "keep-alive"
            reply = self.handler(Request(method, path, query, headers, body))
            if not self._send(conn, reply, keep_alive) or not keep_alive:
                return

    def _read_chunked(self, conn: socket.socket, buf: bytearray) -> bytes | None:
        body = bytearray()
        while True:
            while b"\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                buf += chunk
            line_end = buf.find(b"\r\n")
            size = int(bytes(buf[:line_end]).split(b";")[0], 16)
            del buf[: line_end + 2]
            while len(buf) < size + 2:
                chunk = conn.recv(65536)
                if not chunk:
                    return None
                buf += chunk
            body += buf[:size]
            del buf[: size + 2]
            if size == 0:
                return bytes(body)

    def _send_simple(self, conn: socket.socket, status: int) -> None:
        conn.sendall(f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())

    def _send(self, conn: socket.socket, reply: Reply, keep_alive: bool) -> bool:
        """Send ``reply``; ``False`` when the connection must be closed."""
        if reply.connection == "drop":
            return False
        head = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Error')}\r\n"]
        head.extend(f"{k}: {v}\r\n" for k, v in reply.headers)
        head.append(f"Content-Length: {len(reply.body)}\r\n")
        if not keep_alive:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        data = "".join(head).encode("latin-1")
        if reply.connection == "truncate":
            conn.sendall(data + reply.body[: len(reply.body) // 2])
            return False
        if reply.connection == "slow_body":
            conn.sendall(data + reply.body[: len(reply.body) // 2])
            if self._closing.wait(reply.stall):
                return False
            conn.sendall(reply.body[len(reply.body) // 2 :])
            return True
        conn.sendall(data + reply.body)
        return True
