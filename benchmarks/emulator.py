"""The benchmark's emulator process: ``python -m benchmarks.emulator [options]``.

It runs FakeIAM in its own process, so that the server's CPU is never counted as a client's,
prints one JSON line (endpoint, credentials, the ARNs the benchmarks use) and serves until its
standard input closes — the harness holds the pipe, so the server dies with the harness. On
that pipe it also answers ``counters`` (requests by action, status, error, fault) and ``clear``.

The account is the seeded synthetic one without its default bulk policies, plus what the lines
need: a policy with ``--page-entities`` virtual entities (one full 1000-entity page), one with
``--stream-entities`` (generated per page, never materialised), a role granted ``--services``
services, and ``--principals`` roles for the scan. ``--propose-principals N`` instead serves a
whole generated account of N users, roles and groups (line 8); ``--accounts N`` instead serves a
FakeOrganization of N generated accounts of ``--account-principals`` principals each, every
account's IAM with its own ``--rate-limit`` bucket (line 9).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from iamlast.testing import FakeIAM, FakeOrganization, Faults, SyntheticAccount


def build_account(args: argparse.Namespace) -> tuple[SyntheticAccount, dict[str, object]]:
    """The account and the ARNs the harness needs from it."""
    arns: dict[str, object] = {}
    if args.propose_principals:
        # Line 8: a whole account of this many users, roles and groups, as generated.
        n = args.propose_principals
        users, groups = n * 3 // 10, max(2, n // 33)
        acct = SyntheticAccount.generate(
            args.seed, users=users, roles=n - users - groups, groups=groups, policies=25,
            bulk_policies=False,
        )
        everyone = [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]
        arns["propose_arns"] = [p.arn for p in everyone]
        return acct, arns
    acct = SyntheticAccount.generate(args.seed, bulk_policies=False)
    if args.page_entities:
        arns["page_policy"] = acct.add_bulk_policy("bench-page", args.page_entities).arn
    if args.stream_entities:
        arns["stream_policy"] = acct.add_bulk_policy("bench-stream", args.stream_entities).arn
    if args.services:
        services = acct.all_services()[: args.services]
        if len(services) < args.services:
            raise SystemExit(f"the catalogue has only {len(services)} services")
        arns["report_role"] = acct.add_role("bench-report-role", services=services).arn
    if args.principals:
        arns["scan_roles"] = [r.arn for r in acct.add_roles(args.principals, prefix="bench-scan")]
    return acct, arns


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--job-polls", type=int, default=0, help="polls a job stays IN_PROGRESS")
    parser.add_argument("--page-entities", type=int, default=0)
    parser.add_argument("--stream-entities", type=int, default=0)
    parser.add_argument("--services", type=int, default=0)
    parser.add_argument("--principals", type=int, default=0)
    parser.add_argument(
        "--propose-principals", type=int, default=0, help="an account of this many principals"
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every reply")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second")
    parser.add_argument("--burst", type=float, default=None, help="token bucket depth")
    parser.add_argument("--accounts", type=int, default=0, help="an organization of N accounts")
    parser.add_argument("--account-principals", type=int, default=40)
    parser.add_argument(
        "--account-shape", choices=("scan", "seeded"), default="scan",
        help="scan: each account's principals are roles granted four services, as line 5's; "
        "seeded: generated accounts (users, groups, policies, an administrator role granted "
        "every service: much larger reports)",
    )
    args = parser.parse_args(argv)
    if args.accounts:
        return _organization(args)

    acct, arns = build_account(args)
    faults = Faults(
        seed=args.seed, latency=args.latency, rate_limit=args.rate_limit, burst=args.burst
    )
    iam = FakeIAM(acct, seed=args.seed, job_polls=args.job_polls, faults=faults, log_limit=1000)
    iam.start()
    try:
        info = {
            "endpoint_url": iam.endpoint_url,
            "region": iam.region,
            "access_key_id": iam.access_key_id,
            "secret_access_key": iam.secret_access_key,
            "arns": arns,
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        # Commands, one a line, until the harness closes the pipe (or dies): "counters"
        # answers the request counts since the last "clear".
        for line in sys.stdin:
            command = line.strip()
            if command == "counters":
                counters = iam.counters()
                reply = {k: {str(key): n for key, n in v.items()} for k, v in counters.items()}
                sys.stdout.write(json.dumps(reply) + "\n")
                sys.stdout.flush()
            elif command == "clear":
                iam.clear_log()
    finally:
        iam.stop()
    return 0


def _org_counters(org: FakeOrganization) -> dict[str, dict[str, int]]:
    statuses: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    iam_ok: Counter[str] = Counter()
    services: Counter[str] = Counter()
    for r in org.requests:
        statuses[str(r.status)] += 1
        services[r.service] += 1
        if r.error_code:
            errors[r.error_code] += 1
        if r.service == "iam" and r.status == 200:
            iam_ok[r.account_id or "?"] += 1
    return {"statuses": dict(statuses), "errors": dict(errors), "iam_ok": dict(iam_ok),
            "services": dict(services)}


def _organization(args: argparse.Namespace) -> int:
    faults = Faults(seed=args.seed, latency=args.latency, rate_limit=args.rate_limit, burst=args.burst)
    if args.account_shape == "seeded":
        org = FakeOrganization.generate(
            args.accounts, seed=args.seed, principals=args.account_principals,
            job_polls=args.job_polls, faults=faults,
        )
    else:
        ids = ["123456789012"] + [f"{200000000000 + i:012d}" for i in range(1, args.accounts)]
        accounts = {}
        for i, account_id in enumerate(ids):
            acct = SyntheticAccount.generate(
                args.seed + i, account_id=account_id, users=0, roles=0, groups=0, policies=0,
                bulk_policies=False,
            )
            acct.add_role("OrganizationAccountAccessRole", services=["iam", "sts", "organizations"])
            acct.add_roles(args.account_principals - 1, prefix="bench-scan")
            accounts[account_id] = acct
        org = FakeOrganization(
            accounts, management_account=ids[0], seed=args.seed, job_polls=args.job_polls,
            faults=faults,
        )
    org.start()
    try:
        info: dict[str, Any] = {
            "endpoint_url": org.endpoint_url, "region": org.region,
            "access_key_id": org.access_key_id, "secret_access_key": org.secret_access_key,
            "arns": {}, "management_account": org.management_account,
            "accounts": sorted(org.members),
        }
        sys.stdout.write(json.dumps(info) + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            command = line.strip()
            if command == "counters":
                sys.stdout.write(json.dumps(_org_counters(org)) + "\n")
                sys.stdout.flush()
            elif command == "clear":
                org.clear_log()
    finally:
        org.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
