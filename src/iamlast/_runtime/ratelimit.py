"""A shared requests-per-second limit, without I/O (``scan(rate_limit=...)`` and ``max_rate``).

A token bucket whose ``reserve`` hands out send times: callers sleep what it returns, so many
tasks or threads share one rate and queue fairly behind each other. Retries go through it too.

A caller that wakes late (a busy event loop, threads waiting for the GIL) would send on the heels
of the one before it, and a server counting requests in a shallow bucket of its own would throttle
the pair: so a bucket without bursts also keeps the sends themselves apart, by
:data:`SPACING` intervals (:meth:`TokenBucket.clear`, asked again after each wait until it
says go).
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

__all__ = ["SPACING", "SPACING_SLACK", "TokenBucket", "active_limiter"]

#: Sends closer than :data:`SPACING` allows by at most this (timer granularity) go anyway.
SPACING_SLACK = 0.001
#: The least time between two sends, in intervals (``1 / rate``): a little under one, so a
#: caller behind its schedule catches up a tenth of an interval a send (at a high rate a full
#: interval would lose every late wake-up for good) while two sends never come in one interval.
SPACING = 0.9


class TokenBucket:
    """``rate`` requests per second on average, bursts of at most ``burst``. Thread-safe."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of requests per second, not {rate!r}")
        self.rate = float(rate)
        self.burst = max(1.0, float(burst) if burst is not None else 1.0)
        self._tokens = self.burst
        self._last: float | None = None
        self._sent: float | None = None
        self._lock = threading.Lock()

    def reserve(self, now: float) -> float:
        """Take one token; return the seconds to wait before sending (0 when one is free)."""
        with self._lock:
            if self._last is None:
                self._last = now
            elapsed = max(0.0, now - self._last)
            self._last = max(self._last, now)
            self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def gap(self, now: float) -> float:
        """Seconds a caller whose reserved time has come must still wait so that its send is
        :data:`SPACING` intervals after the last one this bucket let through (0.0 with bursts
        allowed)."""
        if self.burst > 1 or self._sent is None:
            return 0.0
        left = self._sent + SPACING / self.rate - now
        return left if left > SPACING_SLACK else 0.0

    def clear(self, now: float) -> float:
        """:meth:`gap`, and when it is 0.0 the send counted as made now (one step, under the
        lock, so two threads never both go)."""
        with self._lock:
            left = self.gap(now)
            if left == 0.0 and (self._sent is None or now > self._sent):
                self._sent = now
            return left


#: The limiter the current task's requests go through (set by scans; inherited by subtasks).
active_limiter: ContextVar[TokenBucket | None] = ContextVar("iamlast_active_limiter", default=None)
