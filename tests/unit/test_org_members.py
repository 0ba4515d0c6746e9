"""Which accounts an organization scan takes as active: ``State`` (which replaces the deprecated
``Status``) and ``Status`` are both read, and either saying anything but ACTIVE skips the account."""

from __future__ import annotations

from typing import Any

import pytest

from iamlast._runtime.flows.organization import _member, _skipped
from iamlast.organizations.models import Account


def _plan() -> Any:
    """What ``_skipped`` reads of an OrgPlan."""
    return type("Plan", (), {"skip_management": False, "skip_accounts": frozenset()})()


def _account(**members: Any) -> Account:
    return Account.of_json({"Id": "111122223333", "Name": "prod", **members})


@pytest.mark.parametrize(
    ("members", "status"),
    [
        ({"Status": "ACTIVE", "State": "ACTIVE"}, "ACTIVE"),
        ({"State": "ACTIVE"}, "ACTIVE"),
        ({"Status": "ACTIVE"}, "ACTIVE"),
        ({"State": "SUSPENDED"}, "SUSPENDED"),  # a response without the deprecated Status
        ({"Status": "SUSPENDED"}, "SUSPENDED"),
        ({"Status": "ACTIVE", "State": "PENDING_CLOSURE"}, "PENDING_CLOSURE"),
        ({"State": "CLOSED"}, "CLOSED"),
        ({"State": "PENDING_ACTIVATION"}, "PENDING_ACTIVATION"),
        ({}, None),
    ],
)
def test_state_and_status_are_both_read(members: dict[str, str], status: str | None) -> None:
    assert _member(_account(**members)).status == status


@pytest.mark.parametrize(
    "members", [{"State": "SUSPENDED"}, {"State": "CLOSED"}, {"Status": "SUSPENDED"}]
)
def test_an_account_not_active_by_either_member_is_skipped(members: dict[str, str]) -> None:
    plan = _plan()
    skipped = _skipped(_member(_account(**members)), plan, "999999999999")
    assert skipped is not None and skipped.reason == "suspended"


def test_an_active_account_is_scanned() -> None:
    plan = _plan()
    active = _member(_account(State="ACTIVE", Status="ACTIVE"))
    assert _skipped(active, plan, "999999999999") is None

