"""Read by ``mypy --strict`` in ``make test`` (never run, never collected by pytest): the typed
surfaces that are built by transforming other types say what they promise.

``with_raw_response`` is typed from the operation methods themselves (``iamlast._runtime.raw``);
these lines hold it to the same parameters, overloads included, returning ``RawResponse`` of the
method's result. A ``# type: ignore[...]`` here asserts that mypy refuses the line: the project's
mypy settings (``warn_unused_ignores``) fail the run if it ever accepts it.
"""

from __future__ import annotations

from typing import assert_type

import iamlast
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
