"""What a service-last-accessed report says, as plain immutable values.

:class:`AccessReport` (one principal or policy) and :class:`OrganizationsReport` are what
``client.last_accessed(...)`` and ``client.organizations_report(...)`` return. Services and
tracked actions are each in one :class:`UsageStatus` — used in the window, used before it
(``unused``), never used, or not tracked — over a window that ends at the report's ``as_of``
(90 days unless told otherwise); ``unused()`` and ``unused_actions()`` list what was not used
in it. Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

from ._runtime.report import (
    DEFAULT_WINDOW,
    AccessReport,
    ActionStatus,
    ActionUsage,
    OrganizationsReport,
    ServiceUsage,
    UsageStatus,
    build_organizations_report,
    build_report,
    service_usage,
    usage_status,
)

__all__ = [
    "DEFAULT_WINDOW",
    "AccessReport",
    "ActionStatus",
    "ActionUsage",
    "OrganizationsReport",
    "ServiceUsage",
    "UsageStatus",
    "build_organizations_report",
    "build_report",
    "service_usage",
    "usage_status",
]
