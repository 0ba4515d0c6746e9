"""The apply and rollback workflows: check that IAM still holds what a proposal (or an apply
record) was made from, then carry out its steps in order, recording what each replaced.

Checking reads every principal and policy a step touches, ``concurrency`` at a time, and compares
them with the proposal: the same policies (none gone, none added — a user's groups' included),
each with the same document and default version, room for each new version, the version to
delete still there and not the default, no policy yet where a replacement is to be created, and
a policy trimmed on its own attached to the same principals. Any difference is a
:class:`~iamlast.leastprivilege.Drift`; with one, nothing is written.

Steps are written one after another, never at once: each depends on the state the one before
left. Before each write the flow reads what it is about to replace (the inline document, the
default version id, the version to delete with its document), so the record is exact even for a
step IAM refuses. A failed step ends the run with
:class:`~iamlast.leastprivilege.ApplyFailedError`, carrying the record of what was done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from .._runtime.errors import IamError, ServiceError
from .._runtime.flows import Flow, Gather, Send
from .._runtime.flows.inventory import (
    NO_SUCH_ENTITY,
    Holdings,
    Managed,
    arn_parts,
    read_holdings,
    read_managed,
    read_optional_inline,
    read_optional_policy,
)
from . import (
    AppliedStep,
    ApplyRecord,
    DeletedVersion,
    PolicyChange,
    PolicyKind,
    PolicyProposal,
    PrincipalProposal,
    Proposal,
    Step,
    StepOp,
)
from .errors import (
    ApplyFailedError,
    Drift,
    ProposalDriftError,
    RollbackFailedError,
)

__all__ = ["apply", "check_proposal", "check_record", "rollback"]

_OP = {"role": "Role", "user": "User", "group": "Group"}
_NAME_ARG = {"role": "role_name", "user": "user_name", "group": "group_name"}


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------- reading now


@dataclass(frozen=True)
class _Now:
    """One policy as IAM holds it now."""

    document: str
    default_version_id: str | None = None
    versions: tuple[str, ...] = ()


_Key = tuple[str, str, str | None]


def _key(change: PolicyChange) -> _Key:
    if change.kind is PolicyKind.INLINE:
        return ("inline", change.name, change.via_group)
    return ("managed", change.arn or change.name, change.via_group)


def _missing(exc: ServiceError) -> bool:
    return exc.code == NO_SUCH_ENTITY


def _read_now(kind: str, name: str) -> Flow[dict[_Key, _Now] | None]:
    """Every policy a principal holds now (its groups' included), or None when it is gone."""
    try:
        holdings = yield from read_holdings(kind, name)  # type: ignore[arg-type]
        groups: list[Holdings] = []
        for group, _ in holdings.groups:
            groups.append((yield from read_holdings("group", group)))
        out: dict[_Key, _Now] = {}
        for owner, via in [(holdings, None), *((g, g.who.name) for g in groups)]:
            for inline in owner.inline:
                out[("inline", inline.name, via)] = _Now(inline.document)
            for arn in owner.attached:
                m = yield from read_managed(arn, entities="never")
                out[("managed", arn, via)] = _Now(m.document, m.default_version_id, m.versions)
    except ServiceError as exc:
        if not _missing(exc):
            raise
        return None
    return out


def _read_policy_now(arn: str) -> Flow[Managed | None]:
    try:
        return (yield from read_managed(arn, entities="always"))
    except ServiceError as exc:
        if not _missing(exc):
            raise
        return None


# ---------------------------------------------------------------------------- comparing


def _change_drift(subject: str, change: PolicyChange, now: _Now | None) -> Drift | None:
    label = change.arn or change.name
    if now is None:
        where = f" (from group {change.via_group})" if change.via_group else ""
        return Drift(subject, label, f"is no longer there{where}")
    if change.matches(now.document, now.default_version_id):
        return None
    if change.kind is not PolicyKind.INLINE and now.default_version_id != change.default_version_id:
        return Drift(
            subject,
            label,
            f"its default version is {now.default_version_id}; the proposal was made from "
            f"{change.default_version_id}",
        )
    return Drift(subject, label, "its document changed since the proposal")


def _version_drifts(subject: str, steps: Sequence[Step], versions: dict[str, _Now]) -> list[Drift]:
    out: list[Drift] = []
    for arn in dict.fromkeys(s.policy_arn for s in steps if s.policy_arn):
        now = versions.get(arn)
        if now is None:
            continue
        mine = [s for s in steps if s.policy_arn == arn]
        deleting = [s.version_id for s in mine if s.op is StepOp.DELETE_POLICY_VERSION]
        creating = sum(1 for s in mine if s.op is StepOp.CREATE_POLICY_VERSION)
        for vid in deleting:
            if vid not in now.versions:
                out.append(Drift(subject, arn, f"version {vid}, to be deleted, is gone"))
            elif vid == now.default_version_id:
                out.append(Drift(subject, arn, f"version {vid}, to be deleted, is now the default"))
        if creating and len(now.versions) - len(deleting) + creating > 5:
            out.append(
                Drift(subject, arn, f"it has {len(now.versions)} versions: no room for a new one")
            )
    return out


def _principal_drifts(p: PrincipalProposal, now: dict[_Key, _Now] | None) -> list[Drift]:
    subject = p.principal.arn
    if now is None:
        return [Drift(subject, None, "the principal no longer exists")]
    out: list[Drift] = []
    expected = {_key(c): c for c in p.policies}
    for key, change in expected.items():
        drift = _change_drift(subject, change, now.get(key))
        if drift is not None:
            out.append(drift)
    for key in now:
        if key not in expected:
            via = f" (from group {key[2]})" if key[2] else ""
            out.append(Drift(subject, key[1], f"was added since the proposal{via}"))
    managed = {k[1]: v for k, v in now.items() if k[0] == "managed" and k[2] is None}
    out += _version_drifts(subject, p.steps, managed)
    return out


def _policy_drifts(p: PolicyProposal, now: Managed | None) -> list[Drift]:
    arn = p.policy.arn or p.policy.name
    if now is None:
        return [Drift(arn, None, "the policy no longer exists")]
    out: list[Drift] = []
    drift = _change_drift(arn, p.policy, _Now(now.document, now.default_version_id, now.versions))
    if drift is not None:
        out.append(drift)
    was = {arn_parts(a) for a in p.attached_to}
    is_now = set(now.entities or ())
    for kind, name in sorted(is_now - was):
        out.append(Drift(arn, None, f"it was attached to {kind} {name} since the proposal"))
    for kind, name in sorted(was - is_now):
        out.append(Drift(arn, None, f"it is no longer attached to {kind} {name}"))
    out += _version_drifts(
        arn, p.steps, {arn: _Now(now.document, now.default_version_id, now.versions)}
    )
    return out


def _replacements(proposal: Proposal) -> list[tuple[str, str]]:
    """(principal ARN, replacement policy ARN) of every policy a step creates."""
    out = []
    for p in proposal.principals:
        names = {s.policy_name for s in p.steps if s.op is StepOp.CREATE_POLICY}
        for change in p.policies:
            if change.replacement_name in names and change.replacement_arn:
                out.append((p.principal.arn, change.replacement_arn))
    return out


def check_proposal(proposal: Proposal, concurrency: int) -> Flow[tuple[Drift, ...]]:
    """Every way IAM drifted from what ``proposal`` was made from (empty: it can be applied)."""
    principals = [p for p in proposal.principals if p.steps]
    policies = [p for p in proposal.policies if p.steps]
    replacements = _replacements(proposal)
    flows: list[Flow[Any]] = [_read_now(*_parts(p)) for p in principals]
    flows += [_read_policy_now(p.policy.arn or "") for p in policies]
    flows += [read_optional_policy(arn) for _, arn in replacements]
    found = yield Gather(flows, concurrency)
    drifts: list[Drift] = []
    for p, now in zip(principals, found, strict=False):
        drifts += _principal_drifts(p, now)
    for policy, current in zip(policies, found[len(principals) :], strict=False):
        drifts += _policy_drifts(policy, current)
    for (subject, arn), exists in zip(replacements, found[len(principals) + len(policies) :], strict=True):
        if exists:
            drifts.append(Drift(subject, arn, "the replacement policy to be created already exists"))
    # Policy names are unique in an account, whatever the path: a second create would fail.
    seen: set[str] = set()
    for subject, arn in replacements:
        name = arn.rsplit("/", 1)[-1]
        if name in seen:
            drifts.append(Drift(subject, arn, f"another step of the proposal creates a policy named {name}"))
        seen.add(name)
    return tuple(drifts)


def _parts(p: PrincipalProposal) -> tuple[str, str]:
    return p.principal.type.value, p.principal.name


# ---------------------------------------------------------------------------- writing


def _who(step: Step) -> tuple[str, str, str]:
    """(operation suffix, request member, principal name) of a step naming a principal."""
    assert step.principal_type is not None and step.principal_name is not None, step
    kind = step.principal_type.value
    return _OP[kind], _NAME_ARG[kind], step.principal_name


def _default_of(arn: str) -> Flow[str]:
    policy = (yield Send("GetPolicy", {"policy_arn": arn})).policy
    version: str = policy.default_version_id
    return version


def _perform(step: Step) -> Flow[AppliedStep]:
    """One write, after reading what it replaces."""
    op = step.op
    if op in (StepOp.PUT_INLINE_POLICY, StepOp.DELETE_INLINE_POLICY):
        suffix, member, name = _who(step)
        assert step.policy_name is not None
        kind: Any = step.principal_type.value if step.principal_type is not None else ""
        previous = yield from read_optional_inline(kind, name, step.policy_name)
        kwargs: dict[str, Any] = {member: name, "policy_name": step.policy_name}
        if op is StepOp.PUT_INLINE_POLICY:
            yield Send(f"Put{suffix}Policy", {**kwargs, "policy_document": step.document})
        else:
            yield Send(f"Delete{suffix}Policy", kwargs)
        return AppliedStep(step, previous_document=previous)
    if op in (StepOp.ATTACH_POLICY, StepOp.DETACH_POLICY):
        suffix, member, name = _who(step)
        verb = "Attach" if op is StepOp.ATTACH_POLICY else "Detach"
        yield Send(f"{verb}{suffix}Policy", {member: name, "policy_arn": step.policy_arn})
        return AppliedStep(step)
    arn = step.policy_arn
    if op is StepOp.CREATE_POLICY_VERSION:
        assert arn is not None
        previous = yield from _default_of(arn)
        made = yield Send(
            "CreatePolicyVersion",
            {
                "policy_arn": arn,
                "policy_document": step.document,
                "set_as_default": bool(step.set_as_default),
            },
        )
        return AppliedStep(
            step,
            previous_default_version_id=previous,
            created_version_id=made.policy_version.version_id,
        )
    if op is StepOp.DELETE_POLICY_VERSION:
        assert arn is not None and step.version_id is not None
        got = yield Send("GetPolicyVersion", {"policy_arn": arn, "version_id": step.version_id})
        version = got.policy_version
        yield Send("DeletePolicyVersion", {"policy_arn": arn, "version_id": step.version_id})
        deleted = DeletedVersion(step.version_id, version.document, version.create_date)
        return AppliedStep(step, deleted_version=deleted)
    if op is StepOp.SET_DEFAULT_POLICY_VERSION:
        assert arn is not None
        previous = yield from _default_of(arn)
        yield Send("SetDefaultPolicyVersion", {"policy_arn": arn, "version_id": step.version_id})
        return AppliedStep(step, previous_default_version_id=previous)
    if op is StepOp.CREATE_POLICY:
        request: dict[str, Any] = {
            "policy_name": step.policy_name,
            "policy_document": step.document,
        }
        if step.path is not None:
            request["path"] = step.path
        if step.description is not None:
            request["description"] = step.description
        made = yield Send("CreatePolicy", request)
        return AppliedStep(step, created_policy_arn=made.policy.arn)
    if op is StepOp.DELETE_POLICY:
        assert arn is not None
        policy = (yield Send("GetPolicy", {"policy_arn": arn})).policy
        got = yield Send(
            "GetPolicyVersion", {"policy_arn": arn, "version_id": policy.default_version_id}
        )
        yield Send("DeletePolicy", {"policy_arn": arn})
        return AppliedStep(step, previous_document=got.policy_version.document)
    raise ValueError(f"no such step: {op}")


def _retarget(step: Step, created: dict[str, str]) -> Step:
    """A step naming a policy created earlier in the run by the ARN IAM gave it (the plan
    predicted it from the account, path and name)."""
    if step.policy_arn is None or not created:
        return step
    for suffix, real in created.items():
        if step.policy_arn.endswith(suffix) and step.policy_arn != real:
            return replace(step, policy_arn=real)
    return step


def _execute(
    steps: Iterable[Step],
    *,
    digest: str,
    catalog_version: str,
    failure: type[ApplyFailedError],
) -> Flow[ApplyRecord]:
    started = _now()
    applied: list[AppliedStep] = []
    created: dict[str, str] = {}
    for index, planned in enumerate(steps):
        step = _retarget(planned, created)
        try:
            done = yield from _perform(step)
        except IamError as exc:
            record = ApplyRecord(
                digest,
                catalog_version,
                started,
                tuple(applied),
                None,
                f"step {index + 1} ({step.op.value}) failed: {exc}",
            )
            raise failure(record, step, exc) from exc
        applied.append(done)
        if step.op is StepOp.CREATE_POLICY and done.created_policy_arn:
            created[f":policy{step.path or '/'}{step.policy_name}"] = done.created_policy_arn
    return ApplyRecord(digest, catalog_version, started, tuple(applied), _now(), None)


def apply(proposal: Proposal, concurrency: int) -> Flow[ApplyRecord]:
    """Check, then carry out every step (see the module docstring)."""
    drifts = yield from check_proposal(proposal, concurrency)
    if drifts:
        raise ProposalDriftError(drifts)
    return (
        yield from _execute(
            proposal.steps(),
            digest=proposal.digest(),
            catalog_version=proposal.catalog_version,
            failure=ApplyFailedError,
        )
    )


# ---------------------------------------------------------------------------- rolling back


def record_digest(record: ApplyRecord) -> str:
    """sha256 of the record's canonical JSON: a rollback's record names the record it undid."""
    text = json.dumps(record.to_json(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _same_json(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return a == b


def check_record(record: ApplyRecord, concurrency: int) -> Flow[tuple[Drift, ...]]:
    """Every way IAM changed since ``record`` was applied: an inline document or a default
    version that is no longer what the apply left, a created policy that is gone."""
    inline: dict[tuple[str, str, str], str | None] = {}
    defaults: dict[str, str] = {}
    created: list[str] = []
    for done in record.applied:
        step = done.step
        if step.op in (StepOp.PUT_INLINE_POLICY, StepOp.DELETE_INLINE_POLICY):
            assert step.principal_type is not None and step.principal_name and step.policy_name
            key = (step.principal_type.value, step.principal_name, step.policy_name)
            inline[key] = step.document if step.op is StepOp.PUT_INLINE_POLICY else None
        elif step.op is StepOp.CREATE_POLICY_VERSION and step.set_as_default:
            if step.policy_arn and done.created_version_id:
                defaults[step.policy_arn] = done.created_version_id
        elif step.op is StepOp.SET_DEFAULT_POLICY_VERSION and step.policy_arn and step.version_id:
            defaults[step.policy_arn] = step.version_id
        elif step.op is StepOp.CREATE_POLICY and done.created_policy_arn:
            created.append(done.created_policy_arn)
    inline_keys, default_keys = list(inline), list(defaults)
    flows: list[Flow[Any]] = [read_optional_inline(k, n, p) for k, n, p in inline_keys]  # type: ignore[arg-type]
    flows += [_optional_default(arn) for arn in default_keys]
    flows += [read_optional_policy(arn) for arn in created]
    found = yield Gather(flows, concurrency)
    drifts: list[Drift] = []
    for (kind, name, policy), now in zip(inline_keys, found, strict=False):
        if not _same_json(now, inline[(kind, name, policy)]):
            what = "was deleted" if now is None else "changed since the apply"
            if inline[(kind, name, policy)] is None and now is not None:
                what = "was put back since the apply deleted it"
            drifts.append(Drift(f"{kind}/{name}", policy, f"the inline policy {what}"))
    rest = found[len(inline_keys) :]
    for arn, now in zip(default_keys, rest, strict=False):
        if now != defaults[arn]:
            shown = "the policy is gone" if now is None else f"its default version is now {now}"
            drifts.append(Drift(arn, None, f"{shown}; the apply left {defaults[arn]}"))
    for arn, exists in zip(created, rest[len(default_keys) :], strict=True):
        if not exists:
            drifts.append(Drift(arn, None, "the policy the apply created is gone"))
    return tuple(drifts)


def _optional_default(arn: str) -> Flow[str | None]:
    try:
        return (yield from _default_of(arn))
    except ServiceError as exc:
        if not _missing(exc):
            raise
        return None


def rollback(
    record: ApplyRecord, steps: Sequence[Step], *, force: bool, concurrency: int
) -> Flow[ApplyRecord]:
    """Check the record still describes IAM (unless ``force``), then carry out ``steps``."""
    if not force:
        drifts = yield from check_record(record, concurrency)
        if drifts:
            raise ProposalDriftError(drifts, what="the apply")
    return (
        yield from _execute(
            steps,
            digest=record_digest(record),
            catalog_version=record.catalog_version,
            failure=RollbackFailedError,
        )
    )
