"""Responses from a newer IAM than the model: every known member reads as before, and what the model
does not know is kept in ``model_extra`` by wire name (leaf → text, children → dict, repeated →
list), at the top level of a result, in nested structures and in lists of them; ``to_json`` and
``to_xml`` carry it, ``of_json(x.to_json()) == x``, and nothing about it makes parsing fail.
Requests stay strict: an unknown member is a ParamValidationError naming it.

"Newer than the model" two ways: the committed model as it was before botocore 1.44.8 (generated
afresh from the committed spec with 1.44.8's additions taken out) reading a response written by
today's models and parsed by botocore 1.44.8; and today's model reading members invented here.
"""

from __future__ import annotations

import copy
import importlib
import json
import pickle
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.session
import pytest
import respx
from botocore.parsers import QueryParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import iamlast
from codegen.generate import generate_into
from iamlast import ParamValidationError, models
from iamlast.errors import NoSuchEntityError, OrganizationNotFoundError, ServiceError, decode_error
from iamlast.operations import OPERATIONS as SPECS_BY_NAME
from iamlast.testing import to_xml

from .strategies import extras, iam_strategies

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs" / "iam-2010-05-08"
NS = "https://iam.amazonaws.com/doc/2010-05-08/"
WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

# ------------------------------------------------------------------ the model before 1.44.8

#: What botocore 1.44.8 added to these response shapes (and the shapes only they use).
ADDED_MEMBERS = {
    "Role": ["MaxSigninSessionDuration"],
    "LoginProfile": ["MaxSigninSessionDuration"],
    "GetSAMLProviderResponse": [
        "ContextProvider",
        "SAMLKeyHashes",
        "IdentityCenterInstanceArn",
        "IdentityStoreArn",
    ],
    "GetOpenIDConnectProviderResponse": [
        "ContextProvider",
        "IdentityCenterInstanceArn",
        "IdentityStoreArn",
    ],
    "OpenIDConnectProviderListEntry": ["IsTrustedIdentityPropagationEnabled"],
    "SAMLProviderListEntry": ["IsTrustedIdentityPropagationEnabled"],
}
OPERATIONS = [
    "GetRole",
    "ListRoles",
    "GetLoginProfile",
    "GetSAMLProvider",
    "GetOpenIDConnectProvider",
    "ListOpenIDConnectProviders",
    "ListSAMLProviders",
]


def older_model() -> dict[str, Any]:
    model = json.loads((SPECS / "service-2.json").read_text())
    model["operations"] = {name: model["operations"][name] for name in OPERATIONS}
    for shape, members in ADDED_MEMBERS.items():
        for member in members:
            del model["shapes"][shape]["members"][member]
    gone = {
        "ContextProvider",
        "ContextProviderKeyDefinition",
        "SAMLKeyHashEntry",
        "SAMLKeyHashListType",
        "keyDefinitionListType",
    }
    for name in gone:
        del model["shapes"][name]
    for shape in model["shapes"].values():  # request members using them went in 1.44.8 too
        for member, ref in list(shape.get("members", {}).items()):
            if ref["shape"] in gone:
                del shape["members"][member]
    return model


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The shapes package of the model before 1.44.8, generated and imported."""
    root = tmp_path_factory.mktemp("older")
    pages = json.loads((SPECS / "paginators-1.json").read_text())["pagination"]
    overrides = json.loads((ROOT / "specs" / "overrides.json").read_text())["iam"]
    generate_into(
        root / "iam_before_1_44_8",
        older_model(),
        {"pagination": {op: entry for op, entry in pages.items() if op in OPERATIONS}},
        {"url_encoded_shapes": overrides["url_encoded_shapes"]},
        with_client=False,
        testing=root / "iam_before_1_44_8_codecs",
    )
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("iam_before_1_44_8_codecs")  # registers its writers for to_xml
        yield importlib.import_module("iam_before_1_44_8.shapes")
    finally:
        sys.path.remove(str(root))
        gone = ("iam_before_1_44_8", "iam_before_1_44_8_codecs")
        for name in [m for m in sys.modules if m.split(".")[0] in gone]:
            del sys.modules[name]


SERVICE = botocore.session.get_session().get_service_model("iam")


def botocore_reads(operation: str, body: bytes) -> dict[str, Any]:
    shape = SERVICE.operation_model(operation).output_shape
    parsed: dict[str, Any] = QueryParser().parse(
        {"body": body, "headers": {}, "status_code": 200}, shape
    )
    return parsed


def _role(name: str, signin: int | None) -> models.Role:
    return models.Role(
        path="/",
        role_name=name,
        role_id="AROA" + name.upper().ljust(17, "X"),
        arn=f"arn:aws:iam::123456789012:role/{name}",
        create_date=WHEN,
        max_session_duration=3600,
        max_signin_session_duration=signin,
        tags=[models.Tag(key="team", value="blue")],
    )


def _context_provider() -> models.ContextProvider:
    return models.ContextProvider(
        subject_source_key="sub",
        subject_type_value="user",
        key_definition_list=[
            models.ContextProviderKeyDefinition(source_key="email", target_key="mail"),
            models.ContextProviderKeyDefinition(source_key="groups"),
        ],
    )


def test_the_older_model_lacks_what_1_44_8_added(old: ModuleType) -> None:
    assert "max_signin_session_duration" not in old.Role.model_fields
    assert "saml_key_hashes" not in old.GetSAMLProviderResponse.model_fields
    assert not hasattr(old, "ContextProvider")
    assert "max_signin_session_duration" in models.Role.model_fields  # and today's has it


def test_list_of_structures_with_a_new_member(old: ModuleType) -> None:
    new = models.ListRolesResponse(
        roles=[_role("signs-in", 43200), _role("never", None)], is_truncated=False
    )
    body = to_xml(new, request_id="r-1").encode()
    read = old.ListRolesResponse.of_xml(body)
    first, second = read.roles
    assert first.model_extra == {"MaxSigninSessionDuration": "43200"}
    assert second.model_extra == {}
    # every member the older model knows reads exactly as today's model reads it
    for ours, theirs in zip(read.roles, new.roles, strict=True):
        assert {k: getattr(ours, k) for k in type(ours).model_fields if k != "tags"} == {
            k: getattr(theirs, k) for k in type(ours).model_fields if k != "tags"
        }
        assert ours.tags[0].key == "team" and ours.tags[0].model_extra == {}
    assert read.response_metadata.request_id == "r-1"
    # the text kept is what botocore 1.44.8 reads as the typed value
    assert botocore_reads("ListRoles", body)["Roles"][0]["MaxSigninSessionDuration"] == 43200
    # and the older model's JSON is today's, but for the kept text
    expected = new.to_json()
    expected["Roles"][0]["MaxSigninSessionDuration"] = "43200"
    expected["ResponseMetadata"] = {"RequestId": "r-1"}
    assert read.to_json() == expected
    assert old.ListRolesResponse.of_json(read.to_json()) == read


def test_nested_structures_lists_and_repeats_in_a_new_member(old: ModuleType) -> None:
    hashes = [
        models.SAMLKeyHashEntry(issuer_url="https://idp.example.com", key_hashes=["aa", "bb"]),
        models.SAMLKeyHashEntry(issuer_url="https://other.example.com", key_hashes=["cc"]),
    ]
    new = models.GetSAMLProviderResponse(
        saml_metadata_document="<md/>",
        create_date=WHEN,
        context_provider=_context_provider(),
        saml_key_hashes=hashes,
        identity_center_instance_arn="arn:aws:sso:::instance/ssoins-1",
        identity_store_arn="arn:aws:identitystore::123456789012:identitystore/d-1",
    )
    body = to_xml(new, request_id="r-2").encode()
    read = old.GetSAMLProviderResponse.of_xml(body)
    assert read.saml_metadata_document == "<md/>" and read.create_date == WHEN
    assert read.model_extra == {
        "ContextProvider": {
            "KeyDefinitionList": {
                "member": [{"SourceKey": "email", "TargetKey": "mail"}, {"SourceKey": "groups"}]
            },
            "SubjectSourceKey": "sub",
            "SubjectTypeValue": "user",
        },
        "SAMLKeyHashes": {
            "member": [
                {"IssuerURL": "https://idp.example.com", "KeyHashes": {"member": ["aa", "bb"]}},
                {"IssuerURL": "https://other.example.com", "KeyHashes": {"member": "cc"}},
            ]
        },
        "IdentityCenterInstanceArn": "arn:aws:sso:::instance/ssoins-1",
        "IdentityStoreArn": "arn:aws:identitystore::123456789012:identitystore/d-1",
    }
    theirs = botocore_reads("GetSAMLProvider", body)
    assert theirs["SAMLKeyHashes"][0]["KeyHashes"] == ["aa", "bb"]
    assert theirs["ContextProvider"]["SubjectSourceKey"] == "sub"
    # round trips: JSON, and XML (written back after the known members, read back the same)
    assert old.GetSAMLProviderResponse.of_json(read.to_json()) == read
    again = old.GetSAMLProviderResponse.of_xml(to_xml(read))
    assert again == read
    # today's model reads the older one's XML to the typed members it knows
    assert models.GetSAMLProviderResponse.of_xml(to_xml(read)).saml_key_hashes == hashes


@pytest.mark.parametrize(
    ("operation", "entry"),
    [("ListOpenIDConnectProviders", "OpenIDConnectProviderList"), ("ListSAMLProviders", None)],
)
def test_new_boolean_in_list_entries(old: ModuleType, operation: str, entry: str | None) -> None:
    if entry:
        new: Any = models.ListOpenIDConnectProvidersResponse(
            open_id_connect_provider_list=[
                models.OpenIDConnectProviderListEntry(
                    arn="arn:aws:iam::1:oidc-provider/a",
                    is_trusted_identity_propagation_enabled=True,
                )
            ]
        )
        read = old.ListOpenIDConnectProvidersResponse.of_xml(to_xml(new))
        item = read.open_id_connect_provider_list[0]
    else:
        new = models.ListSAMLProvidersResponse(
            saml_provider_list=[
                models.SAMLProviderListEntry(
                    arn="arn:aws:iam::1:saml-provider/a",
                    valid_until=WHEN,
                    is_trusted_identity_propagation_enabled=False,
                )
            ]
        )
        read = old.ListSAMLProvidersResponse.of_xml(to_xml(new))
        item = read.saml_provider_list[0]
    assert item.arn.startswith("arn:aws:iam::1:")
    assert item.model_extra == {"IsTrustedIdentityPropagationEnabled": "true" if entry else "false"}


# ------------------------------------------------------------------ invented members, today's model

DOCUMENT = f"""<GetRoleResponse xmlns="{NS}">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <RoleName>r</RoleName>
      <RoleId>AROAEXAMPLE</RoleId>
      <Arn>arn:aws:iam::123456789012:role/r</Arn>
      <CreateDate>2025-01-02T03:04:05Z</CreateDate>
      <SigninColour>teal</SigninColour>
      <Limits><Daily>5</Daily><Window><From>09:00</From><To>17:00</To></Window></Limits>
      <Alias>first</Alias>
      <Alias>second</Alias>
      <Blank/>
      <Tags>
        <member><Key>team</Key><Value>blue</Value><Expires>2030-01-01T00:00:00Z</Expires></member>
      </Tags>
      <MaxSessionDuration>3600</MaxSessionDuration>
    </Role>
    <Revision>7</Revision>
  </GetRoleResult>
  <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>
</GetRoleResponse>"""

ROLE_EXTRA = {
    "SigninColour": "teal",
    "Limits": {"Daily": "5", "Window": {"From": "09:00", "To": "17:00"}},
    "Alias": ["first", "second"],
    "Blank": "",
}


def test_invented_members_at_every_level() -> None:
    x = models.GetRoleResponse.of_xml(DOCUMENT)
    assert x.model_extra == {"Revision": "7"}  # the top level of the result
    assert x.role.model_extra == ROLE_EXTRA  # a nested structure
    assert x.role.tags[0].model_extra == {"Expires": "2030-01-01T00:00:00Z"}  # a list of them
    # the known members, unknown ones before and after them notwithstanding
    assert (x.role.role_name, x.role.create_date, x.role.max_session_duration) == (
        "r",
        datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        3600,
    )
    assert x.role.tags[0].value == "blue" and x.response_metadata.request_id == "rid-1"
    assert x.role.Alias == ["first", "second"]  # pydantic's attribute access to extras


def test_json_and_xml_round_trips_keep_them() -> None:
    x = models.GetRoleResponse.of_xml(DOCUMENT)
    as_json = x.to_json()
    assert as_json["Revision"] == "7" and as_json["Role"]["Limits"] == ROLE_EXTRA["Limits"]
    assert as_json["Role"]["Tags"] == [
        {"Key": "team", "Value": "blue", "Expires": "2030-01-01T00:00:00Z"}
    ]
    json.dumps(as_json)  # JSON-safe
    assert models.GetRoleResponse.of_json(as_json) == x
    assert models.GetRoleResponse.of_xml(to_xml(x)) == x
    as_json["Role"]["Limits"]["Daily"] = "changed"  # a copy: the model is not edited through it
    assert x.role.model_extra["Limits"]["Daily"] == "5"


def test_the_pydantic_surface_keeps_them() -> None:
    x = models.GetRoleResponse.of_xml(DOCUMENT)
    assert pickle.loads(pickle.dumps(x)) == x
    assert copy.deepcopy(x) == x and x.model_copy() == x
    dumped = x.model_dump(by_alias=True)
    assert dumped["Role"]["Alias"] == ["first", "second"] and dumped["Revision"] == "7"
    assert dumped["Role"]["Tags"][0]["Expires"] == "2030-01-01T00:00:00Z"
    assert json.loads(x.model_dump_json(by_alias=True))["Role"]["Limits"]["Window"]["To"] == "17:00"
    # validation never fails on them, nor drops them: re-validated, or from pydantic's own dump
    assert models.GetRoleResponse.validated(x) == x
    assert models.GetRoleResponse.model_validate(dumped).model_dump(by_alias=True) == dumped
    assert models.GetRoleResponse.model_validate_json(x.model_dump_json()).role.tags[
        0
    ].model_extra == {"Expires": "2030-01-01T00:00:00Z"}
    # equality sees them
    plain = models.GetRoleResponse.of_xml(DOCUMENT.replace("<Revision>7</Revision>", ""))
    assert plain != x and plain.role == x.role


def test_repr_masks_what_the_model_does_not_know() -> None:
    # An unknown member could be a secret the model would mark sensitive: its value never shows.
    x = models.GetRoleResponse.of_xml(DOCUMENT.replace("teal", "canary-secret-value"))
    assert "canary-secret-value" not in repr(x) and "canary-secret-value" not in str(x.role)
    assert "SigninColour=" in repr(x.role)


def test_of_json_keeps_unknown_keys_as_wire_text() -> None:
    """boto3 from a newer botocore hands out typed values: kept as the wire would carry them."""
    data = {
        "Role": {
            "Path": "/",
            "RoleName": "r",
            "RoleId": "AROAEXAMPLE",
            "Arn": "arn:aws:iam::123456789012:role/r",
            "CreateDate": WHEN,
            "FutureSeconds": 7200,
            "FutureFlag": True,
            "FutureWhen": WHEN,
            "FutureBlob": b"\x00\xff",
            "FutureRatio": 0.5,
            "FutureList": [{"Name": "a", "Count": 1}, "b"],
            "FutureNone": None,
        },
        "ResponseMetadata": {"RequestId": "rid"},
    }
    x = models.GetRoleResponse.of_json(data)
    assert x.role.model_extra == {
        "FutureSeconds": "7200",
        "FutureFlag": "true",
        "FutureWhen": "2025-01-02T03:04:05Z",
        "FutureBlob": "AP8=",
        "FutureRatio": "0.5",
        "FutureList": [{"Name": "a", "Count": "1"}, "b"],
    }
    assert x.model_extra == {} and x.response_metadata.request_id == "rid"
    assert models.GetRoleResponse.of_json(x.to_json()) == x
    reread = models.GetRoleResponse.of_xml(to_xml(x))
    assert reread.role.model_extra["FutureList"] == [{"Name": "a", "Count": "1"}, "b"]


def test_a_deep_unknown_tree_from_a_caller_reads_without_recursion() -> None:
    role = etree.fromstring(DOCUMENT.encode()).find(f".//{{{NS}}}Role")
    assert role is not None
    node = etree.SubElement(role, "Deep")
    for _ in range(5000):
        node = etree.SubElement(node, "Deeper")
    node.text = "bottom"
    role.append(etree.Comment("a comment is not a member"))
    x = models.Role.of_xml(role)
    level = x.model_extra["Deep"]
    for _ in range(5000):
        level = level["Deeper"]
    assert level == "bottom" and set(x.model_extra) == {*ROLE_EXTRA, "Deep"}


def test_an_operation_without_output_keeps_a_result_it_starts_sending() -> None:
    body = f"""<UpdateOpenIDConnectProviderResponse xmlns="{NS}">
      <UpdateOpenIDConnectProviderResult><Generation>2</Generation></UpdateOpenIDConnectProviderResult>
      <ResponseMetadata><RequestId>rid-3</RequestId></ResponseMetadata>
    </UpdateOpenIDConnectProviderResponse>"""
    x = models.EmptyResponse.of_xml(body)
    assert x.model_extra == {"UpdateOpenIDConnectProviderResult": {"Generation": "2"}}
    assert x.to_json()["UpdateOpenIDConnectProviderResult"] == {"Generation": "2"}
    empty = f"<DeleteRoleResponse xmlns='{NS}'><DeleteRoleResult/><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>"
    assert models.EmptyResponse.of_xml(empty).model_extra == {}


# ------------------------------------------------------------------ errors


def _error(code: str, members: str) -> bytes:
    return (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>nope</Message>{members}</Error><RequestId>rid-e</RequestId></ErrorResponse>"
    ).encode()


def test_error_shapes_keep_unknown_members_but_not_the_envelope() -> None:
    err = decode_error("GetRole", 404, _error("NoSuchEntity", "<Reason><Kind>gone</Kind></Reason>"))
    assert type(err) is NoSuchEntityError and err.message == "nope"
    assert err.details is not None and err.details.model_extra == {"Reason": {"Kind": "gone"}}
    again = ServiceError.of_json(err.to_json())
    assert again.details == err.details and again.to_json() == err.to_json()
    assert err.to_json()["Error"]["Reason"] == {"Kind": "gone"}  # where boto3 puts members
    assert decode_error("GetRole", 404, to_xml(err)).details == err.details
    # a shape without a Message member: <Message> is the envelope's, not an unknown member
    org = decode_error(
        "GetOrganizationsAccessReport", 400, _error("OrganizationNotFoundException", "")
    )
    assert type(org) is OrganizationNotFoundError
    assert org.details is not None and org.details.model_extra == {}


def test_through_the_client(aws_env: pytest.MonkeyPatch) -> None:
    with respx.mock(assert_all_mocked=True) as mock:
        route = mock.post("https://iam.amazonaws.com/").respond(200, content=DOCUMENT.encode())
        with iamlast.Client(
            aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
        ) as client:
            role = client.get_role(role_name="r").role
            assert role.model_extra == ROLE_EXTRA
            with pytest.raises(ParamValidationError, match="Colour"):
                client.tag_role(role_name="r", tags=[{"Key": "k", "Value": "v", "Colour": "x"}])
            with pytest.raises(ParamValidationError, match="colour"):
                client.get_role(role_name="r", colour="x")  # type: ignore[call-overload]
        assert route.call_count == 1  # the refused calls sent nothing


# ------------------------------------------------------------------ every operation, generated

WITH_UNKNOWN = iam_strategies(unknown_members=extras)
WITH_OUTPUT = sorted(name for name, spec in SPECS_BY_NAME.items() if spec.output)


@pytest.mark.parametrize("operation", WITH_OUTPUT)
@settings(max_examples=5, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_output_round_trips_with_members_it_lacks(
    operation: str, data: st.DataObject
) -> None:
    spec = SPECS_BY_NAME[operation]
    x = data.draw(WITH_UNKNOWN.of(spec.output or ""), label=spec.output)
    cls = type(x)
    assert cls.of_xml(to_xml(x, operation=operation)) == x
    assert cls.of_json(x.to_json()) == x
    assert cls.of_json(json.loads(json.dumps(x.to_json()))) == x
    assert pickle.loads(pickle.dumps(x)) == x
