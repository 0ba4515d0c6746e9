"""Writing a command's document: ``json`` (the document), ``ndjson`` (one line per item of its
main list), ``csv`` (a header row, then one row per item) or ``table`` (rich, for people).

Tables are drawn from the same documents as the machine formats, so they can never disagree.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import tables

if TYPE_CHECKING:
    from .options import Settings

__all__ = [
    "SCAN_CSV",
    "VIEWS",
    "View",
    "csv_text",
    "emit",
    "ndjson_text",
    "scan_line",
    "scan_rows",
    "silence_stdout",
]

Doc = dict[str, Any]


@dataclass(frozen=True)
class View:
    """How one command's document is flattened and drawn."""

    lines: Callable[[Doc], Iterable[Doc]]
    csv_header: Sequence[str]
    csv_rows: Callable[[Doc], Iterable[Sequence[Any]]]
    table: Callable[[Any, Doc, Settings], None]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(_cell(v) for v in value)
    return str(value)


def emit(settings: Settings, doc: Doc, view: View) -> None:
    """Print ``doc`` to stdout in the format the options chose. A reader that goes away
    (``iamlast scan -o csv | head``) ends the output quietly."""
    try:
        _emit(settings, doc, view)
    except BrokenPipeError:
        silence_stdout()


def silence_stdout() -> None:
    """Point stdout at /dev/null, so nothing fails when Python flushes it on exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _emit(settings: Settings, doc: Doc, view: View) -> None:
    out = sys.stdout
    if settings.output == "json":
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    elif settings.output == "ndjson":
        for line in view.lines(doc):
            out.write(ndjson_text(line))
    elif settings.output == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(view.csv_header)
        for row in view.csv_rows(doc):
            writer.writerow([_cell(v) for v in row])
    else:
        view.table(settings.stdout(), doc, settings)
    out.flush()


# ----------------------------------------------------------------------------- report


def _report_lines(doc: Doc) -> Iterable[Doc]:
    for s in doc["services"]:
        yield {"arn": doc["arn"], "as_of": doc["as_of"], "unused_days": doc["unused_days"], **s}


_REPORT_CSV = (
    "arn",
    "namespace",
    "name",
    "status",
    "last_authenticated",
    "days_since_used",
    "last_authenticated_entity",
    "last_authenticated_region",
    "total_authenticated_entities",
    "actions_used",
    "actions_unused",
    "actions_never_used",
    "entities",
)


def _report_rows(doc: Doc) -> Iterable[Sequence[Any]]:
    for s in doc["services"]:
        actions = s["actions"] or []

        def named(state: str, actions: list[Doc] = actions) -> list[str]:
            return [a["action"] for a in actions if a["status"] == state]

        yield (
            doc["arn"],
            s["namespace"],
            s["name"],
            s["status"],
            s["last_authenticated"],
            s["days_since_used"],
            s["last_authenticated_entity"],
            s["last_authenticated_region"],
            s["total_authenticated_entities"],
            named("used"),
            named("unused"),
            named("never_used"),
            [e["arn"] for e in s["entities"] or []],
        )


# ----------------------------------------------------------------------------- entities


def _entity_lines(doc: Doc) -> Iterable[Doc]:
    for e in doc["entities"]:
        yield {"report_arn": doc["arn"], "service_namespace": doc["service_namespace"], **e}


_ENTITIES_CSV = (
    "report_arn",
    "service_namespace",
    "entity_arn",
    "entity_name",
    "entity_type",
    "entity_id",
    "entity_path",
    "last_authenticated",
    "days_since_used",
)


def _entity_rows(doc: Doc) -> Iterable[Sequence[Any]]:
    for e in doc["entities"]:
        yield (
            doc["arn"],
            doc["service_namespace"],
            e["arn"],
            e["name"],
            e["type"],
            e["id"],
            e["path"],
            e["last_authenticated"],
            e["days_since_used"],
        )


# ----------------------------------------------------------------------------- policies


def _policy_lines(doc: Doc) -> Iterable[Doc]:
    for s in doc["services"]:
        yield {"arn": doc["arn"], **s}


_POLICIES_CSV = (
    "arn",
    "service_namespace",
    "policy_name",
    "policy_type",
    "policy_arn",
    "entity_type",
    "entity_name",
)


def _policy_rows(doc: Doc) -> Iterable[Sequence[Any]]:
    for s in doc["services"]:
        if not s["policies"]:
            yield (doc["arn"], s["namespace"], None, None, None, None, None)
        for p in s["policies"]:
            yield (
                doc["arn"],
                s["namespace"],
                p["policy_name"],
                p["policy_type"],
                p["policy_arn"],
                p["entity_type"],
                p["entity_name"],
            )


# ----------------------------------------------------------------------------- scan


def scan_line(p: Doc, unused_days: int) -> Doc:
    """One ``iamlast scan -o ndjson`` line: a principal, with the scan's ``unused_days``."""
    return {"unused_days": unused_days, **p}


def _scan_lines(doc: Doc) -> Iterable[Doc]:
    for p in doc["principals"]:
        yield scan_line(p, doc["unused_days"])


SCAN_CSV = (
    "arn",
    "type",
    "name",
    "namespace",
    "service_name",
    "status",
    "last_authenticated",
    "days_since_used",
    "granted_by",
    "error",
)


def _granted_label(p: Doc) -> str:
    if p["policy_arn"]:
        return str(p["policy_arn"])
    return f"inline:{(p['entity_type'] or '').lower()}/{p['entity_name']}/{p['policy_name']}"


def scan_rows(p: Doc) -> Iterable[Sequence[Any]]:
    """One principal's ``iamlast scan -o csv`` rows: one per unused service, and one with the
    error for a principal that could not be (fully) scanned."""
    if p["error"] is not None:
        yield (
            p["arn"],
            p["type"],
            p["name"],
            None,
            None,
            None,
            None,
            None,
            None,
            p["error"]["message"],
        )
        if not p["unused_services"]:
            return
    for s in p["unused_services"]:
        granted = None if s["granted_by"] is None else [_granted_label(g) for g in s["granted_by"]]
        yield (
            p["arn"],
            p["type"],
            p["name"],
            s["namespace"],
            s["name"],
            s["status"],
            s["last_authenticated"],
            s["days_since_used"],
            granted,
            None,
        )


def _scan_rows(doc: Doc) -> Iterable[Sequence[Any]]:
    for p in doc["principals"]:
        yield from scan_rows(p)


def ndjson_text(line: Doc) -> str:
    """One ndjson line, newline included."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """CSV rows as text, every cell as ``--output csv`` writes it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


# ----------------------------------------------------------------------------- org-report


def _org_lines(doc: Doc) -> Iterable[Doc]:
    for d in doc["access_details"]:
        yield {"report_entity_path": doc["entity_path"], "as_of": doc["as_of"], **d}


_ORG_CSV = (
    "report_entity_path",
    "service_namespace",
    "service_name",
    "status",
    "last_authenticated_time",
    "days_since_used",
    "region",
    "entity_path",
    "total_authenticated_entities",
)


def _org_rows(doc: Doc) -> Iterable[Sequence[Any]]:
    for d in doc["access_details"]:
        yield (
            doc["entity_path"],
            d["service_namespace"],
            d["service_name"],
            d["status"],
            d["last_authenticated_time"],
            d["days_since_used"],
            d["region"],
            d["entity_path"],
            d["total_authenticated_entities"],
        )


VIEWS: dict[str, View] = {
    "report": View(_report_lines, _REPORT_CSV, _report_rows, tables.report),
    "entities": View(_entity_lines, _ENTITIES_CSV, _entity_rows, tables.entities),
    "policies": View(_policy_lines, _POLICIES_CSV, _policy_rows, tables.policies),
    "scan": View(_scan_lines, SCAN_CSV, _scan_rows, tables.scan),
    "org-report": View(_org_lines, _ORG_CSV, _org_rows, tables.org_report),
}
