"""One account's scan as a plain function, for executors: :func:`scan_account`.

``scan_account(account_id, role, options)`` is picklable (a module-level function), takes plain
data and returns plain data (JSON-able dicts and lists), so any ``concurrent.futures.Executor``
can run it — a ``ProcessPoolExecutor``, dask's ``Client.get_executor()``, Ray's
``ray.util.multiprocessing`` or an executor of your own — and its answer can be stored or sent
anywhere. ``client.scan_organization(executor=...)`` submits one per account and turns the
answers back into the same items it yields without one (:func:`decode_answer`).

Credentials reach the function in one of two ways, chosen by ``scan_organization``'s
``worker_credentials``: ``"assumed"`` (the default) — the caller assumes the role and sends the
temporary, one-account credentials in ``options["credentials"]`` (a :class:`PlainCredentials`,
whose repr never shows the secret); or ``"worker"`` — nothing is sent, ``role`` is given, and the
worker assumes it with its own default credential chain (its environment, its profile, its
instance or task role).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._runtime.errors import IamError
from ._runtime.flows.organization import (
    AccountDone,
    AccountFailed,
    AccountScanResult,
    Member,
    OrgScanItem,
    account_principals,
)
from ._runtime.flows.report import Polling
from ._runtime.flows.scan import Discovery, ReportOptions, ScanFailure, ScanSuccess
from ._runtime.report import AccessReport, ActionUsage, ServiceUsage

if TYPE_CHECKING:
    from ._runtime.flows import Flow

__all__ = [
    "PlainCredentials",
    "decode_answer",
    "error_of_plain",
    "plain_error",
    "plain_report",
    "report_of_plain",
    "scan_account",
]

Plain = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlainCredentials:
    """Credentials as plain, picklable data; the repr shows the key id only."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    expiry: str | None = None

    def __repr__(self) -> str:
        return f"PlainCredentials(access_key_id={self.access_key_id!r}, secret_access_key='****')"

    def to_credentials(self) -> Any:
        from ._runtime.credentials import Credentials

        expiry = datetime.fromisoformat(self.expiry) if self.expiry else None
        return Credentials(self.access_key_id, self.secret_access_key, self.session_token, expiry)


# ---------------------------------------------------------------------- plain data


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def plain_report(report: AccessReport) -> Plain:
    """An :class:`~iamlast.report.AccessReport` as JSON-able data, losslessly."""
    return {
        "arn": report.arn,
        "job_id": report.job_id,
        "granularity": report.granularity,
        "job_created": _ts(report.job_created),
        "as_of": _ts(report.as_of),
        "services": [
            {
                "namespace": s.namespace,
                "name": s.name,
                "last_authenticated": _ts(s.last_authenticated),
                "last_authenticated_entity": s.last_authenticated_entity,
                "last_authenticated_region": s.last_authenticated_region,
                "total_authenticated_entities": s.total_authenticated_entities,
                "actions": None
                if s.actions is None
                else [
                    [
                        a.service_namespace,
                        a.action_name,
                        _ts(a.last_accessed),
                        a.last_accessed_entity,
                        a.last_accessed_region,
                    ]
                    for a in s.actions
                ],
                "entities": None if s.entities is None else [e.to_json() for e in s.entities],
            }
            for s in report.services
        ],
    }


def report_of_plain(data: Mapping[str, Any]) -> AccessReport:
    """The report :func:`plain_report` wrote."""
    as_of = _dt(data["as_of"])
    assert as_of is not None
    services = []
    for s in data["services"]:
        entities = None
        if s["entities"] is not None:
            from ._generated.shapes import EntityDetails

            entities = tuple(EntityDetails.of_json(e) for e in s["entities"])
        actions = (
            None
            if s["actions"] is None
            else tuple(
                ActionUsage(ns, name, _dt(last), entity, region, as_of)
                for ns, name, last, entity, region in s["actions"]
            )
        )
        services.append(
            ServiceUsage(
                s["namespace"],
                s["name"],
                _dt(s["last_authenticated"]),
                s["last_authenticated_entity"],
                s["last_authenticated_region"],
                s["total_authenticated_entities"],
                actions,
                entities,
                as_of,
            )
        )
    created = _dt(data["job_created"])
    assert created is not None
    return AccessReport(
        data["arn"], data["job_id"], data["granularity"], created, as_of, tuple(services)
    )


def plain_error(error: BaseException) -> Plain:
    """An error as JSON-able data: a service error whole (``ServiceError.to_json``), any other
    by class and message."""
    from ._runtime.errors import ServiceError

    if isinstance(error, ServiceError):
        return {"service_error": error.to_json()}
    public = {
        k: v
        for k, v in vars(error).items()
        if not k.startswith("_") and isinstance(v, str | int | float | bool | type(None))
    }
    return {"class": type(error).__name__, "args": [str(a) for a in error.args], "attrs": public}


def error_of_plain(data: Mapping[str, Any]) -> IamError:
    """The error :func:`plain_error` wrote (an IamError of the same class where iamlast has
    it; else an IamError carrying the message)."""
    from ._runtime.errors import ServiceError

    if "service_error" in data:
        return ServiceError.of_json(data["service_error"])
    from . import errors

    cls = getattr(errors, str(data.get("class")), None)
    if not (isinstance(cls, type) and issubclass(cls, IamError)):
        return IamError(f"{data.get('class')}: {' '.join(data.get('args') or ())}")
    error = cls.__new__(cls)
    error.args = tuple(data.get("args") or ())
    vars(error).update(data.get("attrs") or {})
    return error


def _plain_item(item: OrgScanItem) -> Plain:
    if isinstance(item, AccountScanResult):
        r = item.result
        if r.report is not None:
            return {"arn": r.arn, "ok": True, "report": plain_report(r.report)}
        assert r.error is not None
        return {"arn": r.arn, "ok": False, "error": plain_error(r.error)}
    if isinstance(item, AccountDone):
        return {"end": "done", "scanned": item.scanned, "failed": item.failed}
    assert isinstance(item, AccountFailed)
    return {
        "end": "failed",
        "stage": item.stage,
        "error": plain_error(item.error),
        "scanned": item.scanned,
        "failed": item.failed,
    }


def decode_answer(
    account_id: str, name: str | None, answer: Mapping[str, Any]
) -> list[OrgScanItem]:
    """The items an account's scan yields, from :func:`scan_account`'s answer."""
    items: list[OrgScanItem] = []
    for entry in answer["items"]:
        if "arn" in entry:
            result = (
                ScanSuccess(entry["arn"], report_of_plain(entry["report"]))
                if entry["ok"]
                else ScanFailure(entry["arn"], error_of_plain(entry["error"]))
            )
            items.append(AccountScanResult(account_id, result))
        elif entry["end"] == "done":
            items.append(AccountDone(account_id, entry["scanned"], entry["failed"], name))
        else:
            items.append(
                AccountFailed(
                    account_id,
                    entry["stage"],
                    error_of_plain(entry["error"]),
                    name,
                    entry["scanned"],
                    entry["failed"],
                )
            )
    return items


# ---------------------------------------------------------------------- the unit


def _client_kwargs(options: Mapping[str, Any], service: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        k: options[k]
        for k in ("region", "timeout", "call_timeout", "max_attempts", "retry_mode")
        if options.get(k) is not None
    }
    endpoint = (options.get("endpoints") or {}).get(service)
    if endpoint is not None:
        kwargs["endpoint_url"] = endpoint
    if options.get("profile") is not None:
        kwargs["profile"] = options["profile"]
    return kwargs


def _assumed(account_id: str, role: str, options: Mapping[str, Any]) -> Any:
    from .sts import Client as StsClient

    with StsClient(**_client_kwargs(options, "sts")) as sts:
        kwargs: dict[str, Any] = {
            "role_arn": f"arn:{options.get('partition', 'aws')}:iam::{account_id}:role/{role}",
            "role_session_name": options.get("session_name", "iamlast-scan"),
        }
        if options.get("duration_seconds") is not None:
            kwargs["duration_seconds"] = options["duration_seconds"]
        c = sts.assume_role(**kwargs).credentials
    if c is None:  # never the caller's own credentials in another account's name
        raise IamError(f"AssumeRole into {account_id} returned no credentials")
    from ._runtime.credentials import Credentials

    return Credentials(c.access_key_id, c.secret_access_key, c.session_token, c.expiration)


async def _scanned_async(kwargs: dict[str, Any], flow: Callable[[], Flow[None]]) -> list[Plain]:
    # One event loop for the account's requests: cheaper than a thread per request in flight,
    # and kinder to the other accounts' scans sharing the worker process.
    from ._async_client import AsyncClient

    items: list[Plain] = []
    async with AsyncClient(**kwargs) as client:
        async for item in client._driver.stream(flow()):
            items.append(_plain_item(item))
    return items


def scan_account(account_id: str, role: str | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """Scan one account and return its items as plain data (``{"account_id", "items"}``).

    With ``role``, assume ``arn:aws:iam::ACCOUNT:role/ROLE`` first with this process's own
    credentials (or ``options["profile"]``); without, scan with ``options["credentials"]`` (a
    :class:`PlainCredentials`, or None for this process's own). ``options`` also holds the
    client settings (``region``, ``endpoints`` by service, ``max_rate``, ``max_attempts``,
    ``retry_mode``, ``timeout``, ``call_timeout``), the scan's (``scan``: ``users`` …
    ``policies``, ``skip_service_linked_roles``, ``granularity``, ``with_entities``,
    ``concurrency``, ``timeout``, ``poll_delay``, ``max_poll_delay``) and ``skip_arns``.
    An account that cannot be entered or listed is in the answer as its failure; nothing raises
    but a bug.
    """
    from ._client import Client

    kwargs = _client_kwargs(options, "iam")
    if options.get("max_rate") is not None:
        kwargs["max_rate"] = options["max_rate"]
    items: list[Plain] = []
    try:
        if role is not None:
            kwargs["credentials"] = _assumed(account_id, role, options)
            kwargs.pop("profile", None)
        elif options.get("credentials") is not None:
            kwargs["credentials"] = options["credentials"].to_credentials()
            kwargs.pop("profile", None)
    except IamError as exc:
        items.append(
            {
                "end": "failed",
                "stage": "assume_role",
                "error": plain_error(exc),
                "scanned": 0,
                "failed": 0,
            }
        )
        return {"account_id": account_id, "items": items}
    scan = options.get("scan") or {}
    which = Discovery(
        **{
            k: scan[k]
            for k in ("users", "roles", "groups", "policies", "skip_service_linked_roles")
            if k in scan
        }
    )
    report_options = ReportOptions(
        granularity=scan.get("granularity", "SERVICE_LEVEL"),
        with_entities=bool(scan.get("with_entities", False)),
        polling=Polling(
            scan.get("timeout", 900.0),
            scan.get("poll_delay", 1.0),
            scan.get("max_poll_delay", 15.0),
        ),
    )
    def flow() -> Flow[None]:
        return account_principals(
            Member(account_id),
            which,
            report_options,
            concurrency=int(scan.get("concurrency", 8)),
            skip_arns=frozenset(options.get("skip_arns") or ()),
        )

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: an executor's worker thread or process, no loop
        items += asyncio.run(_scanned_async(kwargs, flow))
    else:  # called from inside an event loop's thread: threads, not another loop
        with Client(**kwargs) as client:
            items += [_plain_item(item) for item in client._driver.stream(flow())]
    return {"account_id": account_id, "items": items}
