"""Waiting for IAM's report jobs, without I/O: when to poll next, and what a response means.

Tools in the field poll forever after FAILED, or give up silently with an empty result; here a
FAILED job raises :class:`JobFailedError` (with the service's error details), running out of time
raises :class:`JobTimeoutError` (with the last response), and reading pages of a job that is not
complete raises :class:`JobNotReadyError` instead of yielding nothing.
"""

from __future__ import annotations

import random as _random
import time
from collections.abc import Callable
from typing import Any

from .deadline import DeadlineExceededError
from .errors import IamError, ResponseParseError, ServiceError
from .flows import Flow, Send, Sleep
from .records import MutableRecord

__all__ = [
    "DEFAULT_TIMEOUT",
    "JobFailedError",
    "JobNotReadyError",
    "JobPoll",
    "JobStatusError",
    "JobTimeoutError",
    "generate_politely",
    "job_id_of",
    "job_state",
    "wait_for",
]

#: Seconds a workflow waits for a report job unless told otherwise.
DEFAULT_TIMEOUT = 300.0

COMPLETED = "COMPLETED"
FAILED = "FAILED"
IN_PROGRESS = "IN_PROGRESS"
#: What IAM's job responses say today; anything else ends a wait at once (JobStatusError).
KNOWN_STATUSES = frozenset({COMPLETED, FAILED, IN_PROGRESS})


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


class JobTimeoutError(DeadlineExceededError):
    """The job did not complete within the deadline; ``last_response`` is the last poll's result
    (None when no poll answered in time)."""

    def __init__(
        self, job_id: str, *, timeout: float, polls: int, last_response: Any = None
    ) -> None:
        self.job_id = job_id
        self.timeout = timeout
        self.polls = polls
        self.last_response = last_response
        status = job_state(last_response)[0] if last_response is not None else "unknown"
        IamError.__init__(
            self,
            f"job {job_id} not complete after {timeout:g} s ({polls} polls; last status {status})",
        )
        self.operation = None
        self.attempts = polls
        self.last_error = None


class JobStatusError(IamError):
    """A job response carried a status iamlast does not know (one AWS may add, such as
    ``CANCELLED``, or none at all): the wait ends at once instead of polling to the deadline.
    ``status`` is what the response said (None when it said nothing), ``response`` the response.
    """

    def __init__(self, job_id: str | None, status: str | None, *, response: Any = None) -> None:
        self.job_id = job_id
        self.status = status
        self.response = response
        said = repr(status) if status is not None else "no status"
        super().__init__(
            f"job {job_id or '?'} reports {said}, which is none of "
            f"{', '.join(sorted(KNOWN_STATUSES))}; stopping instead of polling"
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


def _status_text(response: Any) -> str | None:
    status = getattr(response, "job_status", None)
    if status is None:
        return None
    return str(status.value if hasattr(status, "value") else status)


def job_state(response: Any, failure_attr: str = "error") -> tuple[str, Any]:
    """``(status, failure details)`` of a job response (the status as a plain string)."""
    return _status_text(response) or "UNKNOWN", getattr(response, failure_attr, None)


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
    if status not in KNOWN_STATUSES:
        raise JobStatusError(job_id, _status_text(response), response=response)
    raise JobNotReadyError(job_id, status, operation)


class JobPoll(MutableRecord):
    """The polling schedule of one wait: at once, then jittered exponential backoff to a cap,
    never sleeping past the deadline.

    ``observe`` reads each response (True when complete, JobFailedError when FAILED);
    ``next_delay`` says how long to sleep before the next poll (JobTimeoutError when the deadline
    has passed).
    """

    _fields = (
        "job_id",
        "started",
        "timeout",
        "initial_delay",
        "max_delay",
        "multiplier",
        "failure_attr",
        "random",
        "polls",
        "last_response",
    )
    __slots__ = _fields

    def __init__(
        self,
        job_id: str,
        started: float,
        timeout: float = 300.0,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        multiplier: float = 1.6,
        failure_attr: str = "error",
        random: Callable[[], float] = _random.random,
        polls: int = 0,
        last_response: Any = None,
    ) -> None:
        if not timeout >= 0:
            raise ValueError(f"timeout must be >= 0 seconds, not {timeout}")
        if initial_delay <= 0 or max_delay < initial_delay:
            raise ValueError("need 0 < initial_delay <= max_delay")
        self.job_id = job_id
        self.started = started
        self.timeout = timeout
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.multiplier = multiplier
        self.failure_attr = failure_attr
        self.random = random
        self.polls = polls
        self.last_response = last_response

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
        if status != IN_PROGRESS:
            raise JobStatusError(self.job_id, _status_text(response), response=response)
        return False

    def timed_out(self) -> JobTimeoutError:
        """The error for a wait whose deadline passed (before or during a poll)."""
        return JobTimeoutError(
            self.job_id, timeout=self.timeout, polls=self.polls, last_response=self.last_response
        )

    def next_delay(self, now: float) -> float:
        """Seconds to sleep before the next poll; raises JobTimeoutError past the deadline."""
        remaining = self.deadline - now
        if remaining <= 0:
            raise self.timed_out()
        ceiling = min(
            self.max_delay, self.initial_delay * self.multiplier ** max(self.polls - 1, 0)
        )
        # "Equal jitter": at least half the ceiling, so polls never bunch up at zero.
        delay = ceiling / 2 + self.random() * ceiling / 2
        return min(delay, remaining)


class PoliteRetry(MutableRecord):
    """Backoff for ReportGenerationLimitExceeded: too many reports running, try again later."""

    _fields = ("started", "timeout", "initial_delay", "max_delay", "attempts", "random")
    __slots__ = _fields

    def __init__(
        self,
        started: float,
        timeout: float = 300.0,
        initial_delay: float = 5.0,
        max_delay: float = 60.0,
        attempts: int = 0,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.started = started
        self.timeout = timeout
        self.initial_delay = initial_delay
        self.max_delay = max_delay
        self.attempts = attempts
        self.random = random

    def next_delay(self, now: float) -> float | None:
        """Seconds to wait before generating again, or None when the deadline leaves no time."""
        self.attempts += 1
        remaining = self.started + self.timeout - now
        if remaining <= 0:
            return None
        ceiling = min(self.max_delay, self.initial_delay * 2.0 ** (self.attempts - 1))
        delay: float = min(ceiling / 2 + self.random() * ceiling / 2, remaining)
        return delay


# ------------------------------------------------------------------------------------ flows


def job_id_of(response: Any, operation: str) -> str:
    """The JobId of a Generate* response (a typed error if the service left it out)."""
    job_id = getattr(response, "job_id", None)
    if not job_id:
        meta = getattr(response, "response_metadata", None)
        raise ResponseParseError(
            "the response carries no JobId",
            operation=operation,
            request_id=getattr(meta, "request_id", None),
        )
    return str(job_id)


def wait_for(
    operation: str,
    job_id: str,
    extra: dict[str, Any],
    *,
    deadline: float,
    timeout: float,
    initial_delay: float,
    max_delay: float,
    failure_attr: str,
) -> Flow[Any]:
    """Poll ``operation`` until the job is COMPLETED and return that response.

    Every poll ends by ``deadline`` (a slow or silent server included), so the wait ends within
    ``timeout`` plus a small margin, with JobTimeoutError; FAILED raises JobFailedError, an
    unknown status JobStatusError, at once.
    """
    poll = JobPoll(
        job_id,
        deadline - timeout,
        timeout,
        initial_delay,
        max_delay,
        failure_attr=failure_attr,
    )
    kwargs = {"job_id": job_id, **{k: v for k, v in extra.items() if v is not None}}
    while True:
        try:
            response = yield Send(operation, kwargs, deadline)
        except DeadlineExceededError:
            raise poll.timed_out() from None
        if poll.observe(response):
            return response
        yield Sleep(poll.next_delay(time.monotonic()))


def generate_politely(operation: str, kwargs: dict[str, Any], *, deadline: float) -> Flow[Any]:
    """Generate a report, waiting while ReportGenerationLimitExceeded says too many run; the
    last such error is raised when the deadline leaves no time to try again."""
    polite = PoliteRetry(time.monotonic(), deadline - time.monotonic())
    limited: ServiceError | None = None
    while True:
        try:
            return (yield Send(operation, kwargs, deadline))
        except DeadlineExceededError:
            if limited is not None:
                raise limited from None
            raise
        except ServiceError as exc:
            if exc.code != "ReportGenerationLimitExceeded":
                raise
            limited = exc
            delay = polite.next_delay(time.monotonic())
            if delay is None:
                raise
            yield Sleep(delay)
