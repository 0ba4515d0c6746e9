"""ParamValidationError: refused input never reaches the network (the mocked route sees no call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import respx

import iamlast
from iamlast import errors
from iamlast.models import ListRolesRequest, TagRoleRequest

ARN = "arn:aws:iam::123456789012:role/r"

CASES: list[tuple[str, Callable[[Any], Any], tuple[str, ...]]] = [
    ("empty name", lambda c: c.get_role(role_name=""), ("RoleName",)),
    ("name too long", lambda c: c.get_role(role_name="r" * 65), ("RoleName",)),
    ("name bad pattern", lambda c: c.get_role(role_name="has space"), ("RoleName",)),
    ("max_items below minimum", lambda c: c.list_roles(max_items=0), ("MaxItems",)),
    ("max_items above maximum", lambda c: c.list_roles(max_items=1001), ("MaxItems",)),
    ("missing required", lambda c: c.get_role(), ("RoleName",)),
    (
        "missing two required",
        lambda c: c.generate_organizations_access_report(),
        ("EntityPath",),
    ),
    ("unknown keyword", lambda c: c.list_roles(path_prefx="/"), ("path_prefx",)),
    ("wrong type", lambda c: c.get_role(role_name=42), ("RoleName",)),
    (
        "model and keywords",
        lambda c: c.list_roles(ListRolesRequest(max_items=5), marker="m"),
        ("",),
    ),
    (
        "wrong model",
        lambda c: c.list_roles(TagRoleRequest(role_name="r", tags=[])),
        ("",),
    ),
    (
        "nested dict with a wrong key",
        lambda c: c.tag_role(role_name="r", tags=[{"Key": "k", "Valeu": "v"}]),
        ("Tags[0].Value", "Tags[0].Valeu"),
    ),
    (
        "nested value breaks a pattern",
        lambda c: c.tag_role(role_name="r", tags=[{"Key": "k", "Value": "a&b"}]),
        ("Tags[0].Value",),
    ),
    (
        "a dict where a list is wanted",
        lambda c: c.tag_role(role_name="r", tags={"Key": "k", "Value": "v"}),
        ("Tags",),
    ),
    (
        "a model of the wrong type in a list",
        lambda c: c.tag_role(role_name="r", tags=[ListRolesRequest()]),
        ("Tags[0]",),
    ),
    (
        "list where a string is wanted",
        lambda c: c.list_policies_granting_service_access(arn=ARN, service_namespaces="s3"),
        ("ServiceNamespaces",),
    ),
    (
        "list too long",
        lambda c: c.list_policies_granting_service_access(
            arn=ARN, service_namespaces=[f"svc{n}" for n in range(201)]
        ),
        ("ServiceNamespaces",),
    ),
    (
        "enum value not allowed",
        lambda c: c.generate_service_last_accessed_details(arn=ARN, granularity="EVERYTHING"),
        ("Granularity",),
    ),
    ("arn too short", lambda c: c.generate_service_last_accessed_details(arn="arn"), ("Arn",)),
]


@pytest.mark.parametrize(("name", "call", "fields"), CASES, ids=[c[0] for c in CASES])
def test_refused_before_sending(
    iam: respx.Route,
    client: iamlast.Client,
    name: str,
    call: Callable[[Any], Any],
    fields: tuple[str, ...],
) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        call(client)
    assert iam.call_count == 0
    err = caught.value
    assert isinstance(err, iamlast.IamError) and isinstance(err, ValueError)
    assert err.fields == fields
    assert str(err).startswith("Invalid ")


@pytest.mark.parametrize(("name", "call", "fields"), CASES[:8], ids=[c[0] for c in CASES[:8]])
async def test_async_refused_before_sending(
    iam: respx.Route,
    aclient: iamlast.AsyncClient,
    name: str,
    call: Callable[[Any], Any],
    fields: tuple[str, ...],
) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        await call(aclient)
    assert iam.call_count == 0
    assert caught.value.fields == fields


def test_no_input_operation_refuses_arguments(iam: respx.Route, client: iamlast.Client) -> None:
    with pytest.raises((errors.ParamValidationError, TypeError)):
        client.get_account_summary(foo=1)  # type: ignore[call-arg]
    assert iam.call_count == 0


def test_validation_names_every_problem(iam: respx.Route, client: iamlast.Client) -> None:
    with pytest.raises(errors.ParamValidationError) as caught:
        client.create_role(role_name="", assume_role_policy_document="", max_session_duration=1)
    assert set(caught.value.fields) == {
        "RoleName",
        "AssumeRolePolicyDocument",
        "MaxSessionDuration",
    }
    assert "3 problems" in str(caught.value)
    assert iam.call_count == 0


def test_unicode_letters_in_tags_are_accepted(iam: respx.Route, client: iamlast.Client) -> None:
    # Tag keys and values are [\p{L}\p{Z}\p{N}_.:/=+\-@]*: any Unicode letter, as IAM documents.
    iam.respond(
        200,
        content=b"<TagRoleResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></TagRoleResponse>",
    )
    client.tag_role(role_name="r", tags=[{"Key": "café", "Value": "日本"}])
    assert iam.calls.last.request.content.endswith(
        b"&Tags.member.1.Key=caf%C3%A9&Tags.member.1.Value=%E6%97%A5%E6%9C%AC"
    )
