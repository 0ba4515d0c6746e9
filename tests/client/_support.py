"""Helpers for the client tests: canned IAM responses, an independent SigV4 check, a fake clock."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

import httpx

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
IAM = "https://iam.amazonaws.com/"

# Canary credentials: no repr, log line or error may ever show SECRET or TOKEN.
AKID = "AKIDCANARY0000000000"
SECRET = "SECRET-CANARY-wJalrXUtnFEMI-K7MDENG-bPxRfiCY"
TOKEN = "TOKEN-CANARY-IQoJb3JpZ2luX2VjEJr-session-token"

AUTH_RE = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[a-z0-9-]+)/"
    r"(?P<service>[a-z0-9-]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)
AMZ_DATE_RE = re.compile(r"\d{8}T\d{6}Z")


def ok(operation: str, result: str = "", request_id: str = "rid-ok") -> bytes:
    """A successful awsQuery response document for ``operation``."""
    inner = f"<{operation}Result>{result}</{operation}Result>" if result else ""
    return (
        f'<{operation}Response xmlns="{NS}">{inner}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    ).encode()


def error_body(
    code: str, message: str = "it failed", request_id: str = "rid-err", type_: str = "Sender"
) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>{type_}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()


def error(
    code: str, status: int = 400, message: str = "it failed", request_id: str = "rid-err"
) -> httpx.Response:
    return httpx.Response(status, content=error_body(code, message, request_id))


LIST_ROLES_EMPTY = ok("ListRoles", "<Roles/><IsTruncated>false</IsTruncated>")
ROLE_XML = (
    "<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLE0000000001</RoleId>"
    "<Arn>arn:aws:iam::123456789012:role/r</Arn><CreateDate>2024-01-02T03:04:05Z</CreateDate>"
    "</Role>"
)
GET_ROLE_OK = ok("GetRole", ROLE_XML)


def form(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode(), keep_blank_values=True)


# --------------------------------------------------------------------------- SigV4, by hand


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: bytes) -> str:
    pairs = sorted(
        (quote(k, safe="-_.~"), quote(v, safe="-_.~"))
        for k, v in parse_qsl(query.decode(), keep_blank_values=True)
    )
    return "&".join(f"{k}={v}" for k, v in pairs)


@dataclass
class Signature:
    """What an Authorization header says, once its signature has been checked."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: list[str] = field(default_factory=list)


def verify_sigv4(request: httpx.Request, secret: str) -> Signature:
    """Recompute SigV4 from the request as sent (hmac/hashlib only) and assert it matches."""
    auth = request.headers["Authorization"]
    match = AUTH_RE.fullmatch(auth)
    assert match is not None, f"unexpected Authorization shape: {auth!r}"
    amz_date = request.headers["X-Amz-Date"]
    assert AMZ_DATE_RE.fullmatch(amz_date), amz_date
    assert amz_date[:8] == match["date"]
    signed = match["signed"].split(";")
    assert signed == sorted(signed)
    assert {"host", "x-amz-date"} <= set(signed)
    canonical_headers = "".join(
        f"{name}:{' '.join(request.headers[name].strip().split())}\n" for name in signed
    )
    path = request.url.raw_path.split(b"?", 1)[0].decode() or "/"
    canonical_request = "\n".join(
        [
            request.method,
            path,
            _canonical_query(request.url.query),
            canonical_headers,
            match["signed"],
            _sha256(request.content),
        ]
    )
    scope = f"{match['date']}/{match['region']}/{match['service']}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, _sha256(canonical_request.encode())]
    )
    key = _hmac(("AWS4" + secret).encode(), match["date"])
    for part in (match["region"], match["service"], "aws4_request"):
        key = _hmac(key, part)
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    assert match["signature"] == expected, "the signature does not verify"
    return Signature(match["key"], match["date"], match["region"], match["service"], signed)


# --------------------------------------------------------------------------- time


class FakeClock:
    """Stands in for the ``time`` module of a client: sleeping advances a fake monotonic clock
    and records the delay, so retry tests take no real time."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
