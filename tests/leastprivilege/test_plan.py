"""The planner, the Proposal and ApplyRecord values, their JSON and schemas, and rollback."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from iamlast.leastprivilege import (
    AppliedStep,
    ApplyRecord,
    ChangeKind,
    DeletedVersion,
    PlanOptions,
    PolicyInput,
    PolicyKind,
    Principal,
    PrincipalType,
    Proposal,
    ProposalStatus,
    Reason,
    Step,
    StepOp,
    assemble,
    load_schema,
    plan_policy,
    plan_principal,
    rollback_steps,
)

from .helpers import (
    REGIONS,
    ROLE,
    ago,
    allow,
    fresh_catalog,
    policy,
    report,
    service,
    tiny_catalog,
)

CATALOG = tiny_catalog()
ACCOUNT = "123456789012"
APP = Principal(ROLE, PrincipalType.ROLE, "app", created=ago(365))
REP = report(
    service("s3", 1, {"GetObject": 1, "PutObject": None}),
    service("dynamodb", None),
    service("iam", 2),
)
INLINE = PolicyInput(PolicyKind.INLINE, "inline", policy(allow(["s3:GetObject", "s3:PutObject"])))
UNUSED_INLINE = PolicyInput(PolicyKind.INLINE, "tables", policy(allow("dynamodb:*")))
OWN = PolicyInput(
    PolicyKind.CUSTOMER_MANAGED,
    "own",
    json.dumps(policy(allow(["iam:PassRole", "dynamodb:Query"]))),
    arn=f"arn:aws:iam::{ACCOUNT}:policy/own",
    default_version_id="v5",
    versions=("v1", "v2", "v3", "v4", "v5"),
    attached_to=(ROLE,),
)
AWS = PolicyInput(
    PolicyKind.AWS_MANAGED,
    "AmazonDynamoDBReadOnlyAccess",
    policy(allow(["dynamodb:GetItem", "dynamodb:Query", "s3:GetObject"])),
    arn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess",
    default_version_id="v3",
    versions=("v1", "v2", "v3"),
    attached_to=(ROLE, f"arn:aws:iam::{ACCOUNT}:role/other"),
)
SHARED = PolicyInput(
    PolicyKind.CUSTOMER_MANAGED,
    "shared",
    policy(allow(["s3:PutObject", "s3:GetObject"])),
    arn=f"arn:aws:iam::{ACCOUNT}:policy/team/shared",
    default_version_id="v1",
    versions=("v1",),
    attached_to=(ROLE, f"arn:aws:iam::{ACCOUNT}:user/bob"),
)


def registry() -> Registry[Any]:
    return Registry().with_resources(
        (load_schema(n)["$id"], Resource.from_contents(load_schema(n)))
        for n in ("proposal", "apply-record")
    )


def validate(name: str, document: Any) -> None:
    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, registry=registry()).validate(document)


OPTIONS = PlanOptions(regions=REGIONS)
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
#: Creation dates of SHARED's two principals (plan_policy wants one per attached principal).
OLD = [ago(365), ago(365)]


def plan(*policies: PolicyInput, **options: Any) -> Any:
    options.setdefault("regions", REGIONS)
    return plan_principal(APP, list(policies), REP, options=PlanOptions(**options), catalog=CATALOG)


def test_inline_policies_are_put_or_deleted() -> None:
    result = plan(INLINE, UNUSED_INLINE)
    assert result.status is ProposalStatus.PROPOSED
    assert [s.op for s in result.steps] == [StepOp.PUT_INLINE_POLICY, StepOp.DELETE_INLINE_POLICY]
    put = result.steps[0]
    assert (put.principal_type, put.principal_name, put.policy_name) == (
        PrincipalType.ROLE,
        "app",
        "inline",
    )
    assert json.loads(put.document or "")["Statement"][0]["Action"] == ["s3:GetObject"]
    assert [c.change for c in result.policies] == [ChangeKind.TRIM, ChangeKind.REMOVE]


def test_an_own_managed_policy_gets_a_new_default_version_making_room_first() -> None:
    result = plan(OWN)
    assert [s.op for s in result.steps] == [
        StepOp.DELETE_POLICY_VERSION,
        StepOp.CREATE_POLICY_VERSION,
    ]
    assert result.steps[0].version_id == "v1"  # the oldest non-default
    assert result.steps[1].set_as_default is True
    fewer = plan(PolicyInput(**{**OWN.__dict__, "versions": ("v4", "v5")}))
    assert [s.op for s in fewer.steps] == [StepOp.CREATE_POLICY_VERSION]
    oldest_is_default = plan(PolicyInput(**{**OWN.__dict__, "default_version_id": "v1"}))
    assert oldest_is_default.steps[0].version_id == "v2"


def test_aws_managed_policies_are_replaced_never_edited() -> None:
    result = plan(AWS)
    assert [s.op for s in result.steps] == [
        StepOp.CREATE_POLICY,
        StepOp.ATTACH_POLICY,
        StepOp.DETACH_POLICY,
    ]
    (change,) = result.policies
    assert change.change is ChangeKind.REPLACE
    assert (
        change.replacement_arn
        == f"arn:aws:iam::{ACCOUNT}:policy/iamlast/AmazonDynamoDBReadOnlyAccess-app"
    )
    assert result.steps[1].policy_arn == change.replacement_arn
    assert result.steps[2].policy_arn == AWS.arn
    assert json.loads(result.steps[0].document or "")["Statement"][0]["Action"] == ["s3:GetObject"]
    assert not any(
        s.policy_arn == AWS.arn and s.op is StepOp.CREATE_POLICY_VERSION for s in result.steps
    )


def test_a_replacement_is_created_in_the_principals_partition() -> None:
    china = Principal(
        f"arn:aws-cn:iam::{ACCOUNT}:role/app", PrincipalType.ROLE, "app", created=ago(365)
    )
    aws_cn = PolicyInput(
        AWS.kind,
        AWS.name,
        AWS.document,
        arn=f"arn:aws-cn:iam::aws:policy/{AWS.name}",
        default_version_id=AWS.default_version_id,
        versions=AWS.versions,
        attached_to=(china.arn,),
    )
    result = plan_principal(
        china, [aws_cn], replace(REP, arn=china.arn), options=OPTIONS, catalog=CATALOG
    )
    assert result.status is ProposalStatus.PROPOSED
    (change,) = result.policies
    assert change.replacement_arn == f"arn:aws-cn:iam::{ACCOUNT}:policy/iamlast/{AWS.name}-app"
    assert result.steps[1].policy_arn == change.replacement_arn


def test_a_shared_policy_is_reported_or_forked_and_trimmed_in_place_by_plan_policy() -> None:
    reported = plan(SHARED)
    assert reported.status is ProposalStatus.UNCHANGED and not reported.steps
    assert reported.policies[0].change is ChangeKind.REPORTED
    forked = plan(SHARED, shared="fork")
    assert [s.op for s in forked.steps] == [
        StepOp.CREATE_POLICY,
        StepOp.ATTACH_POLICY,
        StepOp.DETACH_POLICY,
    ]
    assert forked.policies[0].change is ChangeKind.FORK
    bob = report(service("s3", 3, {"PutObject": 3, "GetObject": None}), arn=SHARED.attached_to[1])

    def shared(reports: list[Any], created: list[datetime] = OLD) -> Any:
        return plan_policy(
            SHARED, reports, principals_created=created, options=OPTIONS, catalog=CATALOG
        )

    both = shared([REP, bob])
    assert both.status is ProposalStatus.UNCHANGED  # app used GetObject, bob PutObject
    # Was: app's report alone trimmed the policy (bob's PutObject went). A report that misses
    # an attached principal proves nothing about what that principal used.
    only_app = shared([REP])
    assert only_app.status is ProposalStatus.SKIPPED and only_app.reason is Reason.NO_REPORT
    assert not only_app.steps and "user/bob" in only_app.detail
    own = report(service("s3", 1, {"GetObject": 1, "PutObject": None}), arn=SHARED.arn or "")
    assert [s.op for s in shared([own]).steps] == [StepOp.CREATE_POLICY_VERSION]
    nobody = [report(service("s3", None)), report(service("s3", None), arn=BOB)]
    gone = shared(nobody)
    assert [(s.op, s.principal_type, s.principal_name) for s in gone.steps] == [
        (StepOp.DETACH_POLICY, PrincipalType.ROLE, "app"),
        (StepOp.DETACH_POLICY, PrincipalType.USER, "bob"),
    ]
    young = shared(nobody, [ago(365), ago(2)])
    assert young.status is ProposalStatus.SKIPPED and young.reason is Reason.PRINCIPAL_TOO_YOUNG
    unknown_age = shared(nobody, [ago(365)])
    assert unknown_age.status is ProposalStatus.SKIPPED
    assert unknown_age.reason is Reason.AGE_UNKNOWN


def test_an_unknown_action_another_policy_names_survives_a_partly_trimmed_pattern() -> None:
    # The principal's whole set is checked: an action unknown to the catalog that some other
    # policy of the principal names exists, so a pattern covering it must keep it.
    wide = PolicyInput(PolicyKind.INLINE, "wide", policy(allow("s3:*")))
    named = PolicyInput(
        PolicyKind.INLINE, "named", policy(allow("s3:BrandNewThing", "arn:aws:s3:::one"))
    )
    # A catalog as new as the report: s3:* may be rewritten as its remaining actions at all.
    result = plan_principal(APP, [wide, named], REP, options=OPTIONS, catalog=fresh_catalog())
    assert result.status is ProposalStatus.PROPOSED
    after = json.loads(next(c.after for c in result.policies if c.name == "wide") or "")
    assert "s3:PutObject" not in after["Statement"][0]["Action"]
    assert "s3:BrandNewThing" in after["Statement"][0]["Action"]


def test_group_policies_of_a_user_are_reported_only() -> None:
    user = Principal(BOB, PrincipalType.USER, "bob", created=ago(365))
    group = PolicyInput(PolicyKind.INLINE, "g", policy(allow("dynamodb:*")), via_group="devs")
    result = plan_principal(user, [group], replace(REP, arn=BOB), options=OPTIONS, catalog=CATALOG)
    assert result.status is ProposalStatus.UNCHANGED
    assert (
        result.policies[0].change is ChangeKind.REPORTED and result.policies[0].via_group == "devs"
    )


@pytest.mark.parametrize(
    ("principal", "options", "reason"),
    [
        (
            Principal(
                f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
                PrincipalType.ROLE,
                "AWSServiceRoleForX",
                path="/aws-service-role/x.amazonaws.com/",
            ),
            {},
            Reason.SERVICE_LINKED,
        ),
        (
            Principal(ROLE, PrincipalType.ROLE, "app", tags={"keep": "yes"}),
            {"exclude_tag": "keep"},
            Reason.EXCLUDED_TAG,
        ),
        (
            Principal(ROLE, PrincipalType.ROLE, "app", created=ago(10)),
            {},
            Reason.PRINCIPAL_TOO_YOUNG,
        ),
    ],
)
def test_excluded_principals_get_no_proposal(
    principal: Principal, options: dict[str, Any], reason: Reason
) -> None:
    result = plan_principal(
        principal,
        [UNUSED_INLINE],
        REP,
        options=PlanOptions(regions=REGIONS, **options),
        catalog=CATALOG,
    )
    assert result.status is ProposalStatus.SKIPPED and result.reason is reason and not result.steps
    assert (
        plan_principal(principal, [UNUSED_INLINE], [], catalog=CATALOG).status
        is ProposalStatus.SKIPPED
    )


def test_a_proposal_that_would_break_a_limit_says_so_instead() -> None:
    user = Principal(BOB, PrincipalType.USER, "bob", created=ago(365))
    # A user's inline policies may total 2,048 characters; the NotAction rewrite of "*" with
    # 200 unused services is longer than that at either level.
    many = {f"svc{i:03d}": ["Do"] for i in range(200)}
    catalog = tiny_catalog(many)
    rep = report(*(service(ns, None) for ns in many), service("s3", 1), arn=BOB)
    star = PolicyInput(PolicyKind.INLINE, "admin", policy(allow("*")))
    result = plan_principal(user, [star], rep, options=OPTIONS, catalog=catalog)
    assert result.status is ProposalStatus.INVALID and not result.steps
    assert any("2048" in p for p in result.problems)


def test_a_managed_policy_too_long_at_action_level_falls_back_to_service_level() -> None:
    tracked = {f"Action{i:04d}": None for i in range(400)}
    catalog = tiny_catalog({"big": list(tracked)})
    rep = report(service("big", 1, {**tracked, "Action0000": 1}))
    doc = PolicyInput(
        PolicyKind.CUSTOMER_MANAGED,
        "big",
        policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        arn=f"arn:aws:iam::{ACCOUNT}:policy/big",
        default_version_id="v1",
        versions=("v1",),
        attached_to=(ROLE,),
    )
    result = plan_principal(APP, [doc], rep, options=OPTIONS, catalog=catalog)
    # 399 tracked unused actions added to NotAction would pass 6,144 characters; at service
    # level nothing is proven (big is used), so the policy stays as it is.
    assert result.policies[0].level == "service"
    assert result.status is ProposalStatus.UNCHANGED


def full_proposal() -> Proposal:
    app = plan(INLINE, UNUSED_INLINE, OWN, AWS)
    own = report(service("s3", 1, {"GetObject": 1, "PutObject": None}), arn=SHARED.arn or "")
    shared = plan_policy(SHARED, [own], principals_created=OLD, options=OPTIONS, catalog=CATALOG)
    return assemble([app], [shared], reports=[REP], catalog=CATALOG)


def test_a_proposal_round_trips_through_json_and_matches_its_schema() -> None:
    proposal = full_proposal()
    assert proposal.catalog_version == "tiny-1"
    text = proposal.dumps()
    validate("proposal", json.loads(text))
    again = Proposal.from_json(text)
    assert again == proposal
    assert again.dumps() == text and again.digest() == proposal.digest()
    assert len(proposal.steps()) == 2 + 2 + 3 + 1
    with pytest.raises(ValueError, match="schema"):
        Proposal.from_json({**proposal.to_json(), "schema": "iamlast.proposal.v0"})
    with pytest.raises(jsonschema.ValidationError):
        validate("proposal", {**proposal.to_json(), "surprise": 1})
    bad_step = json.loads(text)
    bad_step["principals"][0]["steps"][0].pop("document")
    with pytest.raises(jsonschema.ValidationError):
        validate("proposal", bad_step)


def test_a_window_keeps_its_microseconds_and_whole_seconds_keep_the_v1_shape() -> None:
    proposal = full_proposal()
    assert "unused_for_microseconds" not in proposal.to_json()  # same shape, same digest
    fraction = replace(proposal, unused_for=timedelta(days=90, microseconds=7))
    data = fraction.to_json()
    assert data["unused_for_seconds"] == 90 * 86400 and data["unused_for_microseconds"] == 7
    validate("proposal", json.loads(fraction.dumps()))
    assert Proposal.from_json(fraction.dumps()) == fraction
    assert fraction.digest() != proposal.digest()


def test_drift_is_seen() -> None:
    change = full_proposal().principals[0].policies[2]  # OWN, default v5
    assert change.matches(json.loads(OWN.document), "v5")  # type: ignore[arg-type]
    assert change.matches(json.dumps(json.loads(OWN.document), indent=2), "v5")  # type: ignore[arg-type]
    assert not change.matches(OWN.document, "v6")
    assert not change.matches(policy(allow("iam:*")), "v5")


def record() -> ApplyRecord:
    proposal = full_proposal()
    steps = proposal.principals[0].steps
    inline_before = json.dumps(INLINE.document)
    done = [
        AppliedStep(steps[0], previous_document=inline_before),
        AppliedStep(steps[1], previous_document=json.dumps(UNUSED_INLINE.document)),
        AppliedStep(
            steps[2],
            deleted_version=DeletedVersion(
                "v1", '{"Version":"2012-10-17","Statement":[]}', ago(900)
            ),
        ),
        AppliedStep(steps[3], previous_default_version_id="v5", created_version_id="v6"),
        AppliedStep(steps[4], created_policy_arn=steps[5].policy_arn),
        AppliedStep(steps[5]),
        AppliedStep(steps[6]),
    ]
    return ApplyRecord(
        proposal.digest(),
        proposal.catalog_version,
        started=datetime(2026, 11, 2, tzinfo=UTC),
        applied=tuple(done),
        finished=datetime(2026, 11, 2, 0, 1, tzinfo=UTC),
    )


def test_a_record_round_trips_and_matches_its_schema() -> None:
    rec = record()
    assert rec.complete
    validate("apply-record", json.loads(rec.dumps()))
    assert ApplyRecord.from_json(rec.dumps()) == rec
    with pytest.raises(ValueError, match="schema"):
        ApplyRecord.from_json({**rec.to_json(), "schema": "nope"})


def test_rollback_undoes_every_step_newest_first() -> None:
    rec = record()
    steps = rollback_steps(rec)
    assert [s.op for s in steps] == [
        StepOp.ATTACH_POLICY,  # the AWS managed policy back
        StepOp.DETACH_POLICY,  # the replacement off
        StepOp.DELETE_POLICY,  # and gone
        StepOp.SET_DEFAULT_POLICY_VERSION,
        StepOp.DELETE_POLICY_VERSION,
        StepOp.PUT_INLINE_POLICY,  # the deleted inline policy back
        StepOp.PUT_INLINE_POLICY,  # the trimmed one restored
        StepOp.CREATE_POLICY_VERSION,  # the deleted old version, re-created last
    ]
    assert steps[3].version_id == "v5" and steps[4].version_id == "v6"
    assert steps[6].document == json.dumps(INLINE.document)
    assert steps[7].set_as_default is False
    fresh = ApplyRecord(
        "0" * 64,
        "tiny-1",
        ago(0),
        applied=(
            AppliedStep(
                Step(StepOp.PUT_INLINE_POLICY, PrincipalType.ROLE, "app", "new", document="{}")
            ),
        ),
    )
    assert [s.op for s in rollback_steps(fresh)] == [StepOp.DELETE_INLINE_POLICY]
    assert not fresh.complete
    with pytest.raises(ValueError, match="version ids"):
        rollback_steps(
            ApplyRecord("0" * 64, "v", ago(0), applied=(AppliedStep(rec.applied[3].step),))
        )
