"""Every account of an AWS Organization in one scan, on both clients: ``scan_organization``.

The accounts come from Organizations (all of them, those under ``ous``, or the ``accounts``
given); in each, the role ``assume_role`` is assumed with STS and the account's principals are
scanned on an IAM client of its own (its own ``rate_limit`` and retry quota), at most
``account_concurrency`` accounts and ``max_requests_in_flight`` requests at once. The caller's
own account — the management account, when run from it — is scanned with the caller's
credentials (or skipped, with ``skip_management``). What it yields is described in
:mod:`iamlast._runtime.flows.organization`: per principal an :class:`AccountScanResult`, per
account :class:`AccountStarted` then :class:`AccountDone` or :class:`AccountFailed`, and an
:class:`AccountSkipped` for each account not scanned.

With ``executor=`` (any ``concurrent.futures.Executor``: processes, a dask cluster) each other
account's scan runs as :func:`iamlast.orgunit.scan_account` there; see that module for how
credentials reach it. The STS, Organizations and flow modules load with the first scan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import _faces as face
from ._runtime.flows.arguments import GRANULARITIES, Arguments
from ._runtime.flows.report import Polling
from ._runtime.jobs import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from ._runtime.flows.organization import OrgScanItem, OrgScanProgress

__all__ = ["OrgScanCheckpoint", "OrganizationWorkflows"]

# The forms arguments are checked against (also by the command's own checks). Kept as
# strings: ``re`` compiles each on first use and caches it, so importing iamlast compiles none.
ACCOUNT_ID = r"^\d{12}$"
PARENT_ID = r"^(?:r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$"
ROLE_NAME = r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$"
SESSION_NAME = r"^[\w+=,.@-]{2,64}$"
_SERVICES = ("iam", "sts", "organizations")


@dataclass
class OrgScanCheckpoint:
    """What a scan finished, to resume it: pass it as ``resume=`` and nothing recorded is
    scanned or reported again. :meth:`record` each item as you keep it; ``accounts`` are those
    done without a failed principal, ``arns`` the principals reported ``ok``. Principals with
    an error, and accounts that failed, are scanned again."""

    accounts: set[str] = field(default_factory=set)
    arns: set[str] = field(default_factory=set)

    def record(self, item: OrgScanItem) -> None:
        """Note one item the consumer has kept."""
        kind = item.kind
        if kind == "result" and item.ok:  # type: ignore[union-attr]
            self.arns.add(item.arn)  # type: ignore[union-attr]
        elif kind == "done" and item.failed == 0:  # type: ignore[union-attr]
            self.accounts.add(item.account_id)

    def to_json(self) -> dict[str, list[str]]:
        return {"accounts": sorted(self.accounts), "arns": sorted(self.arns)}

    @classmethod
    def of_json(cls, data: Mapping[str, Iterable[str]]) -> OrgScanCheckpoint:
        return cls(set(data.get("accounts", ())), set(data.get("arns", ())))


def _ids(
    args: Arguments, name: str, value: Any, pattern: str, what: str
) -> tuple[str, ...] | None:
    if value is None:
        return None
    found = args.strings(
        name, value, what=what, valid=lambda v: bool(re.match(pattern, v)), unique=True
    )
    if not found and not args.problems:
        args.problem(
            name, "min_length", f"must name at least one {what.split(' ', 1)[1]} (or be None)"
        )
    return tuple(found)


def _caller_options(
    client: Any, given: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The caller's settings, for the clients a scan opens: the same credentials (the same
    profile, the same keys or the same botocore provider), region, timeouts and TLS."""
    source = client._credentials
    base: dict[str, Any] = {}
    if source._static is not None:
        base["credentials"] = source._static
    elif source._provider is not None:
        base["credentials"] = source._provider
    elif client._profile is not None:
        base["profile"] = client._profile
    for key, value in (
        ("region", client._region_arg),
        ("use_fips", client._use_fips),
        ("call_timeout", client._call_timeout),
        ("timeout", getattr(client, "_timeout", None)),
        ("verify", getattr(client, "_verify", True)),
    ):
        if value is not None:
            base[key] = value
    out = {s: dict(base) for s in _SERVICES}
    if client._endpoint_arg is not None:
        out["iam"]["endpoint_url"] = client._endpoint_arg
    for service, options in given.items():
        out[service].update(options)
    return out


class OrganizationWorkflows:
    """``scan_organization``, written once for both clients."""

    @face.stream
    def scan_organization(
        self,
        assume_role: str,
        *,
        accounts: Iterable[str] | None = None,
        ous: Iterable[str] | None = None,
        skip_management: bool = False,
        executor: Any = None,
        worker_credentials: Literal["assumed", "worker"] = "assumed",
        account_concurrency: int = 8,
        concurrency: int = 8,
        max_requests_in_flight: int | None = 64,
        rate_limit: float | None = None,
        max_attempts: int | None = None,
        retry_mode: Literal["standard", "adaptive"] | None = None,
        users: bool = True,
        roles: bool = True,
        groups: bool = True,
        policies: bool = True,
        skip_service_linked_roles: bool = True,
        granularity: Literal["SERVICE_LEVEL", "ACTION_LEVEL"] = "SERVICE_LEVEL",
        with_entities: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        poll_delay: float = 1.0,
        max_poll_delay: float = 15.0,
        session_name: str = "iamlast-scan",
        duration_seconds: int | None = None,
        resume: OrgScanCheckpoint | None = None,
        client_options: Mapping[str, Mapping[str, Any]] | None = None,
        progress: Callable[[OrgScanProgress], None] | None = None,
    ) -> face.Emitting[OrgScanItem]:
        """Scan every principal of every account of the organization (or of the ``accounts``
        given, or of those under the ``ous``), entering each with the role ``assume_role``.
        Accounts given are looked up in Organizations (DescribeAccount, or one ListAccounts for
        more than 20), so a suspended one is skipped; when the caller may not ask, each is tried.

        Yields, in completion order, per principal an :class:`AccountScanResult` (the account
        and its :class:`~iamlast.advisor.ScanResult`), and per account ``AccountStarted``, then
        ``AccountDone`` or ``AccountFailed`` (a role that cannot be assumed, principals that
        cannot be listed: the other accounts go on), or an ``AccountSkipped`` (not ACTIVE, the
        management account with ``skip_management``, or done in ``resume``).

        ``rate_limit`` (requests/s), ``max_attempts`` and ``retry_mode`` are each account's
        client's own; ``concurrency`` principals per account; ``max_requests_in_flight`` bounds
        the requests of all accounts together (None: no bound). ``client_options`` adds
        constructor arguments by service (``{"sts": {"endpoint_url": ...}}``). With an
        ``executor``, the other accounts are scanned by :func:`iamlast.orgunit.scan_account`
        run on it, their results arriving per account; ``worker_credentials`` says how they get
        credentials (see :mod:`iamlast.orgunit`). Leaving the iteration stops everything.
        """
        from ._runtime.flows import Gate
        from ._runtime.flows.organization import OrgPlan, scan_organization
        from ._runtime.flows.scan import Discovery, ReportOptions

        args = Arguments("scan_organization")
        role = args.text("assume_role", assume_role)
        if isinstance(assume_role, str) and not re.match(ROLE_NAME, assume_role):
            args.problem(
                "assume_role",
                "pattern",
                f"is not a role name (with an optional path): {assume_role[:80]!r}",
            )
        listed = _ids(args, "accounts", accounts, ACCOUNT_ID, "a 12-digit account id")
        parents = _ids(args, "ous", ous, PARENT_ID, "an OU or root id")
        if listed is not None and parents is not None:
            args.problem("ous", "usage", "give accounts or ous, not both")
        which = Discovery(
            users=args.flag("users", users),
            roles=args.flag("roles", roles),
            groups=args.flag("groups", groups),
            policies=args.flag("policies", policies),
            skip_service_linked_roles=args.flag(
                "skip_service_linked_roles", skip_service_linked_roles
            ),
        )
        seconds = args.seconds("timeout", timeout)
        first, cap = (
            args.seconds("poll_delay", poll_delay),
            args.seconds("max_poll_delay", max_poll_delay),
        )
        if cap < first:
            args.problem(
                "max_poll_delay",
                "range",
                f"must be at least poll_delay ({first:g}), not {max_poll_delay!r}",
            )
        options = ReportOptions(
            granularity=args.choice("granularity", granularity, GRANULARITIES),
            with_entities=args.flag("with_entities", with_entities),
            polling=Polling(seconds, first, cap),
        )
        workers = args.whole("concurrency", concurrency, minimum=1)
        in_flight = args.whole("account_concurrency", account_concurrency, minimum=1)
        gate_size = args.optional_whole("max_requests_in_flight", max_requests_in_flight, minimum=1)
        rate = args.rate("rate_limit", rate_limit)
        attempts = args.optional_whole("max_attempts", max_attempts, minimum=1)
        mode = (
            None
            if retry_mode is None
            else args.choice("retry_mode", retry_mode, ("standard", "adaptive"))
        )
        skip_mgmt = args.flag("skip_management", skip_management)
        session = args.text("session_name", session_name)
        if isinstance(session_name, str) and not re.match(SESSION_NAME, session_name):
            args.problem(
                "session_name", "pattern", "must be 2 to 64 of letters, digits and +=,.@_-"
            )
        duration = args.optional_whole(
            "duration_seconds", duration_seconds, minimum=900, maximum=43200
        )
        creds_mode = args.choice("worker_credentials", worker_credentials, ("assumed", "worker"))
        if executor is not None and not callable(getattr(executor, "submit", None)):
            args.problem(
                "executor",
                "type",
                f"must be a concurrent.futures.Executor (with submit), not {type(executor).__name__}",
            )
        if resume is not None and not isinstance(resume, OrgScanCheckpoint):
            args.problem(
                "resume",
                "type",
                f"must be an OrgScanCheckpoint or None, not {type(resume).__name__}",
            )
        extra = client_options or {}
        if not isinstance(extra, Mapping) or any(
            k not in _SERVICES or not isinstance(v, Mapping) for k, v in extra.items()
        ):
            args.problem(
                "client_options",
                "type",
                "must map iam, sts or organizations to a mapping of client arguments",
            )
            extra = {}
        callback = args.callback("progress", progress)
        args.check()

        callers = _caller_options(self, extra)
        per_account = {
            k: v
            for k, v in (("max_rate", rate), ("max_attempts", attempts), ("retry_mode", mode))
            if v is not None
        }
        callers["iam"].update(per_account)

        def member_options(credentials: Any) -> dict[str, Any]:
            from ._runtime.credentials import Credentials

            own = {k: v for k, v in callers["iam"].items() if k not in ("credentials", "profile")}
            own["credentials"] = Credentials(
                credentials.access_key_id,
                credentials.secret_access_key,
                credentials.session_token,
                getattr(credentials, "expiration", None),
            )
            return own

        plan_extra: dict[str, Any] = {}
        unit = unit_options = decode = None
        if executor is not None:
            from .orgunit import decode_answer, scan_account

            unit, decode = scan_account, decode_answer
            unit_options = _unit_options(
                self, callers, per_account, which, options, workers, session, duration
            )
        return face.Emitting(
            scan_organization(
                OrgPlan(
                    role=role,
                    accounts=listed,
                    ous=parents,
                    skip_management=skip_mgmt,
                    which=which,
                    report_options=options,
                    concurrency=workers,
                    account_concurrency=in_flight,
                    gate=Gate(gate_size) if gate_size is not None else None,
                    caller_options=callers,
                    member_options=member_options,
                    session_name=session,
                    duration_seconds=duration,
                    skip_accounts=frozenset(resume.accounts) if resume else frozenset(),
                    skip_arns=frozenset(resume.arns) if resume else frozenset(),
                    progress=callback,
                    executor=executor,
                    unit=unit,
                    unit_options=unit_options,
                    decode=decode,
                    assume_in_worker=creds_mode == "worker",
                    extra=plan_extra,
                )
            )
        )


def _unit_options(
    client: Any,
    callers: dict[str, dict[str, Any]],
    per_account: dict[str, Any],
    which: Any,
    options: Any,
    workers: int,
    session: str,
    duration: int | None,
) -> Callable[[Any, list[str]], dict[str, Any]]:
    """The plain options :func:`~iamlast.orgunit.scan_account` gets for one account."""

    def build(credentials: Any, skip_arns: list[str]) -> dict[str, Any]:
        from .orgunit import PlainCredentials

        timeout = callers["iam"].get("timeout")
        endpoints = {"iam": client.endpoint_url}  # resolved here: workers need not share our config
        if "endpoint_url" in callers["sts"]:
            endpoints["sts"] = callers["sts"]["endpoint_url"]
        plain = None
        if credentials is not None:
            expiry = getattr(credentials, "expiration", None)
            plain = PlainCredentials(
                credentials.access_key_id,
                credentials.secret_access_key,
                credentials.session_token,
                expiry.isoformat() if expiry else None,
            )
        return {
            "region": client.region,
            "endpoints": endpoints,
            "credentials": plain,
            "timeout": getattr(timeout, "read", timeout) if timeout is not None else None,
            "call_timeout": callers["iam"].get("call_timeout"),
            **per_account,
            "session_name": session,
            "duration_seconds": duration,
            "skip_arns": skip_arns,
            "scan": {
                "users": which.users,
                "roles": which.roles,
                "groups": which.groups,
                "policies": which.policies,
                "skip_service_linked_roles": which.skip_service_linked_roles,
                "granularity": options.granularity,
                "with_entities": options.with_entities,
                "concurrency": workers,
                "timeout": options.polling.timeout,
                "poll_delay": options.polling.initial_delay,
                "max_poll_delay": options.polling.max_delay,
            },
        }

    return build
