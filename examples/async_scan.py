"""The same scan with AsyncClient: principals stream in while reports are generated, every
request of the scan shares one rate limit.

    python examples/async_scan.py --concurrency 16 --rate 10
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import timedelta

import iamlast


async def scan(concurrency: int, rate: float, days: int) -> int:
    never: Counter[str] = Counter()
    scanned = failed = 0
    async with iamlast.AsyncClient() as iam:
        async for result in iam.scan(concurrency=concurrency, rate_limit=rate):
            if not result.ok:
                failed += 1
                print(f"could not scan {result.arn}: {result.error}", file=sys.stderr)
                continue
            assert result.report is not None
            scanned += 1
            for service in result.report.unused(timedelta(days=days)):
                if service.last_authenticated is None:
                    never[service.namespace] += 1
    print(f"{scanned} principals scanned, {failed} failed.")
    print("Services most often granted and never used:")
    for namespace, count in never.most_common(10):
        print(f"  {namespace:<26} never used by {count} principals that are granted it")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second, all told")
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    return asyncio.run(scan(args.concurrency, args.rate, args.days))


if __name__ == "__main__":
    sys.exit(main())
