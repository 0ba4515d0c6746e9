"""``iamlast org-scan`` and ``iamlast scan --account ID --assume-role NAME`` against the emulated
Organization: ndjson and csv streaming with the account on every line, a line per account,
--resume with no principal twice and none missing, the per-account summary table, the json
document, and bad input refused before any request."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from iamlast.cli import cli
from iamlast.testing import FakeOrganization

from ..workflow.org_support import (
    FAILED,
    LOG_ARCHIVE,
    MANAGEMENT,
    PROD,
    PRODUCTION_OU,
    ROLE,
    SCANNED,
    SUSPENDED,
    expected_arns,
    organization,
)
from .conftest import Outcome, clean_env, validate, validate_lines

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def org() -> Iterator[FakeOrganization]:
    with organization() as server:
        yield server


@pytest.fixture
def invoke(org: FakeOrganization, aws_env: pytest.MonkeyPatch) -> Callable[..., Outcome]:
    """The command in-process, its AWS environment pointed at the organization."""
    for key, value in org.env().items():
        aws_env.setenv(key, value)
    aws_env.setenv("COLUMNS", "200")
    runner = CliRunner()
    org.clear_log()

    def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Outcome:
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


def _want(org: FakeOrganization, accounts: tuple[str, ...] = SCANNED) -> set[tuple[str, str]]:
    return {(a, arn) for a in accounts for arn in expected_arns(org, a)}


def _principals(lines: list[Any]) -> Counter[tuple[str, str]]:
    return Counter((d["account_id"], d["arn"]) for d in lines if d.get("record") != "account")


def _accounts(lines: list[Any]) -> dict[str, Any]:
    return {d["account_id"]: d for d in lines if d.get("record") == "account"}


def test_ndjson_streams_every_principal_once_with_its_account_and_a_line_per_account(
    org: FakeOrganization, invoke: Callable[..., Outcome]
) -> None:
    out = invoke("org-scan", "--assume-role", ROLE, "-o", "ndjson")
    assert out.code == 1  # two accounts could not be entered
    lines = out.ndjson()
    validate_lines("org-scan", lines)
    counts = _principals(lines)
    assert set(counts.values()) == {1} and set(counts) == _want(org)
    assert all(d["ok"] for d in lines if d.get("record") != "account")
    accounts = _accounts(lines)
    assert {a for a, d in accounts.items() if d["status"] == "done"} == set(SCANNED)
    for account_id in FAILED:
        d = accounts[account_id]
        assert (d["status"], d["stage"], d["error"]["code"]) == (
            "failed",
            "assume_role",
            "AccessDenied",
        )
    assert (accounts[SUSPENDED]["status"], accounts[SUSPENDED]["reason"]) == (
        "skipped",
        "suspended",
    )
    # The summary table goes to stderr when the lines go to stdout.
    assert "Accounts" in out.stderr and "suspended (SUSPENDED)" in out.stderr
    assert org.calls(account=SUSPENDED) == 0


def test_resume_scans_the_rest_none_twice_none_missing(
    org: FakeOrganization, invoke: Callable[..., Outcome], tmp_path: Path
) -> None:
    full = invoke("org-scan", "--assume-role", ROLE, "-o", "ndjson", "--account-concurrency", "1")
    lines = full.stdout.splitlines(keepends=True)
    # An interrupted run: what came before a cut, the last line written only half.
    cut = next(
        n for n, line in enumerate(lines) if '"record":"account"' in line and '"done"' in line
    )
    kept = lines[: cut + 4]
    partial = tmp_path / "run.ndjson"
    partial.write_text("".join(kept) + lines[cut + 4][:40])
    org.clear_log()
    again = invoke("org-scan", "--assume-role", ROLE, "-o", "ndjson", "--resume", str(partial))
    assert "--resume" in again.stderr
    first = [json.loads(line) for line in kept]
    second = again.ndjson()
    counts = _principals(first + second)
    assert set(counts.values()) == {1} and set(counts) == _want(org)
    done_before = {a for a, d in _accounts(first).items() if d["status"] == "done"}
    assert done_before and all(org.calls(account=a, service="iam") == 0 for a in done_before)
    # Only what was not finished is asked for again.
    reported = sum(1 for d in first if d.get("record") != "account")
    assert org.calls("GenerateServiceLastAccessedDetails") == len(_want(org)) - reported


def test_resume_refuses_a_file_that_is_not_its_output(
    org: FakeOrganization, invoke: Callable[..., Outcome], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ndjson"
    bad.write_text("not json\n{}\n")
    out = invoke("org-scan", "--assume-role", ROLE, "--resume", str(bad))
    assert out.code == 2 and "line 1" in out.stderr
    assert org.calls() == 0


def test_csv_has_one_header_and_the_account_on_every_row(
    org: FakeOrganization, invoke: Callable[..., Outcome]
) -> None:
    out = invoke("org-scan", "--assume-role", ROLE, "-o", "csv", "--ou", PRODUCTION_OU)
    assert out.code == 0
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.stdout.count("account_id,") == 1
    assert org.calls("ListAccounts") == 0
    # A row per unused service (as `scan -o csv`): the principals with some, from the json.
    doc = invoke("org-scan", "--assume-role", ROLE, "-o", "json", "--ou", PRODUCTION_OU).json()
    assert {(p["account_id"], p["arn"]) for p in doc["principals"]} == _want(org, PROD)
    with_unused = {(p["account_id"], p["arn"]) for p in doc["principals"] if p["unused_services"]}
    assert with_unused and {(r["account_id"], r["arn"]) for r in rows} == with_unused


def test_table_is_a_summary_per_account(
    org: FakeOrganization, invoke: Callable[..., Outcome]
) -> None:
    out = invoke("org-scan", "--assume-role", ROLE, "--skip-management")
    assert out.code == 1
    table = out.stdout
    for header in ("Account", "Name", "Status", "Principals", "Failed", "With unused"):
        assert header in table
    rows = {line.split()[0]: line for line in table.splitlines() if line[:12].isdigit()}
    assert set(rows) == {*SCANNED, *FAILED, SUSPENDED}
    assert "skipped" in rows[MANAGEMENT] and "management" in rows[MANAGEMENT]
    assert "failed" in rows[LOG_ARCHIVE] and "assume_role" in rows[LOG_ARCHIVE]
    n = len(expected_arns(org, PROD[0]))
    assert rows[PROD[0]].split()[2:4] == ["done", str(n)]


def test_json_document_is_whole(org: FakeOrganization, invoke: Callable[..., Outcome]) -> None:
    given = f"{PROD[0]},{PROD[1]},{LOG_ARCHIVE}"
    out = invoke("org-scan", "--assume-role", ROLE, "-o", "json", "--accounts", given)
    assert out.code == 1  # LOG_ARCHIVE has no such role
    doc = out.json()
    validate("org-scan", doc)
    assert doc["schema"] == "iamlast.org-scan.v1"
    status = {a["account_id"]: a["status"] for a in doc["accounts"]}
    assert status == {PROD[0]: "done", PROD[1]: "done", LOG_ARCHIVE: "failed"}
    assert {(p["account_id"], p["arn"]) for p in doc["principals"]} == _want(org, PROD)
    # the accounts given are looked up (a suspended one would be skipped), not listed
    assert org.calls("DescribeAccount") == 3 and org.calls("ListAccounts") == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["org-scan"], "--assume-role"),
        (["org-scan", "--assume-role", "bad role"], "assume_role"),
        (["org-scan", "--assume-role", ROLE, "--ou", "ou-nope"], "ous[0]"),
        (["org-scan", "--assume-role", ROLE, "--accounts", "12,210987654321"], "'12'"),
        (
            ["org-scan", "--assume-role", ROLE, "--accounts", PROD[0], "--ou", PRODUCTION_OU],
            "not both",
        ),
        (
            ["org-scan", "--assume-role", ROLE, "--account-concurrency", "0"],
            "--account-concurrency",
        ),
        (["scan", "--account", PROD[0]], "go together"),
        (["scan", "--assume-role", ROLE], "go together"),
        (["scan", "--account", "2109", "--assume-role", ROLE], "'2109'"),
        (["scan", "--account", PROD[0], "--assume-role", "bad role"], "--assume-role"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    org: FakeOrganization, invoke: Callable[..., Outcome], args: list[str], said: str
) -> None:
    out = invoke(*args)
    assert out.code == 2, out
    assert said in out.stderr
    assert org.calls() == 0


# ---------------------------------------------------------------------- one account per job


@pytest.fixture
def job(org: FakeOrganization, tmp_path: Path) -> Callable[..., Outcome]:
    """The real console script, as a batch job runs it: a clean environment pointed at the
    organization (the job's own credentials: here the management account's)."""
    import subprocess

    from .conftest import IAMLAST

    env = clean_env(tmp_path / "home", org.env())

    def job(*args: str) -> Outcome:
        done = subprocess.run(
            [str(IAMLAST), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    return job


def test_scan_one_account_through_a_role_is_one_job(
    org: FakeOrganization, job: Callable[..., Outcome]
) -> None:
    org.clear_log()
    out = job("scan", "--account", PROD[1], "--assume-role", ROLE, "-o", "ndjson")
    assert out.code == 0, out.stderr
    lines = out.ndjson()
    assert {d["arn"] for d in lines} == expected_arns(org, PROD[1])
    assert org.calls(account=MANAGEMENT, service="iam") == 0  # all of it inside the account
    refused = job("scan", "--account", LOG_ARCHIVE, "--assume-role", ROLE, "-o", "ndjson")
    assert refused.code == 1 and refused.stdout == ""
    assert "AccessDenied" in refused.stderr and LOG_ARCHIVE in refused.stderr


def test_org_scan_console_script_streams_ndjson(
    org: FakeOrganization, job: Callable[..., Outcome]
) -> None:
    out = job("org-scan", "--assume-role", ROLE, "-o", "ndjson", "--accounts", PROD[0])
    assert out.code == 0, out.stderr
    assert set(_principals(out.ndjson())) == _want(org, (PROD[0],))
