"""Workflow arguments are checked when the method is called, before any request, the same way
in both clients: a ParamValidationError naming the argument (and, for ARNs, the position)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from iamlast import errors
from iamlast.testing import FakeIAM, SyntheticAccount

from .both import FAST, MODES, Both

pytestmark = pytest.mark.timeout(60)

GOOD = "arn:aws:iam::123456789012:role/some-role"


@pytest.fixture(scope="module")
def iam() -> Iterator[FakeIAM]:
    account = SyntheticAccount.generate(5, users=2, roles=3, groups=1, policies=1, bulk_policies=False)
    with FakeIAM(account, job_polls=0) as server:
        yield server


@pytest.fixture(params=MODES)
async def both(request: pytest.FixtureRequest, iam: FakeIAM) -> AsyncIterator[Both]:
    kw = iam.iamlast_kwargs()
    b = Both(request.param, **kw)
    iam.clear_log()
    yield b
    await b.close()


def _refused(exc: pytest.ExceptionInfo[errors.ParamValidationError], field: str) -> None:
    assert field in exc.value.fields, (field, exc.value.fields, str(exc.value))
    assert field in str(exc.value)


BAD_ARNS: list[tuple[Any, str]] = [
    ([GOOD, None, GOOD], "arns[1]"),
    ([GOOD, 42], "arns[1]"),
    ([3.5], "arns[0]"),
    ([GOOD, b"arn:aws:iam::123456789012:role/x"], "arns[1]"),
    ([GOOD, "not-an-arn"], "arns[1]"),
    ([GOOD, " arn:aws:iam::123456789012:role/padded"], "arns[1]"),
    (GOOD, "arns"),  # a bare str is not a list of ARNs (it would be read as characters)
    (GOOD.encode(), "arns"),
    (12, "arns"),
]


@pytest.mark.parametrize(("arns", "field"), BAD_ARNS)
async def test_scan_refuses_anything_but_arn_strings(
    both: Both, iam: FakeIAM, arns: Any, field: str
) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        both.client.scan(arns, **FAST)  # refused at the call, not at the first result
    _refused(info, field)
    assert iam.calls() == 0


async def test_scan_names_every_bad_position_at_once(both: Both, iam: FakeIAM) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        both.client.scan([None, GOOD, 7, "x"], concurrency=0)
    assert set(info.value.fields) == {"arns[0]", "arns[2]", "arns[3]", "concurrency"}
    assert iam.calls() == 0


NAN, INF = math.nan, math.inf

BAD_ARGUMENTS: list[tuple[str, tuple[Any, ...], dict[str, Any], str]] = [
    ("last_accessed", (GOOD,), {"timeout": NAN}, "timeout"),
    ("last_accessed", (GOOD,), {"timeout": -1}, "timeout"),
    ("last_accessed", (GOOD,), {"timeout": 0}, "timeout"),
    ("last_accessed", (GOOD,), {"timeout": INF}, "timeout"),
    ("last_accessed", (GOOD,), {"timeout": "30"}, "timeout"),
    ("last_accessed", (GOOD,), {"poll_delay": 0}, "poll_delay"),
    ("last_accessed", (GOOD,), {"poll_delay": 2.0, "max_poll_delay": 1.0}, "max_poll_delay"),
    ("last_accessed", (GOOD,), {"granularity": "EVERYTHING"}, "granularity"),
    ("last_accessed", (GOOD,), {"with_entities": "yes"}, "with_entities"),
    ("last_accessed", (GOOD,), {"concurrency": "8"}, "concurrency"),
    ("last_accessed", (GOOD,), {"concurrency": 0}, "concurrency"),
    ("last_accessed", (GOOD,), {"page_size": 0}, "page_size"),
    ("last_accessed", (42,), {}, "arn"),
    ("wait_for_job", ("a" * 36,), {"timeout": NAN}, "timeout"),
    ("wait_for_job", ("a" * 36,), {"initial_delay": -0.5}, "initial_delay"),
    ("wait_for_organizations_report", ("a" * 36,), {"timeout": -3}, "timeout"),
    ("wait_for_organizations_report", ("a" * 36,), {"sort_key": "SIDEWAYS"}, "sort_key"),
    ("organizations_report", ("o-a1b2c3d4e5/r-ab12",), {"timeout": "soon"}, "timeout"),
    ("organizations_report", (None,), {}, "entity_path"),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "field"), BAD_ARGUMENTS)
async def test_workflow_arguments_are_checked_before_any_request(
    both: Both, iam: FakeIAM, method: str, args: tuple[Any, ...], kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        await both.call(method, *args, **kwargs)
    _refused(info, field)
    assert iam.calls() == 0  # last_accessed used to generate a job before it checked


BAD_SCAN_OPTIONS: list[tuple[dict[str, Any], str]] = [
    ({"concurrency": "8"}, "concurrency"),
    ({"concurrency": 2.5}, "concurrency"),
    ({"concurrency": True}, "concurrency"),
    ({"concurrency": 0}, "concurrency"),
    ({"rate_limit": 0}, "rate_limit"),
    ({"rate_limit": "fast"}, "rate_limit"),
    ({"rate_limit": NAN}, "rate_limit"),
    ({"timeout": NAN}, "timeout"),
    ({"progress": 3}, "progress"),
    ({"users": "yes"}, "users"),
    ({"granularity": "service"}, "granularity"),
]


@pytest.mark.parametrize(("kwargs", "field"), BAD_SCAN_OPTIONS)
async def test_scan_options_are_checked_at_the_call(
    both: Both, iam: FakeIAM, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        both.client.scan(None, **kwargs)
    _refused(info, field)
    with pytest.raises(errors.ParamValidationError):
        both.client.discover(users="no")  # type: ignore[arg-type]
    assert iam.calls() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": "10"}, "page_size"),
        ({"max_items": -1}, "max_items"),
        ({"max_pages": 0}, "max_pages"),
        ({"starting_marker": 5}, "starting_marker"),
    ],
)
async def test_pager_options_are_checked_when_the_pager_is_made(
    both: Both, iam: FakeIAM, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        both.client.paginate_services("a" * 36, **kwargs)
    _refused(info, field)
    with pytest.raises(errors.ParamValidationError) as generated:
        both.client.paginate_list_roles(**kwargs)
    _refused(generated, field)
    assert iam.calls() == 0


async def test_namespaces_must_be_a_list_of_strings(both: Both, iam: FakeIAM) -> None:
    with pytest.raises(errors.ParamValidationError) as info:
        both.client.paginate_policies_granting_service_access(GOOD, "s3")
    _refused(info, "service_namespaces")
    with pytest.raises(errors.ParamValidationError) as item:
        both.client.paginate_policies_granting_service_access(GOOD, ["s3", None])
    _refused(item, "service_namespaces[1]")
    assert iam.calls() == 0


async def test_every_arn_given_gets_exactly_one_result(both: Both, iam: FakeIAM) -> None:
    roles = sorted(r.arn for r in iam.account.roles.values())
    missing = "arn:aws:iam::123456789012:role/not-there"
    given = [roles[0], missing, *roles, roles[0], missing]  # repeats are scanned once
    results = await both.stream("scan", iter(given), concurrency=3, **FAST)
    arns = [r.arn for r in results]
    assert sorted(arns) == sorted({*roles, missing})
    by_arn = {r.arn: r for r in results}
    assert isinstance(by_arn[missing].error, errors.NoSuchEntityError)
    assert not by_arn[missing].ok and by_arn[missing].report is None
    assert all(by_arn[a].ok and by_arn[a].report is not None for a in roles)
    assert iam.calls("GenerateServiceLastAccessedDetails") == len(roles) + 1
