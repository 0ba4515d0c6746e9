"""Waiting for IAM's report jobs, without I/O: when to poll next, and what a response means.

Tools in the field poll forever after FAILED, or give up silently with an empty result; here a
FAILED job raises :class:`JobFailedError` (with the service's error details), running out of time
raises :class:`JobTimeoutError` (with the last response), and reading pages of a job that is not
complete raises :class:`JobNotReadyError` instead of yielding nothing.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import IamError

__all__ = ["JobFailedError", "JobNotReadyError", "JobPoll", "JobTimeoutError", "job_state"]

COMPLETED = "COMPLETED"
FAILED = "FAILED"


class JobFailedError(IamError):
    """The report job ended FAILED; ``code`` and ``message`` are the service's error details."""

    def __init__(
        self, job_id: str, *, code: str | None, message: str | None, response: Any = None
    ) -> None:
        self.job_id = job_id
        self.code = code
        self.message = message
        self.response = response
        detail = f"{code}: {message}" if code or message else "no error details given"
        super().__init__(f"job {job_id} FAILED ({detail})")


class JobTimeoutError(IamError):
    """The job did not complete within the deadline; ``last_response`` is the last poll's result."""

    def __init__(
        self, job_id: str, *, timeout: float, polls: int, last_response: Any = None
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.polls = polls
        self.last_response = last_response
        status = job_state(last_response)[0] if last_response is not None else "unknown"
        super().__init__(
            f"job {job_id} not complete after {timeout:g} s ({polls} polls; last status {status})"
        )


class JobNotReadyError(IamError):
    """Pages of a job were read before it completed (wait for it first)."""

    def __init__(self, job_id: str | None, status: str, operation: str) -> None:
        self.job_id = job_id
        self.status = status
        self.operation = operation
        super().__init__(
            f"{operation}: job {job_id or '?'} is {status}, not COMPLETED; wait for it "
            "(client.wait_for_job) before reading its pages"
        )


def job_state(response: Any, failure_attr: str = "error") -> tuple[str, Any]:
    """``(status, failure details)`` of a job response (the status as a plain string)."""
    status = getattr(response, "job_status", None)
    text = (
        str(status.value if hasattr(status, "value") else status)
        if status is not None
        else "UNKNOWN"
    )
    return text, getattr(response, failure_attr, None)


def check_page(
    response: Any, *, job_id: str | None, operation: str, failure_attr: str = "error"
) -> None:
    """Raise unless a job result page belongs to a COMPLETED job."""
    status, failure = job_state(response, failure_attr)
    if status == COMPLETED:
        return
    if status == FAILED:
        raise JobFailedError(
            job_id or "?",
            code=getattr(failure, "code", None),
            message=getattr(failure, "message", None),
            response=response,
        )
    raise JobNotReadyError(job_id, status, operation)


@dataclass
class JobPoll:
    """The polling schedule of one wait: at once, then jittered exponential backoff to a cap,
    never sleeping past the deadline.

    ``observe`` reads each response (True when complete, JobFailedError when FAILED);
    ``next_delay`` says how long to sleep before the next poll (JobTimeoutError when the deadline
    has passed).
    """

    job_id: str
    started: float
    timeout: float = 300.0
    initial_delay: float = 1.0
    max_delay: float = 15.0
    multiplier: float = 1.6
    failure_attr: str = "error"
    random: Callable[[], float] = _random.random
    polls: int = 0
    last_response: Any = None

    def __post_init__(self) -> None:
        if self.timeout < 0:
            raise ValueError(f"timeout must be >= 0 seconds, not {self.timeout}")
        if self.initial_delay <= 0 or self.max_delay < self.initial_delay:
            raise ValueError("need 0 < initial_delay <= max_delay")

    @property
    def deadline(self) -> float:
        return self.started + self.timeout

    def observe(self, response: Any) -> bool:
        """Record a poll's response: True when the job is COMPLETED; raises when FAILED."""
        self.polls += 1
        self.last_response = response
        status, failure = job_state(response, self.failure_attr)
        if status == COMPLETED:
            return True
        if status == FAILED:
            raise JobFailedError(
                self.job_id,
                code=getattr(failure, "code", None),
                message=getattr(failure, "message", None),
                response=response,
            )
        return False

    def next_delay(self, now: float) -> float:
        """Seconds to sleep before the next poll; raises JobTimeoutError past the deadline."""
        remaining = self.deadline - now
        if remaining <= 0:
            raise JobTimeoutError(
                self.job_id,
                timeout=self.timeout,
                polls=self.polls,
                last_response=self.last_response,
            )
        ceiling = min(
            self.max_delay, self.initial_delay * self.multiplier ** max(self.polls - 1, 0)
        )
        # "Equal jitter": at least half the ceiling, so polls never bunch up at zero.
        delay = ceiling / 2 + self.random() * ceiling / 2
        return min(delay, remaining)


@dataclass
class PoliteRetry:
    """Backoff for ReportGenerationLimitExceeded: too many reports running, try again later."""

    started: float
    timeout: float = 300.0
    initial_delay: float = 5.0
    max_delay: float = 60.0
    attempts: int = 0
    random: Callable[[], float] = _random.random

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before generating again, or None when the deadline leaves no time."""
        self.attempts += 1
        remaining = self.started + self.timeout - now
        if remaining <= 0:
            return None
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** (self.attempts - 1))
        delay: float = min(ceiling / 2 + self.random() * ceiling / 2, remaining)
        return delay
