"""Planning: a principal's policies and reports in, a :class:`PrincipalProposal` out — pure.

The client's propose flow gathers the inputs (the principal's facts, each policy with its kind,
ARN, default version and version list, who else it is attached to, and the reports), calls
:func:`plan_principal` / :func:`plan_policy`, and :func:`assemble` puts the results in one
:class:`~.proposal.Proposal`. The apply flow executes the steps; nothing here talks to IAM.

- Inline policies are rewritten with Put{Role,User,Group}Policy, or deleted when emptied.
- A customer-managed policy attached only to this principal (``attached_to`` is exactly its
  ARN) gets a new default version (deleting the oldest non-default version first when 5
  exist), or is detached when emptied.
- A customer-managed policy attached to others — or whose attachments are unknown — is
  reported (propose the policy itself with :func:`plan_policy`, trimmed to what all of them
  used), or forked into this principal's copy.
- An AWS managed policy is never edited: a customer-managed replacement is created and attached,
  then the AWS one detached (attach first: no moment without the permissions).
- A user's group policies are reported; they change only when the group itself is proposed.
- A result that breaks an IAM limit is retried at service level (smaller); if it still breaks
  one, the proposal is INVALID and says which — never a document IAM would refuse.
- No proposal (SKIPPED, and why) for a service-linked or excluded principal, without a report,
  with a report about another principal, or whose age is unknown or younger than the window.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
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
from .entries import literal_actions
from .evidence import Evidence, Reason, _as_utc
from .inputs import PlanOptions, PolicyInput, default_replacement_name
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
from .trim import TrimResult, trim_policy

__all__ = [
    "PlanOptions",
    "PolicyInput",
    "assemble",
    "default_replacement_name",
    "plan_policy",
    "plan_principal",
]


def _principal_from_arn(arn: str) -> tuple[PrincipalType, str]:
    """(type, name) of a role, user or group ARN (the name without its path)."""
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
        assume_complete_catalog=options.assume_complete_catalog,
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
    tag = _excluding_tag(principal, options.exclude_tag)
    if tag is not None:
        return _skip(principal, Reason.EXCLUDED_TAG, f"tagged {tag}")
    if not listed:
        return _skip(principal, Reason.NO_REPORT, "no last-accessed report for it")
    others = sorted({r.arn for r in listed if r.arn != principal.arn})
    if others:
        # Another principal's report says nothing about what this one used.
        return _skip(
            principal, Reason.REPORT_MISMATCH, f"reports for {', '.join(others)}, not for it"
        )
    if principal.created is None:
        return _skip(
            principal,
            Reason.AGE_UNKNOWN,
            "its creation date is unknown: it may be younger than the window",
        )
    evidence = _evidence(listed, options)
    first = min(evidence.window_start(r) for r in listed)
    created_at = _as_utc(principal.created)  # a naive date is UTC, as trim_policy reads it
    if created_at > first:
        return _skip(
            principal,
            Reason.PRINCIPAL_TOO_YOUNG,
            f"created {created_at:%Y-%m-%d}, after the window began ({first:%Y-%m-%d})",
        )
    created = [created_at]
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
        # Edited in place only when known to be this principal's alone: an unknown attachment
        # list could hide principals whose use this report does not show.
        shared = policy.kind is PolicyKind.CUSTOMER_MANAGED and set(policy.attached_to) != {
            principal.arn
        }
        if shared and options.shared == "report":
            doc = _text(policy.document)
            count = len(set(policy.attached_to))
            whom = f"attached to {count} principals" if count else "its attachments are unknown"
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
                        f"{whom}: propose the policy itself (trimmed to what all of them used) "
                        "or fork it",
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
        arn = (
            f"arn:{principal.partition}:iam::{principal.account}:policy"
            f"{options.replacement_path}{name}"
        )
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


def _excluding_tag(principal: Principal, tag: str | None) -> str | None:
    """The principal's tag key that excludes it, if any. IAM compares user and role tag keys
    without case (a role cannot have both ``NoRepo`` and ``norepo``); groups have no tags, so
    comparing every principal so only ever excludes more."""
    if tag is None:
        return None
    wanted = tag.casefold()
    return next((k for k in principal.tags if k.casefold() == wanted), None)


def _evidence(reports: Sequence[AccessReport], options: PlanOptions) -> Evidence:
    return Evidence(
        reports,
        unused_for=options.unused_for,
        tracking=options.tracking,
        regions=options.regions,
        level=options.level,
        assume_complete_catalog=options.assume_complete_catalog,
    )


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
    to used. ``reports``: the policy's own report (its ARN's, which covers every entity using
    it), or one per ARN in ``attached_to`` (more — users of attached groups — only keep more);
    anything less is SKIPPED with ``no_report``: a principal whose use is not shown could lose
    what it used. ``principals_created``: the creation dates of the attached principals, at
    least one per ARN in ``attached_to`` (fewer, or none: SKIPPED with ``age_unknown``)."""
    options = options or PlanOptions()
    catalog = catalog or Catalog.default()
    if policy.kind is not PolicyKind.CUSTOMER_MANAGED or policy.arn is None:
        raise ValueError("plan_policy trims customer-managed policies (AWS managed: replace)")
    listed = [reports] if isinstance(reports, AccessReport) else list(reports)
    attached = tuple(policy.attached_to)
    dates = list(principals_created)

    def skip(reason: Reason, detail: str) -> PolicyProposal:
        unchanged = _change(
            policy, _unchanged(policy, catalog), ChangeKind.UNCHANGED, options.level
        )
        return PolicyProposal(
            unchanged, attached, ProposalStatus.SKIPPED, reason=reason, detail=detail
        )

    if not listed:
        return skip(Reason.NO_REPORT, "no last-accessed report for it")
    covered = {r.arn for r in listed}
    if policy.arn not in covered:
        missing = [a for a in dict.fromkeys(attached) if a not in covered]
        if not attached:
            return skip(
                Reason.NO_REPORT,
                "whom it is attached to is unknown (attached_to is empty) and there is no "
                "report of the policy itself",
            )
        if missing:
            return skip(
                Reason.NO_REPORT,
                f"no report of the policy itself, and none for {', '.join(missing)}",
            )
    if len(dates) < len(set(attached)):
        return skip(
            Reason.AGE_UNKNOWN,
            f"{len(dates)} creation dates for {len(set(attached))} attached principals: "
            "one whose age is unknown may be younger than the window",
        )
    result, level = _fit(policy, listed, dates, options, catalog, MANAGED_POLICY_LIMIT)
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
        if not attached:
            return PolicyProposal(
                _change(policy, result, ChangeKind.REMOVE, level),
                attached,
                ProposalStatus.INVALID,
                detail="nothing would be left, but whom to detach it from is unknown "
                "(attached_to is empty)",
            )
        steps = []
        for arn in dict.fromkeys(attached):
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
