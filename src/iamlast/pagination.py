"""Pagers over Marker operations: iterate for items, ``.pages()`` for whole responses.

A pager holds at most one page at a time (each is dropped once its items are yielded), follows
``Marker`` while ``IsTruncated`` whatever the page size, and fails loudly
(:class:`~iamlast.errors.PaginationError`) on a truncated page without a marker or a repeated
marker. ``resume_marker`` is where a new pager would continue after what was consumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Generic, Protocol, TypeVar

from ._generated.operations import OPERATIONS
from ._runtime.paging import Cursor

R = TypeVar("R")
I = TypeVar("I")  # noqa: E741

__all__ = ["AsyncPager", "Pager"]


class _SyncCaller(Protocol):
    def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any: ...


class _AsyncCaller(Protocol):
    async def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any: ...


class _PagerBase:
    def __init__(
        self,
        client: Any,
        operation: str,
        kwargs: dict[str, Any],
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> None:
        spec = OPERATIONS[operation]
        if spec.paginator is None:
            raise ValueError(f"{operation} does not page")
        self._client = client
        self.operation = spec.name
        self._spec = spec.paginator
        self._kwargs = dict(kwargs)
        self._page_size = page_size
        self._max_items = max_items
        self._starting_marker = starting_marker
        self._cursor: Cursor | None = None

    def _new_cursor(self) -> Cursor:
        self._cursor = Cursor(
            self.operation,
            self._spec,
            page_size=self._page_size,
            max_items=self._max_items,
            starting_marker=self._starting_marker,
        )
        return self._cursor

    @property
    def resume_marker(self) -> str | None:
        """The marker to pass as ``starting_marker`` to continue after what was consumed
        (None when the pager has read to the end)."""
        if self._cursor is None:
            return self._starting_marker
        return self._cursor.resume_marker

    @property
    def pages_read(self) -> int:
        """How many pages have been fetched so far."""
        return 0 if self._cursor is None else self._cursor.pages

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.operation} pages_read={self.pages_read}>"


class Pager(_PagerBase, Generic[R, I]):
    """Sync pager: ``for item in pager`` or ``for page in pager.pages()``. Each iteration starts
    from the beginning (or ``starting_marker``) again."""

    def _run(self) -> Iterator[tuple[R, list[I]]]:
        cursor = self._new_cursor()
        client: _SyncCaller = self._client
        while (kwargs := cursor.request(self._kwargs)) is not None:
            page = client._call(self.operation, None, kwargs)
            items = cursor.consume(page)
            yield page, items

    def pages(self) -> Iterator[R]:
        """Whole responses, one per call."""
        for page, _items in self._run():
            yield page

    def __iter__(self) -> Iterator[I]:
        for _page, items in self._run():
            yield from items

    def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return list(self)


class AsyncPager(_PagerBase, Generic[R, I]):
    """Async pager: ``async for item in pager`` or ``async for page in pager.pages()``."""

    async def _run(self) -> AsyncIterator[tuple[R, list[I]]]:
        cursor = self._new_cursor()
        client: _AsyncCaller = self._client
        while (kwargs := cursor.request(self._kwargs)) is not None:
            page = await client._call(self.operation, None, kwargs)
            items = cursor.consume(page)
            yield page, items

    async def pages(self) -> AsyncIterator[R]:
        """Whole responses, one per call."""
        async for page, _items in self._run():
            yield page

    async def __aiter__(self) -> AsyncIterator[I]:
        async for _page, items in self._run():
            for item in items:
                yield item

    async def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return [item async for item in self]
