"""Retry decisions with botocore's "standard" and "adaptive" semantics, without the I/O.

The client loop calls :func:`classify` on each failed attempt, then :func:`decide`; it sleeps the
returned delay itself. :class:`RetryQuota` and :class:`AdaptiveRateLimiter` are shared by every
request of one client (threads or tasks), so both lock their state.

The defaults are the "standard" mode every AWS SDK documents (and botocore implemented until
its 2026 update): a retry costs 5 quota tokens, a timeout retry 10, a success without retries
gives 1 back; backoff is full jitter, ``random() * min(2 ** (attempt - 1), 20)`` seconds.
botocore 1.44 charges 14 per retry (5 for throttling) and starts non-throttling backoff at
50 ms; ``RetryQuota.botocore_2026()`` and ``RetryPolicy(base_delay=0.05)`` give those numbers,
and the tests check both against botocore. An ``x-amz-retry-after`` header can lengthen a delay
by at most 5 s.
"""

from __future__ import annotations

import enum
import math
import random as _random
import threading
from collections.abc import Callable
from typing import Literal, get_args

from .records import MutableRecord, Record, _set

__all__ = [
    "THROTTLING_ERROR_CODES",
    "TRANSIENT_ERROR_CODES",
    "TRANSIENT_STATUS_CODES",
    "AdaptiveRateLimiter",
    "RetryDecision",
    "RetryKind",
    "RetryMode",
    "RetryPolicy",
    "RetryQuota",
    "RetryState",
    "TransportErrorKind",
    "backoff_delay",
    "classify",
    "decide",
    "parse_retry_after",
]

RetryMode = Literal["standard", "adaptive"]
"""``standard`` retries with a quota; ``adaptive`` adds a client-side send-rate limiter."""


class TransportErrorKind(enum.Enum):
    """Why an attempt got no HTTP response: CONNECT (DNS, refused, TLS), CONNECT_TIMEOUT,
    READ_TIMEOUT, PROTOCOL (remote disconnect, broken HTTP), PROXY_AUTH (the proxy answered 407:
    never retried) or OTHER HTTP-client failure."""

    CONNECT = "connect"
    CONNECT_TIMEOUT = "connect_timeout"
    READ_TIMEOUT = "read_timeout"
    PROTOCOL = "protocol"
    PROXY_AUTH = "proxy_auth"
    OTHER = "other"


class RetryKind(enum.Enum):
    """How the policy treats a failed attempt: NONE (not retryable), THROTTLING (the service
    asked us to slow down: cheaper in quota, longer backoff), TRANSIENT, or TIMEOUT (a connect or
    read timeout, retried like a transient error)."""

    NONE = "none"
    THROTTLING = "throttling"
    TRANSIENT = "transient"
    TIMEOUT = "timeout"


# Exactly botocore's ThrottledRetryableChecker list. The match is case-sensitive and exact: IAM's
# own ``LimitExceeded`` (409, "too many roles") and ``ReportGenerationLimitExceeded`` are quota
# errors that no retry can fix, and they are not in this set.
THROTTLING_ERROR_CODES: frozenset[str] = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
"""Error codes botocore treats as throttling."""

TRANSIENT_ERROR_CODES: frozenset[str] = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
"""Error codes botocore retries as transient, whatever the status."""

TRANSIENT_STATUS_CODES: frozenset[int] = frozenset({500, 502, 503, 504})
"""HTTP statuses botocore retries as transient, whatever the error code."""

_THROTTLING_STATUS = 429
_TIMEOUTS = frozenset({TransportErrorKind.CONNECT_TIMEOUT, TransportErrorKind.READ_TIMEOUT})


def classify(
    *,
    status: int | None,
    code: str | None,
    transport_error: TransportErrorKind | None,
    modeled: bool = False,
) -> RetryKind:
    """Classify one failed attempt as botocore's standard mode does.

    ``status`` and ``code`` describe an error response; ``transport_error`` is set instead when no
    response arrived. ``modeled`` says ``code`` is one of the operation's modeled errors: botocore
    then lets the model, not a bare 429, decide (IAM models no retryable errors).
    """
    if transport_error is not None:
        if transport_error is TransportErrorKind.PROXY_AUTH:
            return RetryKind.NONE  # the same request gets the same 407
        # botocore retries every other HTTP-client failure, not only connection errors.
        return RetryKind.TIMEOUT if transport_error in _TIMEOUTS else RetryKind.TRANSIENT
    # Throttling is checked first: a 503 SlowDown is both, and the cheaper throttling cost and
    # longer throttling backoff apply.
    if code is not None and code in THROTTLING_ERROR_CODES:
        return RetryKind.THROTTLING
    if status == _THROTTLING_STATUS and not modeled:
        return RetryKind.THROTTLING
    if code is not None and code in TRANSIENT_ERROR_CODES:
        return RetryKind.TRANSIENT
    if status is not None and status in TRANSIENT_STATUS_CODES:
        return RetryKind.TRANSIENT
    return RetryKind.NONE


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from an ``x-amz-retry-after`` header (integer milliseconds), or None if unusable."""
    if value is None:
        return None
    try:
        seconds = int(value) / 1000.0
    except (ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None


_RETRY_AFTER_MAX_EXTRA = 5.0


def backoff_delay(
    kind: RetryKind,
    attempt: int,
    *,
    max_backoff: float = 20.0,
    retry_after: float | None = None,
    random: Callable[[], float] | None = None,
    base_delay: float = 1.0,
    throttling_base_delay: float = 1.0,
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based), full jitter.

    ``random() * min(base * 2 ** (attempt - 1), max_backoff)``; a server ``retry_after`` raises
    that to at most itself, and never more than 5 s above the jittered value.
    """
    base = throttling_base_delay if kind is RetryKind.THROTTLING else base_delay
    # The random source is looked up per call, so tests can patch random.random.
    draw = random if random is not None else _random.random
    delay = draw() * min(base * 2.0 ** (attempt - 1), max_backoff)
    if retry_after is not None:
        delay = max(delay, min(retry_after, delay + _RETRY_AFTER_MAX_EXTRA))
    return delay


class RetryPolicy(Record):
    """How a client retries: the mode, total attempts (first one included), and backoff cap.

    Immutable, compared and hashed by its fields.
    """

    _fields = ("mode", "max_attempts", "max_backoff", "base_delay", "throttling_base_delay")
    __slots__ = _fields
    # positional patterns, as the dataclass had (a literal: mypy checks matches against it)
    __match_args__ = ("mode", "max_attempts", "max_backoff", "base_delay", "throttling_base_delay")

    mode: RetryMode
    max_attempts: int
    max_backoff: float
    #: First-retry backoff ceiling in seconds (doubling per retry), non-throttling errors.
    base_delay: float
    #: The same for throttling errors.
    throttling_base_delay: float

    def __init__(
        self,
        mode: RetryMode = "standard",
        max_attempts: int = 3,
        max_backoff: float = 20.0,
        base_delay: float = 1.0,
        throttling_base_delay: float = 1.0,
    ) -> None:
        if mode not in get_args(RetryMode):
            raise ValueError(f"retry mode must be 'standard' or 'adaptive', not {mode!r}")
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        if not max_backoff >= 0:
            raise ValueError(f"max_backoff must be >= 0, not {max_backoff}")
        _set(self, "mode", mode)
        _set(self, "max_attempts", max_attempts)
        _set(self, "max_backoff", max_backoff)
        _set(self, "base_delay", base_delay)
        _set(self, "throttling_base_delay", throttling_base_delay)


class RetryState(MutableRecord):
    """What one request has done so far; create one per request, before its first attempt.

    ``attempts``: attempts made, counting the one in flight (the final error reports it);
    ``last_retry_cost``: quota tokens taken by the latest retry, given back if the request then
    succeeds; ``total_delay``: the sum of the backoff delays handed out, for logging.
    """

    _fields = ("attempts", "last_retry_cost", "total_delay")
    __slots__ = _fields

    def __init__(
        self, attempts: int = 1, last_retry_cost: int | None = None, total_delay: float = 0.0
    ) -> None:
        self.attempts = attempts
        self.last_retry_cost = last_retry_cost
        self.total_delay = total_delay


class RetryDecision(Record):
    """The answer to "retry this attempt?": whether, after how many seconds, and why."""

    _fields = ("retry", "delay", "reason")
    __slots__ = _fields

    retry: bool
    delay: float
    reason: str

    def __init__(self, retry: bool, delay: float, reason: str) -> None:
        _set(self, "retry", retry)
        _set(self, "delay", delay)
        _set(self, "reason", reason)


class RetryQuota:
    """The client-wide token bucket that stops retry storms when a service is failing.

    Starts full; each retry takes tokens, each success gives some back (botocore's RetryQuota
    plus RetryQuotaChecker). Thread-safe.
    """

    INITIAL_CAPACITY = 500
    RETRY_COST = 5
    TIMEOUT_RETRY_COST = 10
    NO_RETRY_INCREMENT = 1

    def __init__(
        self,
        capacity: int = INITIAL_CAPACITY,
        *,
        retry_cost: int = RETRY_COST,
        throttling_retry_cost: int | None = None,
        timeout_retry_cost: int | None = TIMEOUT_RETRY_COST,
    ) -> None:
        self._max = capacity
        self._available = capacity
        self._costs = {
            RetryKind.THROTTLING: retry_cost
            if throttling_retry_cost is None
            else throttling_retry_cost,
            RetryKind.TRANSIENT: retry_cost,
            RetryKind.TIMEOUT: retry_cost if timeout_retry_cost is None else timeout_retry_cost,
        }
        self._lock = threading.Lock()

    @classmethod
    def botocore_2026(cls, capacity: int = INITIAL_CAPACITY) -> RetryQuota:
        """botocore 1.44's costs: 14 per retry, 5 per throttling retry, timeouts like others."""
        return cls(capacity, retry_cost=14, throttling_retry_cost=5, timeout_retry_cost=None)

    @property
    def available(self) -> int:
        """Tokens left now."""
        return self._available

    @property
    def capacity(self) -> int:
        """The most tokens the quota holds."""
        return self._max

    def cost(self, kind: RetryKind) -> int:
        """Tokens a retry of this kind takes."""
        if kind is RetryKind.NONE:
            raise ValueError("a non-retryable error has no retry cost")
        return self._costs[kind]

    def acquire(self, amount: int) -> bool:
        """Take ``amount`` tokens if that many are left; False (taking nothing) otherwise."""
        with self._lock:
            if amount > self._available:
                return False
            self._available -= amount
            return True

    def release(self, amount: int) -> None:
        """Give back ``amount`` tokens, never above capacity."""
        with self._lock:
            self._available = min(self._max, self._available + amount)

    def record_success(self, state: RetryState) -> None:
        """Report a request that ended in a 2xx response.

        A request that never retried gives back 1 token; one that retried gives back the cost of
        its latest retry only, as botocore does. Failed requests give nothing back.
        """
        if state.last_retry_cost is None:
            self.release(self.NO_RETRY_INCREMENT)
        else:
            self.release(state.last_retry_cost)


def decide(
    policy: RetryPolicy,
    quota: RetryQuota,
    state: RetryState,
    kind: RetryKind,
    *,
    retry_after: float | None = None,
    random: Callable[[], float] | None = None,
    time_left: float | None = None,
    immediate: bool = False,
) -> RetryDecision:
    """Decide whether the attempt that just failed is retried, and after how long.

    Retries only when ``kind`` is retryable, attempts remain, the backoff ends within
    ``time_left`` (what is left of a call's ``call_timeout``, if it has one) and the quota
    grants the tokens. A granted retry takes its tokens and advances ``state.attempts``; the
    caller sleeps ``delay`` and sends again. ``retry_after`` comes from
    :func:`parse_retry_after`. ``immediate`` retries without backoff (a kept-alive connection
    the server had closed: nothing to wait for, the next attempt gets a new connection).
    """
    if kind is RetryKind.NONE:
        return RetryDecision(False, 0.0, "not retryable")
    if state.attempts >= policy.max_attempts:
        return RetryDecision(False, 0.0, f"{kind.value} error; max attempts reached")
    delay = (
        0.0
        if immediate
        else backoff_delay(
            kind,
            state.attempts,
            max_backoff=policy.max_backoff,
            retry_after=retry_after,
            random=random,
            base_delay=policy.base_delay,
            throttling_base_delay=policy.throttling_base_delay,
        )
    )
    if time_left is not None and delay >= time_left:
        return RetryDecision(False, 0.0, f"{kind.value} error; no time left within call_timeout")
    cost = quota.cost(kind)
    if not quota.acquire(cost):
        return RetryDecision(False, 0.0, f"{kind.value} error; retry quota exhausted")
    state.last_retry_cost = cost
    state.attempts += 1
    state.total_delay += delay
    return RetryDecision(
        True, delay, f"{kind.value} error; attempt {state.attempts} of {policy.max_attempts}"
    )


class _Cubic(MutableRecord):
    """CUBIC congestion control over send rates (botocore's CubicCalculator)."""

    _fields = ("last_fail", "w_max", "k")
    __slots__ = _fields

    SCALE = 0.4
    BETA = 0.7

    def __init__(self, last_fail: float, w_max: float = 0.0, k: float = 0.0) -> None:
        self.last_fail = last_fail
        self.w_max = w_max
        self.k = k

    def success(self, now: float) -> float:
        return self.SCALE * (now - self.last_fail - self.k) ** 3 + self.w_max

    def error(self, rate: float, now: float) -> float:
        self.w_max = rate
        # The time after a failure at which the curve climbs back to w_max.
        self.k = (rate * (1 - self.BETA) / self.SCALE) ** (1 / 3)
        self.last_fail = now
        return rate * self.BETA


class AdaptiveRateLimiter:
    """Client-side send-rate limiter of botocore's adaptive mode, sans-IO and thread-safe.

    Dormant until the first throttling response; from then on a token bucket refilled at a CUBIC
    rate paces requests. Call :meth:`acquire` before each attempt and sleep what it returns, and
    :meth:`on_response` after each attempt. Times are seconds on one monotonic clock.
    """

    MIN_FILL_RATE = 0.5
    _SMOOTHING = 0.8
    _BUCKET_SECONDS = 0.5
    _MAX_RATE_ADJUST = 2.0

    def __init__(self, now: float | None = None) -> None:
        self._lock = threading.Lock()
        self._enabled = False
        self._started = False
        # Token bucket, as botocore creates it: one token per second, empty.
        self._fill_rate = 1.0
        self._max_capacity = 1.0
        self._tokens = 0.0
        self._last_refill = 0.0
        self._cubic = _Cubic(last_fail=0.0)
        # Measured send rate, a smoothed count of responses per half-second bucket.
        self._measured = 0.0
        self._count = 0
        self._last_bucket = 0.0
        if now is not None:
            self._start(now)

    def _start(self, now: float) -> None:
        # botocore starts all three clocks when the client is created; a limiter built without
        # a time starts them at its first use instead.
        self._started = True
        self._last_refill = now
        self._cubic.last_fail = now
        self._last_bucket = math.floor(now)

    @property
    def enabled(self) -> bool:
        """True once a throttling response has switched rate limiting on."""
        return self._enabled

    @property
    def send_rate(self) -> float:
        """The allowed send rate (requests per second) once enabled."""
        return self._fill_rate

    @property
    def measured_rate(self) -> float:
        """The smoothed rate of responses seen (requests per second)."""
        return self._measured

    def acquire(self, now: float) -> float:
        """Reserve a send slot; return the seconds to wait before sending (0 when dormant).

        The token is taken at once, even when the bucket is empty, so callers that arrive later
        queue behind this one and are told to wait longer.
        """
        with self._lock:
            if not self._started:
                self._start(now)
            if not self._enabled:
                return 0.0
            self._refill(now)
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self._fill_rate

    def on_response(self, now: float, throttled: bool) -> None:
        """Feed back one attempt's outcome; ``throttled`` when it was classified THROTTLING."""
        with self._lock:
            if not self._started:
                self._start(now)
            measured = self._record(now)
            if not throttled:
                new_rate = self._cubic.success(now)
            else:
                rate = measured if not self._enabled else min(measured, self._fill_rate)
                new_rate = self._cubic.error(rate, now)
                self._enabled = True
            self._set_rate(min(new_rate, self._MAX_RATE_ADJUST * measured), now)

    def _record(self, now: float) -> float:
        bucket = math.floor(now / self._BUCKET_SECONDS) * self._BUCKET_SECONDS
        self._count += 1
        if bucket > self._last_bucket:
            rate = self._count / (bucket - self._last_bucket)
            self._measured = rate * self._SMOOTHING + self._measured * (1 - self._SMOOTHING)
            self._count = 0
            self._last_bucket = bucket
        return self._measured

    def _refill(self, now: float) -> None:
        # Threads read the clock before taking the lock, so a slightly older ``now`` can arrive
        # after a newer one; time never runs backwards for the bucket.
        elapsed = max(0.0, now - self._last_refill)
        self._tokens = min(self._max_capacity, self._tokens + elapsed * self._fill_rate)
        self._last_refill = max(self._last_refill, now)

    def _set_rate(self, rate: float, now: float) -> None:
        # Tokens earned so far accrue at the old rate before the new one applies.
        self._refill(now)
        self._fill_rate = max(rate, self.MIN_FILL_RATE)
        self._max_capacity = max(rate, 1.0)
        self._tokens = min(self._tokens, self._max_capacity)
