"""The propose workflow: read what each principal holds and its ACTION_LEVEL report, plan with
the pure core (:mod:`iamlast.leastprivilege`), and return one Proposal. Nothing is written.

``concurrency`` principals are read at a time, each by one worker that then has it planned
(on ``ProposeOptions.planner`` when given — ``client.propose`` gives a thread of its own, so the
planning, CPU in this process, overlaps the reading of the others and never holds up an event
loop): its facts, inline documents,
attachments, a user's groups and their policies, a group's members, each managed policy's
default document and versions (and, for a customer-managed one attached to several principals,
what it is attached to), and its ACTION_LEVEL report. Group policies and managed policies are
read once for all the workers (two may race to read one first: a duplicate read, never a wrong
one). Then, ``concurrency`` at a time again, each policy trimmed on its own: the facts of its
principals and its own report. A user and a role of one name get replacement policies named
for their kind (policy names are unique in an account).

Decisions the core cannot make from one principal alone are made here, conservatively:

- a group with a member carrying the exclusion tag, or a member younger than the window, gets no
  proposal (trimming the group changes that member too);
- a customer-managed policy attached to several principals is, by default (``shared="trim"``),
  planned on its own with :func:`~iamlast.leastprivilege.plan_policy` from the policy's own report
  (what every principal it is attached to used), unless one of those principals is excluded,
  service-linked or younger than the window; ``"fork"`` gives each principal its own copy,
  ``"report"`` only shows it.

This module and :mod:`.apply` are the layer's imports of the public least-privilege package (the
pure core they plan with and the values they return); both load only when first called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from .._runtime.flows import Flow, Gather, Offload
from .._runtime.flows.inventory import (
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
from .._runtime.flows.report import Polling, last_accessed
from . import (
    Catalog,
    ChangeKind,
    PlanOptions,
    PolicyChange,
    PolicyError,
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
    default_replacement_name,
    plan_policy,
    plan_principal,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .._runtime.report import AccessReport

T = TypeVar("T")

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
    #: Where the planning (the pure core: CPU only) runs — off the event loop for the async
    #: client — or None: in the flow itself.
    planner: Executor | None = None


def _planned(options: ProposeOptions, function: Callable[..., T], *args: Any) -> Flow[T]:
    """``function(*args)`` on the planner (see :class:`ProposeOptions`)."""
    if options.planner is None:
        return function(*args)
    result: T = yield Offload(options.planner, function, args)
    return result


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


class _Cache:
    """Reads shared by the principals' flows: a group's policies, a managed policy. Two flows
    may both read one before either stored it (a duplicate read, never a wrong one)."""

    def __init__(self) -> None:
        self.groups: dict[str, Holdings] = {}
        self.managed: dict[str, Managed] = {}

    def group(self, name: str, arn: str) -> Flow[Holdings]:
        found = self.groups.get(name)
        if found is None:
            # Only the group's policies matter here (they apply to its users): no GetGroup.
            found = yield from read_holdings("group", name, Who(arn, "group", name, "/", None))
            self.groups[name] = found
        return found

    def policy(self, arn: str, entities: Literal["never", "shared", "always"]) -> Flow[Managed]:
        found = self.managed.get(arn)
        if found is None or (found.entities is None and _may_need_entities(found, entities)):
            found = yield from read_managed(arn, entities=entities)
            self.managed[arn] = found
        return found


def _may_need_entities(m: Managed, entities: str) -> bool:
    return entities == "always" or (entities == "shared" and not m.aws_managed)


@dataclass(frozen=True)
class _Planned:
    read: _Read
    proposal: PrincipalProposal
    #: Customer-managed policies attached directly to it and to others too.
    shared: tuple[str, ...]


def _principal_flow(
    target: Target, options: ProposeOptions, cache: _Cache, ambiguous: bool = False
) -> Flow[_Planned]:
    """Read one principal and what applies to it, then plan it (here, so that planning one
    overlaps the reading of others)."""
    read = yield from _read_principal(target, options)
    holdings = read.holdings
    groups = []
    for name, arn in holdings.groups:
        groups.append((yield from cache.group(name, arn)))
    managed: dict[str, Managed] = {}
    for arn in holdings.attached:
        managed[arn] = yield from cache.policy(arn, "shared")
    for group in groups:
        for arn in group.attached:
            if arn not in managed:
                managed[arn] = yield from cache.policy(arn, "never")
    shared = tuple(a for a in holdings.attached if _shared(managed[a], holdings.who))
    plan = yield from _planned(options, _plan_principal, read, groups, managed, options, ambiguous)
    return _Planned(read, plan, shared)


def _shared(m: Managed, owner: Who) -> bool:
    """A customer-managed policy that reaches others than ``owner``: attached to others too, or
    (whatever it is attached to) the permissions boundary of some principal."""
    if m.aws_managed:
        return False
    if m.boundary_uses:
        return True
    return set(m.entities or ()) != {(owner.kind, owner.name)}


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
    cache = _Cache()
    asked = [t for t in targets if t.kind != "policy"]
    # A user and a role of the same name would get replacement policies of the same name (IAM
    # refuses the second): theirs say which kind they are for.
    kinds: dict[str, set[str]] = {}
    for t in asked:
        kinds.setdefault(t.name, set()).add(t.kind)
    planned: list[_Planned] = yield Gather(
        [_principal_flow(t, options, cache, len(kinds[t.name]) > 1) for t in asked], limit
    )
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]] = {
        (p.read.holdings.who.kind, p.read.holdings.who.name): (p.read.holdings.who, p.read.members)
        for p in planned
    }
    # The policies planned on their own: asked for, or (shared="trim") shared by a principal.
    candidates = [t.arn for t in targets if t.kind == "policy"]
    if options.shared == "trim":
        candidates += [a for p in planned for a in p.shared]
    candidates = list(dict.fromkeys(candidates))
    policies: list[Managed] = yield Gather([cache.policy(a, "always") for a in candidates], limit)
    targeted = {(t.kind, t.name) for t in asked}
    # Attached only to a principal asked for: that principal's own plan trims it.
    policies = [
        m
        for m in policies
        if m.boundary_uses or not (len(m.entities or ()) == 1 and (m.entities or ())[0] in targeted)
    ]
    missing = list(dict.fromkeys(
        e for m in policies for e in m.entities or () if e not in known
    ))
    entity_reads = yield Gather([_read_entity(k, n, options) for k, n in missing], limit)
    known.update(dict(zip(missing, entity_reads, strict=True)))
    reportable = [m for m in policies if m.entities and _blocker(m, known, options) is None]
    policy_reports: list[AccessReport] = yield Gather(
        [_report(m.arn, options) for m in reportable], limit
    )
    by_arn = dict(zip([m.arn for m in reportable], policy_reports, strict=True))
    planned_policies = []
    for m in policies:
        planned_policies.append(
            (yield from _planned(options, _plan_policy, m, by_arn.get(m.arn), known, options))
        )
    reports = [p.read.report for p in planned if p.read.report is not None] + policy_reports
    principals = [p.proposal for p in planned]
    catalog, plan_options = options.catalog, options.plan
    if not reports:
        # Nothing was reported on (every principal service-linked or excluded): the proposal
        # is stamped with the time it was made.
        return Proposal(
            catalog_version=catalog.data_version,
            unused_for=plan_options.unused_for,
            as_of=datetime.now(UTC),
            principals=tuple(principals),
            policies=tuple(planned_policies),
        )
    return assemble(
        principals, planned_policies, reports=reports, options=plan_options, catalog=catalog
    )


def _blocker(
    m: Managed,
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    options: ProposeOptions,
) -> tuple[Reason, str] | None:
    """Why a policy planned on its own must stay as it is (a principal it reaches excluded, or
    one whose permissions boundary it is)."""
    if m.boundary_uses:
        return (
            Reason.NO_REPORT,
            f"it is the permissions boundary of {m.boundary_uses} principal(s), whose use its "
            "report does not show: trimming it would shrink their permissions too",
        )
    tag = options.plan.exclude_tag
    for entity in m.entities or ():
        who, members = known[entity]
        if who.service_linked:
            return Reason.SERVICE_LINKED, f"attached to the service-linked role {who.name}"
        if _excluded(who.tags, tag):
            return Reason.EXCLUDED_TAG, f"attached to {who.arn}, tagged {tag}"
        for member in members:
            if _excluded(member.tags, tag):
                return (
                    Reason.EXCLUDED_TAG,
                    f"attached to group {who.name}, whose member {member.name} is tagged {tag}",
                )
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
    m: Managed, owner: Who, via_group: str | None = None
) -> PolicyInput:
    attached_to: tuple[str, ...] = ()
    if m.entities is not None and not m.boundary_uses:
        # What the planner needs of the other principals here is only that there are some
        # (the policy is then shown or forked, never trimmed for this one alone): their names
        # do (ListEntitiesForPolicy gives names, not ARNs). The owner counts only when the
        # list names it: a list without it (read mid-change) leaves the policy shared.
        account = owner.arn.split(":")[4]
        partition = owner.arn.split(":")[1]
        mine = (owner.kind, owner.name) in m.entities
        others = [
            f"arn:{partition}:iam::{account}:{kind}/{name}"
            for kind, name in m.entities
            if (kind, name) != (owner.kind, owner.name)
        ]
        attached_to = (owner.arn, *others) if mine else tuple(others)
    # Otherwise unknown (not read, or it is also some principal's permissions boundary, which
    # no list here shows): the planner then never trims it for this principal alone.
    return PolicyInput(
        kind=PolicyKind.AWS_MANAGED if m.aws_managed else PolicyKind.CUSTOMER_MANAGED,
        name=m.name,
        document=m.document,
        arn=m.arn,
        default_version_id=m.default_version_id,
        versions=m.versions,
        attached_to=attached_to,
        via_group=via_group,
    )


def _inputs(
    holdings: Holdings, groups: Sequence[Holdings], managed: dict[str, Managed]
) -> list[PolicyInput]:
    who = holdings.who
    out = [PolicyInput(PolicyKind.INLINE, p.name, p.document) for p in holdings.inline]
    out += [_managed_input(managed[a], who) for a in holdings.attached]
    for group in groups:
        name = group.who.name
        out += [
            PolicyInput(PolicyKind.INLINE, p.name, p.document, via_group=name) for p in group.inline
        ]
        out += [_managed_input(managed[a], group.who, via_group=name) for a in group.attached]
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
        if member.created is None:
            return (
                Reason.AGE_UNKNOWN,
                f"its member {member.name}'s creation date is unknown: it may be younger than "
                "the window",
            )
        if member.created > start:
            return (
                Reason.PRINCIPAL_TOO_YOUNG,
                f"its member {member.name} was created {member.created:%Y-%m-%d}, after the "
                f"window began ({start:%Y-%m-%d})",
            )
    return None


def _plan_principal(
    read: _Read,
    groups: Sequence[Holdings],
    managed: dict[str, Managed],
    options: ProposeOptions,
    ambiguous: bool = False,
) -> PrincipalProposal:
    principal = _principal(read.holdings.who)
    plan_options = _with_regions(options.plan, principal.partition)
    if ambiguous:
        kind = principal.type.value
        plan_options = replace(
            plan_options,
            replacement_name=lambda policy, name: default_replacement_name(policy, f"{kind}-{name}"),
        )
    if principal.type is PrincipalType.GROUP:
        blocker = _group_blocker(read.members, read.report, options)
        if blocker is not None:
            return _skip(principal, *blocker)
    inputs = _inputs(read.holdings, groups, managed)
    reports = [read.report] if read.report is not None else []
    try:
        return plan_principal(
            principal, inputs, reports, options=plan_options, catalog=options.catalog
        )
    except PolicyError as exc:
        raise PolicyError(f"{principal.arn}: {exc}") from exc


def _plan_policy(
    m: Managed,
    report: AccessReport | None,
    known: dict[tuple[str, str], tuple[Who, tuple[Member, ...]]],
    options: ProposeOptions,
) -> PolicyProposal:
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
    if report is None:
        reason, detail = _blocker(m, known, options) or (
            Reason.NO_REPORT,
            "attached to no principal: there is no use to learn from",
        )
        return _skipped_policy(policy, reason, detail)
    # One creation date per principal it reaches: each attached principal's, and each member's
    # of an attached group (their use is in the policy's report; so is their age's risk).
    created = [(known[e][0].arn, known[e][0].created) for e in entities]
    created += [(member.arn, member.created) for e in entities for member in known[e][1]]
    unknown = [arn for arn, when in created if when is None]
    if unknown:
        return _skipped_policy(
            policy,
            Reason.AGE_UNKNOWN,
            f"the creation date of {', '.join(unknown)} is unknown: it may be younger than the "
            "window",
        )
    try:
        return plan_policy(
            policy,
            report,
            principals_created=[when for _, when in created if when is not None],
            options=_with_regions(options.plan, m.arn.split(":")[1]),
            catalog=options.catalog,
        )
    except PolicyError as exc:
        raise PolicyError(f"{m.arn}: {exc}") from exc


def _with_regions(plan: PlanOptions, partition: str) -> PlanOptions:
    """``plan`` with the Regions to prove unused in: the ones asked for, or else every Region
    IAM tracks in ``partition`` (see ``client.propose``); a partition where the tracking table
    knows none keeps None, so nothing is proven there."""
    if plan.regions is not None:
        return plan
    tracked = plan.tracking.tracked_regions(partition)
    return replace(plan, regions=tracked) if tracked else plan


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
