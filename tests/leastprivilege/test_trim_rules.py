"""Each rule of issue 14 on the pure core, one test (or a few) per rule."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from iamlast.leastprivilege import (
    DEFAULT_TRACKING,
    Catalog,
    Outcome,
    PolicyError,
    Reason,
    Tracking,
    trim_policy,
)

from .helpers import (
    AS_OF,
    REGIONS,
    ago,
    allow,
    fresh_catalog,
    policy,
    report,
    service,
    statements,
    tiny_catalog,
)

CATALOG = tiny_catalog()
#: As new as the reports: partly trimmed patterns may be rewritten (see trim.py).
FRESH = fresh_catalog()


def trim(document, reports, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("catalog", CATALOG)
    kwargs.setdefault("regions", REGIONS)
    return trim_policy(document, reports, **kwargs)


def reasons(result, entry: str) -> set[Reason]:  # type: ignore[no-untyped-def]
    return {d.reason for d in result.decisions if d.entry == entry}


# -- only Allow statements' Action/NotAction change -------------------------------------------


def test_only_action_changes_and_everything_else_stays_exactly() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}}
    doc = policy(
        {
            "Sid": "Data",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
            "Condition": condition,
        },
        {"Effect": "Allow", "Action": "ec2:RunInstances", "NotResource": "arn:aws:ec2:*:*:vpc/*"},
    )
    rep = report(
        service("s3", 1, {"GetObject": 1, "PutObject": None}),
        service("ec2", 2),
    )
    result = trim(doc, rep)
    first, second = statements(result.after)
    assert first == {**doc["Statement"][0], "Action": ["s3:GetObject"]}
    assert list(first) == ["Sid", "Effect", "Action", "Resource", "Condition"]
    assert first["Condition"] is condition or first["Condition"] == condition
    assert second == doc["Statement"][1]


def test_deny_statements_are_never_touched_and_never_count_as_unused() -> None:
    deny = {"Effect": "Deny", "Action": ["dynamodb:*", "s3:DeleteBucket"], "Resource": "*"}
    doc = policy(allow("s3:GetObject"), deny)
    rep = report(
        service("s3", 1, {"GetObject": 1, "DeleteBucket": None}), service("dynamodb", None)
    )
    result = trim(doc, rep)
    assert statements(result.after)[1] is deny or statements(result.after)[1] == deny
    deny_decisions = [d for d in result.decisions if d.statement == 1]
    assert [d.reason for d in deny_decisions] == [Reason.DENY]
    assert all(d.outcome is Outcome.KEPT for d in deny_decisions)
    assert not result.changed


# -- removal only when proven ------------------------------------------------------------------


def test_a_service_not_used_in_the_window_goes() -> None:
    doc = policy(allow(["dynamodb:GetItem", "sqs:SendMessage", "s3:GetObject"]))
    rep = report(service("dynamodb", None), service("sqs", 91), service("s3", 89))
    result = trim(doc, rep)
    assert statements(result.after)[0]["Action"] == ["s3:GetObject"]
    assert reasons(result, "dynamodb:GetItem") == {Reason.SERVICE_UNUSED}
    assert reasons(result, "sqs:SendMessage") == {Reason.SERVICE_UNUSED}
    assert reasons(result, "s3:GetObject") == {Reason.SERVICE_USED}


def test_the_window_is_measured_from_the_reports_as_of() -> None:
    doc = policy(allow("sqs:SendMessage"))
    exactly = report(service("sqs", 90))
    assert not trim(doc, exactly).changed  # used at the window's first moment: used
    later = report(service("sqs", 90), as_of=AS_OF + timedelta(seconds=1))
    assert trim(doc, later).emptied


def test_tracked_actions_unused_go_used_and_untracked_stay() -> None:
    doc = policy(allow(["iam:PassRole", "iam:GetRole", "iam:CreateRole"]))
    rep = report(service("iam", 3, {"GetRole": 3, "CreateRole": 120}))
    result = trim(doc, rep)
    assert statements(result.after)[0]["Action"] == ["iam:PassRole", "iam:GetRole"]
    assert reasons(result, "iam:PassRole") == {Reason.NOT_TRACKED}
    assert reasons(result, "iam:GetRole") == {Reason.ACTION_USED}
    assert reasons(result, "iam:CreateRole") == {Reason.ACTION_UNUSED}


def test_an_action_the_catalog_does_not_know_stays_unless_its_service_is_unused() -> None:
    doc = policy(allow(["s3:GetObjectNewFeature", "s3:GetObject"]))
    used = report(service("s3", 1, {"GetObject": 1}))
    result = trim(doc, used)
    assert not result.changed
    assert reasons(result, "s3:GetObjectNewFeature") == {Reason.UNKNOWN_ACTION}
    unused = report(service("s3", None, {"GetObject": None}))
    assert trim(doc, unused).emptied  # an unused service proves all of its actions unused


def test_a_service_absent_from_the_report_stays() -> None:
    doc = policy(allow(["sqs:SendMessage", "s3:*"]))
    result = trim(doc, report(service("ec2", None)))
    assert not result.changed
    assert reasons(result, "sqs:SendMessage") == {Reason.NOT_IN_REPORT}
    assert reasons(result, "s3:*") == {Reason.NOT_IN_REPORT}


def test_action_tracking_that_began_inside_the_window_proves_nothing() -> None:
    late = Tracking(
        regions=DEFAULT_TRACKING.regions,
        actions={"iam": ago(30)},
        actions_default=DEFAULT_TRACKING.actions_default,
    )
    doc = policy(allow(["iam:GetRole", "iam:CreateRole"]))
    rep = report(service("iam", 3, {"GetRole": 3, "CreateRole": None}))
    result = trim(doc, rep, tracking=late)
    assert not result.changed
    assert reasons(result, "iam:CreateRole") == {Reason.TRACKING_TOO_RECENT}
    # ...while an unused service is still proven by service-level data.
    assert trim(
        policy(allow("sqs:SendMessage")), report(service("sqs", None)), tracking=late
    ).emptied


def test_a_region_tracked_only_recently_or_not_at_all_proves_nothing() -> None:
    doc = policy(allow("sqs:SendMessage"))
    rep = report(service("sqs", None))
    assert trim(doc, rep, regions=["eu-west-1"]).emptied
    for regions in (["eu-west-1", "xx-new-1"], ["xx-new-1"]):
        result = trim(doc, rep, regions=regions)
        assert not result.changed
        assert reasons(result, "sqs:SendMessage") == {Reason.TRACKING_TOO_RECENT}
    young = Tracking(
        regions={"eu-new-1": ago(10)}, actions={}, actions_default=DEFAULT_TRACKING.actions_default
    )
    assert not trim(doc, rep, tracking=young, regions=["eu-new-1"]).changed


def test_a_service_whose_tracking_began_inside_the_window_proves_nothing() -> None:
    late = Tracking(
        regions=DEFAULT_TRACKING.regions,
        actions=DEFAULT_TRACKING.actions,
        actions_default=DEFAULT_TRACKING.actions_default,
        services={"sqs": ago(5)},
    )
    result = trim(policy(allow("sqs:SendMessage")), report(service("sqs", None)), tracking=late)
    assert not result.changed
    assert reasons(result, "sqs:SendMessage") == {Reason.TRACKING_TOO_RECENT}


def test_a_principal_younger_than_the_window_gets_no_proposal() -> None:
    doc = policy(allow("sqs:SendMessage"))
    rep = report(service("sqs", None))
    result = trim(doc, rep, principal_created=ago(30))
    assert result.refusal is not None
    assert result.refusal.reason is Reason.PRINCIPAL_TOO_YOUNG
    assert "window" in result.refusal.detail
    assert not result.changed and result.after == doc
    assert trim(doc, rep, principal_created=ago(91)).emptied
    # Several principals sharing the policy: the youngest decides.
    assert trim(doc, rep, principal_created=[ago(300), ago(10)]).refusal is not None


def test_a_window_longer_than_the_tracking_period_is_refused() -> None:
    with pytest.raises(ValueError, match="400 days"):
        trim(
            policy(allow("sqs:SendMessage")),
            report(service("sqs", None)),
            unused_for=timedelta(days=401),
        )
    assert trim(
        policy(allow("sqs:SendMessage")),
        report(service("sqs", None)),
        unused_for=timedelta(days=400),
    ).emptied


# -- wildcards ---------------------------------------------------------------------------------


def test_a_pattern_whose_actions_all_stay_is_kept_as_written() -> None:
    doc = policy(allow("s3:Get*"))
    rep = report(service("s3", 1, {"GetObject": 2, "GetBucketAcl": 50}))
    result = trim(doc, rep)
    assert not result.changed
    assert statements(result.after)[0]["Action"] == "s3:Get*"
    assert reasons(result, "s3:Get*") == {Reason.ACTION_USED}


def test_a_partly_trimmed_pattern_becomes_its_remaining_actions_sorted() -> None:
    doc = policy(allow(["S3:get*", "s3:*Bucket*"]))
    rep = report(
        service(
            "s3",
            1,
            {"GetObject": 2, "GetBucketAcl": None, "ListBucket": 5, "DeleteBucket": None},
        )
    )
    result = trim(doc, rep, catalog=FRESH)
    # GetObject stays; GetBucketAcl and DeleteBucket go; ListBucket stays.
    assert statements(result.after)[0]["Action"] == ["s3:GetObject", "s3:ListBucket"]
    removed = {a for d in result.removed() for a in d.actions}
    assert removed == {"s3:GetBucketAcl", "s3:DeleteBucket"}


@pytest.mark.parametrize(
    "catalog",
    [CATALOG, tiny_catalog(updated_at=AS_OF - timedelta(days=1))],
    ids=["no-date", "older-than-the-report"],
)
def test_a_partly_trimmed_pattern_stays_as_written_unless_the_catalog_covers_the_window(
    catalog: Catalog,
) -> None:
    # The rewrite would drop s3 actions newer than the catalog, which nothing proves unused.
    doc = policy(allow(["S3:get*", "s3:*Bucket*"]))
    rep = report(service("s3", 1, {"GetObject": 2, "GetBucketAcl": None, "DeleteBucket": None}))
    result = trim(doc, rep, catalog=catalog)
    assert not result.changed and not result.removed()
    assert Reason.UNKNOWN_ACTION in reasons(result, "S3:get*")
    kept = {a for d in result.kept() if d.reason is Reason.UNKNOWN_ACTION for a in d.actions}
    assert {"s3:GetBucketAcl", "s3:DeleteBucket"} <= kept
    # The caller may vouch for the catalog instead.
    vouched = trim(doc, rep, catalog=catalog, assume_complete_catalog=True)
    assert statements(vouched.after)[0]["Action"] == ["s3:GetObject", "s3:ListBucket"]


def test_partial_rewrites_keep_untracked_actions_the_catalog_knows() -> None:
    doc = policy(allow("s3:*"))
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": None}))
    result = trim(doc, rep, catalog=FRESH)
    actions = statements(result.after)[0]["Action"]
    assert actions == sorted(actions, key=str.lower)
    assert "s3:PutObject" not in actions
    assert {"s3:ListBucket", "s3:GetBucketAcl", "s3:DeleteObject"} <= set(actions)  # untracked


def test_an_unknown_action_named_elsewhere_stays_when_a_pattern_covering_it_is_trimmed() -> None:
    # Found by the safety property test: a partly trimmed s3:* dropped s3:NewThing (unknown to
    # the catalog) although another statement names it — so it exists, and its use cannot be
    # proven unused. trim_policy raised UnsafeProposalError instead of proposing.
    doc = policy(
        allow(["s3:PutObject", "s3:*"]),
        {"Sid": "NOREPOkeep", **allow("s3:NewThing", "arn:aws:s3:::one")},
        {"Effect": "Deny", "Action": "s3:OtherNew", "Resource": "arn:aws:s3:::two"},
    )
    rep = report(service("s3", 1, {"PutObject": None, "GetObject": 1}))
    result = trim(doc, rep, catalog=FRESH)  # a catalog as new as the report: s3:* is rewritten
    actions = statements(result.after)[0]["Action"]
    assert "s3:PutObject" not in actions and "s3:GetObject" in actions
    assert {"s3:NewThing", "s3:OtherNew"} <= set(actions)
    kept = {a for d in result.kept() if d.reason is Reason.UNKNOWN_ACTION for a in d.actions}
    assert {"s3:NewThing", "s3:OtherNew"} <= kept


def test_a_tracked_action_the_catalog_lacks_shows_it_is_behind_and_keeps_the_pattern() -> None:
    # The report knows s3:PutObjectNewThing and the catalog does not: its date notwithstanding,
    # the catalog is behind for s3, so other new s3 actions may exist too.
    doc = policy(allow("s3:*"))
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": None, "PutObjectNewThing": 3}))
    for vouched in (False, True):
        result = trim(doc, rep, catalog=FRESH, assume_complete_catalog=vouched)
        assert not result.changed
        assert Reason.UNKNOWN_ACTION in reasons(result, "s3:*")


def test_matching_is_case_insensitive_and_keeps_the_written_spelling() -> None:
    doc = policy(allow(["S3:GETOBJECT", "iam:passrole", "Dynamodb:getitem"]))
    rep = report(service("s3", 1, {"GetObject": 1}), service("iam", 1), service("dynamodb", None))
    result = trim(doc, rep)
    assert statements(result.after)[0]["Action"] == ["S3:GETOBJECT", "iam:passrole"]


def test_a_pattern_open_in_its_namespace_stays() -> None:
    doc = policy(allow(["*:Get*", "s3*", "ec2:Describe*"]))
    rep = report(service("s3", None), service("ec2", None), service("iam", None))
    result = trim(doc, rep)
    assert statements(result.after)[0]["Action"] == ["*:Get*", "s3*"]
    assert reasons(result, "*:Get*") == {Reason.OPEN_PATTERN}


def test_a_namespace_the_catalog_lacks_is_decided_by_service_data_only() -> None:
    doc = policy(allow("newsvc:Get*"))
    assert trim(doc, report(service("newsvc", None))).emptied
    used = trim(doc, report(service("newsvc", 1, {"GetThing": None})))
    assert not used.changed
    assert reasons(used, "newsvc:Get*") == {Reason.UNKNOWN_SERVICE}


# -- NotAction and Action: * -------------------------------------------------------------------


def test_notaction_statements_only_grow_their_notaction() -> None:
    doc = policy({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
    rep = report(
        service("s3", 1, {"GetObject": 1, "DeleteBucket": None}),
        service("dynamodb", None),
        service("iam", None),
        service("sqs", 4),
    )
    result = trim(doc, rep)
    stmt = statements(result.after)[0]
    assert "Action" not in stmt
    assert stmt["NotAction"] == ["iam:*", "dynamodb:*", "s3:DeleteBucket"]
    assert [d.entry for d in result.removed()] == ["dynamodb:*", "s3:DeleteBucket"]


def test_action_star_becomes_notaction_the_unused_services() -> None:
    doc = policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    rep = report(service("s3", 1), service("dynamodb", None), service("ec2", 400))
    result = trim(doc, rep)
    stmt = statements(result.after)[0]
    assert list(stmt) == ["Effect", "NotAction", "Resource"]
    assert stmt["NotAction"] == ["dynamodb:*", "ec2:*"]
    # Services the report does not list — and those no catalog knows — are still granted.
    assert reasons(result, None) >= {Reason.NOT_IN_REPORT, Reason.SERVICE_USED}
    kept = trim(doc, rep, rewrite_universal=False)
    assert not kept.changed


# -- what is left ------------------------------------------------------------------------------


def test_a_statement_left_without_actions_goes_and_an_empty_policy_is_never_written() -> None:
    doc = policy(allow("dynamodb:*"), allow("s3:GetObject"))
    rep = report(service("dynamodb", None), service("s3", None))
    result = trim(doc, rep)
    assert result.emptied and result.after is None and result.to_json() is None
    one = trim(doc, report(service("dynamodb", None), service("s3", 2)))
    assert statements(one.after) == [doc["Statement"][1]]
    assert any(d.entry is None and d.outcome is Outcome.REMOVED for d in one.decisions)


def test_a_single_statement_object_and_a_single_string_stay_so() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
    }
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": None, "DeleteBucket": None}))
    result = trim(json.dumps(doc), rep, catalog=FRESH)
    assert isinstance(result.after, dict) and isinstance(result.after["Statement"], dict)
    assert isinstance(result.after["Statement"]["Action"], list)
    only = trim(doc, report(service("s3", 1, {"GetObject": 1})))
    assert only.after == doc


# -- exclusions --------------------------------------------------------------------------------


def test_statements_with_the_exclusion_prefix_stay() -> None:
    doc = policy(
        {"Sid": "NOREPOKeep", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Sid": "KEEPme", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
    )
    rep = report(service("dynamodb", None), service("sqs", None))
    result = trim(doc, rep)
    assert statements(result.after) == [doc["Statement"][0]]
    assert {d.reason for d in result.decisions if d.statement == 0} == {Reason.EXCLUDED_SID}
    custom = trim(doc, rep, exclude_sid_prefix="KEEP")
    assert statements(custom.after) == [doc["Statement"][1]]
    assert trim(doc, rep, exclude_sid_prefix=None).emptied


# -- several reports, levels, reasons ----------------------------------------------------------


def test_a_shared_policy_keeps_what_any_principal_used() -> None:
    doc = policy(allow(["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "dynamodb:Query"]))
    a = report(
        service("s3", 1, {"GetObject": 1, "PutObject": None}),
        service("sqs", None),
        service("dynamodb", None),
        arn="arn:aws:iam::123456789012:role/a",
    )
    b = report(
        service("s3", 1, {"GetObject": None, "PutObject": 2}),
        service("sqs", None),
        arn="arn:aws:iam::123456789012:role/b",
    )
    result = trim(doc, [a, b])
    # s3 both used (one each); sqs unused by both; dynamodb absent from b's report.
    assert statements(result.after)[0]["Action"] == [
        "s3:GetObject",
        "s3:PutObject",
        "dynamodb:Query",
    ]
    assert len(result.windows) == 2


def test_service_level_trims_whole_services_only() -> None:
    doc = policy(allow(["s3:GetObject", "s3:PutObject", "dynamodb:Query"]))
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": None}), service("dynamodb", None))
    result = trim(doc, rep, level="service")
    assert statements(result.after)[0]["Action"] == ["s3:GetObject", "s3:PutObject"]


def test_every_entry_has_a_reason_and_every_removed_action_one() -> None:
    doc = policy(
        allow(["s3:*", "iam:PassRole", "sqs:SendMessage", "ec2:Describe*"]),
        {"Effect": "Deny", "Action": "iam:CreateRole", "Resource": "*"},
    )
    rep = report(
        service("s3", 1, {"GetObject": 1, "PutObject": None}),
        service("iam", 1),
        service("sqs", None),
    )
    result = trim(doc, rep, catalog=FRESH)
    entries = {d.entry for d in result.decisions if d.statement == 0}
    assert entries == {"s3:*", "iam:PassRole", "sqs:SendMessage", "ec2:Describe*"}
    for decision in result.decisions:
        assert decision.detail
        assert decision.actions or decision.entry is None
    removed = {a for d in result.removed() for a in d.actions}
    assert removed == {"s3:PutObject", "sqs:SendMessage"}
    assert result.catalog_version == "tiny-1"


def test_a_document_it_cannot_read_is_refused() -> None:
    rep = report(service("s3", None))
    bad = [
        "not json",
        '{"Statement": []}',
        '{"Statement": [{"Effect": "Allow", "Resource": "*"}]}',
        '{"Statement": [{"Effect": "allow", "Action": "s3:*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Action": "iam:*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}',
    ]
    for text in bad:
        with pytest.raises(PolicyError):
            trim(text, rep)
