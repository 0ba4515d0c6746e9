"""Pagers over Marker operations: iterate for items, ``.pages()`` for whole responses
(public as :mod:`iamlast.pagination`; here so that the generated ``paginate_<operation>``
methods need nothing above the runtime).

Every pager — the generated ``paginate_<operation>`` methods and the Access Advisor ones — runs
the one paging flow (:func:`iamlast._runtime.paging.read_pages`) through its client's driver.
A pager holds at most one page at a time, follows ``Marker`` while ``IsTruncated`` whatever the
page size, and fails loudly (:class:`~iamlast.errors.PaginationError`) on a truncated page
without a marker, a repeated marker, or more than ``max_pages`` pages (default
:data:`~iamlast._runtime.paging.DEFAULT_MAX_PAGES`). ``resume_marker`` is where a new pager
would continue after what was consumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any, Generic, TypeVar

from .flows import Flow
from .flows.arguments import Arguments
from .paging import DEFAULT_MAX_PAGES, Cursor, read_pages

R = TypeVar("R")
I = TypeVar("I")  # noqa: E741

__all__ = [
    "DEFAULT_MAX_PAGES",
    "AsyncChainPager",
    "AsyncPager",
    "ChainPager",
    "Pager",
    "PagerArgs",
]


class PagerArgs(Generic[R, I]):
    """What a pager reads: an operation, its arguments and the paging options (no I/O)."""

    __slots__ = (
        "first_page",
        "kwargs",
        "max_items",
        "max_pages",
        "operation",
        "page_size",
        "starting_marker",
    )

    def __init__(
        self,
        operation: str,
        kwargs: dict[str, Any],
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
        first_page: Any = None,
    ) -> None:
        self.operation = operation
        self.kwargs = kwargs
        self.page_size = page_size
        self.max_items = max_items
        self.starting_marker = starting_marker
        self.max_pages = max_pages
        self.first_page = first_page

    def __repr__(self) -> str:
        return f"PagerArgs({self.operation}, {self.kwargs!r})"


def _check_options(
    operation: str,
    page_size: Any,
    max_items: Any,
    starting_marker: Any,
    max_pages: Any,
) -> None:
    args = Arguments(operation)
    args.optional_whole("page_size", page_size, minimum=1)
    args.optional_whole("max_items", max_items, minimum=0)
    args.optional_text("starting_marker", starting_marker)
    args.optional_whole("max_pages", max_pages, minimum=1)
    args.check()


class _PagerBase(Generic[R, I]):
    def __init__(
        self,
        client: Any,
        operation: str,
        kwargs: dict[str, Any],
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
        first_page: Any = None,
    ) -> None:
        spec = client._spec(operation)
        if spec.paginator is None:
            raise ValueError(f"{operation} does not page")
        if page_size is not None and spec.paginator.limit_key is None:
            raise ValueError(f"{operation} takes no page size (it has no MaxItems)")
        _check_options(spec.name, page_size, max_items, starting_marker, max_pages)
        self._client = client
        self.operation = spec.name
        self._op = spec
        self._kwargs = dict(kwargs)
        self._page_size = page_size
        self._max_items = max_items
        self._starting_marker = starting_marker
        self._max_pages = max_pages
        # A page the caller already fetched (a job's completed first page): used, not refetched.
        self._first_page = first_page
        self._cursor: Cursor | None = None

    @classmethod
    def of(cls, client: Any, args: PagerArgs[R, I]) -> Any:
        return cls(
            client,
            args.operation,
            args.kwargs,
            page_size=args.page_size,
            max_items=args.max_items,
            starting_marker=args.starting_marker,
            max_pages=args.max_pages,
            first_page=args.first_page,
        )

    def _flow(self, whole_pages: bool) -> Flow[None]:
        """A fresh read from the start (or ``starting_marker``): each iteration starts anew."""
        assert self._op.paginator is not None
        cursor = self._cursor = Cursor(
            self.operation,
            self._op.paginator,
            page_size=self._page_size,
            max_items=self._max_items,
            starting_marker=self._starting_marker,
            max_pages=self._max_pages,
        )
        return read_pages(
            self._op, self._kwargs, cursor, pages=whole_pages, first_page=self._first_page
        )

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


class Pager(_PagerBase[R, I]):
    """Sync pager: ``for item in pager`` or ``for page in pager.pages()``. Each iteration starts
    from the beginning (or ``starting_marker``) again."""

    def __iter__(self) -> Iterator[I]:
        items: Iterator[I] = self._client._driver.stream(self._flow(False))
        return items

    def pages(self) -> Iterator[R]:
        """Whole responses, one per call."""
        pages: Iterator[R] = self._client._driver.stream(self._flow(True))
        return pages

    def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return list(self)


class AsyncPager(_PagerBase[R, I]):
    """Async pager: ``async for item in pager`` or ``async for page in pager.pages()``."""

    def __aiter__(self) -> AsyncIterator[I]:
        items: AsyncIterator[I] = self._client._driver.stream(self._flow(False))
        return items

    def pages(self) -> AsyncIterator[R]:
        """Whole responses, one per call."""
        pages: AsyncIterator[R] = self._client._driver.stream(self._flow(True))
        return pages

    async def all(self) -> list[I]:
        """Every item in a list (materialises them all; iterate to stream instead)."""
        return [item async for item in self]


def _chain(pagers: Iterable[_PagerBase[Any, Any]], whole_pages: bool) -> Flow[None]:
    for pager in pagers:
        yield from pager._flow(whole_pages)


class _ChainBase(Generic[R, I]):
    def __init__(self, pagers: list[Any]) -> None:
        if not pagers:
            raise ValueError("a chain needs at least one pager")
        self._pagers = pagers
        self._driver = pagers[0]._client._driver

    def _stream(self, whole_pages: bool) -> Any:
        return self._driver.stream(_chain(self._pagers, whole_pages))


class ChainPager(_ChainBase[R, I]):
    """Several pagers read one after the other (ListPoliciesGrantingServiceAccess takes at most
    200 namespaces per call, so more are split over several calls)."""

    def pages(self) -> Iterator[R]:
        pages: Iterator[R] = self._stream(True)
        return pages

    def __iter__(self) -> Iterator[I]:
        items: Iterator[I] = self._stream(False)
        return items

    def all(self) -> list[I]:
        return list(self)


class AsyncChainPager(_ChainBase[R, I]):
    """The async :class:`ChainPager`."""

    def pages(self) -> AsyncIterator[R]:
        pages: AsyncIterator[R] = self._stream(True)
        return pages

    def __aiter__(self) -> AsyncIterator[I]:
        items: AsyncIterator[I] = self._stream(False)
        return items

    async def all(self) -> list[I]:
        return [item async for item in self]
