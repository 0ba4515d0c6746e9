"""What each command asks IAM, returning the command's document (see :mod:`.documents`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import documents
from .errors import CliError
from .progress import spinner
from .scanning import SCAN_TYPES, ScanPlan, run_scan
from .sinks import DocumentSink, Writer

if TYPE_CHECKING:
    import iamlast
    from iamlast.advisor import Granularity

    from .options import Settings
    from .validate import ParsedArn

__all__ = ["SCAN_TYPES", "entities", "org_report", "policies", "report", "scan"]

Doc = dict[str, Any]


def report(
    client: iamlast.Client,
    settings: Settings,
    arn: str,
    *,
    granularity: str,
    unused_days: int,
    with_entities: bool,
) -> Doc:
    """Generate, wait for and read the report on ``arn``."""
    level: Granularity = (
        "ACTION_LEVEL" if granularity in ("action", "ACTION_LEVEL") else "SERVICE_LEVEL"
    )
    with spinner(settings, f"Waiting for IAM's last-accessed report on {arn}"):
        result = client.last_accessed(arn, granularity=level, with_entities=with_entities)
    return documents.report_doc(result, unused_days)


def _granted(report: Any) -> str:
    names = [s.namespace for s in report.services]
    if not names:
        return "it is granted no services"
    shown = ", ".join(names[:10]) + (f", … (+{len(names) - 10} more)" if len(names) > 10 else "")
    return f"it is granted: {shown}"


def entities(client: iamlast.Client, settings: Settings, arn: str, namespace: str) -> Doc:
    """The entities behind one service of the report on ``arn``."""
    with spinner(settings, f"Waiting for IAM's last-accessed report on {arn}") as say:
        result = client.last_accessed(arn)
        service = result.service(namespace)
        if service is None:
            raise CliError(
                f"service namespace {namespace!r} is not in the report on {arn}: either the "
                f"principal is not granted it or no AWS service has that namespace; {_granted(result)}"
            )
        say(f"Reading the entities for {namespace}")
        found = list(client.paginate_entities(result.job_id, namespace))
    return documents.entities_doc(result, service, found)


def policies(
    client: iamlast.Client, settings: Settings, parsed: ParsedArn, namespaces: Sequence[str]
) -> Doc:
    """Which policies grant each of ``namespaces`` to a user, role or group."""
    unique = list(dict.fromkeys(namespaces))
    with spinner(settings, f"Listing the policies that grant {len(unique)} services"):
        entries = list(client.paginate_policies_granting_service_access(parsed.arn, unique))
    return documents.policies_doc(parsed.arn, entries)


def scan(
    client: iamlast.Client,
    settings: Settings,
    *,
    types: Sequence[str],
    concurrency: int,
    unused_days: int,
) -> Doc:
    """Every principal of the chosen types, as one document (what ``iamlast scan -o json``
    prints): its unused services and what grants them."""
    sink = DocumentSink(settings, unused_days, types, print_at_end=False)
    plan = ScanPlan(types=tuple(types), unused_days=unused_days, concurrency=concurrency)
    run_scan(client, settings, plan, Writer(sink))
    return documents.scan_doc_of(sink.principals, unused_days, types)


def org_report(client: iamlast.Client, settings: Settings, entity_path: str) -> Doc:
    """The Organizations access report for ``entity_path``."""
    with spinner(settings, f"Waiting for the Organizations access report on {entity_path}"):
        result = client.organizations_report(entity_path)
    return documents.org_report_doc(result)
