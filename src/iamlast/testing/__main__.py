"""``python -m iamlast.testing [--port P] [--seed S] [--host H]``: serve a FakeIAM until
interrupted, printing the endpoint and the credentials to use."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .account import SyntheticAccount
from .faults import Faults
from .server import FakeIAM


def main(argv: list[str] | None = None) -> int:
    """Run the emulator in the foreground."""
    parser = argparse.ArgumentParser(prog="python -m iamlast.testing", description="Serve a loopback IAM emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: a free one)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic account and faults")
    parser.add_argument("--job-polls", type=int, default=1, help="polls a job stays IN_PROGRESS")
    parser.add_argument("--page-cap", type=int, default=None, help="most items per page, whatever MaxItems says")
    parser.add_argument("--throttle-rate", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--no-verify", action="store_true", help="accept any signature")
    args = parser.parse_args(argv)

    iam = FakeIAM(
        SyntheticAccount.generate(args.seed), seed=args.seed, host=args.host, port=args.port,
        job_polls=args.job_polls, page_cap=args.page_cap, verify_signatures=not args.no_verify,
        faults=Faults(seed=args.seed, throttle_rate=args.throttle_rate, error_rate=args.error_rate),
    )
    iam.start()
    acct = iam.account
    print(f"FakeIAM listening on {iam.endpoint_url}", flush=True)
    print(f"  account {acct.account_id}: {len(acct.users)} users, {len(acct.roles)} roles, "
          f"{len(acct.groups)} groups, {len(acct.policies)} managed policies (seed {args.seed})")
    print("  credentials:")
    for key, value in iam.env().items():
        print(f"    export {key}={value}")
    print(f"  boto3:   boto3.client('iam', endpoint_url={iam.endpoint_url!r}, region_name={iam.region!r},")
    print(f"                        aws_access_key_id={iam.access_key_id!r}, aws_secret_access_key={iam.secret_access_key!r})")
    print(f"  AWS CLI: aws iam list-roles --endpoint-url {iam.endpoint_url}   (with the exports above)")
    print("Press Ctrl+C to stop.", flush=True)

    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        iam.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
