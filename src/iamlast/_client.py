"""``iamlast.Client``: every IAM operation over httpx.Client, with the shared lifecycle.

:class:`SyncBaseClient` is that lifecycle for any service (the STS and Organizations clients
are built on it too); :class:`Client` adds IAM's operations and workflows.
"""

from __future__ import annotations

import functools
import time
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from . import _generated, _http
from ._base_client import BaseClient, CredentialsArg, ServiceTable
from ._client_options import check_client_arguments
from ._http import ConnectionTrace
from ._runtime.core import Call, closed, coerce_request
from ._runtime.errors import ClientClosedError, IamError
from ._runtime.retry import RetryMode
from ._runtime.signing import Credentials
from .advisor import SyncAdvisor

if TYPE_CHECKING:
    from ._generated.client import SyncRawOperations
    from ._sync_driver import SyncDriver

__all__ = ["Client", "SyncBaseClient"]


def _iam_table() -> ServiceTable:
    from ._generated import operations

    return ServiceTable.of("iam", _generated, operations)


class SyncBaseClient(BaseClient):
    """The synchronous lifecycle of every service's client: arguments, the connection pool,
    sending with retries, closing. A concrete client sets ``_service`` and mixes in its
    service's generated operations."""

    def __init__(
        self,
        *,
        region: str | None = None,
        profile: str | None = None,
        credentials: CredentialsArg = None,
        aws_access_key_id: str | None = None,
        aws_secret_access_key: str | None = None,
        aws_session_token: str | None = None,
        endpoint_url: str | None = None,
        use_fips: bool | None = None,
        timeout: float | httpx.Timeout | None = None,
        call_timeout: float | None = None,
        max_attempts: int | None = None,
        retry_mode: RetryMode | None = None,
        max_rate: float | None = None,
        verify: _http.Verify = True,
        http_client: httpx.Client | None = None,
    ) -> None:
        check_client_arguments(type(self).__name__, locals(), http_client_type=httpx.Client)
        super().__init__(
            region=region,
            profile=profile,
            credentials=credentials,
            aws_access_key_id=aws_access_key_id,
            aws_secret_access_key=aws_secret_access_key,
            aws_session_token=aws_session_token,
            endpoint_url=endpoint_url,
            use_fips=use_fips,
            max_attempts=max_attempts,
            retry_mode=retry_mode,
            max_rate=max_rate,
            call_timeout=call_timeout,
        )
        self._timeout = _http.make_timeout(timeout)
        self._verify = verify
        self._owns_http = http_client is None
        self._http_client = http_client
        # The network streams of our own pool, to wake calls in flight when close() runs.
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()

    @functools.cached_property
    def _driver(self) -> SyncDriver:
        from ._sync_driver import SyncDriver

        return SyncDriver(self)

    @property
    def _http(self) -> httpx.Client:
        client = self._http_client
        if client is not None and not self._closed:
            return client
        with self._pool_lock:  # the first calls may come from many threads at once
            if self._closed:
                raise ClientClosedError("the client is closed; a closed client sends nothing more")
            if self._http_client is None:
                endpoint = self._client_state().endpoint_url
                self._http_client = httpx.Client(
                    **_http.client_options(self._timeout, self._verify, endpoint)
                )
            return self._http_client

    # ------------------------------------------------------------------ the lifecycle

    def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any:
        return self._run(operation, request, kwargs, raw=False)

    def _run(
        self,
        operation: str,
        request: Any,
        kwargs: dict[str, Any],
        *,
        raw: bool,
        deadline: float | None = None,
    ) -> Any:
        spec = self._spec(operation)
        model = coerce_request(spec, request, kwargs)
        start = time.monotonic()
        if self._closed:
            raise closed(spec.name)
        state = self._client_state()
        call = Call(
            state,
            spec,
            model,
            raw=raw,
            call_timeout=self._call_timeout,
            now=start,
            deadline=deadline,
        )
        http = self._http
        while True:
            wait = call.before_send(time.monotonic())
            while True:
                if wait > 0:
                    time.sleep(wait)
                wait = call.clear_to_send(time.monotonic())
                if wait <= 0:
                    break
            headers = call.headers(self._credentials_for(call))
            trace = _http.ConnectionTrace(self._streams if self._owns_http else None)
            try:
                status, response_headers, body = self._send(http, call, headers, trace)
            except _http.Oversize as exc:
                raise call.oversize(exc.size) from None
            except httpx.HTTPError as exc:
                if self._closed:
                    raise call.closed() from None
                step = call.on_transport_error(
                    _http.transport_kind(exc),
                    _http.describe(exc),
                    time.monotonic(),
                    stale=trace.stale(exc),
                )
            else:
                step = call.on_response(status, response_headers, body, time.monotonic())
            if not step.retry:
                return step.outcome()
            if self._closed:
                raise call.closed()
            time.sleep(step.delay)

    def _credentials_for(self, call: Call) -> Credentials:
        try:
            return self._credentials.get(timeout=call.time_left(time.monotonic()))
        except TimeoutError as exc:  # the lookup outlived the call's call_timeout
            if isinstance(exc, IamError):
                raise
            raise call.timed_out() from None

    def _send(
        self, http: httpx.Client, call: Call, headers: dict[str, str], trace: ConnectionTrace
    ) -> tuple[int, httpx.Headers, bytes]:
        timeout = _http.attempt_timeout(http.timeout, call.attempt_budget(time.monotonic()))
        request = _http.build_request(
            http, call, headers, trace=trace, timeout=timeout, own=self._owns_http
        )
        try:
            response = _http.send(http, request, own=self._owns_http)
        except RuntimeError:
            if self._closed or http.is_closed:  # httpx: "the client has been closed"
                raise call.closed() from None
            raise
        try:
            limit = call.state.max_response_bytes
            size = _http.declared_size(response)
            if size is not None and size > limit:
                raise _http.Oversize(size)
            if response.is_stream_consumed:  # already read by a custom transport (respx)
                body = _http.checked(response.content, limit)
            else:
                reader = _http.BodyReader(response.headers.get("content-encoding"), limit)
                for chunk in response.iter_raw():
                    reader.feed(chunk)
                    if call.deadline is not None and time.monotonic() >= call.deadline:
                        raise call.timed_out()
                body = reader.finish()
        finally:
            response.close()
        return response.status_code, response.headers, body

    # ------------------------------------------------------------------ surface

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in). Calls in flight end
        with :class:`~iamlast.errors.ClientClosedError`, and so does every later call."""
        with self._pool_lock:
            self._closed = True
            http = self._http_client if self._owns_http else None
            self._http_client = None if self._owns_http else self._http_client
        if http is not None:
            _http.shut_down(self._streams)
            http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Client(SyncBaseClient, SyncAdvisor):
    """A synchronous IAM client: ``client.list_roles()``, ``client.wait_for_job(...)``.

    Arguments (all optional): ``region`` (picks the partition; IAM signs for us-east-1 in aws),
    ``profile``, ``credentials`` (a :class:`~iamlast._runtime.signing.Credentials`, a
    ``(key, secret[, token])`` tuple, or a botocore credentials object) or
    ``aws_access_key_id``/``aws_secret_access_key``/``aws_session_token``, ``endpoint_url``,
    ``use_fips``, ``timeout`` (seconds for each socket operation, as botocore's
    ``connect_timeout``/``read_timeout``: connecting, each read, each write, waiting for a pooled
    connection; 60 s; or an ``httpx.Timeout``), ``call_timeout`` (seconds for a whole call,
    retries, backoff and credential lookups included; no retry starts that would end past it,
    and a call still running then raises :class:`~iamlast.errors.CallTimeoutError`; unbounded by
    default), ``max_attempts`` (3), ``retry_mode`` (``"standard"`` or ``"adaptive"``),
    ``max_rate`` (a ceiling on requests per second for the whole client, retries included),
    ``verify`` (TLS verification: on unless you pass ``False``, a CA bundle path or an
    ``ssl.SSLContext``) and ``http_client`` (your own configured ``httpx.Client``: proxies,
    transports, respx; you keep ownership of it). An argument of the wrong type raises
    :class:`~iamlast.errors.ParamValidationError` naming it.

    Credentials from the default chain are looked up on a thread of their own, refreshed in the
    background 15 minutes before they expire (callers wait only in the last 10), and a failed
    lookup is remembered for 5 seconds (calls meanwhile fail at once with the same error).
    No cookies are kept or sent. Use it as a context manager, or call :meth:`close`; a closed
    client raises :class:`~iamlast.errors.ClientClosedError`.
    """

    _service = _iam_table()

    @property
    def with_raw_response(self) -> SyncRawOperations:
        """The same operations, returning :class:`~iamlast._runtime.raw.RawResponse` (status,
        headers, request id, body, ``.parse()``) after retries, without raising for errors."""
        return self._raw_proxy(  # type: ignore[no-any-return]
            lambda op, request, kwargs: self._run(op, request, kwargs, raw=True)
        )
