"""``iamlast scan``: its options, what it checks before sending anything, and how it ends (the
exit code and the line on stderr)."""

from __future__ import annotations

import click

from .errors import EXIT_FAILURE, EXIT_OK, UsageProblem
from .inputs import echo_resume_note, read_arns, read_resume
from .options import GRANULARITY, Settings, common_options, level
from .org_scan import assumed_client
from .scanning import SCAN_TYPES, ScanOutcome, ScanPlan, kind_and_name, run_scan
from .signals import interruptible
from .sinks import Writer, sink_for
from .validate import check_account_id, check_role_name

__all__ = ["UNUSED_DAYS", "scan"]

UNUSED_DAYS = click.option(
    "--unused-days",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    metavar="N",
    help="A service not used in the last N days (before the report's as-of time) is unused.",
)

_EPILOG = """\b
Output: ndjson and csv write each principal as soon as it is done (in the order they finish),
json and the table once at the end (sorted by type, then name). On Ctrl-C (SIGINT) or SIGTERM
the scan stops; with ndjson or csv every principal done so far is on stdout, whole, and stderr
says how many of how many; the exit code is 130 (SIGINT) or 143 (SIGTERM). json is printed
whole or not at all.

\b
Resuming: `--resume FILE` reads FILE, an earlier run's `-o ndjson` output. A principal is done
when one of its lines says "ok": true: it is neither scanned nor printed again. A principal whose
lines all have an error ("ok": false) is scanned again, as is any principal not in FILE. The
output holds only the principals this run scans; append it to the same file to keep one:
    iamlast scan --roles -o ndjson > roles.ndjson              # interrupted
    iamlast scan --roles -o ndjson --resume roles.ndjson >> roles.ndjson
(FILE is read whole before anything is written.) A principal scanned again after an error then
has two lines: the later one is its result. Discovered principals (no ARNs given) are listed
afresh and those done in FILE skipped; principals created since are scanned too.
"""


def _types_of(arns: list[str]) -> list[str]:
    kinds = {kind_and_name(a)[0] + "s" for a in arns}
    return [t for t in SCAN_TYPES if t in kinds] or list(SCAN_TYPES)


def _say_stop(settings: Settings, outcome: ScanOutcome, resume: str | None) -> None:
    assert outcome.interrupted is not None
    if outcome.total is None:  # stopped while the principals were still being listed
        done = f"{outcome.written} principals done (of how many was not known yet)"
    else:
        done = f"{outcome.written} of {outcome.total} principals done"
    if settings.output in ("ndjson", "csv"):
        tail = f"{done} and written to stdout"
        if settings.output == "ndjson":
            again = f"--resume {resume}" if resume else "--resume FILE (FILE: this output)"
            tail += f"; run the same scan with {again} to do the rest"
    else:
        tail = (
            f"{done}; nothing printed ({settings.output} is printed whole, at the end): "
            "-o ndjson or -o csv write each principal as it is done"
        )
    click.echo(f"iamlast: interrupted by {outcome.interrupted.name}: {tail}", err=True)


@click.command(epilog=_EPILOG)
@click.argument("arns", nargs=-1, metavar="[ARN]...")
@click.option(
    "--arns-from",
    metavar="FILE",
    help="Scan the ARNs in FILE (- for stdin): one a line; blank lines and lines starting "
    "with # are ignored. Every line is checked before anything is sent.",
)
@click.option("--users", is_flag=True, help="Scan the account's users.")
@click.option("--roles", is_flag=True, help="Scan its roles (service-linked roles are skipped).")
@click.option("--groups", is_flag=True, help="Scan its groups.")
@click.option("--policies", "policies_", is_flag=True, help="Scan its customer-managed policies.")
@click.option(
    "--resume",
    metavar="FILE",
    help="Skip the principals an earlier `-o ndjson` run (FILE) finished; those that failed "
    "in it are scanned again (see below).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    metavar="N",
    help="Report jobs to run at once (and as many policy lookups).",
)
@click.option(
    "--granularity",
    type=GRANULARITY,
    default="service",
    show_default=True,
    help="action (ACTION_LEVEL): also the tracked actions (s3, ec2, iam, lambda, …) of used "
    "services that were not used (unused_actions).",
)
@click.option(
    "--account",
    metavar="ID",
    help="Scan this account, entered with --assume-role (one account per job: see org-scan).",
)
@click.option(
    "--assume-role",
    metavar="NAME",
    help="With --account: the role to assume there with your credentials.",
)
@UNUSED_DAYS
@common_options
def scan(
    settings: Settings,
    arns: tuple[str, ...],
    arns_from: str | None,
    users: bool,
    roles: bool,
    groups: bool,
    policies_: bool,
    resume: str | None,
    concurrency: int,
    granularity: str,
    unused_days: int,
    account: str | None,
    assume_role: str | None,
) -> int:
    """The services each principal has not used in N days, and the policies that grant them.

    Scans the ARNs given (as arguments or with --arns-from), or else every principal of the
    account: its users, roles, groups and customer-managed policies (all four unless some of
    --users/--roles/--groups/--policies are chosen). A principal that cannot be scanned is
    listed with its error, the others are still reported, and the exit code is 1.
    """
    chosen = {"users": users, "roles": roles, "groups": groups, "policies": policies_}
    given = read_arns(arns, arns_from) if arns or arns_from is not None else None
    if given is not None and any(chosen.values()):
        raise UsageProblem(
            "give ARNs (arguments or --arns-from) or --users/--roles/--groups/--policies, not both"
        )
    if (account is None) != (assume_role is None):
        raise UsageProblem("--account and --assume-role go together")
    if account is not None and assume_role is not None:
        check_account_id(account)
        check_role_name(assume_role)
    state = read_resume(resume) if resume is not None else None
    types = _types_of(given) if given is not None else [t for t in SCAN_TYPES if chosen[t]]
    plan = ScanPlan(
        types=tuple(types or SCAN_TYPES),
        arns=given,
        skip=frozenset(state.done) if state is not None else frozenset(),
        unused_days=unused_days,
        concurrency=concurrency,
        granularity=level(granularity),
    )
    # From here a signal is ours: before the scan starts it ends the command (130 / 143) with
    # nothing written; during the scan see run_scan.
    make = (
        settings.client
        if account is None or assume_role is None
        else lambda: assumed_client(settings, account, assume_role)
    )
    with interruptible() as guard, make() as client:
        if state is not None:
            echo_resume_note(state, settings.quiet)
        writer = Writer(sink_for(settings, unused_days, plan.types), guard)
        outcome = run_scan(client, settings, plan, writer, guard)
    if outcome.interrupted is not None:
        _say_stop(settings, outcome, resume)
        return outcome.interrupted.exit_code
    if outcome.failed:
        if not settings.quiet:
            click.echo(
                f"iamlast: {outcome.failed} of {outcome.written} principals could not be "
                "scanned (their errors are in the output)",
                err=True,
            )
        return EXIT_FAILURE
    return EXIT_OK
