"""Pagers over Marker operations: iterate for items, ``.pages()`` for whole responses.

Every pager — the generated ``paginate_<operation>`` methods and the Access Advisor ones — runs
the one paging flow (:func:`iamlast._runtime.paging.read_pages`) through its client's driver.
A pager holds at most one page at a time, follows ``Marker`` while ``IsTruncated`` whatever the
page size, and fails loudly (:class:`~iamlast.errors.PaginationError`) on a truncated page
without a marker, a repeated marker, or more than ``max_pages`` pages (default
:data:`DEFAULT_MAX_PAGES`). ``resume_marker`` is where a new pager would continue after what
was consumed.
"""

from __future__ import annotations

from ._runtime.pagers import (
    DEFAULT_MAX_PAGES,
    AsyncChainPager,
    AsyncPager,
    ChainPager,
    Pager,
    PagerArgs,
)

__all__ = [
    "DEFAULT_MAX_PAGES",
    "AsyncChainPager",
    "AsyncPager",
    "ChainPager",
    "Pager",
    "PagerArgs",
]
