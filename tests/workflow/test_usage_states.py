"""One set of usage states and one cut-off (the report's as_of) everywhere: ServiceUsage,
ActionUsage, AccessReport and every CLI output agree; ScanResult narrows for mypy."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from iamlast.cli import documents
from iamlast.report import (
    AccessReport,
    ActionUsage,
    ServiceUsage,
    UsageStatus,
    usage_status,
)
from iamlast.testing import FakeIAM, SyntheticAccount

from .both import FAST

ROOT = Path(__file__).resolve().parents[2]
AS_OF = datetime(2020, 6, 1, tzinfo=UTC)  # years before the clock: the cut-off is as_of's


def _report() -> AccessReport:
    def action(name: str, days: int | None) -> ActionUsage:
        when = None if days is None else AS_OF - timedelta(days=days)
        return ActionUsage("s3", name, when, None, None, as_of=AS_OF)

    s3 = ServiceUsage(
        "s3",
        "Amazon S3",
        AS_OF - timedelta(days=3),
        actions=(
            action("GetObject", 3),
            action("PutObject", 366),
            action("DeleteObject", None),
            action("ListBucket", 90),
        ),
        as_of=AS_OF,
    )
    ec2 = ServiceUsage("ec2", "Amazon EC2", AS_OF - timedelta(days=200), as_of=AS_OF)
    sns = ServiceUsage("sns", "Amazon SNS", None, as_of=AS_OF)
    return AccessReport("arn:aws:iam::123456789012:role/r", "j", "ACTION_LEVEL", AS_OF, AS_OF, (s3, ec2, sns))


def test_the_four_states_over_a_window_ending_at_as_of() -> None:
    report = _report()
    s3 = report.service("s3")
    assert s3 is not None
    assert s3.action_status("s3:GetObject") is UsageStatus.USED
    assert s3.action_status("PutObject") is UsageStatus.UNUSED  # 366 days ago: before the window
    assert s3.action_status("s3:DeleteObject") is UsageStatus.NEVER_USED
    assert s3.action_status("s3:ListBucket") is UsageStatus.USED  # exactly at the window's start
    assert s3.action_status("iam:PassRole") is UsageStatus.NOT_TRACKED
    assert s3.action_status("s3:PutObject", timedelta(days=400)) is UsageStatus.USED
    # unused_actions and unused() cut off from as_of (2020), not from today's clock.
    assert {a.action_name for a in s3.unused_actions()} == {"PutObject", "DeleteObject"}
    assert {a.action_name for a in s3.unused_actions(timedelta(days=1))} == {
        "PutObject",
        "DeleteObject",
        "GetObject",
        "ListBucket",
    }
    assert [s.namespace for s in report.unused()] == ["ec2", "sns"]
    assert [s.namespace for s in report.used(timedelta(days=90))] == ["s3"]
    assert [s.namespace for s in report.never_used()] == ["sns"]
    assert [s.status for s in report.services] == [
        UsageStatus.USED,
        UsageStatus.UNUSED,
        UsageStatus.NEVER_USED,
    ]
    assert usage_status(AS_OF - timedelta(days=200), AS_OF, timedelta(days=365)) is UsageStatus.USED


@pytest.mark.parametrize("days", [1, 90, 366])
def test_cli_documents_say_what_the_sdk_says(days: int) -> None:
    report = _report()
    doc = documents.report_doc(report, days)
    window = timedelta(days=days)
    for service, printed in zip(report.services, doc["services"], strict=True):
        assert printed["status"] == service.status_for(window).value
        for action, line in zip(service.actions or (), printed["actions"] or (), strict=True):
            assert line["status"] == action.status_for(window).value
            assert line["status"] == report.service("s3").action_status(action.name, window).value  # type: ignore[union-attr]
    json.dumps(doc)


def test_every_cli_format_uses_the_same_states(tmp_path: Path) -> None:
    """``iamlast report`` json, ndjson and csv against the emulator: each status equals the
    SDK's for the same window."""
    from iamlast import Client

    with FakeIAM(SyntheticAccount.generate(4), job_polls=0) as iam:
        arn = iam.account.admin_role.arn
        with Client(**iam.iamlast_kwargs()) as client:
            report = client.last_accessed(arn, granularity="ACTION_LEVEL", **FAST)  # type: ignore[arg-type]
        from click.testing import CliRunner

        from iamlast.cli import cli

        (tmp_path / ".aws").mkdir()
        env = {**iam.env(), "HOME": str(tmp_path), "AWS_CONFIG_FILE": str(tmp_path / ".aws" / "none")}
        outputs = {}
        for fmt in ("json", "ndjson", "csv"):
            args = ["report", arn, "--granularity", "action", "--unused-days", "30", "-o", fmt]
            done = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
            assert done.exit_code == 0, done.output
            outputs[fmt] = done.stdout
    sdk = {s.namespace: s.status_for(timedelta(days=30)).value for s in report.services}
    printed = {s["namespace"]: s["status"] for s in json.loads(outputs["json"])["services"]}
    assert printed == sdk
    lines = [json.loads(line) for line in outputs["ndjson"].splitlines()]
    assert {line["namespace"]: line["status"] for line in lines} == sdk
    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert {row["namespace"]: row["status"] for row in rows} == sdk
    actions = {a.name: a.status_for(timedelta(days=30)).value for s in report.services for a in s.actions or ()}
    printed_actions = {
        a["action"]: a["status"]
        for s in json.loads(outputs["json"])["services"]
        for a in s["actions"] or ()
    }
    assert printed_actions == actions and actions


def test_scan_results_narrow_for_mypy(tmp_path: Path) -> None:
    snippet = tmp_path / "narrowing.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from datetime import timedelta

            import iamlast
            from iamlast.advisor import ScanResult


            def unused(result: ScanResult) -> list[str]:
                if result.ok:
                    return [s.namespace for s in result.report.unused(timedelta(days=90))]
                return [result.error.__class__.__name__]


            def with_client(client: iamlast.Client) -> int:
                total = 0
                for result in client.scan(["arn:aws:iam::123456789012:role/r"]):
                    if result.error is None:
                        total += len(result.report.services)
                return total
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(snippet)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
