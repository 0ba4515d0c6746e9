"""``scan_organization`` on the emulated Organization, through both clients: every principal of
every active account exactly once, an account that cannot be entered reported as its own error,
nothing from the suspended account (and it is said so), the management account scanned with
the caller's credentials or skipped, OU filters and explicit lists, progress per account, and a
scan interrupted and resumed with no principal twice and none missing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from iamlast import errors
from iamlast.orgscan import OrgScanCheckpoint
from iamlast.testing import FakeOrganization

from .both import FAST, MODES, Both
from .org_support import (
    FAILED,
    LOG_ARCHIVE,
    MANAGEMENT,
    PROD,
    PRODUCTION_OU,
    ROLE,
    SCANNED,
    STAGING,
    SUSPENDED,
    WORKLOADS_OU,
    by_kind,
    expected_arns,
    organization,
    principal_counts,
)

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def org() -> Iterator[FakeOrganization]:
    with organization() as server:
        yield server


@pytest.fixture(params=MODES)
async def both(request: pytest.FixtureRequest, org: FakeOrganization) -> AsyncIterator[Both]:
    b = Both(request.param, **org.iamlast_kwargs())
    org.clear_log()
    yield b
    await b.close()


async def _scan(both: Both, org: FakeOrganization, **kwargs: Any) -> list[Any]:
    return await both.stream(
        "scan_organization", ROLE, client_options=org.scan_options(), **FAST, **kwargs
    )


def _assert_exactly(org: FakeOrganization, items: list[Any], accounts: tuple[str, ...]) -> None:
    counts = principal_counts(items)
    assert set(counts.values()) == {1}, [k for k, n in counts.items() if n > 1]
    want = {(a, arn) for a in accounts for arn in expected_arns(org, a)}
    assert set(counts) == want
    assert all(i.ok for i in items if i.kind == "result")


async def test_every_principal_of_every_active_account_exactly_once(
    both: Both, org: FakeOrganization
) -> None:
    seen: list[Any] = []
    items = await _scan(both, org, progress=seen.append)
    _assert_exactly(org, items, SCANNED)
    kinds = by_kind(items)
    # Each account scanned or refused is started once and ends once; the suspended one is said
    # to be skipped, and nothing of it is asked for.
    assert sorted(i.account_id for i in kinds["started"]) == sorted((*SCANNED, *FAILED))
    assert sorted(i.account_id for i in kinds["done"]) == sorted(SCANNED)
    assert [(s.account_id, s.reason, s.status) for s in kinds["skipped"]] == [
        (SUSPENDED, "suspended", "SUSPENDED")
    ]
    assert org.calls(account=SUSPENDED) == 0
    for done in kinds["done"]:
        assert (done.scanned, done.failed) == (len(expected_arns(org, done.account_id)), 0)
    # Items of one account come between its start and its end.
    for account_id in SCANNED:
        positions = [n for n, i in enumerate(items) if i.account_id == account_id]
        assert items[positions[0]].kind == "started" and items[positions[-1]].kind == "done"


async def test_an_account_that_cannot_be_entered_is_its_own_error(
    both: Both, org: FakeOrganization
) -> None:
    items = await _scan(both, org)
    failed = {i.account_id: i for i in by_kind(items)["failed"]}
    assert set(failed) == set(FAILED)
    for account_id in FAILED:
        f = failed[account_id]
        assert f.stage == "assume_role" and (f.scanned, f.failed) == (0, 0)
        assert isinstance(f.error, errors.ServiceError) and f.error.code == "AccessDenied"
        assert f"{account_id}:role/{ROLE}" in str(f.error)
        assert org.calls(account=account_id, service="iam") == 0
    assert {i.account_id for i in items if i.kind == "result"} == set(SCANNED)


async def test_the_management_account_uses_the_callers_credentials_or_is_skipped(
    both: Both, org: FakeOrganization
) -> None:
    items = await _scan(both, org)
    assert org.calls("AssumeRole") == len(SCANNED) - 1 + len(FAILED)  # never into itself
    mine = [i for i in items if i.kind == "result" and i.account_id == MANAGEMENT]
    assert {i.arn for i in mine} == expected_arns(org, MANAGEMENT)

    org.clear_log()
    items = await _scan(both, org, skip_management=True)
    _assert_exactly(org, items, (*PROD, STAGING))
    skipped = {(s.account_id, s.reason) for s in by_kind(items)["skipped"]}
    assert skipped == {(MANAGEMENT, "management"), (SUSPENDED, "suspended")}
    assert org.calls(account=MANAGEMENT, service="iam") == 0


@pytest.mark.parametrize(
    ("ous", "accounts"),
    [([PRODUCTION_OU], PROD), ([WORKLOADS_OU], (MANAGEMENT, *PROD, STAGING))],
    ids=["production", "workloads-and-nested"],
)
async def test_ou_filter_scans_the_accounts_under_it(
    both: Both, org: FakeOrganization, ous: list[str], accounts: tuple[str, ...]
) -> None:
    items = await _scan(both, org, ous=ous)
    _assert_exactly(org, items, accounts)
    assert "failed" not in by_kind(items) and "skipped" not in by_kind(items)
    assert org.calls("ListAccounts") == 0 and org.calls("ListAccountsForParent") >= 1


async def test_an_explicit_account_list_is_looked_up_in_organizations(
    both: Both, org: FakeOrganization
) -> None:
    items = await _scan(both, org, accounts=[PROD[0], LOG_ARCHIVE, SUSPENDED])
    _assert_exactly(org, items, (PROD[0],))
    kinds = by_kind(items)
    assert {i.account_id for i in kinds["failed"]} == {LOG_ARCHIVE}
    (skipped,) = kinds["skipped"]
    assert (skipped.account_id, skipped.reason, skipped.status) == (SUSPENDED, "suspended", "SUSPENDED")
    assert org.calls("DescribeAccount") == 3 and org.calls("ListAccounts") == 0
    assert org.calls("AssumeRole", account=MANAGEMENT) == 2  # never into the suspended one


async def test_a_long_explicit_list_is_looked_up_with_one_listing(
    both: Both, org: FakeOrganization, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iamlast._runtime.flows import organization as flow

    monkeypatch.setattr(flow, "DESCRIBE_EACH", 2)
    items = await _scan(both, org, accounts=[PROD[0], PROD[1], SUSPENDED, "000011112222"])
    _assert_exactly(org, items, PROD)
    kinds = by_kind(items)
    assert [(i.account_id, i.reason) for i in kinds["skipped"]] == [(SUSPENDED, "suspended")]
    # Not in the organization: tried like any account given, and reported when it cannot be entered.
    assert [i.account_id for i in kinds["failed"]] == ["000011112222"]
    assert org.calls("ListAccounts") >= 1 and org.calls("DescribeAccount") == 0


@pytest.mark.parametrize("mode", MODES)
async def test_an_explicit_list_without_organizations_access_is_tried_as_given(
    mode: str, org: FakeOrganization
) -> None:
    # A member account's caller: DescribeOrganization is answered, DescribeAccount refused.
    from iamlast.sts import Client as Sts

    with Sts(**org.iamlast_kwargs()) as sts:
        entered = sts.assume_role(role_arn=org.role_arn(PROD[1], ROLE), role_session_name="member")
    creds = entered.credentials
    assert creds is not None
    kwargs = {
        **org.iamlast_kwargs(),
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
    }
    member = Both(mode, **kwargs)
    org.clear_log()
    try:
        items = await _scan(member, org, accounts=[PROD[0], PROD[1], SUSPENDED])
    finally:
        await member.close()
    _assert_exactly(org, items, PROD)  # PROD[1], the caller's own, with its own credentials
    kinds = by_kind(items)
    assert "skipped" not in kinds
    (failed,) = kinds["failed"]
    assert (failed.account_id, failed.stage) == (SUSPENDED, "assume_role")
    assert org.calls("DescribeOrganization") == 1 and org.calls("DescribeAccount") == 1


async def test_progress_is_per_account(both: Both, org: FakeOrganization) -> None:
    seen: list[Any] = []
    items = await _scan(both, org, progress=seen.append)
    assert [p.last for p in seen] == items
    last = seen[-1]
    assert (last.accounts_total, last.accounts_finished, last.accounts_failed) == (7, 7, 2)
    assert last.principals == sum(len(expected_arns(org, a)) for a in SCANNED)
    for p in seen:
        if p.last.kind == "done":
            assert p.account_principals == p.last.scanned
    finished = [p.accounts_finished for p in seen]
    assert finished == sorted(finished)


async def test_interrupted_and_resumed_none_twice_none_missing(
    both: Both, org: FakeOrganization
) -> None:
    checkpoint = OrgScanCheckpoint()
    first: list[Any] = []
    stream = both.client.scan_organization(
        ROLE, client_options=org.scan_options(), account_concurrency=2, concurrency=2, **FAST
    )
    wanted = 7
    if both.mode == "sync":
        for item in stream:
            checkpoint.record(item)
            first.append(item)
            if sum(i.kind == "result" for i in first) >= wanted:
                break
        stream.close()
    else:
        async for item in stream:
            checkpoint.record(item)
            first.append(item)
            if sum(i.kind == "result" for i in first) >= wanted:
                break
        await stream.aclose()
    done_first = {i.account_id for i in first if i.kind == "done"}
    assert len(done_first) < len(SCANNED)  # really interrupted

    resumed = await _scan(both, org, resume=OrgScanCheckpoint.of_json(checkpoint.to_json()))
    skipped = {s.account_id for s in by_kind(resumed)["skipped"] if s.reason == "done"}
    assert skipped == done_first
    both_runs = [*first, *resumed]
    _assert_exactly(org, both_runs, SCANNED)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"assume_role": "no spaces allowed"}, "assume_role"),
        ({"assume_role": ""}, "assume_role"),
        ({"accounts": ["2109876543"]}, "accounts[0]"),
        ({"accounts": "210987654321"}, "accounts"),
        ({"accounts": []}, "accounts"),
        ({"ous": ["ou-nope"]}, "ous[0]"),
        ({"accounts": [PROD[0]], "ous": [PRODUCTION_OU]}, "ous"),
        ({"account_concurrency": 0}, "account_concurrency"),
        ({"max_requests_in_flight": 0}, "max_requests_in_flight"),
        ({"rate_limit": -1}, "rate_limit"),
        ({"duration_seconds": 60}, "duration_seconds"),
        ({"session_name": "x"}, "session_name"),
        ({"executor": object()}, "executor"),
        ({"worker_credentials": "mine"}, "worker_credentials"),
        ({"resume": {"accounts": []}}, "resume"),
        ({"client_options": {"ec2": {}}}, "client_options"),
    ],
)
async def test_bad_input_names_the_field_before_any_request(
    both: Both, org: FakeOrganization, kwargs: dict[str, Any], field: str
) -> None:
    kwargs = {"assume_role": ROLE, **kwargs}
    role = kwargs.pop("assume_role")
    with pytest.raises(errors.ParamValidationError) as info:
        await both.stream("scan_organization", role, **kwargs)
    assert any(f == field or f.startswith(field) for f in info.value.fields), info.value.fields
    assert org.calls() == 0


async def test_an_account_whose_principals_cannot_be_listed_is_its_own_error(
    both: Both, org: FakeOrganization
) -> None:
    injector = org.members[PROD[1]].faults
    denied = errors.AccessDeniedError(
        code="AccessDenied", message="not authorized to perform: iam:ListRoles", status_code=403
    )
    injector.fail_next(1, denied, action="ListRoles")
    items = await _scan(both, org)
    assert injector.pending() == 0
    (failed,) = [i for i in items if i.kind == "failed" and i.account_id == PROD[1]]
    assert failed.stage == "discover" and failed.error.code == "AccessDenied"
    # What was handed over before the listing failed is reported, and counted.
    reported = [i for i in items if i.kind == "result" and i.account_id == PROD[1]]
    assert failed.scanned == len(reported) and len(reported) < len(expected_arns(org, PROD[1]))
    others = tuple(a for a in SCANNED if a != PROD[1])
    _assert_exactly(org, [i for i in items if i.account_id != PROD[1]], others)
