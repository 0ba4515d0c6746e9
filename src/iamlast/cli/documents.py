"""The command results as plain JSON documents: what ``--output json`` prints, and what the
tables, ndjson and csv are drawn from, so every format says the same thing.

Each document names its schema (``"schema": "iamlast.report.v1"``); the JSON Schemas are in
``iamlast/cli/schemas/``. Timestamps are ISO 8601 UTC to the second (``2026-05-01T12:00:00Z``).
Service status: ``used`` (used within the last ``unused_days`` days of the report's ``as_of``),
``unused`` (used before that, not since) or ``never_used`` (no recorded use in IAM's tracking
period). The three never overlap.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from iamlast.report import AccessReport, OrganizationsReport, ServiceUsage

__all__ = [
    "SCHEMAS",
    "PrincipalScan",
    "entities_doc",
    "load_schema",
    "org_report_doc",
    "policies_doc",
    "report_doc",
    "scan_doc",
    "scan_doc_of",
    "scan_principal",
]

Doc = dict[str, Any]


def ts(value: datetime | None) -> str | None:
    """ISO 8601 UTC to the second, or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days_since(value: datetime | None, as_of: datetime) -> int | None:
    """Whole days from ``value`` to ``as_of`` (0 for later), or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return max(0, (as_of - value).days)


def status(value: datetime | None, as_of: datetime, unused_days: int) -> str:
    """used / unused / never_used, relative to ``unused_days`` before ``as_of``: the SDK's own
    rule (:func:`iamlast.report.usage_status`), so both always agree."""
    from iamlast.report import usage_status

    return usage_status(value, as_of, timedelta(days=unused_days)).value


def _text(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _entity(entity: Any, as_of: datetime) -> Doc:
    info = entity.entity_info
    return {
        "arn": info.arn,
        "name": info.name,
        "type": _text(info.type),
        "id": info.id,
        "path": info.path,
        "last_authenticated": ts(entity.last_authenticated),
        "days_since_used": days_since(entity.last_authenticated, as_of),
    }


def _service(s: ServiceUsage, as_of: datetime, unused_days: int) -> Doc:
    return {
        "namespace": s.namespace,
        "name": s.name,
        "status": status(s.last_authenticated, as_of, unused_days),
        "last_authenticated": ts(s.last_authenticated),
        "days_since_used": days_since(s.last_authenticated, as_of),
        "last_authenticated_entity": s.last_authenticated_entity,
        "last_authenticated_region": s.last_authenticated_region,
        "total_authenticated_entities": s.total_authenticated_entities,
        "actions": None
        if s.actions is None
        else [
            {
                "action": a.name,
                "status": status(a.last_accessed, as_of, unused_days),
                "last_accessed": ts(a.last_accessed),
                "days_since_used": days_since(a.last_accessed, as_of),
                "last_accessed_entity": a.last_accessed_entity,
                "last_accessed_region": a.last_accessed_region,
            }
            for a in s.actions
        ],
        "entities": None if s.entities is None else [_entity(e, as_of) for e in s.entities],
    }


def _summary(services: Sequence[Doc]) -> Doc:
    counts = {"granted": len(services), "used": 0, "unused": 0, "never_used": 0}
    for s in services:
        counts[s["status"]] += 1
    return counts


def report_doc(report: AccessReport, unused_days: int) -> Doc:
    """``iamlast report``: one principal's services, each with its status."""
    services = [_service(s, report.as_of, unused_days) for s in report.services]
    return {
        "schema": "iamlast.report.v1",
        "arn": report.arn,
        "job_id": report.job_id,
        "granularity": report.granularity,
        "job_created": ts(report.job_created),
        "as_of": ts(report.as_of),
        "unused_days": unused_days,
        "summary": _summary(services),
        "services": services,
    }


def entities_doc(report: AccessReport, service: ServiceUsage, entities: Iterable[Any]) -> Doc:
    """``iamlast entities``: who (which users, roles) used one service of a report."""
    return {
        "schema": "iamlast.entities.v1",
        "arn": report.arn,
        "job_id": report.job_id,
        "as_of": ts(report.as_of),
        "service_namespace": service.namespace,
        "service_name": service.name,
        "last_authenticated": ts(service.last_authenticated),
        "entities": [_entity(e, report.as_of) for e in entities],
    }


def _policy(p: Any) -> Doc:
    return {
        "policy_name": p.policy_name,
        "policy_type": _text(p.policy_type),
        "policy_arn": p.policy_arn,
        "entity_type": _text(p.entity_type),
        "entity_name": p.entity_name,
    }


def _unique(items: Iterable[Doc]) -> list[Doc]:
    out: list[Doc] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def policies_doc(arn: str, entries: Iterable[Any]) -> Doc:
    """``iamlast policies``: which policies grant each service to a user, role or group.
    A managed policy attached both to a user and to one of its groups is listed once."""
    return {
        "schema": "iamlast.policies.v1",
        "arn": arn,
        "services": [
            {
                "namespace": e.service_namespace,
                "policies": _unique(_policy(p) for p in e.policies or ()),
            }
            for e in entries
        ],
    }


@dataclass
class PrincipalScan:
    """One principal's scan outcome: its report (or error) and who grants its unused services."""

    arn: str
    kind: str
    name: str
    report: AccessReport | None = None
    error: BaseException | None = None
    #: namespace → the policies granting it (only for unused services), when looked up.
    granted_by: dict[str, list[Doc]] = field(default_factory=dict)


def _error(exc: BaseException) -> Doc:
    from .errors import describe

    return {
        "type": type(exc).__name__,
        "code": getattr(exc, "code", None),
        "message": describe(exc)[0],
    }


_KIND_ORDER = {"user": 0, "group": 1, "role": 2, "policy": 3}


def _unused_actions(services: Sequence[Doc]) -> list[Doc] | None:
    """The tracked actions of the services it used that it did not (an ACTION_LEVEL report's
    finer answer), or None when the report has no action data."""
    if all(s["actions"] is None for s in services):
        return None
    return [
        {
            "namespace": s["namespace"],
            "action": a["action"],
            "status": a["status"],
            "last_accessed": a["last_accessed"],
            "days_since_used": a["days_since_used"],
        }
        for s in services
        if s["status"] == "used"
        for a in s["actions"] or ()
        if a["status"] in ("unused", "never_used")
    ]


def scan_principal(r: PrincipalScan, unused_days: int) -> Doc:
    """One principal of ``iamlast scan``: what ``--output ndjson`` writes as a line (with the
    scan's ``unused_days``) as soon as the principal is done."""
    item: Doc = {
        "arn": r.arn,
        "type": r.kind,
        "name": r.name,
        "ok": r.error is None,
        "error": None if r.error is None else _error(r.error),
        "as_of": None,
        "granted": None,
        "used": None,
        "unused": None,
        "never_used": None,
        "unused_services": [],
        "unused_actions": None,
    }
    if r.report is not None:
        services = [_service(s, r.report.as_of, unused_days) for s in r.report.services]
        item.update({"as_of": ts(r.report.as_of), **_summary(services)})
        item["unused_services"] = [
            {
                "namespace": s["namespace"],
                "name": s["name"],
                "status": s["status"],
                "last_authenticated": s["last_authenticated"],
                "days_since_used": s["days_since_used"],
                "granted_by": r.granted_by.get(s["namespace"]) if r.granted_by else None,
            }
            for s in services
            if s["status"] != "used"
        ]
        item["unused_actions"] = _unused_actions(services)
    return item


def _principal_order(p: Doc) -> tuple[int, str, str]:
    return (_KIND_ORDER.get(p["type"], 9), p["name"].lower(), p["arn"])


def scan_doc_of(principals: Iterable[Doc], unused_days: int, types: Sequence[str]) -> Doc:
    """``iamlast scan``'s document from its principals (:func:`scan_principal`), sorted by type
    (users, groups, roles, policies), then name."""
    ordered = sorted(principals, key=_principal_order)
    failed = sum(1 for p in ordered if not p["ok"])
    return {
        "schema": "iamlast.scan.v1",
        "unused_days": unused_days,
        "types": list(types),
        "summary": {
            "principals": len(ordered),
            "failed": failed,
            "with_unused_services": sum(1 for p in ordered if p["unused_services"]),
            "unused_services": sum(len(p["unused_services"]) for p in ordered),
        },
        "principals": ordered,
    }


def scan_doc(results: Iterable[PrincipalScan], unused_days: int, types: Sequence[str]) -> Doc:
    """``iamlast scan``: per principal, the services not used in ``unused_days`` days and the
    policies that grant them. Principals are sorted by type (users, groups, roles, policies),
    then name."""
    return scan_doc_of((scan_principal(r, unused_days) for r in results), unused_days, types)


def org_report_doc(report: OrganizationsReport) -> Doc:
    """``iamlast org-report``: when each service was last used under an Organizations path."""
    return {
        "schema": "iamlast.org-report.v1",
        "entity_path": report.entity_path,
        "job_id": report.job_id,
        "job_created": ts(report.job_created),
        "as_of": ts(report.as_of),
        "number_of_services_accessible": report.number_of_services_accessible,
        "number_of_services_not_accessed": report.number_of_services_not_accessed,
        "access_details": [
            {
                "service_namespace": d.service_namespace,
                "service_name": d.service_name,
                "status": "accessed" if d.last_authenticated_time is not None else "never_accessed",
                "last_authenticated_time": ts(d.last_authenticated_time),
                "days_since_used": days_since(d.last_authenticated_time, report.as_of),
                "region": d.region,
                "entity_path": d.entity_path,
                "total_authenticated_entities": d.total_authenticated_entities,
            }
            for d in report.access_details
        ],
    }


SCHEMAS = ("report", "entities", "policies", "scan", "org-report", "org-scan")


def load_schema(command: str) -> Doc:
    """The JSON Schema (draft 2020-12) of ``iamlast COMMAND --output json``; its
    ``$defs/line`` describes one ``--output ndjson`` line."""
    import json
    from importlib.resources import files

    if command not in SCHEMAS:
        raise ValueError(f"no schema for {command!r}; there are {', '.join(SCHEMAS)}")
    text = files("iamlast.cli").joinpath("schemas", f"{command}.json").read_text("utf-8")
    loaded: Doc = json.loads(text)
    return loaded
