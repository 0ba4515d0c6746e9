"""Scanning every account of an AWS Organization: one flow for both clients.

The accounts come from Organizations (all of them, or those under some OUs) or from a list,
looked up in Organizations where the caller may (so a suspended account is skipped either way).
Each one to scan is entered by assuming a role in it with STS (the caller's own account is
scanned with the caller's credentials) and scanned on an IAM client of its own — its own rate
limit and retry quota — ``account_concurrency`` accounts at once, every request of every account
through one :class:`~iamlast._runtime.flows.Gate`. Or, with an executor, each account's scan is
a plain function run wherever the executor runs it (processes, a cluster), its results coming
back as plain data.

What comes out, in completion order: an :class:`AccountStarted` when an account's scan begins,
one :class:`AccountScanResult` per principal, then :class:`AccountDone` — or
:class:`AccountFailed` when the account could not be entered or its principals not listed (the
other accounts go on) — and an :class:`AccountSkipped` for each account not scanned (suspended,
the management account on request, or done in an earlier run). Nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeAlias

from ..errors import IamError, PaginationError
from . import Emit, Flow, Gate, Next, Offload, Send, Stream, With, emit_all, relay
from .scan import Discovery, ReportOptions, ScanResult, discover, report

if TYPE_CHECKING:
    from ..report import AccessReport

__all__ = [
    "AccountDone",
    "AccountEvent",
    "AccountFailed",
    "AccountScanResult",
    "AccountSkipped",
    "AccountStarted",
    "Member",
    "OrgPlan",
    "OrgScanItem",
    "OrgScanProgress",
    "account_principals",
    "scan_organization",
]

#: Pages of one Organizations listing read before PaginationError (a server that never ends).
MAX_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class Member:
    """An account to consider: its id, and what Organizations says of it (None for a given list)."""

    account_id: str
    name: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class AccountScanResult:
    """One principal's outcome (:class:`~iamlast.advisor.ScanSuccess` or ``ScanFailure``) in
    ``account_id``."""

    kind: ClassVar[Literal["result"]] = "result"
    account_id: str
    result: ScanResult

    @property
    def arn(self) -> str:
        return self.result.arn

    @property
    def ok(self) -> bool:
        return self.result.ok

    @property
    def report(self) -> AccessReport | None:
        return self.result.report

    @property
    def error(self) -> IamError | None:
        return self.result.error


@dataclass(frozen=True)
class AccountStarted:
    """The scan of ``account_id`` began."""

    kind: ClassVar[Literal["started"]] = "started"
    account_id: str
    name: str | None = None


@dataclass(frozen=True)
class AccountSkipped:
    """``account_id`` was not scanned: ``reason`` is ``"suspended"`` (not ACTIVE in
    Organizations; ``status`` says what it is), ``"management"`` (``skip_management``) or
    ``"done"`` (finished in the run being resumed)."""

    kind: ClassVar[Literal["skipped"]] = "skipped"
    account_id: str
    reason: Literal["suspended", "management", "done"]
    name: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class AccountFailed:
    """``account_id`` could not be scanned (whole): at ``stage`` ``"assume_role"`` (STS refused),
    ``"discover"`` (its principals could not be listed; ``scanned`` principals were reported
    before that) or ``"executor"`` (the executor could not run its scan)."""

    kind: ClassVar[Literal["failed"]] = "failed"
    account_id: str
    stage: Literal["assume_role", "discover", "executor"]
    error: Exception
    name: str | None = None
    scanned: int = 0
    failed: int = 0


@dataclass(frozen=True)
class AccountDone:
    """Every principal of ``account_id`` was reported: ``scanned`` of them, ``failed`` with an
    error."""

    kind: ClassVar[Literal["done"]] = "done"
    account_id: str
    scanned: int
    failed: int
    name: str | None = None


AccountEvent: TypeAlias = AccountStarted | AccountSkipped | AccountFailed | AccountDone
#: What ``scan_organization`` yields; ``item.kind`` tells which.
OrgScanItem: TypeAlias = AccountScanResult | AccountEvent


@dataclass(frozen=True)
class OrgScanProgress:
    """Where an organization scan is, after ``last`` (an item just handed over): accounts
    finished (done, failed or skipped) of ``accounts_total`` (None until the accounts are
    listed), and the principals reported so far in all and in ``last``'s account."""

    accounts_finished: int
    accounts_failed: int
    accounts_total: int | None
    principals: int
    principals_failed: int
    account_id: str
    account_principals: int
    last: OrgScanItem


@dataclass(frozen=True)
class OrgPlan:
    """Everything a scan needs, checked by the method that builds it (library side: it knows the
    clients' options and the unit function)."""

    role: str
    accounts: tuple[str, ...] | None
    ous: tuple[str, ...] | None
    skip_management: bool
    which: Discovery
    report_options: ReportOptions
    concurrency: int
    account_concurrency: int
    gate: Gate | None
    #: Options of the caller's own clients (its credentials), by service: iam, sts, organizations.
    caller_options: dict[str, dict[str, Any]]
    #: The IAM client options for an account entered with ``credentials`` (a response model).
    member_options: Callable[[Any], dict[str, Any]]
    session_name: str = "iamlast-scan"
    duration_seconds: int | None = None
    partition: str = "aws"
    skip_accounts: frozenset[str] = frozenset()
    skip_arns: frozenset[str] = frozenset()
    progress: Callable[[OrgScanProgress], None] | None = None
    executor: Any = None
    #: The picklable unit, its plain options for one account, and the decoder of its answer.
    unit: Callable[[str, str | None, dict[str, Any]], dict[str, Any]] | None = None
    unit_options: Callable[[Any, list[str]], dict[str, Any]] | None = None
    decode: Callable[[str, str | None, dict[str, Any]], list[OrgScanItem]] | None = None
    assume_in_worker: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def role_arn(self, account_id: str) -> str:
        return f"arn:{self.partition}:iam::{account_id}:role/{self.role}"


# ---------------------------------------------------------------------- Organizations


def _token_pages(operation: str, kwargs: dict[str, Any], key: str) -> Flow[list[Any]]:
    """Every item of a NextToken listing (a token seen twice is an error, not a loop)."""
    items: list[Any] = []
    token: str | None = None
    seen: set[str] = set()
    for pages in range(1, MAX_PAGES + 1):
        page = yield Send(operation, {**kwargs, "next_token": token} if token else dict(kwargs))
        items.extend(getattr(page, key, None) or ())
        token = getattr(page, "next_token", None)
        if not token:
            return items
        if token in seen:
            raise PaginationError(
                f"{operation} returned a NextToken it had returned before",
                operation=operation,
                marker=token,
                pages=pages,
            )
        seen.add(token)
    raise PaginationError(
        f"{operation} was still paging after {MAX_PAGES} pages",
        operation=operation,
        marker=token,
        pages=MAX_PAGES,
    )


def _member(account: Any) -> Member:
    # ``State`` (ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ...) replaces the deprecated
    # ``Status``: an account is scanned only when neither says anything but ACTIVE, so a response
    # that carries only one of them (or a state IAM adds later) is still read right.
    said = [getattr(v, "value", v) for v in (account.state, account.status) if v is not None]
    inactive = [v for v in said if v != "ACTIVE"]
    status = inactive[0] if inactive else (said[0] if said else None)
    return Member(account.id, getattr(account, "name", None), status)


def _listed(ous: tuple[str, ...] | None) -> Flow[tuple[str, list[Member]]]:
    """(the management account, the accounts) from Organizations: all, or under ``ous``."""
    described = yield Send("DescribeOrganization", {})
    management: str = described.organization.master_account_id
    if ous is None:
        found = yield from _token_pages("ListAccounts", {}, "accounts")
        return management, [_member(a) for a in found]
    members: dict[str, Member] = {}
    todo, visited = list(ous), set()
    while todo:  # depth first, each OU once
        parent = todo.pop(0)
        if parent in visited:
            continue
        visited.add(parent)
        found = yield from _token_pages("ListAccountsForParent", {"parent_id": parent}, "accounts")
        for account in found:
            members.setdefault(account.id, _member(account))
        children = yield from _token_pages(
            "ListOrganizationalUnitsForParent", {"parent_id": parent}, "organizational_units"
        )
        todo[:0] = [child.id for child in children]
    return management, list(members.values())


#: A given list up to this long is looked up account by account (DescribeAccount); a longer one
#: by listing the organization's accounts once (ListAccounts).
DESCRIBE_EACH = 20


def _given(accounts: tuple[str, ...], caller: str) -> Flow[tuple[str, list[Member]]]:
    """(the management account, the accounts) for a given list, with what Organizations says of
    each, so a suspended one is skipped as when listed. When Organizations cannot say (the caller
    is neither its management account nor a delegated administrator, or is in no organization)
    the accounts are taken as given, each one tried, and the caller's account counts as the
    management account; an account Organizations does not know is tried too."""
    try:
        described = yield Send("DescribeOrganization", {})
    except IamError:
        return caller, [Member(a) for a in accounts]
    management: str = described.organization.master_account_id
    known: dict[str, Member] = {}
    try:
        if len(accounts) <= DESCRIBE_EACH:
            for account_id in accounts:
                try:
                    found = yield Send("DescribeAccount", {"account_id": account_id})
                except IamError as exc:
                    if getattr(exc, "code", None) == "AccountNotFoundException":
                        continue
                    raise
                if found.account is not None:
                    known[account_id] = _member(found.account)
        else:
            wanted = set(accounts)
            for account in (yield from _token_pages("ListAccounts", {}, "accounts")):
                if account.id in wanted:
                    known[account.id] = _member(account)
    except IamError:  # refused part way: what is not known is tried
        pass
    return management, [known.get(a) or Member(a) for a in accounts]


def _caller_account() -> Flow[str]:
    identity = yield Send("GetCallerIdentity", {})
    account: str = identity.account
    return account


def _assume(plan: OrgPlan, account_id: str) -> Flow[Any]:
    kwargs: dict[str, Any] = {
        "role_arn": plan.role_arn(account_id),
        "role_session_name": plan.session_name,
    }
    if plan.duration_seconds is not None:
        kwargs["duration_seconds"] = plan.duration_seconds
    response = yield Send("AssumeRole", kwargs)
    if response.credentials is None:  # None means "the caller's own": never for another account
        raise IamError(f"AssumeRole into {account_id} returned no credentials")
    return response.credentials


# ---------------------------------------------------------------------- one account


def account_principals(
    member: Member,
    which: Discovery,
    options: ReportOptions,
    *,
    concurrency: int,
    skip_arns: frozenset[str] = frozenset(),
) -> Flow[None]:
    """Emits one account's results, then AccountDone (or AccountFailed if listing failed); the
    principals in ``skip_arns`` are neither scanned nor reported. Run on the account's client
    (by :func:`scan_organization`, and by the unit an executor runs)."""

    def keep(arn: Any) -> Iterable[Any]:
        return () if arn in skip_arns else (arn,)

    source = relay(discover(which), keep) if skip_arns else discover(which)
    handle = yield Stream(
        source, lambda arn: report(arn, options), limit=concurrency, buffer=concurrency
    )
    scanned = failed = 0
    try:
        while (completed := (yield Next(handle))) is not None:
            result: ScanResult = completed.value
            scanned += 1
            failed += 0 if result.ok else 1
            yield Emit(AccountScanResult(member.account_id, result))
    except IamError as exc:  # the listing failed: what was handed over is reported above
        yield Emit(AccountFailed(member.account_id, "discover", exc, member.name, scanned, failed))
        return
    yield Emit(AccountDone(member.account_id, scanned, failed, member.name))


def _principals(member: Member, plan: OrgPlan) -> Flow[None]:
    return account_principals(
        member,
        plan.which,
        plan.report_options,
        concurrency=plan.concurrency,
        skip_arns=plan.skip_arns,
    )


def _entered(member: Member, plan: OrgPlan, caller: str) -> Flow[Any]:
    """The credentials to scan ``member`` with (None: the caller's own account), or an
    AccountFailed emitted and the sentinel False returned."""
    if member.account_id == caller:
        return None
    try:
        credentials = yield With(
            "sts", plan.caller_options["sts"], _assume(plan, member.account_id), gate=plan.gate
        )
    except IamError as exc:
        yield Emit(AccountFailed(member.account_id, "assume_role", exc, member.name))
        return False
    return credentials


def _account(member: Member, plan: OrgPlan, caller: str) -> Flow[None]:
    yield Emit(AccountStarted(member.account_id, member.name))
    local = plan.executor is None or member.account_id == caller
    credentials: Any = None
    if local or not plan.assume_in_worker:
        credentials = yield from _entered(member, plan, caller)
        if credentials is False:
            return
    if local:  # the caller's own account never leaves this process with its credentials
        options = (
            plan.caller_options["iam"] if credentials is None else plan.member_options(credentials)
        )
        yield With("iam", options, _principals(member, plan), gate=plan.gate)
        return
    assert plan.unit is not None and plan.unit_options is not None and plan.decode is not None
    marker = f":{member.account_id}:"
    skip = sorted(a for a in plan.skip_arns if marker in a)
    role = plan.role if plan.assume_in_worker else None
    try:
        answer = yield Offload(
            plan.executor,
            plan.unit,
            (member.account_id, role, plan.unit_options(credentials, skip)),
        )
    except Exception as exc:  # the executor could not run it (a worker died, a pickling error)
        yield Emit(AccountFailed(member.account_id, "executor", exc, member.name))
        return
    for item in plan.decode(member.account_id, member.name, answer):
        yield Emit(item)


# ---------------------------------------------------------------------- the organization


def _skipped(member: Member, plan: OrgPlan, management: str) -> AccountSkipped | None:
    if member.status is not None and member.status != "ACTIVE":
        return AccountSkipped(member.account_id, "suspended", member.name, member.status)
    if plan.skip_management and member.account_id == management:
        return AccountSkipped(member.account_id, "management", member.name, member.status)
    if member.account_id in plan.skip_accounts:
        return AccountSkipped(member.account_id, "done", member.name, member.status)
    return None


class _Tally:
    def __init__(self, plan: OrgPlan, total: int) -> None:
        self.plan = plan
        self.total = total
        self.finished = self.failed = self.principals = self.principals_failed = 0
        self.per_account: dict[str, int] = {}

    def add(self, item: OrgScanItem) -> None:
        if isinstance(item, AccountScanResult):
            self.principals += 1
            self.principals_failed += 0 if item.ok else 1
            self.per_account[item.account_id] = self.per_account.get(item.account_id, 0) + 1
        elif not isinstance(item, AccountStarted):
            self.finished += 1
            self.failed += 1 if isinstance(item, AccountFailed) else 0
        if self.plan.progress is not None:
            self.plan.progress(
                OrgScanProgress(
                    self.finished,
                    self.failed,
                    self.total,
                    self.principals,
                    self.principals_failed,
                    item.account_id,
                    self.per_account.get(item.account_id, 0),
                    item,
                )
            )


def scan_organization(plan: OrgPlan) -> Flow[None]:
    """Emits every :data:`OrgScanItem` of the organization's scan (see the module docs)."""
    caller = yield With("sts", plan.caller_options["sts"], _caller_account())
    if plan.accounts is not None:
        management, members = yield With(
            "organizations", plan.caller_options["organizations"], _given(plan.accounts, caller)
        )
    else:
        management, members = yield With(
            "organizations", plan.caller_options["organizations"], _listed(plan.ous)
        )
    tally = _Tally(plan, len(members))
    todo = []
    for member in members:
        skipped = _skipped(member, plan, management)
        if skipped is None:
            todo.append(member)
            continue
        tally.add(skipped)
        yield Emit(skipped)
    if not todo:
        return
    handle = yield Stream(
        emit_all(todo),
        lambda member: _account(member, plan, caller),
        limit=plan.account_concurrency,
        buffer=plan.account_concurrency,
        flat=True,
    )
    while (completed := (yield Next(handle))) is not None:
        item: OrgScanItem = completed.value
        tally.add(item)
        yield Emit(item)
