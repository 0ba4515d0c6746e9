"""Token pagination as a pure state machine, shared by the sync and async pagers.

IAM pages with ``Marker`` in, ``Marker`` out, while ``IsTruncated``; it may return fewer items
than MaxItems even when more exist, so the only stop signal is ``IsTruncated`` false. Services
without a "more" flag (Organizations: ``NextToken`` in and out) continue while a page carries a
token, empty pages included. A truncated page without a marker, or a marker seen before, is an
error: never a silent stop or an endless loop.

A pager reads at most ``max_pages`` pages (:data:`DEFAULT_MAX_PAGES` unless told otherwise) and
then raises PaginationError: a server that keeps answering "truncated", with fresh markers or
with empty pages, cannot keep a pager busy forever. The markers kept to spot a cycle are the
latest :data:`MARKER_MEMORY`; a longer cycle ends at ``max_pages``.

Resuming is exact: ``resume_marker`` is IAM's own marker when the consumer stopped on a page
boundary, and otherwise a token (``iamlast:v1:…``) naming the page *and* how many of its items
were already consumed, so a new pager started from it delivers every remaining item once.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import deque
from typing import TYPE_CHECKING, Any

from .errors import PaginationError
from .flows import Emit, Flow, Send
from .jobs import check_page

if TYPE_CHECKING:
    from .registry import OperationSpec, PaginatorSpec

__all__ = [
    "DEFAULT_MAX_PAGES",
    "MARKER_MEMORY",
    "Cursor",
    "decode_resume_token",
    "encode_resume_token",
    "read_pages",
]

#: Pages a pager reads before it stops with PaginationError (``max_pages=`` changes it).
DEFAULT_MAX_PAGES = 100_000
#: How many of the latest markers a pager remembers to spot a marker cycle.
MARKER_MEMORY = 1024

_TOKEN_PREFIX = "iamlast:v1:"


def encode_resume_token(marker: str | None, skip: int) -> str:
    """A resume point inside a page: the page's marker and the items of it already consumed."""
    payload = json.dumps({"marker": marker, "skip": skip}, separators=(",", ":")).encode()
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(payload).decode("ascii")


def decode_resume_token(value: str) -> tuple[str | None, int]:
    """``(marker, skip)`` of a starting marker: an iamlast token, or IAM's marker as is."""
    if not value.startswith(_TOKEN_PREFIX):
        return value, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(value[len(_TOKEN_PREFIX) :]))
        marker, skip = data["marker"], int(data["skip"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ValueError(
            f"starting_marker {value[:40]!r}… is not a resume token iamlast wrote"
        ) from None
    if (marker is not None and not isinstance(marker, str)) or skip < 0:
        raise ValueError("starting_marker holds a malformed resume token")
    return marker, skip


class Cursor:
    """Where a pager is: the marker to send next, what has been consumed, whether it is done."""

    def __init__(
        self,
        operation: str,
        spec: PaginatorSpec,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
        max_pages: int | None = None,
    ) -> None:
        if page_size is not None and page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        if page_size is not None and spec.limit_key is None:
            raise ValueError(f"{operation} takes no page size (it has no MaxItems)")
        if max_items is not None and max_items < 0:
            raise ValueError(f"max_items must be >= 0, not {max_items}")
        if max_pages is not None and max_pages < 1:
            raise ValueError(f"max_pages must be at least 1, not {max_pages}")
        self.operation = operation
        self.spec = spec
        self.page_size = page_size
        self.max_items = max_items
        self.max_pages = DEFAULT_MAX_PAGES if max_pages is None else max_pages
        marker, skip = (
            decode_resume_token(starting_marker) if starting_marker is not None else (None, 0)
        )
        self.marker = marker
        self._skip = skip  # items of the first page consumed by an earlier pager
        self.yielded = 0
        self.pages = 0
        self.done = max_items == 0
        self._seen: set[str] = set()
        self._recent: deque[str] = deque()
        if marker is not None:
            self._remember(marker)
        # The page being handed out: the marker that fetched it, its length, items handed out.
        self._page_marker: str | None = marker
        self._page_len = 0
        self._page_taken = skip
        self._next: str | None = marker
        self._started = False

    def request(self, base: dict[str, Any]) -> dict[str, Any] | None:
        """The keyword arguments of the next call, or None when the pager is done."""
        if self.done:
            return None
        if self.pages >= self.max_pages:
            raise PaginationError(
                f"the service kept returning truncated pages; stopping after max_pages="
                f"{self.max_pages} (pass a larger max_pages to read further)",
                operation=self.operation,
                marker=self.marker,
                pages=self.pages,
            )
        kwargs = {k: v for k, v in base.items() if v is not None}
        if self.marker is not None:
            kwargs[self.spec.input_token] = self.marker
        limit = self.page_size
        if self.max_items is not None and self.spec.limit_key is not None:
            # Ask only for what is still wanted (plus what a resumed first page skips).
            remaining = self.max_items - self.yielded + (self._skip if self.pages == 0 else 0)
            limit = remaining if limit is None else min(limit, remaining)
        if limit is not None and self.spec.limit_key is not None:
            # Never more than the model allows (IAM's MaxItems 1000, Organizations' MaxResults 20).
            ceiling = self.spec.limit_max if self.spec.limit_max is not None else 1000
            kwargs[self.spec.limit_key] = max(1, min(limit, ceiling))
        return kwargs

    def consume(self, page: Any) -> list[Any]:
        """Record a page; return the items to hand out (after a resumed skip, cut at
        ``max_items``). Raises PaginationError on a broken marker protocol."""
        self.pages += 1
        self._started = True
        items: list[Any] = []
        for key in self.spec.result_keys:
            value = getattr(page, key, None)
            if value:
                items.extend(value)
        next_marker = getattr(page, self.spec.output_token, None) or None
        if self.spec.more_results is not None:
            truncated = bool(getattr(page, self.spec.more_results, False))
        else:
            truncated = next_marker is not None
        if truncated and next_marker is None:
            raise PaginationError(
                "the result is truncated but carries no marker to continue from",
                operation=self.operation,
                marker=self.marker,
                pages=self.pages,
            )
        if truncated and next_marker in self._seen:
            raise PaginationError(
                f"the service returned marker {next_marker!r} twice; stopping instead of looping",
                operation=self.operation,
                marker=next_marker,
                pages=self.pages,
            )
        skip = self._skip if self.pages == 1 else 0
        self._page_marker = self.marker
        self._page_len = len(items)
        self._page_taken = min(skip, len(items))
        items = items[skip:]
        self._next = next_marker if truncated else None
        if truncated:
            assert next_marker is not None
            self._remember(next_marker)
            self.marker = next_marker
        else:
            self.done = True
        if self.max_items is not None and self.yielded + len(items) >= self.max_items:
            items = items[: self.max_items - self.yielded]
            self.done = True
        self.yielded += len(items)
        return items

    def _remember(self, marker: str) -> None:
        self._seen.add(marker)
        self._recent.append(marker)
        if len(self._recent) > MARKER_MEMORY:
            self._seen.discard(self._recent.popleft())

    def took(self, count: int = 1) -> None:
        """``count`` more items of the current page reached the consumer."""
        self._page_taken += count

    def page_taken(self) -> None:
        """The whole current page reached the consumer (``.pages()``)."""
        self._page_taken = self._page_len

    @property
    def resume_marker(self) -> str | None:
        """Where a new pager continues without losing or repeating an item: IAM's marker on a
        page boundary, an iamlast resume token inside a page; None when nothing is left."""
        if not self._started:
            if self._skip:
                return encode_resume_token(self._page_marker, self._skip)
            return self._page_marker
        if self._page_taken >= self._page_len:
            return self._next
        if self._page_taken == 0:
            return self._page_marker
        return encode_resume_token(self._page_marker, self._page_taken)


def read_pages(
    spec: OperationSpec,
    kwargs: dict[str, Any],
    cursor: Cursor,
    *,
    pages: bool = False,
    first_page: Any = None,
) -> Flow[None]:
    """Every page of one paged operation: emits each item (or, with ``pages``, each whole
    response), counting it on ``cursor`` as it is handed out so that ``resume_marker`` is exact.

    ``first_page`` is a page already fetched (a job's completed first poll): used, not
    refetched. Pages of a job that is not COMPLETED raise instead of reading as empty.
    """
    job = spec.job
    job_id = kwargs.get("job_id")
    page = first_page
    if page is None:
        request = cursor.request(kwargs)
        if request is None:
            return
        page = yield Send(spec.name, request)
    while True:
        if job is not None:
            check_page(page, job_id=job_id, operation=spec.name, failure_attr=job.failure)
        items = cursor.consume(page)
        if pages:
            cursor.page_taken()
            yield Emit(page)
        else:
            for item in items:
                # Counted before it is handed out: a consumer that stops after it has it.
                cursor.took()
                yield Emit(item)
        del page, items  # one page at a time: dropped before the next is fetched
        request = cursor.request(kwargs)
        if request is None:
            return
        page = yield Send(spec.name, request)
