"""Differential tests: botocore's own QueryParser and our ``of_xml`` read the same bytes alike.

For every IAM operation with an output, generated responses are written with our ``to_xml`` and
parsed by both; then a few realistic hand-written IAM responses. No network: botocore's service
model comes from the installed package and its parser runs on bytes.

Normalisation is only what the two libraries document differently: botocore returns timestamps
as aware datetimes in ``tzutc()`` (we: ``UTC``; compared as instants, ours must be UTC) and leaves
policy documents URL-encoded (boto3 decodes them in a later handler; we decode in ``of_xml``).
Everything else must be equal, and neither side may have a key the other lacks.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import unquote

import botocore.session
import pytest
from botocore.handlers import json_decode_policies
from botocore.model import OperationModel, Shape
from botocore.parsers import QueryParser
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from iamlast import models
from iamlast.operations import OPERATIONS
from iamlast.testing import to_xml

from .strategies import ModelStrategies, iam_strategies, json_policy_text

S = iam_strategies()
SERVICE = botocore.session.get_session().get_service_model("iam")
QUICK = settings(
    max_examples=6, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
DEEP = settings(QUICK, max_examples=300)

WITH_OUTPUT = sorted(name for name, spec in OPERATIONS.items() if spec.output)

#: Operations whose output shape is shared with another operation (two result wrappers, one model).
SHARED_OUTPUT = {
    "GetContextKeysForCustomPolicy": "GetContextKeysForPolicyResponse",
    "GetContextKeysForPrincipalPolicy": "GetContextKeysForPolicyResponse",
    "SimulateCustomPolicy": "SimulatePolicyResponse",
    "SimulatePrincipalPolicy": "SimulatePolicyResponse",
}


def _op_params() -> list[Any]:
    return [pytest.param(name, id=name) for name in WITH_OUTPUT]


# ------------------------------------------------------------------ normalisation


def from_botocore(shape: Shape, value: Any) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return {k: from_botocore(shape.members[k], v) for k, v in value.items()}
    if kind == "list":
        return [from_botocore(shape.member, v) for v in value]
    if kind == "map":
        return {
            from_botocore(shape.key, k): from_botocore(shape.value, v) for k, v in value.items()
        }
    if kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None
        return value.astimezone(UTC)
    if kind == "string" and shape.name == "policyDocumentType":
        return unquote(value)
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


def botocore_parse(op: OperationModel, body: bytes) -> dict[str, Any]:
    response = {"body": body, "headers": {}, "status_code": 200}
    parsed: dict[str, Any] = QueryParser().parse(response, op.output_shape)
    return parsed


def assert_same(op_name: str, body: bytes) -> tuple[Any, dict[str, Any]]:
    """Both parsers read ``body`` to the same values; returns (ours, botocore's)."""
    op = SERVICE.operation_model(op_name)
    cls = OPERATIONS[op_name].output_model
    assert cls is not None and op.output_shape is not None
    theirs = botocore_parse(op, body)
    meta = theirs.pop("ResponseMetadata", {})
    ours = cls.of_xml(body)
    assert from_ours(ours) == from_botocore(op.output_shape, theirs)
    our_rid = ours.response_metadata.request_id if ours.response_metadata else None
    assert our_rid == meta.get("RequestId")
    return ours, theirs


# ------------------------------------------------------------------ generated responses


def test_every_operation_with_an_output_is_compared() -> None:
    botocore_ops = {n for n in SERVICE.operation_names if SERVICE.operation_model(n).output_shape}
    assert set(WITH_OUTPUT) == botocore_ops
    assert len(WITH_OUTPUT) == 101


@pytest.mark.parametrize("op_name", _op_params())
@QUICK
@given(data=st.data())
def test_generated_response_reads_alike(op_name: str, data: st.DataObject) -> None:
    spec = OPERATIONS[op_name]
    x = data.draw(S.of(spec.output or ""), label=spec.output)
    # a shape several operations return is written as the given operation's document
    assert_same(op_name, to_xml(x, operation=op_name).encode("utf-8"))


@pytest.mark.fuzz
@pytest.mark.parametrize("op_name", _op_params())
@DEEP
@given(data=st.data())
def test_generated_response_reads_alike_deep(op_name: str, data: st.DataObject) -> None:
    spec = OPERATIONS[op_name]
    x = data.draw(S.of(spec.output or ""), label=spec.output)
    # a shape several operations return is written as the given operation's document
    assert_same(op_name, to_xml(x, operation=op_name).encode("utf-8"))


def _rename_document(document: str, op_name: str) -> str:
    """The same members under ``op_name``'s response and result element names."""
    cls: Any = OPERATIONS[op_name].output_model
    for old, new in (
        (cls._XML_RESPONSE, f"{op_name}Response"),
        (cls._XML_WRAPPER, f"{op_name}Result"),
    ):
        document = document.replace(f"<{old}", f"<{new}").replace(f"</{old}>", f"</{new}>")
    return document


@pytest.mark.parametrize("op_name", sorted(SHARED_OUTPUT))
def test_shared_output_shape_reads_each_operations_document(op_name: str) -> None:
    if SHARED_OUTPUT[op_name] == "SimulatePolicyResponse":
        x = models.SimulatePolicyResponse._complete(
            {
                "evaluation_results": [
                    models.EvaluationResult._complete(
                        {
                            "eval_action_name": "s3:ListBucket",
                            "eval_resource_name": "*",
                            "eval_decision": models.PolicyEvaluationDecisionType.ALLOWED,
                        }
                    )
                ],
                "is_truncated": False,
            }
        )
    else:
        x = models.GetContextKeysForPolicyResponse._complete(
            {"context_key_names": ["aws:username"]}
        )
    document = _rename_document(to_xml(x, request_id="r-1"), op_name)
    assert f"<{op_name}Result>" in document
    ours, _ = assert_same(op_name, document.encode("utf-8"))
    assert from_ours(ours) == from_ours(x)
    # the operation's own document, written by to_xml(operation=...), reads back the same
    written = to_xml(x, request_id="r-1", operation=op_name)
    assert f"<{op_name}Response" in written and f"<{op_name}Result>" in written
    assert type(x).of_xml(written) == type(x).of_xml(document)


# ------------------------------------------------------------------ boto3's dicts into of_json

S_JSON_POLICIES = iam_strategies(policies=json_policy_text)


@pytest.mark.parametrize("op_name", WITH_OUTPUT)
@settings(QUICK, max_examples=5)
@given(data=st.data())
def test_of_json_reads_what_boto3_returns(op_name: str, data: st.DataObject) -> None:
    """botocore's parse, with boto3's policy handler applied, is a dict ``of_json`` reads to
    the same model ``of_xml`` reads from the bytes."""
    spec = OPERATIONS[op_name]
    cls = spec.output_model
    assert cls is not None
    x = data.draw(S_JSON_POLICIES.of(spec.output or ""), label=spec.output)
    body = to_xml(x, operation=op_name).encode("utf-8")
    op = SERVICE.operation_model(op_name)
    boto3_dict = botocore_parse(op, body)
    json_decode_policies(boto3_dict, op)
    meta = boto3_dict["ResponseMetadata"]  # botocore adds the HTTP status and headers
    from_dict = cls.of_json(boto3_dict)
    assert from_dict.response_metadata.http_status_code == meta["HTTPStatusCode"] == 200
    assert from_dict.response_metadata.request_id == meta.get("RequestId")
    del boto3_dict["ResponseMetadata"]
    from_xml = cls.of_xml(body)
    from_xml.__dict__["response_metadata"] = None
    assert cls.of_json(boto3_dict) == from_xml


# ------------------------------------------------------------------ real-looking responses

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
TRUST = (
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22"
    "%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A"
    "%22sts%3AAssumeRole%22%7D%5D%7D"
)
TRUST_TEXT = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)

LIST_ROLES = f"""<ListRolesResponse xmlns="{NS}">
  <ListRolesResult>
    <IsTruncated>true</IsTruncated>
    <Marker>AAIAAQAAAAEAAAAgvO4Tq6bH1Cz0zCwgZmFrZQ==</Marker>
    <Roles>
      <member>
        <Path>/application_abc/component_xyz/</Path>
        <AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument>
        <MaxSessionDuration>3600</MaxSessionDuration>
        <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
        <RoleLastUsed>
          <LastUsedDate>2019-11-18T05:32:19.713Z</LastUsedDate>
          <Region>us-east-1</Region>
        </RoleLastUsed>
        <RoleName>S3Access</RoleName>
        <Description>Lets EC2 read &amp; write &lt;reports&gt;</Description>
        <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>
        <CreateDate>2012-05-09T15:45:35Z</CreateDate>
        <Tags>
          <member>
            <Key>cost-center</Key>
            <Value>Ünïcode 12</Value>
          </member>
          <member>
            <Key>empty</Key>
            <Value></Value>
          </member>
        </Tags>
      </member>
      <member>
        <Path>/</Path>
        <RoleId>AROAEXAMPLEROLE2ID</RoleId>
        <RoleName>Bare</RoleName>
        <Arn>arn:aws:iam::123456789012:role/Bare</Arn>
        <CreateDate>2020-02-29T00:00:00Z</CreateDate>
        <RoleLastUsed/>
        <MaxSigninSessionDuration>43200</MaxSigninSessionDuration>
        <PermissionsBoundary>
          <PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType>
          <PermissionsBoundaryArn>arn:aws:iam::aws:policy/PowerUserAccess</PermissionsBoundaryArn>
        </PermissionsBoundary>
      </member>
    </Roles>
  </ListRolesResult>
  <ResponseMetadata>
    <RequestId>20f7279f-99ee-11e1-a4c3-27EXAMPLE804</RequestId>
  </ResponseMetadata>
</ListRolesResponse>
"""

GET_ROLE = f"""<GetRoleResponse xmlns="{NS}">
  <GetRoleResult>
    <Role>
      <Path>/application_abc/component_xyz/</Path>
      <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>
      <RoleName>S3Access</RoleName>
      <AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument>
      <CreateDate>2012-05-08T23:34:01Z</CreateDate>
      <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
      <MaxSessionDuration>43200</MaxSessionDuration>
      <RoleLastUsed>
        <LastUsedDate>2019-11-20T17:09:20Z</LastUsedDate>
        <Region>us-east-1</Region>
      </RoleLastUsed>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>
  </ResponseMetadata>
</GetRoleResponse>"""

GET_SERVICE_LAST_ACCESSED = f"""<?xml version="1.0" encoding="UTF-8"?>
<GetServiceLastAccessedDetailsResponse xmlns="{NS}">
  <GetServiceLastAccessedDetailsResult>
    <IsTruncated>false</IsTruncated>
    <JobCompletionDate>2020-01-02T10:00:05.123Z</JobCompletionDate>
    <JobCreationDate>2020-01-02T10:00:00.456Z</JobCreationDate>
    <JobType>ACTION_LEVEL</JobType>
    <JobStatus>COMPLETED</JobStatus>
    <ServicesLastAccessed>
      <member>
        <ServiceName>Amazon Simple Storage Service</ServiceName>
        <ServiceNamespace>s3</ServiceNamespace>
        <LastAuthenticated>2020-01-01T08:15:00Z</LastAuthenticated>
        <LastAuthenticatedEntity>arn:aws:iam::123456789012:user/Alice</LastAuthenticatedEntity>
        <LastAuthenticatedRegion>eu-west-1</LastAuthenticatedRegion>
        <TotalAuthenticatedEntities>2</TotalAuthenticatedEntities>
        <TrackedActionsLastAccessed>
          <member>
            <ActionName>GetObject</ActionName>
            <LastAccessedEntity>arn:aws:iam::123456789012:user/Alice</LastAccessedEntity>
            <LastAccessedRegion>eu-west-1</LastAccessedRegion>
            <LastAccessedTime>2020-01-01T08:15:00Z</LastAccessedTime>
          </member>
          <member>
            <ActionName>PutObject</ActionName>
          </member>
        </TrackedActionsLastAccessed>
      </member>
      <member>
        <ServiceName>AWS Lambda</ServiceName>
        <ServiceNamespace>lambda</ServiceNamespace>
        <TotalAuthenticatedEntities>0</TotalAuthenticatedEntities>
        <TrackedActionsLastAccessed/>
      </member>
    </ServicesLastAccessed>
  </GetServiceLastAccessedDetailsResult>
  <ResponseMetadata>
    <RequestId>2d6e8bd0-2e7c-11ea-9d48-EXAMPLE1</RequestId>
  </ResponseMetadata>
</GetServiceLastAccessedDetailsResponse>
"""

POLICY_V1 = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"
INLINE = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22%2A%22%7D%5D%7D"
GET_ACCOUNT_AUTHORIZATION_DETAILS = f"""<GetAccountAuthorizationDetailsResponse xmlns="{NS}">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>false</IsTruncated>
    <UserDetailList>
      <member>
        <GroupList>
          <member>Admins</member>
          <member>Dev &amp; Ops</member>
        </GroupList>
        <AttachedManagedPolicies/>
        <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
        <Path>/</Path>
        <UserName>Alice</UserName>
        <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
        <CreateDate>2013-10-14T18:32:24Z</CreateDate>
        <UserPolicyList>
          <member>
            <PolicyName>DenyAll</PolicyName>
            <PolicyDocument>{INLINE}</PolicyDocument>
          </member>
        </UserPolicyList>
        <Tags>
          <member><Key>owner</Key><Value>alice@example.com</Value></member>
        </Tags>
      </member>
    </UserDetailList>
    <GroupDetailList>
      <member>
        <GroupId>AIDACKCEVSQ6C7EXAMPLE</GroupId>
        <AttachedManagedPolicies>
          <member>
            <PolicyName>AdministratorAccess</PolicyName>
            <PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess</PolicyArn>
          </member>
        </AttachedManagedPolicies>
        <GroupName>Admins</GroupName>
        <Path>/</Path>
        <Arn>arn:aws:iam::123456789012:group/Admins</Arn>
        <CreateDate>2013-10-14T18:32:24Z</CreateDate>
        <GroupPolicyList/>
      </member>
    </GroupDetailList>
    <RoleDetailList>
      <member>
        <RolePolicyList/>
        <AttachedManagedPolicies/>
        <InstanceProfileList>
          <member>
            <InstanceProfileId>AIPAJ5QNPDJ2EXAMPLE</InstanceProfileId>
            <Roles>
              <member>
                <Path>/</Path>
                <Arn>arn:aws:iam::123456789012:role/EC2</Arn>
                <RoleName>EC2</RoleName>
                <AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument>
                <CreateDate>2014-07-30T17:09:20Z</CreateDate>
                <RoleId>AROAFP4BKI7Y7TEXAMPLE</RoleId>
              </member>
            </Roles>
            <InstanceProfileName>EC2</InstanceProfileName>
            <Path>/</Path>
            <Arn>arn:aws:iam::123456789012:instance-profile/EC2</Arn>
            <CreateDate>2014-07-30T17:09:20Z</CreateDate>
          </member>
        </InstanceProfileList>
        <RoleId>AROAFP4BKI7Y7TEXAMPLE</RoleId>
        <Path>/</Path>
        <RoleName>EC2</RoleName>
        <Arn>arn:aws:iam::123456789012:role/EC2</Arn>
        <AssumeRolePolicyDocument>{TRUST}</AssumeRolePolicyDocument>
        <CreateDate>2014-07-30T17:09:20Z</CreateDate>
        <RoleLastUsed>
          <LastUsedDate>2024-03-01T12:00:00.5Z</LastUsedDate>
          <Region>ap-southeast-2</Region>
        </RoleLastUsed>
      </member>
    </RoleDetailList>
    <Policies>
      <member>
        <PolicyName>create-update-delete-set-managed-policies</PolicyName>
        <DefaultVersionId>v1</DefaultVersionId>
        <PolicyId>ANPAJ2UCCR6DPCEXAMPLE</PolicyId>
        <Path>/</Path>
        <PolicyVersionList>
          <member>
            <Document>{POLICY_V1}</Document>
            <IsDefaultVersion>true</IsDefaultVersion>
            <VersionId>v1</VersionId>
            <CreateDate>2015-02-06T19:58:34Z</CreateDate>
          </member>
        </PolicyVersionList>
        <Arn>arn:aws:iam::123456789012:policy/create-update-delete-set-managed-policies</Arn>
        <AttachmentCount>1</AttachmentCount>
        <PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>
        <IsAttachable>true</IsAttachable>
        <CreateDate>2015-02-06T19:58:34Z</CreateDate>
        <UpdateDate>2015-02-06T19:58:34Z</UpdateDate>
      </member>
    </Policies>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata>
    <RequestId>92e79ae7-7399-11e4-8c85-4b53eEXAMPLE</RequestId>
  </ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>
"""


def test_list_roles_with_role_last_used_and_tags() -> None:
    ours, theirs = assert_same("ListRoles", LIST_ROLES.encode())
    assert ours.is_truncated is True
    assert ours.marker == "AAIAAQAAAAEAAAAgvO4Tq6bH1Cz0zCwgZmFrZQ=="
    first, second = ours.roles
    assert first.assume_role_policy_document == TRUST_TEXT
    assert theirs["Roles"][0]["AssumeRolePolicyDocument"] == TRUST  # botocore leaves it encoded
    assert first.role_last_used.last_used_date == datetime(
        2019, 11, 18, 5, 32, 19, 713000, tzinfo=UTC
    )
    assert first.role_last_used.region == "us-east-1"
    assert first.description == "Lets EC2 read & write <reports>"
    assert [(t.key, t.value) for t in first.tags] == [("cost-center", "Ünïcode 12"), ("empty", "")]
    assert first.max_session_duration == 3600
    assert second.role_last_used is not None and second.role_last_used.last_used_date is None
    assert second.permissions_boundary.permissions_boundary_type == "PermissionsBoundaryPolicy"
    assert second.permissions_boundary.permissions_boundary_type.known
    assert second.tags is None and second.assume_role_policy_document is None
    assert (first.max_signin_session_duration, second.max_signin_session_duration) == (None, 43200)
    assert theirs["Roles"][1]["MaxSigninSessionDuration"] == 43200
    assert ours.response_metadata.request_id == "20f7279f-99ee-11e1-a4c3-27EXAMPLE804"


def test_get_role_decodes_the_trust_policy() -> None:
    ours, _ = assert_same("GetRole", GET_ROLE.encode())
    role = ours.role
    assert role.assume_role_policy_document == TRUST_TEXT
    assert role.create_date == datetime(2012, 5, 8, 23, 34, 1, tzinfo=UTC)
    assert role.max_session_duration == 43200
    # written back, the document is URL-encoded again and reads the same with botocore
    assert_same("GetRole", to_xml(ours).encode())
    assert TRUST_TEXT not in to_xml(ours)


def test_get_service_last_accessed_details_with_tracked_actions() -> None:
    ours, _ = assert_same("GetServiceLastAccessedDetails", GET_SERVICE_LAST_ACCESSED.encode())
    assert ours.job_status == models.JobStatusType.COMPLETED
    assert ours.job_type == models.AccessAdvisorUsageGranularityType.ACTION_LEVEL
    assert ours.job_creation_date == datetime(2020, 1, 2, 10, 0, 0, 456000, tzinfo=UTC)
    assert ours.job_completion_date == datetime(2020, 1, 2, 10, 0, 5, 123000, tzinfo=UTC)
    s3, lam = ours.services_last_accessed
    assert (s3.service_namespace, s3.total_authenticated_entities) == ("s3", 2)
    get, put = s3.tracked_actions_last_accessed
    assert get.action_name == "GetObject"
    assert get.last_accessed_time == datetime(2020, 1, 1, 8, 15, tzinfo=UTC)
    assert (put.action_name, put.last_accessed_time, put.last_accessed_region) == (
        "PutObject",
        None,
        None,
    )
    assert lam.last_authenticated is None and lam.tracked_actions_last_accessed == []
    assert ours.error is None


def test_get_account_authorization_details() -> None:
    ours, _ = assert_same(
        "GetAccountAuthorizationDetails", GET_ACCOUNT_AUTHORIZATION_DETAILS.encode()
    )
    (user,) = ours.user_detail_list
    assert user.group_list == ["Admins", "Dev & Ops"]
    assert user.attached_managed_policies == []
    assert user.user_policy_list[0].policy_document == (
        '{"Statement":[{"Effect":"Deny","Action":"*"}]}'
    )
    (group,) = ours.group_detail_list
    assert (
        group.attached_managed_policies[0].policy_arn
        == "arn:aws:iam::aws:policy/AdministratorAccess"
    )
    (role,) = ours.role_detail_list
    assert role.instance_profile_list[0].roles[0].assume_role_policy_document == TRUST_TEXT
    assert role.role_last_used.last_used_date == datetime(2024, 3, 1, 12, 0, 0, 500000, tzinfo=UTC)
    (policy,) = ours.policies
    assert policy.policy_version_list[0].document == '{"Version":"2012-10-17","Statement":[]}'
    assert policy.policy_version_list[0].is_default_version is True
    assert (policy.attachment_count, policy.permissions_boundary_usage_count) == (1, 0)
    # and the whole thing survives our own round trip, read alike by botocore again
    assert_same("GetAccountAuthorizationDetails", to_xml(ours).encode())
    assert models.GetAccountAuthorizationDetailsResponse.of_xml(to_xml(ours)) == ours


# ------------------------------------------------------------------ other spellings of the same document

ROLE_MEMBERS = (
    "<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROAEXAMPLE</RoleId>"
    "<Arn>arn:aws:iam::123456789012:role/r</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate>"
    "<Description> \t </Description></Role>"
)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n<GetRoleResponse xmlns="{NS}">'
            f"<GetRoleResult>{ROLE_MEMBERS}</GetRoleResult></GetRoleResponse>",
            id="declaration and comment",
        ),
        pytest.param(
            f"<GetRoleResponse xmlns='{NS}'><GetRoleResult>{ROLE_MEMBERS}</GetRoleResult></GetRoleResponse>",
            id="single-quoted namespace",
        ),
        pytest.param(
            f'<iam:GetRoleResponse xmlns:iam="{NS}"><iam:GetRoleResult>'
            + ROLE_MEMBERS.replace("<", "<iam:").replace("<iam:/", "</iam:")
            + "</iam:GetRoleResult></iam:GetRoleResponse>",
            id="prefixed namespace",
        ),
        pytest.param(
            f'<GetRoleResponse xmlns="{NS}"><GetRoleResult xmlns="urn:another">{ROLE_MEMBERS}'
            "</GetRoleResult></GetRoleResponse>",
            id="nested default namespace",
        ),
        pytest.param(
            f"<GetRoleResponse><GetRoleResult>{ROLE_MEMBERS}</GetRoleResult></GetRoleResponse>",
            id="no namespace",
        ),
        pytest.param(
            f'<GetRoleResponse xmlns="{NS}">\r\n  <GetRoleResult>\r\n{ROLE_MEMBERS}\r\n  </GetRoleResult>\r\n'
            "</GetRoleResponse>\r\n",
            id="CRLF between elements",
        ),
    ],
)
def test_document_spellings_read_alike(document: str) -> None:
    ours, _ = assert_same("GetRole", document.encode("utf-8"))
    assert ours.role.role_name == "r"
    assert ours.role.description == " \t "


# ------------------------------------------------------------------ what IAM's model does not use

#: XML features IAM's outputs lack but awsQuery models have: renamed members, renamed list
#: items, flattened lists and maps, renamed map keys and values, recursion, doubles and longs.
RICH_MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2024-01-01",
        "endpointPrefix": "rich",
        "protocol": "query",
        "serviceId": "Rich",
        "signatureVersion": "v4",
        "xmlNamespace": "https://rich.example.com/doc/2024-01-01/",
    },
    "operations": {
        "GetRich": {
            "name": "GetRich",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "GetRichRequest"},
            "output": {"shape": "GetRichResponse", "resultWrapper": "GetRichResult"},
        }
    },
    "shapes": {
        "GetRichRequest": {"type": "structure", "members": {"Name": {"shape": "String"}}},
        "GetRichResponse": {
            "type": "structure",
            "members": {
                "ItemList": {"shape": "ItemList"},
                "FlatList": {"shape": "StringList", "flattened": True},
                "FlatNamed": {"shape": "StringList", "flattened": True, "locationName": "Flat"},
                "NamedMap": {"shape": "NamedMap"},
                "FlatMap": {"shape": "PlainMap", "flattened": True},
                "Node": {"shape": "Node"},
                "Renamed": {"shape": "String", "locationName": "OtherName"},
                "When": {"shape": "Timestamp"},
                "Ratio": {"shape": "Double"},
                "Big": {"shape": "Long"},
                "Flag": {"shape": "Boolean"},
                "Raw": {"shape": "Blob"},
                "Color": {"shape": "Color"},
            },
        },
        "ItemList": {"type": "list", "member": {"shape": "String", "locationName": "item"}},
        "StringList": {"type": "list", "member": {"shape": "String"}},
        "NamedMap": {
            "type": "map",
            "key": {"shape": "Color", "locationName": "Name"},
            "value": {"shape": "Node", "locationName": "Value"},
        },
        "PlainMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Node": {
            "type": "structure",
            "members": {"Label": {"shape": "String"}, "Children": {"shape": "NodeList"}},
        },
        "NodeList": {"type": "list", "member": {"shape": "Node"}},
        "Color": {"type": "string", "enum": ["red", "green"]},
        "String": {"type": "string"},
        "Timestamp": {"type": "timestamp"},
        "Double": {"type": "double"},
        "Long": {"type": "long"},
        "Boolean": {"type": "boolean"},
        "Blob": {"type": "blob"},
    },
}


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, OperationModel]]:
    from botocore.model import ServiceModel

    from codegen.generate import generate_into

    root = tmp_path_factory.mktemp("rich")
    generate_into(root / "diff_rich", RICH_MODEL, testing=root / "diff_rich_codecs")
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("diff_rich_codecs")  # registers its writers for to_xml
        shapes = importlib.import_module("diff_rich.shapes")
        enums = importlib.import_module("diff_rich.enums")
        strategies = ModelStrategies(RICH_MODEL, shapes, enums)
        yield strategies, ServiceModel(RICH_MODEL, "rich").operation_model("GetRich")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] in ("diff_rich", "diff_rich_codecs")]:
            del sys.modules[name]


def _flattened_not_empty(x: Any) -> bool:
    # An empty flattened collection has no XML form at all: it reads as absent, in botocore too.
    return all(v is None or len(v) > 0 for v in (x.flat_list, x.flat_named, x.flat_map))


@settings(QUICK, max_examples=40)
@given(data=st.data())
def test_generated_model_with_other_xml_features_reads_alike(
    rich: tuple[Any, OperationModel], data: st.DataObject
) -> None:
    strategies, op = rich
    cls = strategies.model_class("GetRichResponse")
    x = data.draw(strategies.of("GetRichResponse").filter(_flattened_not_empty))
    body = to_xml(x).encode("utf-8")
    ours = cls.of_xml(body)
    assert ours == x
    theirs = botocore_parse(op, body)
    theirs.pop("ResponseMetadata", None)
    assert from_ours(ours) == from_botocore(op.output_shape, theirs)


def test_rich_document_layout(rich: tuple[Any, OperationModel]) -> None:
    strategies, op = rich
    cls = strategies.model_class("GetRichResponse")
    node = strategies.model_class("Node")
    x = cls._complete(
        {
            "item_list": ["a"],
            "flat_list": ["b", "c"],
            "flat_named": ["d"],
            "named_map": {"red": node._complete({"label": "leaf", "children": []})},
            "flat_map": {"k": "v"},
            "renamed": "r",
            "node": node._complete(
                {"label": "root", "children": [node._complete({"label": "kid"})]}
            ),
        }
    )
    body = to_xml(x)
    for fragment in (
        "<ItemList>",
        "<item>a</item>",
        "<FlatList>b</FlatList>",
        "<FlatList>c</FlatList>",
        "<Flat>d</Flat>",
        "<Name>red</Name>",
        "<Value>",
        "<FlatMap>",
        "<OtherName>r</OtherName>",
    ):
        assert fragment in body, fragment
    assert "<Renamed>" not in body and "<FlatNamed>" not in body
    assert cls.of_xml(body) == x
    theirs = botocore_parse(op, body.encode())
    theirs.pop("ResponseMetadata", None)
    assert from_ours(x) == from_botocore(op.output_shape, theirs)


# ------------------------------------------------------------------ what botocore 1.44.8 added

GET_SAML_PROVIDER = f"""<GetSAMLProviderResponse xmlns="{NS}">
  <GetSAMLProviderResult>
    <SAMLProviderUUID>0a1b2c3d-4e5f-6789-abcd-ef0123456789</SAMLProviderUUID>
    <SAMLMetadataDocument>&lt;EntityDescriptor/&gt;</SAMLMetadataDocument>
    <CreateDate>2025-11-18T10:00:00Z</CreateDate>
    <ValidUntil>2035-11-18T10:00:00Z</ValidUntil>
    <IdentityCenterInstanceArn>arn:aws:sso:::instance/ssoins-1234567890abcdef</IdentityCenterInstanceArn>
    <IdentityStoreArn>arn:aws:identitystore::123456789012:identitystore/d-1234567890</IdentityStoreArn>
    <ContextProvider>
      <SubjectSourceKey>NameID</SubjectSourceKey>
      <SubjectTypeValue>user</SubjectTypeValue>
      <KeyDefinitionList>
        <member><SourceKey>email</SourceKey><TargetKey>mail</TargetKey></member>
        <member><SourceKey>groups</SourceKey></member>
      </KeyDefinitionList>
    </ContextProvider>
    <SAMLKeyHashes>
      <member>
        <IssuerURL>https://idp.example.com/saml</IssuerURL>
        <KeyHashes><member>3f786850e387550fdab836ed7e6dc881de23001b</member></KeyHashes>
      </member>
    </SAMLKeyHashes>
    <Tags/>
  </GetSAMLProviderResult>
  <ResponseMetadata><RequestId>29f47818-99f5-11e1-a4c3-27EXAMPLE804</RequestId></ResponseMetadata>
</GetSAMLProviderResponse>"""

LIST_OIDC_PROVIDERS = f"""<ListOpenIDConnectProvidersResponse xmlns="{NS}">
  <ListOpenIDConnectProvidersResult>
    <OpenIDConnectProviderList>
      <member>
        <Arn>arn:aws:iam::123456789012:oidc-provider/server.example.com</Arn>
        <IsTrustedIdentityPropagationEnabled>true</IsTrustedIdentityPropagationEnabled>
      </member>
      <member><Arn>arn:aws:iam::123456789012:oidc-provider/other.example.com</Arn></member>
    </OpenIDConnectProviderList>
  </ListOpenIDConnectProvidersResult>
  <ResponseMetadata><RequestId>de2c0228-4f63-11e4-aefa-bfd6aEXAMPLE</RequestId></ResponseMetadata>
</ListOpenIDConnectProvidersResponse>"""


def test_get_saml_provider_with_the_members_added_in_1_44_8() -> None:
    ours, theirs = assert_same("GetSAMLProvider", GET_SAML_PROVIDER.encode())
    assert ours.identity_center_instance_arn == "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    cp = ours.context_provider
    assert (cp.subject_source_key, cp.subject_type_value) == ("NameID", "user")
    assert [(k.source_key, k.target_key) for k in cp.key_definition_list] == [
        ("email", "mail"),
        ("groups", None),
    ]
    (entry,) = ours.saml_key_hashes
    assert entry.key_hashes == ["3f786850e387550fdab836ed7e6dc881de23001b"]
    assert theirs["SAMLKeyHashes"][0]["IssuerURL"] == entry.issuer_url
    assert ours.model_extra == {} and cp.model_extra == {}  # nothing left unknown


def test_list_oidc_providers_with_trusted_identity_propagation() -> None:
    ours, _ = assert_same("ListOpenIDConnectProviders", LIST_OIDC_PROVIDERS.encode())
    flags = [p.is_trusted_identity_propagation_enabled for p in ours.open_id_connect_provider_list]
    assert flags == [True, None]


# ------------------------------------------------------------------ members the model lacks

FUTURE = "IamlastFuture"


def _inject(el: Any, shape: Shape) -> int:
    """Give every structure element under ``el`` an unknown ``<IamlastFuture>`` child (at the
    end, after its members); the count of those added."""
    from lxml import etree

    added = 0
    kind = shape.type_name
    if kind == "structure":
        by_name = {m.serialization.get("name", n): m for n, m in shape.members.items()}
        for child in list(el):
            member = by_name.get(etree.QName(child).localname)
            if member is not None:
                added += _inject(child, member)
        etree.SubElement(el, f"{{{NS}}}{FUTURE}").text = "v"
        added += 1
    elif kind == "list":
        assert not shape.serialization.get("flattened")
        for child in el:
            added += _inject(child, shape.member)
    elif kind == "map":
        value_name = shape.value.serialization.get("name", "value")
        for entry in el:
            for part in entry:
                if etree.QName(part).localname == value_name:
                    added += _inject(part, shape.value)
    return added


def _kept(value: Any) -> int:
    """How many models hold exactly the injected unknown member (any other extra fails)."""
    if isinstance(value, BaseModel):
        if value.model_extra:
            assert value.model_extra == {FUTURE: "v"}, (type(value).__name__, value.model_extra)
        found = 1 if value.model_extra else 0
        return found + sum(_kept(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list):
        return sum(_kept(v) for v in value)
    if isinstance(value, dict):
        return sum(_kept(v) for v in value.values())
    return 0


@pytest.mark.parametrize("op_name", _op_params())
@QUICK
@given(data=st.data())
def test_unknown_members_everywhere_change_nothing_known(op_name: str, data: st.DataObject) -> None:
    """Every structure of every response carries a member the model lacks: botocore ignores it,
    iamlast keeps it in that structure's model_extra, and both still read every known member
    to the same values."""
    from lxml import etree

    spec = OPERATIONS[op_name]
    x = data.draw(S.of(spec.output or ""), label=spec.output)
    op = SERVICE.operation_model(op_name)
    root = etree.fromstring(to_xml(x, operation=op_name).encode("utf-8"))
    result = root.find(f"{{{NS}}}{op.output_shape.serialization['resultWrapper']}")
    assert result is not None
    added = _inject(result, op.output_shape)
    ours, _ = assert_same(op_name, etree.tostring(root))
    assert added >= 1 and _kept(ours) == added
    assert type(ours).of_json(ours.to_json()) == ours
