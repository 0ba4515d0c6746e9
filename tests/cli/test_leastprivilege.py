"""``iamlast propose`` / ``apply`` / ``rollback`` against the emulator: the table and diffs, the
plan and the record validated against the shipped schemas, dry runs that write nothing, the
JSON round trip through files, and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from iamlast import errors
from iamlast.leastprivilege import ApplyRecord, Proposal, load_schema
from iamlast.testing import FakeIAM
from iamlast.testing import policies as store

from .conftest import ALICE, Outcome, one_error_line

Invoke = Callable[..., Outcome]
ROLE = "app-payments-ci-0001"


def _validate(name: str, document: Any) -> None:
    registry: Registry[Any] = Registry().with_resources(
        (load_schema(n)["$id"], Resource.from_contents(load_schema(n)))
        for n in ("proposal", "apply-record")
    )
    jsonschema.Draft202012Validator(load_schema(name), registry=registry).validate(document)


def _arns(iam: FakeIAM) -> list[str]:
    role = next(r for r in iam.account.roles.values() if r.inline and not r.path.startswith("/aws-"))
    return [ALICE, role.arn]


def _documents(iam: FakeIAM) -> dict[str, Any]:
    acct = iam.account
    out: dict[str, Any] = {}
    for p in [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]:
        out[p.arn] = ([store.inline_document(acct, p, i) for i in p.inline], [m.arn for m in p.managed])
    for policy in acct.policies.values():
        out[policy.arn] = (policy.default_version_id, store.default_version(acct, policy).document)
    return out


def _writes(iam: FakeIAM) -> int:
    verbs = ("Put", "Delete", "Create", "Attach", "Detach", "Set")
    return sum(n for a, n in iam.counters()["actions"].items() if a.startswith(verbs))


def test_propose_prints_what_goes_and_why_and_a_diff(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("propose", *_arns(iam))
    assert out.code == 0, out.stderr
    assert "proposal: unused for 90 days" in out.stdout
    assert "Outcome" in out.stdout and "Reason" in out.stdout and "Why" in out.stdout
    assert "removed" in out.stdout and "kept" in out.stdout
    assert "(current)" in out.stdout and "@@" in out.stdout  # a unified diff
    assert any(line.startswith("-  ") for line in out.stdout.splitlines())
    assert _writes(iam) == 0


def test_propose_json_matches_the_schema_and_round_trips(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("propose", *_arns(iam), "-o", "json", "--unused-days", "60")
    assert out.code == 0, out.stderr
    document = out.json()
    _validate("proposal", document)
    proposal = Proposal.from_json(out.stdout)
    assert proposal.unused_for.days == 60 and proposal.dumps() == out.stdout
    assert [p.principal.arn for p in proposal.principals] == _arns(iam)


def test_apply_is_a_dry_run_unless_yes_then_rollback(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(invoke("propose", *_arns(iam), "-o", "json").stdout)
    before = _documents(iam)
    steps = len(Proposal.from_json(plan.read_text()).steps())
    assert steps > 0

    dry = invoke("apply", str(plan))
    assert dry.code == 0, dry.stderr
    assert f"dry run: {steps} writes" in dry.stdout and _writes(iam) == 0

    done = invoke("apply", str(plan), "--yes")
    assert done.code == 0, done.stderr
    _validate("apply-record", done.json())
    record = ApplyRecord.from_json(done.stdout)
    assert record.complete and len(record.applied) == steps
    assert _documents(iam) != before

    saved = tmp_path / "record.json"
    saved.write_text(done.stdout)
    dry_back = invoke("rollback", str(saved))
    assert dry_back.code == 0 and "dry run" in dry_back.stdout and _documents(iam) != before
    back = invoke("rollback", str(saved), "--yes", "--record", str(tmp_path / "undo.json"))
    assert back.code == 0, back.stderr
    assert "rolled back" in back.stdout
    _validate("apply-record", json.loads((tmp_path / "undo.json").read_text()))
    assert _documents(iam) == before


def test_the_console_script_propose_to_a_file_then_apply_it(run: Callable[..., Outcome], iam: FakeIAM, tmp_path: Path) -> None:
    proposed = run("propose", *_arns(iam), "-o", "json")
    assert proposed.code == 0, proposed.stderr
    plan = tmp_path / "plan"
    plan.write_text(proposed.stdout)
    applied = run("apply", str(plan), "--yes", "--record", str(tmp_path / "record"))
    assert applied.code == 0, applied.stderr
    record = ApplyRecord.from_json((tmp_path / "record").read_text())
    assert record.complete and record.proposal_digest == Proposal.from_json(proposed.stdout).digest()


def test_apply_refuses_a_plan_iam_drifted_from(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    alice = iam.account.user("alice")
    plan = tmp_path / "plan.json"
    plan.write_text(invoke("propose", ALICE, "-o", "json").stdout)
    store.put_inline(iam.account, alice, "added-later", '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}')
    for args in (("apply", str(plan)), ("apply", str(plan), "--yes")):
        out = invoke(*args)
        assert out.code == 1
        line = one_error_line(out)
        assert "nothing was written" in line and "added-later" in line
    assert _writes(iam) == 0  # the put above went to the store, not over HTTP


def test_a_failed_step_is_one_line_with_the_request_id_and_keeps_the_record(
    invoke: Invoke, iam: FakeIAM, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(invoke("propose", *_arns(iam), "-o", "json").stdout)
    first = Proposal.from_json(plan.read_text()).steps()[0]
    action = {"create_policy": "CreatePolicy", "put_inline_policy": "PutUserPolicy"}.get(first.op.value, "CreatePolicyVersion")
    iam.fail_next(1, errors.AccessDeniedError("not allowed to write"), action=action)
    out = invoke("apply", str(plan), "--yes", "--record", str(tmp_path / "partial.json"))
    assert out.code == 1
    line = one_error_line(out)
    assert "apply stopped at step 1" in line and "request id" in line and "rollback" in line
    partial = ApplyRecord.from_json((tmp_path / "partial.json").read_text())
    assert not partial.complete and partial.applied == ()


def test_bad_input_is_a_usage_error(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "iamlast.report.v1"}')
    cases = [
        (("apply", str(bad)), "is not an iamlast plan"),
        (("apply", str(tmp_path / "missing.json")), "cannot read the plan"),
        (("rollback", str(bad)), "is not an iamlast apply record"),
        (("propose", "arn:aws:iam::123456789012:thing/x"), "malformed ARN"),
        (("propose", ALICE, "-o", "csv"), "table or json"),
        (("propose", ALICE, "--unused-days", "401"), "401"),
    ]
    for args, words in cases:
        out = invoke(*args)
        assert out.code == 2, (args, out.stderr)
        assert words in one_error_line(out), args
    assert iam.calls() == 0


def test_propose_regions_names_where_the_principals_act(invoke: Invoke, iam: FakeIAM) -> None:
    default = Proposal.from_json(invoke("propose", *_arns(iam), "-o", "json").stdout)
    assert default.steps()  # every Region IAM tracks: the data proves things unused
    out = invoke("propose", *_arns(iam), "-o", "json", "--regions", "us-east-1, ca-west-1")
    assert out.code == 0, out.stderr
    untracked = Proposal.from_json(out.stdout)
    assert not untracked.steps()  # IAM does not track ca-west-1: nothing is proven
    reasons = {d.reason.value for p in untracked.principals for c in p.policies for d in c.decisions}
    assert "tracking_too_recent" in reasons
    empty = invoke("propose", *_arns(iam), "--regions", " , ")
    assert empty.code != 0 and "--regions" in one_error_line(empty)
