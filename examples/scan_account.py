"""Scan every user and role of the account and list who has the most unused services.

    python examples/scan_account.py --days 90 --top 10

A principal that cannot be read (access denied, a failed job) is reported and the scan goes on.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import iamlast
from iamlast.advisor import ScanProgress


def show(progress: ScanProgress) -> None:
    if not sys.stderr.isatty():
        return
    total = progress.total if progress.total is not None else "?"
    print(
        f"\r  {progress.done}/{total} principals ({progress.failed} failed)",
        end="",
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    since = timedelta(days=args.days)

    rows: list[tuple[int, int, str]] = []
    failures: list[tuple[str, str]] = []
    with iamlast.Client(max_attempts=5, retry_mode="adaptive") as iam:
        for result in iam.scan(
            users=True,
            roles=True,
            groups=False,
            policies=False,
            concurrency=args.concurrency,
            progress=show,
        ):
            if result.report is None:
                failures.append((result.arn, str(result.error)))
                continue
            unused = result.report.unused(since)
            rows.append((len(unused), len(result.report.services), result.arn))
    if sys.stderr.isatty():
        print(file=sys.stderr)

    print(
        f"{len(rows)} principals scanned; the {args.top} with the most services unused "
        f"in {args.days} days:"
    )
    for unused_count, granted, arn in sorted(rows, reverse=True)[: args.top]:
        print(f"  {unused_count:>4} of {granted:<4} {arn}")
    for arn, error in failures:
        print(f"  could not scan {arn}: {error}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
