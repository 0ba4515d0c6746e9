"""What each command asks IAM, returning the command's document (see :mod:`.documents`)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from iamlast.errors import IamError

from . import documents
from .documents import PrincipalScan
from .errors import CliError
from .progress import scan_bar, spinner

if TYPE_CHECKING:
    import iamlast
    from iamlast.advisor import Granularity

    from .options import Settings
    from .validate import ParsedArn

__all__ = ["entities", "granting_policies", "org_report", "policies", "report", "scan"]

Doc = dict[str, Any]
SCAN_TYPES = ("users", "roles", "groups", "policies")


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
    level: Granularity = "ACTION_LEVEL" if granularity == "action" else "SERVICE_LEVEL"
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


def granting_policies(
    client: iamlast.Client, arn: str, namespaces: Sequence[str]
) -> dict[str, list[Doc]]:
    """namespace → the policies granting it to the user, role or group ``arn``."""
    doc = documents.policies_doc(
        arn, client.paginate_policies_granting_service_access(arn, list(namespaces))
    )
    found: dict[str, list[Doc]] = {ns: [] for ns in namespaces}
    for entry in doc["services"]:
        found.setdefault(entry["namespace"], []).extend(entry["policies"])
    return found


def policies(
    client: iamlast.Client, settings: Settings, parsed: ParsedArn, namespaces: Sequence[str]
) -> Doc:
    """Which policies grant each of ``namespaces`` to a user, role or group."""
    unique = list(dict.fromkeys(namespaces))
    with spinner(settings, f"Listing the policies that grant {len(unique)} services"):
        entries = list(client.paginate_policies_granting_service_access(parsed.arn, unique))
    return documents.policies_doc(parsed.arn, entries)


def _kind_and_name(arn: str) -> tuple[str, str]:
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return kind, rest.rsplit("/", 1)[-1]


def scan(
    client: iamlast.Client,
    settings: Settings,
    *,
    types: Sequence[str],
    concurrency: int,
    unused_days: int,
) -> Doc:
    """Every principal of the chosen types: its unused services and what grants them."""
    since = timedelta(days=unused_days)
    outcomes: list[PrincipalScan] = []
    lookups: list[tuple[Future[dict[str, list[Doc]]], PrincipalScan]] = []
    with (
        scan_bar(settings) as progress,
        ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="iamlast-cli") as pool,
    ):
        results = client.scan(
            users="users" in types,
            roles="roles" in types,
            groups="groups" in types,
            policies="policies" in types,
            concurrency=concurrency,
            progress=progress,
        )
        for result in results:
            kind, name = _kind_and_name(result.arn)
            item = PrincipalScan(result.arn, kind, name, result.report, result.error)
            outcomes.append(item)
            if result.report is None:
                continue
            unused = [s.namespace for s in result.report.unused(since)]
            if not unused:
                continue
            if kind == "policy":
                # A managed policy is itself what grants its services.
                own = {
                    "policy_name": name,
                    "policy_type": "MANAGED",
                    "policy_arn": result.arn,
                    "entity_type": None,
                    "entity_name": None,
                }
                item.granted_by = {ns: [own] for ns in unused}
            else:
                lookups.append((pool.submit(granting_policies, client, result.arn, unused), item))
        for future, item in lookups:
            try:
                item.granted_by = future.result()
            except IamError as exc:
                item.error = exc
    return documents.scan_doc(outcomes, unused_days, types)


def org_report(client: iamlast.Client, settings: Settings, entity_path: str) -> Doc:
    """The Organizations access report for ``entity_path``."""
    with spinner(settings, f"Waiting for the Organizations access report on {entity_path}"):
        result = client.organizations_report(entity_path)
    return documents.org_report_doc(result)
