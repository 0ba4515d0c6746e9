"""Where a client's credentials come from: given, or botocore's chain, refreshed before expiry.

Refreshing follows botocore's RefreshableCredentials: inside the *advisory* window (15 minutes
before expiry) the current credentials keep signing while one refresh runs in the background;
only inside the *mandatory* window (10 minutes) do callers wait for it. Every lookup runs on a
daemon thread of its own (:mod:`.background`), one at a time, so no caller ever does the I/O
itself: a sync caller waits on it (at most its ``call_timeout``), an async one awaits it without
blocking the loop and can be cancelled.

A failed lookup is remembered for :data:`FAILURE_MEMORY` seconds: calls in that time fail at
once with the same :class:`NoCredentialsError` instead of searching the whole chain again (the
instance-metadata step alone takes seconds when nothing answers).

botocore is imported on the first lookup, and botocore.session only when a provider has to
create a client (assume-role, web identity, SSO): see :mod:`.aws_config`. Nothing here logs or
prints a secret, and an error keeps nothing of a provider's output: it is built from what failed
(a profile name, an STS error code and message, a JSON error position), never chained to the
provider's exception.
"""

from __future__ import annotations

import enum
import json
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from . import background
from .errors import FieldProblem, NoCredentialsError, ParamValidationError

__all__ = [
    "ADVISORY_REFRESH",
    "FAILURE_MEMORY",
    "MANDATORY_REFRESH",
    "BotocoreCredentials",
    "CredentialSource",
    "Credentials",
]

#: Seconds before expiry when a background refresh starts (botocore's advisory timeout).
ADVISORY_REFRESH = 15 * 60
#: Seconds before expiry when callers wait for the refresh (botocore's mandatory timeout).
MANDATORY_REFRESH = 10 * 60
#: Seconds a failed lookup is remembered, its error raised again at once meanwhile.
FAILURE_MEMORY = 5.0

_CHAIN = (
    "the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), the shared credentials and "
    "config files, SSO, credential_process, web identity, and container or instance metadata"
)


@dataclass(frozen=True, repr=False)
class Credentials:
    """One set of AWS credentials; ``expiry`` (aware, UTC) is set for temporary ones."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiry: datetime | None = None

    def __post_init__(self) -> None:
        missing = [
            name for name in ("access_key_id", "secret_access_key") if not getattr(self, name)
        ]
        if missing:
            raise ParamValidationError(
                "Credentials",
                [
                    FieldProblem(
                        name,
                        "required",
                        "credentials need both an access key id and a secret access key",
                    )
                    for name in missing
                ],
            )

    def __repr__(self) -> str:
        token = None if self.session_token is None else "****"
        expiry = "" if self.expiry is None else f", expiry={self.expiry.isoformat()!r}"
        return (
            f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key='****', "
            f"session_token={token!r}{expiry})"
        )


@runtime_checkable
class BotocoreCredentials(Protocol):
    """Anything shaped like botocore's Credentials or RefreshableCredentials."""

    def get_frozen_credentials(self) -> Any:
        """Return a consistent (access_key, secret_key, token) snapshot, refreshing if due."""


def _utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, as botocore's own clock produces them.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class _Phase(enum.Enum):
    FRESH = "fresh"  # sign with what we have
    ADVISORY = "advisory"  # sign with what we have; refresh in the background
    MANDATORY = "mandatory"  # wait for a lookup (nothing cached, or about to expire)


class CredentialSource:
    """A client's credentials, resolved lazily and refreshed when due. Thread-safe.

    ``credentials`` is a :class:`Credentials`, a ``(key, secret)`` or ``(key, secret, token)``
    tuple, a botocore credentials object, or None for botocore's default chain for ``profile``
    (None: ``AWS_PROFILE`` or the default profile). ``remember_failure`` is how long a failed
    lookup's error is raised again without a new lookup (:data:`FAILURE_MEMORY`).

    :meth:`get` blocks until credentials are usable; :meth:`acquire` never blocks, returning
    either credentials or the future of the lookup to wait for (the async client awaits it).
    """

    def __init__(
        self,
        credentials: (
            Credentials | tuple[str, str] | tuple[str, str, str | None] | BotocoreCredentials | None
        ) = None,
        *,
        profile: str | None = None,
        remember_failure: float | None = None,
    ) -> None:
        if credentials is not None and profile is not None:
            raise ValueError("profile applies only when credentials is None (the default chain)")
        self._profile = profile
        self._active_profile: str | None = None  # the chain's profile, once known
        self._static: Credentials | None = None
        self._provider: BotocoreCredentials | None = None
        self._from_chain = credentials is None
        self._remember = FAILURE_MEMORY if remember_failure is None else remember_failure
        # Guarded by _lock, which is never held during a lookup:
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._pending: Future[Credentials] | None = None
        self._failure: NoCredentialsError | None = None
        self._failed_until = 0.0
        self._no_refresh_until = 0.0
        if isinstance(credentials, Credentials):
            self._static = credentials
        elif isinstance(credentials, tuple):
            if len(credentials) not in (2, 3):
                raise ValueError("a credentials tuple is (key, secret) or (key, secret, token)")
            key, secret, *token = credentials
            self._static = Credentials(key, secret, (token[0] if token else None) or None)
        elif isinstance(credentials, BotocoreCredentials):
            self._provider = credentials
        elif credentials is not None:
            raise TypeError(f"unsupported credentials: {type(credentials).__name__}")

    @property
    def profile(self) -> str | None:
        """The profile the default chain searches (None: AWS_PROFILE or "default")."""
        return self._profile

    def needs_refresh(self, now: datetime | None = None) -> bool:
        """True when credentials are not fresh: nothing resolved yet, or expiry is near
        (botocore's advisory window). Cheap and I/O-free."""
        if self._static is not None:
            return False
        return self._phase(self._cached, now) is not _Phase.FRESH

    def acquire(self, now: datetime | None = None) -> Credentials | Future[Credentials]:
        """Credentials to sign with now, or the future of the lookup to wait for. Never blocks.

        Fresh: the cached credentials. Advisory window: the cached ones, while one background
        refresh runs. Nothing cached, or the mandatory window: the one lookup in flight (started
        if none is). A lookup that failed less than ``remember_failure`` seconds ago: its
        :class:`NoCredentialsError` again, at once. ``now`` is what expiry is judged against.
        """
        if self._static is not None:
            return self._static
        cached = self._cached
        if self._phase(cached, now) is _Phase.FRESH:
            assert cached is not None
            return cached
        with self._lock:
            cached = self._cached
            phase = self._phase(cached, now)
            if phase is _Phase.FRESH:
                assert cached is not None
                return cached
            clock = time.monotonic()
            if phase is _Phase.ADVISORY:
                assert cached is not None
                if self._pending is None and clock >= self._no_refresh_until:
                    self._start()
                return cached
            if self._pending is not None:
                return self._pending
            if self._failure is not None and clock < self._failed_until:
                raise background.fresh(self._failure)
            return self._start()

    def get(self, now: datetime | None = None, *, timeout: float | None = None) -> Credentials:
        """Current credentials, waiting (at most ``timeout`` seconds, then ``TimeoutError``) for a
        lookup when one is needed. Raises :class:`NoCredentialsError` when the chain finds
        nothing or the provider fails."""
        found = self.acquire(now)
        if isinstance(found, Credentials):
            return found
        return background.wait(found, timeout)

    # ------------------------------------------------------------------ the lookup

    def _start(self) -> Future[Credentials]:
        future: Future[Credentials] = background.start(self._lookup, name="iamlast-credentials")
        self._pending = future
        return future

    def _lookup(self) -> Credentials | NoCredentialsError:
        # On the lookup's own thread. Returns its failure rather than raising it (see background).
        outcome = self._fetch()
        clock = time.monotonic()
        with self._lock:
            self._pending = None
            if isinstance(outcome, Credentials):
                self._cached = outcome
                self._failure = None
                if self._phase(outcome, None) is not _Phase.FRESH:
                    # Still near expiry (botocore kept the old ones after a failed advisory
                    # refresh, or the provider hands out short-lived ones): not again at once.
                    self._no_refresh_until = clock + self._remember
            else:
                self._failure = outcome
                self._failed_until = self._no_refresh_until = clock + self._remember
        return outcome

    def _fetch(self) -> Credentials | NoCredentialsError:
        try:
            if self._provider is None:
                found = self._resolve_chain()
                if found is None:
                    return NoCredentialsError(self._nothing_found(), profile=self._profile_name())
                self._provider = found
            frozen = self._provider.get_frozen_credentials()
            # botocore exposes no public expiry. Read right after the snapshot, on the only
            # thread that refreshes, it belongs to that snapshot.
            expiry = getattr(self._provider, "_expiry_time", None)
        except Exception as exc:  # every provider failure becomes ours (see _failure_of)
            return self._failure_of(exc)
        if frozen is None or not frozen[0] or not frozen[1]:
            return NoCredentialsError(self._nothing_found(), profile=self._profile_name())
        return Credentials(frozen[0], frozen[1], frozen[2] or None, expiry and _utc(expiry))

    def _resolve_chain(self) -> BotocoreCredentials | None:
        # botocore's own resolver over a session of config files only: botocore.session (its
        # client, waiter and docs machinery) comes in only if a provider must create a client.
        from .aws_config import ConfigSession

        session = ConfigSession(self._profile)
        self._active_profile = session.profile
        found: BotocoreCredentials | None = session.get_credentials()
        return found

    def _failure_of(self, exc: Exception) -> NoCredentialsError:
        """The error for a provider's failure, built from what failed: never chained to ``exc``,
        which can hold the provider's raw output (``JSONDecodeError.doc``: a secret key)."""
        name = self._profile_name() or "default"
        code: str | None = None
        if _is_profile_not_found(exc):
            missing = getattr(exc, "kwargs", {}).get("profile") or name
            return NoCredentialsError(
                f"AWS profile {missing!r} was not found in the shared config or credentials file",
                profile=missing,
            )
        response = getattr(exc, "response", None)
        if isinstance(response, dict) and isinstance(response.get("Error"), dict):
            # botocore's ClientError: an STS call of the chain (AssumeRole, ...) was refused.
            error = response["Error"]
            code = str(error.get("Code") or "Unknown")
            operation = getattr(exc, "operation_name", None) or "the STS call"
            reason = f"{operation} failed: {code}: {str(error.get('Message') or '')[:300]}"
        elif isinstance(exc, json.JSONDecodeError):
            reason = (
                f"the provider's output is not valid JSON ({exc.msg} at line {exc.lineno} "
                f"column {exc.colno}; the output is not shown)"
            )
        elif _is_botocore_error(exc):
            reason = str(exc)[:300]
        else:
            reason = type(exc).__name__
        return NoCredentialsError(
            f"could not get AWS credentials for profile {name!r}: {reason}",
            profile=self._profile_name(),
            code=code,
        )

    def _profile_name(self) -> str | None:
        return self._profile or self._active_profile

    def _nothing_found(self) -> str:
        name = self._profile_name() or "default"
        return f"no AWS credentials found for profile {name!r}; searched {_CHAIN}"

    # ------------------------------------------------------------------ windows

    def _phase(self, cached: Credentials | None, now: datetime | None) -> _Phase:
        if cached is None:
            return _Phase.MANDATORY
        if cached.expiry is None:
            return _Phase.FRESH
        moment = datetime.now(UTC) if now is None else _utc(now)
        left = (cached.expiry - moment).total_seconds()
        provider = self._provider
        if left < getattr(provider, "_mandatory_refresh_timeout", MANDATORY_REFRESH):
            return _Phase.MANDATORY
        if left < getattr(provider, "_advisory_refresh_timeout", ADVISORY_REFRESH):
            return _Phase.ADVISORY
        return _Phase.FRESH

    def __repr__(self) -> str:
        if self._static is not None:
            kind = "static"
        elif self._from_chain:
            kind = "default chain"
        else:
            kind = type(self._provider).__name__
        shown = self._static or self._cached
        key = "" if shown is None else f", access_key_id={shown.access_key_id!r}"
        return f"CredentialSource({kind}, profile={self._profile!r}{key})"


def _is_botocore_error(exc: BaseException) -> bool:
    try:
        from botocore.exceptions import BotoCoreError
    except ImportError:  # pragma: no cover - botocore is a dependency
        return False
    return isinstance(exc, BotoCoreError)


def _is_profile_not_found(exc: BaseException) -> bool:
    try:
        from botocore.exceptions import ProfileNotFound
    except ImportError:  # pragma: no cover - botocore is a dependency
        return False
    return isinstance(exc, ProfileNotFound)
