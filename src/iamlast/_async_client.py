"""``iamlast.AsyncClient``: every IAM operation over httpx.AsyncClient, with the shared lifecycle."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from . import _http
from ._base_client import BaseClient, CredentialsArg, RawProxy
from ._runtime.core import Call, ClientState, coerce_request
from ._runtime.retry import RetryMode
from ._runtime.signing import Credentials
from .advisor import AsyncAdvisor

if TYPE_CHECKING:
    from ._generated.client import AsyncRawOperations

__all__ = ["AsyncClient"]


class AsyncClient(AsyncAdvisor, BaseClient):
    """An asyncio IAM client: ``await client.list_roles()``, ``async for e in client.paginate_entities(...)``.

    Takes the same arguments as :class:`~iamlast.Client` (``http_client`` is an
    ``httpx.AsyncClient``). Credential refreshes and config-file reads run in a worker thread,
    never on the event loop. Use ``async with``, or ``await client.aclose()``.
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
        http_client: httpx.AsyncClient | None = None,
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

    async def _ready(self) -> ClientState:
        if self._state is None:
            await asyncio.to_thread(self._client_state)  # may read the config file
        return self._client_state()

    def _http(self, state: ClientState) -> httpx.AsyncClient:
        client = self._http_client
        if client is None:
            client = httpx.AsyncClient(
                timeout=self._timeout,
                verify=_http.ssl_context(self._verify, state.endpoint_url),
                follow_redirects=False,
                trust_env=True,
            )
            self._http_client = client
        return client

    async def _credentials_now(self) -> Credentials:
        source = self._credentials
        if source.needs_refresh():
            return await asyncio.to_thread(source.get)
        return source.get()

    # ------------------------------------------------------------------ the lifecycle

    async def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any:
        return await self._run(operation, request, kwargs, raw=False)

    async def _run(
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
        state = await self._ready()
        call = Call(state, spec, model, raw=raw, deadline=deadline)
        http = self._http(state)
        while True:
            wait = call.before_send(time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
            headers = call.headers(await self._credentials_now())
            try:
                status, response_headers, body = await self._send(
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
            await asyncio.sleep(step.delay)

    async def _send(
        self,
        http: httpx.AsyncClient,
        call: Call,
        headers: dict[str, str],
        cap: float | None = None,
    ) -> tuple[int, httpx.Headers, bytes]:
        response = await http.send(_http.build_request(http, call, headers, cap), stream=True)
        try:
            limit = call.state.max_response_bytes
            size = _http.declared_size(response)
            if size is not None and size > limit:
                raise _http.Oversize(size)
            if response.is_stream_consumed:  # already read by a custom transport (respx)
                body = _http.checked(response.content, limit)
            else:
                reader = _http.BodyReader(response.headers.get("content-encoding"), limit)
                async for chunk in response.aiter_raw():
                    reader.feed(chunk)
                body = reader.finish()
        finally:
            await response.aclose()
        return response.status_code, response.headers, body

    # ------------------------------------------------------------------ surface

    @property
    def with_raw_response(self) -> AsyncRawOperations:
        """The same operations, awaited, returning :class:`~iamlast._runtime.raw.RawResponse`."""
        proxy: Any = RawProxy(lambda op, request, kwargs: self._run(op, request, kwargs, raw=True))
        return proxy  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in)."""
        if self._owns_http and self._http_client is not None:
            await self._http_client.aclose()
            self._http_client = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
