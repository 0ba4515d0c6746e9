"""Client-test fixtures: an empty AWS environment, a mocked IAM endpoint, fake time and random."""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import respx

import iamlast
import iamlast._async_client
import iamlast._client
from iamlast._runtime import retry

from ._support import AKID, IAM, SECRET, FakeClock


@pytest.fixture(autouse=True)
def _empty_aws_env(aws_env: pytest.MonkeyPatch) -> None:
    """Every client test runs with nothing real to read (see tests/conftest.py)."""


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    """Every httpx transport is mocked: a request to an unrouted URL fails the test."""
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as mock:
        yield mock


@pytest.fixture
def iam(router: respx.MockRouter) -> respx.Route:
    """The IAM endpoint (aws partition). Set ``.side_effect`` or call ``.respond(...)``."""
    return router.post(IAM)


@pytest.fixture
def client() -> Iterator[iamlast.Client]:
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as c:
        yield c


@pytest.fixture
async def aclient() -> AsyncIterator[iamlast.AsyncClient]:
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as c:
        yield c


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Both clients sleep on this clock: no real waiting; ``clock.sleeps`` lists every delay."""
    fake = FakeClock()
    monkeypatch.setattr(iamlast._client, "time", fake)
    monkeypatch.setattr(iamlast._async_client, "time", fake)
    monkeypatch.setattr(
        iamlast._async_client,
        "asyncio",
        types.SimpleNamespace(sleep=fake.async_sleep, to_thread=asyncio.to_thread),
    )
    return fake


@pytest.fixture
def rand(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """``rand(x)`` makes the backoff's random() return x.

    ``decide`` binds ``random.random`` as a keyword default, so patching the random module
    would not reach it; its default is replaced instead.
    """
    defaults = retry.decide.__kwdefaults__
    assert defaults is not None and "random" in defaults

    def set_value(value: float) -> None:
        monkeypatch.setitem(defaults, "random", lambda: value)

    return set_value
