"""The emulator's policy operations, read and written by boto3 (a client we did not write): wire
format (URL-encoded documents botocore decodes), paging, IAM's errors, and last-accessed reports
that follow the policies as they change."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError

from iamlast.testing import TRACKED_ACTIONS, FakeIAM, SyntheticAccount
from iamlast.testing import policies as store

from .conftest import AS_OF, post


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def _report(client: Any, arn: str, granularity: str = "SERVICE_LEVEL") -> dict[str, Any]:
    job = client.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    for _ in range(5):
        page = client.get_service_last_accessed_details(JobId=job)
        if page["JobStatus"] == "COMPLETED":
            found = {s["ServiceNamespace"]: s for s in page["ServicesLastAccessed"]}
            while page["IsTruncated"]:
                page = client.get_service_last_accessed_details(JobId=job, Marker=page["Marker"])
                found.update({s["ServiceNamespace"]: s for s in page["ServicesLastAccessed"]})
            return found
    raise AssertionError("the job never completed")


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_generated_documents_allow_exactly_each_policys_services(seed: int) -> None:
    acct = SyntheticAccount.generate(seed, as_of=AS_OF, bulk_policies=False)
    for policy in acct.policies.values():
        before = set(policy.services)
        document = store.default_version(acct, policy).document
        store.check_document(document)
        assert store.granted_namespaces(document) == before, policy.name
    for owner in [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]:
        for inline in owner.inline:
            before = set(inline.services)
            document = store.inline_document(acct, owner, inline)
            assert store.granted_namespaces(document) == before, (owner.name, inline.name)
            assert len("".join(document.split())) <= store.INLINE_QUOTAS[owner.entity_type]
    shapes = "".join(store.default_version(acct, p).document for p in acct.policies.values())
    assert '"NotAction"' in shapes and '"Action": "*"' in shapes and '"Effect": "Deny"' in shapes


def test_documents_are_url_encoded_on_the_wire_and_decoded_by_botocore(iam: FakeIAM, client: Any) -> None:
    role = iam.account.add_role("wire-role", services=["s3"])
    text = _doc(_allow(["s3:GetObject", "s3:Put*"]))
    client.put_role_policy(RoleName=role.name, PolicyName="p", PolicyDocument=text)
    raw = post(iam, {"Action": "GetRolePolicy", "RoleName": role.name, "PolicyName": "p"})
    assert raw.status_code == 200
    assert f"<PolicyDocument>{quote(text, safe='')}</PolicyDocument>" in raw.text.replace("%20", "%20")
    got = client.get_role_policy(RoleName=role.name, PolicyName="p")
    assert got["PolicyDocument"] == json.loads(text)  # botocore decodes it to a dict
    assert client.list_role_policies(RoleName=role.name)["PolicyNames"] == ["p", "wire-role-inline"]


def test_managed_policy_versions_and_their_errors(iam: FakeIAM, client: Any) -> None:
    made = client.create_policy(PolicyName="vers", Path="/t/", PolicyDocument=_doc(_allow("s3:*")), Description="d")
    arn = made["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{iam.account.account_id}:policy/t/vers" and made["Policy"]["DefaultVersionId"] == "v1"
    with pytest.raises(ClientError) as exc:
        client.create_policy(PolicyName="vers", PolicyDocument=_doc(_allow("s3:*")))
    assert _code(exc) == "EntityAlreadyExists"
    for i in range(4):
        v = client.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(_allow(f"sqs:Get{i}*")), SetAsDefault=i == 3)
        assert "Document" not in v["PolicyVersion"]
    with pytest.raises(ClientError) as exc:
        client.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(_allow("s3:*")))
    assert _code(exc) == "LimitExceeded"
    listed = client.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in listed] == [True, False, False, False, False]
    with pytest.raises(ClientError) as exc:
        client.delete_policy_version(PolicyArn=arn, VersionId="v5")
    assert _code(exc) == "DeleteConflict"
    client.delete_policy_version(PolicyArn=arn, VersionId="v1")
    made = client.create_policy_version(PolicyArn=arn, PolicyDocument=_doc(_allow("ec2:*")))
    assert made["PolicyVersion"]["VersionId"] == "v6"  # never reused
    client.set_default_policy_version(PolicyArn=arn, VersionId="v6")
    assert client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"
    version = client.get_policy_version(PolicyArn=arn, VersionId="v6")["PolicyVersion"]
    assert version["Document"] == json.loads(_doc(_allow("ec2:*"))) and version["IsDefaultVersion"]
    with pytest.raises(ClientError) as exc:
        client.get_policy_version(PolicyArn=arn, VersionId="v1")
    assert _code(exc) == "NoSuchEntity"
    role = iam.account.add_role("holder")
    client.attach_role_policy(RoleName=role.name, PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        client.delete_policy(PolicyArn=arn)
    assert _code(exc) == "DeleteConflict"
    client.detach_role_policy(RoleName=role.name, PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        client.detach_role_policy(RoleName=role.name, PolicyArn=arn)
    assert _code(exc) == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        client.delete_policy(PolicyArn=arn)  # non-default versions left
    assert _code(exc) == "DeleteConflict"
    for vid in ("v2", "v3", "v4", "v5"):
        client.delete_policy_version(PolicyArn=arn, VersionId=vid)
    client.delete_policy(PolicyArn=arn)
    with pytest.raises(ClientError) as exc:
        client.get_policy(PolicyArn=arn)
    assert _code(exc) == "NoSuchEntity"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "Syntax errors"),
        (json.dumps({"Version": "2012-10-17", "Statement": []}), "Syntax errors"),
        (_doc({"Effect": "Allow", "Action": "s3:*"}), "resources"),
        (_doc({"Effect": "Allow", "Resource": "*"}), "actions"),
        (_doc({"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}), "Syntax errors"),
        (_doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}), "principal"),
        (_doc(_allow("GetObject")), "vendor"),
    ],
)
def test_malformed_documents_are_refused(iam: FakeIAM, client: Any, document: str, message: str) -> None:
    with pytest.raises(ClientError) as exc:
        client.put_user_policy(UserName="alice", PolicyName="bad", PolicyDocument=document)
    assert _code(exc) == "MalformedPolicyDocument"
    assert message in exc.value.response["Error"]["Message"]


def test_size_and_attachment_quotas(iam: FakeIAM, client: Any) -> None:
    big = _doc(_allow([f"s3:Get{i:04d}Thing" for i in range(120)]))
    with pytest.raises(ClientError) as exc:
        client.put_user_policy(UserName="bob", PolicyName="big", PolicyDocument=big)
    assert _code(exc) == "LimitExceeded" and "2048" in exc.value.response["Error"]["Message"]
    client.put_role_policy(RoleName="OrganizationAccountAccessRole", PolicyName="big", PolicyDocument=big)
    huge = _doc(_allow([f"s3:Get{i:04d}Thing" for i in range(400)]))
    with pytest.raises(ClientError) as exc:
        client.create_policy(PolicyName="huge", PolicyDocument=huge)
    assert _code(exc) == "LimitExceeded" and "6144" in exc.value.response["Error"]["Message"]
    role = iam.account.add_role("attached-a-lot")
    aws = [p.arn for p in iam.account.policies.values() if p.aws_managed][:11]
    for arn in aws[:10]:
        client.attach_role_policy(RoleName=role.name, PolicyArn=arn)
    client.attach_role_policy(RoleName=role.name, PolicyArn=aws[0])  # again: nothing changes
    with pytest.raises(ClientError) as exc:
        client.attach_role_policy(RoleName=role.name, PolicyArn=aws[10])
    assert _code(exc) == "LimitExceeded"


def test_principals_their_groups_and_what_policies_are_attached_to(iam: FakeIAM, client: Any) -> None:
    acct = iam.account
    user = acct.user("alice")
    acct.tag(user, "team", "blue")
    got = client.get_user(UserName="alice")["User"]
    assert got["Arn"] == user.arn and got["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert {g["GroupName"] for g in client.get_paginator("list_groups_for_user").paginate(UserName="alice").build_full_result()["Groups"]} == {g.name for g in user.groups}
    group = acct.group("Admins")
    users = client.get_paginator("get_group").paginate(GroupName="Admins", PaginationConfig={"PageSize": 2}).build_full_result()
    assert sorted(u["UserName"] for u in users["Users"]) == sorted(m.name for m in group.members)
    shared = next(p for p in acct.policies.values() if not p.aws_managed and len(p.attached) > 1)
    entities = client.list_entities_for_policy(PolicyArn=shared.arn)
    names = {e["RoleName"] for e in entities["PolicyRoles"]} | {e["UserName"] for e in entities["PolicyUsers"]} | {e["GroupName"] for e in entities["PolicyGroups"]}
    assert names == {p.name for p in shared.attached}
    attached = client.list_attached_group_policies(GroupName="Admins")["AttachedPolicies"]
    assert attached == [{"PolicyName": m.name, "PolicyArn": m.arn} for m in group.managed]
    with pytest.raises(ClientError) as exc:
        client.get_role(RoleName="nobody")
    assert _code(exc) == "NoSuchEntity"
    with pytest.raises(ClientError) as exc:
        client.get_role_policy(RoleName="OrganizationAccountAccessRole", PolicyName="nothing")
    assert _code(exc) == "NoSuchEntity"


def test_account_authorization_details_page_over_everything(iam: FakeIAM, client: Any) -> None:
    acct = iam.account
    pages = list(client.get_paginator("get_account_authorization_details").paginate(PaginationConfig={"PageSize": 7}))
    assert len(pages) > 3
    users = [u for p in pages for u in p["UserDetailList"]]
    roles = [r for p in pages for r in p["RoleDetailList"]]
    groups = [g for p in pages for g in p["GroupDetailList"]]
    policies = [x for p in pages for x in p["Policies"]]
    assert sorted(u["UserName"] for u in users) == sorted(acct.users)
    assert sorted(r["RoleName"] for r in roles) == sorted(acct.roles)
    assert sorted(g["GroupName"] for g in groups) == sorted(acct.groups)
    assert {x["Arn"] for x in policies} == {p.arn for p in acct.policies.values() if not p.aws_managed or p.attachment_count}
    alice = next(u for u in users if u["UserName"] == "alice")
    assert sorted(alice["GroupList"]) == sorted(g.name for g in acct.user("alice").groups)
    some = next(x for x in policies if x["PolicyVersionList"])
    assert isinstance(some["PolicyVersionList"][0]["Document"], dict)
    only_roles = client.get_account_authorization_details(Filter=["Role"], MaxItems=1000)
    assert not only_roles["UserDetailList"] and len(only_roles["RoleDetailList"]) == len(acct.roles)


def test_reports_follow_the_policies_as_they_change(iam: FakeIAM, client: Any) -> None:
    acct = iam.account
    iam.job_polls = 0
    role = acct.add_role("changing", services=["s3", "sqs", "ec2"])
    assert set(_report(client, role.arn)) == {"s3", "sqs", "ec2"}
    client.put_role_policy(RoleName=role.name, PolicyName="changing-inline", PolicyDocument=_doc(_allow(["s3:CreateBucket", "s3:GetObject"])))
    report = _report(client, role.arn, "ACTION_LEVEL")
    assert set(report) == {"s3"}  # a service no policy allows any more is no longer reported
    assert [a["ActionName"] for a in report["s3"]["TrackedActionsLastAccessed"]] == ["CreateBucket"]
    client.put_role_policy(RoleName=role.name, PolicyName="more", PolicyDocument=_doc({"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"}))
    report = _report(client, role.arn, "ACTION_LEVEL")
    assert "iam" not in report and "ec2" in report and len(report) == len(acct.all_services()) - 1
    assert {a["ActionName"] for a in report["ec2"]["TrackedActionsLastAccessed"]} == set(TRACKED_ACTIONS["ec2"])
    client.delete_role_policy(RoleName=role.name, PolicyName="more")
    client.attach_role_policy(RoleName=role.name, PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    assert set(_report(client, role.arn)) == {"s3", "sqs"}
    client.detach_role_policy(RoleName=role.name, PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    assert set(_report(client, role.arn)) == {"s3"}
    granting = client.list_policies_granting_service_access(Arn=role.arn, ServiceNamespaces=["s3", "sqs"])
    by_ns = {e["ServiceNamespace"]: e["Policies"] for e in granting["PoliciesGrantingServiceAccess"]}
    assert [p["PolicyName"] for p in by_ns["s3"]] == ["changing-inline"] and by_ns["sqs"] == []
