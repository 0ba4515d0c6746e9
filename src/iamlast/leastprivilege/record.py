"""What an apply wrote, and the steps that undo it.

The apply flow appends one :class:`AppliedStep` per step it carried out, with what the step
replaced: the previous inline document, the previous default version id, the version it deleted
(to make room for a sixth) with its document. :func:`rollback_steps` turns a record into the
steps that restore the previous documents and default versions exactly, newest first. A deleted
old version can only be re-created under a new version id (IAM numbers versions itself); its
document comes back byte for byte, as a non-default version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .proposal import Step, StepOp

__all__ = ["RECORD_SCHEMA", "AppliedStep", "ApplyRecord", "DeletedVersion", "rollback_steps"]

RECORD_SCHEMA = "iamlast.apply-record.v1"


@dataclass(frozen=True)
class DeletedVersion:
    """A managed policy version an apply deleted (the oldest non-default, when 5 existed)."""

    version_id: str
    document: str
    created: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "version_id": self.version_id,
            "document": self.document,
            "created": None if self.created is None else self.created.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DeletedVersion:
        """The inverse of :meth:`to_json`."""
        created = data["created"]
        return cls(
            data["version_id"],
            data["document"],
            None if created is None else datetime.fromisoformat(created),
        )


@dataclass(frozen=True)
class AppliedStep:
    """A step carried out, with what it replaced.

    - ``put_inline_policy``: ``previous_document`` (None: the policy did not exist);
    - ``delete_inline_policy``: ``previous_document``;
    - ``create_policy_version``: ``previous_default_version_id`` and ``created_version_id``;
    - ``delete_policy_version``: ``deleted_version``;
    - ``create_policy``: ``created_policy_arn``;
    - ``attach_policy`` / ``detach_policy``: the step says it all.
    """

    step: Step
    previous_document: str | None = None
    previous_default_version_id: str | None = None
    created_version_id: str | None = None
    deleted_version: DeletedVersion | None = None
    created_policy_arn: str | None = None

    def to_json(self) -> dict[str, Any]:
        """As a JSON object."""
        return {
            "step": self.step.to_json(),
            "previous_document": self.previous_document,
            "previous_default_version_id": self.previous_default_version_id,
            "created_version_id": self.created_version_id,
            "deleted_version": None
            if self.deleted_version is None
            else self.deleted_version.to_json(),
            "created_policy_arn": self.created_policy_arn,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppliedStep:
        """The inverse of :meth:`to_json`."""
        deleted = data["deleted_version"]
        return cls(
            step=Step.from_json(data["step"]),
            previous_document=data["previous_document"],
            previous_default_version_id=data["previous_default_version_id"],
            created_version_id=data["created_version_id"],
            deleted_version=None if deleted is None else DeletedVersion.from_json(deleted),
            created_policy_arn=data["created_policy_arn"],
        )


@dataclass(frozen=True)
class ApplyRecord:
    """An apply's outcome: the steps done (in order), and whether it finished."""

    proposal_digest: str
    catalog_version: str
    started: datetime
    applied: tuple[AppliedStep, ...] = ()
    finished: datetime | None = None
    #: Why it stopped early (None: every step was carried out).
    error: str | None = None

    @property
    def complete(self) -> bool:
        """Whether every step of the proposal was carried out."""
        return self.error is None and self.finished is not None

    def to_json(self) -> dict[str, Any]:
        """As a JSON object (``schema``: ``iamlast.apply-record.v1``)."""
        return {
            "schema": RECORD_SCHEMA,
            "proposal_digest": self.proposal_digest,
            "catalog_version": self.catalog_version,
            "started": self.started.isoformat(),
            "finished": None if self.finished is None else self.finished.isoformat(),
            "error": self.error,
            "applied": [a.to_json() for a in self.applied],
        }

    def dumps(self) -> str:
        """JSON text (pretty)."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | str) -> ApplyRecord:
        """From :meth:`to_json`'s object or its text; refuses another schema."""
        if isinstance(data, str):
            data = json.loads(data)
            assert isinstance(data, Mapping)
        if data.get("schema") != RECORD_SCHEMA:
            raise ValueError(f"not an {RECORD_SCHEMA} document (schema={data.get('schema')!r})")
        finished = data["finished"]
        return cls(
            proposal_digest=data["proposal_digest"],
            catalog_version=data["catalog_version"],
            started=datetime.fromisoformat(data["started"]),
            finished=None if finished is None else datetime.fromisoformat(finished),
            error=data["error"],
            applied=tuple(AppliedStep.from_json(a) for a in data["applied"]),
        )


def _undo(done: AppliedStep) -> list[Step]:
    step = done.step
    who: dict[str, Any] = {
        "principal_type": step.principal_type,
        "principal_name": step.principal_name,
    }
    if step.op is StepOp.PUT_INLINE_POLICY:
        if done.previous_document is None:
            return [Step(StepOp.DELETE_INLINE_POLICY, policy_name=step.policy_name, **who)]
        return [
            Step(
                StepOp.PUT_INLINE_POLICY,
                policy_name=step.policy_name,
                document=done.previous_document,
                **who,
            )
        ]
    if step.op is StepOp.DELETE_INLINE_POLICY:
        if done.previous_document is None:
            raise ValueError(f"the record lacks the deleted inline policy {step.policy_name}")
        return [
            Step(
                StepOp.PUT_INLINE_POLICY,
                policy_name=step.policy_name,
                document=done.previous_document,
                **who,
            )
        ]
    if step.op is StepOp.CREATE_POLICY_VERSION:
        if done.previous_default_version_id is None or done.created_version_id is None:
            raise ValueError(f"the record lacks the version ids of {step.policy_arn}")
        return [
            Step(
                StepOp.SET_DEFAULT_POLICY_VERSION,
                policy_arn=step.policy_arn,
                version_id=done.previous_default_version_id,
            ),
            Step(
                StepOp.DELETE_POLICY_VERSION,
                policy_arn=step.policy_arn,
                version_id=done.created_version_id,
            ),
        ]
    if step.op is StepOp.DELETE_POLICY_VERSION:
        if done.deleted_version is None:
            raise ValueError(f"the record lacks the deleted version of {step.policy_arn}")
        return [
            Step(
                StepOp.CREATE_POLICY_VERSION,
                policy_arn=step.policy_arn,
                document=done.deleted_version.document,
                set_as_default=False,
            )
        ]
    if step.op is StepOp.CREATE_POLICY:
        arn = done.created_policy_arn or step.policy_arn
        if arn is None:
            raise ValueError(f"the record lacks the ARN of the created policy {step.policy_name}")
        return [Step(StepOp.DELETE_POLICY, policy_arn=arn, policy_name=step.policy_name)]
    if step.op is StepOp.ATTACH_POLICY:
        return [Step(StepOp.DETACH_POLICY, policy_arn=step.policy_arn, **who)]
    if step.op is StepOp.DETACH_POLICY:
        return [Step(StepOp.ATTACH_POLICY, policy_arn=step.policy_arn, **who)]
    raise ValueError(f"an apply does not do {step.op.value}; nothing to undo")


def rollback_steps(record: ApplyRecord) -> list[Step]:
    """The steps that undo ``record`` (a complete or a partial one), newest first.

    The rollback of a version bump sets the previous default back before it deletes the new
    version (IAM refuses to delete a default version); a created policy is deleted after the
    attachments around it were undone, because undoing goes newest first."""
    out: list[Step] = []
    for done in reversed(record.applied):
        out.extend(_undo(done))
    # Undoing "delete the oldest version" re-creates it; do that after the new version is gone,
    # so that a policy at 5 versions has room: those steps move to the end, in order.
    recreate = [s for s in out if s.op is StepOp.CREATE_POLICY_VERSION]
    return [s for s in out if s.op is not StepOp.CREATE_POLICY_VERSION] + recreate
