"""apply and rollback against moto (a third-party IAM emulator), through both clients.

moto has no last-accessed reports, so the proposal is planned with the pure core from a report
written here; everything else — the re-read before writing, every write (PutRolePolicy,
CreatePolicyVersion with the oldest version deleted first, CreatePolicy, attach, detach), the
rollback — runs against moto's own implementation of IAM.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from iamlast.leastprivilege import (
    ApplyRecord,
    PlanOptions,
    PolicyInput,
    PolicyKind,
    Principal,
    PrincipalType,
    ProposalDriftError,
    StepOp,
    assemble,
    plan_principal,
)
from iamlast.report import AccessReport, ActionUsage, ServiceUsage

from ._support import ACCOUNT, TRUST, run

pytestmark = pytest.mark.timeout(120)

INLINE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/orders"},
        ],
    },
    indent=2,
)
MANAGED = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"}]}
)
SHARED = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:List*", "sns:*"], "Resource": "*"}]}
)


def _older(i: int) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": f"sqs:Get{i}*", "Resource": "*"}]})


def _setup(boto: Any) -> tuple[str, str, str]:
    """A role with an inline policy, its own managed policy at 5 versions, and a managed policy
    it shares with another role (forked: moto loads no AWS managed policies to replace)."""
    role = boto.create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)["Role"]
    boto.create_role(RoleName="other", AssumeRolePolicyDocument=TRUST)
    boto.put_role_policy(RoleName="app", PolicyName="app-inline", PolicyDocument=INLINE)
    arn = boto.create_policy(PolicyName="app-managed", PolicyDocument=MANAGED)["Policy"]["Arn"]
    for i in range(4):
        boto.create_policy_version(PolicyArn=arn, PolicyDocument=_older(i), SetAsDefault=False)
    boto.attach_role_policy(RoleName="app", PolicyArn=arn)
    shared = boto.create_policy(PolicyName="team-shared", PolicyDocument=SHARED)["Policy"]["Arn"]
    boto.attach_role_policy(RoleName="app", PolicyArn=shared)
    boto.attach_role_policy(RoleName="other", PolicyArn=shared)
    return str(role["Arn"]), str(arn), str(shared)


#: The Regions the principals act in (the core proves nothing unused without them).
REGIONS = ("us-east-1",)


def _report(arn: str) -> AccessReport:
    now = datetime.now(UTC)
    used, old = now - timedelta(days=3), now - timedelta(days=200)
    return AccessReport(
        arn=arn,
        job_id="moto-has-none",
        granularity="ACTION_LEVEL",
        job_created=now,
        as_of=now,
        services=(
            ServiceUsage("s3", "Amazon S3", used, actions=(ActionUsage("s3", "PutObject", None, None, None),)),
            ServiceUsage("dynamodb", "Amazon DynamoDB", old),
            ServiceUsage("sqs", "Amazon SQS", used),
            ServiceUsage("sns", "Amazon SNS", None),
        ),
    )


async def _inputs(api: Any, managed_arn: str, shared_arn: str) -> list[PolicyInput]:
    inline = await run(api.get_role_policy(role_name="app", policy_name="app-inline"))
    out = [PolicyInput(PolicyKind.INLINE, "app-inline", inline.policy_document)]
    app, other = f"arn:aws:iam::{ACCOUNT}:role/app", f"arn:aws:iam::{ACCOUNT}:role/other"
    for arn, attached in ((managed_arn, (app,)), (shared_arn, (app, other))):
        policy = (await run(api.get_policy(policy_arn=arn))).policy
        version = await run(api.get_policy_version(policy_arn=arn, version_id=policy.default_version_id))
        listed = await run(api.list_policy_versions(policy_arn=arn))
        ids = sorted((v.version_id for v in listed.versions), key=lambda v: int(v[1:]))
        out.append(
            PolicyInput(
                PolicyKind.CUSTOMER_MANAGED,
                policy.policy_name,
                version.policy_version.document,
                arn=arn,
                default_version_id=policy.default_version_id,
                versions=tuple(ids),
                attached_to=attached,
            )
        )
    return out


async def _state(api: Any, managed_arn: str) -> dict[str, Any]:
    inline = await run(api.get_role_policy(role_name="app", policy_name="app-inline"))
    policy = (await run(api.get_policy(policy_arn=managed_arn))).policy
    default = await run(api.get_policy_version(policy_arn=managed_arn, version_id=policy.default_version_id))
    attached = await run(api.list_attached_role_policies(role_name="app"))
    return {
        "inline": inline.policy_document,
        "default": policy.default_version_id,
        "default_document": default.policy_version.document,
        "attached": sorted(a.policy_arn for a in attached.attached_policies),
    }


async def test_apply_and_rollback_against_moto(api: Any, boto: Any) -> None:
    role_arn, managed_arn, shared_arn = _setup(boto)
    before = await _state(api, managed_arn)
    principal = Principal(role_arn, PrincipalType.ROLE, "app", datetime.now(UTC) - timedelta(days=500))
    report = _report(role_arn)
    inputs = await _inputs(api, managed_arn, shared_arn)
    planned = plan_principal(principal, inputs, report, options=PlanOptions(shared="fork", regions=REGIONS))
    proposal = assemble([planned], reports=[report])
    ops = [s.op for s in proposal.steps()]
    assert ops == [
        StepOp.PUT_INLINE_POLICY,
        StepOp.DELETE_POLICY_VERSION,
        StepOp.CREATE_POLICY_VERSION,
        StepOp.CREATE_POLICY,
        StepOp.ATTACH_POLICY,
        StepOp.DETACH_POLICY,
    ]
    assert await run(api.check_proposal(proposal)) == ()

    record: ApplyRecord = await run(api.apply(proposal))
    assert record.complete
    applied = await _state(api, managed_arn)
    assert json.loads(applied["inline"])["Statement"] == [
        {"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
    ]
    assert applied["default"] == "v6"
    assert json.loads(applied["default_document"])["Statement"][0]["Action"] == ["sqs:*"]
    copy = next(a.created_policy_arn for a in record.applied if a.created_policy_arn)
    assert copy == f"arn:aws:iam::{ACCOUNT}:policy/iamlast/team-shared-app"
    assert applied["attached"] == sorted([managed_arn, copy])
    copied = await run(api.get_policy_version(policy_arn=copy, version_id="v1"))
    assert json.loads(copied.policy_version.document)["Statement"][0]["Action"] == ["s3:List*"]
    deleted = next(a.deleted_version for a in record.applied if a.deleted_version)
    assert deleted.version_id == "v2" and deleted.document == _older(0)

    undone = await run(api.rollback(ApplyRecord.from_json(record.dumps())))
    assert undone.complete
    assert await _state(api, managed_arn) == before  # the same bytes and default version
    listed = await run(api.list_policy_versions(policy_arn=managed_arn))
    documents = [
        (await run(api.get_policy_version(policy_arn=managed_arn, version_id=v.version_id))).policy_version.document
        for v in listed.versions
    ]
    assert sorted(documents) == sorted([MANAGED, *(_older(i) for i in range(4))])
    assert {v.version_id for v in listed.versions} == {"v1", "v3", "v4", "v5", "v7"}
    policies = await run(api.list_policies(scope="Local"))
    assert sorted(p.arn for p in policies.policies) == sorted([managed_arn, shared_arn])  # the copy is gone


async def test_apply_refuses_a_drifted_proposal_on_moto(api: Any, boto: Any) -> None:
    role_arn, managed_arn, shared_arn = _setup(boto)
    principal = Principal(role_arn, PrincipalType.ROLE, "app", datetime.now(UTC) - timedelta(days=500))
    report = _report(role_arn)
    inputs = await _inputs(api, managed_arn, shared_arn)
    proposal = assemble(
        [plan_principal(principal, inputs, report, options=PlanOptions(regions=REGIONS))],
        reports=[report],
    )
    boto.set_default_policy_version(PolicyArn=managed_arn, VersionId="v3")
    with pytest.raises(ProposalDriftError) as info:
        await run(api.apply(proposal))
    assert [d.policy for d in info.value.drifts] == [managed_arn]
    assert boto.get_role_policy(RoleName="app", PolicyName="app-inline")["PolicyDocument"] == json.loads(INLINE)
