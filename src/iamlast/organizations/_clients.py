"""``iamlast.organizations.Client`` / ``AsyncClient``: the generated AWS Organizations operations on the
shared client lifecycle (:class:`~iamlast._client.SyncBaseClient`,
:class:`~iamlast._async_client.AsyncBaseClient`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _generated_organizations
from .._async_client import AsyncBaseClient
from .._base_client import ServiceTable
from .._client import SyncBaseClient
from .._generated_organizations import errors, operations
from .._generated_organizations.client import AsyncOperations, SyncOperations

if TYPE_CHECKING:
    from .._generated_organizations.client import AsyncRawOperations, SyncRawOperations

__all__ = ["AsyncClient", "Client"]

_SERVICE = ServiceTable.of("organizations", _generated_organizations, operations, errors)


class Client(SyncBaseClient, SyncOperations):
    """A synchronous Organizations client: ``client.describe_organization()``,
    ``for account in client.paginate_list_accounts(): ...``.

    Takes the same arguments as :class:`iamlast.Client`, with the same meaning; ``region``
    only picks the partition.
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
    """An asyncio Organizations client: ``await client.list_roots()``,
    ``async for account in client.paginate_list_accounts(): ...``. The same arguments as
    :class:`iamlast.AsyncClient` (``http_client`` is an ``httpx.AsyncClient``).
    """

    _service = _SERVICE

    @property
    def with_raw_response(self) -> AsyncRawOperations:
        """The same operations, awaited, returning :class:`~iamlast._runtime.raw.RawResponse`."""
        return self._raw_proxy(  # type: ignore[no-any-return]
            lambda op, request, kwargs: self._run(op, request, kwargs, raw=True)
        )
