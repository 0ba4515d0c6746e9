"""The request on the wire: method, URL, form body, headers, and a SigV4 signature that verifies.

The signature is recomputed here with hmac/hashlib from the request exactly as httpx would send
it; a match is the proof that signing is right end to end (body, Host, header canonicalisation).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

import iamlast
from iamlast.models import ListRolesRequest, Tag, TagRoleRequest

from ._support import (
    AKID,
    GET_ROLE_OK,
    IAM,
    LIST_ROLES_EMPTY,
    SECRET,
    TOKEN,
    form,
    ok,
    verify_sigv4,
)

CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
ROLE_ARN = "arn:aws:iam::123456789012:role/service-role/my role"

# (method, kwargs, canned response, exact body)
CASES: list[tuple[str, dict[str, Any], bytes, bytes]] = [
    (
        "list_roles",
        {"path_prefix": "/service-role/", "max_items": 50},
        LIST_ROLES_EMPTY,
        b"Action=ListRoles&Version=2010-05-08&PathPrefix=%2Fservice-role%2F&MaxItems=50",
    ),
    (
        "generate_service_last_accessed_details",
        {"arn": ROLE_ARN, "granularity": "ACTION_LEVEL"},
        ok(
            "GenerateServiceLastAccessedDetails",
            "<JobId>examplef-1305-c245-eba4-71fe298bcda7</JobId>",
        ),
        b"Action=GenerateServiceLastAccessedDetails&Version=2010-05-08"
        b"&Arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fservice-role%2Fmy+role"
        b"&Granularity=ACTION_LEVEL",
    ),
    (
        "tag_role",
        {
            "role_name": "my-role",
            "tags": [{"Key": "team", "Value": "a b+c"}, Tag(key="cost:centre", value="42/x=y")],
        },
        ok("TagRole"),
        b"Action=TagRole&Version=2010-05-08&RoleName=my-role"
        b"&Tags.member.1.Key=team&Tags.member.1.Value=a+b%2Bc"
        b"&Tags.member.2.Key=cost%3Acentre&Tags.member.2.Value=42%2Fx%3Dy",
    ),
    (
        "list_policies_granting_service_access",
        {"arn": ROLE_ARN, "service_namespaces": ["s3", "iam", "ec2"]},
        ok(
            "ListPoliciesGrantingServiceAccess",
            "<PoliciesGrantingServiceAccess/><IsTruncated>false</IsTruncated>",
        ),
        b"Action=ListPoliciesGrantingServiceAccess&Version=2010-05-08"
        b"&Arn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fservice-role%2Fmy+role"
        b"&ServiceNamespaces.member.1=s3&ServiceNamespaces.member.2=iam"
        b"&ServiceNamespaces.member.3=ec2",
    ),
]


@pytest.mark.parametrize(("method", "kwargs", "response", "body"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("token", [None, TOKEN], ids=["no-token", "session-token"])
def test_signed_request(
    iam: respx.Route,
    method: str,
    kwargs: dict[str, Any],
    response: bytes,
    body: bytes,
    token: str | None,
) -> None:
    iam.respond(200, content=response)
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=token
    ) as client:
        getattr(client, method)(**kwargs)

    assert iam.call_count == 1
    request = iam.calls.last.request
    assert request.method == "POST"
    assert str(request.url) == IAM
    assert request.headers["Content-Type"] == CONTENT_TYPE
    assert request.headers["Host"] == "iam.amazonaws.com"
    assert request.content == body
    assert request.headers["Content-Length"] == str(len(body))

    signature = verify_sigv4(request, SECRET)
    assert (signature.access_key, signature.region, signature.service) == (AKID, "us-east-1", "iam")
    assert "content-type" in signature.signed_headers
    if token is None:
        assert "X-Amz-Security-Token" not in request.headers
        assert "x-amz-security-token" not in signature.signed_headers
    else:
        assert request.headers["X-Amz-Security-Token"] == token
        assert "x-amz-security-token" in signature.signed_headers


def test_request_model_and_keywords_send_the_same_body(
    iam: respx.Route, client: iamlast.Client
) -> None:
    iam.respond(200, content=ok("TagRole"))
    client.tag_role(role_name="r", tags=[{"Key": "k", "Value": "v"}])
    client.tag_role(TagRoleRequest(role_name="r", tags=[Tag(key="k", value="v")]))
    first, second = (call.request.content for call in iam.calls)
    assert (
        first
        == second
        == b"Action=TagRole&Version=2010-05-08&RoleName=r&Tags.member.1.Key=k&Tags.member.1.Value=v"
    )


def test_omitted_and_none_members_are_not_sent(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    client.list_roles(marker=None, max_items=None)
    client.list_roles(ListRolesRequest())
    assert [call.request.content for call in iam.calls] == [
        b"Action=ListRoles&Version=2010-05-08"
    ] * 2


def test_each_attempt_is_signed_afresh(
    iam: respx.Route, client: iamlast.Client, clock: Any
) -> None:
    iam.side_effect = [httpx.Response(500), httpx.Response(200, content=GET_ROLE_OK)]
    client.get_role(role_name="r")
    for call in iam.calls:
        verify_sigv4(call.request, SECRET)
        assert form(call.request) == [
            ("Action", "GetRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "r"),
        ]


def test_user_agent_names_iamlast(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    client.list_roles()
    assert iam.calls.last.request.headers["User-Agent"].startswith(
        f"iamlast/{iamlast.__version__} "
    )


def test_response_model_and_metadata(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(200, content=GET_ROLE_OK, headers={"x-amzn-RequestId": "rid-ok"})
    role = client.get_role(role_name="r")
    assert role.role.role_name == "r"
    assert role.role.arn == "arn:aws:iam::123456789012:role/r"
    meta = role.response_metadata
    assert meta is not None
    assert meta.request_id == "rid-ok"
    assert meta.http_status_code == 200
    assert meta.http_headers["x-amzn-requestid"] == "rid-ok"
    assert meta.retry_attempts == 0


async def test_async_signed_request(iam: respx.Route) -> None:
    _method, kwargs, response, body = CASES[2]
    iam.respond(200, content=response)
    async with iamlast.AsyncClient(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=TOKEN
    ) as client:
        await client.tag_role(**kwargs)
    request = iam.calls.last.request
    assert request.content == body
    assert request.headers["Content-Type"] == CONTENT_TYPE
    assert request.headers["X-Amz-Security-Token"] == TOKEN
    signature = verify_sigv4(request, SECRET)
    assert (signature.access_key, signature.region) == (AKID, "us-east-1")


def test_injected_http_client_is_used() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=LIST_ROLES_EMPTY)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, http_client=http
    ) as client:
        client.list_roles()
    assert len(seen) == 1
    verify_sigv4(seen[0], SECRET)
    http.close()


def test_the_independent_check_rejects_a_wrong_secret_or_a_changed_body(
    iam: respx.Route, client: iamlast.Client
) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    client.list_roles()
    request = iam.calls.last.request
    with pytest.raises(AssertionError, match="does not verify"):
        verify_sigv4(request, SECRET + "x")
    tampered = httpx.Request(
        "POST", request.url, headers=request.headers, content=request.content + b"&X=1"
    )
    with pytest.raises(AssertionError, match="does not verify"):
        verify_sigv4(tampered, SECRET)


def test_non_ascii_values_are_utf8_form_encoded_and_signed(
    iam: respx.Route, client: iamlast.Client
) -> None:
    iam.respond(200, content=ok("UpdateRole"))
    client.update_role(role_name="r", description="naïve café ±")
    request = iam.calls.last.request
    assert request.content == (
        b"Action=UpdateRole&Version=2010-05-08&RoleName=r&Description=na%C3%AFve+caf%C3%A9+%C2%B1"
    )
    verify_sigv4(request, SECRET)


@pytest.mark.parametrize("asynchronous", [False, True])
@pytest.mark.parametrize("token", [None, "the-token"])
@pytest.mark.parametrize("timeout", [None, httpx.Timeout(3.0, connect=1.0)])
def test_own_client_requests_are_what_build_request_makes(
    asynchronous: bool, token: str | None, timeout: httpx.Timeout | None
) -> None:
    # A client iamlast built puts its request together itself: the same as httpx's
    # build_request would make it (headers in the same order, body, extensions).
    from iamlast import _http
    from iamlast._runtime.core import Call, coerce_request

    kind = iamlast.AsyncClient if asynchronous else iamlast.Client
    client = kind(
        endpoint_url=IAM,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token=token,
    )
    http: Any = (httpx.AsyncClient if asynchronous else httpx.Client)(
        **_http.client_options(_http.make_timeout(None), True, IAM)
    )
    state = client._client_state()
    spec = client._spec("ListRoles")
    call = Call(state, spec, coerce_request(spec, None, {"max_items": 5}))
    headers = call.headers(client._credentials.get())
    trace = _http.ConnectionTrace()
    own = _http.build_request(http, call, headers, trace=trace, timeout=timeout, own=True)
    usual = _http.build_request(http, call, headers, trace=trace, timeout=timeout)
    assert own.method == usual.method == "POST"
    assert own.url == usual.url
    assert own.headers.raw == usual.headers.raw
    assert own.content == usual.content == call.prepared.body
    assert own.extensions == usual.extensions
    assert type(own.stream) is type(usual.stream)


def test_own_client_sends_as_httpx_client_send(
    iam: respx.Route, caplog: pytest.LogCaptureFixture
) -> None:
    # A client iamlast built hands its requests straight to the transport: the request, the
    # response and httpx's INFO line per request are what httpx's Client.send gives.
    iam.respond(200, content=LIST_ROLES_EMPTY)
    seen: list[tuple[bytes, list[bytes], list[str]]] = []
    for http in (None, httpx.Client()):
        caplog.clear()
        with (
            caplog.at_level("INFO", logger="httpx"),
            iamlast.Client(
                aws_access_key_id=AKID, aws_secret_access_key=SECRET, http_client=http
            ) as client,
        ):
            assert client.list_roles().roles == []
        request = iam.calls.last.request
        names = [name for name, _ in request.headers.raw]
        lines = [r.getMessage() for r in caplog.records if r.name == "httpx"]
        seen.append((request.content, names, lines))
        if http is not None:
            http.close()
    assert seen[0][:2] == seen[1][:2]
    assert seen[0][2] == seen[1][2] == [f'HTTP Request: POST {IAM} "HTTP/1.1 200 OK"']
