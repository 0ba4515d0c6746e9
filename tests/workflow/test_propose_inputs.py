"""What the propose flow feeds the stricter core: the Regions to prove in, creation dates,
attachments and reports that match — and what it refuses when one of them is unknown.

The end-to-end loop is in test_proposals.py; these pin the inputs, through both clients where the
emulator can show them, and on the flow's helpers where it cannot (an unknown creation date)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from iamlast._runtime.flows.inventory import Managed, Member, Who
from iamlast.leastprivilege import (
    DEFAULT_TRACKING,
    Catalog,
    ChangeKind,
    Outcome,
    PlanOptions,
    ProposalStatus,
    Reason,
    Tracking,
    region_partition,
)
from iamlast.leastprivilege import propose_flow as flow
from iamlast.testing import FakeIAM

from . import lp_support as lp
from .both import FAST, MODES, Both

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def iam() -> Iterator[FakeIAM]:
    with FakeIAM(lp.account(), job_polls=0) as server:
        yield server


@pytest.fixture(params=MODES)
async def both(request: pytest.FixtureRequest, iam: FakeIAM) -> AsyncIterator[Both]:
    b = Both(request.param, **iam.iamlast_kwargs())
    yield b
    await b.close()


def _kept_reasons(proposal: object) -> set[Reason]:
    return {
        d.reason
        for p in proposal.principals  # type: ignore[attr-defined]
        for c in p.policies
        for d in c.decisions
        if d.outcome is Outcome.KEPT
    }


# -- Regions ------------------------------------------------------------------------------


def test_the_tracked_regions_of_each_partition() -> None:
    commercial = DEFAULT_TRACKING.tracked_regions("aws")
    assert {"us-east-1", "eu-west-1", "ap-southeast-4", "il-central-1"} <= commercial
    assert not any(r.startswith("us-gov-") for r in commercial)
    assert DEFAULT_TRACKING.tracked_regions("aws-us-gov") == {"us-gov-east-1", "us-gov-west-1"}
    assert DEFAULT_TRACKING.tracked_regions("aws-cn") == frozenset()
    # Opt-in Regions the table does not list are not tracked: never in a default.
    assert not {"ca-west-1", "ap-southeast-5", "mx-central-1"} & commercial
    assert [region_partition(r) for r in ("us-gov-west-1", "cn-north-1", "us-iso-east-1",
                                         "us-isob-east-1", "eusc-de-east-1", "me-central-1")] == [
        "aws-us-gov", "aws-cn", "aws-iso", "aws-iso-b", "aws-eusc", "aws",
    ]


def test_regions_left_out_are_the_partitions_tracked_ones_and_named_ones_stay() -> None:
    plan = PlanOptions()
    assert flow._with_regions(plan, "aws").regions == DEFAULT_TRACKING.tracked_regions("aws")
    gov = flow._with_regions(plan, "aws-us-gov").regions
    assert gov == {"us-gov-east-1", "us-gov-west-1"}
    # No Region of the partition is in the table: nothing is named, so nothing is proven.
    assert flow._with_regions(plan, "aws-cn").regions is None
    named = PlanOptions(regions=frozenset({"ca-west-1"}))
    assert flow._with_regions(named, "aws").regions == {"ca-west-1"}
    # The tracking table given is the one asked.
    own = PlanOptions(tracking=Tracking(regions={"us-east-1": datetime(2016, 1, 1, tzinfo=UTC)},
                                        actions={}, actions_default=datetime(2016, 1, 1, tzinfo=UTC)))
    assert flow._with_regions(own, "aws").regions == {"us-east-1"}


async def test_an_untracked_region_named_proves_nothing_unused(both: Both) -> None:
    acct = lp.account()
    everyone = [p.arn for p in lp.principals(acct)]
    # The account says its principals also act in an opt-in Region IAM does not track.
    proposal = await both.call(
        "propose", everyone, exclude_tag=lp.KEEP_TAG, regions=["us-east-1", "ca-west-1"], **FAST
    )
    assert not proposal.steps()
    assert not any(p.status is ProposalStatus.PROPOSED for p in proposal.principals)
    assert not any(p.status is ProposalStatus.PROPOSED for p in proposal.policies)
    assert Reason.TRACKING_TOO_RECENT in _kept_reasons(proposal)
    removed = [
        d for p in proposal.principals for c in p.policies for d in c.decisions
        if d.outcome is Outcome.REMOVED
    ]
    assert removed == []


# -- attachments: a permissions boundary is a use the policy's report does not show ---------


async def test_a_policy_that_is_also_a_permissions_boundary_is_never_trimmed(
    both: Both, iam: FakeIAM
) -> None:
    acct = iam.account
    role = acct.role("crowded-role")
    crowded = acct.policy("crowded-ci")
    before = await both.call("propose", [role.arn], **FAST)
    change = next(c for c in before.principals[0].policies if c.arn == crowded.arn)
    assert change.change is ChangeKind.TRIM  # its only attachment: trimmed in place

    crowded.boundary_uses = 2  # and two other principals have it as their boundary
    proposal = await both.call("propose", [role.arn], **FAST)
    change = next(c for c in proposal.principals[0].policies if c.arn == crowded.arn)
    assert change.change is ChangeKind.REPORTED and change.after == change.before
    assert not any(s.policy_arn == crowded.arn for s in proposal.steps())
    (own,) = [p for p in proposal.policies if p.policy.arn == crowded.arn]
    assert own.status is ProposalStatus.SKIPPED and own.reason is Reason.NO_REPORT
    assert "permissions boundary" in own.detail and not own.steps


# -- creation dates: an unknown one is not an old one --------------------------------------

NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = "123456789012"


def _options() -> flow.ProposeOptions:
    from iamlast._runtime.flows.report import Polling

    return flow.ProposeOptions(
        plan=PlanOptions(), shared="trim", polling=Polling(1.0, 0.1, 1.0), concurrency=1,
        catalog=Catalog({"s3": ["GetObject"]}, data_version="t"),
    )


def test_a_group_with_a_member_of_unknown_age_gets_no_proposal() -> None:
    from iamlast.report import AccessReport

    report = AccessReport(
        arn=f"arn:aws:iam::{ACCOUNT}:group/devs", job_id="j", granularity="ACTION_LEVEL",
        job_created=NOW, as_of=NOW, services=(),
    )
    old = Member(f"arn:aws:iam::{ACCOUNT}:user/old", "old", NOW - timedelta(days=900))
    unknown = Member(f"arn:aws:iam::{ACCOUNT}:user/new", "new", None)
    assert flow._group_blocker([old], report, _options()) is None
    blocked = flow._group_blocker([old, unknown], report, _options())
    assert blocked is not None and blocked[0] is Reason.AGE_UNKNOWN and "new" in blocked[1]


def test_a_shared_policy_reaching_a_principal_of_unknown_age_is_skipped() -> None:
    from iamlast.report import AccessReport

    arn = f"arn:aws:iam::{ACCOUNT}:policy/shared"
    m = Managed(arn, "shared", "/", False, "v1",
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}',
                ("v1",), 2, (("role", "a"), ("group", "g")))
    a = Who(f"arn:aws:iam::{ACCOUNT}:role/a", "role", "a", "/", NOW - timedelta(days=900))
    g = Who(f"arn:aws:iam::{ACCOUNT}:group/g", "group", "g", "/", NOW - timedelta(days=900))
    member = Member(f"arn:aws:iam::{ACCOUNT}:user/m", "m", None)
    report = AccessReport(arn=arn, job_id="j", granularity="ACTION_LEVEL", job_created=NOW,
                          as_of=NOW, services=())
    # The member's unknown date was once made up for by the other dates' count.
    known = {("role", "a"): (a, ()), ("group", "g"): (g, (member,))}
    planned = flow._plan_policy(m, report, known, _options())
    assert planned.status is ProposalStatus.SKIPPED and planned.reason is Reason.AGE_UNKNOWN
    assert member.arn in planned.detail


# -- planning off the caller's thread -------------------------------------------------------


async def _planner_gone() -> None:
    """Wait (5 s at most) until no planner thread is left."""
    import asyncio
    import threading
    import time

    deadline = time.monotonic() + 5
    while any(t.name.startswith("iamlast-plan") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the planner outlived propose"
        await asyncio.sleep(0.01)


async def test_planning_runs_on_a_thread_of_its_own_that_ends_with_propose(
    both: Both, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    seen: list[str] = []
    real = flow._plan_principal

    def recording(*args: object) -> object:
        seen.append(threading.current_thread().name)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(flow, "_plan_principal", recording)
    acct = iam.account
    arns = [p.arn for p in lp.principals(acct)][:6]
    caller = threading.current_thread().name
    proposal = await both.call("propose", arns, concurrency=4, **FAST)
    assert len(proposal.principals) == len(arns)
    # Every plan ran on the planner's thread: not the event loop's, not a request worker's.
    assert seen and all(name.startswith("iamlast-plan") for name in seen), seen
    assert caller not in seen
    await _planner_gone()


async def test_a_plan_that_fails_fails_propose_and_ends_the_planner(
    both: Both, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:

    from iamlast.leastprivilege import PolicyError

    def broken(*args: object) -> object:
        raise PolicyError("not a policy")

    monkeypatch.setattr(flow, "_plan_principal", broken)
    role = iam.account.role("crowded-role")
    with pytest.raises(PolicyError, match="not a policy"):
        await both.call("propose", [role.arn], **FAST)
    await _planner_gone()
