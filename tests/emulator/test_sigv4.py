"""The emulator's own SigV4 verifier against botocore's signer."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamlast.testing import FakeIAM

from .conftest import post, sign

BODY = "Action=ListUsers&Version=2010-05-08&MaxItems=2"


def _error(resp: httpx.Response) -> tuple[int, str, str]:
    from lxml import etree

    doc = etree.fromstring(resp.content)
    ns = {"i": "https://iam.amazonaws.com/doc/2010-05-08/"}
    return resp.status_code, doc.findtext(".//i:Code", namespaces=ns) or "", doc.findtext(".//i:Message", namespaces=ns) or ""


def _send(iam: FakeIAM, headers: dict[str, str], body: bytes | str = BODY) -> httpx.Response:
    return httpx.post(iam.endpoint_url + "/", content=body, headers=headers)


def test_correctly_signed_requests_are_accepted(iam: FakeIAM) -> None:
    assert _send(iam, sign(iam, BODY)).status_code == 200
    # GET with the parameters in the query string (botocore signs the query)
    url = iam.endpoint_url + "/?Action=ListRoles&Version=2010-05-08&MaxItems=1&PathPrefix=%2F"
    resp = httpx.get(url, headers=sign(iam, b"", method="GET", url=url))
    assert resp.status_code == 200 and b"<ListRolesResponse" in resp.content


def test_gzip_body_is_verified_as_sent_and_read_decompressed(iam: FakeIAM) -> None:
    body = gzip.compress(BODY.encode())
    resp = _send(iam, sign(iam, body, headers={"Content-Encoding": "gzip"}), body)
    assert resp.status_code == 200 and b"<ListUsersResponse" in resp.content


def test_wrong_secret(iam: FakeIAM) -> None:
    status, code, message = _error(_send(iam, sign(iam, BODY, secret="w" * 40)))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert message.startswith("The request signature we calculated does not match the signature you provided.")


def test_tampered_body(iam: FakeIAM) -> None:
    headers = sign(iam, BODY)
    assert _error(_send(iam, headers, BODY.replace("MaxItems=2", "MaxItems=3")))[:2] == (403, "SignatureDoesNotMatch")


def test_unknown_access_key(iam: FakeIAM) -> None:
    status, code, message = _error(_send(iam, sign(iam, BODY, key_id="AKIAUNKNOWNKEY000000")))
    assert (status, code, message) == (403, "InvalidClientTokenId", "The security token included in the request is invalid.")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"region": "us-west-2"}, "Credential should be scoped to a valid region, not 'us-west-2'. "),
        ({"service": "sts"}, "Credential should be scoped to correct service: 'iam'. "),
    ],
)
def test_wrong_scope(iam: FakeIAM, kwargs: dict[str, Any], message: str) -> None:
    assert _error(_send(iam, sign(iam, BODY, **kwargs))) == (403, "SignatureDoesNotMatch", message)


@pytest.fixture
def clock_10_minutes_ago(monkeypatch: pytest.MonkeyPatch) -> datetime:
    then = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=10)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: then)
    return then


def test_old_signature_expired(iam: FakeIAM, clock_10_minutes_ago: datetime) -> None:
    status, code, message = _error(_send(iam, sign(iam, BODY)))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert message.startswith(f"Signature expired: {clock_10_minutes_ago:%Y%m%dT%H%M%SZ} is now earlier than ")
    assert message.endswith(" - 5 min.)")


def test_missing_authorization(iam: FakeIAM) -> None:
    resp = httpx.post(iam.endpoint_url + "/", content=BODY, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert _error(resp) == (403, "MissingAuthenticationToken", "Request is missing Authentication Token")


def test_malformed_authorization(iam: FakeIAM) -> None:
    headers = sign(iam, BODY)
    headers["Authorization"] = headers["Authorization"].split(", Signature=")[0]
    assert _error(_send(iam, headers))[:2] == (400, "IncompleteSignature")


def test_session_token_required_when_temporary_credentials_were_issued() -> None:
    with FakeIAM(temporary_credentials=True) as iam:
        assert _send(iam, sign(iam, BODY, token=iam.session_token)).status_code == 200
        assert _error(_send(iam, sign(iam, BODY)))[:2] == (403, "InvalidClientTokenId")
        assert _error(_send(iam, sign(iam, BODY, token="forged")))[:2] == (403, "InvalidClientTokenId")


def test_verification_can_be_switched_off() -> None:
    with FakeIAM(verify_signatures=False) as iam:
        assert httpx.post(iam.endpoint_url + "/", content=BODY).status_code == 200


def test_signing_with_botocore_directly_matches_helper(iam: FakeIAM) -> None:
    # The query string and a signed custom header both go into the canonical request.
    url = iam.endpoint_url + "/?Version=2010-05-08&Action=ListGroups"
    req = AWSRequest(method="POST", url=url, data=b"MaxItems=1", headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Custom": "a   b",
    })
    SigV4Auth(Credentials(iam.access_key_id, iam.secret_access_key), "iam", "us-east-1").add_auth(req)
    resp = httpx.post(url, content=b"MaxItems=1", headers=dict(req.headers.items()))
    assert resp.status_code == 200 and b"<ListGroupsResponse" in resp.content
    assert post(iam, {"Action": "ListGroups"}).status_code == 200
