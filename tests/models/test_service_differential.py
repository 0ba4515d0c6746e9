"""Differential tests for STS (awsQuery) and Organizations (awsJson 1.1), after
``test_botocore_differential.py`` for IAM: botocore's own parsers and iamlast read the same
response bytes to the same values.

For every operation with an output, responses are generated from the committed models, written
with the emulator's writers (``to_xml`` / ``to_awsjson``), and parsed by botocore's
QueryParser / JSONParser and by the client's own path (``core.parse_response``). Then error
bodies in the spellings awsJson services use (``__type`` with and without a namespace prefix,
``message`` / ``Message``, the ``x-amzn-ErrorType`` header): the same code, message and request
id. And requests: for every operation with an input, botocore's serializer and the client's
request builder write the same body for the same values. No network: botocore's models come from
the installed package.

Normalisation: botocore returns timestamps in ``tzutc()`` (ours must be UTC; compared as
instants) and drops members its model lacks (ours keep them in ``model_extra``, not compared here).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import cache
from typing import Any

import botocore.session
import pytest
from botocore.model import ServiceModel
from botocore.model import Shape as BotocoreShape
from botocore.parsers import JSONParser, QueryParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from iamlast._runtime import core
from iamlast._runtime.errors import ServiceError
from iamlast._runtime.prepare import request_id_header
from iamlast.testing import to_xml
from iamlast.testing.wire import to_awsjson

from .strategies import ROOT, ModelStrategies, load_json

QUICK = settings(
    max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

PACKAGES = {"sts": "_generated_sts", "organizations": "_generated_organizations"}
SPECS = {"sts": "sts-2011-06-15", "organizations": "organizations-2016-11-28"}
PROTOCOL = {"sts": "query", "organizations": "json"}


@cache
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


@cache
def package(service: str) -> Any:
    import importlib

    return importlib.import_module(f"iamlast.{PACKAGES[service]}")


@cache
def strategies(service: str) -> ModelStrategies:
    import importlib

    name = PACKAGES[service]
    return ModelStrategies(
        load_json(ROOT / "specs" / SPECS[service] / "service-2.json"),
        importlib.import_module(f"iamlast.{name}.shapes"),
        importlib.import_module(f"iamlast.{name}.enums"),
        load_json(ROOT / "specs" / "overrides.json").get(service) or {},
    )


def operations(service: str) -> Any:
    import importlib

    return importlib.import_module(f"iamlast.{PACKAGES[service]}.operations").OPERATIONS


def with_output(service: str) -> list[str]:
    return sorted(name for name, spec in operations(service).items() if spec.output)


CASES = [
    pytest.param(service, name, id=f"{service}.{name}")
    for service in ("sts", "organizations")
    for name in with_output(service)
]


# ------------------------------------------------------------------ normalisation


def from_botocore(shape: BotocoreShape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {k: from_botocore(shape.members[k], v) for k, v in value.items()}  # type: ignore[attr-defined]
    if kind == "list":
        return [from_botocore(shape.member, v) for v in value]  # type: ignore[attr-defined]
    if kind == "map":
        return {
            from_botocore(shape.key, k): from_botocore(shape.value, v)  # type: ignore[attr-defined]
            for k, v in value.items()
        }
    if kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None
        return value.astimezone(UTC)
    return value


def from_ours(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return {
            field.alias or name: from_ours(getattr(value, name))
            for name, field in type(value).model_fields.items()
            if name != "response_metadata" and getattr(value, name) is not None
        }
    if isinstance(value, list):
        return [from_ours(v) for v in value]
    if isinstance(value, dict):
        return {from_ours(k): from_ours(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        assert value.utcoffset() == timedelta(0), value
    return value


def write(service: str, op_name: str, value: Any) -> bytes:
    if PROTOCOL[service] == "json":
        return to_awsjson(value).encode()
    return to_xml(value, operation=op_name).encode()


def botocore_parse(
    service: str, op_name: str, status: int, headers: dict[str, str], body: bytes
) -> Any:
    op = service_model(service).operation_model(op_name)
    parser = JSONParser() if PROTOCOL[service] == "json" else QueryParser()
    # botocore hands its parsers case-insensitive headers; a plain dict must be lower-case.
    lowered = {k.lower(): v for k, v in headers.items()}
    response = {"body": body, "headers": lowered, "status_code": status}
    return parser.parse(response, op.output_shape)


def ours_parse(
    service: str, op_name: str, status: int, headers: dict[str, str], body: bytes
) -> Any:
    spec = operations(service)[op_name]
    errors = __import__(f"iamlast.{PACKAGES[service]}.errors", fromlist=["decode_error"])
    return core.parse_response(
        spec, status, headers, body, errors.decode_error, protocol=PROTOCOL[service]
    )


# ------------------------------------------------------------------ generated responses


def test_every_operation_with_an_output_is_compared() -> None:
    for service in ("sts", "organizations"):
        model = service_model(service)
        theirs = {n for n in model.operation_names if model.operation_model(n).output_shape}
        assert set(with_output(service)) == theirs, service
    assert len(CASES) == 59  # 12 STS + 47 Organizations (botocore 1.44.8)


@pytest.mark.parametrize(("service", "op_name"), CASES)
@QUICK
@given(data=st.data())
def test_generated_response_reads_alike(service: str, op_name: str, data: st.DataObject) -> None:
    spec = operations(service)[op_name]
    value = data.draw(strategies(service).of(spec.output), label=spec.output)
    body = write(service, op_name, value)
    # awsJson carries the request id in a header only; awsQuery in the body (botocore reads
    # no header for it there, so none is sent).
    headers = {"x-amzn-RequestId": "req-differential"} if PROTOCOL[service] == "json" else {}
    theirs = botocore_parse(service, op_name, 200, headers, body)
    meta = theirs.pop("ResponseMetadata", {})
    ours = ours_parse(service, op_name, 200, headers, body)
    assert not isinstance(ours, ServiceError), ours
    op = service_model(service).operation_model(op_name)
    assert from_ours(ours) == from_botocore(op.output_shape, theirs)
    # The client takes the request id from the body, or else the header (core.Call does this).
    in_body = ours.response_metadata.request_id if ours.response_metadata else None
    assert (in_body or request_id_header(headers)) == meta.get("RequestId")


# ------------------------------------------------------------------ hand-written responses


def test_list_accounts_page_reads_alike() -> None:
    body = json.dumps(
        {
            "Accounts": [
                {
                    "Id": "111122223333",
                    "Arn": "arn:aws:organizations::111122223333:account/o-a1b2c3d4e5/111122223333",
                    "Email": "ops@example.com",
                    "Name": "ops",
                    "Status": "SUSPENDED",
                    "State": "SUSPENDED",
                    "JoinedMethod": "INVITED",
                    "JoinedTimestamp": 1.712345678123e9,
                }
            ],
            "NextToken": "AAAA==",
        }
    ).encode()
    headers = {"x-amzn-RequestId": "req-1"}
    theirs = botocore_parse("organizations", "ListAccounts", 200, headers, body)
    ours = ours_parse("organizations", "ListAccounts", 200, headers, body)
    assert theirs["ResponseMetadata"]["RequestId"] == request_id_header(headers) == "req-1"
    assert ours.response_metadata is None  # JSON bodies carry none; the client adds the header's
    account = ours.accounts[0]
    assert account.joined_timestamp == theirs["Accounts"][0]["JoinedTimestamp"]
    assert account.status == "SUSPENDED" and ours.next_token == "AAAA=="


def test_assume_role_reads_alike() -> None:
    body = (
        b'<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
        b"<SourceIdentity>me</SourceIdentity><AssumedRoleUser>"
        b"<AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId>"
        b"<Arn>arn:aws:sts::123456789012:assumed-role/demo/s3-access-example</Arn></AssumedRoleUser>"
        b"<Credentials><AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>"
        b"<SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey>"
        b"<SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE</SessionToken>"
        b"<Expiration>2026-12-02T00:22:45.123Z</Expiration></Credentials>"
        b"<PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>"
        b"<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>"
        b"</AssumeRoleResponse>"
    )
    theirs = botocore_parse("sts", "AssumeRole", 200, {}, body)
    ours = ours_parse("sts", "AssumeRole", 200, {}, body)
    assert ours.credentials.expiration == theirs["Credentials"]["Expiration"]
    assert ours.credentials.expiration.tzinfo is not None
    assert from_ours(ours) == from_botocore(
        service_model("sts").operation_model("AssumeRole").output_shape,
        {k: v for k, v in theirs.items() if k != "ResponseMetadata"},
    )
    assert ours.response_metadata.request_id == "c6104cbe-af31-11e0-8154-cbc7ccf896c7"


# ------------------------------------------------------------------ errors


JSON_ERRORS = [
    ({"__type": "AccountNotFoundException", "Message": "no account"}, {}),
    (
        {
            "__type": "com.amazonaws.organizations.v20161128#AccountNotFoundException",
            "message": "m",
        },
        {},
    ),
    ({"__type": "TooManyRequestsException", "Message": "slow", "Type": "x"}, {}),
    (
        {"__type": "ConstraintViolationException", "message": "both"},
        {"x-amzn-ErrorType": "ConstraintViolationException:http://internal.amazon.com/"},
    ),
    ({"__type": "SomethingAwsAddedLaterException", "Message": "new"}, {}),
]


@pytest.mark.parametrize(("body", "extra_headers"), JSON_ERRORS)
def test_json_errors_decode_alike(body: dict[str, Any], extra_headers: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    headers = {"x-amzn-RequestId": "req-err", **extra_headers}
    theirs = botocore_parse("organizations", "DescribeAccount", 400, headers, raw)
    ours = ours_parse("organizations", "DescribeAccount", 400, headers, raw)
    assert isinstance(ours, ServiceError)
    assert ours.code == theirs["Error"]["Code"]
    assert ours.message == theirs["Error"]["Message"]
    assert ours.request_id == theirs["ResponseMetadata"]["RequestId"] == "req-err"
    assert ours.status_code == 400 and ours.raw == raw


def test_sts_query_error_decodes_alike() -> None:
    raw = (
        b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        b"<Type>Sender</Type><Code>RegionDisabledException</Code><Message>STS is not activated in "
        b"this region</Message></Error><RequestId>req-sts-err</RequestId></ErrorResponse>"
    )
    theirs = botocore_parse("sts", "AssumeRole", 403, {}, raw)
    ours = ours_parse("sts", "AssumeRole", 403, {}, raw)
    assert isinstance(ours, ServiceError) and type(ours).__name__ == "RegionDisabledError"
    assert (ours.code, ours.message) == (theirs["Error"]["Code"], theirs["Error"]["Message"])
    assert ours.request_id == theirs["ResponseMetadata"]["RequestId"] == "req-sts-err"


def test_error_type_from_the_header_when_the_body_has_none() -> None:
    """Not compared with botocore: its JSON parser falls back to the HTTP status as the code,
    while the awsJson 1.1 protocol (and its compliance cases) take ``x-amzn-ErrorType``."""
    raw = json.dumps({"message": "by header"}).encode()
    headers = {"x-amzn-ErrorType": "ConstraintViolationException:http://internal.amazon.com/"}
    ours = ours_parse("organizations", "DescribeAccount", 400, headers, raw)
    assert type(ours).__name__ == "ConstraintViolationError"
    assert (ours.code, ours.message) == ("ConstraintViolationException", "by header")


# ------------------------------------------------------------------ requests


def request_cases() -> list[Any]:
    return [
        pytest.param(service, name, id=f"{service}.{name}")
        for service in ("sts", "organizations")
        for name, spec in sorted(operations(service).items())
        if spec.input
    ]


@pytest.mark.parametrize(("service", "op_name"), request_cases())
@QUICK
@given(data=st.data())
def test_generated_request_serializes_alike(
    service: str, op_name: str, data: st.DataObject
) -> None:
    """Our request body and botocore's serializer's, for the same values, parse equal."""
    from urllib.parse import parse_qs

    from botocore.serialize import create_serializer

    spec = operations(service)[op_name]
    value = data.draw(strategies(service).of(spec.input), label=spec.input)
    ours = core.build_request(
        spec,
        value,
        endpoint_url="https://example.com",
        api_version=package(service).API_VERSION,
        protocol=PROTOCOL[service],
        target_prefix=package(service).TARGET_PREFIX,
        json_version=package(service).JSON_VERSION or "1.1",
        disable_compression=True,
    )
    op = service_model(service).operation_model(op_name)
    protocol = "json" if PROTOCOL[service] == "json" else "query"
    serializer = create_serializer(protocol, include_validation=False)  # values are arbitrary
    theirs = serializer.serialize_to_request(value.to_json(), op)
    body = theirs["body"]
    if PROTOCOL[service] == "json":
        assert ours.headers["X-Amz-Target"] == theirs["headers"]["X-Amz-Target"]
        assert json.loads(ours.body) == json.loads(body or b"{}")
    else:  # botocore's query serializer leaves the form as a dict of strings
        form = parse_qs(ours.body.decode(), keep_blank_values=True)
        assert form == {k: [str(v)] for k, v in body.items()}
