"""CredentialSource without a client: which phase credentials are in, who waits for a lookup, and
how long a failure is remembered. Time is passed in (``now=``); lookups are gated by events."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta

import pytest

from iamlast._runtime.credentials import (
    ADVISORY_REFRESH,
    MANDATORY_REFRESH,
    Credentials,
    CredentialSource,
)
from iamlast._runtime.errors import NoCredentialsError

NOW = datetime.now(UTC)


class Provider:
    """Hands out key n at the n-th call, valid ``life`` from NOW; calls after the first wait for
    ``gate``; ``fail`` makes a call raise instead."""

    def __init__(self, life: timedelta = timedelta(hours=1)) -> None:
        self.life = life
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0
        self.fail: Exception | None = None
        self.threads: list[threading.Thread] = []
        self._expiry_time = NOW

    def get_frozen_credentials(self) -> tuple[str, str, str]:
        self.calls += 1
        self.threads.append(threading.current_thread())
        assert self.gate.wait(10)
        if self.fail is not None:
            raise self.fail
        self._expiry_time = NOW + self.life
        return (f"AKID{self.calls}", f"secret-{self.calls}", f"token-{self.calls}")


def _wait(found: Credentials | Future[Credentials]) -> Credentials:
    return found if isinstance(found, Credentials) else found.result(10)


def test_windows_are_botocores() -> None:
    assert (ADVISORY_REFRESH, MANDATORY_REFRESH) == (15 * 60, 10 * 60)


def test_the_first_lookup_is_a_future_run_on_a_daemon_thread() -> None:
    provider = Provider()
    source = CredentialSource(provider)  # type: ignore[arg-type]
    found = source.acquire(NOW)
    assert isinstance(found, Future)
    assert _wait(found).access_key_id == "AKID1"
    assert provider.threads[0] is not threading.current_thread()
    assert provider.threads[0].daemon and provider.threads[0].name == "iamlast-credentials"
    assert source.acquire(NOW).access_key_id == "AKID1"  # type: ignore[union-attr]


def test_advisory_returns_the_current_ones_and_refreshes_once_in_the_background() -> None:
    provider = Provider()
    source = CredentialSource(provider)  # type: ignore[arg-type]
    _wait(source.acquire(NOW))
    provider.gate.clear()
    advisory = NOW + timedelta(minutes=48)  # 12 minutes left
    for _ in range(5):
        found = source.acquire(advisory)
        assert isinstance(found, Credentials) and found.access_key_id == "AKID1"
    assert source.needs_refresh(advisory)
    deadline = time.monotonic() + 5
    while provider.calls < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert provider.calls == 2  # one refresh for the five calls
    provider.gate.set()
    deadline = time.monotonic() + 5
    while source.acquire(advisory).access_key_id != "AKID2":  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_mandatory_waits_for_the_refresh_shared_by_every_caller() -> None:
    provider = Provider()
    source = CredentialSource(provider)  # type: ignore[arg-type]
    _wait(source.acquire(NOW))
    provider.gate.clear()
    mandatory = NOW + timedelta(minutes=55)
    first, second = source.acquire(mandatory), source.acquire(mandatory)
    assert isinstance(first, Future) and first is second
    assert not first.cancel()  # one waiter giving up cannot take the lookup from the others
    provider.gate.set()
    assert _wait(first).access_key_id == "AKID2"
    with pytest.raises(TimeoutError):
        provider.gate.clear()
        source.get(NOW + timedelta(minutes=58), timeout=0.05)
    provider.gate.set()


def test_a_failure_is_remembered_then_forgotten() -> None:
    provider = Provider()
    provider.fail = RuntimeError("metadata endpoint timed out")
    source = CredentialSource(provider, remember_failure=0.3)  # type: ignore[arg-type]
    with pytest.raises(NoCredentialsError) as first:
        source.get(NOW)
    assert provider.calls == 1
    with pytest.raises(NoCredentialsError) as again:
        source.get(NOW)  # at once, no lookup
    assert provider.calls == 1
    assert again.value == first.value and again.value is not first.value
    assert "RuntimeError" in str(first.value)
    assert first.value.__context__ is None and first.value.__cause__ is None
    time.sleep(0.35)
    provider.fail = None
    assert source.get(NOW).access_key_id == "AKID2"


def test_a_failed_advisory_refresh_keeps_the_current_ones_and_waits_before_trying_again() -> None:
    provider = Provider()
    source = CredentialSource(provider, remember_failure=60)  # type: ignore[arg-type]
    _wait(source.acquire(NOW))
    provider.fail = RuntimeError("sso token expired")
    advisory = NOW + timedelta(minutes=48)
    assert source.acquire(advisory).access_key_id == "AKID1"  # type: ignore[union-attr]
    deadline = time.monotonic() + 5
    while source._pending is not None or provider.calls < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    for _ in range(3):
        assert source.acquire(advisory).access_key_id == "AKID1"  # type: ignore[union-attr]
    assert provider.calls == 2  # not retried on every call
    with pytest.raises(NoCredentialsError, match="RuntimeError"):
        source.acquire(NOW + timedelta(minutes=55))  # mandatory now: the failure is raised


def test_static_credentials_never_look_anything_up() -> None:
    creds = Credentials("AKIDSTATIC", "s")
    source = CredentialSource(creds)
    assert source.acquire() is creds and source.get() is creds
    assert not source.needs_refresh()
