"""Deadlines: a moment on the ``time.monotonic`` clock by which a call, retries included, ends.

Workflows give their calls one (``wait_for_job(timeout=T)``: every poll ends by the time T
runs out). The request lifecycle then caps each attempt's socket timeouts by what is left,
sends no attempt and sleeps no backoff past it, and ends with :class:`DeadlineExceededError`.
"""

from __future__ import annotations

from .errors import IamError

__all__ = ["DeadlineExceededError", "remaining"]


class DeadlineExceededError(IamError, TimeoutError):
    """A call could not finish before its deadline (a workflow's ``timeout``), retries included.

    ``operation`` is the call that ran out of time, ``attempts`` how many were sent, and
    ``last_error`` the failure of the last attempt when one had failed (a throttle, a timeout).
    """

    def __init__(
        self,
        operation: str | None,
        *,
        attempts: int = 0,
        last_error: BaseException | None = None,
    ) -> None:
        self.operation = operation
        self.attempts = attempts
        self.last_error = last_error
        after = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        cause = f" (last: {last_error})" if last_error is not None else ""
        super().__init__(
            f"{operation or 'the call'}: no time left before the deadline{after}{cause}"
        )


def remaining(deadline: float | None, now: float) -> float | None:
    """Seconds left before ``deadline`` (None when there is none; never negative)."""
    if deadline is None:
        return None
    return max(0.0, deadline - now)
