"""What a service-last-accessed report says, as plain immutable values.

:class:`AccessReport` is built from the job's pages (and, optionally, the entities per service);
:meth:`AccessReport.unused` and :meth:`AccessReport.never_used` answer "what can be taken away".

Every service and tracked action is in one of the :class:`UsageStatus` states, measured over a
window that ends at the report's :attr:`~AccessReport.as_of` (90 days unless told otherwise):
``used`` within the window, ``unused`` (used before the window, not since), ``never_used`` (no
recorded use in IAM's tracking period), or ``not_tracked`` (an action IAM does not record, such
as ``iam:PassRole``: never reported unused). A last use exactly at the window's start counts as
used. The same states, with the same cut-off, are what every ``iamlast`` output prints.
Every timestamp is timezone-aware UTC.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .report_models import (
        AccessDetail,
        EntityDetails,
        GetOrganizationsAccessReportResponse,
        GetServiceLastAccessedDetailsResponse,
        ServiceLastAccessed,
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
    "usage_status",
]

#: The window "unused" is measured over when none is given: 90 days before ``as_of``.
DEFAULT_WINDOW = timedelta(days=90)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


class UsageStatus(enum.StrEnum):
    """Where a service or action stands over a window ending at the report's ``as_of``."""

    #: Used within the window.
    USED = "used"
    #: Used before the window, not since.
    UNUSED = "unused"
    #: No recorded use in IAM's tracking period.
    NEVER_USED = "never_used"
    #: IAM does not record this action's use: never counted unused.
    NOT_TRACKED = "not_tracked"


#: The earlier name of :class:`UsageStatus` (same values).
ActionStatus = UsageStatus


def _window(since: timedelta | datetime, as_of: datetime) -> datetime:
    """The window's start: ``since`` before ``as_of``, or the moment ``since`` itself."""
    if isinstance(since, datetime):
        cutoff = _utc(since)
        assert cutoff is not None
        return cutoff
    if not isinstance(since, timedelta):
        raise TypeError(f"a window is a timedelta or a datetime, not {type(since).__name__}")
    if since < timedelta(0):
        raise ValueError(f"a window cannot be negative ({since})")
    return as_of - since


def usage_status(
    last_used: datetime | None, as_of: datetime, since: timedelta | datetime = DEFAULT_WINDOW
) -> UsageStatus:
    """USED, UNUSED or NEVER_USED for a last use, over ``since`` before ``as_of`` (or since a
    moment); the one rule every report view and every ``iamlast`` output applies."""
    if last_used is None:
        return UsageStatus.NEVER_USED
    last = _utc(last_used)
    assert last is not None
    return UsageStatus.USED if last >= _window(since, _as_of(as_of)) else UsageStatus.UNUSED


def _as_of(as_of: datetime) -> datetime:
    value = _utc(as_of)
    assert value is not None
    return value


@dataclass(frozen=True)
class ActionUsage:
    """One tracked action (``s3:GetObject``) of a service in an ACTION_LEVEL report."""

    service_namespace: str
    action_name: str
    last_accessed: datetime | None
    last_accessed_entity: str | None
    last_accessed_region: str | None
    #: The report's as-of time, where the window ends (set by the report it came from).
    as_of: datetime | None = None

    @property
    def name(self) -> str:
        """``namespace:Action``, as written in policies."""
        return f"{self.service_namespace}:{self.action_name}"

    @property
    def status(self) -> UsageStatus:
        """The action's state over the default 90-day window (:meth:`status_for` for another)."""
        return self.status_for(DEFAULT_WINDOW)

    def status_for(self, since: timedelta | datetime) -> UsageStatus:
        """USED, UNUSED or NEVER_USED over ``since`` before the report's ``as_of``."""
        return usage_status(self.last_accessed, self._end(), since)

    def _end(self) -> datetime:
        if self.as_of is None:
            raise ValueError(
                f"{self.name}: no as_of (build it through AccessReport, or pass as_of=)"
            )
        return self.as_of


@dataclass(frozen=True)
class ServiceUsage:
    """One service the principal's policies allow, and when it was last used."""

    namespace: str
    name: str
    last_authenticated: datetime | None
    last_authenticated_entity: str | None = None
    last_authenticated_region: str | None = None
    total_authenticated_entities: int | None = None
    #: Tracked actions (ACTION_LEVEL reports on services IAM tracks actions for), else None.
    actions: tuple[ActionUsage, ...] | None = None
    #: Entities that used the service (when the report was read ``with_entities``), else None.
    entities: tuple[EntityDetails, ...] | None = None
    #: The report's as-of time, where the window ends (set by the report it came from).
    as_of: datetime | None = None

    @property
    def used(self) -> bool:
        """Used at all within IAM's tracking period."""
        return self.last_authenticated is not None

    @property
    def status(self) -> UsageStatus:
        """The service's state over the default 90-day window (:meth:`status_for` for another)."""
        return self.status_for(DEFAULT_WINDOW)

    def status_for(self, since: timedelta | datetime) -> UsageStatus:
        """USED, UNUSED or NEVER_USED over ``since`` before the report's ``as_of``."""
        if self.as_of is None:
            raise ValueError(f"{self.namespace}: no as_of (build it through AccessReport)")
        return usage_status(self.last_authenticated, self.as_of, since)

    @property
    def tracks_actions(self) -> bool:
        """Whether the report carries action-level data for this service."""
        return self.actions is not None

    def action(self, name: str) -> ActionUsage | None:
        """The tracked action by ``Action`` or ``namespace:Action`` (None when not tracked)."""
        short = name.split(":", 1)[1] if ":" in name else name
        for action in self.actions or ():
            if action.action_name.lower() == short.lower():
                return action
        return None

    def action_status(self, name: str, since: timedelta | datetime = DEFAULT_WINDOW) -> UsageStatus:
        """USED / UNUSED / NEVER_USED for a tracked action over ``since`` before ``as_of``;
        NOT_TRACKED for any other — never a guess."""
        found = self.action(name)
        return found.status_for(since) if found is not None else UsageStatus.NOT_TRACKED

    def unused_actions(self, since: timedelta | datetime = DEFAULT_WINDOW) -> list[ActionUsage]:
        """Tracked actions not used in the window (UNUSED or NEVER_USED), the window ending at
        the report's ``as_of``; untracked actions are never among them."""
        return [a for a in self.actions or () if a.status_for(since) is not UsageStatus.USED]


@dataclass(frozen=True)
class AccessReport:
    """A completed service-last-accessed report for one IAM principal or policy."""

    arn: str
    job_id: str
    granularity: str
    job_created: datetime
    #: When the job completed: the report describes access up to this moment.
    as_of: datetime
    services: tuple[ServiceUsage, ...] = field(default=())

    def service(self, namespace: str) -> ServiceUsage | None:
        """The service by namespace (``"s3"``), or None if the principal is not granted it."""
        for svc in self.services:
            if svc.namespace == namespace:
                return svc
        return None

    def never_used(self) -> list[ServiceUsage]:
        """Granted services with no recorded access in IAM's tracking period (NEVER_USED)."""
        return [s for s in self.services if s.last_authenticated is None]

    def unused(self, since: timedelta | datetime = DEFAULT_WINDOW) -> list[ServiceUsage]:
        """Granted services not used in the window — ``since`` before :attr:`as_of`, or since a
        moment — that is UNUSED or NEVER_USED."""
        return [
            s
            for s in self.services
            if usage_status(s.last_authenticated, self.as_of, since) is not UsageStatus.USED
        ]

    def used(self, since: timedelta | datetime | None = None) -> list[ServiceUsage]:
        """Services used at all, or (given ``since``) used in that window (USED)."""
        if since is None:
            return [s for s in self.services if s.last_authenticated is not None]
        return [
            s
            for s in self.services
            if usage_status(s.last_authenticated, self.as_of, since) is UsageStatus.USED
        ]

    def to_json(self, since: timedelta | datetime = DEFAULT_WINDOW) -> dict[str, Any]:
        """A JSON-safe summary (ISO 8601 UTC timestamps), stable for tools to read; statuses
        are over ``since`` before :attr:`as_of`."""
        window = since

        def ts(value: datetime | None) -> str | None:
            return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None

        return {
            "arn": self.arn,
            "job_id": self.job_id,
            "granularity": self.granularity,
            "job_created": ts(self.job_created),
            "as_of": ts(self.as_of),
            "services": [
                {
                    "namespace": s.namespace,
                    "name": s.name,
                    "status": usage_status(s.last_authenticated, self.as_of, window).value,
                    "last_authenticated": ts(s.last_authenticated),
                    "last_authenticated_entity": s.last_authenticated_entity,
                    "last_authenticated_region": s.last_authenticated_region,
                    "total_authenticated_entities": s.total_authenticated_entities,
                    "actions": None
                    if s.actions is None
                    else [
                        {
                            "action": a.name,
                            "status": a.status_for(window).value,
                            "last_accessed": ts(a.last_accessed),
                            "last_accessed_entity": a.last_accessed_entity,
                            "last_accessed_region": a.last_accessed_region,
                        }
                        for a in s.actions
                    ],
                    "entities": None
                    if s.entities is None
                    else [
                        {
                            "arn": e.entity_info.arn,
                            "name": e.entity_info.name,
                            "type": _text(e.entity_info.type),
                            "last_authenticated": ts(_utc(e.last_authenticated)),
                        }
                        for e in s.entities
                    ],
                }
                for s in self.services
            ],
        }


def service_usage(
    item: ServiceLastAccessed,
    entities: Sequence[EntityDetails] | None = None,
    as_of: datetime | None = None,
) -> ServiceUsage:
    """One ``ServiceLastAccessed`` (and its entities) as a :class:`ServiceUsage`."""
    namespace = item.service_namespace
    actions = None
    if item.tracked_actions_last_accessed is not None:
        actions = tuple(
            ActionUsage(
                service_namespace=namespace,
                action_name=a.action_name or "",
                last_accessed=_utc(a.last_accessed_time),
                last_accessed_entity=a.last_accessed_entity,
                last_accessed_region=a.last_accessed_region,
                as_of=as_of,
            )
            for a in item.tracked_actions_last_accessed
        )
    return ServiceUsage(
        namespace=namespace,
        name=item.service_name,
        last_authenticated=_utc(item.last_authenticated),
        last_authenticated_entity=item.last_authenticated_entity,
        last_authenticated_region=item.last_authenticated_region,
        total_authenticated_entities=item.total_authenticated_entities,
        actions=actions,
        entities=tuple(entities) if entities is not None else None,
        as_of=as_of,
    )


def build_report(
    arn: str,
    job_id: str,
    first: GetServiceLastAccessedDetailsResponse,
    services: Iterable[ServiceLastAccessed],
    entities: dict[str, list[EntityDetails]] | None = None,
    granularity: str | None = None,
) -> AccessReport:
    """An :class:`AccessReport` from the completed job's first page and all its services."""
    created = _utc(first.job_creation_date)
    completed = _utc(first.job_completion_date) or created
    assert created is not None and completed is not None
    return AccessReport(
        arn=arn,
        job_id=job_id,
        granularity=_text(first.job_type) or granularity or "SERVICE_LEVEL",
        job_created=created,
        as_of=completed,
        services=tuple(
            service_usage(
                s,
                entities.get(s.service_namespace) if entities is not None else None,
                completed,
            )
            for s in services
        ),
    )


@dataclass(frozen=True)
class OrganizationsReport:
    """A completed Organizations access report for one entity path (and optional SCP)."""

    entity_path: str
    job_id: str
    job_created: datetime
    as_of: datetime
    number_of_services_accessible: int | None
    number_of_services_not_accessed: int | None
    access_details: tuple[AccessDetail, ...]

    def never_accessed(self) -> list[AccessDetail]:
        """Services the path's policies allow that nobody in it used."""
        return [d for d in self.access_details if d.last_authenticated_time is None]


def build_organizations_report(
    entity_path: str,
    job_id: str,
    first: GetOrganizationsAccessReportResponse,
    details: Iterable[AccessDetail],
) -> OrganizationsReport:
    created = _utc(first.job_creation_date)
    completed = _utc(first.job_completion_date) or created
    assert created is not None and completed is not None
    return OrganizationsReport(
        entity_path=entity_path,
        job_id=job_id,
        job_created=created,
        as_of=completed,
        number_of_services_accessible=first.number_of_services_accessible,
        number_of_services_not_accessed=first.number_of_services_not_accessed,
        access_details=tuple(details),
    )
