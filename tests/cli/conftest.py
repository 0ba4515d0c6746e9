"""CLI-test fixtures: an emulator per test, a clean AWS environment pointed at it, and two
ways to run the command — in-process through click's runner (``invoke``) and as the real
console script in a subprocess (``run``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from iamlast.cli import cli
from iamlast.cli.documents import load_schema
from iamlast.testing import FakeIAM

#: The installed console script, next to the interpreter running the tests.
IAMLAST = Path(sys.executable).with_name("iamlast")
ACCOUNT = "arn:aws:iam::123456789012"
ALICE = f"{ACCOUNT}:user/alice"
ADMINS = f"{ACCOUNT}:group/Admins"


@dataclass
class Outcome:
    """What one run of the command produced."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def ndjson(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


@pytest.fixture
def iam(fake_iam: FakeIAM) -> FakeIAM:
    """The emulator from iamlast's pytest plugin, completing jobs on the first poll."""
    fake_iam.job_polls = 0
    return fake_iam


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Nothing from the developer's shell: no AWS_* variables, an empty HOME, no metadata."""
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": "*",
        "LANG": "C.UTF-8",
        "COLUMNS": "160",
    }
    env.update(extra or {})
    return env


@pytest.fixture
def env(iam: FakeIAM, tmp_path: Path) -> dict[str, str]:
    """A clean environment whose AWS_* variables point at ``iam``."""
    return clean_env(tmp_path / "home", iam.env())


@pytest.fixture
def run(env: dict[str, str]) -> Callable[..., Outcome]:
    """``run("report", ARN, "-o", "json")``: the real console script in a subprocess."""

    def run(*args: str, env_: Mapping[str, str] | None = None, timeout: float = 60) -> Outcome:
        done = subprocess.run(
            [str(IAMLAST), *args],
            env=dict(env if env_ is None else env_),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def invoke(iam: FakeIAM, aws_env: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Outcome]:
    """``invoke("report", ARN)``: the same command in-process (click's runner), the AWS
    environment emptied (tests/conftest.py) and pointed at ``iam``."""
    for key, value in iam.env().items():
        aws_env.setenv(key, value)
    aws_env.setenv("COLUMNS", "160")
    runner = CliRunner()

    def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Outcome:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


def validate(command: str, document: Any) -> None:
    """Check a ``--output json`` document against the command's published schema."""
    jsonschema.Draft202012Validator(load_schema(command)).validate(document)


def validate_lines(command: str, lines: list[Any]) -> None:
    """Check ``--output ndjson`` lines against the schema's ``$defs/line``."""
    schema = load_schema(command)
    line_schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/line"}
    validator = jsonschema.Draft202012Validator(line_schema)
    for line in lines:
        validator.validate(line)


def one_error_line(outcome: Outcome) -> str:
    """The single ``iamlast: error: ...`` line on stderr (and no traceback anywhere)."""
    assert "Traceback" not in outcome.stderr + outcome.stdout
    lines = outcome.error_lines
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("iamlast: error: "), lines[0]
    return lines[0]
