"""The ``--output table`` views (rich), drawn from the command documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from .options import Settings

__all__ = ["entities", "org_report", "policies", "report", "scan"]

Doc = dict[str, Any]

_STATUS = {
    "used": ("used", "green"),
    "unused": ("unused", "yellow"),
    "never_used": ("never used", "red"),
    "accessed": ("accessed", "green"),
    "never_accessed": ("never accessed", "red"),
}
#: In a table cell, how many service namespaces to list before "+N more".
LIST_LIMIT = 8


def _t(value: Any, style: str = "") -> Text:
    return Text("" if value is None else str(value), style=style)


def _status(value: str) -> Text:
    label, style = _STATUS.get(value, (value, ""))
    return Text(label, style=style)


def _date(value: str | None) -> Text:
    return Text(value[:10], style="") if value else Text("never", style="dim")


def _days(value: int | None) -> Text:
    return Text("-" if value is None else str(value), style="dim" if value is None else "")


def _when(value: str | None) -> str:
    return f"{value[:10]} {value[11:16]} UTC" if value else "unknown"


# Per column: keep short values on one line, let long free text (ARNs, lists) fold.
_NO_WRAP = {
    "Namespace",
    "Last used",
    "Days ago",
    "Region",
    "Status",
    "Type",
    "Granted",
    "Used",
    "Unused",
    "Never used",
    "Entities",
    "Principal",
    "Entity",
    "Action",
    "Policy",
}
_NUMERIC = {"Days ago", "Granted", "Used", "Unused", "Never used", "Entities"}


def _table(*columns: str, title: str | None = None) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        title=title,
        title_justify="left",
        title_style="bold",
        pad_edge=False,
        show_edge=False,
    )
    for column in columns:
        table.add_column(
            column,
            justify="right" if column in _NUMERIC else "left",
            no_wrap=column in _NO_WRAP,
            overflow="ellipsis" if column in _NO_WRAP or column == "Service" else "fold",
        )
    return table


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:LIST_LIMIT])
    more = len(names) - LIST_LIMIT
    return f"{shown}, … (+{more} more)" if more > 0 else shown


def _summary_line(summary: Doc, unused_days: int) -> Text:
    line = Text(f"{summary['granted']} services granted: ")
    line.append(f"{summary['used']} used in the last {unused_days} days", style="green")
    line.append(", ")
    line.append(f"{summary['unused']} last used over {unused_days} days ago", style="yellow")
    line.append(", ")
    line.append(f"{summary['never_used']} never used", style="red")
    line.append(".")
    return line


def report(console: Console, doc: Doc, settings: Settings) -> None:
    """Services of one principal, then tracked actions and entities when the report has them."""
    console.print(
        Text.assemble(
            ("Services granted to ", ""),
            (doc["arn"], "bold"),
            f" — report as of {_when(doc['as_of'])} ({doc['granularity']})",
        )
    )
    table = _table("Service", "Namespace", "Last used", "Days ago", "Region", "Status")
    for s in doc["services"]:
        table.add_row(
            _t(s["name"]),
            _t(s["namespace"]),
            _date(s["last_authenticated"]),
            _days(s["days_since_used"]),
            _t(s["last_authenticated_region"] or "-"),
            _status(s["status"]),
        )
    console.print(table)
    with_actions = [s for s in doc["services"] if s["actions"]]
    if with_actions:
        actions = _table("Action", "Last used", "Days ago", "Status", title="Tracked actions")
        for s in with_actions:
            for a in s["actions"]:
                actions.add_row(
                    _t(a["action"]),
                    _date(a["last_accessed"]),
                    _days(a["days_since_used"]),
                    _status(a["status"]),
                )
        console.print(actions)
    with_entities = [s for s in doc["services"] if s["entities"]]
    if with_entities:
        ents = _table("Namespace", "Entity", "Type", "Last used", title="Entities")
        for s in with_entities:
            for e in s["entities"]:
                ents.add_row(
                    _t(s["namespace"]), _t(e["arn"]), _t(e["type"]), _date(e["last_authenticated"])
                )
        console.print(ents)
    console.print(_summary_line(doc["summary"], doc["unused_days"]))


def entities(console: Console, doc: Doc, settings: Settings) -> None:
    """Who could use one service, and when each last did."""
    console.print(
        Text.assemble(
            ("Entities for ", ""),
            (doc["service_namespace"], "bold"),
            f" ({doc['service_name']}) in the report on ",
            (doc["arn"], "bold"),
            f" — as of {_when(doc['as_of'])}",
        )
    )
    table = _table("Entity", "Type", "ARN", "Last used", "Days ago")
    for e in doc["entities"]:
        table.add_row(
            _t(e["name"]),
            _t(e["type"]),
            _t(e["arn"]),
            _date(e["last_authenticated"]),
            _days(e["days_since_used"]),
        )
    console.print(table)
    used = sum(1 for e in doc["entities"] if e["last_authenticated"])
    console.print(f"{len(doc['entities'])} entities, {used} with recorded use.")


def _policy_where(p: Doc) -> str:
    if p["policy_type"] == "INLINE":
        return f"inline in {(p['entity_type'] or '').lower()} {p['entity_name']}"
    return str(p["policy_arn"] or "")


def policies(console: Console, doc: Doc, settings: Settings) -> None:
    """Which policies grant each service."""
    console.print(Text.assemble(("Policies granting services to ", ""), (doc["arn"], "bold")))
    table = _table("Service", "Policy", "Type", "Where")
    for s in doc["services"]:
        if not s["policies"]:
            table.add_row(
                _t(s["namespace"]), Text("no policy grants it", style="dim"), _t(""), _t("")
            )
        for p in s["policies"]:
            table.add_row(
                _t(s["namespace"]), _t(p["policy_name"]), _t(p["policy_type"]), _t(_policy_where(p))
            )
    console.print(table)


def _granted_label(p: Doc) -> str:
    if p["policy_type"] == "INLINE":
        return f"{p['policy_name']} (inline, {(p['entity_type'] or '').lower()} {p['entity_name']})"
    return str(p["policy_name"])


def scan(console: Console, doc: Doc, settings: Settings) -> None:
    """A summary per principal, the unused services grouped by the policy that grants them,
    then the principals that could not be scanned."""
    days = doc["unused_days"]
    summary = doc["summary"]
    console.print(
        Text.assemble(
            ("Scan of ", ""),
            (f"{summary['principals']} principals", "bold"),
            f" ({', '.join(doc['types'])}); unused = not used in the last {days} days",
        )
    )
    table = _table("Principal", "Type", "Granted", "Used", "Unused", "Never used")
    for p in doc["principals"]:
        if not p["ok"] and p["granted"] is None:
            table.add_row(
                _t(p["name"]), _t(p["type"]), Text("error", style="red"), _t(""), _t(""), _t("")
            )
            continue
        table.add_row(
            _t(p["name"]),
            _t(p["type"]),
            _t(p["granted"]),
            _t(p["used"], "green"),
            _t(p["unused"], "yellow" if p["unused"] else ""),
            _t(p["never_used"], "red" if p["never_used"] else ""),
        )
    console.print(table)

    grouped = _table(
        "Principal",
        "Granted by",
        f"Services not used in {days} days",
        title="Unused services and the policies that grant them",
    )
    rows = 0
    for p in doc["principals"]:
        by_policy: dict[str, list[str]] = {}
        for s in p["unused_services"]:
            labels = (
                [_granted_label(g) for g in s["granted_by"]] if s["granted_by"] else ["(not known)"]
            )
            for label in labels:
                by_policy.setdefault(label, []).append(s["namespace"])
        for label, names in sorted(by_policy.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            grouped.add_row(_t(p["name"]), _t(label), _t(_listing(names)))
            rows += 1
    if rows:
        console.print(grouped)
    else:
        console.print(f"No principal has services it has not used in {days} days.")

    _unused_actions(console, doc["principals"], days)

    failed = [p for p in doc["principals"] if p["error"] is not None]
    if failed:
        errors = _table("Principal", "Error", title="Could not scan")
        for p in failed:
            errors.add_row(_t(p["arn"]), Text(p["error"]["message"], style="red"))
        console.print(errors)
    console.print(
        f"{summary['with_unused_services']} of {summary['principals']} principals have services "
        f"they have not used in {days} days ({summary['unused_services']} in all)"
        + (f"; {summary['failed']} could not be scanned" if summary["failed"] else "")
        + ". Full lists: --output json, ndjson or csv."
    )


def _unused_actions(console: Console, principals: Sequence[Doc], days: int) -> None:
    """--granularity action: per principal and used service, the tracked actions it did not use."""
    table = _table(
        "Principal",
        "Namespace",
        f"Actions not used in {days} days",
        title=f"Tracked actions not used in {days} days",
    )
    for p in principals:
        by_service: dict[str, list[str]] = {}
        for a in p.get("unused_actions") or ():
            by_service.setdefault(a["namespace"], []).append(a["action"].split(":", 1)[-1])
        for namespace, names in sorted(by_service.items()):
            table.add_row(_t(p["name"]), _t(namespace), _t(_listing(names)))
    if table.row_count:
        console.print(table)


def org_report(console: Console, doc: Doc, settings: Settings) -> None:
    """When each service was last used under an Organizations entity path."""
    console.print(
        Text.assemble(
            ("Organizations access report for ", ""),
            (doc["entity_path"], "bold"),
            f" — as of {_when(doc['as_of'])}",
        )
    )
    table = _table(
        "Service", "Namespace", "Last used", "Days ago", "Region", "Entity path", "Entities"
    )
    for d in doc["access_details"]:
        table.add_row(
            _t(d["service_name"]),
            _t(d["service_namespace"]),
            _date(d["last_authenticated_time"]),
            _days(d["days_since_used"]),
            _t(d["region"] or "-"),
            _t(d["entity_path"] or "-"),
            _t(d["total_authenticated_entities"]),
        )
    console.print(table)
    console.print(
        f"{doc['number_of_services_accessible']} services accessible, "
        f"{doc['number_of_services_not_accessed']} never accessed."
    )
