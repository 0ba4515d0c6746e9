"""SigV4 signing, delegated to botocore and imported lazily (the credentials themselves live in
:mod:`.credentials`, re-exported here).

botocore is imported inside the functions below, on the first signed request, so
``import iamlast`` stays cheap. Nothing here logs or prints a secret.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import threading
from collections.abc import Mapping
from datetime import datetime
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
