"""The scripts in examples/ run against the emulator, configured only by AWS_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT, python

EXAMPLES = ROOT / "examples"

CASES = {
    "unused_services.py": (
        ["arn:aws:iam::123456789012:user/alice", "--days", "90"],
        ["services granted", "granted by"],
    ),
    "scan_account.py": (["--top", "3"], ["principals scanned", "arn:aws:iam::123456789012:"]),
    "async_scan.py": (
        ["--rate", "1000", "--concurrency", "16"],
        ["principals scanned", "never used by"],
    ),
    "org_report.py": (["o-a1b2c3d4e5/r-f6g7h8i9j0"], ["services allowed", "Least recently used"]),
}


def test_every_example_is_tested() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(name: str, env: dict[str, str], tmp_path: Path) -> None:
    args, expected = CASES[name]
    done = python([str(EXAMPLES / name), *args], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    for text in expected:
        assert text in done.stdout, done.stdout


def test_example_reports_a_missing_principal(env: dict[str, str], tmp_path: Path) -> None:
    done = python(
        [str(EXAMPLES / "unused_services.py"), "arn:aws:iam::123456789012:role/ghost"],
        env,
        tmp_path,
    )
    assert done.returncode == 1
    assert "no such principal" in done.stderr and "Traceback" not in done.stderr
