"""What a report reads from IAM's models, as Protocols named after them.

The runtime never imports the generated models (imports flow one way: generated code imports the
runtime), so :mod:`.report` describes the members it reads — and, for the models a report hands
back whole (``ServiceUsage.entities``, ``OrganizationsReport.access_details``), every member —
here. The generated ``models.EntityDetails``, ``models.AccessDetail`` … satisfy them, which
``iamlast.report`` checks for the type checker. Read-only properties, so that a model's narrower
types (an enum where a string is read) still match.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from .enums import OpenEnum

__all__ = [
    "AccessDetail",
    "EntityDetails",
    "EntityInfo",
    "GetOrganizationsAccessReportResponse",
    "GetServiceLastAccessedDetailsResponse",
    "ServiceLastAccessed",
    "TrackedActionLastAccessed",
]


class _Model(Protocol):
    """What every response model has."""

    @property
    def model_extra(self) -> dict[str, Any] | None: ...

    def to_json(self) -> dict[str, Any]: ...


class EntityInfo(_Model, Protocol):
    """``models.EntityInfo``: who used a service."""

    @property
    def arn(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def type(self) -> OpenEnum: ...
    @property
    def id(self) -> str: ...
    @property
    def path(self) -> str | None: ...


class EntityDetails(_Model, Protocol):
    """``models.EntityDetails``: an entity and when it last used the service."""

    @property
    def entity_info(self) -> EntityInfo: ...
    @property
    def last_authenticated(self) -> datetime | None: ...


class AccessDetail(_Model, Protocol):
    """``models.AccessDetail``: one service in an Organizations access report."""

    @property
    def service_name(self) -> str: ...
    @property
    def service_namespace(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def entity_path(self) -> str | None: ...
    @property
    def last_authenticated_time(self) -> datetime | None: ...
    @property
    def total_authenticated_entities(self) -> int | None: ...


class TrackedActionLastAccessed(Protocol):
    """What a report reads of ``models.TrackedActionLastAccessed``."""

    @property
    def action_name(self) -> str | None: ...
    @property
    def last_accessed_time(self) -> datetime | None: ...
    @property
    def last_accessed_entity(self) -> str | None: ...
    @property
    def last_accessed_region(self) -> str | None: ...


class ServiceLastAccessed(Protocol):
    """What a report reads of ``models.ServiceLastAccessed``."""

    @property
    def service_name(self) -> str: ...
    @property
    def service_namespace(self) -> str: ...
    @property
    def last_authenticated(self) -> datetime | None: ...
    @property
    def last_authenticated_entity(self) -> str | None: ...
    @property
    def last_authenticated_region(self) -> str | None: ...
    @property
    def total_authenticated_entities(self) -> int | None: ...
    @property
    def tracked_actions_last_accessed(self) -> Sequence[TrackedActionLastAccessed] | None: ...


class GetServiceLastAccessedDetailsResponse(Protocol):
    """What a report reads of a completed job's first page."""

    @property
    def job_type(self) -> OpenEnum | None: ...
    @property
    def job_creation_date(self) -> datetime: ...
    @property
    def job_completion_date(self) -> datetime | None: ...


class GetOrganizationsAccessReportResponse(Protocol):
    """What a report reads of a completed Organizations report's first page."""

    @property
    def job_creation_date(self) -> datetime: ...
    @property
    def job_completion_date(self) -> datetime | None: ...
    @property
    def number_of_services_accessible(self) -> int | None: ...
    @property
    def number_of_services_not_accessed(self) -> int | None: ...
