"""What a scan reads before it sends anything: the ARNs to scan (arguments, ``--arns-from``) and
an earlier run's ndjson (``--resume``). Every problem is found first and reported at once, by
argument or line number, as a usage error."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

import click

from .errors import UsageProblem
from .validate import parse_arn

__all__ = ["Resume", "read_arns", "read_resume"]

#: How many bad lines one error names before "and N more".
_SHOWN = 5
_KINDS = ("user", "role", "group", "policy")


def _raise(where: str, problems: Sequence[str]) -> None:
    shown = "; ".join(problems[:_SHOWN])
    more = len(problems) - _SHOWN
    raise UsageProblem(f"{where}: {shown}" + (f"; and {more} more" if more > 0 else ""))


def _read(name: str) -> tuple[str, str]:
    """(the text of file ``name`` or of stdin for ``-``, how to call it in a message)."""
    if name == "-":
        return sys.stdin.read(), "--arns-from - (stdin)"
    try:
        with open(name, encoding="utf-8") as f:
            return f.read(), f"--arns-from {name}"
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UsageProblem(f"--arns-from {name}: cannot read it: {reason}") from None


def _lines(text: str) -> Iterable[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith("#"):
            yield number, line


def read_arns(arguments: Sequence[str], arns_from: str | None) -> list[str]:
    """The ARNs of the arguments, then of ``arns_from`` (a file, ``-`` for stdin: one ARN a
    line, blank lines and ``#`` comment lines ignored), each checked to be an IAM user, role,
    group or policy ARN, in order, each once."""
    arns: list[str] = []
    problems = []
    for position, argument in enumerate(arguments, start=1):
        try:
            arns.append(parse_arn(argument, kinds=_KINDS).arn)
        except UsageProblem as exc:
            problems.append(f"argument {position}: {exc}")
    if problems:
        _raise("bad ARN arguments", problems)
    if arns_from is not None:
        text, where = _read(arns_from)
        for number, line in _lines(text):
            try:
                arns.append(parse_arn(line, kinds=_KINDS).arn)
            except UsageProblem as exc:
                problems.append(f"line {number}: {exc}")
        if problems:
            _raise(
                f"{where}: nothing was sent; {len(problems)} bad line{'s' if len(problems) > 1 else ''}",
                problems,
            )
    return list(dict.fromkeys(arns))


@dataclass
class Resume:
    """What an earlier run's ndjson says: the principals it finished (``"ok": true``) and the
    ones it has only errors for (to be scanned again)."""

    path: str
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    #: A last line cut short (a run killed mid-write), ignored.
    torn_line: int | None = None


def _scan_line(text: str) -> tuple[str, bool] | str:
    """(arn, ok) of one ndjson scan line, or why it is not one."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg})"
    if not isinstance(value, dict):
        return "not a JSON object"
    arn, ok = value.get("arn"), value.get("ok")
    if not isinstance(arn, str) or not isinstance(ok, bool) or "unused_services" not in value:
        return "not an `iamlast scan -o ndjson` line (it needs arn, ok and unused_services)"
    return arn, ok


def read_resume(path: str, stream: IO[str] | None = None) -> Resume:
    """Read ``path``, an earlier ``iamlast scan -o ndjson`` output. A principal is done when one
    of its lines says ``"ok": true``; one with only error lines is not."""
    try:
        f = stream if stream is not None else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise UsageProblem(f"--resume {path}: cannot read it: {exc.strerror or exc}") from None
    state = Resume(path)
    problems = []
    try:
        with f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"--resume {path}: not UTF-8 text ({exc.reason})") from None
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _scan_line(line)
        if isinstance(parsed, str):
            if number == len(lines):  # no newline after it: cut short, not finished
                state.torn_line = number
                continue
            problems.append(f"line {number}: {parsed}")
            continue
        arn, ok = parsed
        (state.done if ok else state.failed).add(arn)
    if problems:
        _raise(f"--resume {path}", problems)
    state.failed -= state.done
    return state


def echo_resume_note(state: Resume, quiet: bool) -> None:
    """Say on stderr what the resume file contributed."""
    if quiet:
        return
    note = f"iamlast: --resume {state.path}: {len(state.done)} principals done, skipped"
    if state.failed:
        note += f"; {len(state.failed)} with errors, scanned again"
    if state.torn_line is not None:
        note += f"; its last line ({state.torn_line}) was cut short and is ignored"
    click.echo(note, err=True)
