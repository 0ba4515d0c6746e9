"""The organization the organization-scan tests share, and what a scan of it must say."""

from __future__ import annotations

from collections import Counter
from typing import Any

from iamlast.testing import FakeOrganization

#: The role the scans assume: it exists in every account but LOG_ARCHIVE (and the management
#: account is scanned with the caller's own credentials, never through it).
ROLE = "iamlast-audit"
MANAGEMENT = "123456789012"
LOG_ARCHIVE = "111122223333"  # the role is missing: AssumeRole is AccessDenied
AUDIT = "444455556666"  # the role does not trust the management account
SUSPENDED = "999988887777"
PROD = ("210987654321", "333344445555")
STAGING = "555566667777"
SCANNED = (MANAGEMENT, *PROD, STAGING)
FAILED = (LOG_ARCHIVE, AUDIT)
PRODUCTION_OU = "ou-a1b2-k9l8m7n6"
WORKLOADS_OU = "ou-a1b2-c3d4e5f6"


def organization(**options: Any) -> FakeOrganization:
    """The default FakeOrganization (4 principals an account, jobs done at once) with ROLE
    added everywhere but LOG_ARCHIVE."""
    org = FakeOrganization.default(principals=4, job_polls=0, **options)
    for account_id, account in org.accounts.items():
        if account_id != LOG_ARCHIVE:
            account.add_role(ROLE)
    return org


def expected_arns(org: FakeOrganization, account_id: str) -> set[str]:
    """What a scan must report in ``account_id``: its users, roles (not service-linked),
    groups and customer-managed policies."""
    account = org.accounts[account_id]
    arns = {u.arn for u in account.users.values()}
    arns |= {r.arn for r in account.roles.values() if not r.path.startswith("/aws-service-role/")}
    arns |= {g.arn for g in account.groups.values()}
    arns |= {p.arn for p in account.policies.values() if not p.arn.startswith("arn:aws:iam::aws:")}
    return arns


def by_kind(items: list[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for item in items:
        out.setdefault(item.kind, []).append(item)
    return out


def principal_counts(items: list[Any]) -> Counter[tuple[str, str]]:
    """(account, arn) → how many times a result for it came out."""
    return Counter((i.account_id, i.arn) for i in items if i.kind == "result")


def comparable(items: list[Any]) -> dict[str, Any]:
    """What two scans of the same organization must agree on, whatever ran them: per
    principal its services' last use, per account how it ended."""
    results = {}
    ends = {}
    for item in items:
        if item.kind == "result":
            if item.ok:
                value: Any = sorted(
                    (s.namespace, s.last_authenticated, s.last_authenticated_region)
                    for s in item.report.services
                )
            else:
                value = type(item.error).__name__
            results[(item.account_id, item.arn)] = value
        elif item.kind == "done":
            ends[item.account_id] = ("done", item.scanned, item.failed)
        elif item.kind == "failed":
            ends[item.account_id] = ("failed", item.stage, getattr(item.error, "code", None))
        elif item.kind == "skipped":
            ends[item.account_id] = ("skipped", item.reason)
    return {"results": results, "ends": ends}
