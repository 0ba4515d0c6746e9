"""Every command and output format, in-process through click's runner against the emulator."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from iamlast.cli.output import VIEWS
from iamlast.testing import FakeIAM

from .conftest import ACCOUNT, ADMINS, ALICE, Outcome, one_error_line, validate, validate_lines

Invoke = Callable[..., Outcome]


def rows(outcome: Outcome) -> tuple[list[str], list[list[str]]]:
    table = list(csv.reader(io.StringIO(outcome.stdout)))
    return table[0], table[1:]


# ------------------------------------------------------------------------------------ report


def test_report_table(invoke: Invoke) -> None:
    out = invoke("report", ALICE)
    assert out.code == 0, out.stderr
    assert ALICE in out.stdout
    assert "Namespace" in out.stdout and "Status" in out.stdout
    assert "services granted:" in out.stdout
    assert out.stderr == ""  # no progress when stderr is not a terminal


def test_report_json_matches_schema_and_counts(invoke: Invoke) -> None:
    out = invoke("report", ALICE, "--output", "json", "--unused-days", "30")
    assert out.code == 0, out.stderr
    doc = out.json()
    validate("report", doc)
    assert doc["arn"] == ALICE and doc["unused_days"] == 30
    assert doc["granularity"] == "SERVICE_LEVEL"
    services = doc["services"]
    assert services and doc["summary"]["granted"] == len(services)
    for status in ("used", "unused", "never_used"):
        assert doc["summary"][status] == sum(1 for s in services if s["status"] == status)
    for s in services:
        days = s["days_since_used"]
        expected = "never_used" if days is None else ("used" if days < 30 else "unused")
        if days != 30:  # the boundary day is decided to the millisecond
            assert s["status"] == expected, s
        assert s["actions"] is None and s["entities"] is None


def test_report_action_level_with_entities(invoke: Invoke, iam: FakeIAM) -> None:
    group = iam.account.add_group(
        "Auditors", services=["s3", "sqs", "athena"], members=["alice", "bob"]
    )
    out = invoke("report", group.arn, "--granularity", "action", "--entities", "-o", "json")
    assert out.code == 0, out.stderr
    doc = out.json()
    validate("report", doc)
    assert doc["granularity"] == "ACTION_LEVEL"
    s3 = next(s for s in doc["services"] if s["namespace"] == "s3")
    assert s3["actions"] and all(a["action"].startswith("s3:") for a in s3["actions"])
    assert all(s["entities"] is not None for s in doc["services"])
    assert {e["type"] for e in s3["entities"]} == {"USER"}

    table = invoke("report", group.arn, "--granularity", "action", "--entities")
    assert "Tracked actions" in table.stdout and "Entities" in table.stdout


def test_report_ndjson_one_line_per_service(invoke: Invoke) -> None:
    doc = invoke("report", ALICE, "-o", "json").json()
    out = invoke("report", ALICE, "-o", "ndjson")
    assert out.code == 0
    lines = out.ndjson()
    validate_lines("report", lines)
    assert [line["namespace"] for line in lines] == [s["namespace"] for s in doc["services"]]
    assert {line["arn"] for line in lines} == {ALICE}


def test_report_csv_header_then_one_row_per_service(invoke: Invoke) -> None:
    doc = invoke("report", ALICE, "-o", "json").json()
    out = invoke("report", ALICE, "--output", "csv")
    assert out.code == 0
    header, body = rows(out)
    assert header == list(VIEWS["report"].csv_header)
    assert header[:4] == ["arn", "namespace", "name", "status"]
    assert len(body) == len(doc["services"])
    assert [r[1] for r in body] == [s["namespace"] for s in doc["services"]]
    assert {r[3] for r in body} <= {"used", "unused", "never_used"}


def test_report_csv_action_columns(invoke: Invoke) -> None:
    out = invoke("report", ADMINS, "--granularity", "action", "-o", "csv")
    header, body = rows(out)
    s3 = next(r for r in body if r[1] == "s3")
    actions = ";".join(
        s3[header.index(c)] for c in ("actions_used", "actions_unused", "actions_never_used")
    )
    assert "s3:" in actions


# ------------------------------------------------------------------------------------ entities


@pytest.mark.parametrize("fmt", ["table", "json", "ndjson", "csv"])
def test_entities_every_format(invoke: Invoke, fmt: str) -> None:
    out = invoke("entities", ADMINS, "s3", "--output", fmt)
    assert out.code == 0, out.stderr
    if fmt == "json":
        doc = out.json()
        validate("entities", doc)
        assert doc["service_namespace"] == "s3" and doc["entities"]
        assert all(e["type"] == "USER" for e in doc["entities"])
    elif fmt == "ndjson":
        lines = out.ndjson()
        validate_lines("entities", lines)
        assert lines and {line["report_arn"] for line in lines} == {ADMINS}
    elif fmt == "csv":
        header, body = rows(out)
        assert header == list(VIEWS["entities"].csv_header)
        assert body and all(r[1] == "s3" for r in body)
    else:
        assert "Entities for s3" in out.stdout and ":user/" in out.stdout


def test_entities_service_not_in_report(invoke: Invoke) -> None:
    out = invoke("entities", ALICE, "nosuchservice")
    assert out.code == 1
    line = one_error_line(out)
    assert "'nosuchservice' is not in the report" in line
    assert out.stdout == ""


@pytest.mark.parametrize("namespace", ["S3", "s3:GetObject", "s 3", "s3!", "x" * 70])
def test_entities_malformed_namespace_is_a_usage_error(
    invoke: Invoke, iam: FakeIAM, namespace: str
) -> None:
    out = invoke("entities", ALICE, namespace)
    assert out.code == 2
    assert "invalid service namespace" in one_error_line(out)
    assert iam.calls() == 0  # refused before any request


# ------------------------------------------------------------------------------------ policies


@pytest.mark.parametrize("fmt", ["table", "json", "ndjson", "csv"])
def test_policies_every_format(invoke: Invoke, iam: FakeIAM, fmt: str) -> None:
    granted = iam.account.granted_services(iam.account.user("alice"))[:2]
    out = invoke("policies", ALICE, *granted, "nosuchservice", "-o", fmt)
    assert out.code == 0, out.stderr
    if fmt == "json":
        doc = out.json()
        validate("policies", doc)
        by_ns = {s["namespace"]: s["policies"] for s in doc["services"]}
        assert set(by_ns) == {*granted, "nosuchservice"}
        assert all(by_ns[ns] for ns in granted) and by_ns["nosuchservice"] == []
        for policies in by_ns.values():  # listed once each
            assert len(policies) == len({tuple(sorted(p.items())) for p in policies})
    elif fmt == "ndjson":
        lines = out.ndjson()
        validate_lines("policies", lines)
        assert [line["namespace"] for line in lines] == [*granted, "nosuchservice"]
    elif fmt == "csv":
        header, body = rows(out)
        assert header == list(VIEWS["policies"].csv_header)
        assert {r[1] for r in body} == {*granted, "nosuchservice"}
        assert next(r for r in body if r[1] == "nosuchservice")[2:] == ["", "", "", "", ""]
    else:
        assert "no policy grants it" in out.stdout


def test_policies_refuses_a_policy_arn(invoke: Invoke) -> None:
    out = invoke("policies", f"{ACCOUNT}:policy/anything", "s3")
    assert out.code == 2
    assert "takes a user, role or group ARN" in one_error_line(out)


def test_policies_needs_a_service(invoke: Invoke) -> None:
    out = invoke("policies", ALICE)
    assert out.code == 2
    assert "Missing argument" in one_error_line(out)


# ------------------------------------------------------------------------------------ scan


def test_scan_all_types_json(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("scan", "-o", "json", "--unused-days", "60")
    assert out.code == 0, out.stderr
    doc = out.json()
    validate("scan", doc)
    assert doc["types"] == ["users", "roles", "groups", "policies"]
    assert {p["type"] for p in doc["principals"]} == {"user", "role", "group", "policy"}
    assert doc["summary"]["failed"] == 0
    assert not any("aws-service-role" in p["arn"] for p in doc["principals"])
    for p in doc["principals"]:
        assert p["granted"] == p["used"] + p["unused"] + p["never_used"]
        assert len(p["unused_services"]) == p["unused"] + p["never_used"]
        for s in p["unused_services"]:
            assert s["granted_by"], (p["arn"], s)  # every unused service names its policy
            if p["type"] == "policy":
                assert [g["policy_arn"] for g in s["granted_by"]] == [p["arn"]]
    alice = next(p for p in doc["principals"] if p["arn"] == ALICE)
    granted = iam.account.granted_services(iam.account.user("alice"))
    assert alice["granted"] == len(granted)


def test_scan_type_flags(invoke: Invoke) -> None:
    doc = invoke("scan", "--roles", "--groups", "-o", "json").json()
    assert doc["types"] == ["roles", "groups"]
    assert {p["type"] for p in doc["principals"]} == {"role", "group"}


@pytest.mark.parametrize("fmt", ["table", "ndjson", "csv"])
def test_scan_other_formats(invoke: Invoke, fmt: str) -> None:
    out = invoke("scan", "--users", "--concurrency", "3", "-o", fmt)
    assert out.code == 0, out.stderr
    if fmt == "ndjson":
        lines = out.ndjson()
        validate_lines("scan", lines)
        assert lines and {line["type"] for line in lines} == {"user"}
    elif fmt == "csv":
        header, body = rows(out)
        assert header == list(VIEWS["scan"].csv_header)
        assert body and {r[1] for r in body} == {"user"}
        assert {r[5] for r in body} <= {"unused", "never_used"}
        assert all(r[8] for r in body)  # granted_by
    else:
        assert "Unused services and the policies that grant them" in out.stdout
        assert "principals have services they have not used in 90 days" in out.stdout


def test_scan_reports_failed_principals_and_exits_1(invoke: Invoke, iam: FakeIAM) -> None:
    iam.fail_jobs(ALICE)
    out = invoke("scan", "--users", "-o", "json")
    assert out.code == 1
    doc = out.json()
    validate("scan", doc)
    alice = next(p for p in doc["principals"] if p["arn"] == ALICE)
    assert not alice["ok"] and alice["error"]["type"] == "JobFailedError"
    assert doc["summary"]["failed"] == 1
    assert all(p["ok"] for p in doc["principals"] if p["arn"] != ALICE)
    assert "1 of" in out.stderr and "could not be scanned" in out.stderr

    table = invoke("scan", "--users")
    assert table.code == 1 and "Could not scan" in table.stdout
    header, body = rows(invoke("scan", "--users", "-o", "csv"))
    assert next(r for r in body if r[0] == ALICE)[header.index("error")]


def test_scan_concurrency_must_be_positive(invoke: Invoke) -> None:
    out = invoke("scan", "--concurrency", "0")
    assert out.code == 2
    one_error_line(out)


# ------------------------------------------------------------------------------------ org-report

ORG = "o-a1b2c3d4e5/r-f6g7h8i9j0"


@pytest.mark.parametrize("fmt", ["table", "json", "ndjson", "csv"])
def test_org_report_every_format(invoke: Invoke, fmt: str) -> None:
    out = invoke("org-report", ORG, "-o", fmt)
    assert out.code == 0, out.stderr
    if fmt == "json":
        doc = out.json()
        validate("org-report", doc)
        assert doc["entity_path"] == ORG
        never = sum(1 for d in doc["access_details"] if d["status"] == "never_accessed")
        assert doc["number_of_services_not_accessed"] == never
    elif fmt == "ndjson":
        lines = out.ndjson()
        validate_lines("org-report", lines)
        assert lines and {line["report_entity_path"] for line in lines} == {ORG}
    elif fmt == "csv":
        header, body = rows(out)
        assert header == list(VIEWS["org-report"].csv_header) and body
    else:
        assert "Organizations access report for" in out.stdout


def test_org_report_outside_the_organization(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("org-report", "o-zzzzzzzzzz/r-zz99")
    assert out.code == 1
    line = one_error_line(out)
    assert "IAM could not complete the report" in line and "NoSuchEntity" in line, line


def test_org_report_account(invoke: Invoke, iam: FakeIAM) -> None:
    doc = invoke("org-report", ORG, "--account", "111122223333", "-o", "json").json()
    assert doc["entity_path"] == f"{ORG}/111122223333"
    paths = {d["entity_path"] for d in doc["access_details"] if d["entity_path"]}
    assert paths == {f"{ORG}/111122223333"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("org-report", "r-ab12/o-a1b2c3d4e5"), "malformed Organizations entity path"),
        (("org-report", f"{ORG}/xyz"), "'xyz' is neither an OU id nor a 12-digit account id"),
        (("org-report", f"{ORG}/123456789012/ou-a1b2-c3d4e5f6"), "'123456789012' is not an OU id"),
        (("org-report", ORG, "--account", "1234"), "invalid account id"),
    ],
)
def test_org_report_bad_arguments(
    invoke: Invoke, iam: FakeIAM, args: tuple[str, ...], message: str
) -> None:
    out = invoke(*args)
    assert out.code == 2
    assert message in one_error_line(out)
    assert iam.calls() == 0


# ------------------------------------------------------------------------------------ errors

MALFORMED = [
    "alice",
    "arn:aws:iam::12345:user/alice",
    "arn:aws:s3:::bucket",
    "arn:aws:iam::123456789012:instance-profile/x",
    "arn:aws:iam::123456789012:user/",
    "arn:aws:iam::aws:user/alice",
    "arn:aws:iam:us-east-1:123456789012:user/alice",
]


@pytest.mark.parametrize("arn", MALFORMED)
@pytest.mark.parametrize("command", [("report",), ("entities",), ("policies",)])
def test_malformed_arn_is_a_usage_error(
    invoke: Invoke, iam: FakeIAM, command: tuple[str, ...], arn: str
) -> None:
    args = [*command, arn] + ([] if command == ("report",) else ["s3"])
    out = invoke(*args)
    assert out.code == 2
    assert "malformed ARN" in one_error_line(out)
    assert iam.calls() == 0


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:user/division/team/alice",
        "arn:aws-us-gov:iam::123456789012:role/service-role/x",
        "arn:aws-cn:iam::123456789012:group/Admins",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::123456789012:user/a.b+c=d,e@f-g_h",
    ],
)
def test_valid_arn_shapes(arn: str) -> None:
    from iamlast.cli.validate import parse_arn

    assert parse_arn(arn).arn == arn


def test_access_denied(invoke: Invoke, iam: FakeIAM) -> None:
    from iamlast.errors import AccessDeniedError

    iam.fail_next(
        1,
        AccessDeniedError(
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: "
            "iam:GenerateServiceLastAccessedDetails"
        ),
        action="GenerateServiceLastAccessedDetails",
    )
    out = invoke("report", ALICE)
    assert out.code == 1
    line = one_error_line(out)
    assert line.startswith(
        "iamlast: error: access denied: User: arn:aws:iam::123456789012:user/bob"
    )
    assert "GenerateServiceLastAccessedDetails" in line and "request id" in line
    assert out.stdout == ""


def test_access_denied_on_discovery_stops_the_scan(invoke: Invoke, iam: FakeIAM) -> None:
    from iamlast.errors import AccessDeniedError

    iam.fail_next(
        1, AccessDeniedError("not authorized to perform: iam:ListUsers"), action="ListUsers"
    )
    out = invoke("scan", "--users")
    assert out.code == 1
    assert "access denied: not authorized to perform: iam:ListUsers" in one_error_line(out)


def test_verbose_shows_the_traceback(invoke: Invoke, iam: FakeIAM) -> None:
    from iamlast.errors import AccessDeniedError

    iam.fail_next(1, AccessDeniedError("denied"), action="GenerateServiceLastAccessedDetails")
    out = invoke("report", ALICE, "--verbose")
    assert out.code == 1
    assert "Traceback" in out.stderr and "AccessDeniedError" in out.stderr
    assert out.stderr.rstrip().splitlines()[-1].startswith("iamlast: error: access denied")


def test_no_such_entity(invoke: Invoke) -> None:
    out = invoke("report", f"{ACCOUNT}:role/ghost")
    assert out.code == 1
    assert "not found: The role with name ghost cannot be found." in one_error_line(out)


def test_failed_job(invoke: Invoke, iam: FakeIAM) -> None:
    iam.fail_jobs(ALICE)
    out = invoke("report", ALICE)
    assert out.code == 1
    assert "IAM could not complete the report" in one_error_line(out)


def test_unreachable_endpoint(invoke: Invoke) -> None:
    out = invoke(
        "report", ALICE, "--endpoint-url", "http://127.0.0.1:9", env={"AWS_MAX_ATTEMPTS": "1"}
    )
    assert out.code == 1
    assert "could not reach IAM" in one_error_line(out)


def test_bad_endpoint_url_is_a_usage_error(invoke: Invoke) -> None:
    out = invoke("report", ALICE, "--endpoint-url", "not a url")
    assert out.code == 2
    assert "invalid configuration" in one_error_line(out)


def test_unknown_profile(invoke: Invoke) -> None:
    out = invoke("report", ALICE, "--profile", "nope")
    assert out.code == 1
    assert "'nope' was not found" in one_error_line(out)


def test_malformed_aws_config(invoke: Invoke, tmp_path: Path) -> None:
    config = tmp_path / "broken-config"
    config.write_text("[this is not an ini file\n")
    out = invoke("report", ALICE, env={"AWS_CONFIG_FILE": str(config)})
    assert out.code == 1
    assert "AWS configuration problem: Unable to parse config file" in one_error_line(out)


def test_missing_credentials_in_process(invoke: Invoke) -> None:
    out = invoke("report", ALICE, env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    assert out.code == 1
    assert "no AWS credentials found" in one_error_line(out)


@pytest.mark.parametrize(
    "args",
    [
        ("report",),
        ("report", ALICE, "--bogus"),
        ("report", ALICE, "-o", "xml"),
        ("nosuchcommand",),
        ("report", ALICE, "--granularity", "resource"),
        ("report", ALICE, "--unused-days", "-1"),
    ],
)
def test_usage_errors_exit_2_with_one_line(invoke: Invoke, args: tuple[str, ...]) -> None:
    out = invoke(*args)
    assert out.code == 2
    assert "--help" in one_error_line(out)


# ------------------------------------------------------------------------------------ options


def test_common_options_after_the_subcommand(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke(
        "report",
        ALICE,
        "--endpoint-url",
        iam.endpoint_url,
        "--region",
        "us-east-1",
        "--output",
        "csv",
        env={"AWS_ENDPOINT_URL_IAM": None},
    )
    assert out.code == 0, out.stderr
    assert out.stdout.startswith("arn,namespace,")


def test_verbose_logs_to_stderr_only(invoke: Invoke, iam: FakeIAM) -> None:
    out = invoke("report", ALICE, "-o", "json", "--verbose")
    assert out.code == 0
    out.json()  # stdout stays clean
    assert f"endpoint {iam.endpoint_url}" in out.stderr
    assert "GenerateServiceLastAccessedDetails" in out.stderr


def test_quiet_says_nothing_on_stderr(invoke: Invoke, iam: FakeIAM) -> None:
    iam.fail_jobs(ALICE)
    out = invoke("scan", "--users", "-o", "json", "--quiet")
    assert out.code == 1 and out.stderr == ""


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("report", "--help"), ()])
def test_help_and_version(invoke: Invoke, args: tuple[str, ...]) -> None:
    out = invoke(*args)
    assert out.code == 0
    assert out.stdout


def test_every_command_is_there(invoke: Invoke) -> None:
    out = invoke("--help")
    for name in ("report", "entities", "policies", "scan", "org-report", "fake-server", "demo"):
        assert name in out.stdout


def _doc(invoke: Invoke, *args: str) -> Any:
    return invoke(*args, "-o", "json").json()


def test_tables_and_json_agree(invoke: Invoke) -> None:
    doc = _doc(invoke, "report", ALICE)
    table = invoke("report", ALICE).stdout
    for s in doc["services"]:
        assert s["namespace"] in table
