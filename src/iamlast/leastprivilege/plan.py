"""Planning: a principal's policies and reports in, a :class:`PrincipalProposal` out — pure.

The client's propose flow gathers the inputs (the principal's facts, each policy with its kind,
ARN, default version and version list, who else it is attached to, and the reports), calls
:func:`plan_principal` / :func:`plan_policy`, and :func:`assemble` puts the results in one
:class:`~.proposal.Proposal`. The apply flow executes the steps; nothing here talks to IAM.

- Inline policies are rewritten with Put{Role,User,Group}Policy, or deleted when emptied.
- A customer-managed policy attached only to this principal gets a new default version
  (deleting the oldest non-default version first when 5 exist), or is detached when emptied.
- A customer-managed policy attached to others is reported (propose the policy itself with
  :func:`plan_policy`, trimmed to what all of them used), or forked into this principal's copy.
- An AWS managed policy is never edited: a customer-managed replacement is created and attached,
  then the AWS one detached (attach first: no moment without the permissions).
- A user's group policies are reported; they change only when the group itself is proposed.
- A result that breaks an IAM limit is retried at service level (smaller); if it still breaks
  one, the proposal is INVALID and says which — never a document IAM would refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from ..report import AccessReport
from .catalog import Catalog
from .document import (
    INLINE_LIMITS,
    MANAGED_POLICY_LIMIT,
    MAX_POLICY_VERSIONS,
    PolicyDocument,
    dumps,
    policy_size,
)
from .evidence import DEFAULT_TRACKING, Evidence, Reason, Tracking
from .proposal import (
    ChangeKind,
    PolicyChange,
    PolicyKind,
    PolicyProposal,
    Principal,
    PrincipalProposal,
    PrincipalType,
    Proposal,
    ProposalStatus,
    Step,
    StepOp,
)
from .safety import UnsafeProposalError, verify
from .trim import TrimResult, literal_actions, trim_policy

__all__ = [
    "PlanOptions",
    "PolicyInput",
    "assemble",
    "default_replacement_name",
    "plan_policy",
    "plan_principal",
]


@dataclass(frozen=True)
class PolicyInput:
    """One policy as IAM holds it now. ``versions``: a managed policy's version ids, oldest
    first; ``attached_to``: ARNs of every principal a managed policy is attached to;
    ``via_group``: for a user, the group this policy comes from."""

    kind: PolicyKind
    name: str
    document: str | Mapping[str, Any]
    arn: str | None = None
    default_version_id: str | None = None
    versions: tuple[str, ...] = ()
    attached_to: tuple[str, ...] = ()
    via_group: str | None = None


@dataclass(frozen=True)
class PlanOptions:
    """How to trim; the defaults are the issue's."""

    unused_for: timedelta = timedelta(days=90)
    tracking: Tracking = DEFAULT_TRACKING
    regions: Collection[str] | None = None
    exclude_sid_prefix: str | None = "NOREPO"
    #: Principals carrying this tag key get no proposal (None: no such tag).
    exclude_tag: str | None = None
    level: Literal["action", "service"] = "action"
    rewrite_universal: bool = True
    #: A customer-managed policy attached to other principals too: "report" or "fork".
    shared: Literal["report", "fork"] = "report"
    #: Where replacement and forked policies are created.
    replacement_path: str = "/iamlast/"
    #: Managed policies one principal may have attached (IAM's default quota).
    max_attached_policies: int = 10
    #: The created policy's name from the original's and the principal's (None: the default,
    #: :func:`default_replacement_name`).
    replacement_name: Callable[[str, str], str] | None = field(default=None, compare=False)


_NAME_OK = re.compile(r"[^\w+=,.@-]")


def default_replacement_name(policy_name: str, principal_name: str) -> str:
    """``<policy>-<principal>``, cut to IAM's 128 characters, only characters IAM allows."""
    return _NAME_OK.sub("-", f"{policy_name}-{principal_name}")[:128]


def _principal_from_arn(arn: str) -> tuple[PrincipalType, str]:
    resource = arn.split(":", 5)[5]
    kind, _, rest = resource.partition("/")
    return PrincipalType(kind), rest.rsplit("/", 1)[-1]


def _limit_problem(size: int | None, limit: int, what: str) -> list[str]:
    if size is not None and size > limit:
        return [f"{what} would be {size} characters; IAM allows {limit}"]
    return []


def _trim(
    policy: PolicyInput,
    reports: Sequence[AccessReport],
    created: Iterable[datetime],
    options: PlanOptions,
    catalog: Catalog,
    level: Literal["action", "service"],
    named: Collection[str] = (),
) -> TrimResult:
    return trim_policy(
        policy.document,
        reports,
        unused_for=options.unused_for,
        catalog=catalog,
        tracking=options.tracking,
        regions=options.regions,
        principal_created=list(created),
        exclude_sid_prefix=options.exclude_sid_prefix,
        level=level,
        rewrite_universal=options.rewrite_universal,
        named_actions=named,
    )


def _fit(
    policy: PolicyInput,
    reports: Sequence[AccessReport],
    created: Iterable[datetime],
    options: PlanOptions,
    catalog: Catalog,
    limit: int | None,
    named: Collection[str] = (),
) -> tuple[TrimResult, str]:
    """Trim at the asked level; when the result breaks ``limit``, at service level.
    ``named``: literal actions the principal's policies name (see :func:`trim_policy`)."""
    dates = list(created)
    result = _trim(policy, reports, dates, options, catalog, options.level, named)
    size = result.size()
    if limit is not None and size is not None and size > limit and options.level == "action":
        smaller = _trim(policy, reports, dates, options, catalog, "service", named)
        smaller_size = smaller.size()
        if smaller_size is None or smaller_size <= limit:
            return smaller, "service"
    return result, options.level


def _change(
    policy: PolicyInput, result: TrimResult, change: ChangeKind, level: str, **extra: Any
) -> PolicyChange:
    return PolicyChange(
        kind=policy.kind,
        name=policy.name,
        arn=policy.arn,
        change=change,
        default_version_id=policy.default_version_id,
        before=_text(policy.document),
        after=None if result.after is None else dumps(result.after),
        decisions=result.decisions,
        via_group=policy.via_group,
        level=level,
        **extra,
    )


def _text(document: str | Mapping[str, Any]) -> str:
    return document if isinstance(document, str) else dumps(document)


def _version_steps(policy: PolicyInput, document: str) -> list[Step]:
    steps: list[Step] = []
    if len(policy.versions) >= MAX_POLICY_VERSIONS:
        oldest = next(v for v in policy.versions if v != policy.default_version_id)
        steps.append(Step(StepOp.DELETE_POLICY_VERSION, policy_arn=policy.arn, version_id=oldest))
    steps.append(
        Step(
            StepOp.CREATE_POLICY_VERSION,
            policy_arn=policy.arn,
            document=document,
            set_as_default=True,
        )
    )
    return steps


def _skip(principal: Principal, reason: Reason, detail: str) -> PrincipalProposal:
    return PrincipalProposal(principal, ProposalStatus.SKIPPED, reason=reason, detail=detail)


def plan_principal(
    principal: Principal,
    policies: Sequence[PolicyInput],
    reports: AccessReport | Sequence[AccessReport],
    *,
    options: PlanOptions | None = None,
    catalog: Catalog | None = None,
) -> PrincipalProposal:
    """Plan what to change for one principal from its report(s); see the module docstring."""
    options = options or PlanOptions()
    catalog = catalog or Catalog.default()
    listed = [reports] if isinstance(reports, AccessReport) else list(reports)
    if principal.service_linked:
        return _skip(principal, Reason.SERVICE_LINKED, "service-linked roles are AWS's to change")
    if options.exclude_tag is not None and options.exclude_tag in principal.tags:
        return _skip(principal, Reason.EXCLUDED_TAG, f"tagged {options.exclude_tag}")
    if not listed:
        return _skip(principal, Reason.NO_REPORT, "no last-accessed report for it")
    evidence = Evidence(
        listed,
        unused_for=options.unused_for,
        tracking=options.tracking,
        regions=options.regions,
        level=options.level,
    )
    first = min(evidence.window_start(r) for r in listed)
    if principal.created is not None and principal.created > first:
        return _skip(
            principal,
            Reason.PRINCIPAL_TOO_YOUNG,
            f"created {principal.created:%Y-%m-%d}, after the window began ({first:%Y-%m-%d})",
        )
    created = [principal.created] if principal.created is not None else []
    # The safety check weighs every action any of the principal's policies names literally.
    named = literal_actions(PolicyDocument.parse(p.document) for p in policies)
    who: dict[str, Any] = {"principal_type": principal.type, "principal_name": principal.name}
    changes: list[PolicyChange] = []
    steps: list[Step] = []
    problems: list[str] = []
    attached = sum(1 for p in policies if p.kind is not PolicyKind.INLINE and p.via_group is None)
    extra_attached = 0
    namer = options.replacement_name or default_replacement_name
    for policy in policies:
        if policy.via_group is not None:
            doc = _text(policy.document)
            changes.append(
                PolicyChange(
                    policy.kind,
                    policy.name,
                    ChangeKind.REPORTED,
                    doc,
                    doc,
                    arn=policy.arn,
                    default_version_id=policy.default_version_id,
                    via_group=policy.via_group,
                )
            )
            continue
        shared = policy.kind is PolicyKind.CUSTOMER_MANAGED and any(
            a != principal.arn for a in policy.attached_to
        )
        if shared and options.shared == "report":
            doc = _text(policy.document)
            changes.append(
                PolicyChange(
                    policy.kind,
                    policy.name,
                    ChangeKind.REPORTED,
                    doc,
                    doc,
                    arn=policy.arn,
                    default_version_id=policy.default_version_id,
                    problems=(
                        f"attached to {len(policy.attached_to)} principals: propose the policy "
                        "itself (trimmed to what all of them used) or fork it",
                    ),
                )
            )
            continue
        limit = None if policy.kind is PolicyKind.INLINE else MANAGED_POLICY_LIMIT
        result, level = _fit(policy, listed, created, options, catalog, limit, named)
        if not result.changed:
            changes.append(_change(policy, result, ChangeKind.UNCHANGED, level))
            continue
        after = None if result.after is None else dumps(result.after)
        if policy.kind is PolicyKind.INLINE:
            if after is None:
                steps.append(Step(StepOp.DELETE_INLINE_POLICY, policy_name=policy.name, **who))
                changes.append(_change(policy, result, ChangeKind.REMOVE, level))
            else:
                steps.append(
                    Step(StepOp.PUT_INLINE_POLICY, policy_name=policy.name, document=after, **who)
                )
                changes.append(_change(policy, result, ChangeKind.TRIM, level))
            continue
        assert policy.arn is not None, f"managed policy {policy.name} without an ARN"
        if after is None:
            steps.append(Step(StepOp.DETACH_POLICY, policy_arn=policy.arn, **who))
            changes.append(_change(policy, result, ChangeKind.REMOVE, level))
            attached -= 1
            continue
        problem = _limit_problem(result.size(), MANAGED_POLICY_LIMIT, f"{policy.name}")
        if policy.kind is PolicyKind.CUSTOMER_MANAGED and not shared:
            steps.extend(_version_steps(policy, after))
            changes.append(_change(policy, result, ChangeKind.TRIM, level, problems=tuple(problem)))
            problems.extend(problem)
            continue
        # AWS managed (never edited) or shared and forked: a copy of our own takes its place.
        name = namer(policy.name, principal.name)
        partition = principal.arn.split(":")[1]
        arn = f"arn:{partition}:iam::{principal.account}:policy{options.replacement_path}{name}"
        kind = ChangeKind.REPLACE if policy.kind is PolicyKind.AWS_MANAGED else ChangeKind.FORK
        steps += [
            Step(
                StepOp.CREATE_POLICY,
                policy_name=name,
                path=options.replacement_path,
                document=after,
                description=f"iamlast: {policy.name} trimmed for {principal.name}",
            ),
            Step(StepOp.ATTACH_POLICY, policy_arn=arn, **who),
            Step(StepOp.DETACH_POLICY, policy_arn=policy.arn, **who),
        ]
        extra_attached = max(extra_attached, 1)
        changes.append(
            _change(
                policy,
                result,
                kind,
                level,
                replacement_name=name,
                replacement_arn=arn,
                problems=tuple(problem),
            )
        )
        problems.extend(problem)
    inline_total = sum(
        policy_size(PolicyDocument.parse(c.after).raw)
        for c in changes
        if c.kind is PolicyKind.INLINE and c.after is not None and c.via_group is None
    )
    inline_problem = _limit_problem(
        inline_total, INLINE_LIMITS[principal.type.value], f"{principal.name}'s inline policies"
    )
    if inline_problem and options.level == "action":
        # The limit is on all inline policies together: try the whole principal at service level.
        smaller = replace(options, level="service")
        return plan_principal(principal, policies, listed, options=smaller, catalog=catalog)
    problems += inline_problem
    if attached + extra_attached > options.max_attached_policies:
        problems.append(
            f"{principal.name} would need {attached + extra_attached} attached managed policies "
            f"while the replacements are attached; the quota is {options.max_attached_policies}"
        )
    _verify(policies, changes, catalog, evidence)
    if problems:
        return PrincipalProposal(
            principal, ProposalStatus.INVALID, tuple(changes), (), problems=tuple(problems)
        )
    status = ProposalStatus.PROPOSED if steps else ProposalStatus.UNCHANGED
    return PrincipalProposal(principal, status, tuple(changes), tuple(steps))


def _verify(
    policies: Sequence[PolicyInput],
    changes: Sequence[PolicyChange],
    catalog: Catalog,
    evidence: Evidence,
) -> None:
    """The principal's whole set of policies, before and after, through the safety check."""
    before = [PolicyDocument.parse(p.document) for p in policies]
    after = [PolicyDocument.parse(c.after) for c in changes if c.after is not None]
    report = verify(before, after, catalog=catalog, evidence=evidence)
    if not report.ok:
        raise UnsafeProposalError(report.violations)


def plan_policy(
    policy: PolicyInput,
    reports: AccessReport | Sequence[AccessReport],
    *,
    principals_created: Iterable[datetime] = (),
    options: PlanOptions | None = None,
    catalog: Catalog | None = None,
) -> PolicyProposal:
    """Plan a customer-managed policy in place, trimmed to what every principal it is attached
    to used: ``reports`` are the policy's own report or one per attached principal (users of
    attached groups included); ``principals_created`` their creation dates."""
    options = options or PlanOptions()
    catalog = catalog or Catalog.default()
    if policy.kind is not PolicyKind.CUSTOMER_MANAGED or policy.arn is None:
        raise ValueError("plan_policy trims customer-managed policies (AWS managed: replace)")
    listed = [reports] if isinstance(reports, AccessReport) else list(reports)
    attached = tuple(policy.attached_to)
    if not listed:
        return PolicyProposal(
            _change(policy, _unchanged(policy, catalog), ChangeKind.UNCHANGED, options.level),
            attached,
            ProposalStatus.SKIPPED,
            reason=Reason.NO_REPORT,
            detail="no last-accessed report for it",
        )
    result, level = _fit(policy, listed, principals_created, options, catalog, MANAGED_POLICY_LIMIT)
    if result.refusal is not None:
        return PolicyProposal(
            _change(policy, result, ChangeKind.UNCHANGED, level),
            attached,
            ProposalStatus.SKIPPED,
            reason=result.refusal.reason,
            detail=result.refusal.detail,
        )
    if not result.changed:
        return PolicyProposal(
            _change(policy, result, ChangeKind.UNCHANGED, level), attached, ProposalStatus.UNCHANGED
        )
    if result.after is None:
        steps = []
        for arn in attached:
            kind, name = _principal_from_arn(arn)
            steps.append(
                Step(
                    StepOp.DETACH_POLICY,
                    principal_type=kind,
                    principal_name=name,
                    policy_arn=policy.arn,
                )
            )
        change = _change(policy, result, ChangeKind.REMOVE, level)
        return PolicyProposal(change, attached, ProposalStatus.PROPOSED, tuple(steps))
    problem = _limit_problem(result.size(), MANAGED_POLICY_LIMIT, policy.name)
    change = _change(policy, result, ChangeKind.TRIM, level, problems=tuple(problem))
    if problem:
        return PolicyProposal(change, attached, ProposalStatus.INVALID, detail=problem[0])
    steps = _version_steps(policy, dumps(result.after))
    return PolicyProposal(change, attached, ProposalStatus.PROPOSED, tuple(steps))


def _unchanged(policy: PolicyInput, catalog: Catalog) -> TrimResult:
    raw = PolicyDocument.parse(policy.document).raw
    return TrimResult(raw, raw, (), catalog.data_version, ())


def assemble(
    principals: Sequence[PrincipalProposal],
    policies: Sequence[PolicyProposal] = (),
    *,
    reports: Iterable[AccessReport],
    options: PlanOptions | None = None,
    catalog: Catalog | None = None,
) -> Proposal:
    """One :class:`Proposal` from the plans, stamped with the catalog's data version and the
    latest report's ``as_of``."""
    options = options or PlanOptions()
    catalog = catalog or Catalog.default()
    dates = [r.as_of for r in reports]
    if not dates:
        raise ValueError("a proposal is made from at least one report")
    return Proposal(
        catalog_version=catalog.data_version,
        unused_for=options.unused_for,
        as_of=max(dates),
        principals=tuple(principals),
        policies=tuple(policies),
    )
