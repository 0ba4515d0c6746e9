"""Fault injection, deterministic by seed: throttling, 5xx, latency, dropped connections,
truncated and stalled bodies, a token-bucket rate limit, and scripted "fail the next N".

Every request draws the same amount from one ``random.Random(seed)``, whatever happens to it,
so a sequence of requests meets the same sequence of faults on every run.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from iamlast.errors import (
    InternalFailureError,
    ServiceError,
    ServiceUnavailableError,
    ThrottlingError,
)

__all__ = ["Decision", "FaultInjector", "FaultKind", "Faults"]

FaultKind = Literal["throttle", "error", "drop", "truncate", "slow_body", "rate_limit", "scripted"]

_INTERNAL = "The request processing has failed because of an unknown error, exception or failure."
_UNAVAILABLE = "The request has failed due to a temporary failure of the server."


@dataclass(frozen=True)
class Faults:
    """What to inject, and how often (rates are probabilities per request, 0..1).

    ``slow_body`` sends half the body, stalls ``stall`` seconds, then the rest; ``actions``
    replaces these settings for the named operations (``{"ListRoles": Faults(...)}``).
    ``rate_limit`` is a token bucket in requests per second (``burst`` tokens deep, default
    one second's worth); requests over it get 400 Throttling "Rate exceeded".
    """

    seed: int = 0
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency: float = 0.0
    jitter: float = 0.0
    drop_rate: float = 0.0
    truncate_rate: float = 0.0
    slow_body: float = 0.0
    stall: float = 5.0
    rate_limit: float | None = None
    burst: float | None = None
    actions: Mapping[str, Faults] = field(default_factory=dict)

    def for_action(self, action: str) -> Faults:
        """The settings that apply to ``action``."""
        return self.actions.get(action, self)

    def with_(self, **changes: Any) -> Faults:
        """A copy with some settings changed."""
        return replace(self, **changes)

    @property
    def active(self) -> bool:
        """Whether anything at all is injected."""
        return bool(
            self.throttle_rate or self.error_rate or self.latency or self.jitter or self.drop_rate
            or self.truncate_rate or self.slow_body or self.rate_limit is not None or self.actions
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """What happens to one request: an error to answer with, a connection fault, a delay."""

    kind: FaultKind | None = None
    error: ServiceError | None = None
    connection: Literal["drop", "truncate", "slow_body"] | None = None
    latency: float = 0.0
    stall: float = 0.0


_NONE = Decision()
_SCRIPTABLE: dict[str, Callable[[], ServiceError]] = {
    "Throttling": lambda: ThrottlingError("Rate exceeded"),
    "InternalFailure": lambda: InternalFailureError(_INTERNAL),
    "ServiceUnavailable": lambda: ServiceUnavailableError(_UNAVAILABLE),
}


class _Bucket:
    def __init__(self, rate: float, burst: float | None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate)
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class FaultInjector:
    """The running state behind :class:`Faults`: the seeded RNG, buckets, scripted faults."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self._script: deque[tuple[str | None, Any, int]] = deque()
        self.set(faults or Faults())

    @property
    def faults(self) -> Faults:
        """The settings in force."""
        return self._faults

    def set(self, faults: Faults) -> None:
        """Replace the settings (and restart the seeded sequence)."""
        with self._lock:
            self._faults = faults
            self._rng = random.Random(faults.seed)
            self._buckets: dict[str, _Bucket] = {}

    def fail_next(self, count: int, error: str | ServiceError | type[ServiceError], action: str | None = None) -> None:
        """Answer the next ``count`` requests (to ``action``, or any) with ``error``: a
        :class:`ServiceError`, a code (``"Throttling"``, ``"InternalFailure"``,
        ``"ServiceUnavailable"``) or a connection fault (``"drop"``, ``"truncate"``, ``"slow_body"``)."""
        if isinstance(error, str) and error not in _SCRIPTABLE and error not in ("drop", "truncate", "slow_body"):
            raise ValueError(f"unknown fault {error!r}")
        with self._lock:
            self._script.append((action, error, count))

    def pending(self) -> int:
        """How many scripted faults are still to come."""
        with self._lock:
            return sum(n for _, _, n in self._script)

    def _scripted(self, action: str) -> Decision | None:
        for i, (target, error, count) in enumerate(self._script):
            if target is not None and target != action:
                continue
            if count <= 1:
                del self._script[i]
            else:
                self._script[i] = (target, error, count - 1)
            if isinstance(error, str) and error in ("drop", "truncate", "slow_body"):
                return Decision("scripted", connection=error, stall=self._faults.stall)  # type: ignore[arg-type]
            if isinstance(error, str):
                return Decision("scripted", error=_SCRIPTABLE[error]())
            if isinstance(error, type):
                return Decision("scripted", error=error())
            assert isinstance(error, ServiceError)
            return Decision("scripted", error=error)
        return None

    def decide(self, action: str) -> Decision:
        """The fault (or none) for the next request to ``action``."""
        with self._lock:
            if self._script:
                scripted = self._scripted(action)
                if scripted is not None:
                    return scripted
            f = self._faults.for_action(action)
            if not f.active and f is self._faults:
                return _NONE
            u, v = self._rng.random(), self._rng.random()
            latency = f.latency + (v * f.jitter if f.jitter else 0.0)
            if f.rate_limit is not None:
                key = action if f is not self._faults else ""
                bucket = self._buckets.get(key)
                if bucket is None:
                    bucket = self._buckets[key] = _Bucket(f.rate_limit, f.burst)
                if not bucket.take():
                    return Decision("rate_limit", error=ThrottlingError("Rate exceeded"), latency=latency)
            edge = f.throttle_rate
            if u < edge:
                return Decision("throttle", error=ThrottlingError("Rate exceeded"), latency=latency)
            edge += f.error_rate
            if u < edge:
                err: ServiceError = (
                    InternalFailureError(_INTERNAL) if v < 0.5 else ServiceUnavailableError(_UNAVAILABLE)
                )
                return Decision("error", error=err, latency=latency)
            for kind, rate in (("drop", f.drop_rate), ("truncate", f.truncate_rate), ("slow_body", f.slow_body)):
                edge += rate
                if u < edge:
                    return Decision(kind, connection=kind, latency=latency, stall=f.stall)  # type: ignore[arg-type]
            return Decision(latency=latency) if latency else _NONE
