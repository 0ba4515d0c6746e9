"""AWS Signature Version 4 verification, written from the specification (hmac + hashlib only).

:func:`verify` rebuilds the canonical request from what arrived on the wire, derives the
signing key from the secret the emulator issued, and compares signatures in constant time.
Failures come back as the error IAM would send (403 SignatureDoesNotMatch, InvalidClientTokenId,
MissingAuthenticationToken, 400 IncompleteSignature) with AWS's wording.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote_plus

from iamlast.errors import (
    IncompleteSignatureError,
    InvalidClientTokenIdError,
    MissingAuthenticationTokenError,
    ServiceError,
    SignatureDoesNotMatchError,
)

__all__ = ["Credentials", "SigV4Verifier", "canonical_query"]

_ALGORITHM = "AWS4-HMAC-SHA256"
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_BAD_TOKEN = "The security token included in the request is invalid."
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class Credentials:
    """A key pair the emulator accepts, with the session token it requires (if any)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


def _amz(value: datetime) -> str:
    return value.strftime("%Y%m%dT%H%M%SZ")


def _uri_encode(value: str) -> str:
    return quote(value, safe="-_.~")


def canonical_query(raw_query: str, *, normalise: bool) -> str:
    """The canonical query string: pairs sorted; with ``normalise``, decoded and re-encoded
    with RFC 3986 rules (signers differ on whether they re-encode what they send)."""
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        if normalise:
            key, value = _uri_encode(unquote_plus(key)), _uri_encode(unquote_plus(value))
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _parse_authorization(header: str) -> dict[str, str]:
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != _ALGORITHM:
        raise IncompleteSignatureError(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    fields: dict[str, str] = {}
    for item in rest.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            fields[key] = value
    for required in ("Credential", "SignedHeaders", "Signature"):
        if required not in fields:
            raise IncompleteSignatureError(
                f"Authorization header requires '{required}' parameter. Authorization={header}"
            )
    return fields


class SigV4Verifier:
    """Checks SigV4 signatures for one service and region against known credentials."""

    def __init__(
        self,
        credentials: Sequence[Credentials],
        *,
        region: str = "us-east-1",
        service: str = "iam",
        max_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        self.credentials = {c.access_key_id: c for c in credentials}
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self._keys: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def _signing_key(self, secret: str, date: str) -> bytes:
        cache_key = (secret, date)
        key = self._keys.get(cache_key)
        if key is None:
            k = hmac.digest(("AWS4" + secret).encode(), date.encode(), "sha256")
            k = hmac.digest(k, self.region.encode(), "sha256")
            k = hmac.digest(k, self.service.encode(), "sha256")
            key = hmac.digest(k, b"aws4_request", "sha256")
            with self._lock:
                if len(self._keys) > 64:
                    self._keys.clear()
                self._keys[cache_key] = key
        return key

    def verify(
        self,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        now: datetime | None = None,
    ) -> ServiceError | None:
        """``None`` when the request is correctly signed, else the error to answer with.

        ``headers`` maps lower-case names to values (repeated headers joined with ``,``);
        ``body`` is the payload exactly as received (still compressed, if it was).
        """
        header = headers.get("authorization")
        if header is None:
            return MissingAuthenticationTokenError("Request is missing Authentication Token")
        try:
            fields = _parse_authorization(header)
        except ServiceError as exc:
            return exc
        scope = fields["Credential"].split("/")
        if len(scope) != 5:
            return IncompleteSignatureError(
                f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                f"got '{fields['Credential']}'"
            )
        if scope[4] != "aws4_request":
            return SignatureDoesNotMatchError(
                f"Credential should be scoped with a valid terminator: 'aws4_request', not '{scope[4]}'. "
            )
        key_id, date, region, service, _ = scope
        creds = self.credentials.get(key_id)
        if creds is None:
            return InvalidClientTokenIdError(_BAD_TOKEN)
        if region != self.region:
            return SignatureDoesNotMatchError(f"Credential should be scoped to a valid region, not '{region}'. ")
        if service != self.service:
            return SignatureDoesNotMatchError(f"Credential should be scoped to correct service: '{self.service}'. ")
        amz_date = headers.get("x-amz-date")
        if amz_date is None:
            return IncompleteSignatureError(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                f"Authorization={header}"
            )
        try:
            # strptime costs more than the rest of the check; the format is fixed.
            if len(amz_date) != 16 or amz_date[8] != "T" or amz_date[15] != "Z":
                raise ValueError(amz_date)
            d = amz_date
            signed_at = datetime(int(d[:4]), int(d[4:6]), int(d[6:8]), int(d[9:11]), int(d[11:13]), int(d[13:15]), tzinfo=UTC)
        except ValueError:
            return IncompleteSignatureError(f"Date must be in ISO-8601 'basic format'. Got '{amz_date}'.")
        if not amz_date.startswith(date):
            return SignatureDoesNotMatchError(
                f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                f"'{date}' != '{amz_date[:8]}', from '{amz_date}'."
            )
        clock = now or datetime.now(UTC)
        if signed_at < clock - self.max_skew:
            return SignatureDoesNotMatchError(
                f"Signature expired: {amz_date} is now earlier than {_amz(clock - self.max_skew)} "
                f"({_amz(clock)} - 5 min.)"
            )
        if signed_at > clock + self.max_skew:
            return SignatureDoesNotMatchError(
                f"Signature not yet current: {amz_date} is still later than {_amz(clock + self.max_skew)} "
                f"({_amz(clock)} + 5 min.)"
            )
        if creds.session_token is not None and headers.get("x-amz-security-token") != creds.session_token:
            return InvalidClientTokenIdError(_BAD_TOKEN)
        signed = fields["SignedHeaders"].split(";")
        if "host" not in signed:
            return SignatureDoesNotMatchError(_MISMATCH)
        canonical_headers = "".join(f"{h}:{' '.join(headers.get(h, '').split())}\n" for h in signed)
        payload = headers.get("x-amz-content-sha256") or (
            hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        )
        key = self._signing_key(creds.secret_access_key, date)
        credential_scope = f"{date}/{region}/{service}/aws4_request"
        expected = fields["Signature"]
        variants = [canonical_query(query, normalise=False)]
        if query:
            variants.append(canonical_query(query, normalise=True))
        for cq in variants:
            canonical = "\n".join(
                (method, quote(path or "/", safe="/~"), cq, canonical_headers, fields["SignedHeaders"], payload)
            )
            to_sign = f"{_ALGORITHM}\n{amz_date}\n{credential_scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
            mine = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(mine, expected):
                return None
        return SignatureDoesNotMatchError(_MISMATCH)
