"""What a proposal is, as immutable values that round-trip through JSON.

A :class:`Proposal` holds, per principal (:class:`PrincipalProposal`) and per shared policy
(:class:`PolicyProposal`), every policy's before and after, the reasons per action, and the
:class:`Step` list that carries it out — IAM write calls, in order, with everything they send.
The client's apply flow only executes steps; it re-reads each policy first and refuses when
:meth:`PolicyChange.matches` says it drifted. ``to_json`` / ``from_json`` are lossless; the
JSON Schema is ``schemas/proposal.json`` (``iamlast.proposal.v1``).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from .document import PolicyDocument, dumps
from .evidence import Reason
from .trim import Decision, Outcome

__all__ = [
    "PROPOSAL_SCHEMA",
    "ChangeKind",
    "PolicyChange",
    "PolicyKind",
    "PolicyProposal",
    "Principal",
    "PrincipalProposal",
    "PrincipalType",
    "Proposal",
    "ProposalStatus",
    "Step",
    "StepOp",
    "load_schema",
]

PROPOSAL_SCHEMA = "iamlast.proposal.v1"


class PrincipalType(enum.StrEnum):
    """The IAM principals that have identity policies."""

    ROLE = "role"
    USER = "user"
    GROUP = "group"


class PolicyKind(enum.StrEnum):
    """Where a policy lives: in the principal, or managed (by the customer, or by AWS)."""

    INLINE = "inline"
    CUSTOMER_MANAGED = "customer_managed"
    AWS_MANAGED = "aws_managed"


class ChangeKind(enum.StrEnum):
    """What the proposal does with one policy."""

    UNCHANGED = "unchanged"
    #: Written in place: a new inline document, or a new default version.
    TRIM = "trim"
    #: Nothing left: an inline policy deleted, a managed one detached.
    REMOVE = "remove"
    #: An AWS managed policy: a trimmed customer-managed copy attached in its place.
    REPLACE = "replace"
    #: A shared customer-managed policy: this principal gets its own trimmed copy.
    FORK = "fork"
    #: Shown, never changed here (a user's group policies; a shared policy not forked).
    REPORTED = "reported"


class ProposalStatus(enum.StrEnum):
    """A principal's (or shared policy's) outcome."""

    PROPOSED = "proposed"
    UNCHANGED = "unchanged"
    #: No proposal: the reason says why (young, service-linked, excluded, no report).
    SKIPPED = "skipped"
    #: A proposal would break an IAM limit; ``problems`` say which, and there are no steps.
    INVALID = "invalid"


class StepOp(enum.StrEnum):
    """The IAM write calls a proposal or a rollback is made of."""

    PUT_INLINE_POLICY = "put_inline_policy"
    DELETE_INLINE_POLICY = "delete_inline_policy"
    CREATE_POLICY = "create_policy"
    DELETE_POLICY = "delete_policy"
    CREATE_POLICY_VERSION = "create_policy_version"
    DELETE_POLICY_VERSION = "delete_policy_version"
    SET_DEFAULT_POLICY_VERSION = "set_default_policy_version"
    ATTACH_POLICY = "attach_policy"
    DETACH_POLICY = "detach_policy"


@dataclass(frozen=True)
class Step:
    """One IAM write call. ``principal_*`` name the role/user/group for inline and attach calls
    (``Put{Role,User,Group}Policy``, ``Attach{...}Policy``); ``document`` is the exact JSON text
    sent; ``set_as_default`` is CreatePolicyVersion's flag."""

    op: StepOp
    principal_type: PrincipalType | None = None
    principal_name: str | None = None
    policy_name: str | None = None
    policy_arn: str | None = None
    version_id: str | None = None
    document: str | None = None
    path: str | None = None
    description: str | None = None
    set_as_default: bool | None = None

    def to_json(self) -> dict[str, Any]:
        """The step as a JSON object (absent fields left out)."""
        out: dict[str, Any] = {"op": self.op.value}
        for key in (
            "principal_type",
            "principal_name",
            "policy_name",
            "policy_arn",
            "version_id",
            "document",
            "path",
            "description",
            "set_as_default",
        ):
            value = getattr(self, key)
            if value is not None:
                out[key] = value.value if isinstance(value, enum.Enum) else value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Step:
        """The inverse of :meth:`to_json`."""
        kind = data.get("principal_type")
        return cls(
            op=StepOp(data["op"]),
            principal_type=PrincipalType(kind) if kind is not None else None,
            principal_name=data.get("principal_name"),
            policy_name=data.get("policy_name"),
            policy_arn=data.get("policy_arn"),
            version_id=data.get("version_id"),
            document=data.get("document"),
            path=data.get("path"),
            description=data.get("description"),
            set_as_default=data.get("set_as_default"),
        )


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def decision_to_json(d: Decision) -> dict[str, Any]:
    """A :class:`~.trim.Decision` as a JSON object."""
    return {
        "statement": d.statement,
        "sid": d.sid,
        "entry": d.entry,
        "outcome": d.outcome.value,
        "reason": d.reason.value,
        "actions": list(d.actions),
        "detail": d.detail,
        "last_used": _ts(d.last_used),
    }


def decision_from_json(data: Mapping[str, Any]) -> Decision:
    """The inverse of :func:`decision_to_json`."""
    return Decision(
        statement=data["statement"],
        sid=data["sid"],
        entry=data["entry"],
        outcome=Outcome(data["outcome"]),
        reason=Reason(data["reason"]),
        actions=tuple(data["actions"]),
        detail=data["detail"],
        last_used=_dt(data["last_used"]),
    )


@dataclass(frozen=True)
class Principal:
    """The facts about a principal the planner needs (the flows read them from IAM)."""

    arn: str
    type: PrincipalType
    name: str
    created: datetime | None = None
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    path: str = "/"

    @property
    def service_linked(self) -> bool:
        """Service-linked roles live under ``/aws-service-role/``; AWS owns their policies."""
        return self.type is PrincipalType.ROLE and (
            self.path.startswith("/aws-service-role/") or ":role/aws-service-role/" in self.arn
        )

    @property
    def account(self) -> str:
        """The account id from the ARN."""
        return self.arn.split(":")[4]

    @property
    def partition(self) -> str:
        """The partition from the ARN (``aws``, ``aws-us-gov``, ``aws-cn``, ...): policies made
        for the principal live there too."""
        return self.arn.split(":")[1]

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "arn": self.arn,
            "type": self.type.value,
            "name": self.name,
            "created": _ts(self.created),
            "tags": dict(self.tags),
            "path": self.path,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Principal:
        """The inverse of :meth:`to_json`."""
        return cls(
            arn=data["arn"],
            type=PrincipalType(data["type"]),
            name=data["name"],
            created=_dt(data["created"]),
            tags=MappingProxyType(dict(data["tags"])),
            path=data["path"],
        )


@dataclass(frozen=True)
class PolicyChange:
    """One policy of a principal: before, after (None: removed), why, and what it becomes."""

    kind: PolicyKind
    name: str
    change: ChangeKind
    before: str
    after: str | None
    arn: str | None = None
    default_version_id: str | None = None
    decisions: tuple[Decision, ...] = ()
    #: The customer-managed copy that replaces it (REPLACE, FORK).
    replacement_name: str | None = None
    replacement_arn: str | None = None
    #: For a group policy of a user: the group it comes from.
    via_group: str | None = None
    #: Limits the after document would break (empty: none).
    problems: tuple[str, ...] = ()
    level: str = "action"

    def matches(self, document: str | Mapping[str, Any], default_version_id: str | None) -> bool:
        """Whether IAM still holds what the proposal was made from (apply refuses otherwise):
        the same document (compared as JSON values) and, for a managed policy, the same default
        version."""
        if self.kind is not PolicyKind.INLINE and default_version_id != self.default_version_id:
            return False
        current = PolicyDocument.parse(document).raw
        return dumps(current) == dumps(PolicyDocument.parse(self.before).raw)

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "kind": self.kind.value,
            "name": self.name,
            "arn": self.arn,
            "change": self.change.value,
            "default_version_id": self.default_version_id,
            "before": self.before,
            "after": self.after,
            "decisions": [decision_to_json(d) for d in self.decisions],
            "replacement_name": self.replacement_name,
            "replacement_arn": self.replacement_arn,
            "via_group": self.via_group,
            "problems": list(self.problems),
            "level": self.level,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyChange:
        """The inverse of :meth:`to_json`."""
        return cls(
            kind=PolicyKind(data["kind"]),
            name=data["name"],
            arn=data["arn"],
            change=ChangeKind(data["change"]),
            default_version_id=data["default_version_id"],
            before=data["before"],
            after=data["after"],
            decisions=tuple(decision_from_json(d) for d in data["decisions"]),
            replacement_name=data["replacement_name"],
            replacement_arn=data["replacement_arn"],
            via_group=data["via_group"],
            problems=tuple(data["problems"]),
            level=data["level"],
        )


def _reason_json(reason: Reason | None) -> str | None:
    return None if reason is None else reason.value


@dataclass(frozen=True)
class PrincipalProposal:
    """Everything proposed for one principal, and the steps that do it."""

    principal: Principal
    status: ProposalStatus
    policies: tuple[PolicyChange, ...] = ()
    steps: tuple[Step, ...] = ()
    reason: Reason | None = None
    detail: str = ""
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "principal": self.principal.to_json(),
            "status": self.status.value,
            "reason": _reason_json(self.reason),
            "detail": self.detail,
            "problems": list(self.problems),
            "policies": [p.to_json() for p in self.policies],
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PrincipalProposal:
        """The inverse of :meth:`to_json`."""
        return cls(
            principal=Principal.from_json(data["principal"]),
            status=ProposalStatus(data["status"]),
            reason=Reason(data["reason"]) if data["reason"] is not None else None,
            detail=data["detail"],
            problems=tuple(data["problems"]),
            policies=tuple(PolicyChange.from_json(p) for p in data["policies"]),
            steps=tuple(Step.from_json(s) for s in data["steps"]),
        )


@dataclass(frozen=True)
class PolicyProposal:
    """A customer-managed policy trimmed in place to what all its principals used."""

    policy: PolicyChange
    attached_to: tuple[str, ...]
    status: ProposalStatus
    steps: tuple[Step, ...] = ()
    reason: Reason | None = None
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "policy": self.policy.to_json(),
            "attached_to": list(self.attached_to),
            "status": self.status.value,
            "reason": _reason_json(self.reason),
            "detail": self.detail,
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PolicyProposal:
        """The inverse of :meth:`to_json`."""
        return cls(
            policy=PolicyChange.from_json(data["policy"]),
            attached_to=tuple(data["attached_to"]),
            status=ProposalStatus(data["status"]),
            reason=Reason(data["reason"]) if data["reason"] is not None else None,
            detail=data["detail"],
            steps=tuple(Step.from_json(s) for s in data["steps"]),
        )


@dataclass(frozen=True)
class Proposal:
    """A whole proposal: what was trimmed against what, and per principal / policy the plan."""

    catalog_version: str
    unused_for: timedelta
    #: The latest ``as_of`` among the reports used.
    as_of: datetime
    principals: tuple[PrincipalProposal, ...] = ()
    policies: tuple[PolicyProposal, ...] = ()

    def steps(self) -> tuple[Step, ...]:
        """Every step, principals first, in order."""
        return tuple(
            [s for p in self.principals for s in p.steps]
            + [s for p in self.policies for s in p.steps]
        )

    def to_json(self) -> dict[str, Any]:
        """As a JSON object (``schema``: ``iamlast.proposal.v1``). The window is
        ``unused_for_seconds`` (whole seconds, rounded down) plus ``unused_for_microseconds``,
        written only when it is not zero: a whole-second window keeps the v1 shape it always
        had (and its digest)."""
        whole, micros = _split_window(self.unused_for)
        out: dict[str, Any] = {
            "schema": PROPOSAL_SCHEMA,
            "catalog_version": self.catalog_version,
            "unused_for_seconds": whole,
        }
        if micros:
            out["unused_for_microseconds"] = micros
        out.update(
            {
                "as_of": self.as_of.isoformat(),
                "principals": [p.to_json() for p in self.principals],
                "policies": [p.to_json() for p in self.policies],
            }
        )
        return out

    def dumps(self) -> str:
        """JSON text (pretty, stable key order) — what ``iamlast propose -o json`` writes."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def digest(self) -> str:
        """sha256 of the canonical JSON: an apply record names the proposal it carried out."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> Proposal:
        """From :meth:`to_json`'s object or its text; refuses another schema."""
        if isinstance(data, str):
            data = json.loads(data)
            assert isinstance(data, Mapping)
        if data.get("schema") != PROPOSAL_SCHEMA:
            raise ValueError(f"not an {PROPOSAL_SCHEMA} document (schema={data.get('schema')!r})")
        return cls(
            catalog_version=data["catalog_version"],
            unused_for=timedelta(
                seconds=data["unused_for_seconds"],
                microseconds=data.get("unused_for_microseconds", 0),
            ),
            as_of=datetime.fromisoformat(data["as_of"]),
            principals=tuple(PrincipalProposal.from_json(p) for p in data["principals"]),
            policies=tuple(PolicyProposal.from_json(p) for p in data["policies"]),
        )


def _split_window(window: timedelta) -> tuple[int, int]:
    """(whole seconds rounded down, the microseconds past them) — exact, unlike a float."""
    return window.days * 86400 + window.seconds, window.microseconds


def load_schema(name: str = "proposal") -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12): ``proposal`` or ``apply-record``."""
    from importlib.resources import files

    if name not in ("proposal", "apply-record"):
        raise ValueError(f"no schema {name!r}; there are proposal, apply-record")
    text = files("iamlast.leastprivilege").joinpath("schemas", f"{name}.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
