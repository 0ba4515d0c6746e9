"""The CLI's pure parts: argument checks, error lines, statuses, csv cells."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest

import iamlast
from iamlast.cli import documents
from iamlast.cli.errors import CliError, UsageProblem, describe
from iamlast.cli.validate import check_account_id, check_entity_path, check_namespace, parse_arn
from iamlast.errors import (
    AccessDeniedError,
    FieldProblem,
    InvalidClientTokenIdError,
    NoCredentialsError,
    NoSuchEntityError,
    ParamValidationError,
    ThrottlingError,
    TransportError,
    UnknownServiceError,
)

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("exc", "code", "start"),
    [
        (
            NoCredentialsError("no AWS credentials found for profile 'default'"),
            1,
            "no AWS credentials found for profile 'default'. Configure",
        ),
        (
            AccessDeniedError("not authorized", operation="ListUsers", request_id="r-1"),
            1,
            "access denied: not authorized (ListUsers; request id r-1)",
        ),
        (
            InvalidClientTokenIdError("The security token included in the request is invalid."),
            1,
            "AWS rejected the credentials (InvalidClientTokenId)",
        ),
        (NoSuchEntityError("The role with name x cannot be found."), 1, "not found: The role"),
        (ThrottlingError("Rate exceeded", attempts=3), 1, "throttled by IAM after 3 attempts"),
        (UnknownServiceError("odd", code="Weird"), 1, "Weird: odd"),
        (TransportError("ListUsers: connect: refused", kind="connect"), 1, "could not reach IAM"),
        (
            ParamValidationError("XRequest", [FieldProblem("Arn", "min_length", "too\nshort")]),
            2,
            "invalid request (XRequest): Arn: too short",
        ),
        (
            iamlast.JobFailedError("j-1", code="ServiceFailure", message="boom"),
            1,
            "IAM could not complete the report: job j-1 FAILED",
        ),
        (iamlast.JobTimeoutError("j-1", timeout=5, polls=3), 1, "gave up waiting for the report"),
        (UsageProblem("bad\nthing"), 2, "bad thing"),
        (CliError("failed"), 1, "failed"),
        (click.UsageError("Missing argument 'ARN'."), 2, "Missing argument 'ARN'."),
        (RuntimeError("surprise"), 1, "internal error: RuntimeError: surprise"),
    ],
)
def test_describe(exc: BaseException, code: int, start: str) -> None:
    message, exit_code = describe(exc)
    assert exit_code == code
    assert message.startswith(start), message
    assert "\n" not in message


def test_parse_arn_parts() -> None:
    parsed = parse_arn("arn:aws-us-gov:iam::123456789012:role/service-role/team/deployer")
    assert (parsed.partition, parsed.account, parsed.kind, parsed.path, parsed.name) == (
        "aws-us-gov",
        "123456789012",
        "role",
        "/service-role/team/",
        "deployer",
    )
    with pytest.raises(UsageProblem, match="takes a user, role or group ARN"):
        parse_arn("arn:aws:iam::aws:policy/ReadOnlyAccess", kinds=("user", "role", "group"))


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("S3", "did you mean 's3'?"),
        ("s3:GetObject", "not an action: did you mean 's3'?"),
        ("s3!", ""),
    ],
)
def test_namespace_hints(value: str, hint: str) -> None:
    with pytest.raises(UsageProblem, match="invalid service namespace") as info:
        check_namespace(value)
    assert hint in str(info.value)


def test_good_namespaces() -> None:
    for value in ("s3", "execute-api", "a4b", "s3-object-lambda"):
        assert check_namespace(value) == value


def test_entity_paths_and_accounts() -> None:
    assert (
        check_entity_path("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/")
        == "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111"
    )
    assert check_account_id("111122223333") == "111122223333"
    for bad in ("o-short/r-ab12", "r-ab12", ""):
        with pytest.raises(UsageProblem):
            check_entity_path(bad)
    with pytest.raises(UsageProblem):
        check_account_id("11112222333a")


def test_status_is_relative_to_as_of() -> None:
    assert documents.status(None, AS_OF, 90) == "never_used"
    assert documents.status(AS_OF - timedelta(days=90), AS_OF, 90) == "used"
    assert documents.status(AS_OF - timedelta(days=90, seconds=1), AS_OF, 90) == "unused"
    assert documents.status(AS_OF, AS_OF, 0) == "used"
    assert documents.days_since(AS_OF - timedelta(days=3, hours=23), AS_OF) == 3
    assert documents.days_since(AS_OF + timedelta(days=1), AS_OF) == 0
    assert documents.ts(datetime(2026, 1, 2, 3, 4, 5, 600000)) == "2026-01-02T03:04:05Z"


def test_every_schema_is_valid_and_has_a_line() -> None:
    import jsonschema

    for name in documents.SCHEMAS:
        schema = documents.load_schema(name)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$id"] == f"iamlast.{name}.v1"
        assert schema["properties"]["schema"] == {"const": f"iamlast.{name}.v1"}
        assert "line" in schema["$defs"]
    with pytest.raises(ValueError, match="no schema"):
        documents.load_schema("nope")


def test_schemas_reject_unknown_fields() -> None:
    import jsonschema

    from .conftest import validate

    doc = {
        "schema": "iamlast.policies.v1",
        "arn": "a",
        "services": [{"namespace": "s3", "policies": [], "surprise": 1}],
    }
    with pytest.raises(jsonschema.ValidationError):
        validate("policies", doc)
