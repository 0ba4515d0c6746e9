"""``iamlast.AsyncClient``: every IAM operation over httpx.AsyncClient, with the shared lifecycle.

:class:`AsyncBaseClient` is that lifecycle for any service (the STS and Organizations clients
are built on it too); :class:`AsyncClient` adds IAM's operations and workflows.
"""

from __future__ import annotations

import asyncio
import functools
import time
from asyncio import get_running_loop
from asyncio import timeout as timeout_after
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

# isort: off
from . import _quiet_httpx  # noqa: F401  (before httpx is first imported)

# isort: on
import httpx

from . import _http
from ._async_advisor import AsyncAdvisor
from ._base_client import BaseClient, CredentialsArg
from ._client import _iam_table
from ._client_options import check_client_arguments
from ._http import ConnectionTrace
from ._runtime import background
from ._runtime.core import Call, ClientState, closed, coerce_request, timed_out
from ._runtime.errors import IamError
from ._runtime.retry import RetryMode
from ._runtime.signing import Credentials

if TYPE_CHECKING:
    from ._async_driver import AsyncDriver
    from ._generated.async_client import AsyncRawOperations
    from ._runtime.registry import OperationSpec

__all__ = ["AsyncBaseClient", "AsyncClient"]

T = TypeVar("T")


class AsyncBaseClient(BaseClient):
    """The asyncio lifecycle of every service's client: arguments, the connection pool,
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
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        check_client_arguments(type(self).__name__, locals(), http_client_type=httpx.AsyncClient)
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
        self._state_lookup: Future[ClientState] | None = None

    @functools.cached_property
    def _driver(self) -> AsyncDriver:
        # asyncio is imported only once an async client runs a workflow.
        from ._async_driver import AsyncDriver

        return AsyncDriver(self)

    async def _ready(self) -> ClientState:
        state = self._state
        if state is not None:
            return state
        lookup = self._state_lookup  # one config read in flight, shared by every task
        if lookup is None or (lookup.done() and lookup.exception() is not None):
            lookup = self._state_lookup = background.start(
                self._client_state, name="iamlast-config"
            )
        return await _settled(lookup)

    def _http(self, state: ClientState, operation: str) -> httpx.AsyncClient:
        if self._closed:  # closed while this call awaited its settings: no new pool
            raise closed(operation)
        client = self._http_client
        if client is None:
            client = httpx.AsyncClient(
                **_http.client_options(self._timeout, self._verify, state.endpoint_url)
            )
            from . import _aionet

            _aionet.install(client)  # httpcore on asyncio itself, not through anyio
            self._http_client = client
        return client

    async def _credentials_now(self) -> Credentials:
        found = self._credentials.acquire()
        if isinstance(found, Credentials):
            return found
        return await _settled(found)

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
        start = time.monotonic()
        bound = self._call_timeout
        if self._closed:
            raise closed(spec.name)
        if bound is None:
            return await self._attempts(spec, model, raw, start, [], deadline)
        calls: list[Call] = []
        try:
            async with timeout_after(bound) as scope:
                return await self._attempts(spec, model, raw, start, calls, deadline)
        except TimeoutError as exc:
            if isinstance(exc, IamError) or not scope.expired():
                raise
        # The deadline passed while something was awaited: credentials, a send, a backoff.
        raise calls[0].timed_out() if calls else timed_out(spec.name, bound, 0)

    async def _attempts(
        self,
        spec: OperationSpec,
        model: Any,
        raw: bool,
        start: float,
        calls: list[Call],
        deadline: float | None,
    ) -> Any:
        state = await self._ready()
        call = Call(
            state,
            spec,
            model,
            raw=raw,
            call_timeout=self._call_timeout,
            now=start,
            deadline=deadline,
        )
        calls.append(call)
        http = self._http(state, spec.name)
        while True:
            wait = call.before_send(time.monotonic())
            while True:
                if wait > 0:
                    await asyncio.sleep(wait)
                wait = call.clear_to_send(time.monotonic())
                if wait <= 0:
                    break
            headers = call.headers(await self._credentials_now())
            if self._closed:
                raise call.closed()
            trace = _http.ConnectionTrace()
            try:
                status, response_headers, body = await self._send(http, call, headers, trace)
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
            await asyncio.sleep(step.delay)

    async def _send(
        self,
        http: httpx.AsyncClient,
        call: Call,
        headers: dict[str, str],
        trace: ConnectionTrace,
    ) -> tuple[int, httpx.Headers, bytes]:
        # Under a workflow's deadline each socket operation gets at most what is left of it.
        timeout = _http.attempt_timeout(http.timeout, call.attempt_budget(time.monotonic()))
        request = _http.build_request(
            http, call, headers, trace=trace.asynchronous, timeout=timeout, own=self._owns_http
        )
        try:
            response = await _http.asend(http, request, own=self._owns_http)
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
                async for chunk in response.aiter_raw():
                    reader.feed(chunk)
                body = reader.finish()
        finally:
            await response.aclose()
        return response.status_code, response.headers, body

    # ------------------------------------------------------------------ surface

    async def aclose(self) -> None:
        """Close the connection pool (not an ``http_client`` you passed in). Calls in flight end
        with :class:`~iamlast.errors.ClientClosedError`, and so does every later call."""
        self._closed = True
        http = self._http_client
        if self._owns_http and http is not None:
            self._http_client = None
            await http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class AsyncClient(AsyncBaseClient, AsyncAdvisor):
    """An asyncio IAM client: ``await client.list_roles()``, ``async for e in client.paginate_entities(...)``.

    Takes the same arguments as :class:`~iamlast.Client` (``http_client`` is an
    ``httpx.AsyncClient``), with the same meaning: ``timeout`` per socket operation,
    ``call_timeout`` for a whole call. Credential lookups and config-file reads run on daemon
    threads iamlast owns, never on the event loop or its default executor: an advisory refresh
    does not hold up any call, and a lookup that hangs holds up only the calls that wait for it,
    until they are cancelled (``asyncio.wait_for``) — ``asyncio.run`` does not wait for it
    either. Use ``async with``, or ``await client.aclose()``.
    """

    _service = _iam_table()

    @property
    def with_raw_response(self) -> AsyncRawOperations:
        """The same operations, awaited, returning :class:`~iamlast._runtime.raw.RawResponse`."""
        return self._raw_proxy(  # type: ignore[no-any-return]
            lambda op, request, kwargs: self._run(op, request, kwargs, raw=True)
        )


async def _settled(future: Future[T]) -> T:
    """Await a future of iamlast's own threads without blocking the loop.

    Unlike ``asyncio.wrap_future``, giving up (a cancelled task) leaves the future alone — other
    callers may be waiting for the same lookup — and a lookup that ends after the loop closed
    finds nobody to tell, quietly. A failure is raised as a fresh copy for each waiter.
    """
    loop = get_running_loop()
    waiter: asyncio.Future[T] = loop.create_future()

    def settle(_: object) -> None:
        if waiter.done():
            return  # the waiting task gave up
        error = future.exception()
        if error is not None:
            waiter.set_exception(background.fresh(error))
        else:
            waiter.set_result(future.result())

    def done(_: Future[T]) -> None:
        try:
            loop.call_soon_threadsafe(settle, None)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    future.add_done_callback(done)
    return await waiter
