"""The shared rate limit keeps the sends themselves apart: a caller that wakes late from its
reserved wait must not go right behind the request before it (a server counting requests in a
shallow bucket would throttle the pair), and every caller still goes, in time."""

from __future__ import annotations

import threading

import pytest

from iamlast._runtime.ratelimit import SPACING, SPACING_SLACK, TokenBucket


def test_a_late_caller_pushes_the_next_one_back() -> None:
    bucket = TokenBucket(10)  # one every 0.1 s, no bursts
    assert bucket.reserve(0.0) == 0.0 and bucket.clear(0.0) == 0.0
    assert bucket.reserve(0.0) == pytest.approx(0.1)  # A's turn: 0.1
    assert bucket.reserve(0.0) == pytest.approx(0.2)  # B's turn: 0.2
    assert bucket.clear(0.17) == 0.0  # A woke 70 ms late and goes
    # B wakes on time, 30 ms after A went: it waits until SPACING intervals after A, then goes.
    assert 0.5 < SPACING <= 1.0
    assert bucket.clear(0.2) == pytest.approx(0.17 + SPACING * 0.1 - 0.2)
    assert bucket.clear(0.17 + SPACING * 0.1) == 0.0


def test_on_schedule_nothing_more_is_waited() -> None:
    bucket = TokenBucket(10)
    waits = []
    for n in range(20):
        now = n * 0.1
        waits.append(bucket.reserve(now))
        waits.append(bucket.clear(now))
    assert waits == pytest.approx([0.0] * 40, abs=1e-9)


def test_within_the_slack_a_caller_goes() -> None:
    bucket = TokenBucket(10)
    bucket.clear(1.0)
    assert bucket.clear(1.0 + SPACING * 0.1 - SPACING_SLACK / 2) == 0.0


def test_bursts_allowed_are_not_spaced() -> None:
    bucket = TokenBucket(10, burst=5)
    assert [bucket.clear(0.0) for _ in range(5)] == [0.0] * 5


def test_two_threads_never_both_go() -> None:
    bucket = TokenBucket(1)
    bucket.clear(0.0)
    went: list[float] = []
    start = threading.Barrier(8)

    def sender() -> None:
        start.wait()
        if bucket.clear(1.0) == 0.0:
            went.append(1.0)

    threads = [threading.Thread(target=sender) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert went == [1.0]
