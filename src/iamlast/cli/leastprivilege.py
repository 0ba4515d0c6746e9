"""``iamlast propose``, ``iamlast apply`` and ``iamlast rollback``: least privilege from the
last-accessed data, as three separate steps (propose and review, apply, undo).

``propose`` writes nothing: a table of what goes and why and a diff per policy, or with
``-o json`` the plan itself (``iamlast.proposal.v1``, the schema shipped in
``iamlast/leastprivilege/schemas/``). ``apply PLAN`` and ``rollback RECORD`` are dry runs unless
``--yes``: they check that IAM still holds what the plan (or the apply) was made from and print
the writes they would make. With ``--yes`` they write, and the record of what was written
(``iamlast.apply-record.v1``) goes to ``--record FILE`` or to stdout as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import EXIT_FAILURE, EXIT_OK, CliError, UsageProblem, describe
from .options import Settings, common_options
from .progress import spinner
from .validate import parse_arn

if TYPE_CHECKING:
    from iamlast.leastprivilege import ApplyRecord, Proposal

__all__ = ["apply", "propose", "register", "rollback"]


def _formats(settings: Settings, command: str) -> None:
    if settings.output not in ("table", "json"):
        raise UsageProblem(f"{command} writes --output table or json, not {settings.output}")


def _read(path: str, what: str) -> str:
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read the {what} {path!r}: {exc}") from exc


def _load_proposal(path: str) -> Proposal:
    from iamlast.leastprivilege import Proposal

    text = _read(path, "plan")
    try:
        return Proposal.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageProblem(
            f"{path!r} is not an iamlast plan (write one with `iamlast propose ARN -o json`): {exc}"
        ) from exc


def _load_record(path: str) -> ApplyRecord:
    from iamlast.leastprivilege import ApplyRecord

    text = _read(path, "record")
    try:
        return ApplyRecord.from_json(text)
    except (ValueError, KeyError, TypeError) as exc:
        raise UsageProblem(
            f"{path!r} is not an iamlast apply record (`iamlast apply PLAN --yes` writes one): {exc}"
        ) from exc


def _write_record(record: ApplyRecord, target: str | None) -> None:
    text = record.dumps()
    if target is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(target).write_text(text, encoding="utf-8")
    except OSError as exc:
        # The writes are done: the record must not be lost with the error.
        sys.stdout.write(text)
        raise CliError(f"cannot write the record to {target!r} ({exc}); it is on stdout") from exc


def _drifted(exc: Any, what: str) -> CliError:
    lines = "; ".join(str(d) for d in exc.drifts)
    return CliError(f"IAM changed since {what}, so nothing was written: {lines}")


_RECORD = click.option(
    "--record",
    "record_path",
    metavar="FILE",
    help="Write the record of what was written here (default: stdout, as JSON).",
)
_YES = click.option("--yes", is_flag=True, help="Write to IAM (without it: a dry run).")


@click.command()
@click.argument("arns", nargs=-1, required=True, metavar="ARN...")
@click.option(
    "--unused-days",
    type=click.IntRange(1, 400),
    default=90,
    show_default=True,
    metavar="N",
    help="Take away what was not used in the last N days (at most 400, IAM's tracking period).",
)
@click.option("--exclude-tag", metavar="KEY", help="Principals carrying this tag stay as they are.")
@click.option(
    "--exclude-sid-prefix",
    default="NOREPO",
    show_default=True,
    metavar="PREFIX",
    help="Statements whose Sid starts with this stay as written.",
)
@click.option(
    "--shared",
    type=click.Choice(["trim", "fork", "report"]),
    default="trim",
    show_default=True,
    help="A customer-managed policy attached to several principals: trimmed to what all of "
    "them used, forked into one copy per principal, or only shown.",
)
@click.option(
    "--level",
    type=click.Choice(["action", "service"]),
    default="action",
    show_default=True,
    help="service: take away whole services only.",
)
@click.option(
    "--regions",
    metavar="LIST",
    help="The Regions the principals act in, comma-separated (default: every Region IAM "
    "tracks; name them when the account has enabled an opt-in Region IAM does not track).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    metavar="N",
    help="Reads to run at once.",
)
@common_options
def propose(
    settings: Settings,
    arns: tuple[str, ...],
    unused_days: int,
    exclude_tag: str | None,
    exclude_sid_prefix: str,
    shared: str,
    level: str,
    regions: str | None,
    concurrency: int,
) -> int:
    """Propose trimmed policies for each ARN (a role, user, group or customer-managed policy)
    from what it used in the last N days. Writes nothing.

    Prints, per principal, what goes and what stays and why, and a diff of each policy; with
    -o json, the plan to give to `iamlast apply`.
    """
    _formats(settings, "propose")
    checked = [parse_arn(a).arn for a in arns]
    named = None
    if regions is not None:
        named = [r.strip() for r in regions.split(",") if r.strip()]
        if not named:
            raise UsageProblem("--regions names at least one Region (or leave it out)")
    with (
        settings.client() as client,
        spinner(settings, f"Reading {len(checked)} principals and their reports"),
    ):
        proposal = client.propose(
            checked,
            unused_for=timedelta(days=unused_days),
            exclude_tag=exclude_tag,
            exclude_sid_prefix=exclude_sid_prefix or None,
            shared=shared,  # type: ignore[arg-type]
            level=level,  # type: ignore[arg-type]
            regions=named,
            concurrency=concurrency,
        )
    if settings.output == "json":
        sys.stdout.write(proposal.dumps())
        sys.stdout.flush()
    else:
        from .proposal_view import show_proposal

        show_proposal(settings.stdout(), proposal)
    return EXIT_OK


@click.command()
@click.argument("plan", metavar="PLAN")
@_YES
@_RECORD
@common_options
def apply(settings: Settings, plan: str, yes: bool, record_path: str | None) -> int:
    """Carry out PLAN (a file `iamlast propose -o json` wrote; - for stdin).

    Without --yes, a dry run: checks that IAM still holds what the plan was made from and prints
    the writes it would make. With --yes it makes them, in order, and writes the record of what
    each replaced (for `iamlast rollback`). If anything changed since the plan, nothing is
    written.
    """
    from iamlast.leastprivilege import ApplyFailedError, ProposalDriftError

    from .proposal_view import show_record, show_steps

    _formats(settings, "apply")
    proposal = _load_proposal(plan)
    steps = proposal.steps()
    with settings.client() as client:
        if not yes:
            with spinner(settings, "Checking IAM against the plan"):
                drifts = client.check_proposal(proposal)
            if drifts:
                raise _drifted(ProposalDriftError(drifts), "the plan was made")
            if settings.output == "json":
                doc = {"dry_run": True, "steps": [s.to_json() for s in steps]}
                sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
            else:
                show_steps(settings.stdout(), steps, f"dry run: {len(steps)} writes (run with --yes to make them)")
            return EXIT_OK
        try:
            with spinner(settings, f"Applying {len(steps)} steps"):
                record = client.apply(proposal)
        except ProposalDriftError as exc:
            raise _drifted(exc, "the plan was made") from exc
        except ApplyFailedError as exc:
            _write_record(exc.record, record_path)
            message, _ = describe(exc.cause)
            where = record_path or "stdout"
            raise CliError(
                f"apply stopped at step {len(exc.record.applied) + 1} of {len(steps)}: {message}; "
                f"the record of the {len(exc.record.applied)} steps done is on {where} "
                "(`iamlast rollback RECORD --yes` undoes them)"
            ) from exc
    _write_record(record, record_path)
    if record_path is not None and not settings.quiet:
        show_record(settings.stdout(), record, "applied")
    return EXIT_OK


@click.command()
@click.argument("record", metavar="RECORD")
@_YES
@click.option("--force", is_flag=True, help="Roll back even if IAM changed since the apply.")
@_RECORD
@common_options
def rollback(
    settings: Settings, record: str, yes: bool, force: bool, record_path: str | None
) -> int:
    """Undo the apply RECORD describes (a file `iamlast apply --yes` wrote; - for stdin):
    previous documents and default versions back, created policies deleted.

    Without --yes, a dry run printing the writes it would make.
    """
    from iamlast.leastprivilege import ProposalDriftError, RollbackFailedError, rollback_steps

    from .proposal_view import show_record, show_steps

    _formats(settings, "rollback")
    applied = _load_record(record)
    try:
        steps = rollback_steps(applied)
    except ValueError as exc:
        raise UsageProblem(f"{record!r} cannot be rolled back: {exc}") from exc
    if not yes:
        if settings.output == "json":
            doc = {"dry_run": True, "steps": [s.to_json() for s in steps]}
            sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            show_steps(settings.stdout(), steps, f"dry run: {len(steps)} writes (run with --yes to make them)")
        return EXIT_OK
    with settings.client() as client:
        try:
            with spinner(settings, f"Rolling back {len(applied.applied)} steps"):
                undone = client.rollback(applied, force=force)
        except ProposalDriftError as exc:
            lines = "; ".join(str(d) for d in exc.drifts)
            raise CliError(
                f"IAM changed since the apply, so nothing was written: {lines} "
                "(--force rolls back anyway)"
            ) from exc
        except RollbackFailedError as exc:
            _write_record(exc.record, record_path)
            message, _ = describe(exc.cause)
            raise CliError(
                f"rollback stopped at step {len(exc.record.applied) + 1} of {len(steps)}: {message}"
            ) from exc
    _write_record(undone, record_path)
    if record_path is not None and not settings.quiet:
        show_record(settings.stdout(), undone, "rolled back")
    return EXIT_FAILURE if not undone.complete else EXIT_OK


def register(group: click.Group) -> None:
    """Add the three commands to the ``iamlast`` group."""
    for command in (propose, apply, rollback):
        group.add_command(command)
