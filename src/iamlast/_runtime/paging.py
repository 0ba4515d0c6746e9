"""Marker pagination as a pure state machine, shared by the sync and async pagers.

IAM pages with ``Marker`` in, ``Marker`` out, while ``IsTruncated``; it may return fewer items
than MaxItems even when more exist, so the only stop signal is ``IsTruncated`` false. A truncated
page without a marker, or a marker seen before, is an error: never a silent stop or an endless
loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PaginationError

if TYPE_CHECKING:
    from .registry import PaginatorSpec

__all__ = ["Cursor"]


class Cursor:
    """Where a pager is: the marker to send next, items yielded, whether it is done."""

    def __init__(
        self,
        operation: str,
        spec: PaginatorSpec,
        *,
        page_size: int | None = None,
        max_items: int | None = None,
        starting_marker: str | None = None,
    ) -> None:
        if page_size is not None and page_size < 1:
            raise ValueError(f"page_size must be at least 1, not {page_size}")
        if page_size is not None and spec.limit_key is None:
            raise ValueError(f"{operation} takes no page size (it has no MaxItems)")
        if max_items is not None and max_items < 0:
            raise ValueError(f"max_items must be >= 0, not {max_items}")
        self.operation = operation
        self.spec = spec
        self.page_size = page_size
        self.max_items = max_items
        self.marker = starting_marker
        self.yielded = 0
        self.pages = 0
        self.done = max_items == 0
        self._seen: set[str] = set()
        if starting_marker is not None:
            self._seen.add(starting_marker)
        #: The marker a new pager would resume from after what has been consumed (None: the end,
        #: or not started from a marker).
        self.resume_marker: str | None = starting_marker

    def request(self, base: dict[str, Any]) -> dict[str, Any] | None:
        """The keyword arguments of the next call, or None when the pager is done."""
        if self.done:
            return None
        kwargs = {k: v for k, v in base.items() if v is not None}
        if self.marker is not None:
            kwargs[self.spec.input_token] = self.marker
        limit = self.page_size
        if self.max_items is not None and self.spec.limit_key is not None:
            # Ask only for what is still wanted, so we stop on a page boundary and the resume
            # marker loses nothing.
            remaining = self.max_items - self.yielded
            limit = remaining if limit is None else min(limit, remaining)
        if limit is not None and self.spec.limit_key is not None:
            kwargs[self.spec.limit_key] = min(limit, 1000)
        return kwargs

    def consume(self, page: Any) -> list[Any]:
        """Record a page; return its items (cut at ``max_items``). Raises PaginationError."""
        self.pages += 1
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
        page_marker = self.marker
        if self.max_items is not None and self.yielded + len(items) >= self.max_items:
            keep = self.max_items - self.yielded
            cut_inside = keep < len(items)
            items = items[:keep]
            self.done = True
            # Cut inside a page (the service sent more than asked, or the operation has no
            # limit): resume from this page again rather than skip what was not yielded.
            self.resume_marker = page_marker if cut_inside else (next_marker if truncated else None)
        elif truncated:
            assert next_marker is not None
            self._seen.add(next_marker)
            self.marker = next_marker
            self.resume_marker = next_marker
        else:
            self.done = True
            self.resume_marker = None
        self.yielded += len(items)
        return items
