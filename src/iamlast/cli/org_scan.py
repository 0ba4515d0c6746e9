"""``iamlast org-scan``: every account of the Organization in one scan, and ``iamlast scan
--account ID --assume-role NAME`` (one account, entered with a role: one job of a batch).

Output: ndjson and csv stream (each principal as it is done, with its ``account_id``; ndjson
also has a line per account when it ends — ``"record": "account"``); json and the table are
printed whole at the end, the table as a summary per account. ``--resume FILE`` reads an
earlier ``-o ndjson`` run: its principals that are ``ok`` and its accounts that are done are not
scanned again.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import click

from .documents import PrincipalScan, scan_principal
from .errors import EXIT_FAILURE, EXIT_OK, UsageProblem
from .options import GRANULARITY, Settings, common_options, level
from .output import SCAN_CSV, csv_text, ndjson_text, scan_line, scan_rows
from .scanning import kind_and_name
from .signals import Guard, Interrupted, interruptible
from .validate import check_account_id

if TYPE_CHECKING:
    import iamlast
    from iamlast.orgscan import OrgScanCheckpoint

__all__ = ["assumed_client", "org_scan"]

Doc = dict[str, Any]
ORG_CSV = ("account_id", *SCAN_CSV)


def assumed_client(settings: Settings, account: str, role: str) -> iamlast.Client:
    """An IAM client for ``account``, with the credentials of ``role`` assumed there with the
    settings' own (their profile, or the environment's chain)."""
    import iamlast
    from iamlast.errors import IamError
    from iamlast.sts import Client as StsClient

    from .errors import CliError

    with (
        settings.client() as caller,
        StsClient(profile=settings.profile, region=settings.region) as sts,
    ):
        arn = f"arn:aws:iam::{account}:role/{role}"
        try:
            c = sts.assume_role(role_arn=arn, role_session_name="iamlast-scan").credentials
        except IamError as exc:
            raise CliError(f"could not assume {arn}: {exc}") from exc
        if c is None:
            raise CliError(f"could not assume {arn}: AssumeRole returned no credentials")
        endpoint = settings.endpoint_url or caller.endpoint_url
        region = settings.region
    return iamlast.Client(
        credentials=(c.access_key_id, c.secret_access_key, c.session_token),
        endpoint_url=endpoint,
        region=region,
        max_attempts=settings.max_attempts,
        retry_mode=settings.retry_mode,
        max_rate=settings.rate_limit,
    )


# ---------------------------------------------------------------------- resume


def read_checkpoint(path: str) -> OrgScanCheckpoint:
    """The checkpoint an earlier ``org-scan -o ndjson`` (FILE) amounts to; a last line cut
    short is ignored, any other bad line is a usage error."""
    from iamlast.orgscan import OrgScanCheckpoint

    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"--resume {path}: cannot read it: {exc}") from None
    checkpoint = OrgScanCheckpoint()
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
            if value.get("record") == "account":
                if value["status"] == "done" and value["failed"] == 0:
                    checkpoint.accounts.add(str(value["account_id"]))
            elif value["ok"] is True:
                checkpoint.arns.add(str(value["arn"]))
        except (ValueError, AttributeError, KeyError, TypeError):
            if number != len(lines):  # the last line without a newline: cut short, not finished
                problems.append(f"line {number}: not an `iamlast org-scan -o ndjson` line")
    if problems:
        raise UsageProblem(f"--resume {path}: " + "; ".join(problems[:5]))
    return checkpoint


# ---------------------------------------------------------------------- output


@dataclass
class _Account:
    account_id: str
    name: str | None = None
    status: str = "scanning"
    note: str = ""
    principals: int = 0
    failed: int = 0
    with_unused: int = 0


@dataclass
class _Output:
    settings: Settings
    unused_days: int
    guard: Guard | None
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    accounts: dict[str, _Account] = field(default_factory=dict)
    principals: list[Doc] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    header: bool = False

    def _write(self, text: str) -> None:
        if self.guard is None:
            self.out.write(text)
            self.out.flush()
            return
        with self.guard.critical():  # a line is written whole or not at all
            self.out.write(text)
            self.out.flush()

    def _csv(self, rows: Iterable[Any]) -> str:
        head = "" if self.header else csv_text([ORG_CSV])
        self.header = True
        return head + csv_text(rows)

    def principal(self, item: Any) -> None:
        kind, name = kind_and_name(item.arn)
        doc = scan_principal(
            PrincipalScan(item.arn, kind, name, item.report, item.error), self.unused_days
        )
        doc = {"account_id": item.account_id, **doc}
        account = self.accounts.setdefault(item.account_id, _Account(item.account_id))
        account.principals += 1
        account.failed += 0 if doc["ok"] else 1
        account.with_unused += 1 if doc["unused_services"] else 0
        if self.settings.output == "ndjson":
            self._write(ndjson_text(scan_line(doc, self.unused_days)))
        elif self.settings.output == "csv":
            self._write(self._csv((item.account_id, *row) for row in scan_rows(doc)))
        else:
            self.principals.append(doc)

    def account(self, item: Any) -> None:
        account = self.accounts.setdefault(item.account_id, _Account(item.account_id))
        account.name = item.name or account.name
        if item.kind == "started":
            return
        error = getattr(item, "error", None)
        account.status = item.kind
        if item.kind == "skipped":
            account.note = item.reason + (f" ({item.status})" if item.status else "")
        elif error is not None:
            account.note = f"{item.stage}: {error}"
        record = {
            "record": "account",
            "account_id": item.account_id,
            "name": account.name,
            "status": item.kind,
            "reason": getattr(item, "reason", None),
            "stage": getattr(item, "stage", None),
            "error": None
            if error is None
            else {
                "type": type(error).__name__,
                "code": getattr(error, "code", None),
                "message": str(error),
            },
            "scanned": getattr(item, "scanned", 0),
            "failed": getattr(item, "failed", 0),
        }
        if self.settings.output == "ndjson" and getattr(item, "reason", None) != "done":
            # (an account done in the resumed run has its line there already)
            self._write(ndjson_text(record))
        elif self.settings.output == "csv" and item.kind != "done":
            message = account.note if item.kind == "failed" else f"skipped: {account.note}"
            self._write(
                self._csv([(item.account_id, "", "account", account.name, *[None] * 6, message)])
            )

    def document(self) -> Doc:
        return {
            "schema": "iamlast.org-scan.v1",
            "unused_days": self.unused_days,
            "accounts": [
                vars(a) for a in sorted(self.accounts.values(), key=lambda a: a.account_id)
            ],
            "principals": sorted(self.principals, key=lambda p: (p["account_id"], p["arn"])),
        }

    def summary(self, console: Any) -> None:
        from rich import box
        from rich.table import Table

        table = Table(
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            show_edge=False,
            title="Accounts",
            title_justify="left",
        )
        for column in ("Account", "Name", "Status", "Principals", "Failed", "With unused", "Note"):
            table.add_column(
                column,
                justify="right" if column in ("Principals", "Failed", "With unused") else "left",
            )
        for a in sorted(self.accounts.values(), key=lambda a: a.account_id):
            style = {"done": "green", "failed": "red", "skipped": "yellow"}.get(a.status, "")
            table.add_row(
                a.account_id,
                a.name or "",
                f"[{style}]{a.status}[/]" if style else a.status,
                str(a.principals),
                str(a.failed),
                str(a.with_unused),
                a.note,
            )
        console.print(table)

    def end(self, complete: bool) -> None:
        if not complete:
            return
        if self.settings.output == "csv" and not self.header:
            self._write(self._csv([]))
        elif self.settings.output == "json":
            self._write(json.dumps(self.document(), indent=2, ensure_ascii=False) + "\n")
        elif self.settings.output == "table":
            self.summary(self.settings.stdout())


# ---------------------------------------------------------------------- the command


def _close(items: Any) -> None:
    # Leaving the loop early (an interruption, a broken pipe) stops the scan.
    close = getattr(items, "close", None)
    if close is not None:
        close()


def _accounts(values: tuple[str, ...]) -> list[str] | None:
    found = [check_account_id(a.strip()) for v in values for a in v.split(",") if a.strip()]
    return list(dict.fromkeys(found)) or None


@click.command("org-scan")
@click.option(
    "--assume-role",
    required=True,
    metavar="NAME",
    help="The role to assume in each account (e.g. OrganizationAccountAccessRole).",
)
@click.option(
    "--ou",
    "ous",
    multiple=True,
    metavar="ID",
    help="Only the accounts under this OU (or root), recursively; repeatable.",
)
@click.option(
    "--accounts",
    "accounts",
    multiple=True,
    metavar="ID[,ID...]",
    help="Only these accounts (no Organizations calls); repeatable.",
)
@click.option(
    "--skip-management",
    is_flag=True,
    help="Do not scan the management account (it is listed as skipped).",
)
@click.option(
    "--resume", metavar="FILE", help="Skip what an earlier `-o ndjson` run (FILE) finished."
)
@click.option(
    "--account-concurrency",
    type=click.IntRange(1, 256),
    default=8,
    show_default=True,
    metavar="N",
    help="Accounts scanned at once.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    metavar="N",
    help="Report jobs at once in each account.",
)
@click.option(
    "--max-in-flight",
    type=click.IntRange(1, 4096),
    default=64,
    show_default=True,
    metavar="N",
    help="Requests in flight at once, all accounts together.",
)
@click.option(
    "--granularity",
    type=GRANULARITY,
    default="service",
    show_default=True,
    help="service or action.",
)
@click.option(
    "--unused-days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    metavar="N",
    help="A service not used in the last N days is unused.",
)
@common_options
def org_scan(
    settings: Settings,
    assume_role: str,
    ous: tuple[str, ...],
    accounts: tuple[str, ...],
    skip_management: bool,
    resume: str | None,
    account_concurrency: int,
    concurrency: int,
    max_in_flight: int,
    granularity: str,
    unused_days: int,
) -> int:
    """Scan every principal of every account of the AWS Organization (or of the --accounts, or
    under the --ou), assuming --assume-role in each; the management account is scanned with
    your own credentials. --rate-limit applies to each account. A suspended account is listed
    as skipped; one whose role cannot be assumed or whose principals cannot be listed is
    listed with its error, and the exit code is 1."""
    listed = _accounts(accounts)
    if listed and ous:
        raise UsageProblem("give --accounts or --ou, not both")
    checkpoint = read_checkpoint(resume) if resume is not None else None
    if checkpoint is not None and not settings.quiet:
        click.echo(
            f"iamlast: --resume {resume}: {len(checkpoint.arns)} principals and "
            f"{len(checkpoint.accounts)} accounts done, skipped",
            err=True,
        )
    complete = False
    with interruptible() as guard, settings.client() as client:
        out = _Output(settings, unused_days, guard)
        items = client.scan_organization(
            assume_role,
            accounts=listed,
            ous=list(ous) or None,
            skip_management=skip_management,
            account_concurrency=account_concurrency,
            concurrency=concurrency,
            max_requests_in_flight=max_in_flight,
            rate_limit=settings.rate_limit,
            max_attempts=settings.max_attempts,
            retry_mode=settings.retry_mode,
            granularity=level(granularity),
            resume=checkpoint,
        )
        try:
            for item in items:
                if item.kind == "result":
                    out.principal(item)
                else:
                    out.account(item)
            complete = True
        except Interrupted as exc:
            _close(items)
            done = sum(a.principals for a in out.accounts.values())
            click.echo(
                f"iamlast: interrupted by {exc.name}: {done} principals done"
                + (
                    "; run it again with --resume FILE (FILE: this output) to do the rest"
                    if settings.output == "ndjson"
                    else ""
                ),
                err=True,
            )
            return exc.exit_code
        finally:
            _close(items)
        out.end(complete)
    failed = [a for a in out.accounts.values() if a.status == "failed" or a.failed]
    if settings.output in ("ndjson", "csv") and not settings.quiet:
        out.summary(settings.stderr())
    return EXIT_FAILURE if failed else EXIT_OK
