"""What every line shares: the emulator process, summaries of repeated samples, result rows."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def child_env(*, bytecode: bool = True) -> dict[str, str]:
    """The environment of a measured subprocess: no AWS settings or config files that one side
    would read and the other not, and (``bytecode``) allowed to use and write ``.pyc`` files as
    an installed wheel does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(ROOT / "benchmarks" / "no-such-aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(ROOT / "benchmarks" / "no-such-aws-credentials")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    return env


class Emulator:
    """``python -m benchmarks.emulator ARGS`` in its own process, for a ``with`` block."""

    def __init__(self, **options: Any) -> None:
        self.args: list[str] = []
        for key, value in options.items():
            if value is not None:
                self.args += [f"--{key.replace('_', '-')}", str(value)]
        self.info: dict[str, Any] = {}
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Emulator:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.emulator", *self.args],
            cwd=ROOT,
            env=child_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            self._proc.wait(10)
            raise RuntimeError(f"the emulator did not start (exit {self._proc.returncode})")
        self.info = json.loads(line)
        return self

    def __exit__(self, *exc: object) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _command(self, command: str) -> str:
        assert self._proc is not None and self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        return self._proc.stdout.readline() if command == "counters" else ""

    def counters(self) -> dict[str, dict[str, int]]:
        """Requests the server saw since the last :meth:`clear`, by action/status/error/fault."""
        result: dict[str, dict[str, int]] = json.loads(self._command("counters"))
        return result

    def clear(self) -> None:
        """Reset the server's counters."""
        self._command("clear")

    @property
    def endpoint_url(self) -> str:
        return str(self.info["endpoint_url"])

    @property
    def arns(self) -> dict[str, Any]:
        return dict(self.info["arns"])

    def iamlast_kwargs(self) -> dict[str, Any]:
        """Client arguments for iamlast.Client / AsyncClient."""
        return {
            "endpoint_url": self.info["endpoint_url"],
            "region": self.info["region"],
            "aws_access_key_id": self.info["access_key_id"],
            "aws_secret_access_key": self.info["secret_access_key"],
        }

    def boto3_kwargs(self) -> dict[str, Any]:
        """Arguments for boto3.client("iam", ...) (and aiobotocore's create_client)."""
        return {
            "endpoint_url": self.info["endpoint_url"],
            "region_name": self.info["region"],
            "aws_access_key_id": self.info["access_key_id"],
            "aws_secret_access_key": self.info["secret_access_key"],
        }


@dataclass
class Stat:
    """Repeated samples of one measure: median and spread (min, max), raw samples kept."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median: how noisy the repetitions were."""
        m = self.median
        return (self.high - self.low) / m if m else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "min": self.low,
            "max": self.high,
            "spread": self.spread,
            "n": len(self.samples),
            "samples": self.samples,
        }


@dataclass
class Row:
    """One line of the table: a measure for iamlast against a reference (boto3, or a bound).

    ``ratio`` is median(value) / median(reference); ``target`` the most the ratio (or with
    ``target_kind="value"``, the median value itself) may be for PASS (``None``: information)."""

    line: str
    name: str
    unit: str
    value: Stat | None
    reference: Stat | None
    reference_label: str = "boto3"
    target: float | None = None
    target_kind: str = "ratio"
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.target_kind == "value":
            return None  # an absolute target: the reference is shown for scale only
        if self.value is None or self.reference is None or not self.reference.median:
            return None
        return self.value.median / self.reference.median

    @property
    def status(self) -> str:
        if self.skipped is not None:
            return "SKIP"
        measured = self.value.median if self.target_kind == "value" and self.value else self.ratio
        if self.target is None or measured is None:
            return "info"
        return "PASS" if measured <= self.target else "MISS"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "-"
        if self.target_kind == "value":
            return f"≤ {fmt(self.target, self.unit)}"
        return f"≤ {self.target:g}×"

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["value"] = self.value.as_json() if self.value else None
        out["reference"] = self.reference.as_json() if self.reference else None
        out["ratio"] = self.ratio
        out["status"] = self.status
        return out


def interleave(reps: int, sides: Sequence[tuple[str, Callable[[], Any]]]) -> dict[str, list[Any]]:
    """Run each side once per repetition, alternating which goes first, and collect what each
    returns: the same machine state (load, caches, server warmth) is shared out evenly."""
    out: dict[str, list[Any]] = {name: [] for name, _ in sides}
    for rep in range(reps):
        order = list(sides) if rep % 2 == 0 else list(reversed(sides))
        for name, run in order:
            out[name].append(run())
    return out


def fmt(value: float, unit: str) -> str:
    """A number in its unit, readable."""
    if unit == "s":
        if value < 1e-3:
            return f"{value * 1e6:.0f} µs"
        if value < 1:
            return f"{value * 1e3:.1f} ms"
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    return f"{value:.3g} {unit}"


def fmt_stat(stat: Stat | None, unit: str) -> str:
    if stat is None:
        return "-"
    if len(stat.samples) == 1:
        return fmt(stat.median, unit)
    return f"{fmt(stat.median, unit)} ±{stat.spread * 50:.0f}%"


def table(rows: Sequence[Row]) -> str:
    """The results as a plain-text table (spread shown as ± half the min-max range)."""
    header = ("line", "measure", "measured", "reference", "ratio", "target", "")
    body = []
    for r in rows:
        if r.skipped is not None:
            body.append((r.line, r.name, "-", "-", "-", "-", f"SKIP ({r.skipped})"))
            continue
        ref = fmt_stat(r.reference, r.unit)
        if r.reference_label != "boto3":
            ref = f"{ref} ({r.reference_label})"
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        target = r.target_text
        body.append((r.line, r.name, fmt_stat(r.value, r.unit), ref, ratio, target, r.status))
    widths = [max(len(str(x[i])) for x in [header, *body]) for i in range(len(header))]

    def render(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    lines = [render(header), render(["-" * w for w in widths])]
    lines += [render(b) for b in body]
    return "\n".join(lines)


def markdown(rows: Sequence[Row]) -> str:
    """The results as a Markdown table."""
    out = [
        "| line | measure | measured (median ± half range) | reference | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        if r.skipped is not None:
            out.append(f"| {r.line} | {r.name} | - | - | - | - | SKIP: {r.skipped} |")
            continue
        ref = fmt_stat(r.reference, r.unit)
        if r.reference_label != "boto3":
            ref = f"{ref} ({r.reference_label})"
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        target = r.target_text
        out.append(
            f"| {r.line} | {r.name} | {fmt_stat(r.value, r.unit)} | {ref} | {ratio} | {target} "
            f"| {r.status} |"
        )
    return "\n".join(out)
