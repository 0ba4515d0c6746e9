"""``iamlast scan``'s inputs and knobs, in-process: ARNs as arguments and from a file, --resume
(what counts as done), --granularity, --rate-limit, --max-attempts / --retry-mode and their
environment variables."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from iamlast.testing import FakeIAM

from .conftest import ACCOUNT, ADMINS, ALICE, Outcome, one_error_line, validate, validate_lines

Invoke = Callable[..., Outcome]
BOB = f"{ACCOUNT}:user/bob"


def _arns(out: Outcome) -> list[str]:
    return [line["arn"] for line in out.ndjson()]


def _generated(iam: FakeIAM) -> list[str]:
    return [
        r.params["Arn"] for r in iam.requests if r.action == "GenerateServiceLastAccessedDetails"
    ]


# ----------------------------------------------------------------------------------- ARNs


def test_arns_as_arguments_each_once(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("scan", ALICE, ADMINS, ALICE, "-o", "json")
    assert out.code == 0, out.stderr
    doc = out.json()
    validate("scan", doc)
    assert doc["types"] == ["users", "groups"]
    assert [p["arn"] for p in doc["principals"]] == [ALICE, ADMINS]
    assert sorted(_generated(iam)) == sorted([ALICE, ADMINS])
    assert iam.calls("ListUsers") == iam.calls("ListRoles") == 0  # nothing discovered


def test_arns_or_type_flags_not_both(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("scan", ALICE, "--roles")
    assert out.code == 2
    assert "not both" in one_error_line(out)
    assert iam.calls() == 0


def test_bad_arguments_are_named(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("scan", ALICE, "arn:aws:s3:::bucket", "alice")
    assert out.code == 2
    line = one_error_line(out)
    assert "argument 2: malformed ARN 'arn:aws:s3:::bucket'" in line
    assert "argument 3: malformed ARN 'alice'" in line
    assert iam.calls() == 0


def test_arns_from_a_file(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    listing = tmp_path / "arns.txt"
    listing.write_text(f"# the users\n  {ALICE}  \n\n   # bob too\n{BOB}\n{ALICE}\n")
    out = invoke("scan", "--arns-from", str(listing), ADMINS, "-o", "ndjson")
    assert out.code == 0, out.stderr
    validate_lines("scan", out.ndjson())
    assert sorted(_arns(out)) == sorted([ADMINS, ALICE, BOB])


def test_arns_from_a_file_every_bad_line(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    listing = tmp_path / "arns.txt"
    bad = [f"{ACCOUNT}:user/alice/", "arn:aws:iam::aws:user/x", *[f"junk{i}" for i in range(6)]]
    listing.write_text("\n".join([ALICE, *bad]) + "\n")
    out = invoke("scan", "--arns-from", str(listing))
    assert out.code == 2
    line = one_error_line(out)
    assert f"--arns-from {listing}: nothing was sent; 8 bad lines: line 2: malformed ARN" in line
    assert "line 3: malformed ARN 'arn:aws:iam::aws:user/x': only AWS-managed policies" in line
    assert line.endswith("; and 3 more")
    assert iam.calls() == 0


def test_arns_from_a_missing_file(invoke: Invoke, tmp_path: Path) -> None:
    out = invoke("scan", "--arns-from", str(tmp_path / "nope.txt"))
    assert out.code == 2
    assert "cannot read it: No such file or directory" in one_error_line(out)


def test_an_empty_list_scans_nothing(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    listing = tmp_path / "arns.txt"
    listing.write_text("# nothing today\n")
    out = invoke("scan", "--arns-from", str(listing), "-o", "csv")
    assert out.code == 0, out.stderr
    assert out.stdout.startswith("arn,type,name,") and out.stdout.count("\n") == 1
    assert iam.calls() == 0


# --------------------------------------------------------------------------------- --resume


def test_resume_skips_done_and_scans_failed_again(
    invoke: Invoke, iam: FakeIAM, tmp_path: Path
) -> None:
    iam.fail_jobs(ALICE)
    first = invoke("scan", "--users", "-o", "ndjson")
    assert first.code == 1
    users = _arns(first)
    assert not next(line for line in first.ndjson() if line["arn"] == ALICE)["ok"]
    saved = tmp_path / "users.ndjson"
    saved.write_text(first.stdout)

    iam.jobs.failures.clear()
    iam.clear_log()
    again = invoke("scan", "--users", "-o", "ndjson", "--resume", str(saved))
    assert again.code == 0, again.stderr
    assert _arns(again) == [ALICE] and again.ndjson()[0]["ok"]
    assert _generated(iam) == [ALICE]
    note = (
        f"--resume {saved}: {len(users) - 1} principals done, skipped; 1 with errors, scanned again"
    )
    assert note in again.stderr

    # Appended, the file is complete: a third run has nothing left to do.
    saved.write_text(first.stdout + again.stdout)
    iam.clear_log()
    third = invoke("scan", "--users", "-o", "ndjson", "--resume", str(saved))
    assert third.code == 0 and third.stdout == ""
    assert _generated(iam) == []


def test_resume_with_arns(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    first = invoke("scan", ALICE, "-o", "ndjson")
    saved = tmp_path / "part.ndjson"
    saved.write_text(first.stdout)
    iam.clear_log()
    out = invoke("scan", ALICE, BOB, "-o", "ndjson", "--resume", str(saved))
    assert out.code == 0, out.stderr
    assert _arns(out) == [BOB] and _generated(iam) == [BOB]


def test_resume_ignores_a_torn_last_line(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    first = invoke("scan", ALICE, BOB, "-o", "ndjson")
    lines = first.stdout.splitlines()
    saved = tmp_path / "part.ndjson"
    saved.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])  # killed mid-line
    out = invoke("scan", ALICE, BOB, "-o", "ndjson", "--resume", str(saved))
    assert out.code == 0, out.stderr
    assert _arns(out) == [json.loads(lines[1])["arn"]]
    assert "its last line (2) was cut short and is ignored" in out.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"arn": "x", "ok": true, "unused_services": []}\nnot json\n{}\n', "line 2: not JSON"),
        ("[1, 2]\n", "line 1: not a JSON object"),
        ('{"arn": "x", "namespace": "s3"}\n', "line 1: not an `iamlast scan -o ndjson` line"),
    ],
)
def test_resume_refuses_what_is_not_a_scan(
    invoke: Invoke, iam: FakeIAM, tmp_path: Path, content: str, message: str
) -> None:
    saved = tmp_path / "other.ndjson"
    saved.write_text(content)
    out = invoke("scan", "--resume", str(saved))
    assert out.code == 2
    assert f"--resume {saved}: {message}" in one_error_line(out)
    assert iam.calls() == 0


def test_resume_missing_file(invoke: Invoke, iam: FakeIAM, tmp_path: Path) -> None:
    out = invoke("scan", "--resume", str(tmp_path / "nope.ndjson"))
    assert out.code == 2
    assert "cannot read it" in one_error_line(out)
    assert iam.calls() == 0


# ------------------------------------------------------------------------------ granularity


@pytest.mark.parametrize("spelling", ["action", "ACTION_LEVEL"])
def test_action_level_scan(invoke: Invoke, iam: FakeIAM, spelling: str) -> None:
    out = invoke("scan", ADMINS, "--granularity", spelling, "-o", "json")
    assert out.code == 0, out.stderr
    doc = out.json()
    validate("scan", doc)
    (admins,) = doc["principals"]
    actions = admins["unused_actions"]
    assert actions, "the Admins group uses services whose tracked actions it does not all use"
    unused = {s["namespace"] for s in admins["unused_services"]}
    assert all(
        a["namespace"] not in unused and a["action"].startswith(a["namespace"] + ":")
        for a in actions
    )
    assert {a["status"] for a in actions} <= {"unused", "never_used"}
    granularity = {
        r.params.get("Granularity")
        for r in iam.requests
        if r.action == "GenerateServiceLastAccessedDetails"
    }
    assert granularity == {"ACTION_LEVEL"}

    table = invoke("scan", ADMINS, "--granularity", spelling)
    assert "Tracked actions not used in 90 days" in table.stdout


def test_service_level_scan_has_no_actions(invoke: Invoke) -> None:
    (line,) = invoke("scan", ADMINS, "-o", "ndjson").ndjson()
    assert line["unused_actions"] is None


def test_granularity_choices(invoke: Invoke) -> None:
    out = invoke("scan", "--granularity", "resource")
    assert out.code == 2
    assert "'resource' is not one of 'service', 'action'" in one_error_line(out)


# ---------------------------------------------------------------------- rate and retries


def test_rate_limit_spreads_the_requests(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("scan", "--groups", "--rate-limit", "10", "-o", "ndjson")
    assert out.code == 0, out.stderr
    times = sorted(r.time for r in iam.requests)
    # A bucket of 10 tokens refilled at 10/s: the requests past the first 10 take >= 0.1 s each.
    assert len(times) > 15
    assert times[-1] - times[0] >= (len(times) - 10) / 10 * 0.9


def test_max_attempts_option_beats_the_environment(invoke: Invoke, iam: FakeIAM) -> None:
    iam.fail_next(1, "Throttling", action="GenerateServiceLastAccessedDetails")
    out = invoke("report", ALICE, env={"AWS_MAX_ATTEMPTS": "1"})
    assert out.code == 1
    assert "throttled by IAM after 1 attempts" in one_error_line(out)

    iam.fail_next(1, "Throttling", action="GenerateServiceLastAccessedDetails")
    out = invoke(
        "report", ALICE, "--max-attempts", "2", "-o", "json", env={"AWS_MAX_ATTEMPTS": "1"}
    )
    assert out.code == 0, out.stderr

    iam.fail_next(1, "Throttling", action="GenerateServiceLastAccessedDetails")
    out = invoke("report", ALICE, "--max-attempts", "1", "--retry-mode", "adaptive")
    assert out.code == 1
    assert "after 1 attempts" in one_error_line(out)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AWS_RETRY_MODE": "bogus"}, "(from AWS_RETRY_MODE='bogus')"),
        ({"AWS_MAX_ATTEMPTS": "many"}, "(from AWS_MAX_ATTEMPTS='many')"),
    ],
)
def test_bad_retry_environment(
    invoke: Invoke, iam: FakeIAM, env: dict[str, str], message: str
) -> None:
    out = invoke("report", ALICE, env=env)
    assert out.code == 2
    line = one_error_line(out)
    assert "invalid configuration" in line and message in line
    assert iam.calls() == 0


@pytest.mark.parametrize(
    "args",
    [
        ("--max-attempts", "0"),
        ("--retry-mode", "legacy"),
        ("--rate-limit", "0"),
        ("--rate-limit", "x"),
    ],
)
def test_bad_retry_options(invoke: Invoke, iam: FakeIAM, args: tuple[str, str]) -> None:
    out = invoke("scan", *args)
    assert out.code == 2
    one_error_line(out)
    assert iam.calls() == 0
