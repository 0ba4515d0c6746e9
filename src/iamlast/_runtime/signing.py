"""SigV4 signing and the credential chain, both delegated to botocore and imported lazily.

botocore is imported inside the functions below, on the first signed request or credential
lookup, so ``import iamlast`` stays cheap. Nothing here logs or prints a secret: reprs show the
access key id only.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from .errors import NoCredentialsError

__all__ = [
    "BotocoreCredentials",
    "CredentialSource",
    "Credentials",
    "NoCredentialsError",
    "sign_request",
]

_SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
# botocore's RefreshableCredentials refreshes this long before expiry ("advisory" window).
_DEFAULT_REFRESH_WINDOW = 15 * 60
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
        if not self.access_key_id or not self.secret_access_key:
            raise ValueError("credentials need both an access key id and a secret access key")

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


class CredentialSource:
    """Where a client's credentials come from, resolved lazily and refreshed when due.

    ``credentials`` is a :class:`Credentials`, a ``(key, secret)`` or ``(key, secret, token)``
    tuple, a botocore credentials object, or None for botocore's default chain for ``profile``
    (None: ``AWS_PROFILE`` or the default profile). Thread-safe: concurrent first calls resolve
    the chain once.

    An async caller keeps the event loop free with::

        creds = await asyncio.to_thread(src.get) if src.needs_refresh() else src.get()
    """

    def __init__(
        self,
        credentials: (
            Credentials | tuple[str, str] | tuple[str, str, str | None] | BotocoreCredentials | None
        ) = None,
        *,
        profile: str | None = None,
    ) -> None:
        if credentials is not None and profile is not None:
            raise ValueError("profile applies only when credentials is None (the default chain)")
        self._profile = profile
        self._static: Credentials | None = None
        self._provider: BotocoreCredentials | None = None
        self._cached: Credentials | None = None
        self._lock = threading.Lock()
        self._from_chain = credentials is None
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
        """True when :meth:`get` may do I/O: nothing resolved yet, or expiry is near.

        Cheap and I/O-free. "Near" is botocore's refresh window (15 minutes).
        """
        if self._static is not None:
            return False
        return self._due(self._cached, now)

    def get(self, now: datetime | None = None) -> Credentials:
        """Current credentials; resolves or refreshes through botocore when due.

        ``now`` (default: the current time) is what expiry is judged against. Raises
        :class:`NoCredentialsError` when the chain finds nothing.
        """
        if self._static is not None:
            return self._static
        cached = self._cached
        if not self._due(cached, now):
            assert cached is not None
            return cached
        with self._lock:
            cached = self._cached
            if not self._due(cached, now):
                assert cached is not None
                return cached
            try:
                if self._provider is None:
                    self._provider = self._resolve_chain()
                frozen = self._provider.get_frozen_credentials()
            except NoCredentialsError:
                raise
            except Exception as exc:
                # Providers fail in many ways (a credential_process exiting non-zero or printing
                # malformed JSON, an expired SSO token, a metadata endpoint timing out): report
                # them as ours, naming the profile. Not chained: such an exception can hold the
                # provider's raw output (JSONDecodeError.doc), secret key included.
                name = self._profile or "default"
                reason = str(exc)[:300] if _is_botocore_error(exc) else type(exc).__name__
                raise NoCredentialsError(
                    f"could not get AWS credentials for profile {name!r}: {reason}",
                    profile=self._profile,
                ) from None
            # botocore exposes no public expiry. Read right after the snapshot, under our lock,
            # it belongs to that snapshot unless code outside this source refreshes the same
            # botocore object in between.
            expiry = getattr(self._provider, "_expiry_time", None)
            if frozen is None or not frozen[0] or not frozen[1]:
                raise NoCredentialsError(self._nothing_found(), profile=self._profile)
            creds = Credentials(frozen[0], frozen[1], frozen[2] or None, expiry and _utc(expiry))
            self._cached = creds
            return creds

    def _due(self, cached: Credentials | None, now: datetime | None) -> bool:
        if cached is None:
            return True
        if cached.expiry is None:
            return False
        moment = datetime.now(UTC) if now is None else _utc(now)
        window = getattr(self._provider, "_advisory_refresh_timeout", _DEFAULT_REFRESH_WINDOW)
        return (cached.expiry - moment).total_seconds() < window

    def _resolve_chain(self) -> BotocoreCredentials:
        import botocore.session
        from botocore.exceptions import ProfileNotFound

        session = botocore.session.Session(profile=self._profile)
        try:
            found = session.get_credentials()
        except ProfileNotFound as exc:
            name = self._profile or session.profile
            raise NoCredentialsError(
                f"AWS profile {name!r} was not found in the shared config or credentials file",
                profile=name,
            ) from exc
        if found is None:
            raise NoCredentialsError(self._nothing_found(session.profile), profile=self._profile)
        provider: BotocoreCredentials = found
        return provider

    def _nothing_found(self, active: str | None = None) -> str:
        name = self._profile or active or "default"
        return f"no AWS credentials found for profile {name!r}; searched {_CHAIN}"

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


def _host_header(url: str) -> str:
    # The Host value SigV4 signs and the request must then carry: lowercase, IPv6 in brackets,
    # the port only when it is not the scheme's default.
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port is not None and parts.port != default:
        host = f"{host}:{parts.port}"
    return host


@functools.cache
def _pinned_signer() -> type[Any]:
    from botocore.auth import SigV4Auth

    class PinnedClockSigV4Auth(SigV4Auth):  # type: ignore[misc]
        """SigV4Auth signing at a given time instead of botocore's clock."""

        timestamp = ""

        def _modify_request_before_signing(self, request: Any) -> None:
            # add_auth stamps the request with the clock, then calls this hook before anything
            # reads the stamp: replacing it here moves the whole signature to ``timestamp``.
            request.context["timestamp"] = self.timestamp
            super()._modify_request_before_signing(request)

    return PinnedClockSigV4Auth


def sign_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str = "iam",
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request with SigV4 (botocore's SigV4Auth); return every header to send.

    The result is ``headers`` plus ``Host`` (derived from ``url``; a given Host is replaced),
    ``X-Amz-Date``, ``Authorization``, and ``X-Amz-Security-Token`` for temporary credentials.
    ``now`` pins the signing time (naive means UTC); None uses the current time.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    to_send = {name: value for name, value in headers.items() if name.lower() != "host"}
    to_send["Host"] = _host_header(url)
    request = AWSRequest(method=method, url=url, headers=to_send, data=body)
    boto_credentials = BotoCredentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    if now is None:
        signer = SigV4Auth(boto_credentials, service, region)
    else:
        signer = _pinned_signer()(boto_credentials, service, region)
        signer.timestamp = _utc(now).strftime(_SIGV4_TIMESTAMP)
    _install_redaction()
    _signing.token = credentials.session_token
    try:
        signer.add_auth(request)
    finally:
        _signing.token = None
    return {name: str(value) for name, value in request.headers.items()}


# botocore.auth logs the canonical request at DEBUG, session token included. While iamlast
# signs (and only then: boto3 in the same process is left alone) that token is masked.
_signing = threading.local()
_redaction_installed = False


class _TokenRedaction(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        token = getattr(_signing, "token", None)
        if token:
            if isinstance(record.msg, str) and token in record.msg:
                record.msg = record.msg.replace(token, "****")
            if record.args:
                args = record.args if isinstance(record.args, tuple) else (record.args,)
                record.args = tuple(
                    a.replace(token, "****") if isinstance(a, str) else a for a in args
                )
        return True


def _install_redaction() -> None:
    global _redaction_installed
    if not _redaction_installed:
        logging.getLogger("botocore.auth").addFilter(_TokenRedaction())
        _redaction_installed = True
