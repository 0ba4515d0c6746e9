"""Retry decisions: classification, quota, backoff, attempts, and the adaptive rate limiter.

Where botocore has a pure counterpart, the test runs both on the same input and compares.
"""

from __future__ import annotations

import dataclasses
import itertools
import pickle
import threading
from typing import Any

import pytest

from iamlast._runtime.retry import (
    THROTTLING_ERROR_CODES,
    AdaptiveRateLimiter,
    RetryKind,
    RetryPolicy,
    RetryQuota,
    RetryState,
    TransportErrorKind,
    backoff_delay,
    classify,
    decide,
    parse_retry_after,
)

N, THR, TRA, TMO = RetryKind.NONE, RetryKind.THROTTLING, RetryKind.TRANSIENT, RetryKind.TIMEOUT


def fixed(value: float) -> Any:
    return lambda: value


# -- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(THROTTLING_ERROR_CODES))
def test_throttling_codes(code: str) -> None:
    assert classify(status=400, code=code, transport_error=None) is THR


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "Throttling", THR),  # IAM's own throttling answer
        (503, "SlowDown", THR),  # both transient and throttling: throttling wins
        (400, "PriorRequestNotComplete", THR),  # in both botocore lists
        (429, None, THR),
        (429, "SomethingUnmodeled", THR),
        (400, "RequestTimeout", TRA),
        (408, "RequestTimeoutException", TRA),
        (500, None, TRA),
        (500, "ServiceFailure", TRA),
        (500, "PolicyEvaluation", TRA),
        (502, None, TRA),
        (503, "ServiceUnavailable", TRA),
        (504, None, TRA),
        (501, None, N),
        (409, "LimitExceeded", N),  # IAM: too many roles; no retry helps
        (409, "ReportGenerationLimitExceeded", N),
        (409, "ConcurrentModification", N),
        (400, "LimitExceededException ", N),  # exact match only
        (400, "throttling", N),  # case-sensitive, as botocore
        (404, "NoSuchEntity", N),
        (403, "AccessDenied", N),
        (400, "InvalidInput", N),
        (400, None, N),
    ],
)
def test_classify_responses(status: int, code: str | None, expected: RetryKind) -> None:
    assert classify(status=status, code=code, transport_error=None) is expected


def test_modeled_code_with_429_is_not_throttling() -> None:
    assert classify(status=429, code="LimitExceeded", transport_error=None, modeled=True) is N
    # A code botocore lists is throttling even when modeled.
    assert classify(status=400, code="Throttling", transport_error=None, modeled=True) is THR


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (TransportErrorKind.CONNECT, TRA),
        (TransportErrorKind.PROTOCOL, TRA),
        (TransportErrorKind.OTHER, TRA),
        (TransportErrorKind.CONNECT_TIMEOUT, TMO),
        (TransportErrorKind.READ_TIMEOUT, TMO),
    ],
)
def test_classify_transport_errors(kind: TransportErrorKind, expected: RetryKind) -> None:
    assert classify(status=None, code=None, transport_error=kind) is expected


def _botocore_kind(status: int | None, code: str | None, exc: Exception | None) -> RetryKind:
    from botocore.retries import standard

    class Http:
        status_code = status
        headers: dict[str, str] = {}  # noqa: RUF012

    ctx = standard.RetryContext(
        attempt_number=1,
        http_response=None if exc else Http(),
        parsed_response=None if exc else {"Error": {"Code": code}} if code else {},
        caught_exception=exc,
    )
    retryable = standard.OrRetryChecker(
        [
            standard.TransientRetryableChecker(),
            standard.ThrottledRetryableChecker(),
            standard.ThrottlingStatusCodeChecker(),
        ]
    ).is_retryable(ctx)
    throttling = standard.ThrottlingErrorDetector(None).is_throttling_error_from_context(ctx)
    return THR if throttling else TRA if retryable else N


def test_classification_matches_botocore() -> None:
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        HTTPClientError,
        ReadTimeoutError,
    )

    codes = [None, "LimitExceeded", "ReportGenerationLimitExceeded", "NoSuchEntity"]
    codes += ["RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable"]
    codes += sorted(THROTTLING_ERROR_CODES)
    for status in (400, 403, 404, 408, 409, 429, 500, 501, 502, 503, 504):
        for code in codes:
            assert classify(status=status, code=code, transport_error=None) is _botocore_kind(
                status, code, None
            ), (status, code)
    ours = {
        TransportErrorKind.CONNECT: EndpointConnectionError(endpoint_url="u"),
        TransportErrorKind.CONNECT_TIMEOUT: ConnectTimeoutError(endpoint_url="u"),
        TransportErrorKind.READ_TIMEOUT: ReadTimeoutError(endpoint_url="u"),
        TransportErrorKind.PROTOCOL: ConnectionClosedError(endpoint_url="u"),
        TransportErrorKind.OTHER: HTTPClientError(error="boom"),
    }
    for kind, exc in ours.items():
        got = classify(status=None, code=None, transport_error=kind)
        assert got in (TRA, TMO)
        assert _botocore_kind(None, None, exc) is TRA


# -- quota -------------------------------------------------------------------------------------


def test_quota_costs() -> None:
    q = RetryQuota()
    assert (q.capacity, q.available) == (500, 500)
    assert (q.cost(THR), q.cost(TRA), q.cost(TMO)) == (5, 5, 10)
    with pytest.raises(ValueError, match="no retry cost"):
        q.cost(N)
    q26 = RetryQuota.botocore_2026()
    assert (q26.cost(THR), q26.cost(TRA), q26.cost(TMO)) == (5, 14, 14)


def test_default_quota_drains_after_100_retries() -> None:
    q, policy, state = RetryQuota(), RetryPolicy(max_attempts=1000), RetryState()
    granted = 0
    while decide(policy, q, state, TRA, random=fixed(0)).retry:
        granted += 1
    assert granted == 100  # 500 / 5
    assert q.available == 0
    q.release(9)
    assert not decide(policy, q, RetryState(), TMO, random=fixed(0)).retry  # a timeout needs 10


def test_quota_drains_and_stops_retries() -> None:
    q, policy = RetryQuota.botocore_2026(), RetryPolicy(max_attempts=1000)
    granted = 0
    state = RetryState()
    while decide(policy, q, state, TRA, random=fixed(0)).retry:
        granted += 1
    assert granted == 35  # 35 * 14 = 490
    assert q.available == 10
    last = decide(policy, q, state, TRA, random=fixed(0))
    assert (last.retry, last.reason) == (False, "transient error; retry quota exhausted")
    # Throttling retries are cheaper, so two still fit into the last 10 tokens.
    assert decide(policy, q, RetryState(), THR, random=fixed(0)).retry
    assert decide(policy, q, RetryState(), THR, random=fixed(0)).retry
    assert not decide(policy, q, RetryState(), THR, random=fixed(0)).retry
    assert q.available == 0


def test_timeout_retry_cost() -> None:
    q = RetryQuota()
    assert decide(RetryPolicy(), q, RetryState(), TMO, random=fixed(0)).retry
    assert q.available == 490
    q26 = RetryQuota.botocore_2026()
    assert decide(RetryPolicy(), q26, RetryState(), TMO, random=fixed(0)).retry
    assert q26.available == 486


def test_quota_refill_on_success() -> None:
    q = RetryQuota.botocore_2026()
    q.record_success(RetryState())
    assert q.available == 500  # never above capacity

    state = RetryState()
    decide(RetryPolicy(), q, state, TRA, random=fixed(0))
    decide(RetryPolicy(), q, state, THR, random=fixed(0))
    assert q.available == 500 - 14 - 5
    q.record_success(state)  # gives back only the latest retry's cost, as botocore
    assert q.available == 500 - 14

    for _ in range(3):
        q.record_success(RetryState())
    assert q.available == 500 - 11


def test_quota_matches_botocore_checker() -> None:
    from botocore.retries import quota as bquota
    from botocore.retries import standard

    class Detector:
        def __init__(self) -> None:
            self.throttling = False

        def is_throttling_error_from_context(self, ctx: Any) -> bool:
            return self.throttling

    class Http:
        status_code = 200

    detector = Detector()
    theirs_quota = bquota.RetryQuota()
    checker = standard.RetryQuotaChecker(theirs_quota, detector)
    ours = RetryQuota.botocore_2026()
    # A scripted client history: (retry kinds of one request, ended in success?)
    history = [([TRA, THR], True), ([], True), ([TMO], False), ([THR, THR], True)] * 20
    history += [([TRA] * 2, False)] * 30 + [([], True)] * 40 + [([TRA], True)] * 5
    for kinds, success in history:
        request_context: dict[str, Any] = {}
        state = RetryState()
        for kind in kinds:
            detector.throttling = kind is THR
            ctx = standard.RetryContext(attempt_number=1, request_context=request_context)
            theirs = checker.acquire_retry_quota(ctx)
            assert decide(RetryPolicy(max_attempts=99), ours, state, kind).retry is theirs
            if not theirs:
                break
        if success:
            checker.release_retry_quota(request_context, Http())
            ours.record_success(state)
        assert ours.available == theirs_quota.available_capacity


# -- backoff -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "attempt", "expected"),
    [
        (TRA, 1, 0.5 * 0.05),
        (TRA, 2, 0.5 * 0.1),
        (TRA, 3, 0.5 * 0.2),
        (TMO, 4, 0.5 * 0.4),
        (THR, 1, 0.5),
        (THR, 2, 1.0),
        (THR, 5, 8.0),
        (THR, 6, 10.0),  # capped at max_backoff before the jitter
        (THR, 30, 10.0),
        (TRA, 30, 10.0),
    ],
)
def test_backoff_values(kind: RetryKind, attempt: int, expected: float) -> None:
    got = backoff_delay(kind, attempt, random=fixed(0.5), base_delay=0.05)
    assert got == pytest.approx(expected)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 1), (2, 2), (3, 4), (5, 16), (6, 20), (40, 20)])
def test_default_backoff_is_full_jitter_over_two_to_the_attempt(attempt: int, ceiling: float) -> None:
    # rand() * min(2 ** (attempt - 1), 20), throttling or not
    for kind in (TRA, THR, TMO):
        assert backoff_delay(kind, attempt, random=fixed(1.0)) == ceiling
        assert backoff_delay(kind, attempt, random=fixed(0.25)) == pytest.approx(ceiling / 4)


def test_backoff_matches_botocore() -> None:
    from botocore.retries import standard

    class Detector:
        def __init__(self, throttling: bool) -> None:
            self.throttling = throttling

        def is_throttling_error_from_context(self, ctx: Any) -> bool:
            return self.throttling

    for kind in (TRA, THR):
        for header in (None, "0", "1500", "60000", "-5", "abc", "2.5"):

            class Http:
                headers = {} if header is None else {"x-amz-retry-after": header}

            theirs = standard.ExponentialBackoff(
                max_backoff=20,
                random=fixed(0.37),
                service_name="iam",
                throttling_detector=Detector(kind is THR),
            )
            for attempt in range(1, 12):
                ctx = standard.RetryContext(attempt_number=attempt, http_response=Http())
                ours = backoff_delay(
                    kind,
                    attempt,
                    retry_after=parse_retry_after(header),
                    random=fixed(0.37),
                    base_delay=0.05,
                )
                assert ours == pytest.approx(theirs.delay_amount(ctx)), (kind, header, attempt)


def test_retry_after() -> None:
    assert parse_retry_after(None) is None
    assert parse_retry_after("1500") == 1.5
    assert parse_retry_after("-1") is None
    assert parse_retry_after("soon") is None
    # The server may lengthen a delay, by at most 5 s, and never shorten it.
    assert backoff_delay(TRA, 1, retry_after=3.0, random=fixed(0.5)) == 3.0
    assert backoff_delay(TRA, 1, retry_after=0.1, random=fixed(0.5)) == 0.5
    assert backoff_delay(THR, 1, retry_after=60.0, random=fixed(0.5)) == 5.5
    assert backoff_delay(THR, 3, retry_after=0.0, random=fixed(0.5)) == 2.0
    d = decide(RetryPolicy(), RetryQuota(), RetryState(), TRA, retry_after=2.0, random=fixed(0))
    assert d.delay == 2.0


# -- attempts ----------------------------------------------------------------------------------


def test_max_attempts_counts_the_first_attempt() -> None:
    policy, quota, state = RetryPolicy(base_delay=0.05), RetryQuota.botocore_2026(), RetryState()
    first = decide(policy, quota, state, THR, random=fixed(0.5))
    assert first == (first.__class__(True, 0.5, "throttling error; attempt 2 of 3"))
    assert state.attempts == 2
    second = decide(policy, quota, state, TRA, random=fixed(0.5))
    assert (second.retry, second.delay, state.attempts) == (True, 0.05, 3)
    third = decide(policy, quota, state, TRA, random=fixed(0.5))
    assert (third.retry, third.reason) == (False, "transient error; max attempts reached")
    assert state.attempts == 3  # "after 3 attempts"
    assert state.total_delay == pytest.approx(0.55)
    assert quota.available == 500 - 5 - 14


def test_non_retryable_takes_nothing() -> None:
    quota, state = RetryQuota(), RetryState()
    d = decide(RetryPolicy(), quota, state, N)
    assert (d.retry, d.reason, state.attempts, quota.available) == (False, "not retryable", 1, 500)


def test_single_attempt_policy_never_retries() -> None:
    assert not decide(RetryPolicy(max_attempts=1), RetryQuota(), RetryState(), THR).retry


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "legacy"}, {"max_attempts": 0}, {"max_backoff": -1.0}, {"max_backoff": float("nan")}],
)
def test_policy_validation(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)


def test_policy_defaults() -> None:
    assert RetryPolicy() == RetryPolicy(mode="standard", max_attempts=3, max_backoff=20.0)


def test_retry_records_behave_as_the_dataclasses_they_replace() -> None:
    # RetryPolicy (client.retry_policy) is a frozen value: repr, equality, hash, pickling.
    policy = RetryPolicy(mode="adaptive", max_attempts=5)
    assert repr(policy) == (
        "RetryPolicy(mode='adaptive', max_attempts=5, max_backoff=20.0, base_delay=1.0, "
        "throttling_base_delay=1.0)"
    )
    assert hash(policy) == hash(RetryPolicy(mode="adaptive", max_attempts=5))
    assert policy != RetryPolicy(mode="adaptive", max_attempts=6)
    assert pickle.loads(pickle.dumps(policy)) == policy
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_attempts = 9
    match policy:
        case RetryPolicy("adaptive", attempts):
            assert attempts == 5
        case _:
            raise AssertionError("no positional match")
    # RetryState is mutable and so unhashable, as a dataclass with eq=True.
    state = RetryState()
    state.attempts += 1
    assert state == RetryState(attempts=2)
    assert repr(state) == "RetryState(attempts=2, last_retry_cost=None, total_delay=0.0)"
    with pytest.raises(TypeError):
        hash(state)


# -- adaptive rate limiter ---------------------------------------------------------------------


def run(
    limiter: AdaptiveRateLimiter, start: float, end: float, rps: float, throttle: bool
) -> float:
    """Send at ``rps`` from ``start`` to ``end`` (honouring the limiter); return the end time."""
    t = start
    while t < end:
        t += limiter.acquire(t)
        limiter.on_response(t, throttled=throttle)
        t += 1 / rps
    return t


def test_no_delay_before_first_throttle() -> None:
    limiter = AdaptiveRateLimiter(now=0.0)
    run(limiter, 0.0, 5.0, rps=50, throttle=False)
    assert not limiter.enabled
    assert all(limiter.acquire(5.0) == 0.0 for _ in range(100))


def test_rate_drops_after_throttles_and_recovers() -> None:
    limiter = AdaptiveRateLimiter(now=0.0)
    t = run(limiter, 0.0, 10.0, rps=20, throttle=False)
    measured = limiter.measured_rate
    assert measured == pytest.approx(20, rel=0.15)

    limiter.on_response(t, throttled=True)
    assert limiter.enabled
    measured = limiter.measured_rate  # the throttled response itself counts as a send
    assert limiter.send_rate == pytest.approx(measured * 0.7)

    second_fail = t + 0.5
    limiter.on_response(second_fail, throttled=True)
    dropped = limiter.send_rate
    assert dropped < measured * 0.7

    # CUBIC: well below the last max just after the failure, back to it after K seconds.
    w_max = dropped / 0.7
    k = (w_max * 0.3 / 0.4) ** (1 / 3)
    limiter.on_response(second_fail + 0.1, throttled=False)
    assert limiter.send_rate < w_max
    limiter.on_response(second_fail + k, throttled=False)
    assert limiter.send_rate == pytest.approx(min(w_max, 2 * limiter.measured_rate))

    # While enabled, sending faster than the allowed rate is paced by acquire().
    start = second_fail + k
    waited = sum(limiter.acquire(start) for _ in range(5))
    assert waited > 0


def test_rate_never_below_minimum() -> None:
    limiter = AdaptiveRateLimiter(now=0.0)
    for i in range(50):
        limiter.on_response(i * 0.01, throttled=True)
    assert limiter.send_rate == AdaptiveRateLimiter.MIN_FILL_RATE


def queued(delays: list[float], rate: float) -> bool:
    """Zero while tokens last, then each caller waits one more token's time than the last."""
    waits = sorted(delays)
    positive = [d for d in waits if d > 0]
    steps = [b - a for a, b in itertools.pairwise(positive)]
    return 0 < positive[0] <= 1 / rate and steps == pytest.approx([1 / rate] * len(steps))


def test_concurrent_acquires_queue() -> None:
    limiter = AdaptiveRateLimiter(now=0.0)
    run(limiter, 0.0, 4.0, rps=10, throttle=False)
    limiter.on_response(4.0, throttled=True)
    rate = limiter.send_rate
    assert 1 < rate < 10
    delays = [limiter.acquire(4.0) for _ in range(20)]
    assert delays == sorted(delays)
    assert queued(delays, rate)
    # Once the last caller's wait has passed, the bucket is in balance again.
    assert limiter.acquire(4.0 + delays[-1] + 1 / rate) == pytest.approx(0.0)


def test_lazy_start_uses_first_time_seen() -> None:
    a, b = AdaptiveRateLimiter(), AdaptiveRateLimiter(now=1000.0)
    for limiter in (a, b):
        run(limiter, 1000.0, 1003.0, rps=10, throttle=False)
        limiter.on_response(1003.0, throttled=True)
    assert a.send_rate == b.send_rate


def test_limiter_matches_botocore() -> None:
    from botocore.retries import adaptive, bucket, throttling

    class Clock:
        now = 100.0

        def current_time(self) -> float:
            return self.now

    class Detector:
        throttled = False

        def is_throttling_error(self, **kwargs: Any) -> bool:
            return self.throttled

    clock, detector = Clock(), Detector()
    token_bucket = bucket.TokenBucket(max_rate=1, clock=clock)
    theirs = adaptive.ClientRateLimiter(
        rate_adjustor=throttling.CubicCalculator(starting_max_rate=0, start_time=clock.now),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=token_bucket,
        throttling_detector=detector,
        clock=clock,
    )
    ours = AdaptiveRateLimiter(now=clock.now)
    # Responses only (botocore's acquire blocks on a real clock): rate bookkeeping must agree.
    pattern = [False] * 40 + [True] + [False] * 15 + [True, True] + [False] * 60 + [True]
    for i, throttled in enumerate(pattern * 3):
        clock.now = 100.0 + i * 0.137
        detector.throttled = throttled
        theirs.on_receiving_response()
        ours.on_response(clock.now, throttled=throttled)
        assert ours.send_rate == pytest.approx(token_bucket.max_rate), i
        assert ours.enabled is theirs._enabled


def test_thread_safety_smoke() -> None:
    limiter = AdaptiveRateLimiter(now=0.0)
    limiter.on_response(0.6, throttled=False)
    limiter.on_response(0.6, throttled=True)
    rate = limiter.send_rate
    quota = RetryQuota()
    delays: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [limiter.acquire(0.6) for _ in range(50)]
        for _ in range(50):
            state = RetryState()
            decide(RetryPolicy(max_attempts=2), quota, state, THR, random=fixed(0))
            quota.record_success(state)
        with lock:
            delays.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Every reservation got its own slot in the queue: no two callers were told the same wait.
    assert len(delays) == 400
    assert queued(delays, rate)
    assert quota.available == 500
