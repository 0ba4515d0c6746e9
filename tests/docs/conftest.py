"""Docs-test fixtures: an emulator and a clean environment whose AWS_* variables point at it
(the convention the README's runnable blocks and the examples are written for)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from iamlast.testing import FakeIAM, SyntheticAccount

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def iam() -> Iterator[FakeIAM]:
    """One emulator per module (the blocks only read), completing jobs on the first poll, with
    a small account (alice, group Admins, ... are still there) so that scans are quick."""
    account = SyntheticAccount.generate(
        0, users=8, roles=12, groups=3, policies=6, bulk_policies=False
    )
    with FakeIAM(account, job_polls=0) as server:
        yield server


@pytest.fixture
def env(iam: FakeIAM, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "*",
        "LANG": "C.UTF-8",
        **iam.env(),
    }


def python(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the test interpreter (the project's venv) in a subprocess."""
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
