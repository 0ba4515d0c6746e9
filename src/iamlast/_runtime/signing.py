"""SigV4 signing as botocore's SigV4Auth does it (the credentials themselves live in
:mod:`.credentials`, re-exported here).

The usual request is signed here — botocore's canonical URL forms and clock, one HMAC per
request with the derived key kept per day, region and service — and anything unusual by
SigV4Auth itself (see :func:`sign_request`). botocore is imported inside the functions below, on
the first signed request, so ``import iamlast`` stays cheap. Nothing here logs or prints a
secret.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .credentials import BotocoreCredentials, Credentials, CredentialSource, _utc
from .errors import NoCredentialsError

__all__ = [
    "BotocoreCredentials",
    "CredentialSource",
    "Credentials",
    "NoCredentialsError",
    "sign_request",
]

_SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"


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
    ``now`` pins the signing time (naive means UTC); None uses the current time (botocore's
    clock).

    The usual request is signed here, with botocore's canonical forms of the URL and its clock,
    the derived key kept per day, region and service (one HMAC per request instead of five);
    headers that SigV4Auth itself rewrites (``Authorization``, ``Date``, the ``X-Amz-*`` ones
    it sets), two headers differing only in case, or DEBUG logging on ``botocore.auth`` (which
    logs the canonical request) hand the request to SigV4Auth as it is.
    """
    if not _AUTH_LOG.isEnabledFor(logging.DEBUG):
        signed = _sign_fast(method, url, headers, body, credentials, region, service, now)
        if signed is not None:
            return signed
    return _sign_botocore(method, url, headers, body, credentials, region, service, now)


#: Headers SigV4Auth removes or sets itself while signing: a request carrying one goes to it.
_REWRITTEN = frozenset(
    {"authorization", "date", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
_AUTH_LOG = logging.getLogger("botocore.auth")


#: Headers left out of the signature, as botocore's SigV4Auth leaves them out (hop-by-hop headers
#: a proxy may change, tracing headers, the user agent); a test holds it to botocore's list.
UNSIGNED_HEADERS = frozenset(
    {
        "baggage",
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "traceparent",
        "tracestate",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "x-amzn-trace-id",
    }
)


def canonical_path(path: str) -> str:
    """A URL's path as SigV4 signs it, before percent-encoding: dot segments resolved (RFC 3986,
    5.2.4), empty segments dropped as AWS requires, the leading slash and a trailing one kept."""
    if not path:
        return "/"
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment and segment != ".":
            kept.append(segment)
    lead = "/" if path.startswith("/") else ""
    trail = "/" if path.endswith("/") and kept else ""
    return lead + "/".join(kept) + trail


@functools.lru_cache(maxsize=64)
def _url_parts(url: str) -> tuple[str, str, str]:
    """The Host header, canonical URI and canonical query string of ``url``, as SigV4Auth
    writes them (a client sends every request to the same few URLs)."""
    from urllib.parse import quote

    parts = urlsplit(url)
    path = quote(canonical_path(parts.path), safe="/~")
    pairs = (
        sorted(pair.partition("=")[::2] for pair in parts.query.split("&")) if parts.query else []
    )
    query = "&".join(f"{key}={value}" for key, value in pairs)
    return _host_header(url), path, query


@functools.lru_cache(maxsize=64)
def _signing_key(secret: str, day: str, region: str, service: str) -> bytes:
    key = hmac.new(f"AWS4{secret}".encode(), day.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _timestamp(now: datetime | None) -> str:
    if now is None:
        # botocore's clock once botocore.auth is loaded (tests and users pin it there), looked
        # up each time; the usual request never loads it (it brings urllib3 along)
        auth = sys.modules.get("botocore.auth")
        clock = auth.get_current_datetime() if auth is not None else datetime.now(UTC)
        # a year of four digits, so the ISO form rearranged is the strftime form
        iso: str = clock.isoformat(timespec="seconds")
        return f"{iso[0:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}Z"
    return _utc(now).strftime(_SIGV4_TIMESTAMP)


def _sign_fast(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime | None,
) -> dict[str, str] | None:
    """SigV4 as SigV4Auth computes it, or None for a request it should sign itself."""
    unsigned = UNSIGNED_HEADERS
    to_send: dict[str, str] = {}
    signed: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in headers.items():
        lname = name.lower()
        if lname in seen or lname in _REWRITTEN:
            return None
        seen.add(lname)
        if lname == "host":
            continue
        to_send[name] = value
        if lname not in unsigned:
            signed[lname] = " ".join(value.split())
    host, path, query = _url_parts(url)
    stamp = _timestamp(now)
    token = credentials.session_token
    to_send["Host"] = host
    to_send["X-Amz-Date"] = stamp
    signed["host"] = " ".join(host.split())
    signed["x-amz-date"] = stamp
    if token:
        to_send["X-Amz-Security-Token"] = token
        signed["x-amz-security-token"] = " ".join(token.split())
    names = sorted(signed)
    signed_names = ";".join(names)
    canonical = "\n".join(
        (
            method.upper(),
            path,
            query,
            "".join(f"{name}:{signed[name]}\n" for name in names),
            signed_names,
            hashlib.sha256(body).hexdigest(),
        )
    )
    day = stamp[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ("AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest())
    )
    key = _signing_key(credentials.secret_access_key, day, region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    to_send["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={signed_names}, Signature={signature}"
    )
    return to_send


def _sign_botocore(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    service: str,
    now: datetime | None,
) -> dict[str, str]:
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
