"""``iamlast.sts.Client`` / ``AsyncClient``: the generated AWS STS (Security Token Service) operations on the
shared client lifecycle (:class:`~iamlast._client.SyncBaseClient`,
:class:`~iamlast._async_client.AsyncBaseClient`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _generated_sts
from .._async_client import AsyncBaseClient
from .._base_client import ServiceTable
from .._client import SyncBaseClient
from .._generated_sts import errors, operations
from .._generated_sts.client import AsyncOperations, SyncOperations

if TYPE_CHECKING:
    from .._generated_sts.client import AsyncRawOperations, SyncRawOperations

__all__ = ["AsyncClient", "Client"]

_SERVICE = ServiceTable.of("sts", _generated_sts, operations, errors)


class Client(SyncBaseClient, SyncOperations):
    """A synchronous STS client: ``client.get_caller_identity().account``,
    ``client.assume_role(role_arn=..., role_session_name=...).credentials``.

    Takes the same arguments as :class:`iamlast.Client`, with the same meaning; ``region``
    picks the regional endpoint (and the region requests are signed for).
    """

    _service = _SERVICE

    @property
    def with_raw_response(self) -> SyncRawOperations:
        """The same operations, returning :class:`~iamlast._runtime.raw.RawResponse` (status,
        headers, request id, body, ``.parse()``) after retries, without raising for errors."""
        return self._raw_proxy(  # type: ignore[no-any-return]
            lambda op, request, kwargs: self._run(op, request, kwargs, raw=True)
        )


class AsyncClient(AsyncBaseClient, AsyncOperations):
    """An asyncio STS client: ``await client.assume_role(...)``. The same arguments
    as :class:`iamlast.AsyncClient` (``http_client`` is an ``httpx.AsyncClient``).
    """

    _service = _SERVICE

    @property
    def with_raw_response(self) -> AsyncRawOperations:
        """The same operations, awaited, returning :class:`~iamlast._runtime.raw.RawResponse`."""
        return self._raw_proxy(  # type: ignore[no-any-return]
            lambda op, request, kwargs: self._run(op, request, kwargs, raw=True)
        )
