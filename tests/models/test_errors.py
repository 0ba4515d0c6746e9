"""``iamlast.errors.decode_error``: every error response becomes a typed error, and nothing else.

Classes are chosen by the wire code (``NoSuchEntity``), service-wide as botocore does; the AWS
common errors have their own classes; any other code, and any body that is not an error
document, is an ``UnknownServiceError`` keeping the code (or the HTTP status) and the raw body.
"""

from __future__ import annotations

import json
import pickle
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iamlast import IamError, errors
from iamlast.operations import OPERATIONS

from .strategies import SERVICE_JSON, load_json, xml_text

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
SPEC = load_json(SERVICE_JSON)
QUICK = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
DEEP = settings(QUICK, max_examples=20_000)


def error_document(
    code: str, message: str = "", *, kind: str = "Sender", request_id: str = "rid-1"
) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}">\n'
        f"  <Error>\n    <Type>{kind}</Type>\n    <Code>{code}</Code>\n"
        f"    <Message>{message}</Message>\n  </Error>\n"
        f"  <RequestId>{request_id}</RequestId>\n</ErrorResponse>\n"
    ).encode()


NO_SUCH_ENTITY = error_document(
    "NoSuchEntity",
    "The role with name AccessAdvisor cannot be found.",
    request_id="a8b3d1e2-5c6f-4a7b-8c9d-0e1f2a3b4c5d",
)


# ------------------------------------------------------------------ modelled codes


def test_modelled_code() -> None:
    err = errors.decode_error("GetRole", 404, NO_SUCH_ENTITY, {"x-amzn-RequestId": "header-rid"})
    assert type(err) is errors.NoSuchEntityError
    assert isinstance(err, errors.ServiceError) and isinstance(err, IamError)
    assert err.code == "NoSuchEntity"
    assert err.message == "The role with name AccessAdvisor cannot be found."
    assert err.type == "Sender"
    assert (
        err.request_id == "a8b3d1e2-5c6f-4a7b-8c9d-0e1f2a3b4c5d"
    )  # the document's, over the header
    assert err.status_code == 404
    assert err.raw == NO_SUCH_ENTITY
    assert err.operation == "GetRole"
    assert err.details is not None and err.details.message == err.message
    assert "NoSuchEntity" in str(err) and "404" in str(err)
    assert not err.retryable


def test_code_modelled_on_another_operation_maps_service_wide() -> None:
    assert (
        errors.EntityAlreadyExistsError
        not in OPERATIONS["GenerateServiceLastAccessedDetails"].error_classes
    )
    err = errors.decode_error(
        "GenerateServiceLastAccessedDetails", 409, error_document("EntityAlreadyExists", "exists")
    )
    assert type(err) is errors.EntityAlreadyExistsError
    assert (err.code, err.message, err.status_code) == ("EntityAlreadyExists", "exists", 409)


@pytest.mark.parametrize("cls", errors.MODELLED_ERRORS, ids=lambda c: c.__name__)
def test_every_modelled_error_is_matched_by_its_wire_code(cls: type[errors.ServiceError]) -> None:
    shape = SPEC["shapes"][cls.shape_name or ""]
    code = (shape.get("error") or {}).get("code") or cls.shape_name
    assert cls.codes == (code,)
    assert errors.BY_CODE[code] is cls
    assert errors.class_for_code(code) is cls
    status = (shape.get("error") or {}).get("httpStatusCode", 400)
    err = errors.decode_error(None, status, error_document(code, "m"))
    assert type(err) is cls and err.code == code and err.message == "m"
    if shape.get("error", {}).get("httpStatusCode"):
        assert cls.http_status == status


def test_the_shape_name_is_not_a_code() -> None:
    err = errors.decode_error("GetRole", 404, error_document("NoSuchEntityException"))
    assert type(err) is errors.UnknownServiceError
    assert err.code == "NoSuchEntityException"


# ------------------------------------------------------------------ common codes

COMMON = [
    ("Throttling", errors.ThrottlingError, 400),
    ("AccessDenied", errors.AccessDeniedError, 403),
    ("ExpiredToken", errors.ExpiredTokenError, 400),
    ("InvalidClientTokenId", errors.InvalidClientTokenIdError, 403),
    ("SignatureDoesNotMatch", errors.SignatureDoesNotMatchError, 403),
    ("RequestExpired", errors.RequestExpiredError, 400),
    ("InternalFailure", errors.InternalFailureError, 500),
    ("ServiceUnavailable", errors.ServiceUnavailableError, 503),
    ("IncompleteSignature", errors.IncompleteSignatureError, 400),
    ("MissingAuthenticationToken", errors.MissingAuthenticationTokenError, 403),
    ("OptInRequired", errors.OptInRequiredError, 403),
    ("ValidationError", errors.ServiceValidationError, 400),
]


@pytest.mark.parametrize(("code", "cls", "status"), COMMON, ids=[c[0] for c in COMMON])
def test_common_codes(code: str, cls: type[errors.ServiceError], status: int) -> None:
    kind = "Receiver" if status >= 500 else "Sender"
    err = errors.decode_error(
        "GetServiceLastAccessedDetails", status, error_document(code, "why", kind=kind)
    )
    assert type(err) is cls
    assert isinstance(err, errors.CommonServiceError)
    assert (err.code, err.message, err.type, err.status_code, err.request_id) == (
        code,
        "why",
        kind,
        status,
        "rid-1",
    )
    assert isinstance(err, errors.GetServiceLastAccessedDetailsError)


def test_retry_facts_of_common_errors() -> None:
    assert errors.ThrottlingError.retryable and errors.ThrottlingError.throttling
    for cls in (errors.InternalFailureError, errors.ServiceUnavailableError):
        assert cls.retryable and cls.fault == "server"
    for cls in (
        errors.AccessDeniedError,
        errors.SignatureDoesNotMatchError,
        errors.ExpiredTokenError,
    ):
        assert not cls.retryable and cls.fault == "client"


def test_unknown_code_keeps_code_message_and_raw() -> None:
    body = error_document("BrandNewThing", "added in 2031 &amp; later", kind="Receiver")
    err = errors.decode_error("ListRoles", 400, body)
    assert type(err) is errors.UnknownServiceError
    assert (err.code, err.message, err.type, err.request_id) == (
        "BrandNewThing",
        "added in 2031 & later",
        "Receiver",
        "rid-1",
    )
    assert err.raw == body
    assert isinstance(err, errors.ListRolesError)


def test_other_error_document_forms() -> None:
    bare = (
        b"<Error><Code>Throttling</Code><Message>slow</Message><RequestId>r-9</RequestId></Error>"
    )
    err = errors.decode_error("ListRoles", 400, bare)
    assert type(err) is errors.ThrottlingError and err.request_id == "r-9"
    nested = b"<Response><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></Response>"
    err = errors.decode_error("ListRoles", 403, nested, {"X-Amzn-RequestId": "hdr"})
    assert type(err) is errors.AccessDeniedError and err.message == "no" and err.request_id == "hdr"
    assert (
        type(errors.decode_error("ListRoles", 404, NO_SUCH_ENTITY.decode()))
        is errors.NoSuchEntityError
    )


# ------------------------------------------------------------------ bodies that are not error documents

NOT_XML = {
    "html 502": (
        502,
        b"<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>",
    ),
    "html unclosed": (502, b"<html><body><p>Bad Gateway<br></body></html>"),
    "empty": (503, b""),
    "blank": (500, b"  \r\n"),
    "truncated": (400, NO_SUCH_ENTITY[: len(NO_SUCH_ENTITY) // 2]),
    "json": (400, b'{"__type": "Throttling", "message": "Rate exceeded"}'),
    "plain": (504, b"upstream request timeout"),
    "success document": (500, b"<ListRolesResponse><ListRolesResult/></ListRolesResponse>"),
    "dtd": (
        400,
        b'<!DOCTYPE x [<!ENTITY a "b">]><ErrorResponse><Error><Code>&a;</Code></Error></ErrorResponse>',
    ),
    "no code": (
        400,
        b"<ErrorResponse><Error><Message>where is the code</Message></Error></ErrorResponse>",
    ),
    "binary": (500, bytes(range(256))),
}


@pytest.mark.parametrize("case", sorted(NOT_XML))
@pytest.mark.parametrize("header", ["x-amzn-RequestId", "X-Amzn-Requestid", "x-amz-request-id"])
def test_bodies_that_are_not_error_documents(case: str, header: str) -> None:
    status, body = NOT_XML[case]
    err = errors.decode_error(
        "GetServiceLastAccessedDetails", status, body, {header: "rid-from-header"}
    )
    assert type(err) is errors.UnknownServiceError
    assert err.code == str(status)
    assert err.status_code == status
    assert err.request_id == "rid-from-header"
    assert err.raw == body
    assert err.type == ("Receiver" if status >= 500 else "Sender")
    assert err.message  # the status phrase, for humans
    assert isinstance(err, errors.GetServiceLastAccessedDetailsError)


def test_no_headers_at_all() -> None:
    err = errors.decode_error("ListRoles", 502, b"<html/>", None)
    assert type(err) is errors.UnknownServiceError and err.request_id is None
    assert errors.decode_error("ListRoles", 502, b"").request_id is None


# ------------------------------------------------------------------ never raises


ALLOWED = (errors.ServiceError,)


def _decode_any(
    operation: str | None, status: int, body: bytes | str, headers: Any
) -> errors.ServiceError:
    err = errors.decode_error(operation, status, body, headers)
    assert isinstance(err, ALLOWED)
    assert isinstance(err.code, str) and err.code
    assert isinstance(err.message, str)
    assert err.raw == (body.encode() if isinstance(body, str) else body)
    json.dumps(err.to_json())
    str(err), repr(err)
    return err


REAL_DOCUMENTS = [
    NO_SUCH_ENTITY,
    error_document("Throttling", "Rate exceeded"),
    error_document("EntityAlreadyExists", "exists &amp; more"),
    b"<Response><Errors><Error><Code>AccessDenied</Code></Error></Errors></Response>",
]

operations = st.sampled_from(
    [None, "GetRole", "GenerateServiceLastAccessedDetails", "NoSuchOperation"]
)
statuses = st.integers(min_value=0, max_value=999)
headers = st.none() | st.dictionaries(
    st.sampled_from(["x-amzn-RequestId", "Content-Type", "X-Amz-Request-Id"]), xml_text
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL_DOCUMENTS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "drop", "insert", "cut"]))
        if action == "flip":
            data[at] = draw(st.integers(0, 255))
        elif action == "drop":
            del data[at]
        elif action == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [b"<", b">", b"&", b"\x00", b"\xff", b"</Error>", b"<Code>", b"]]>"]
                )
            )
        else:
            del data[at:]
    return bytes(data)


bodies = st.one_of(
    st.binary(max_size=300), mutated(), st.text(max_size=100).map(str.encode), xml_text
)


@QUICK
@given(operation=operations, status=statuses, body=bodies, hdrs=headers)
def test_never_raises_on_any_body(
    operation: str | None, status: int, body: bytes | str, hdrs: Any
) -> None:
    _decode_any(operation, status, body, hdrs)


@pytest.mark.fuzz
@DEEP
@given(operation=operations, status=statuses, body=bodies, hdrs=headers)
def test_never_raises_on_any_body_deep(
    operation: str | None, status: int, body: bytes | str, hdrs: Any
) -> None:
    _decode_any(operation, status, body, hdrs)


def test_never_raises_on_a_str_body_with_a_lone_surrogate() -> None:
    err = errors.decode_error("GetRole", 500, "<html>\ud800</html>", {})
    assert type(err) is errors.UnknownServiceError and err.code == "500"


# ------------------------------------------------------------------ unions, JSON, pickle, aliases


def test_operation_union() -> None:
    union = errors.GenerateServiceLastAccessedDetailsError
    members = set(get_args(union))
    assert {
        errors.NoSuchEntityError,
        errors.InvalidInputError,
        errors.UnknownServiceError,
    } <= members
    for body, status in (
        (error_document("NoSuchEntity"), 404),
        (error_document("InvalidInput"), 400),
    ):
        err = errors.decode_error("GenerateServiceLastAccessedDetails", status, body)
        assert isinstance(err, union)
    assert isinstance(
        errors.decode_error("GenerateServiceLastAccessedDetails", 502, b"<html/>"), union
    )
    assert isinstance(
        errors.decode_error(
            "GenerateServiceLastAccessedDetails", 400, error_document("Throttling")
        ),
        union,
    )
    assert not isinstance(ValueError(), union)
    match errors.decode_error(
        "GenerateServiceLastAccessedDetails", 404, error_document("NoSuchEntity")
    ):
        case errors.NoSuchEntityError(code=code):
            assert code == "NoSuchEntity"
        case _:
            pytest.fail("match on the class did not work")


def test_every_operation_has_a_union_of_its_errors() -> None:
    for name, spec in OPERATIONS.items():
        union = getattr(errors, f"{name}Error")
        members = set(get_args(union)) or {union}
        assert set(spec.error_classes) <= members, name
        assert errors.UnknownServiceError in members and errors.CommonServiceError in members, name


def test_union_covers_everything_decode_error_returns_for_the_operation() -> None:
    err = errors.decode_error(
        "GenerateServiceLastAccessedDetails", 409, error_document("EntityAlreadyExists")
    )
    assert isinstance(err, errors.GenerateServiceLastAccessedDetailsError)


@pytest.mark.parametrize(
    "body",
    [
        NO_SUCH_ENTITY,
        error_document("Throttling", "slow"),
        error_document("Mystery", "?"),
        b"<html>502</html>",
    ],
)
def test_json_and_pickle_rebuild_the_same_error(body: bytes) -> None:
    err = errors.decode_error("GetRole", 404, body, {"x-amzn-RequestId": "hdr"})
    data = err.to_json()
    json.dumps(data)
    for back in (
        errors.ServiceError.of_json(data),
        errors.ServiceError.of_json(json.loads(json.dumps(data))),
        errors.error_of_json(data),
        pickle.loads(pickle.dumps(err)),
    ):
        assert type(back) is type(err)
        assert (
            back.code,
            back.message,
            back.type,
            back.request_id,
            back.status_code,
            back.raw,
            back.operation,
        ) == (
            err.code,
            err.message,
            err.type,
            err.request_id,
            err.status_code,
            err.raw,
            err.operation,
        )
        assert back.details == err.details


def test_of_json_accepts_a_boto3_client_error_response() -> None:
    response = {
        "Error": {"Code": "NoSuchEntity", "Message": "gone", "Type": "Sender"},
        "ResponseMetadata": {
            "RequestId": "b-1",
            "HTTPStatusCode": 404,
            "HTTPHeaders": {},
            "RetryAttempts": 0,
        },
    }
    err = errors.ServiceError.of_json(response)
    assert type(err) is errors.NoSuchEntityError
    assert (err.code, err.message, err.request_id, err.status_code) == (
        "NoSuchEntity",
        "gone",
        "b-1",
        404,
    )
    unknown = errors.ServiceError.of_json({"Error": {"Code": "Nope"}})
    assert type(unknown) is errors.UnknownServiceError and unknown.code == "Nope"


def test_raw_bytes_that_are_not_utf8_survive_json() -> None:
    body = b"\xff\xfe<not utf-8>"
    err = errors.decode_error("GetRole", 500, body)
    back = errors.ServiceError.of_json(json.loads(json.dumps(err.to_json())))
    assert back.raw == body and back.code == "500"


def test_aliases_by_wire_code() -> None:
    assert errors.ReportInProgressError is errors.CredentialReportNotReadyError
    assert errors.ReportExpiredError is errors.CredentialReportExpiredError
    assert errors.ReportNotPresentError is errors.CredentialReportNotPresentError
    err = errors.decode_error("GetCredentialReport", 404, error_document("ReportInProgress"))
    assert isinstance(err, errors.ReportInProgressError)
    for name in errors.__all__:
        assert getattr(errors, name) is not None
