"""What the planner is given: a policy as IAM holds it (:class:`PolicyInput`), and how to trim
(:class:`PlanOptions`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from .evidence import DEFAULT_TRACKING, Tracking
from .proposal import PolicyKind

__all__ = ["PlanOptions", "PolicyInput", "default_replacement_name"]


@dataclass(frozen=True)
class PolicyInput:
    """One policy as IAM holds it now. ``versions``: a managed policy's version ids, oldest
    first; ``attached_to``: ARNs of every principal a managed policy is attached to (left
    empty: unknown, so the policy counts as shared); ``via_group``: for a user, the group this
    policy comes from."""

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
    #: The Regions the principals act in (say, the account's enabled Regions). None: not
    #: named, and then nothing is proven unused — IAM does not track every Region.
    regions: Collection[str] | None = None
    exclude_sid_prefix: str | None = "NOREPO"
    #: Principals carrying this tag key get no proposal (None: no such tag). Compared without
    #: case, as IAM compares the tag keys of users and roles.
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
    #: Trust the catalog to know every action that existed in the window: partly trimmed
    #: patterns are rewritten even when its data is older than the reports (see trim.py).
    assume_complete_catalog: bool = False


_NAME_OK = re.compile(r"[^\w+=,.@-]")


def default_replacement_name(policy_name: str, principal_name: str) -> str:
    """``<policy>-<principal>``, cut to IAM's 128 characters, only characters IAM allows."""
    return _NAME_OK.sub("-", f"{policy_name}-{principal_name}")[:128]
