"""check_safety on hand-made proposals: it accepts the safe ones and names what is wrong with
the unsafe ones (and the brute-force evaluator of the property test agrees)."""

from __future__ import annotations

from typing import Any

import pytest

from iamlast.leastprivilege import UnsafeProposalError, check_safety, trim_policy
from iamlast.leastprivilege import trim as trim_module

from .helpers import REGIONS, allow, policy, report, service
from .test_safety_property import CATALOG, brute_force

REP = report(
    service("a", 1, {"X": 1, "Y": None}),
    service("b", None),
)
BEFORE = policy(
    allow(["a:*", "b:X"]),
    {"Effect": "Deny", "Action": "a:Zed", "Resource": "*"},
)


def kinds(after: list[dict[str, Any] | None], **options: Any) -> set[str]:
    result = check_safety([BEFORE], after, REP, catalog=CATALOG, regions=REGIONS, **options)
    return {v.kind for v in result.violations}


def test_the_trimmed_proposal_is_safe() -> None:
    after = trim_policy(
        BEFORE, REP, catalog=CATALOG, regions=REGIONS, assume_complete_catalog=True
    ).after
    assert after is not None
    assert after["Statement"][0]["Action"] == ["a:X", "a:Zed"]
    assert kinds([after], assume_complete_catalog=True) == set()
    # Without that promise the rewrite loses a:* actions newer than the catalog (a is used).
    assert kinds([after]) == {"removes_unproven"}
    assert brute_force([BEFORE], [after], [REP], catalog_complete=True) == []
    assert brute_force([BEFORE], [after], [REP]) != []


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # An action nobody granted.
        (policy(allow(["a:*", "cc:Q"]), BEFORE["Statement"][1]), {"grants_more"}),
        # The same action on a wider resource.
        (
            policy(allow(["a:X"], resource="arn:aws:s3:::*"), BEFORE["Statement"][1]),
            {"grants_more", "removes_unproven"},
        ),
        # A used action taken away.
        (policy(allow(["a:Zed"]), BEFORE["Statement"][1]), {"removes_unproven"}),
        # An untracked action (a:Zed: a tracks actions, Zed is not tracked) taken away.
        (policy(allow(["a:X"]), BEFORE["Statement"][1]), {"removes_unproven"}),
        # The Deny dropped (and a:* cut down to the catalog's actions: a is used, so a:* actions
        # newer than the catalog may have been used too).
        (policy(allow(["a:X", "a:Zed"])), {"deny_changed", "grants_more", "removes_unproven"}),
        # Turned into NotAction that grants more than before.
        (
            policy(
                {"Effect": "Allow", "NotAction": "b:*", "Resource": "*"}, BEFORE["Statement"][1]
            ),
            {"grants_more"},
        ),
        # The whole policy removed while a:X is used.
        (None, {"removes_unproven", "deny_changed"}),
    ],
)
def test_unsafe_proposals_are_named(after: dict[str, Any] | None, expected: set[str]) -> None:
    assert kinds([after]) == expected
    assert brute_force([BEFORE], [after] if after is not None else [], [REP]) != []


def test_a_pattern_rewritten_into_a_wider_pattern_is_refused() -> None:
    before = policy(allow("a:X*"))
    after = policy(allow("a:*"))
    result = check_safety([before], [after], REP, catalog=CATALOG, regions=REGIONS)
    assert not result.ok and result.checked_actions > 0


def test_trim_policy_raises_if_its_result_were_unsafe(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check runs before a result is returned: break the trimmer, see it refuse."""
    real = trim_module._trim_actions

    def broken(ctx: Any) -> list[str]:
        return [*real(ctx), "cc:Q"]

    monkeypatch.setattr(trim_module, "_trim_actions", broken)
    with pytest.raises(UnsafeProposalError, match=r"unsafe proposal"):
        trim_policy(BEFORE, REP, catalog=CATALOG, regions=REGIONS)


def test_the_checks_bit_sets_agree_with_each_statements_own_matching() -> None:
    from iamlast.leastprivilege.document import PolicyDocument
    from iamlast.leastprivilege.patterns import fold, matches
    from iamlast.leastprivilege.safety import _rule, _scope_masks

    statements = (
        allow(["s3:Get*", "ec2:RunInstances"]),
        {"Effect": "Allow", "NotAction": ["iam:*", "s3:Put?bject"], "Resource": "arn:x"},
        allow("*", "arn:y"),
        {"Effect": "Allow", "NotAction": "*", "Resource": "*"},
        allow(["S3:GETOBJECT", "sqs:*", "s3:Get\u00c0"], "arn:x"),
        # Same scope as the NotAction above: its hits outside iam and s3 must survive this
        # one's misses (one bit per scope).
        allow(["ec2:Run*"], "arn:x"),
        {"Effect": "Allow", "NotAction": ["sqs:*"], "Resource": "arn:z"},
        {"Effect": "Allow", "NotAction": ["s3*:*", "ec2:*"], "Resource": "arn:z"},
    )
    # The same statements under the older policy language: other scopes (the Version is part
    # of each statement's scope), so other bits.
    docs = [
        PolicyDocument.parse(policy(*statements)),
        PolicyDocument.parse({"Version": "2008-10-17", "Statement": list(statements)}),
    ]
    rules = [_rule(s) for d in docs for s in d.statements]
    actions = [
        "s3:GetObject",
        "s3:PutObject",
        "s3:PutXbject",
        "ec2:RunInstances",
        "iam:PassRole",
        "sqs:Send",
        "x:Y",
        "s3:Get\u00c0",
        "s3:get\u00e0",  # not the same action: IAM folds ASCII letters only
        "S3:GET\u00c0",
        "iamlast-probe:Probe",
        "nocolon",
        "IAM:PassRole",
    ]
    bits: dict[str, int] = {}
    masks = _scope_masks(rules, [fold(a) for a in actions], bits)
    assert len(bits) == len({r.scope for r in rules}) > len(statements) - 1
    for index, action in enumerate(actions):
        expected = {r.scope for r in rules if r.grants(fold(action))}
        # And by the entries themselves, one match at a time (no compiled regex).
        own = {r.scope for r in rules if any(matches(p, action) for p in r.entries) != r.negated}
        assert expected == own, action
        assert {scope for scope, bit in bits.items() if masks[index] & bit} == expected, action
