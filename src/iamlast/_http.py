"""What both clients need from httpx: the shared TLS context, timeouts, error kinds, body reads.

Kept apart from the sans-IO runtime: this is the only place (with the two clients) that knows
httpx.
"""

from __future__ import annotations

import functools
import ssl
import zlib
from typing import TYPE_CHECKING, Any

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from ._runtime.retry import TransportErrorKind

if TYPE_CHECKING:
    from ._runtime.core import Call

__all__ = ["Verify", "make_timeout", "ssl_context", "transport_kind", "user_agent"]

Verify = bool | str | ssl.SSLContext

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=60.0)  # botocore's connect/read defaults


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


def transport_kind(exc: BaseException) -> TransportErrorKind:
    """Map an httpx failure to the retry policy's vocabulary."""
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


def build_request(
    client: httpx.Client | httpx.AsyncClient,
    call: Call,
    headers: dict[str, str],
    cap: float | None = None,
) -> httpx.Request:
    """The httpx request for one attempt; ``cap`` (seconds left before a deadline) bounds each
    of its socket timeouts."""
    prepared = call.prepared
    headers = dict(headers)
    headers.setdefault("User-Agent", user_agent())
    if cap is None:
        return client.build_request(
            prepared.method, prepared.url, headers=headers, content=prepared.body
        )
    return client.build_request(
        prepared.method,
        prepared.url,
        headers=headers,
        content=prepared.body,
        timeout=capped_timeout(client.timeout, cap),
    )


def capped_timeout(timeout: httpx.Timeout, cap: float) -> httpx.Timeout:
    """``timeout`` with no part longer than ``cap`` seconds (an unset part becomes ``cap``)."""

    def part(value: float | None) -> float:
        return cap if value is None else min(value, cap)

    return httpx.Timeout(
        connect=part(timeout.connect),
        read=part(timeout.read),
        write=part(timeout.write),
        pool=part(timeout.pool),
    )


ACCEPT_ENCODING = "gzip, deflate"


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
            raise httpx.DecodingError(f"unsupported Content-Encoding {content_encoding!r} (asked for {ACCEPT_ENCODING})")

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
