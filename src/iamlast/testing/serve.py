"""The emulator as a foreground server: ``python -m iamlast.testing`` and ``iamlast fake-server``
are this one command, with this one set of options (argparse, so the library needs no click).

It serves a :class:`~iamlast.testing.FakeIAM` on loopback until Ctrl+C or SIGTERM, after
printing the endpoint, the credentials as ``export`` lines, and how to point iamlast, boto3 or
the AWS CLI at it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from .account import SyntheticAccount
from .faults import Faults
from .org_server import FakeOrganization
from .server import FakeIAM

__all__ = ["build_parser", "main", "make_server"]


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line, ``NAME: error: ...``, exit code 2."""

    error_name = ""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.error_name}: error: {message} (see '{self.prog} --help')\n")


def _number(kind: type[float] | type[int], low: float, high: float | None = None) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if kind is int else ' number'}") from None
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"{text} is out of range: expected {bounds}")
        return value

    return parse


_RATE = _number(float, 0.0, 1.0)
_SECONDS = _number(float, 0.0)
_COUNT = _number(int, 0)


def build_parser(prog: str = "python -m iamlast.testing", *, error_name: str | None = None) -> argparse.ArgumentParser:
    """The command's options (the same under both names)."""
    p = _Parser(
        prog=prog,
        description="Serve iamlast's IAM emulator (a SYNTHETIC account, not AWS) on loopback until "
        "Ctrl+C or SIGTERM. Prints the environment variables that point iamlast, boto3 or the AWS "
        "CLI at it.",
    )
    p.error_name = error_name or prog
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    p.add_argument("--port", type=_number(int, 0, 65535), default=0, help="TCP port (default: 0, any free port)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic account and of the faults: the same seed, the same account (default: %(default)s)")
    p.add_argument("--region", default="us-east-1", help="signing region the server expects (default: %(default)s)")
    p.add_argument("--temporary-credentials", action="store_true", help="hand out ASIA… keys with a session token")
    p.add_argument("--no-verify", action="store_true", help="accept any signature")

    a = p.add_argument_group("the synthetic account")
    a.add_argument("--users", type=_COUNT, default=25, metavar="N", help="users (default: %(default)s)")
    a.add_argument("--roles", type=_COUNT, default=40, metavar="N", help="roles, besides the fixed ones (default: %(default)s)")
    a.add_argument("--groups", type=_COUNT, default=6, metavar="N", help="groups (default: %(default)s)")
    a.add_argument("--policies", type=_COUNT, default=20, metavar="N", help="customer-managed policies (default: %(default)s)")
    a.add_argument("--no-bulk-policies", action="store_true", help="leave out the policies with 1,200 and 100,000 entities")
    a.add_argument("--organization", type=_number(int, 1), default=None, metavar="ACCOUNTS",
                   help="play an AWS Organization instead: IAM, STS and Organizations for ACCOUNTS accounts (1: the default "
                        "organization of seven, with a suspended account and one whose role cannot be assumed; more: that many "
                        "generated accounts), each with about --principals principals")
    a.add_argument("--principals", type=_number(int, 1), default=12, metavar="N", help="with --organization: principals per account (default: %(default)s)")

    j = p.add_argument_group("report jobs and pages")
    j.add_argument("--job-polls", type=_COUNT, default=1, metavar="N", help="polls a job answers IN_PROGRESS before it completes (default: %(default)s)")
    j.add_argument("--page-cap", type=_number(int, 1), default=None, metavar="N", help="most items on any page, whatever MaxItems says")
    j.add_argument("--max-org-reports", type=_number(int, 1), default=3, metavar="N", help="Organizations reports running at once before ReportGenerationLimitExceeded (default: %(default)s)")

    f = p.add_argument_group("faults (rates are probabilities per request, 0 to 1)")
    f.add_argument("--latency", type=_SECONDS, default=0.0, metavar="SECONDS", help="added to every response")
    f.add_argument("--jitter", type=_SECONDS, default=0.0, metavar="SECONDS", help="up to this much more, at random")
    f.add_argument("--throttle-rate", type=_RATE, default=0.0, metavar="P", help="400 Throttling")
    f.add_argument("--error-rate", type=_RATE, default=0.0, metavar="P", help="500 InternalFailure / 503 ServiceUnavailable")
    f.add_argument("--drop-rate", type=_RATE, default=0.0, metavar="P", help="connection closed without a response")
    f.add_argument("--truncate-rate", type=_RATE, default=0.0, metavar="P", help="response body cut short")
    f.add_argument("--slow-body", type=_RATE, default=0.0, metavar="P", help="half the body, a stall, then the rest")
    f.add_argument("--stall", type=_SECONDS, default=5.0, metavar="SECONDS", help="how long a slow body stalls (default: %(default)s)")
    f.add_argument("--rate-limit", type=_number(float, 0.001), default=None, metavar="RPS", help="token bucket: requests per second over it get Throttling")
    f.add_argument("--burst", type=_number(float, 1.0), default=None, metavar="N", help="token bucket depth (default: one second's worth)")
    return p


def make_server(args: argparse.Namespace) -> FakeIAM | FakeOrganization:
    """The (not yet started) emulator the parsed options describe."""
    if args.organization is not None:
        return _organization(args)
    account = SyntheticAccount.generate(
        args.seed, users=args.users, roles=args.roles, groups=args.groups, policies=args.policies,
        bulk_policies=not args.no_bulk_policies,
    )
    faults = Faults(
        seed=args.seed, throttle_rate=args.throttle_rate, error_rate=args.error_rate, latency=args.latency,
        jitter=args.jitter, drop_rate=args.drop_rate, truncate_rate=args.truncate_rate, slow_body=args.slow_body,
        stall=args.stall, rate_limit=args.rate_limit, burst=args.burst,
    )
    return FakeIAM(
        account, seed=args.seed, host=args.host, port=args.port, region=args.region,
        temporary_credentials=args.temporary_credentials, verify_signatures=not args.no_verify,
        job_polls=args.job_polls, page_cap=args.page_cap, max_org_reports=args.max_org_reports, faults=faults,
    )


def _organization(args: argparse.Namespace) -> FakeOrganization:
    faults = Faults(seed=args.seed, latency=args.latency, jitter=args.jitter, throttle_rate=args.throttle_rate,
                    error_rate=args.error_rate, rate_limit=args.rate_limit, burst=args.burst)
    options = {"seed": args.seed, "host": args.host, "port": args.port, "region": args.region, "job_polls": args.job_polls,
               "page_cap": args.page_cap, "faults": faults if faults.active else None, "verify_signatures": not args.no_verify}
    if args.organization == 1:
        return FakeOrganization.default(principals=args.principals, **options)
    return FakeOrganization.generate(args.organization, principals=args.principals, **options)


def _org_banner(org: FakeOrganization) -> list[str]:
    active = org.active_accounts()
    lines = [
        f"FakeOrganization listening on {org.endpoint_url}: a SYNTHETIC AWS Organization ({len(org.members)} accounts, "
        f"{len(active)} active, management account {org.management_account}); this is not AWS.",
        "  IAM, STS and Organizations all answer on this one endpoint; the keys below are the management account's.",
    ]
    if org.faults is not None and org.faults.active:
        lines.append(f"  faults, in every account's IAM: {_fault_summary(org.faults)}")
    lines += ["Point iamlast at it (in another shell):", "  unset AWS_PROFILE AWS_SESSION_TOKEN"]
    lines += [f"  export {key}={value}" for key, value in org.env().items()]
    lines += ["  iamlast org-scan --assume-role OrganizationAccountAccessRole", "Press Ctrl+C to stop."]
    return lines


def _fault_summary(f: Faults) -> str:
    parts = [f"{name} {value:g}" for name, value in (
        ("latency", f.latency), ("jitter", f.jitter), ("throttle-rate", f.throttle_rate),
        ("error-rate", f.error_rate), ("drop-rate", f.drop_rate), ("truncate-rate", f.truncate_rate),
        ("slow-body", f.slow_body),
    ) if value]
    if f.rate_limit is not None:
        parts.append(f"rate-limit {f.rate_limit:g}/s")
    return ", ".join(parts)


def _banner(iam: FakeIAM, seed: int) -> list[str]:
    acct = iam.account
    url = iam.endpoint_url
    lines = [
        f"FakeIAM listening on {url}: a SYNTHETIC IAM account (seed {seed}); this is not AWS.",
        f"  account {acct.account_id}: {len(acct.users)} users, {len(acct.roles)} roles, "
        f"{len(acct.groups)} groups, {len(acct.policies)} managed policies; "
        f"organization {acct.organization.root_path}",
    ]
    if iam.faults.active:
        lines.append(f"  faults: {_fault_summary(iam.faults)}")
    lines += ["Point iamlast, boto3 or the AWS CLI at it (in another shell):", "  unset AWS_PROFILE AWS_SESSION_TOKEN"]
    lines += [f"  export {key}={value}" for key, value in iam.env().items()]
    users = sorted(acct.users.values(), key=lambda u: u.name)
    if users:
        lines.append(f"  iamlast report {users[0].arn}")
    lines += [
        "  iamlast scan",
        f"  boto3.client('iam', endpoint_url={url!r}, region_name={iam.region!r}, "
        f"aws_access_key_id={iam.access_key_id!r}, aws_secret_access_key={iam.secret_access_key!r})",
        f"  aws iam list-roles --endpoint-url {url}   (the AWS CLI, with the exports above)",
        "Press Ctrl+C to stop.",
    ]
    return lines


def _wait_for_a_stop() -> None:
    done = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m iamlast.testing", error_name: str | None = None) -> int:
    """Parse the options, serve until Ctrl+C or SIGTERM; the exit code (0, 1 if the port cannot
    be had, 2 for a usage error)."""
    name = error_name or prog
    try:
        args = build_parser(prog, error_name=name).parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
    iam = make_server(args)
    try:
        iam.start()
    except OSError as exc:
        print(f"{name}: error: could not listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        banner = _org_banner(iam) if isinstance(iam, FakeOrganization) else _banner(iam, args.seed)
        print("\n".join(banner), flush=True)
        _wait_for_a_stop()
    finally:
        iam.stop()
    print(f"{type(iam).__name__} stopped.", file=sys.stderr)
    return 0
