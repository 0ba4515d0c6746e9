"""What applying or rolling back a proposal raises: drift (nothing written) and a failed step
(what was written is in the record the error carries).

Both are :class:`~iamlast.errors.IamError` s, raised by ``client.apply`` / ``client.rollback``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._runtime.errors import IamError

if TYPE_CHECKING:
    from .proposal import Step
    from .record import ApplyRecord

__all__ = ["ApplyFailedError", "Drift", "ProposalDriftError", "RollbackFailedError"]


@dataclass(frozen=True)
class Drift:
    """One way IAM no longer holds what a proposal (or an apply record) was made from.

    ``subject`` is the principal or policy ARN concerned, ``policy`` the policy (an inline
    policy's name or a managed policy's ARN; None when it is about the principal itself), and
    ``detail`` what changed.
    """

    subject: str
    policy: str | None
    detail: str

    def __str__(self) -> str:
        where = f"{self.subject} ({self.policy})" if self.policy else self.subject
        return f"{where}: {self.detail}"


class ProposalDriftError(IamError):
    """IAM changed since the proposal (or, for a rollback, since the apply): nothing was
    written. ``drifts`` says what changed; propose again (or roll back with ``force=True``)."""

    def __init__(self, drifts: tuple[Drift, ...], *, what: str = "the proposal") -> None:
        self.drifts = drifts
        shown = "; ".join(str(d) for d in drifts[:3])
        more = f"; and {len(drifts) - 3} more" if len(drifts) > 3 else ""
        super().__init__(
            f"IAM changed since {what} was made, so nothing was written: {shown}{more}"
        )


class ApplyFailedError(IamError):
    """A step failed part way: ``record`` holds every step carried out before it (with what
    each replaced) and its ``error`` says which step stopped it; ``client.rollback(record)``
    undoes them. The IAM error is ``cause`` (also ``__cause__``)."""

    #: What the message calls the run.
    action = "apply"

    def __init__(self, record: ApplyRecord, step: Step, cause: IamError) -> None:
        self.record = record
        self.step = step
        self.cause = cause
        done = len(record.applied)
        super().__init__(
            f"{self.action} stopped at step {done + 1} ({step.op.value}) after {done} step(s) "
            f"were carried out: {cause}"
        )


class RollbackFailedError(ApplyFailedError):
    """A rollback step failed part way: ``record`` holds what the rollback did."""

    action = "rollback"
