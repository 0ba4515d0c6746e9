"""Which services do the accounts under an AWS Organizations path never use? (Run it with the
management account's credentials.)

    python examples/org_report.py o-a1b2c3d4e5/r-f6g7h8i9j0/ou-a1b2-c3d4e5f6
"""

from __future__ import annotations

import argparse
import sys

import iamlast
from iamlast.errors import IamError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entity_path", help="o-ORGID/r-ROOTID[/ou-...][/ACCOUNT]")
    args = parser.parse_args(argv)

    with iamlast.Client() as iam:
        try:
            # Generates the report (waiting while too many run), waits for it, reads every page.
            report = iam.organizations_report(
                args.entity_path, sort_key="LAST_AUTHENTICATED_TIME_ASCENDING"
            )
        except IamError as exc:
            print(f"failed: {exc}", file=sys.stderr)
            return 1

    never = report.never_accessed()
    print(
        f"{report.entity_path} (as of {report.as_of:%Y-%m-%d}): "
        f"{report.number_of_services_accessible} services allowed, {len(never)} never used"
    )
    for detail in never:
        print(f"  {detail.service_namespace:<26} {detail.service_name}")
    used = [d for d in report.access_details if d.last_authenticated_time is not None]
    if used:
        oldest = used[0]
        print(
            f"Least recently used: {oldest.service_namespace}, last "
            f"{oldest.last_authenticated_time:%Y-%m-%d} by {oldest.entity_path}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
