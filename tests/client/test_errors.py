"""Error responses decoded through the client: modelled, common, unknown, non-XML, garbled 200s,
and raw access to whatever came back."""

from __future__ import annotations

import httpx
import pytest
import respx

import iamlast
from iamlast import errors

from ._support import GET_ROLE_OK, FakeClock, error, error_body, ok


def test_modelled_error(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(
        404,
        content=error_body("NoSuchEntity", "The role with name r cannot be found.", "rid-404"),
        headers={"x-amzn-RequestId": "rid-header"},
    )
    with pytest.raises(errors.NoSuchEntityError) as caught:
        client.get_role(role_name="r")
    err = caught.value
    assert isinstance(err, errors.ServiceError)
    assert isinstance(err, iamlast.IamError)
    assert err.code == "NoSuchEntity"
    assert err.message == "The role with name r cannot be found."
    assert err.request_id == "rid-404"  # the body's id wins over the header
    assert err.status_code == 404
    assert err.type == "Sender"
    assert err.operation == "GetRole"
    assert err.attempts == 1
    assert err.raw.startswith(b"<ErrorResponse")
    assert str(err) == (
        "NoSuchEntity (HTTP 404): The role with name r cannot be found. "
        "[operation GetRole; request id rid-404]"
    )


def test_modelled_error_with_extra_details(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(409, content=error_body("EntityAlreadyExists", "Role with name r already exists."))
    with pytest.raises(errors.EntityAlreadyExistsError) as caught:
        client.create_role(role_name="r", assume_role_policy_document="{}")
    assert caught.value.status_code == 409
    assert caught.value.message == "Role with name r already exists."


@pytest.mark.parametrize(
    ("code", "status", "cls"),
    [
        ("AccessDenied", 403, errors.AccessDeniedError),
        ("ExpiredToken", 400, errors.ExpiredTokenError),
        ("SignatureDoesNotMatch", 403, errors.SignatureDoesNotMatchError),
        ("InvalidClientTokenId", 403, errors.InvalidClientTokenIdError),
        ("MissingAuthenticationToken", 403, errors.MissingAuthenticationTokenError),
        ("RequestExpired", 400, errors.RequestExpiredError),
        ("InvalidAction", 400, errors.InvalidActionError),
        ("ValidationError", 400, errors.ServiceValidationError),
    ],
)
def test_common_errors(
    iam: respx.Route, client: iamlast.Client, code: str, status: int, cls: type[errors.ServiceError]
) -> None:
    iam.respond(status, content=error_body(code, f"{code} message", "rid-c"))
    with pytest.raises(cls) as caught:
        client.list_roles()
    err = caught.value
    assert isinstance(err, errors.CommonServiceError)
    assert (err.code, err.message, err.status_code, err.request_id) == (
        code,
        f"{code} message",
        status,
        "rid-c",
    )


def test_throttling_after_retries(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = [error("Throttling", 400, "Rate exceeded", f"rid-{n}") for n in range(3)]
    with pytest.raises(errors.ThrottlingError) as caught:
        client.list_roles()
    err = caught.value
    assert err.throttling and err.retryable
    assert err.request_id == "rid-2"  # the last attempt's
    assert err.attempts == 3
    assert str(err).endswith("[operation ListRoles; request id rid-2; after 3 attempts]")


def test_unknown_code(iam: respx.Route, client: iamlast.Client) -> None:
    body = error_body("BrandNewThing", "something new", "rid-u")
    iam.respond(400, content=body)
    with pytest.raises(errors.UnknownServiceError) as caught:
        client.list_roles()
    err = caught.value
    assert (err.code, err.message, err.status_code, err.request_id) == (
        "BrandNewThing",
        "something new",
        400,
        "rid-u",
    )
    assert err.raw == body


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (503, b"<html><body><h1>503 Service Unavailable</h1></body></html>", "text/html"),
        (500, b"", None),
        (400, b'{"__type": "InvalidInput", "message": "json?"}', "application/json"),
        (502, b"Bad Gateway", "text/plain"),
    ],
    ids=["html-503", "empty-500", "json-400", "text-502"],
)
def test_non_xml_error_bodies(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    status: int,
    body: bytes,
    content_type: str | None,
) -> None:
    headers = {"x-amzn-RequestId": "rid-from-header"}
    if content_type:
        headers["Content-Type"] = content_type
    iam.side_effect = lambda request: httpx.Response(status, content=body, headers=headers)
    with pytest.raises(errors.UnknownServiceError) as caught:
        client.list_roles()
    err = caught.value
    assert err.code == str(status)
    assert err.status_code == status
    assert err.request_id == "rid-from-header"
    assert err.raw == body
    assert err.type == ("Receiver" if status >= 500 else "Sender")
    assert err.attempts == (3 if status >= 500 else 1)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<GetRoleResponse><GetRoleResult><Role>", id="truncated-xml"),
        pytest.param(b"this is not xml", id="text"),
        pytest.param(b"\xff\xfe<\x00", id="binary"),
        pytest.param(
            b"<html><body>Welcome to nginx!</body></html>",
            id="wrong-document",
        ),
    ],
)
def test_garbled_success_body(iam: respx.Route, client: iamlast.Client, body: bytes) -> None:
    iam.respond(200, content=body, headers={"x-amzn-RequestId": "rid-garbled"})
    with pytest.raises(errors.ResponseParseError) as caught:
        client.get_role(role_name="r")
    err = caught.value
    assert err.operation == "GetRole"
    assert err.status_code == 200
    assert err.request_id == "rid-garbled"
    assert err.raw == body
    assert "GetRole" in str(err) and "HTTP 200" in str(err) and "rid-garbled" in str(err)
    assert iam.call_count == 1  # a bad body is not retried


def describe(err: errors.GetRoleError) -> str:
    match err:
        case errors.NoSuchEntityError(message=message):
            return f"missing: {message}"
        case errors.ThrottlingError():
            return "slow down"
        case errors.CommonServiceError(code=code):
            return f"common {code}"
        case errors.UnknownServiceError(code=code, status_code=status):
            return f"unknown {code} {status}"
        case _:
            return "modelled"


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (error("NoSuchEntity", 404, "no role r"), "missing: no role r"),
        (error("AccessDenied", 403), "common AccessDenied"),
        (error("ServiceFailure", 500), "modelled"),
        (httpx.Response(418), "unknown 418 418"),
    ],
)
def test_match_over_operation_error_union(
    iam: respx.Route,
    client: iamlast.Client,
    clock: FakeClock,
    response: httpx.Response,
    expected: str,
) -> None:
    iam.side_effect = lambda request: response
    with pytest.raises(errors.ServiceError) as caught:
        client.get_role(role_name="r")
    assert isinstance(caught.value, errors.GetRoleError)
    assert describe(caught.value) == expected


# --------------------------------------------------------------------------- raw responses


def test_raw_response_success(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(200, content=GET_ROLE_OK, headers={"x-amzn-RequestId": "rid-raw"})
    raw = client.with_raw_response.get_role(role_name="r")
    assert raw.status_code == 200
    assert raw.content == GET_ROLE_OK
    assert raw.request_id == "rid-raw"
    assert raw.attempts == 1
    assert not raw.is_error
    assert {k.lower(): v for k, v in raw.headers.items()}["x-amzn-requestid"] == "rid-raw"
    parsed = raw.parse()
    assert parsed.role.role_name == "r"


def test_raw_response_error_is_returned_not_raised(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = [httpx.Response(503), error("NoSuchEntity", 404, "gone", "rid-final")]
    raw = client.with_raw_response.get_role(role_name="r")
    assert raw.status_code == 404  # the final attempt's response
    assert raw.is_error
    assert raw.attempts == 2
    assert raw.request_id == "rid-final"
    assert b"<Code>NoSuchEntity</Code>" in raw.content
    with pytest.raises(errors.NoSuchEntityError) as caught:
        raw.parse()
    assert caught.value.message == "gone"
    assert caught.value.attempts == 2


def test_raw_response_after_exhausted_retries(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = lambda request: error("Throttling", 400)
    raw = client.with_raw_response.list_roles()
    assert (raw.status_code, raw.attempts) == (400, 3)
    with pytest.raises(errors.ThrottlingError):
        raw.parse()


def test_raw_response_unknown_operation(client: iamlast.Client) -> None:
    with pytest.raises(AttributeError):
        client.with_raw_response.no_such_operation  # noqa: B018
    with pytest.raises(AttributeError, match="list_roles"):
        client.with_raw_response.ListRoles  # noqa: B018


def test_raw_response_for_no_output_operation(iam: respx.Route, client: iamlast.Client) -> None:
    iam.respond(200, content=ok("DeleteRole", request_id="rid-del"))
    raw = client.with_raw_response.delete_role(role_name="r")
    assert raw.status_code == 200
    result = raw.parse()
    assert result.response_metadata is not None
    assert result.response_metadata.request_id == "rid-del"


def test_parse_error_after_a_retry_says_how_many_attempts(
    iam: respx.Route, client: iamlast.Client, clock: FakeClock
) -> None:
    iam.side_effect = [
        httpx.Response(500),
        httpx.Response(200, content=b"<GetRoleResponse", headers={"x-amzn-RequestId": "rid-2"}),
    ]
    with pytest.raises(errors.ResponseParseError) as caught:
        client.get_role(role_name="r")
    assert caught.value.attempts == 2
    assert "after 2 attempts" in str(caught.value)
