"""The STS and Organizations clients, sync and async through the same cases, against the real
moto server of this package's conftest (loopback): typed results, pagers over NextToken across
pages, errors decoded by ``__type`` with the request id, bad input refused before any request,
and the calls the workflow drivers make (``_run`` / ``_spec``, a flow's ``Send`` and ``With``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import iamlast
import iamlast.organizations
import iamlast.sts
from iamlast._runtime.flows import Send, With
from iamlast._services import client_class
from iamlast.errors import ParamValidationError, ServiceError
from iamlast.organizations import errors as org_errors
from iamlast.organizations import models as org_models
from iamlast.sts import models as sts_models

from ._support import ACCOUNT, CREDENTIALS, collect, run

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"


@pytest.fixture(params=["sync", "async"])
async def sts(request: pytest.FixtureRequest, moto_url: str) -> AsyncIterator[Any]:
    kind = client_class("sts", asynchronous=request.param == "async")
    assert kind is (iamlast.sts.AsyncClient if request.param == "async" else iamlast.sts.Client)
    client = kind(endpoint_url=moto_url, credentials=CREDENTIALS, region="eu-west-1")
    try:
        yield client
    finally:
        await run(client.aclose() if request.param == "async" else client.close())


@pytest.fixture(params=["sync", "async"])
async def org(request: pytest.FixtureRequest, moto_url: str) -> AsyncIterator[Any]:
    kind = client_class("organizations", asynchronous=request.param == "async")
    assert kind is (
        iamlast.organizations.AsyncClient
        if request.param == "async"
        else iamlast.organizations.Client
    )
    client = kind(endpoint_url=moto_url, credentials=CREDENTIALS)
    try:
        yield client
    finally:
        await run(client.aclose() if request.param == "async" else client.close())


# --------------------------------------------------------------------------- STS


async def test_get_caller_identity(sts: Any) -> None:
    me = await run(sts.get_caller_identity())
    assert isinstance(me, sts_models.GetCallerIdentityResponse)
    assert me.account == ACCOUNT
    assert me.arn.startswith(f"arn:aws:sts::{ACCOUNT}:")
    assert me.user_id
    assert me.response_metadata.request_id


async def test_assume_role_returns_typed_credentials(sts: Any) -> None:
    before = datetime.now(UTC)
    out = await run(
        sts.assume_role(
            role_arn=ROLE_ARN,
            role_session_name="iamlast-scan",
            duration_seconds=900,
            external_id="ext-0001",
        )
    )
    assert isinstance(out, sts_models.AssumeRoleResponse)
    creds = out.credentials
    assert isinstance(creds, sts_models.Credentials)
    assert creds.access_key_id.startswith("ASIA")
    assert creds.secret_access_key and creds.session_token
    assert isinstance(creds.expiration, datetime) and creds.expiration.tzinfo is not None
    # moto honours DurationSeconds: the credentials expire about 15 minutes from now.
    assert timedelta(minutes=14) < creds.expiration - before < timedelta(minutes=16)
    assert out.assumed_role_user.arn.endswith(
        ":assumed-role/OrganizationAccountAccessRole/iamlast-scan"
    )
    assert out.assumed_role_user.assumed_role_id.endswith(":iamlast-scan")

    # The temporary credentials sign requests of their own (moto accepts any).
    assumed = type(sts)(
        endpoint_url=sts.endpoint_url,
        credentials=(creds.access_key_id, creds.secret_access_key, creds.session_token),
    )
    try:
        assert (await run(assumed.get_caller_identity())).account == ACCOUNT
    finally:
        await run(assumed.aclose() if hasattr(assumed, "aclose") else assumed.close())


async def test_sts_bad_input_is_refused_before_any_request(sts: Any) -> None:
    with pytest.raises(ParamValidationError) as caught:
        await run(sts.assume_role(role_arn=ROLE_ARN, role_session_name="x"))
    assert "RoleSessionName" in str(caught.value) and "minimum of 2" in str(caught.value)
    with pytest.raises(ParamValidationError, match="DurationSeconds"):
        await run(
            sts.assume_role(role_arn=ROLE_ARN, role_session_name="ok-name", duration_seconds=60)
        )
    assert sts._http_client is None  # no connection pool was ever needed


async def test_sts_raw_response(sts: Any) -> None:
    raw = await run(sts.with_raw_response.get_caller_identity())
    assert raw.status_code == 200
    assert b"<GetCallerIdentityResponse" in raw.content
    assert raw.parse().account == ACCOUNT


# --------------------------------------------------------------------------- Organizations


async def _organization(org: Any) -> tuple[str, str]:
    """Create the organization; (its id, the root's id)."""
    made = await run(org.create_organization(feature_set="ALL"))
    assert isinstance(made, org_models.CreateOrganizationResponse)
    root = (await run(org.list_roots())).roots[0]
    return made.organization.id, root.id


async def test_describe_organization_before_one_exists_is_a_typed_error(org: Any) -> None:
    with pytest.raises(org_errors.AWSOrganizationsNotInUseError) as caught:
        await run(org.describe_organization())
    error = caught.value
    assert isinstance(error, ServiceError) and isinstance(error, iamlast.IamError)
    assert error.code == "AWSOrganizationsNotInUseException"
    assert error.status_code == 400
    assert error.request_id and len(error.request_id) > 10
    assert "not a member of an organization" in error.message
    assert b"AWSOrganizationsNotInUseException" in error.raw


async def test_create_and_describe_organization(org: Any) -> None:
    org_id, root_id = await _organization(org)
    described = (await run(org.describe_organization())).organization
    assert isinstance(described, org_models.Organization)
    assert described.id == org_id and org_id.startswith("o-")
    assert described.feature_set == "ALL"
    assert described.master_account_id == ACCOUNT
    assert root_id.startswith("r-")
    # A second organization is a typed error too.
    with pytest.raises(org_errors.AlreadyInOrganizationError) as caught:
        await run(org.create_organization(feature_set="ALL"))
    assert caught.value.request_id


async def test_accounts_ous_and_pagers_across_pages(org: Any) -> None:
    _, root_id = await _organization(org)
    ou = (
        await run(org.create_organizational_unit(parent_id=root_id, name="prod"))
    ).organizational_unit
    assert isinstance(ou, org_models.OrganizationalUnit)
    assert ou.id.startswith("ou-") and ou.name == "prod"

    made = []
    for i in range(5):
        status = (
            await run(org.create_account(email=f"acct{i}@example.com", account_name=f"acct-{i}"))
        ).create_account_status
        assert status.state == "SUCCEEDED" and status.account_id
        made.append(status.account_id)
    for account_id in made[:3]:
        await run(
            org.move_account(
                account_id=account_id, source_parent_id=root_id, destination_parent_id=ou.id
            )
        )

    # ListAccounts, two to a page: the management account and the five, in three pages.
    pager = org.paginate_list_accounts(page_size=2)
    pages = await collect(pager.pages())
    assert len(pages) == 3
    assert [len(p.accounts) for p in pages] == [2, 2, 2]
    assert pages[0].next_token and pages[-1].next_token is None
    accounts = await collect(org.paginate_list_accounts(page_size=2))
    assert all(isinstance(a, org_models.Account) for a in accounts)
    assert sorted(a.id for a in accounts) == sorted([ACCOUNT, *made])
    assert all(a.status == "ACTIVE" for a in accounts)

    # Under the OU: its three accounts, one to a page.
    under = await collect(org.paginate_list_accounts_for_parent(parent_id=ou.id, page_size=1))
    assert sorted(a.id for a in under) == sorted(made[:3])
    ou_pages = await collect(
        org.paginate_list_accounts_for_parent(parent_id=ou.id, page_size=1).pages()
    )
    assert len(ou_pages) == 3

    # The root's children: the OU, and the accounts left under the root.
    children = await collect(
        org.paginate_list_children(parent_id=root_id, child_type="ACCOUNT", page_size=1)
    )
    assert sorted(c.id for c in children) == sorted([ACCOUNT, *made[3:]])
    one = await run(org.list_children(parent_id=root_id, child_type="ORGANIZATIONAL_UNIT"))
    assert [(c.id, c.type) for c in one.children] == [(ou.id, "ORGANIZATIONAL_UNIT")]
    ous = await collect(org.paginate_list_organizational_units_for_parent(parent_id=root_id))
    assert [o.id for o in ous] == [ou.id]
    listed = await run(org.list_organizational_units_for_parent(parent_id=root_id))
    assert [o.name for o in listed.organizational_units] == ["prod"]

    # The plain method takes the token by hand.
    first = await run(org.list_accounts(max_results=2))
    second = await run(org.list_accounts(max_results=2, next_token=first.next_token))
    assert {a.id for a in first.accounts}.isdisjoint(a.id for a in second.accounts)


async def test_organizations_bad_input_is_refused_before_any_request(org: Any) -> None:
    with pytest.raises(ParamValidationError) as caught:
        await run(org.list_children(parent_id="r-abcd", child_type="SIDEWAYS"))
    assert "ChildType" in str(caught.value)
    with pytest.raises(ParamValidationError, match="ParentId"):
        await run(org.list_accounts_for_parent())
    with pytest.raises(ParamValidationError, match="MaxResults"):
        await run(org.list_accounts(max_results=0))
    # A pager checks its request when the first page is asked for, before sending it.
    with pytest.raises(ParamValidationError, match="ParentId"):
        await collect(org.paginate_list_accounts_for_parent(parent_id=["r-abcd"]))
    assert org._http_client is None  # nothing was sent


async def test_organizations_raw_response(org: Any) -> None:
    raw = await run(org.with_raw_response.describe_organization())
    assert raw.status_code == 400  # raw views do not raise
    assert raw.request_id
    with pytest.raises(org_errors.AWSOrganizationsNotInUseError):
        raw.parse()


# --------------------------------------------------------------------------- workflow drivers


def _list_every_account(page_size: int) -> Any:
    """A flow: every account id, following NextToken with snake_case Send kwargs."""
    ids: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"max_results": page_size}
        if token is not None:
            kwargs["next_token"] = token
        page = yield Send("ListAccounts", kwargs)
        ids.extend(a.id for a in page.accounts)
        token = page.next_token
        if token is None:
            return ids


def _assume_then_list(moto_url: str) -> Any:
    """A flow run on an IAM client: STS and Organizations clients of their own (``With``)."""
    options = {"endpoint_url": moto_url, "credentials": CREDENTIALS}

    def assume() -> Any:
        out = yield Send("AssumeRole", {"role_arn": ROLE_ARN, "role_session_name": "flow-test"})
        return out.credentials

    creds = yield With("sts", options, assume())
    listed = yield With(
        "organizations",
        {
            "endpoint_url": moto_url,
            "credentials": (creds.access_key_id, creds.secret_access_key, creds.session_token),
        },
        _list_every_account(1),
    )
    return creds, listed


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_flows_send_to_the_new_clients(kind: str, moto_url: str) -> None:
    setup = iamlast.organizations.Client(endpoint_url=moto_url, credentials=CREDENTIALS)
    with setup:
        await _organization(setup)
        setup.create_account(email="one@example.com", account_name="one")
        expected = sorted(a.id for a in setup.paginate_list_accounts())
        spec = setup._spec("ListAccounts")
        assert spec.name == "ListAccounts" and spec.paginator is not None
        page = setup._run("ListAccounts", None, {"max_results": 1}, raw=False, deadline=None)
        assert len(page.accounts) == 1 and page.next_token

    if kind == "sync":
        with iamlast.Client(endpoint_url=moto_url, credentials=CREDENTIALS) as iam:
            creds, listed = iam._driver.run(_assume_then_list(moto_url))
    else:
        async with iamlast.AsyncClient(endpoint_url=moto_url, credentials=CREDENTIALS) as aiam:
            creds, listed = await aiam._driver.run(_assume_then_list(moto_url))
    assert creds.access_key_id.startswith("ASIA")
    assert sorted(listed) == expected and len(listed) == 2
