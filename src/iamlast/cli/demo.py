"""``iamlast demo``: iamlast's IAM emulator with a synthetic account, in-process, and the real
commands run against it. Nothing here talks to AWS or needs credentials."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

import click

from . import fetch
from .errors import EXIT_OK
from .options import Settings
from .output import VIEWS, emit
from .validate import parse_arn

if TYPE_CHECKING:
    from iamlast.testing import FakeIAM, SyntheticAccount

__all__ = ["DEMO_SEED", "FIRST_LINE", "LAST_LINE", "demo_account", "run_demo"]

DEMO_SEED = 7
FIRST_LINE = (
    "iamlast demo - SYNTHETIC DATA: a local IAM emulator plays a made-up AWS account "
    "({account}); nothing below comes from AWS."
)
LAST_LINE = (
    "That was SYNTHETIC data from iamlast's built-in emulator, not your AWS account. "
    "With AWS credentials configured, run `iamlast scan` or `iamlast report ARN` to see yours."
)
# Settings that would point the demo's client somewhere else, or at a profile that may not exist.
_DISTRACTIONS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE")


def demo_account() -> SyntheticAccount:
    """The small synthetic account the demo shows (the same every day, dates relative to today)."""
    from iamlast.testing import SyntheticAccount

    return SyntheticAccount.generate(
        DEMO_SEED, users=6, roles=12, groups=3, policies=6, bulk_policies=False
    )


def _showcase_user(account: SyntheticAccount) -> str:
    """A user with a readable report: the most services, up to 15."""
    users = sorted(account.users.values(), key=lambda u: u.name)
    sized = [(len(account.granted_services(u)), u.name, u.arn) for u in users]
    fitting = [s for s in sized if 0 < s[0] <= 15] or sized
    return max(fitting, key=lambda s: (s[0], s[1]))[2]


def _client(iam: FakeIAM, http: Any) -> Any:
    import iamlast

    return iamlast.Client(
        endpoint_url=iam.endpoint_url,
        region=iam.region,
        aws_access_key_id=iam.access_key_id,
        aws_secret_access_key=iam.secret_access_key,
        max_attempts=3,
        retry_mode="standard",
        http_client=http,
    )


def _isolate_from_aws_config() -> None:
    """The demo passes everything explicitly: no profile, config or credentials file of the
    user's may change (or break) it."""
    for name in _DISTRACTIONS:
        os.environ.pop(name, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull


def _command(settings: Settings, line: str) -> None:
    console = settings.stdout()
    console.print()
    console.print(f"$ {line}", style="bold cyan", markup=False, soft_wrap=True)


def run_demo() -> int:
    """Start the emulator in-process, run a report, a policies lookup and a scan, print them as
    the real commands would, and say plainly (first and last line) that the data is synthetic."""
    import httpx

    from iamlast.testing import FakeIAM

    settings = Settings(output="table")
    account = demo_account()
    click.echo(FIRST_LINE.format(account=account.account_id))
    _isolate_from_aws_config()
    started = time.monotonic()
    # Loopback only: no proxy from the environment may get in the way.
    with (
        FakeIAM(account, seed=DEMO_SEED, job_polls=0) as iam,
        httpx.Client(trust_env=False, timeout=30.0) as http,
    ):
        client = _client(iam, http)
        try:
            arn = _showcase_user(account)
            _command(settings, f"iamlast report {arn}")
            doc = fetch.report(
                client, settings, arn, granularity="service", unused_days=90, with_entities=False
            )
            emit(settings, doc, VIEWS["report"])

            stale = [s["namespace"] for s in doc["services"] if s["status"] != "used"][:4]
            if stale:
                _command(settings, f"iamlast policies {arn} {' '.join(stale)}")
                policies = fetch.policies(client, settings, parse_arn(arn), stale)
                emit(settings, policies, VIEWS["policies"])

            _command(settings, "iamlast scan")
            scan = fetch.scan(
                client, settings, types=fetch.SCAN_TYPES, concurrency=8, unused_days=90
            )
            emit(settings, scan, VIEWS["scan"])
        finally:
            client.close()
    settings.stdout().print()
    if not settings.quiet and settings.show_progress:
        click.echo(f"(demo ran in {time.monotonic() - started:.1f} s)", err=True)
    click.echo(LAST_LINE)
    return EXIT_OK
