"""What goes over the wire: exact IAM documents, headers, keep-alive, concurrency, the request
log, the async context manager, GET requests, and the errors for bad actions."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from iamlast import models
from iamlast.testing import FakeIAM, to_xml

from .conftest import post, sign

_OUTPUTS = {
    "GenerateServiceLastAccessedDetails": models.GenerateServiceLastAccessedDetailsResponse,
    "GetServiceLastAccessedDetails": models.GetServiceLastAccessedDetailsResponse,
    "GetServiceLastAccessedDetailsWithEntities": models.GetServiceLastAccessedDetailsWithEntitiesResponse,
    "ListPoliciesGrantingServiceAccess": models.ListPoliciesGrantingServiceAccessResponse,
    "GenerateOrganizationsAccessReport": models.GenerateOrganizationsAccessReportResponse,
    "GetOrganizationsAccessReport": models.GetOrganizationsAccessReportResponse,
    "ListUsers": models.ListUsersResponse,
    "ListRoles": models.ListRolesResponse,
    "ListGroups": models.ListGroupsResponse,
    "ListPolicies": models.ListPoliciesResponse,
}


def _check_document(resp: httpx.Response, action: str) -> Any:
    """The body is exactly what the generated model writes for the same content."""
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/xml"
    rid = resp.headers["x-amzn-requestid"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", rid)
    assert parsedate_to_datetime(resp.headers["date"]).tzinfo is not None
    model = _OUTPUTS[action].of_xml(resp.content)
    assert to_xml(model, request_id=rid) == resp.text
    return model


def _job(iam: FakeIAM, arn: str, granularity: str = "ACTION_LEVEL") -> str:
    resp = post(iam, {"Action": "GenerateServiceLastAccessedDetails", "Arn": arn, "Granularity": granularity})
    return str(_check_document(resp, "GenerateServiceLastAccessedDetails").job_id)


def test_every_document_is_byte_exact(iam: FakeIAM) -> None:
    acct = iam.account
    group = acct.group("Developers")
    job = _job(iam, group.arn)
    for _ in range(2):  # IN_PROGRESS, then COMPLETED
        _check_document(post(iam, {"Action": "GetServiceLastAccessedDetails", "JobId": job, "MaxItems": "7"}), "GetServiceLastAccessedDetails")
        _check_document(post(iam, {"Action": "GetServiceLastAccessedDetailsWithEntities", "JobId": job, "ServiceNamespace": acct.granted_services(group)[0]}),
                        "GetServiceLastAccessedDetailsWithEntities")
    iam.fail_jobs(acct.user("carol").arn)
    failed = _job(iam, acct.user("carol").arn)
    for _ in range(2):
        _check_document(post(iam, {"Action": "GetServiceLastAccessedDetails", "JobId": failed}), "GetServiceLastAccessedDetails")
    _check_document(post(iam, {"Action": "ListPoliciesGrantingServiceAccess", "Arn": acct.user("alice").arn,
                               "ServiceNamespaces.member.1": "s3", "ServiceNamespaces.member.2": "iam"}), "ListPoliciesGrantingServiceAccess")
    resp = post(iam, {"Action": "GenerateOrganizationsAccessReport", "EntityPath": "o-a1b2c3d4e5/r-f6g7h8i9j0"})
    org = _check_document(resp, "GenerateOrganizationsAccessReport").job_id
    for _ in range(2):
        _check_document(post(iam, {"Action": "GetOrganizationsAccessReport", "JobId": org, "MaxItems": "9"}), "GetOrganizationsAccessReport")
    for action in ("ListUsers", "ListRoles", "ListGroups", "ListPolicies"):
        _check_document(post(iam, {"Action": action, "MaxItems": "5"}), action)


def test_error_document_and_request_id(iam: FakeIAM) -> None:
    resp = post(iam, {"Action": "GenerateServiceLastAccessedDetails", "Arn": "arn:aws:iam::123456789012:user/nobody"})
    assert resp.status_code == 404
    rid = resp.headers["x-amzn-requestid"]
    assert resp.text == (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">\n  <Error>\n    <Type>Sender</Type>\n'
        "    <Code>NoSuchEntity</Code>\n    <Message>The user with name nobody cannot be found.</Message>\n"
        f"  </Error>\n  <RequestId>{rid}</RequestId>\n</ErrorResponse>\n"
    )


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Action": "DeleteRole", "RoleName": "x"}, "InvalidAction"),
        ({"Action": "ListRoles", "Version": "2099-01-01"}, "InvalidAction"),
        ({}, "MissingAction"),
    ],
)
def test_bad_actions(iam: FakeIAM, params: dict[str, str], code: str) -> None:
    resp = post(iam, params)
    assert resp.status_code == 400 and f"<Code>{code}</Code>" in resp.text


def test_unknown_action_message(iam: FakeIAM) -> None:
    assert "Could not find operation DeleteRole for version 2010-05-08" in post(iam, {"Action": "DeleteRole"}).text


def test_keep_alive_and_connection_close(iam: FakeIAM) -> None:
    body = "Action=ListGroups&Version=2010-05-08&MaxItems=1"
    headers = sign(iam, body)
    headers["Host"] = f"127.0.0.1:{iam.port}"
    raw = ("POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
           + f"Content-Length: {len(body)}\r\n\r\n{body}").encode()
    with socket.create_connection(("127.0.0.1", iam.port)) as s:
        s.sendall(raw + raw)  # pipelined on one connection
        data = b""
        while data.count(b"</ListGroupsResponse>") < 2:
            chunk = s.recv(65536)
            assert chunk
            data += chunk
        assert data.count(b"HTTP/1.1 200 OK") == 2
        s.sendall(raw.replace(b"POST / HTTP/1.1\r\n", b"POST / HTTP/1.1\r\nConnection: close\r\n"))
        tail = b""
        while chunk := s.recv(65536):
            tail += chunk
        assert b"Connection: close" in tail and tail.endswith(b"</ListGroupsResponse>\n")


def test_concurrent_clients(iam: FakeIAM) -> None:
    body = "Action=ListRoles&Version=2010-05-08&MaxItems=10"
    headers = sign(iam, body)
    failures: list[Any] = []

    def worker() -> None:
        with httpx.Client() as c:
            for _ in range(50):
                r = c.post(iam.endpoint_url + "/", content=body, headers=headers)
                if r.status_code != 200:
                    failures.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and iam.calls("ListRoles") == 400
    assert len({r.request_id for r in iam.requests}) == 400


def test_request_log_and_counters(iam: FakeIAM) -> None:
    post(iam, {"Action": "ListUsers", "MaxItems": "2"})
    post(iam, {"Action": "GetServiceLastAccessedDetails", "JobId": "00000000-0000-4000-8000-000000000000"})
    first, second = iam.requests
    assert (first.action, first.params["MaxItems"], first.status, first.error_code) == ("ListUsers", "2", 200, None)
    assert (second.status, second.error_code) == (400, "InvalidInput")
    assert first.time <= second.time and first.duration >= 0
    assert iam.counters() == {
        "actions": {"ListUsers": 1, "GetServiceLastAccessedDetails": 1},
        "statuses": {200: 1, 400: 1}, "errors": {"InvalidInput": 1}, "faults": {},
    }
    iam.clear_log()
    assert iam.requests == [] and iam.calls() == 0


def test_get_requests_with_query_string(iam: FakeIAM) -> None:
    url = iam.endpoint_url + "/?Action=ListUsers&Version=2010-05-08&MaxItems=3"
    resp = httpx.get(url, headers=sign(iam, b"", method="GET", url=url))
    assert len(_check_document(resp, "ListUsers").users) == 3


def test_lifecycle_and_connection_helpers() -> None:
    iam = FakeIAM()
    with pytest.raises(RuntimeError):
        _ = iam.endpoint_url
    iam.start()
    iam.start()  # idempotent
    try:
        assert iam.running and iam.endpoint_url == f"http://127.0.0.1:{iam.port}"
        kwargs = iam.client_kwargs()
        assert kwargs["region_name"] == iam.region == "us-east-1" and "aws_session_token" not in kwargs
        assert len(iam.secret_access_key) == 40 and iam.access_key_id.startswith("AKIA")
        env = iam.env()
        assert env["AWS_ENDPOINT_URL_IAM"] == iam.endpoint_url and env["AWS_ACCESS_KEY_ID"] == iam.access_key_id
    finally:
        iam.stop()
        iam.stop()
    assert not iam.running
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{iam.port}/")


async def test_async_context_manager_does_not_block_the_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    async with FakeIAM() as iam:
        body = "Action=ListRoles&Version=2010-05-08&MaxItems=1"
        async with httpx.AsyncClient() as c:
            resp = await c.post(iam.endpoint_url + "/", content=body, headers=sign(iam, body))
        assert resp.status_code == 200
    task.cancel()
    assert ticks > 0
