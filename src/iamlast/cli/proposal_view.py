"""How proposals, apply plans and records are shown to a person: per principal a table of what
goes and what stays and why, then a unified diff of each changed policy's pretty JSON."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from iamlast.leastprivilege import (
        ApplyRecord,
        Decision,
        PolicyChange,
        PolicyProposal,
        PrincipalProposal,
        Proposal,
        Step,
    )
    from iamlast.leastprivilege.errors import Drift

__all__ = ["diff", "show_proposal", "show_record", "show_steps", "step_line"]

#: Actions listed in one table cell before "+N more".
ACTIONS_SHOWN = 6
_OUTCOME = {"removed": ("removed", "red"), "kept": ("kept", "green")}
_STATUS = {
    "proposed": "bold yellow",
    "unchanged": "green",
    "skipped": "dim",
    "invalid": "bold red",
}


def _pretty(document: str | None) -> list[str]:
    if document is None:
        return []
    try:
        text = json.dumps(json.loads(document), indent=2, ensure_ascii=False)
    except ValueError:
        text = document
    return [line + "\n" for line in text.splitlines()]


def diff(change: PolicyChange) -> str:
    """A unified diff of the policy's pretty JSON, current → proposed (empty when unchanged)."""
    label = change.arn or change.name
    after_label = f"{label} (proposed)"
    if change.replacement_arn:
        after_label = f"{change.replacement_arn} (proposed copy)"
    if change.after is None:
        after_label = f"{label} (removed)"
    return "".join(
        difflib.unified_diff(
            _pretty(change.before), _pretty(change.after), f"{label} (current)", after_label
        )
    )


def _actions(actions: Sequence[str]) -> str:
    shown = ", ".join(actions[:ACTIONS_SHOWN])
    more = len(actions) - ACTIONS_SHOWN
    return shown + (f", … (+{more} more)" if more > 0 else "")


def _decisions_table(changes: Iterable[PolicyChange]) -> Table | None:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, expand=False)
    for column in ("Policy", "Outcome", "Actions", "Reason", "Why"):
        table.add_column(column, overflow="fold", no_wrap=column in ("Outcome", "Reason"))
    rows = 0
    for change in changes:
        ordered: list[Decision] = sorted(
            change.decisions, key=lambda d: (d.outcome.value != "removed", d.statement)
        )
        for d in ordered:
            label, style = _OUTCOME.get(d.outcome.value, (d.outcome.value, ""))
            table.add_row(
                change.name,
                Text(label, style=style),
                _actions(list(d.actions) or [d.entry or "(statement)"]),
                d.reason.value.replace("_", " "),
                d.detail,
            )
            rows += 1
    return table if rows else None


def _changed(change: PolicyChange) -> bool:
    return change.change.value not in ("unchanged", "reported")


def _heading(console: Console, what: str, status: str, extra: str = "") -> None:
    line = Text.assemble(
        Text(what, style="bold"), "  ", Text(status, style=_STATUS.get(status, ""))
    )
    if extra:
        line.append(f"  {extra}", style="dim")
    console.print(line)


def _principal(console: Console, p: PrincipalProposal) -> None:
    who = f"{p.principal.type.value} {p.principal.arn}"
    if p.status.value == "skipped":
        reason = p.reason.value.replace("_", " ") if p.reason else ""
        _heading(console, who, "skipped", f"{reason}: {p.detail}")
        return
    _heading(console, who, p.status.value, f"{len(p.steps)} steps" if p.steps else "")
    for problem in p.problems:
        console.print(Text(f"  problem: {problem}", style="red"))
    changed = [c for c in p.policies if _changed(c)]
    for c in p.policies:
        if c.change.value == "reported":
            why = f"from group {c.via_group}" if c.via_group else "; ".join(c.problems)
            console.print(Text(f"  {c.name}: shown, not changed ({why})", style="dim"))
    table = _decisions_table(changed)
    if table is not None:
        console.print(table)
    for c in changed:
        _diff(console, c)


def _policy(console: Console, p: PolicyProposal) -> None:
    what = f"policy {p.policy.arn} (attached to {len(p.attached_to)})"
    if p.status.value == "skipped":
        reason = p.reason.value.replace("_", " ") if p.reason else ""
        _heading(console, what, "skipped", f"{reason}: {p.detail}")
        return
    _heading(console, what, p.status.value, p.detail)
    if _changed(p.policy):
        table = _decisions_table([p.policy])
        if table is not None:
            console.print(table)
        _diff(console, p.policy)


def _diff(console: Console, change: PolicyChange) -> None:
    text = diff(change)
    if not text:
        return
    out = Text()
    for line in text.splitlines(keepends=True):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        if line.startswith(("+++", "---", "@@")):
            style = "bold"
        out.append(line, style=style)
    console.print(out, end="")


def show_proposal(console: Console, proposal: Proposal) -> None:
    """The whole proposal for a person to review."""
    console.print(
        Text(
            f"proposal: unused for {proposal.unused_for.days} days before "
            f"{proposal.as_of:%Y-%m-%d %H:%M} UTC; action catalog {proposal.catalog_version}; "
            f"{len(proposal.steps())} steps",
            style="bold",
        )
    )
    for p in proposal.principals:
        console.print()
        _principal(console, p)
    for q in proposal.policies:
        console.print()
        _policy(console, q)


def step_line(step: Step) -> str:
    """One step as a sentence."""
    who = f"{step.principal_type.value} {step.principal_name}" if step.principal_type else ""
    op = step.op.value
    if op == "put_inline_policy":
        return f"PutPolicy {step.policy_name} on {who} ({len(step.document or '')} characters)"
    if op == "delete_inline_policy":
        return f"DeletePolicy {step.policy_name} of {who}"
    if op == "create_policy_version":
        default = " as the default" if step.set_as_default else ""
        return f"CreatePolicyVersion of {step.policy_arn}{default}"
    if op == "delete_policy_version":
        return f"DeletePolicyVersion {step.version_id} of {step.policy_arn}"
    if op == "set_default_policy_version":
        return f"SetDefaultPolicyVersion {step.policy_arn} to {step.version_id}"
    if op == "create_policy":
        return f"CreatePolicy {step.path or '/'}{step.policy_name}"
    if op == "delete_policy":
        return f"DeletePolicy {step.policy_arn}"
    if op == "attach_policy":
        return f"AttachPolicy {step.policy_arn} to {who}"
    return f"DetachPolicy {step.policy_arn} from {who}"


def show_steps(console: Console, steps: Sequence[Step], title: str) -> None:
    """A numbered list of IAM writes."""
    console.print(Text(title, style="bold"))
    for i, step in enumerate(steps, 1):
        console.print(f"  {i:3}. {step_line(step)}")


def show_record(console: Console, record: ApplyRecord, what: str) -> None:
    """A summary of what an apply or rollback wrote."""
    state = "complete" if record.complete else f"stopped: {record.error}"
    console.print(Text(f"{what}: {len(record.applied)} steps carried out, {state}", style="bold"))
    for i, done in enumerate(record.applied, 1):
        console.print(f"  {i:3}. {step_line(done.step)}")


def drift_lines(drifts: Iterable[Drift]) -> list[str]:
    """One line per drift."""
    return [str(d) for d in drifts]
