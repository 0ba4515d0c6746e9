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
from ._runtime.jobs import check_page
from ._runtime.paging import Cursor

R = TypeVar("R")
I = TypeVar("I")  # noqa: E741

__all__ = ["AsyncChainPager", "AsyncPager", "ChainPager", "Pager"]


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
        first_page: Any = None,
    ) -> None:
        spec = OPERATIONS[operation]
        if spec.paginator is None:
            raise ValueError(f"{operation} does not page")
        self._client = client
        self.operation = spec.name
        self._spec = spec.paginator
        self._job = spec.job
        self._kwargs = dict(kwargs)
        self._page_size = page_size
        self._max_items = max_items
        self._starting_marker = starting_marker
        # A page the caller already fetched (a job's completed first page): used, not refetched.
        self._first_page = first_page
        self._cursor: Cursor | None = None

    def _check(self, page: Any) -> None:
        # Pages of a job that is still running (or failed) would read as an empty result:
        # refuse them instead of yielding nothing.
        if self._job is not None:
            check_page(
                page,
                job_id=self._kwargs.get("job_id"),
                operation=self.operation,
                failure_attr=self._job.failure,
            )

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
        """What to pass as ``starting_marker`` so a new pager continues exactly after what this
        one handed out: IAM's marker on a page boundary, an iamlast resume token inside a page.
        None when nothing was consumed from the start, or everything was (see ``exhausted``)."""
        if self._cursor is None:
            return self._starting_marker
        return self._cursor.resume_marker

    @property
    def exhausted(self) -> bool:
        """True once the last page has been read and handed out entirely."""
        cursor = self._cursor
        return cursor is not None and cursor.done and cursor.resume_marker is None

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
        if self._first_page is not None:
            self._check(self._first_page)
            yield self._first_page, cursor.consume(self._first_page)
        while (kwargs := cursor.request(self._kwargs)) is not None:
            page = client._call(self.operation, None, kwargs)
            self._check(page)
            items = cursor.consume(page)
            yield page, items
            del page, items  # hold one page at a time: drop this one before fetching the next

    def pages(self) -> Iterator[R]:
        """Whole responses, one per call."""
        run = self._run()
        while True:
            page: R | None = None  # released before the next page is fetched
            try:
                page = next(run)[0]
            except StopIteration:
                return
            assert self._cursor is not None
            self._cursor.page_taken()
            yield page

    def __iter__(self) -> Iterator[I]:
        run = self._run()
        while True:
            items: list[I] | None = None  # released before the next page is fetched
            try:
                items = next(run)[1]
            except StopIteration:
                return
            cursor = self._cursor
            assert cursor is not None
            for item in items:
                # Counted before it is handed out: a consumer that stops after this item has it.
                cursor.took()
                yield item

    def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return list(self)


class AsyncPager(_PagerBase, Generic[R, I]):
    """Async pager: ``async for item in pager`` or ``async for page in pager.pages()``."""

    async def _run(self) -> AsyncIterator[tuple[R, list[I]]]:
        cursor = self._new_cursor()
        client: _AsyncCaller = self._client
        if self._first_page is not None:
            self._check(self._first_page)
            yield self._first_page, cursor.consume(self._first_page)
        while (kwargs := cursor.request(self._kwargs)) is not None:
            page = await client._call(self.operation, None, kwargs)
            self._check(page)
            items = cursor.consume(page)
            yield page, items
            del page, items  # hold one page at a time

    async def pages(self) -> AsyncIterator[R]:
        """Whole responses, one per call."""
        run = self._run()
        while True:
            page: R | None = None
            try:
                page = (await run.__anext__())[0]
            except StopAsyncIteration:
                return
            assert self._cursor is not None
            self._cursor.page_taken()
            yield page

    async def __aiter__(self) -> AsyncIterator[I]:
        run = self._run()
        while True:
            items: list[I] | None = None
            try:
                items = (await run.__anext__())[1]
            except StopAsyncIteration:
                return
            cursor = self._cursor
            assert cursor is not None
            for item in items:
                cursor.took()
                yield item

    async def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return [item async for item in self]


class ChainPager(Generic[R, I]):
    """Several pagers read one after the other (ListPoliciesGrantingServiceAccess takes at most
    200 namespaces per call, so more are split over several calls)."""

    def __init__(self, pagers: list[Pager[R, I]]) -> None:
        self._pagers = pagers

    def pages(self) -> Iterator[R]:
        for pager in self._pagers:
            yield from pager.pages()

    def __iter__(self) -> Iterator[I]:
        for pager in self._pagers:
            yield from pager

    def all(self) -> list[I]:
        return list(self)


class AsyncChainPager(Generic[R, I]):
    """The async :class:`ChainPager`."""

    def __init__(self, pagers: list[AsyncPager[R, I]]) -> None:
        self._pagers = pagers

    async def pages(self) -> AsyncIterator[R]:
        for pager in self._pagers:
            async for page in pager.pages():
                yield page

    async def __aiter__(self) -> AsyncIterator[I]:
        for pager in self._pagers:
            async for item in pager:
                yield item

    async def all(self) -> list[I]:
        return [item async for item in self]
