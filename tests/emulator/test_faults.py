"""Fault injection: reproducible by seed, per action, scripted, and the connection faults a
client sees as transport errors."""

from __future__ import annotations

import time

import httpx
import pytest

from iamlast.errors import InternalFailureError
from iamlast.testing import FakeIAM, Faults

from .conftest import sign

BODY = "Action=ListRoles&Version=2010-05-08&MaxItems=1"


def _run(iam: FakeIAM, n: int, body: str = BODY) -> list[tuple[int, str | None]]:
    out = []
    with httpx.Client() as c:
        for _ in range(n):
            try:
                r = c.post(iam.endpoint_url + "/", content=body, headers=sign(iam, body))
                out.append((r.status_code, None))
            except httpx.TransportError as exc:
                out.append((0, type(exc).__name__))
    return out


def test_same_seed_same_fault_sequence(iam: FakeIAM) -> None:
    faults = Faults(seed=7, throttle_rate=0.2, error_rate=0.1, drop_rate=0.05)
    iam.faults = faults
    first = _run(iam, 120)
    kinds_first = [r.fault for r in iam.requests]
    iam.clear_log()
    iam.faults = faults  # restarts the seeded sequence
    second = _run(iam, 120)
    assert first == second and [r.fault for r in iam.requests] == kinds_first
    statuses = {s for s, _ in first}
    assert {200, 400, 0} <= statuses and statuses & {500, 503}
    assert kinds_first.count("throttle") > 10 and kinds_first.count("drop") > 0
    iam.clear_log()
    iam.faults = faults.with_(seed=8)
    assert _run(iam, 120) != first


def test_drop_is_a_remote_protocol_error(iam: FakeIAM) -> None:
    iam.set_faults(drop_rate=1.0)
    with httpx.Client() as c, pytest.raises(httpx.RemoteProtocolError):
        c.post(iam.endpoint_url + "/", content=BODY, headers=sign(iam, BODY))
    assert iam.counters()["faults"] == {"drop": 1}


def test_truncated_body_is_a_protocol_error(iam: FakeIAM) -> None:
    iam.set_faults(truncate_rate=1.0)
    with httpx.Client() as c, pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        c.post(iam.endpoint_url + "/", content=BODY, headers=sign(iam, BODY))


def test_slow_body_stalls_past_the_read_timeout(iam: FakeIAM) -> None:
    iam.set_faults(slow_body=1.0, stall=2.0)
    started = time.monotonic()
    with httpx.Client(timeout=httpx.Timeout(5.0, read=0.3)) as c, pytest.raises(httpx.ReadTimeout):
        c.post(iam.endpoint_url + "/", content=BODY, headers=sign(iam, BODY))
    assert time.monotonic() - started < 1.5


def test_slow_body_completes_when_the_client_waits(iam: FakeIAM) -> None:
    iam.set_faults(slow_body=1.0, stall=0.3)
    with httpx.Client(timeout=5.0) as c:
        started = time.monotonic()
        r = c.post(iam.endpoint_url + "/", content=BODY, headers=sign(iam, BODY))
    assert r.status_code == 200 and r.content.endswith(b"</ListRolesResponse>\n")
    assert time.monotonic() - started >= 0.3


def test_latency_and_jitter_are_applied(iam: FakeIAM) -> None:
    iam.faults = Faults(latency=0.15, jitter=0.05)
    started = time.monotonic()
    assert _run(iam, 3) == [(200, None)] * 3
    assert time.monotonic() - started >= 0.45


def test_rate_limit_throttles_above_the_rate(iam: FakeIAM) -> None:
    iam.faults = Faults(rate_limit=20.0, burst=5)
    started = time.monotonic()
    results = _run(iam, 60)
    elapsed = time.monotonic() - started
    allowed = sum(1 for s, _ in results if s == 200)
    assert allowed <= 5 + 20 * elapsed + 1
    assert sum(1 for s, _ in results if s == 400) >= 60 - (5 + 20 * elapsed + 1)
    throttled = [r for r in iam.requests if r.status == 400]
    assert throttled and {r.error_code for r in throttled} == {"Throttling"} and {r.fault for r in throttled} == {"rate_limit"}


def test_per_action_faults(iam: FakeIAM) -> None:
    iam.faults = Faults(actions={"ListRoles": Faults(throttle_rate=1.0)})
    assert {s for s, _ in _run(iam, 5)} == {400}
    assert {s for s, _ in _run(iam, 5, "Action=ListUsers&Version=2010-05-08")} == {200}


def test_fail_next_n_scripted(iam: FakeIAM) -> None:
    iam.fail_next(2, "ServiceUnavailable", action="ListRoles")
    iam.fail_next(1, InternalFailureError("custom"))
    assert [s for s, _ in _run(iam, 1, "Action=ListUsers&Version=2010-05-08")] == [500]  # any action
    assert [s for s, _ in _run(iam, 3)] == [503, 503, 200]
    iam.fail_next(1, "drop")
    assert _run(iam, 2)[0][0] == 0
    with pytest.raises(ValueError, match="unknown fault"):
        iam.fail_next(1, "Nonsense")


def test_faults_change_while_running(iam: FakeIAM) -> None:
    assert {s for s, _ in _run(iam, 3)} == {200}
    iam.set_faults(throttle_rate=1.0)
    assert {s for s, _ in _run(iam, 3)} == {400}
    iam.set_faults(Faults())
    assert {s for s, _ in _run(iam, 3)} == {200}
