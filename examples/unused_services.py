"""Which services has a user, role or group not used lately, and which policies grant them?

    python examples/unused_services.py arn:aws:iam::123456789012:role/my-app --days 90

Credentials, region and endpoint come from the usual AWS places (AWS_PROFILE,
AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, AWS_ENDPOINT_URL_IAM, ...).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta

import iamlast
from iamlast.errors import AccessDeniedError, IamError, NoSuchEntityError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("arn", help="a user, role or group ARN")
    parser.add_argument("--days", type=int, default=90, help="unused = not used in this many days")
    args = parser.parse_args(argv)

    with iamlast.Client() as iam:
        try:
            report = iam.last_accessed(args.arn)
            unused = report.unused(since=timedelta(days=args.days))
            # Which policies grant each unused service (one call per 200 namespaces, all pages).
            granting = {
                entry.service_namespace: sorted({p.policy_name for p in entry.policies or []})
                for entry in iam.paginate_policies_granting_service_access(
                    args.arn, [s.namespace for s in unused]
                )
            }
        except NoSuchEntityError as exc:
            print(f"no such principal: {exc.message}", file=sys.stderr)
            return 1
        except AccessDeniedError as exc:
            print(f"not allowed: {exc.message}", file=sys.stderr)
            return 1
        except IamError as exc:
            print(f"failed: {exc}", file=sys.stderr)
            return 1

    print(
        f"{report.arn}: {len(report.services)} services granted, {len(unused)} not used in "
        f"{args.days} days (as of {report.as_of:%Y-%m-%d})"
    )
    for service in unused:
        when = (
            "never used"
            if service.last_authenticated is None
            else f"last used {service.last_authenticated:%Y-%m-%d}"
        )
        policies = ", ".join(granting.get(service.namespace, [])) or "?"
        print(f"  {service.namespace:<26} {when:<22} granted by {policies}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
