"""A shared requests-per-second limit, without I/O (``scan(rate_limit=...)`` and ``max_rate``).

A token bucket whose ``reserve`` hands out send times: callers sleep what it returns, so many
tasks or threads share one rate and queue fairly behind each other. Retries go through it too.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

__all__ = ["TokenBucket", "active_limiter"]


class TokenBucket:
    """``rate`` requests per second on average, bursts of at most ``burst``. Thread-safe."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of requests per second, not {rate!r}")
        self.rate = float(rate)
        self.burst = max(1.0, float(burst) if burst is not None else 1.0)
        self._tokens = self.burst
        self._last: float | None = None
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


#: The limiter the current task's requests go through (set by scans; inherited by subtasks).
active_limiter: ContextVar[TokenBucket | None] = ContextVar("iamlast_active_limiter", default=None)
