"""The propose workflow: read what each principal holds and its ACTION_LEVEL report, plan with
the pure core (:mod:`iamlast.leastprivilege`), and return one Proposal. Nothing is written.

Reads run ``concurrency`` at a time, in four rounds: the principals asked for (facts, inline
documents, attachments, a user's groups, a group's members, and the report), the groups of those
users (their policies apply to the user and are shown), every managed policy met (default
document, versions, and for a customer-managed policy attached to several principals, what it
is attached to), and for each policy trimmed on its own the facts of its principals and the
policy's own report. Then the planner runs, in this process.

Decisions the core cannot make from one principal alone are made here, conservatively:

- a group with a member carrying the exclusion tag, or a member younger than the window, gets no
  proposal (trimming the group changes that member too);
- a customer-managed policy attached to several principals is, by default (``shared="trim"``),
  planned on its own with :func:`~iamlast.leastprivilege.plan_policy` from the policy's own report
  (what every principal it is attached to used), unless one of those principals is excluded,
  service-linked or younger than the window; ``"fork"`` gives each principal its own copy,
  ``"report"`` only shows it.

This module is the layer's one import of the public least-privilege package (the pure core it
plans with); it is itself loaded only when ``propose`` is first called.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from ...leastprivilege import (
    Catalog,
    ChangeKind,
    PlanOptions,
    PolicyChange,
    PolicyInput,
    PolicyKind,
    PolicyProposal,
    Principal,
    PrincipalProposal,
    PrincipalType,
    Proposal,
    ProposalStatus,
    Reason,
    assemble,
    plan_policy,
    plan_principal,
)
from . import Flow, Gather
from .inventory import (
    Holdings,
    Managed,
    Member,
    Who,
    arn_parts,
    read_group_members,
    read_holdings,
    read_managed,
    read_who,
)
from .report import Polling, last_accessed

if TYPE_CHECKING:
    from ..report import AccessReport

__all__ = ["ProposeOptions", "Target", "propose"]

Shared = Literal["trim", "fork", "report"]


@dataclass(frozen=True)
class Target:
    """One ARN to propose for: a role, user, group or customer-managed policy."""

    arn: str
    kind: str
    name: str

    @classmethod
    def of(cls, arn: str) -> Target:
        kind, name = arn_parts(arn)
        return cls(arn, kind, name)


@dataclass(frozen=True)
class ProposeOptions:
    """Everything propose was asked, checked."""

    plan: PlanOptions
    shared: Shared
    polling: Polling
    concurrency: int
    catalog: Catalog


@dataclass(frozen=True)
class _Read:
    holdings: Holdings
    members: tuple[Member, ...]
    report: AccessReport | None


def _excluded(tags: dict[str, str] | None, tag: str | None) -> bool:
    return tag is not None and tags is not None and tag in tags


def _report(arn: str, options: ProposeOptions) -> Flow[AccessReport]:
    return last_accessed(
        arn,
        granularity="ACTION_LEVEL",
        with_entities=False,
        polling=options.polling,
        page_size=None,
        concurrency=1,
    )


def _read_principal(target: Target, options: ProposeOptions) -> Flow[_Read]:
    kind = target.kind
    assert kind in ("role", "user", "group")
    holdings = yield from read_holdings(kind, target.name)  # type: ignore[arg-type]
    tag = options.plan.exclude_tag
    members: tuple[Member, ...] = ()
    if kind == "group":
        members = yield from read_group_members(target.name, tags=tag is not None, concurrency=1)
    who = holdings.who
    skipped = (
        who.service_linked
        or _excluded(who.tags, tag)
        or any(_excluded(m.tags, tag) for m in members)
    )
    report = None if skipped else (yield from _report(who.arn, options))
    return _Read(holdings, members, report)


def _read_group(name: str, arn: str) -> Flow[Holdings]:
    # Only the group's policies matter here (they apply to its users): no GetGroup.
    return read_holdings("group", name, Who(arn, "group", name, "/", None))


def _read_entity(kind: str, name: str, options: ProposeOptions) -> Flow[tuple[Who, tuple[Member, ...]]]:
    who = yield from read_who(kind, name)  # type: ignore[arg-type]
    members: tuple[Member, ...] = ()
    if kind == "group":
        members = yield from read_group_members(
            name, tags=options.plan.exclude_tag is not None, concurrency=1
        )
    return who, members


def propose(targets: Sequence[Target], options: ProposeOptions) -> Flow[Proposal]:
    """Read, plan and assemble (see the module docstring)."""
    limit = options.concurrency
    asked = [t for t in targets if t.kind != "policy"]
    reads: list[_Read] = yield Gather([_read_principal(t, options) for t in asked], limit)
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]] = {
        (r.holdings.who.kind, r.holdings.who.name): (r.holdings.who, r.members) for r in reads
    }
    groups: dict[str, str] = {}
    for r in reads:
        for name, arn in r.holdings.groups:
            if ("group", name) not in known:
                groups.setdefault(name, arn)
    group_holdings: list[Holdings] = yield Gather(
        [_read_group(name, arn) for name, arn in groups.items()], limit
    )
    by_group = {h.who.name: h for h in group_holdings}
    by_group.update({r.holdings.who.name: r.holdings for r in reads if r.holdings.who.kind == "group"})

    wanted = [t.arn for t in targets if t.kind == "policy"]
    direct = [a for r in reads for a in r.holdings.attached]
    arns = list(dict.fromkeys(direct + wanted + [a for h in group_holdings for a in h.attached]))
    # What a policy is attached to matters when it is asked for, or shared by a principal asked
    # for (a group's policies only reach a user asked for: they are shown, never changed).
    wanted_set, direct_set = set(wanted), set(direct)
    managed_list: list[Managed] = yield Gather(
        [
            read_managed(
                a,
                entities="always" if a in wanted_set else "shared" if a in direct_set else "never",
            )
            for a in arns
        ],
        limit,
    )
    managed = {m.arn: m for m in managed_list}

    # The principals of every shared or asked-for policy: facts (and a group's members).
    missing = list(dict.fromkeys(
        e for m in managed_list for e in m.entities or () if e not in known
    ))
    entity_reads = yield Gather([_read_entity(k, n, options) for k, n in missing], limit)
    known.update(dict(zip(missing, entity_reads, strict=True)))

    targeted = {(t.kind, t.name) for t in asked}
    own_plans = _policies_to_plan(targets, reads, managed, known, targeted, options)
    policy_reports: list[AccessReport] = yield Gather(
        [_report(arn, options) for arn in own_plans if own_plans[arn]], limit
    )
    reports_by_policy = dict(zip([a for a in own_plans if own_plans[a]], policy_reports, strict=True))
    return _plan(
        reads, by_group, managed, known, own_plans, reports_by_policy, options
    )


def _policies_to_plan(
    targets: Sequence[Target],
    reads: Sequence[_Read],
    managed: dict[str, Managed],
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    targeted: set[tuple[str, str]],
    options: ProposeOptions,
) -> dict[str, bool]:
    """ARN → whether its own report is needed: the policies planned on their own, in order."""
    out: dict[str, bool] = {}
    candidates = [t.arn for t in targets if t.kind == "policy"]
    if options.shared == "trim":
        candidates += [
            a for r in reads for a in r.holdings.attached
            if not managed[a].aws_managed and managed[a].attachment_count > 1
        ]
    for arn in dict.fromkeys(candidates):
        m = managed[arn]
        entities = m.entities or ()
        if len(entities) == 1 and entities[0] in targeted:
            continue  # attached only to a principal asked for: its own plan trims it
        out[arn] = bool(entities) and _blocker(m, known, options) is None
    return out


def _blocker(
    m: Managed,
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    options: ProposeOptions,
) -> tuple[Reason, str] | None:
    """Why a policy planned on its own must stay as it is (a principal it reaches excluded)."""
    tag = options.plan.exclude_tag
    for entity in m.entities or ():
        who, members = known[entity]
        if who.service_linked:
            return Reason.SERVICE_LINKED, f"attached to the service-linked role {who.name}"
        if _excluded(who.tags, tag):
            return Reason.EXCLUDED_TAG, f"attached to {who.arn}, tagged {tag}"
        for member in members:
            if _excluded(member.tags, tag):
                return Reason.EXCLUDED_TAG, f"attached to group {who.name}, whose member {member.name} is tagged {tag}"
    return None


def _principal(who: Who) -> Principal:
    return Principal(
        arn=who.arn,
        type=PrincipalType(who.kind),
        name=who.name,
        created=who.created,
        tags=MappingProxyType(dict(who.tags)),
        path=who.path,
    )


def _managed_input(
    m: Managed,
    owner: Who,
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    via_group: str | None = None,
) -> PolicyInput:
    if m.entities is not None:
        attached = tuple(known[e][0].arn for e in m.entities)
    else:
        attached = (owner.arn,)  # attached to at most this one principal (the count says)
    return PolicyInput(
        kind=PolicyKind.AWS_MANAGED if m.aws_managed else PolicyKind.CUSTOMER_MANAGED,
        name=m.name,
        document=m.document,
        arn=m.arn,
        default_version_id=m.default_version_id,
        versions=m.versions,
        attached_to=attached,
        via_group=via_group,
    )


def _inputs(
    holdings: Holdings,
    by_group: dict[str, Holdings],
    managed: dict[str, Managed],
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
) -> list[PolicyInput]:
    who = holdings.who
    out = [PolicyInput(PolicyKind.INLINE, p.name, p.document) for p in holdings.inline]
    out += [_managed_input(managed[a], who, known) for a in holdings.attached]
    for name, _ in holdings.groups:
        group = by_group[name]
        out += [
            PolicyInput(PolicyKind.INLINE, p.name, p.document, via_group=name) for p in group.inline
        ]
        out += [_managed_input(managed[a], group.who, known, via_group=name) for a in group.attached]
    return out


def _skip(principal: Principal, reason: Reason, detail: str) -> PrincipalProposal:
    return PrincipalProposal(principal, ProposalStatus.SKIPPED, reason=reason, detail=detail)


def _group_blocker(
    members: Sequence[Member], report: AccessReport | None, options: ProposeOptions
) -> tuple[Reason, str] | None:
    """A group's plan changes its members: an excluded or too young member keeps it as is."""
    tag = options.plan.exclude_tag
    for member in members:
        if _excluded(member.tags, tag):
            return Reason.EXCLUDED_TAG, f"its member {member.name} is tagged {tag}"
    if report is None:
        return None
    start = report.as_of - options.plan.unused_for
    for member in members:
        if member.created is not None and member.created > start:
            return (
                Reason.PRINCIPAL_TOO_YOUNG,
                f"its member {member.name} was created {member.created:%Y-%m-%d}, after the "
                f"window began ({start:%Y-%m-%d})",
            )
    return None


def _plan(
    reads: Sequence[_Read],
    by_group: dict[str, Holdings],
    managed: dict[str, Managed],
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    own_plans: dict[str, bool],
    reports_by_policy: dict[str, AccessReport],
    options: ProposeOptions,
) -> Proposal:
    plan_options, catalog = options.plan, options.catalog
    principals: list[PrincipalProposal] = []
    for r in reads:
        principal = _principal(r.holdings.who)
        blocker = _group_blocker(r.members, r.report, options) if principal.type is PrincipalType.GROUP else None
        if blocker is not None and not principal.service_linked:
            principals.append(_skip(principal, *blocker))
            continue
        inputs = _inputs(r.holdings, by_group, managed, known)
        reports = [r.report] if r.report is not None else []
        principals.append(
            plan_principal(principal, inputs, reports, options=plan_options, catalog=catalog)
        )
    policies: list[PolicyProposal] = []
    for arn, planned in own_plans.items():
        m = managed[arn]
        entities = m.entities or ()
        policy = PolicyInput(
            PolicyKind.CUSTOMER_MANAGED,
            m.name,
            m.document,
            arn=m.arn,
            default_version_id=m.default_version_id,
            versions=m.versions,
            attached_to=tuple(known[e][0].arn for e in entities),
        )
        if not planned:
            reason, detail = _blocker(m, known, options) or (
                Reason.NO_REPORT,
                "attached to no principal: there is no use to learn from",
            )
            policies.append(_skipped_policy(policy, reason, detail))
            continue
        created = [known[e][0].created for e in entities]
        created += [member.created for e in entities for member in known[e][1]]
        policies.append(
            plan_policy(
                policy,
                reports_by_policy[arn],
                principals_created=[c for c in created if c is not None],
                options=plan_options,
                catalog=catalog,
            )
        )
    reports = [r.report for r in reads if r.report is not None] + list(reports_by_policy.values())
    if not reports:
        # Nothing was reported on (every principal service-linked or excluded): the proposal
        # is stamped with the time it was made.
        return Proposal(
            catalog_version=catalog.data_version,
            unused_for=plan_options.unused_for,
            as_of=datetime.now(UTC),
            principals=tuple(principals),
            policies=tuple(policies),
        )
    return assemble(principals, policies, reports=reports, options=plan_options, catalog=catalog)


def _skipped_policy(policy: PolicyInput, reason: Reason, detail: str) -> PolicyProposal:
    document = policy.document if isinstance(policy.document, str) else ""
    change = PolicyChange(
        policy.kind,
        policy.name,
        ChangeKind.UNCHANGED,
        document,
        document,
        arn=policy.arn,
        default_version_id=policy.default_version_id,
    )
    return PolicyProposal(change, policy.attached_to, ProposalStatus.SKIPPED, reason=reason, detail=detail)
