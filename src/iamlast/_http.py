"""What both clients need from httpx: the shared TLS context, timeouts, error kinds, body reads,
the request headers, and how an attempt used its connection.

Kept apart from the sans-IO runtime: this is the only place (with the two clients) that knows
httpx.
"""

from __future__ import annotations

import functools
import http.cookiejar
import logging
import socket
import ssl
import weakref
import zlib
from typing import TYPE_CHECKING, Any

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from ._runtime.retry import TransportErrorKind

if TYPE_CHECKING:
    from ._runtime.core import Call

__all__ = [
    "ConnectionTrace",
    "Verify",
    "attempt_timeout",
    "client_options",
    "make_timeout",
    "ssl_context",
    "transport_kind",
    "user_agent",
]

Verify = bool | str | ssl.SSLContext

#: Per socket operation (connect, each read, each write, waiting for a pooled connection), as
#: botocore's connect_timeout/read_timeout: botocore's 60 s defaults.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=60.0)


@functools.cache
def _default_context() -> ssl.SSLContext:
    # Building a verifying context (loading the CA bundle) costs tens of ms: once per process.
    return httpx.create_ssl_context()


@functools.cache
def _plain_http_context() -> ssl.SSLContext:
    # For http:// endpoints no TLS happens; this context verifies and has no CAs, so if it were
    # ever used for https it would refuse every certificate (fails closed).
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def ssl_context(verify: Verify, endpoint_url: str) -> ssl.SSLContext | bool:
    """The ``verify`` to give httpx: the shared verifying context unless told otherwise; a CA
    bundle path (file or directory) becomes a verifying context of its own."""
    if verify is True:
        if endpoint_url.lower().startswith("http://"):
            return _plain_http_context()
        return _default_context()
    if isinstance(verify, str):
        import os

        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    return verify


def make_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    if timeout is None:
        return DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(
            f"timeout must be a positive number of seconds or an httpx.Timeout, not {timeout!r}"
        )
    return httpx.Timeout(float(timeout))


class _NoCookies(http.cookiejar.CookieJar):
    """A jar that keeps nothing: IAM sets no cookies, and a cookie a server (or anything on the
    way) sets must not be replayed, unsigned, on every later request."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return None

    def set_cookie_if_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> None:
        return None


def client_options(timeout: httpx.Timeout, verify: Verify, endpoint_url: str) -> dict[str, Any]:
    """The keyword arguments of the httpx client an iamlast client builds for itself."""
    return {
        "timeout": timeout,
        "verify": ssl_context(verify, endpoint_url),
        "follow_redirects": False,
        "trust_env": True,
        "cookies": _NoCookies(),
    }


def attempt_timeout(base: httpx.Timeout, time_left: float | None) -> httpx.Timeout | None:
    """Each socket operation of an attempt bounded by what is left of the call's time too."""
    if time_left is None:
        return None
    left = max(time_left, 0.001)

    def bounded(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(
        connect=bounded(base.connect),
        read=bounded(base.read),
        write=bounded(base.write),
        pool=bounded(base.pool),
    )


_STALE_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class ConnectionTrace:
    """httpcore's ``trace`` extension for one attempt: did it go out on a kept-alive connection
    (none was opened for it), and which network streams did it open.

    An attempt that fails that way before any response (the server closed the idle connection as
    the request went out) is :meth:`stale`: it is retried at once (the pool has dropped that
    connection, so the retry goes out on another), instead of after a retry's backoff.
    """

    __slots__ = ("_streams", "opened", "sent")

    def __init__(self, streams: weakref.WeakSet[Any] | None = None) -> None:
        self.opened = False
        self.sent = False
        self._streams = streams

    def __call__(self, name: str, info: dict[str, Any]) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.opened = True
            stream = info.get("return_value")
            if self._streams is not None and stream is not None:
                self._streams.add(stream)
        elif name.endswith(".send_request_headers.started"):
            self.sent = True

    async def asynchronous(self, name: str, info: dict[str, Any]) -> None:
        """The same, for httpx.AsyncClient (it awaits the trace callback)."""
        self(name, info)

    def stale(self, exc: BaseException) -> bool:
        """The attempt died on a reused connection before any response came back."""
        return self.sent and not self.opened and isinstance(exc, _STALE_ERRORS)


def shut_down(streams: weakref.WeakSet[Any]) -> None:
    """Wake every thread blocked reading one of ``streams``: closing a socket from another thread
    does not, shutting it down does (the read then ends at once with an error)."""
    for _ in range(5):
        try:
            alive = list(streams)
            break
        except RuntimeError:  # a connection opened meanwhile, on another thread
            continue
    else:
        return
    for stream in alive:
        try:
            sock = stream.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError, ValueError):
            pass  # already closed, or a TCP socket handed over to TLS


def transport_kind(exc: BaseException) -> TransportErrorKind:
    """Map an httpx failure to the retry policy's vocabulary."""
    if isinstance(exc, httpx.ProxyError) and str(exc).startswith("407"):
        return TransportErrorKind.PROXY_AUTH  # no retry brings the proxy credentials it wants
    if isinstance(exc, httpx.ConnectTimeout):
        return TransportErrorKind.CONNECT_TIMEOUT
    if isinstance(exc, httpx.TimeoutException):
        return TransportErrorKind.READ_TIMEOUT
    if isinstance(exc, httpx.ConnectError):
        return TransportErrorKind.CONNECT
    if isinstance(
        exc,
        httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError | httpx.LocalProtocolError,
    ):
        return TransportErrorKind.PROTOCOL
    return TransportErrorKind.OTHER


def describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@functools.cache
def user_agent() -> str:
    import platform

    from . import __version__

    return f"iamlast/{__version__} python/{platform.python_version()} httpx/{httpx.__version__}"


#: Exactly what :class:`BodyReader` decodes (httpx's default adds br and zstd whenever those
#: packages are installed, and such a response would then fail to decode).
ACCEPT_ENCODING = "gzip, deflate"


def build_request(
    client: httpx.Client | httpx.AsyncClient,
    call: Call,
    headers: dict[str, str],
    *,
    trace: Any = None,
    timeout: httpx.Timeout | None = None,
    own: bool = False,
) -> httpx.Request:
    """The httpx request of one attempt. ``own``: ``client`` is one iamlast built itself (its
    default headers, no cookies, params or base URL), whose request is put together directly,
    the same as ``client.build_request`` would make it."""
    prepared = call.prepared
    headers = dict(headers)
    headers.setdefault("User-Agent", user_agent())
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    extensions: dict[str, Any] = {} if trace is None else {"trace": trace}
    if own:
        request = _own_request(
            client, prepared.method, prepared.url, headers, prepared.body, extensions, timeout
        )
        if request is not None:
            return request
    request = client.build_request(
        prepared.method,
        prepared.url,
        headers=headers,
        content=prepared.body,
        extensions=extensions,
        timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout,
    )
    # A client passed in may hold cookies of its own: none goes out with a signed IAM request.
    request.headers.pop("Cookie", None)
    return request


#: Headers whose presence changes what httpx adds itself (the body's length, the Host).
_FRAMING = frozenset({b"content-length", b"transfer-encoding"})


@functools.lru_cache(maxsize=256)
def _url(url: str) -> httpx.URL:
    return httpx.URL(url)  # parsed once per URL (a client sends to a few): httpx copies it


def _own_request(
    client: httpx.Client | httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes,
    extensions: dict[str, Any],
    timeout: httpx.Timeout | None,
) -> httpx.Request | None:
    """What ``client.build_request`` makes of these arguments for a client iamlast built — the
    client's default headers that ours do not replace, then ours in order, then Content-Length;
    the trace and timeout extensions — without re-merging through httpx.Headers each time.
    None (build it the usual way) for an empty body or one whose framing is already set."""
    if not body or "Host" not in headers:
        return None
    ours = [(name.encode("ascii"), value.encode("ascii")) for name, value in headers.items()]
    replaced = {name.lower() for name, _ in ours}
    if replaced & _FRAMING:
        return None
    merged = [(name, value) for name, value in client.headers.raw if name.lower() not in replaced]
    merged += ours
    merged.append((b"Content-Length", str(len(body)).encode("ascii")))
    extensions["timeout"] = (client.timeout if timeout is None else timeout).as_dict()
    request = httpx.Request(
        method, _url(url), headers=merged, stream=httpx.ByteStream(body), extensions=extensions
    )
    request.read()  # as httpx does for a body given as bytes: ``request.content`` is readable
    return request


_httpx_log = logging.getLogger("httpx")


def _own_transport(
    client: httpx.Client | httpx.AsyncClient, request: httpx.Request, own: bool
) -> Any:
    """The transport ``client.send`` would hand ``request`` to, when sending it straight there
    changes nothing: a client iamlast built (no auth, event hooks, redirects followed or cookies
    kept) and a URL without credentials in it (httpx would send those as basic auth). None: let
    ``client.send`` do it."""
    if not own or request.url.userinfo:
        return None
    if client.is_closed:
        raise RuntimeError("Cannot send a request, as the client has been closed.")
    pick = getattr(client, "_transport_for_url", None)  # the proxy mounts' choice
    return None if pick is None else pick(request.url)


def _sent(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    response.request = request
    if _httpx_log.isEnabledFor(logging.INFO):  # the line httpx's client logs for each request
        _httpx_log.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )
    return response


def send(client: httpx.Client, request: httpx.Request, *, own: bool = False) -> httpx.Response:
    """``client.send(request, stream=True)``; for a client iamlast built, straight to its
    transport: httpx's per-request work around it (auth and redirect handling, hooks, reading
    the response's cookies into a jar that keeps none) is the client's CPU for nothing."""
    transport = _own_transport(client, request, own)
    if transport is None:
        return client.send(request, stream=True)
    try:
        response = transport.handle_request(request)
    except httpx.RequestError as exc:
        exc.request = request  # as httpx's client does
        raise
    return _sent(request, response)


async def asend(
    client: httpx.AsyncClient, request: httpx.Request, *, own: bool = False
) -> httpx.Response:
    """:func:`send` for an ``httpx.AsyncClient``."""
    transport = _own_transport(client, request, own)
    if transport is None:
        return await client.send(request, stream=True)
    try:
        response = await transport.handle_async_request(request)
    except httpx.RequestError as exc:
        exc.request = request
        raise
    return _sent(request, response)


class BodyReader:
    """Collects a response body from raw chunks, decoding gzip/deflate itself so that the size
    limit applies to the decoded bytes and a compression bomb is cut off at the limit instead of
    being inflated in memory first."""

    def __init__(self, content_encoding: str | None, limit: int) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        self._limit = limit
        self._size = 0
        self._parts: list[bytes] = []
        self._raw_deflate = False
        self._inflater: Any
        if encoding in ("identity", ""):
            self._inflater = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._inflater = zlib.decompressobj()
        else:
            raise httpx.DecodingError(
                f"unsupported Content-Encoding {content_encoding!r} (asked for {ACCEPT_ENCODING})"
            )

    def _keep(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self._limit:
            raise Oversize(None)
        if data:
            self._parts.append(data)

    def feed(self, chunk: bytes) -> None:
        inflater = self._inflater
        if inflater is None:
            self._keep(chunk)
            return
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, self._limit - self._size + 1)
            except zlib.error as exc:
                if self._size == 0 and not self._raw_deflate and inflater.__class__ is not None:
                    # "deflate" is sent both zlib-wrapped and raw in the wild.
                    self._raw_deflate = True
                    self._inflater = inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"could not decode the response body: {exc}") from None
            self._keep(out)
            data = inflater.unconsumed_tail

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return b"".join(self._parts)


def checked(body: bytes, limit: int) -> bytes:
    """A body some transport already read: only the size limit is left to apply."""
    if len(body) > limit:
        raise Oversize(len(body))
    return body


class Oversize(Exception):
    """A response body over the client's limit (read no further)."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


def declared_size(response: httpx.Response) -> int | None:
    value = response.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
