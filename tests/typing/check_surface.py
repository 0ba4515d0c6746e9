"""Read by ``mypy --strict`` in ``make test`` (never run, never collected by pytest): the typed
surfaces that are built by transforming other types say what they promise.

``with_raw_response`` is typed from the operation methods themselves (``iamlast._runtime.raw``);
these lines hold it to the same parameters, overloads included, returning ``RawResponse`` of the
method's result. A ``# type: ignore[...]`` here asserts that mypy refuses the line: the project's
mypy settings (``warn_unused_ignores``) fail the run if it ever accepts it.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_type

import iamlast
import iamlast.organizations
import iamlast.sts
from iamlast import models
from iamlast._runtime.core import EmptyResponse
from iamlast._runtime.raw import RawResponse
from iamlast.pagination import AsyncPager, Pager


def sync_client(client: iamlast.Client) -> None:
    assert_type(client.list_roles(path_prefix="/"), models.ListRolesResponse)
    raw = client.with_raw_response
    assert_type(raw.list_roles(path_prefix="/", max_items=5), RawResponse[models.ListRolesResponse])
    assert_type(raw.list_roles(), RawResponse[models.ListRolesResponse])
    assert_type(raw.get_role(role_name="r"), RawResponse[models.GetRoleResponse])
    assert_type(raw.get_role(models.GetRoleRequest(role_name="r")), RawResponse[models.GetRoleResponse])
    assert_type(raw.delete_role(role_name="r"), RawResponse[EmptyResponse])
    assert_type(raw.get_account_summary(), RawResponse[models.GetAccountSummaryResponse])
    assert_type(raw.get_role(role_name="r").parse(), models.GetRoleResponse)
    raw.get_role()  # type: ignore[call-overload]
    raw.get_role(role_name=3)  # type: ignore[call-overload]
    raw.list_roles(no_such_argument=1)  # type: ignore[call-overload]
    raw.no_such_operation()  # type: ignore[attr-defined]
    assert_type(client.paginate_list_roles(path_prefix="/"), Pager[models.ListRolesResponse, models.Role])


async def async_client(client: iamlast.AsyncClient) -> None:
    assert_type(await client.list_roles(path_prefix="/"), models.ListRolesResponse)
    raw = client.with_raw_response
    assert_type(await raw.list_roles(path_prefix="/"), RawResponse[models.ListRolesResponse])
    assert_type(await raw.get_role(role_name="r"), RawResponse[models.GetRoleResponse])
    assert_type(await raw.delete_role(role_name="r"), RawResponse[EmptyResponse])
    await raw.get_role()  # type: ignore[call-overload]
    raw.no_such_operation()  # type: ignore[attr-defined]
    assert_type(client.paginate_list_roles(), AsyncPager[models.ListRolesResponse, models.Role])


def sts_clients(client: iamlast.sts.Client) -> None:
    from iamlast.sts import models as sts

    out = client.assume_role(role_arn="arn", role_session_name="s", duration_seconds=900, external_id="e")
    assert_type(out, sts.AssumeRoleResponse)
    assert out.credentials is not None
    assert_type(out.credentials.expiration, datetime)
    assert_type(client.get_caller_identity().account, str | None)
    assert_type(client.with_raw_response.get_caller_identity(), RawResponse[sts.GetCallerIdentityResponse])
    client.assume_role(role_arn="arn")  # type: ignore[call-overload]
    client.assume_role(role_arn="arn", role_session_name="s", duration_seconds="1")  # type: ignore[call-overload]


async def organizations_clients(
    client: iamlast.organizations.Client, aclient: iamlast.organizations.AsyncClient
) -> None:
    from iamlast.organizations import models as org

    assert_type(client.describe_organization(), org.DescribeOrganizationResponse)
    assert_type(client.list_accounts(next_token="t"), org.ListAccountsResponse)
    assert_type(client.list_accounts_for_parent(parent_id="r-1"), org.ListAccountsForParentResponse)
    assert_type(client.list_roots(), org.ListRootsResponse)
    assert_type(
        client.list_organizational_units_for_parent(parent_id="r-1"),
        org.ListOrganizationalUnitsForParentResponse,
    )
    assert_type(client.list_children(parent_id="r-1", child_type="ACCOUNT"), org.ListChildrenResponse)
    assert_type(client.paginate_list_accounts(page_size=2), Pager[org.ListAccountsResponse, org.Account])
    assert_type(
        client.paginate_list_children(parent_id="r-1", child_type="ORGANIZATIONAL_UNIT"),
        Pager[org.ListChildrenResponse, org.Child],
    )
    client.list_children(parent_id="r-1", child_type="SIDEWAYS")  # type: ignore[call-overload]
    assert_type(await aclient.list_roots(), org.ListRootsResponse)
    assert_type(
        aclient.paginate_list_accounts_for_parent(parent_id="ou-1"),
        AsyncPager[org.ListAccountsForParentResponse, org.Account],
    )
    assert_type(
        await aclient.with_raw_response.describe_organization(),
        RawResponse[org.DescribeOrganizationResponse],
    )
