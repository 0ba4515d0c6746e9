"""The emulated Organization, checked with boto3's own sts, organizations and iam clients: the
wire formats (STS awsQuery XML, Organizations JSON 1.1), the routing of IAM by access key, the
errors, NextToken pages and the per-account rate limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from iamlast.testing import FakeOrganization, Faults

ROLE = "OrganizationAccountAccessRole"


@pytest.fixture(scope="module")
def org() -> Iterator[FakeOrganization]:
    with FakeOrganization.default(principals=4) as server:
        yield server


def _client(
    org: FakeOrganization,
    service: str,
    creds: dict[str, str] | None = None,
    config: Config | None = None,
) -> Any:
    if creds is None:
        return boto3.client(service, config=config, **org.client_kwargs())
    return boto3.client(
        service,
        config=config,
        endpoint_url=org.endpoint_url,
        region_name=org.region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _assume(org: FakeOrganization, account: str) -> dict[str, str]:
    sts = _client(org, "sts")
    answer = sts.assume_role(RoleArn=org.role_arn(account), RoleSessionName="t-1")
    creds: dict[str, str] = answer["Credentials"]
    return creds


def _code(exc: pytest.ExceptionInfo[botocore.exceptions.ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_sts_identity_and_assumed_role_credentials_bound_to_one_account(
    org: FakeOrganization,
) -> None:
    sts = _client(org, "sts")
    me = sts.get_caller_identity()
    assert me["Account"] == org.management_account
    answer = sts.assume_role(
        RoleArn=org.role_arn("210987654321"), RoleSessionName="audit", DurationSeconds=900
    )
    creds = answer["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::210987654321:assumed-role/{ROLE}/audit"
    )
    assert creds["Expiration"].tzinfo is not None
    assumed = _client(org, "sts", creds).get_caller_identity()
    assert assumed["Account"] == "210987654321"
    users = _client(org, "iam", creds).list_users()["Users"]
    assert users and all(u["Arn"].startswith("arn:aws:iam::210987654321:") for u in users)
    mine = _client(org, "iam").list_users()["Users"]
    assert all(u["Arn"].startswith(f"arn:aws:iam::{org.management_account}:") for u in mine)


@pytest.mark.parametrize(
    "account",
    ["444455556666", "999988887777", "000011112222"],
    ids=["untrusted", "suspended", "outside"],
)
def test_assume_role_is_access_denied_where_it_cannot_be(
    org: FakeOrganization, account: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        _assume(org, account)
    assert _code(exc) == ("AccessDenied", 403)
    assert "is not authorized to perform: sts:AssumeRole" in str(exc.value)


def test_assume_role_refuses_a_missing_role_and_bad_input(org: FakeOrganization) -> None:
    sts = _client(org, "sts")
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sts.assume_role(RoleArn=org.role_arn("210987654321", "NoSuchRole"), RoleSessionName="ab")
    assert _code(exc) == ("AccessDenied", 403)
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        sts.assume_role(RoleArn="arn:aws:iam::21098765:role/x", RoleSessionName="ab")
    assert _code(exc) == ("ValidationError", 400)
    import httpx

    form = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": org.role_arn("210987654321"),
            "RoleSessionName": "ab", "DurationSeconds": "60"}
    org.verify_signatures = False
    try:
        reply = httpx.post(org.endpoint_url, data=form)
    finally:
        org.verify_signatures = True
    assert reply.status_code == 400
    assert "<Code>ValidationError</Code>" in reply.text and "durationSeconds" in reply.text


def test_organizations_lists_accounts_and_ous_over_next_token_pages(
    org: FakeOrganization,
) -> None:
    orgs = _client(org, "organizations")
    described = orgs.describe_organization()["Organization"]
    assert described["MasterAccountId"] == org.management_account
    pages = list(orgs.get_paginator("list_accounts").paginate(PaginationConfig={"PageSize": 2}))
    assert len(pages) == 4
    accounts = {a["Id"]: a for p in pages for a in p["Accounts"]}
    assert len(accounts) == 7
    assert accounts["999988887777"]["Status"] == "SUSPENDED"
    assert accounts["210987654321"]["JoinedTimestamp"].year == 2021
    root = orgs.list_roots()["Roots"][0]["Id"]
    ous = orgs.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    assert {o["Name"] for o in ous} == {"Workloads", "Sandbox"}
    workloads = next(o["Id"] for o in ous if o["Name"] == "Workloads")
    children = orgs.list_children(ParentId=workloads, ChildType="ORGANIZATIONAL_UNIT")
    assert len(children["Children"]) == 2
    under = orgs.list_accounts_for_parent(ParentId=workloads)["Accounts"]
    assert [a["Id"] for a in under] == [org.management_account]
    assert orgs.describe_account(AccountId="555566667777")["Account"]["Name"] == "staging"
    assert orgs.list_parents(ChildId="555566667777")["Parents"][0]["Type"] == (
        "ORGANIZATIONAL_UNIT"
    )


def test_organizations_errors_carry_their_type(org: FakeOrganization) -> None:
    orgs = _client(org, "organizations")
    with pytest.raises(orgs.exceptions.ParentNotFoundException):
        orgs.list_accounts_for_parent(ParentId="ou-zzzz-zzzzzzzz")
    with pytest.raises(orgs.exceptions.AccountNotFoundException):
        orgs.describe_account(AccountId="000000000000")
    with pytest.raises(orgs.exceptions.InvalidInputException):
        orgs.list_accounts(NextToken="not-a-token")
    member = _client(org, "organizations", _assume(org, "210987654321"))
    with pytest.raises(member.exceptions.AccessDeniedException):
        member.list_accounts()
    assert member.describe_organization()["Organization"]["Id"].startswith("o-")
    stranger = boto3.client(
        "organizations",
        endpoint_url=org.endpoint_url,
        region_name=org.region,
        aws_access_key_id="AKIANOTISSUED0000000",
        aws_secret_access_key="x" * 40,
    )
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        stranger.list_roots()
    assert _code(exc) == ("UnrecognizedClientException", 403)


def test_json_requests_have_the_real_wire_format(org: FakeOrganization) -> None:
    import httpx

    reply = httpx.post(
        org.endpoint_url,
        headers={
            "X-Amz-Target": "AWSOrganizationsV20161128.ListRoots",
            "Content-Type": "application/x-amz-json-1.1",
        },
        content=b"{}",
    )
    assert reply.status_code == 403
    assert reply.headers["content-type"] == "application/x-amz-json-1.1"
    assert reply.json()["__type"] == "MissingAuthenticationTokenException"


def test_each_account_has_its_own_rate_limit() -> None:
    with FakeOrganization.default(principals=2, faults=Faults(rate_limit=1.0, burst=2)) as org:
        once = Config(retries={"total_max_attempts": 1})  # see every throttle
        mine = _client(org, "iam", config=once)
        theirs = _client(org, "iam", _assume(org, "210987654321"), config=once)
        mine.list_users()
        mine.list_users()
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            mine.list_users()
        assert _code(exc) == ("Throttling", 400)
        theirs.list_users()  # another account: its own bucket
        theirs.list_users()
        assert org.calls("ListUsers", account="210987654321") == 2


def test_fake_org_fixture_from_the_plugin(fake_org: FakeOrganization) -> None:
    sts = _client(fake_org, "sts")
    assert sts.get_caller_identity()["Account"] == fake_org.management_account
    assert fake_org.accessible_accounts() == sorted(
        set(fake_org.active_accounts()) - {"444455556666"}
    )


def test_command_line_server_plays_an_organization() -> None:
    import re
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "iamlast.testing", "--port", "0", "--organization", "12",
         "--principals", "3"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        while not any(line.startswith("Press Ctrl+C") for line in lines):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
            lines.append(line)
        text = "".join(lines)
        assert "12 accounts, 12 active" in text and "iamlast org-scan --assume-role" in text
        env = dict(re.findall(r"export (AWS_\w+)=(\S+)", text))
        assert {"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_ORGANIZATIONS"} <= set(env)
        orgs = boto3.client(
            "organizations",
            endpoint_url=env["AWS_ENDPOINT_URL_ORGANIZATIONS"],
            region_name=env["AWS_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        pages = orgs.get_paginator("list_accounts").paginate()
        assert len({a["Id"] for p in pages for a in p["Accounts"]}) == 12
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
