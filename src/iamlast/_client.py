"""``iamlast.Client``: every IAM operation over httpx.Client, with the shared lifecycle."""

from __future__ import annotations

import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from . import _http
from ._base_client import BaseClient, CredentialsArg, RawProxy
from ._runtime.core import Call, coerce_request
from ._runtime.retry import RetryMode
from .advisor import SyncAdvisor

if TYPE_CHECKING:
    from ._generated.client import SyncRawOperations

__all__ = ["Client"]


class Client(SyncAdvisor, BaseClient):
    """A synchronous IAM client: ``client.list_roles()``, ``client.wait_for_job(...)``.

    Arguments (all optional): ``region`` (picks the partition; IAM signs for us-east-1 in aws),
    ``profile``, ``credentials`` (a :class:`~iamlast._runtime.signing.Credentials`, a
    ``(key, secret[, token])`` tuple, or a botocore credentials object) or
    ``aws_access_key_id``/``aws_secret_access_key``/``aws_session_token``, ``endpoint_url``,
    ``use_fips``, ``timeout`` (seconds or ``httpx.Timeout``), ``max_attempts`` (3),
    ``retry_mode`` (``"standard"`` or ``"adaptive"``), ``max_rate`` (a ceiling on requests per
    second for the whole client, retries included), ``verify`` (TLS verification: on unless
    you pass ``False``, a CA bundle path or an ``ssl.SSLContext``) and ``http_client`` (your own
    configured ``httpx.Client``: proxies, transports, respx; you keep ownership of it).
    Use it as a context manager, or call :meth:`close`.
    """

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
        max_attempts: int | None = None,
        retry_mode: RetryMode | None = None,
        max_rate: float | None = None,
        verify: _http.Verify = True,
        http_client: httpx.Client | None = None,
    ) -> None:
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
        )
        self._timeout = _http.make_timeout(timeout)
        self._verify = verify
        self._owns_http = http_client is None
        self._http_client = http_client

    @property
    def _http(self) -> httpx.Client:
        client = self._http_client
        if client is None:
            client = httpx.Client(
                timeout=self._timeout,
                verify=_http.ssl_context(self._verify, self._client_state().endpoint_url),
                follow_redirects=False,
                trust_env=True,
            )
            self._http_client = client
        return client

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
        call = Call(
            self._client_state(),
            spec,
            coerce_request(spec, request, kwargs),
            raw=raw,
            deadline=deadline,
        )
        http = self._http
        while True:
            wait = call.before_send(time.monotonic())
            if wait > 0:
                time.sleep(wait)
            headers = call.headers(self._credentials.get())
            try:
                status, response_headers, body = self._send(
                    http, call, headers, call.attempt_timeout(time.monotonic())
                )
            except _http.Oversize as exc:
                raise call.oversize(exc.size) from None
            except httpx.HTTPError as exc:
                step = call.on_transport_error(
                    _http.transport_kind(exc), _http.describe(exc), time.monotonic()
                )
            else:
                step = call.on_response(status, response_headers, body, time.monotonic())
            if not step.retry:
                return step.outcome()
            time.sleep(step.delay)

    def _send(
        self,
        http: httpx.Client,
        call: Call,
        headers: dict[str, str],
        cap: float | None = None,
    ) -> tuple[int, httpx.Headers, bytes]:
        response = http.send(_http.build_request(http, call, headers, cap), stream=True)
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
                body = reader.finish()
        finally:
            response.close()
        return response.status_code, response.headers, body

    # ------------------------------------------------------------------ surface

    @property
    def with_raw_response(self) -> SyncRawOperations:
        """The same operations, returning :class:`~iamlast._runtime.raw.RawResponse` (status,
        headers, request id, body, ``.parse()``) after retries, without raising for errors."""
        proxy: Any = RawProxy(lambda op, request, kwargs: self._run(op, request, kwargs, raw=True))
        return proxy  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        if self._owns_http and self._http_client is not None:
            self._http_client.close()
            self._http_client = None

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
