"""The core's conservative defaults, one test per decision: what it does when it is not told.

- Regions not named: nothing is proven unused (IAM does not track every Region); a Region a
  report names is one the principal acts in, named or not.
- A principal whose age is unknown gets no proposal (an unknown age is not an old one).
- A report about another principal, or one that misses a principal a policy is attached to, is
  no proof for it.
- Action-level tracking dates: AWS's published ones; a service that joined later is named in
  ``Tracking.actions``.
- Never-reported actions (iam:PassRole): kept whatever their service's entry says; the list is
  the caller's to change.
- check_safety, for actions newer than the catalog: a pattern must stay whole.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from iamlast.leastprivilege import (
    DEFAULT_TRACKING,
    NEVER_REPORTED,
    PlanOptions,
    PolicyInput,
    PolicyKind,
    Principal,
    PrincipalType,
    ProposalStatus,
    Reason,
    Tracking,
    check_safety,
    load_schema,
    plan_policy,
    plan_principal,
    trim_policy,
)

from .helpers import (
    AS_OF,
    REGIONS,
    ROLE,
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
ACCOUNT = "123456789012"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
APP = Principal(ROLE, PrincipalType.ROLE, "app", created=ago(365))
UNUSED = policy(allow(["sqs:SendMessage", "s3:GetObject"]))
REP = report(service("sqs", None), service("s3", 1, {"GetObject": 1, "DeleteBucket": None}))


def trim(document: Any, reports: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("catalog", CATALOG)
    return trim_policy(document, reports, **kwargs)


# -- Regions -----------------------------------------------------------------------------------


def test_without_named_regions_nothing_is_proven_unused() -> None:
    result = trim(UNUSED, REP)
    assert not result.changed and not result.removed()
    assert {d.reason for d in result.decisions if d.entry == "sqs:SendMessage"} == {
        Reason.REGIONS_UNKNOWN
    }
    assert "regions=" in next(d.detail for d in result.decisions if d.entry == "sqs:SendMessage")
    # Named, the same report proves sqs unused.
    assert statements(trim(UNUSED, REP, regions=REGIONS).after)[0]["Action"] == ["s3:GetObject"]
    # A use is a use, Regions named or not.
    assert {d.reason for d in result.decisions if d.entry == "s3:GetObject"} == {
        Reason.ACTION_USED
    }


def test_without_named_regions_tracked_actions_prove_nothing_either() -> None:
    doc = policy(allow(["s3:GetObject", "s3:DeleteBucket"]))
    assert not trim(doc, REP).changed
    assert trim(doc, REP, regions=REGIONS).changed


@pytest.mark.parametrize("regions", [["eu-west-1", "ca-west-1"], ["mx-central-1"]])
def test_a_region_iam_does_not_track_proves_nothing(regions: list[str]) -> None:
    result = trim(UNUSED, REP, regions=regions)
    assert not result.changed
    assert Reason.TRACKING_TOO_RECENT in {d.reason for d in result.decisions}


def test_a_region_a_report_names_is_one_the_principal_acts_in() -> None:
    # sqs last used 200 days ago in ca-west-1 (the data shows it, the table has no date for it):
    # the Regions named leave it out, yet the principal acts there, so nothing is proven.
    elsewhere = replace(service("sqs", 200), last_authenticated_region="ca-west-1")
    rep = report(elsewhere, service("s3", 1, {"GetObject": 1, "DeleteBucket": None}))
    result = trim(UNUSED, rep, regions=REGIONS)
    assert not result.changed
    assert {d.reason for d in result.decisions if d.entry == "sqs:SendMessage"} == {
        Reason.TRACKING_TOO_RECENT
    }
    # A tracked Region named by the report changes nothing.
    tracked = replace(service("sqs", 200), last_authenticated_region="us-west-2")
    rep = report(tracked, service("s3", 1, {"GetObject": 1, "DeleteBucket": None}))
    assert statements(trim(UNUSED, rep, regions=REGIONS).after)[0]["Action"] == ["s3:GetObject"]


def test_regions_is_a_collection_not_one_name() -> None:
    with pytest.raises(TypeError, match="collection"):
        trim(UNUSED, REP, regions="eu-west-1")


def test_check_safety_and_the_planner_also_want_the_regions() -> None:
    after = policy(allow("s3:GetObject"))
    assert not check_safety([UNUSED], [after], REP, catalog=CATALOG).ok
    assert check_safety([UNUSED], [after], REP, catalog=CATALOG, regions=REGIONS).ok
    inline = PolicyInput(PolicyKind.INLINE, "i", UNUSED)
    rep = replace(REP, arn=ROLE)
    unnamed = plan_principal(APP, [inline], rep, catalog=CATALOG)
    assert unnamed.status is ProposalStatus.UNCHANGED
    named = plan_principal(APP, [inline], rep, options=PlanOptions(regions=REGIONS),
                           catalog=CATALOG)
    assert named.status is ProposalStatus.PROPOSED


# -- ages --------------------------------------------------------------------------------------

OPTIONS = PlanOptions(regions=REGIONS)
INLINE = PolicyInput(PolicyKind.INLINE, "i", UNUSED)


def test_a_principal_of_unknown_age_gets_no_proposal() -> None:
    unknown = replace(APP, created=None)
    result = plan_principal(unknown, [INLINE], REP, options=OPTIONS, catalog=CATALOG)
    assert result.status is ProposalStatus.SKIPPED and result.reason is Reason.AGE_UNKNOWN
    assert not result.steps


def test_trim_policy_refuses_an_empty_list_of_dates_and_skips_the_check_on_none() -> None:
    refused = trim(UNUSED, REP, regions=REGIONS, principal_created=[])
    assert refused.refusal is not None and refused.refusal.reason is Reason.AGE_UNKNOWN
    assert refused.after == UNUSED
    # None: the caller vouches for the age (the planners always pass the dates they have).
    assert trim(UNUSED, REP, regions=REGIONS, principal_created=None).changed


SHARED = PolicyInput(
    PolicyKind.CUSTOMER_MANAGED,
    "shared",
    UNUSED,
    arn=f"arn:aws:iam::{ACCOUNT}:policy/shared",
    default_version_id="v1",
    versions=("v1",),
    attached_to=(ROLE, BOB),
)
BOTH = [REP, replace(REP, arn=BOB)]


@pytest.mark.parametrize("dates", [[], [ago(365)]], ids=["none", "one-of-two"])
def test_a_shared_policy_needs_a_creation_date_per_principal(dates: list[Any]) -> None:
    result = plan_policy(SHARED, BOTH, principals_created=dates, options=OPTIONS,
                         catalog=CATALOG)
    assert result.status is ProposalStatus.SKIPPED and result.reason is Reason.AGE_UNKNOWN
    proposed = plan_policy(SHARED, BOTH, principals_created=[ago(365)] * 2, options=OPTIONS,
                           catalog=CATALOG)
    assert proposed.status is ProposalStatus.PROPOSED


# -- whose report ------------------------------------------------------------------------------


def test_another_principals_report_is_no_proof_for_this_one() -> None:
    mixed = [replace(REP, arn=ROLE), replace(REP, arn=BOB)]
    for reports in (replace(REP, arn=BOB), mixed):
        result = plan_principal(APP, [INLINE], reports, options=OPTIONS, catalog=CATALOG)
        assert result.status is ProposalStatus.SKIPPED
        assert result.reason is Reason.REPORT_MISMATCH and BOB in result.detail


def test_a_shared_policy_takes_extra_reports_and_refuses_missing_ones() -> None:
    dates = [ago(365)] * 2
    group_user = replace(REP, arn=f"arn:aws:iam::{ACCOUNT}:user/carol")
    extra = plan_policy(SHARED, [*BOTH, group_user], principals_created=dates,
                        options=OPTIONS, catalog=CATALOG)
    assert extra.status is ProposalStatus.PROPOSED
    unknown = replace(SHARED, attached_to=())
    missing = plan_policy(unknown, BOTH, principals_created=dates, options=OPTIONS,
                          catalog=CATALOG)
    assert missing.status is ProposalStatus.SKIPPED and missing.reason is Reason.NO_REPORT
    assert "attached_to is empty" in missing.detail
    own = replace(REP, arn=SHARED.arn or "")
    emptied = plan_policy(
        replace(unknown, document=policy(allow("sqs:*"))),
        own,
        principals_created=[ago(365)],
        options=OPTIONS,
        catalog=CATALOG,
    )
    # Nothing left, and whom to detach it from is unknown: no steps that pretend otherwise.
    assert emptied.status is ProposalStatus.INVALID and not emptied.steps


def test_an_attachment_list_that_names_only_this_principal_is_its_own() -> None:
    own = replace(SHARED, attached_to=(ROLE, ROLE))
    result = plan_principal(APP, [own], replace(REP, arn=ROLE), options=OPTIONS,
                            catalog=CATALOG)
    assert result.status is ProposalStatus.PROPOSED


# -- action-level tracking dates ---------------------------------------------------------------


def test_action_level_proof_follows_the_published_dates_and_a_later_one_when_named() -> None:
    # AWS: S3 actions tracked from 2020-04-12; EC2, IAM, Lambda from 2021-04-07; every other
    # service's from 2023-05-23. A service AWS adds to action-level tracking later must be
    # named, or its "never used" actions would be read as proof from before tracking began.
    assert DEFAULT_TRACKING.action_start("s3", REGIONS) == DEFAULT_TRACKING.actions["s3"]
    assert DEFAULT_TRACKING.action_start("sqs", REGIONS) == DEFAULT_TRACKING.actions_default
    doc = policy(allow(["sqs:SendMessage", "sqs:ReceiveMessage"]))
    rep = report(service("sqs", 1, {"SendMessage": 1, "ReceiveMessage": None}))
    trimmed = trim(doc, rep, regions=REGIONS)
    assert statements(trimmed.after)[0]["Action"] == ["sqs:SendMessage"]
    joined = replace(DEFAULT_TRACKING, actions={**DEFAULT_TRACKING.actions, "sqs": ago(20)})
    kept = trim(doc, rep, regions=REGIONS, tracking=joined)
    assert not kept.changed
    assert {d.reason for d in kept.decisions if d.entry == "sqs:ReceiveMessage"} == {
        Reason.TRACKING_TOO_RECENT
    }


# -- never-reported actions --------------------------------------------------------------------

IAM_UNUSED = report(service("iam", None), service("ec2", 1))


def test_passrole_is_kept_by_name_when_iam_shows_no_use() -> None:
    result = trim(policy(allow("iam:*")), IAM_UNUSED, regions=REGIONS)
    assert statements(result.after)[0]["Action"] == "iam:PassRole"
    reasons = {(d.outcome.value, d.reason) for d in result.decisions}
    assert ("kept", Reason.NOT_TRACKED) in reasons and ("removed", Reason.SERVICE_UNUSED) in reasons
    assert "iam:PassRole" in NEVER_REPORTED


def test_a_notaction_statement_adds_only_what_the_report_tracks_for_such_a_service() -> None:
    notaction = policy({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})
    rep = report(service("iam", None, {"CreateRole": None, "GetRole": 200}), service("ec2", 1))
    result = trim(notaction, rep, regions=REGIONS)
    stmt = statements(result.after)[0]
    assert stmt["NotAction"] == ["s3:*", "iam:CreateRole", "iam:GetRole"]
    assert not trim(notaction, rep, regions=REGIONS, level="service").changed


def test_the_never_reported_list_is_the_callers() -> None:
    none = replace(DEFAULT_TRACKING, never_reported=frozenset())
    assert trim(policy(allow("iam:*")), IAM_UNUSED, regions=REGIONS, tracking=none).emptied
    more = replace(DEFAULT_TRACKING, never_reported=NEVER_REPORTED | {"ec2:RunInstances"})
    rep = report(service("ec2", None))
    doc = policy(allow(["ec2:RunInstances", "ec2:TerminateInstances"]))
    assert statements(trim(doc, rep, regions=REGIONS, tracking=more).after)[0]["Action"] == [
        "ec2:RunInstances"
    ]
    for bad in ("iam:Pass*", "PassRole", "iam:"):
        with pytest.raises(ValueError, match="literal"):
            Tracking(DEFAULT_TRACKING.regions, {}, AS_OF, never_reported=frozenset({bad}))


# -- check_safety and actions newer than the catalog -------------------------------------------

S3_USED = report(service("s3", 1))


def safe(before: Any, after: Any, rep: Any = S3_USED, **kwargs: Any) -> bool:
    kwargs.setdefault("catalog", CATALOG)
    kwargs.setdefault("regions", REGIONS)
    return check_safety([before], [after], rep, **kwargs).ok


def test_a_pattern_split_into_narrower_ones_is_refused_while_its_service_is_used() -> None:
    before = policy(allow("s3:*"))
    split = policy(allow(["s3:Get*", "s3:Put*", "s3:Delete*", "s3:List*"]))
    assert not safe(before, split)  # s3:CreateSomethingNew2027 would go
    assert safe(before, split, report(service("s3", None)))  # s3 unused: all may go
    assert safe(before, split, catalog=fresh_catalog())  # no s3 action newer than the catalog
    assert safe(before, split, assume_complete_catalog=True)
    assert safe(before, policy(allow(["s3:*", "s3:GetObject"])))


def test_a_notaction_may_not_exclude_newer_actions_of_a_used_service() -> None:
    before = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    narrower = policy({"Effect": "Allow", "NotAction": ["iam:*", "s3:Get*"], "Resource": "*"})
    assert not safe(before, narrower)
    assert safe(before, narrower, report(service("s3", None)))
    star = policy(allow("*"))
    assert not safe(star, narrower)
    assert safe(star, policy({"Effect": "Allow", "NotAction": "s3:GetObject", "Resource": "*"}),
                report(service("s3", 1, {"GetObject": None})))


def test_an_open_pattern_must_stay_whole() -> None:
    before = policy(allow(["*:Get*", "s3:GetObject"]))
    assert not safe(before, policy(allow("s3:GetObject")), report(service("s3", None)))


# -- the schema knows every reason -------------------------------------------------------------


def test_the_proposal_schema_lists_every_reason() -> None:
    schema = load_schema("proposal")
    assert set(schema["$defs"]["reason"]["enum"]) == {r.value for r in Reason}
