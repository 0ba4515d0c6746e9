"""What a service-last-accessed report says, as plain immutable values.

:class:`AccessReport` (one principal or policy) and :class:`OrganizationsReport` are what
``client.last_accessed(...)`` and ``client.organizations_report(...)`` return. Services and
tracked actions are each in one :class:`UsageStatus` — used in the window, used before it
(``unused``), never used, or not tracked — over a window that ends at the report's ``as_of``
(90 days unless told otherwise); ``unused()`` and ``unused_actions()`` list what was not used
in it. Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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


if TYPE_CHECKING:
    # The runtime reads IAM's models through Protocols (it never imports generated code): the
    # type checker holds the models to them here.
    from ._generated import shapes as _models
    from ._runtime import report_models as _reads

    def _models_satisfy_what_reports_read(
        entity: _models.EntityDetails,
        detail: _models.AccessDetail,
        service: _models.ServiceLastAccessed,
        first: _models.GetServiceLastAccessedDetailsResponse,
        org: _models.GetOrganizationsAccessReportResponse,
    ) -> tuple[
        _reads.EntityDetails,
        _reads.AccessDetail,
        _reads.ServiceLastAccessed,
        _reads.GetServiceLastAccessedDetailsResponse,
        _reads.GetOrganizationsAccessReportResponse,
    ]:
        return entity, detail, service, first, org
