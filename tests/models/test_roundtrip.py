"""Round trips with generated data: ``of_xml(to_xml(x)) == x`` and ``of_json(to_json(x)) == x``.

Every output shape of every IAM operation, every modelled error, and (for the scalar types IAM's
outputs never use: floats, doubles, longs, other timestamp formats) a small generated model.
Instances come from :mod:`tests.models.strategies`, which walks the service model JSON.
"""

from __future__ import annotations

import importlib
import json
import math
import pickle
import sys
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from iamlast import errors, models
from iamlast.operations import OPERATIONS
from iamlast.testing import to_xml

from .strategies import (
    SERVICE_JSON,
    ModelStrategies,
    iam_strategies,
    load_json,
    request_ids,
    xml_text,
)

SPEC = load_json(SERVICE_JSON)
S = iam_strategies()

#: Modest per-shape budgets keep ~100 shapes within a few seconds; ``-m fuzz`` digs deeper.
QUICK = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
DEEP = settings(QUICK, max_examples=400)

WITH_OUTPUT = sorted(name for name, spec in OPERATIONS.items() if spec.output)
OUTPUT_SHAPES = sorted({spec.output for spec in OPERATIONS.values() if spec.output})


def _walk(name: str, seen: set[str]) -> set[str]:
    if name not in seen:
        seen.add(name)
        raw = SPEC["shapes"][name]
        for member in raw.get("members", {}).values():
            _walk(member["shape"], seen)
        for key in ("member", "key", "value"):
            if key in raw:
                _walk(raw[key]["shape"], seen)
    return seen


REACHABLE: set[str] = set()
for _name in OUTPUT_SHAPES:
    _walk(_name, REACHABLE)
NESTED_STRUCTURES = sorted(
    n for n in REACHABLE if SPEC["shapes"][n]["type"] == "structure" and n not in OUTPUT_SHAPES
)


def assert_utc(value: Any, where: str = "") -> None:
    """Every timestamp inside a model is timezone-aware UTC."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            assert_utc(getattr(value, name), f"{where}.{name}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_utc(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert_utc(item, f"{where}[{key!r}]")
    elif isinstance(value, datetime):
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0), where


def roundtrip(cls: Any, x: Any, operation: str | None = None) -> None:
    documents = [to_xml(x)]
    if operation is not None:
        # the operation's own document (two operations share some output shapes)
        documents.append(to_xml(x, operation=operation))
        assert documents[-1].startswith(f"<{operation}Response")
        assert f"<{operation}Result>" in documents[-1]
    for document in documents:
        again = cls.of_xml(document)
        assert again == x
        assert_utc(again)
        assert cls.of_xml(document.encode("utf-8")) == x
    data = x.to_json()
    json.dumps(data)  # JSON-safe: no datetimes, bytes or enums left
    # Shapes requests also use validate in of_json; read them leniently, as responses are read.
    of_json = cls.of_json if not cls._VALIDATE else lambda d: cls._of_json(d, False)
    assert of_json(data) == x
    assert of_json(json.loads(json.dumps(data))) == x


# ------------------------------------------------------------------ coverage of the model


def test_every_operation_output_is_covered() -> None:
    from_spec = {op["output"]["shape"] for op in SPEC["operations"].values() if op.get("output")}
    assert set(OUTPUT_SHAPES) == from_spec
    assert len(OPERATIONS) == len(SPEC["operations"]) == 181
    assert len(WITH_OUTPUT) == 101
    assert len(OUTPUT_SHAPES) == 99
    for spec in OPERATIONS.values():
        if spec.output:
            assert spec.output_model is getattr(models, spec.output)


def test_strategies_reach_every_kind_of_member() -> None:
    kinds = {SPEC["shapes"][n]["type"] for n in REACHABLE}
    assert {
        "structure",
        "list",
        "map",
        "string",
        "integer",
        "boolean",
        "timestamp",
        "blob",
    } <= kinds
    assert any("enum" in SPEC["shapes"][n] for n in REACHABLE)
    assert "policyDocumentType" in REACHABLE
    # Every structure's members map onto its model's fields, and nothing else is there.
    for name in sorted(n for n in REACHABLE if SPEC["shapes"][n]["type"] == "structure"):
        fields = set(S.model_class(name).model_fields) - {"response_metadata"}
        assert set(S.attributes(name).values()) == fields, name


# ------------------------------------------------------------------ IAM output shapes


@pytest.mark.parametrize("operation", WITH_OUTPUT)
@QUICK
@given(data=st.data())
def test_output_shape_roundtrip(operation: str, data: st.DataObject) -> None:
    spec = OPERATIONS[operation]
    cls = spec.output_model
    roundtrip(cls, data.draw(S.of(spec.output or ""), label=spec.output), operation)


@pytest.mark.parametrize("shape", NESTED_STRUCTURES)
@settings(QUICK, max_examples=5)
@given(data=st.data())
def test_nested_shape_roundtrip(shape: str, data: st.DataObject) -> None:
    """A nested shape on its own: ``<ShapeName>…</ShapeName>`` reads back the same."""
    cls = getattr(models, shape)
    x = data.draw(S.of(shape), label=shape)
    assert to_xml(x).startswith(f"<{cls.__name__}>")
    roundtrip(cls, x)


@pytest.mark.fuzz
@pytest.mark.parametrize("operation", WITH_OUTPUT)
@DEEP
@given(data=st.data())
def test_output_shape_roundtrip_deep(operation: str, data: st.DataObject) -> None:
    spec = OPERATIONS[operation]
    cls = spec.output_model
    roundtrip(cls, data.draw(S.of(spec.output or ""), label=spec.output), operation)


@QUICK
@given(x=S.of("ListRolesResponse"), rid=request_ids)
def test_request_id_given_to_to_xml_is_read_back(x: Any, rid: str) -> None:
    back = models.ListRolesResponse.of_xml(to_xml(x, request_id=rid))
    assert back.response_metadata is not None
    assert back.response_metadata.request_id == rid
    assert back.roles == x.roles


# ------------------------------------------------------------------ the values that go wrong


def _role(**values: Any) -> Any:
    base = {
        "path": "/",
        "role_name": "r",
        "role_id": "AROAEXAMPLE",
        "arn": "arn:aws:iam::123456789012:role/r",
        "create_date": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    }
    return models.Role._complete({**base, **values})


def _get_role(role: Any) -> Any:
    return models.GetRoleResponse._complete({"role": role})


@pytest.mark.parametrize(
    "text",
    [
        "& < > \" ' \r \n \t",
        "\r\n",
        "\r",
        "  leading and trailing  ",
        "]]> <![CDATA[ x ]]>",
        "&amp; &#13; &lt;",
        "Ünïcode 中文 😀 \u0085 \u2028 \U0010fffd",
        "",
        " ",
        "\n",
        " \t\n ",
    ],
)
def test_xml_special_and_non_ascii_text(text: str) -> None:
    x = _get_role(_role(description=text, role_name=text))
    assert models.GetRoleResponse.of_xml(to_xml(x)).role.description == text
    roundtrip(models.GetRoleResponse, x)


def test_whitespace_only_list_items_and_map_keys_are_kept() -> None:
    tags = [
        models.Tag._complete({"key": " ", "value": "\n"}),
        models.Tag._complete({"key": "\t", "value": ""}),
    ]
    x = _get_role(_role(tags=tags))
    back = models.GetRoleResponse.of_xml(to_xml(x))
    assert [(t.key, t.value) for t in back.role.tags] == [(" ", "\n"), ("\t", "")]
    names = models.ListAccountAliasesResponse._complete(
        {"account_aliases": [" ", "", "\n"], "is_truncated": False}
    )
    assert models.ListAccountAliasesResponse.of_xml(to_xml(names)).account_aliases == [
        " ",
        "",
        "\n",
    ]
    props = models.GetAccountPropertiesResponse._complete(
        {"properties": {" ": "v", "k": " ", "": ""}}
    )
    assert models.GetAccountPropertiesResponse.of_xml(to_xml(props)) == props


def test_unknown_enum_value_is_kept_open() -> None:
    x = models.GetServiceLastAccessedDetailsWithEntitiesResponse._complete(
        {
            "job_status": models.JobStatusType("PAUSED"),
            "job_creation_date": datetime(2024, 1, 1, tzinfo=UTC),
        }
    )
    back = models.GetServiceLastAccessedDetailsWithEntitiesResponse.of_xml(to_xml(x))
    assert back.job_status == "PAUSED"
    assert isinstance(back.job_status, models.JobStatusType)
    assert not back.job_status.known
    assert models.JobStatusType("COMPLETED").known
    roundtrip(models.GetServiceLastAccessedDetailsWithEntitiesResponse, x)


@pytest.mark.parametrize(
    "policy",
    [
        '{"Version": "2012-10-17", "Statement": []}',
        "100% literal %20 not a space, + plus",
        "%",
        "%zz",
        "a b\tc\nd",
        '{"Sid": "é 中文 & <tag>"}',
    ],
)
def test_policy_documents_are_url_encoded_on_the_wire(policy: str) -> None:
    x = _get_role(_role(assume_role_policy_document=policy))
    document = to_xml(x)
    encoded = document.split("AssumeRolePolicyDocument>")[1].removesuffix("</")
    assert " " not in encoded and "{" not in encoded
    assert models.GetRoleResponse.of_xml(document).role.assume_role_policy_document == policy
    # JSON carries the decoded text as boto3 does
    assert x.to_json()["Role"]["AssumeRolePolicyDocument"] == policy
    roundtrip(models.GetRoleResponse, x)


def test_timestamps_keep_microseconds_and_come_back_utc() -> None:
    micro = datetime(2018, 10, 24, 19, 47, 35, 241123, tzinfo=UTC)
    milli = datetime(2018, 10, 24, 19, 47, 35, 241000, tzinfo=UTC)
    for value, text in (
        (micro, "2018-10-24T19:47:35.241123Z"),
        (milli, "2018-10-24T19:47:35.241Z"),
    ):
        x = _get_role(_role(create_date=value))
        assert f"<CreateDate>{text}</CreateDate>" in to_xml(x)
        assert x.to_json()["Role"]["CreateDate"] == text
        roundtrip(models.GetRoleResponse, x)


def test_aware_non_utc_timestamp_comes_back_as_the_same_instant_in_utc() -> None:
    local = datetime(2024, 5, 1, 12, 0, 0, 500, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    x = _get_role(_role(create_date=local))
    for back in (
        models.GetRoleResponse.of_xml(to_xml(x)).role.create_date,
        models.GetRoleResponse.of_json(x.to_json()).role.create_date,
    ):
        assert back == local
        assert back.utcoffset() == timedelta(0)
        assert back.hour == 6 and back.minute == 30


def test_timestamps_before_year_1000_roundtrip() -> None:
    x = _get_role(_role(create_date=datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)))
    assert "<CreateDate>0999-12-31T23:59:59Z</CreateDate>" in to_xml(x)
    roundtrip(models.GetRoleResponse, x)


def test_empty_lists_and_absent_members() -> None:
    x = models.ListRolesResponse._complete({"roles": [], "is_truncated": False})
    document = to_xml(x)
    assert "<Roles/>" in document and "<Marker>" not in document
    back = models.ListRolesResponse.of_xml(document)
    assert back.roles == [] and back.marker is None
    roundtrip(models.ListRolesResponse, x)
    # a required list absent from the document reads as empty, as botocore's callers expect
    bare = models.ListRolesResponse.of_xml(
        '<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
        "<ListRolesResult><IsTruncated>false</IsTruncated></ListRolesResult></ListRolesResponse>"
    )
    assert bare.roles == [] and bare.response_metadata is None


def test_blobs_roundtrip_every_byte() -> None:
    seed = bytes(range(256))
    device = models.VirtualMFADevice._complete(
        {"serial_number": "arn:aws:iam::1:mfa/d", "base32_string_seed": seed, "qr_code_png": b""}
    )
    x = models.CreateVirtualMFADeviceResponse._complete({"virtual_mfa_device": device})
    back = models.CreateVirtualMFADeviceResponse.of_xml(to_xml(x))
    assert back.virtual_mfa_device.base32_string_seed == seed
    assert back.virtual_mfa_device.qr_code_png == b""
    roundtrip(models.CreateVirtualMFADeviceResponse, x)
    assert "**" in repr(back.virtual_mfa_device)  # sensitive blobs are masked in repr
    assert repr(seed) not in repr(back.virtual_mfa_device)


def test_maps_with_enum_keys_including_unknown_ones() -> None:
    summary = {
        models.SummaryKeyType("Users"): 3,
        models.SummaryKeyType("FutureQuota"): 2**40,
    }
    x = models.GetAccountSummaryResponse._complete({"summary_map": summary})
    back = models.GetAccountSummaryResponse.of_xml(to_xml(x))
    assert back.summary_map == {"Users": 3, "FutureQuota": 2**40}
    assert [k.known for k in back.summary_map] == [True, False]
    roundtrip(models.GetAccountSummaryResponse, x)


# ------------------------------------------------------------------ modelled errors

MODELLED = sorted(errors.MODELLED_ERRORS, key=lambda c: c.__name__)
ERROR_SHAPES = sorted(n for n, s in SPEC["shapes"].items() if s.get("exception"))


def test_every_exception_shape_has_an_error_class() -> None:
    assert sorted(c.shape_name for c in MODELLED) == ERROR_SHAPES
    assert len(ERROR_SHAPES) == 38


@pytest.mark.parametrize("cls", MODELLED, ids=lambda c: c.__name__)
@settings(QUICK, max_examples=10)
@given(data=st.data())
def test_error_roundtrip(cls: type[errors.ServiceError], data: st.DataObject) -> None:
    shape = cls.details_shape()
    assert shape is not None and issubclass(shape, models.ErrorShape)
    # IAM always sends <Message>; a document without one is covered apart (see below).
    details = data.draw(
        S.of(cls.shape_name or "").filter(lambda d: getattr(d, "message", "") is not None),
        label="details",
    )
    rid = data.draw(st.none() | request_ids, label="request_id")

    # the modelled shape's own document
    document = to_xml(details, request_id=rid)
    assert shape.of_xml(document) == details
    assert shape.of_xml(document.encode("utf-8")) == details
    assert shape.of_json(details.to_json()) == details

    # what a client gets for that document
    status = cls.http_status or 400
    err = errors.decode_error(None, status, document.encode("utf-8"))
    assert type(err) is cls
    assert err.code == cls.codes[0]
    assert err.request_id == rid
    assert err.status_code == status
    assert err.details == details
    assert err.message == getattr(details, "message", "")

    # ServiceError.to_json / of_json, and the document to_xml(err) writes
    data_json = err.to_json()
    json.dumps(data_json)
    for back in (
        errors.ServiceError.of_json(data_json),
        errors.ServiceError.of_json(json.loads(json.dumps(data_json))),
        cls.of_json(data_json),
        pickle.loads(pickle.dumps(err)),
    ):
        assert type(back) is cls
        assert (
            back.code,
            back.message,
            back.type,
            back.request_id,
            back.status_code,
            back.raw,
        ) == (
            err.code,
            err.message,
            err.type,
            err.request_id,
            err.status_code,
            err.raw,
        )
        assert back.details == err.details
    again = errors.decode_error(None, status, to_xml(err))
    assert type(again) is cls
    assert (again.code, again.message, again.request_id) == (err.code, err.message, err.request_id)


def test_error_without_message_keeps_its_details_through_json() -> None:
    document = (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        "<Type>Sender</Type><Code>NoSuchEntity</Code></Error><RequestId>r-1</RequestId></ErrorResponse>"
    )
    err = errors.decode_error("GetRole", 404, document)
    assert type(err) is errors.NoSuchEntityError and err.message == ""
    assert err.details is not None and err.details.message is None
    assert errors.ServiceError.of_json(err.to_json()).details == err.details


@pytest.mark.parametrize(
    "cls", [*errors.COMMON_ERRORS, errors.UnknownServiceError], ids=lambda c: c.__name__
)
@settings(QUICK, max_examples=5)
@given(message=xml_text, rid=st.none() | request_ids, raw=st.binary(max_size=20))
def test_common_error_roundtrip(
    cls: type[errors.ServiceError], message: str, rid: str | None, raw: bytes
) -> None:
    code = cls.codes[-1] if cls.codes else "SomethingNew"
    err = cls(message, code=code, request_id=rid, status_code=418, raw=raw, operation="ListRoles")
    data = err.to_json()
    json.dumps(data)
    for back in (errors.ServiceError.of_json(data), pickle.loads(pickle.dumps(err))):
        assert type(back) is cls
        assert (back.code, back.message, back.request_id, back.status_code, back.raw) == (
            code,
            message,
            rid,
            418,
            raw,
        )
        assert back.operation == "ListRoles"
    decoded = errors.decode_error("ListRoles", 418, to_xml(err))
    assert type(decoded) is cls
    assert (decoded.code, decoded.message, decoded.request_id) == (code, message, rid)


# ------------------------------------------------------------------ types IAM's outputs lack

ALL_TYPES_MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2024-01-01",
        "endpointPrefix": "alltypes",
        "protocol": "query",
        "serviceId": "AllTypes",
        "signatureVersion": "v4",
        "xmlNamespace": "https://alltypes.example.com/doc/2024-01-01/",
    },
    "operations": {
        "GetEverything": {
            "name": "GetEverything",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "GetEverythingRequest"},
            "output": {"shape": "GetEverythingResponse", "resultWrapper": "GetEverythingResult"},
            "errors": [{"shape": "BrokenException"}],
        }
    },
    "shapes": {
        "GetEverythingRequest": {
            "type": "structure",
            "members": {"Name": {"shape": "String"}},
        },
        "GetEverythingResponse": {
            "type": "structure",
            "required": ["FloatValue"],
            "members": {
                # (members named like Python types, "Float", break the models: see
                # tests/codegen/test_generator.py::test_member_named_like_a_builtin_type)
                "FloatValue": {"shape": "Float"},
                "DoubleValue": {"shape": "Double"},
                "LongValue": {"shape": "Long"},
                "IntegerValue": {"shape": "Integer"},
                "BooleanValue": {"shape": "Boolean"},
                "BlobValue": {"shape": "Blob"},
                "Iso": {"shape": "Timestamp"},
                "Epoch": {"shape": "Timestamp", "timestampFormat": "unixTimestamp"},
                "HttpDate": {"shape": "Timestamp", "timestampFormat": "rfc822"},
                "Color": {"shape": "Color"},
                "Floats": {"shape": "FloatList"},
                "Nested": {"shape": "NestedList"},
                "ByName": {"shape": "ItemMap"},
                "ByColor": {"shape": "ColorMap"},
                "Renamed": {"shape": "String", "locationName": "OtherName"},
                "Item": {"shape": "Item"},
            },
        },
        "Item": {
            "type": "structure",
            "required": ["Id"],
            "members": {"Id": {"shape": "String"}, "When": {"shape": "Timestamp"}},
        },
        "ItemMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Item"}},
        "ColorMap": {"type": "map", "key": {"shape": "Color"}, "value": {"shape": "Double"}},
        "FloatList": {"type": "list", "member": {"shape": "Float"}},
        "NestedList": {"type": "list", "member": {"shape": "StringList"}},
        "StringList": {"type": "list", "member": {"shape": "String"}},
        "Color": {"type": "string", "enum": ["red", "green", "blue-ish"]},
        "String": {"type": "string"},
        "Float": {"type": "float"},
        "Double": {"type": "double"},
        "Long": {"type": "long"},
        "Integer": {"type": "integer"},
        "Boolean": {"type": "boolean"},
        "Blob": {"type": "blob"},
        "Timestamp": {"type": "timestamp"},
        "BrokenException": {
            "type": "structure",
            "members": {"message": {"shape": "String"}, "Reason": {"shape": "String"}},
            "error": {"code": "Broken", "httpStatusCode": 500, "senderFault": False},
            "exception": True,
        },
    },
}


@pytest.fixture(scope="module")
def all_types(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from codegen.generate import generate_into

    root = tmp_path_factory.mktemp("alltypes")
    generate_into(root / "rt_alltypes", ALL_TYPES_MODEL, testing=root / "rt_alltypes_codecs")
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("rt_alltypes_codecs")  # registers its writers for to_xml
        package = importlib.import_module("rt_alltypes")
        yield package
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] in ("rt_alltypes", "rt_alltypes_codecs")]:
            del sys.modules[name]


def _all_types_strategies(package: Any, timestamps: st.SearchStrategy[datetime]) -> ModelStrategies:
    shapes = importlib.import_module(package.__name__ + ".shapes")
    enums = importlib.import_module(package.__name__ + ".enums")
    return ModelStrategies(ALL_TYPES_MODEL, shapes, enums, timestamps=timestamps)


# Epoch seconds written as a float carry microseconds only while the float has the digits:
# keep epoch and HTTP-date members in ranges those formats can represent.
_WHOLE_SECONDS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))


@settings(QUICK, max_examples=60)
@given(data=st.data())
def test_all_scalar_types_roundtrip(all_types: Any, data: st.DataObject) -> None:
    strategies = _all_types_strategies(all_types, _WHOLE_SECONDS)
    cls = strategies.model_class("GetEverythingResponse")
    x = data.draw(strategies.of("GetEverythingResponse"))
    roundtrip(cls, x)


@settings(QUICK, max_examples=30)
@given(data=st.data())
def test_iso_timestamps_with_microseconds_in_a_generated_model(
    all_types: Any, data: st.DataObject
) -> None:
    strategies = _all_types_strategies(all_types, _WHOLE_SECONDS)
    cls = strategies.model_class("GetEverythingResponse")
    when = data.draw(S.timestamps)
    x = cls._complete(
        {
            "float_value": 1.0,
            "iso": when,
            "item": strategies.model_class("Item")._complete({"id": "i", "when": when}),
        }
    )
    roundtrip(cls, x)


@pytest.mark.parametrize(
    "value",
    [
        1e308,
        -1e308,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        0.1,
        -0.0,
        float("inf"),
        float("-inf"),
        123456789.123456789,
        1e-7,
        1e22,
    ],
)
def test_float_extremes(all_types: Any, value: float) -> None:
    cls = all_types.shapes.GetEverythingResponse
    x = cls._complete(
        {
            "float_value": value,
            "double_value": value,
            "floats": [value, value],
            "by_color": {"red": value},
        }
    )
    roundtrip(cls, x)
    back = cls.of_xml(to_xml(x))
    assert math.copysign(1.0, back.float_value) == math.copysign(1.0, value)


def test_nan_survives_both_codecs(all_types: Any) -> None:
    cls = all_types.shapes.GetEverythingResponse
    x = cls._complete({"float_value": float("nan"), "double_value": float("nan")})
    assert "<FloatValue>NaN</FloatValue>" in to_xml(x)
    for back in (cls.of_xml(to_xml(x)), cls.of_json(json.loads(json.dumps(x.to_json())))):
        assert math.isnan(back.float_value) and math.isnan(back.double_value)


def test_epoch_timestamps_keep_milliseconds(all_types: Any) -> None:
    cls = all_types.shapes.GetEverythingResponse
    when = datetime(2024, 2, 29, 23, 59, 59, 125000, tzinfo=UTC)
    x = cls._complete({"float_value": 0.0, "epoch": when})
    assert "<Epoch>1709251199.125</Epoch>" in to_xml(x)
    assert cls.of_xml(to_xml(x)).epoch == when


def test_generated_error_with_extra_members_roundtrips(all_types: Any) -> None:
    shape = all_types.shapes.BrokenException
    generated_errors = importlib.import_module(all_types.__name__ + ".errors")
    err_cls = generated_errors.BrokenError
    details = shape._complete({"message": "it broke & <badly>", "reason": "disk\r\nfull"})
    document = to_xml(details, request_id="rid-1")
    assert "<Type>Receiver</Type>" in document and "<Code>Broken</Code>" in document
    assert shape.of_xml(document) == details
    err = generated_errors.decode_error("GetEverything", 500, document)
    assert type(err) is err_cls
    assert err.details == details and err.message == "it broke & <badly>"
    again = err_cls.of_json(err.to_json())
    assert again.details == details
    assert again.to_json() == err.to_json()
    assert generated_errors.decode_error("GetEverything", 500, to_xml(err)).details == details


def test_enum_instances_survive_pickle() -> None:
    for value in (models.JobStatusType.COMPLETED, models.JobStatusType("PAUSED")):
        back = pickle.loads(pickle.dumps(value))
        assert back == value and type(back) is models.JobStatusType
        assert back.known == value.known
        assert isinstance(back, Enum) and isinstance(back, str)


# ------------------------------------------------------------------ what of_json accepts


@pytest.mark.parametrize(
    "value",
    [
        datetime(2019, 11, 18, 5, 32, 19, 713000, tzinfo=UTC),
        datetime(2019, 11, 18, 5, 32, 19, 713000),  # naive: taken as UTC
        datetime(2019, 11, 18, 7, 32, 19, 713000, tzinfo=timezone(timedelta(hours=2))),
        "2019-11-18T05:32:19.713Z",
        "2019-11-18T05:32:19.713000+00:00",
        "2019-11-18T00:32:19.713-05:00",
        1574055139.713,
    ],
)
def test_of_json_accepts_every_timestamp_spelling(value: Any) -> None:
    role = models.GetRoleResponse.of_json(
        {"Role": {"RoleName": "r", "CreateDate": value, "RoleLastUsed": {"LastUsedDate": value}}}
    ).role
    expected = datetime(2019, 11, 18, 5, 32, 19, 713000, tzinfo=UTC)
    for got in (role.create_date, role.role_last_used.last_used_date):
        assert abs(got - expected) < timedelta(microseconds=2)
        assert got.utcoffset() == timedelta(0)


def test_of_json_accepts_epoch_integers_and_http_dates() -> None:
    role = models.GetRoleResponse.of_json(
        {
            "Role": {
                "CreateDate": 1574055139,
                "RoleLastUsed": {"LastUsedDate": "Mon, 18 Nov 2019 05:32:19 GMT"},
            }
        }
    ).role
    assert role.create_date == datetime(2019, 11, 18, 5, 32, 19, tzinfo=UTC)
    assert role.role_last_used.last_used_date == datetime(2019, 11, 18, 5, 32, 19, tzinfo=UTC)


def test_of_json_accepts_decoded_policy_documents_and_blob_text() -> None:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    role = models.GetRoleResponse.of_json({"Role": {"AssumeRolePolicyDocument": policy}}).role
    assert json.loads(role.assume_role_policy_document) == policy
    device = models.CreateVirtualMFADeviceResponse.of_json(
        {
            "VirtualMFADevice": {
                "SerialNumber": "s",
                "Base32StringSeed": "AAEC",
                "QRCodePNG": b"\x89PNG",
            }
        }
    ).virtual_mfa_device
    assert device.base32_string_seed == b"\x00\x01\x02" and device.qr_code_png == b"\x89PNG"


@pytest.mark.parametrize(
    "bad",
    [
        {"Role": {"CreateDate": "yesterday"}},
        {"Role": {"MaxSessionDuration": "an hour"}},
        {"Role": "not a mapping"},
        {"Role": {"Tags": {"Key": "not a list"}}},
    ],
)
def test_of_json_on_responses_refuses_values_of_the_wrong_type_with_a_typed_error(bad: Any) -> None:
    with pytest.raises(errors.ResponseParseError) as info:
        models.GetRoleResponse.of_json(bad)
    assert "Role" in str(info.value)


# ------------------------------------------------------------------ the pydantic surface


@pytest.mark.parametrize("operation", WITH_OUTPUT[::7])
@settings(QUICK, max_examples=5)
@given(data=st.data())
def test_pickle_and_deepcopy_keep_response_models(operation: str, data: st.DataObject) -> None:
    import copy

    spec = OPERATIONS[operation]
    x = data.draw(S.of(spec.output or ""), label=spec.output)
    assert pickle.loads(pickle.dumps(x)) == x
    assert copy.deepcopy(x) == x
    assert x.model_copy() == x


def test_pydantic_json_dump_of_binary_blobs() -> None:
    device = models.VirtualMFADevice._complete(
        {"serial_number": "arn:aws:iam::1:mfa/d", "qr_code_png": b"\x89PNG\r\n\x1a\n"}
    )
    x = models.CreateVirtualMFADeviceResponse._complete({"virtual_mfa_device": device})
    dumped = json.loads(x.model_dump_json())
    assert isinstance(dumped["virtual_mfa_device"]["qr_code_png"], str)
    assert isinstance(x.model_dump(mode="json")["virtual_mfa_device"]["qr_code_png"], str)
