"""``python -m benchmarks [--quick] [--only 1,2,...]``: iamlast against boto3 on the same
loopback emulator, printed as a table of ratios and written to benchmarks/results/<time>.json
(a full run also rewrites benchmarks/LATEST.md). ``make bench`` is the one way to run it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from . import cold_start, cpu_per_call, leastprivilege, orgscan, propose, report, scan, streaming
from .harness import ROOT, Emulator, Row, markdown, table


@dataclass(frozen=True)
class Sizes:
    """How much each line does: the issue's sizes, or tiny ones for the smoke test."""

    cold_reps: int = 9
    cpu_reps: int = 7
    cpu_calls: tuple[tuple[int, int], ...] = ((1000, 10), (100, 50))
    parse_reps: int = 7
    parse_n: int = 10
    report_services: int = 400
    report_reps: int = 3
    scan_principals: int = 1000
    scan_rate: float = 200.0
    scan_latency: float = 0.05
    scan_reps: int = 3
    stream_entities: int = 100_000
    stream_page: int = 1000
    stream_checkpoint: int = 10_000
    stream_reps: int = 1
    lp_policies: int = 200
    lp_reps: int = 5
    propose_principals: int = 500
    propose_rate: float = 200.0
    propose_latency: float = 0.05
    propose_reps: int = 3
    org_accounts: int = 50
    org_principals: int = 40
    org_rate: float = 20.0
    org_latency: float = 0.05
    org_reps: int = 3
    compile_first: bool = True
    warmup: bool = True


FULL = Sizes()
ALL_LINES = ("1", "2", "3", "4", "5", "6", "7", "8", "9")
QUICK = Sizes(
    cold_reps=1,
    cpu_reps=1,
    cpu_calls=((1000, 1), (100, 1)),
    parse_reps=1,
    parse_n=1,
    report_services=5,
    report_reps=1,
    scan_principals=8,
    scan_rate=400.0,
    scan_latency=0.005,
    scan_reps=1,
    stream_entities=1000,
    stream_page=100,
    stream_checkpoint=300,
    lp_policies=5,
    lp_reps=1,
    propose_principals=20,
    propose_rate=400.0,
    propose_latency=0.005,
    propose_reps=1,
    org_accounts=3,
    org_principals=4,
    org_rate=200.0,
    org_latency=0.005,
    org_reps=1,
    compile_first=False,
    warmup=False,
)


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out.stdout.strip() + (" (src modified)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in ("iamlast", "boto3", "botocore", "httpx", "lxml", "pydantic", "aiobotocore"):
        try:
            out[name] = version(name)
        except Exception:
            out[name] = "not installed"
    return out


_T0 = [time.perf_counter()]


def _say(text: str) -> None:
    now = time.perf_counter()
    print(f"[{now - _T0[0]:6.1f} s] {text}", file=sys.stderr, flush=True)


def run(sizes: Sizes, lines: set[str]) -> list[Row]:
    rows: list[Row] = []
    if lines & {"1", "2", "3", "4", "6"}:
        with Emulator(
            page_entities=1000,
            stream_entities=sizes.stream_entities if "6" in lines else None,
            services=sizes.report_services if "4" in lines else None,
        ) as em:
            if "1" in lines:
                _say("1. cold start ...")
                rows += cold_start.run(
                    em, reps=sizes.cold_reps, compile_first=sizes.compile_first, warmup=sizes.warmup
                )
            if "2" in lines:
                _say("2. client CPU per call ...")
                rows += cpu_per_call.cpu_per_call(
                    em, page_sizes=dict(sizes.cpu_calls), reps=sizes.cpu_reps, warmup=sizes.warmup
                )
            if "3" in lines:
                _say("3. parsing ...")
                rows += cpu_per_call.parsing(
                    em, size=1000, parses=sizes.parse_n, reps=sizes.parse_reps, warmup=sizes.warmup
                )
            if "4" in lines:
                _say("4. full report with entities ...")
                rows += report.run(em, reps=sizes.report_reps)
            if "6" in lines:
                _say("6. streaming memory ...")
                rows += streaming.run(
                    em,
                    entities=sizes.stream_entities,
                    page_size=sizes.stream_page,
                    checkpoint=sizes.stream_checkpoint,
                    reps=sizes.stream_reps,
                )
    if "5" in lines:
        _say("5. account scan ...")
        with Emulator(
            principals=sizes.scan_principals,
            latency=sizes.scan_latency,
            rate_limit=sizes.scan_rate,
            burst=sizes.scan_rate / 10,
        ) as em:
            rows += scan.run(
                em,
                reps=sizes.scan_reps,
                rate=sizes.scan_rate,
                latency=sizes.scan_latency,
                warmup=sizes.warmup,
            )
    if "7" in lines:
        _say("7. least privilege core ...")
        rows += leastprivilege.run(
            policies=sizes.lp_policies, reps=sizes.lp_reps, warmup=sizes.warmup
        )
    if "8" in lines:
        _say("8. least privilege proposals for a whole account ...")
        with Emulator(
            propose_principals=sizes.propose_principals,
            latency=sizes.propose_latency,
            rate_limit=sizes.propose_rate,
            burst=sizes.propose_rate / 10,
        ) as em:
            rows += propose.run(
                em,
                reps=sizes.propose_reps,
                rate=sizes.propose_rate,
                latency=sizes.propose_latency,
                warmup=sizes.warmup,
            )
    if "9" in lines:
        _say("9. organization scan ...")
        with Emulator(
            accounts=sizes.org_accounts,
            account_principals=sizes.org_principals,
            latency=sizes.org_latency,
            rate_limit=sizes.org_rate,
            burst=sizes.org_rate / 10,
        ) as em:
            rows += orgscan.run(
                em,
                accounts=sizes.org_accounts,
                principals=sizes.org_principals,
                reps=sizes.org_reps,
                rate=sizes.org_rate,
                latency=sizes.org_latency,
                warmup=sizes.warmup,
            )
    _say("done")
    return sorted(rows, key=lambda r: r.line)


def _wait_for_load(limit: float, patience: float) -> None:
    deadline = time.monotonic() + patience
    while (load := os.getloadavg()[0]) > limit and time.monotonic() < deadline:
        _say(f"load average {load:.2f} > {limit:g}: waiting")
        time.sleep(15)
    if os.getloadavg()[0] > limit:
        _say(f"load average still {os.getloadavg()[0]:.2f}: measuring anyway (see the JSON meta)")


def _notes(rows: list[Row]) -> list[str]:
    return [f"{r.line}. {r.name}: {r.notes}" for r in rows if r.notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness runs")
    parser.add_argument("--only", default=",".join(ALL_LINES), help="lines to run, e.g. 2,3")
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results",
        help="where the JSON results go",
    )
    parser.add_argument(
        "--max-load",
        type=float,
        default=None,
        help="first wait (up to --wait seconds) for the 1-minute load average "
        "to fall to this; other work on a 2-core machine skews wall times",
    )
    parser.add_argument("--wait", type=float, default=600.0)
    args = parser.parse_args(argv)
    lines = {x.strip() for x in args.only.split(",") if x.strip()}
    sizes = QUICK if args.quick else FULL
    if args.max_load is not None:
        _wait_for_load(args.max_load, args.wait)

    load_before = os.getloadavg()
    started = time.time()
    rows = run(sizes, lines)
    load_after = os.getloadavg()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    meta: dict[str, Any] = {
        "time": stamp,
        "quick": args.quick,
        "lines": sorted(lines),
        "commit": _git_commit(),
        "versions": _versions(),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": load_after,
        "seconds": time.time() - started,
        "sizes": sizes.__dict__,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(
        json.dumps({"meta": meta, "rows": [r.as_json() for r in rows]}, indent=2) + "\n"
    )

    load = f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    print(table(rows))
    print()
    print("\n".join(_notes(rows)))
    print(f"\n{meta['commit']} · {load} · {meta['seconds']:.0f} s · {path}")
    if not args.quick and lines == set(ALL_LINES):
        latest = ROOT / "benchmarks" / "LATEST.md"
        v = meta["versions"]
        latest.write_text(
            "# Latest `make bench`\n\n"
            f"{stamp}, commit {meta['commit']}; Python {v['python']}, boto3 {v['boto3']}, "
            f"botocore {v['botocore']}, httpx {v['httpx']}, aiobotocore: {v['aiobotocore']}; "
            f"{meta['cpus']} CPUs, {load}.\n\n"
            "Medians over interleaved repetitions (warm-ups excluded); ± is half the min–max "
            "range. Ratios are measured / reference.\n\n"
            + markdown(rows)
            + "\n\n"
            + "\n".join(f"- {n}" for n in _notes(rows))
            + "\n"
        )
        print(f"wrote {latest.relative_to(ROOT)}")
    elif not args.quick and (ROOT / "benchmarks" / "LATEST.md").exists():
        latest = ROOT / "benchmarks" / "LATEST.md"
        latest.write_text(_update_latest(latest.read_text(), rows, lines, meta, load))
        print(f"updated lines {', '.join(sorted(lines))} in {latest.relative_to(ROOT)}")
    return 0


def _update_latest(
    text: str, rows: list[Row], lines: set[str], meta: dict[str, Any], load: str
) -> str:
    """LATEST.md with the rows and notes of ``lines`` replaced by this (partial) run's, and a
    sentence saying when and on what commit they were measured."""
    out: list[str] = []
    new_rows = markdown(rows).splitlines()[2:]
    notes = [f"- {n}" for n in _notes(rows)]
    said = (
        f"Line{'s' if len(lines) > 1 else ''} {', '.join(sorted(lines))} measured on their own: "
        f"{meta['time']}, commit {meta['commit']}, {load}."
    )
    for line in text.splitlines():
        cells = line.split("|")
        if line.startswith("| ") and len(cells) > 2 and cells[1].strip() in lines:
            continue
        if line.startswith("- ") and line[2:].split(".", 1)[0] in lines:
            continue
        if line.startswith(said.split(":", 1)[0] + ":"):
            continue
        out.append(line)
    # Insert the new rows after the last table row whose line sorts before theirs.
    table = [
        n for n, line in enumerate(out) if line.startswith("| ") and not line.startswith("| line")
    ]
    key = min(int(x) for x in lines)
    at = (
        max(
            (
                n
                for n in table
                if out[n].split("|")[1].strip().isdigit() and int(out[n].split("|")[1]) < key
            ),
            default=table[-1] if table else len(out),
        )
        + 1
    )
    out[at:at] = new_rows
    while out and not out[-1].strip():
        out.pop()
    out += [*notes, "", said]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
