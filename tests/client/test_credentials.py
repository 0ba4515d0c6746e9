"""Credentials through the client: explicit, from the default chain, and refreshed before expiry
(in a worker thread for the async client)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import respx
from botocore.credentials import RefreshableCredentials

import iamlast
import iamlast._runtime.credentials
from iamlast import errors
from iamlast._runtime.signing import Credentials

from ._support import AKID, LIST_ROLES_EMPTY, SECRET, TOKEN, verify_sigv4


def signed_key(iam: respx.Route, secret: str) -> str:
    """The access key that signed the last request, after checking the signature with ``secret``."""
    return verify_sigv4(iam.calls.last.request, secret).access_key


class Clock:
    """The wall clock both botocore's credentials and iamlast's refresh check read."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        clock = self

        class FrozenDatetime(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> FrozenDatetime:  # type: ignore[override]
                moment = clock.now if tz is not None else clock.now.replace(tzinfo=None)
                return (
                    cls.fromtimestamp(moment.timestamp(), tz)
                    if tz
                    else cls.fromtimestamp(moment.timestamp())
                )

        monkeypatch.setattr(iamlast._runtime.credentials, "datetime", FrozenDatetime)


def refreshable(clock: Clock, refreshes: list[int]) -> RefreshableCredentials:
    def refresh() -> dict[str, str]:
        refreshes.append(threading.get_ident())
        n = len(refreshes) + 1
        return {
            "access_key": f"AKIDREFRESHED{n}",
            "secret_key": f"secret-{n}",
            "token": f"token-{n}",
            "expiry_time": (clock.now + timedelta(hours=1)).isoformat(),
        }

    return RefreshableCredentials(
        access_key="AKIDFIRST",
        secret_key="secret-1",
        token="token-1",
        expiry_time=clock.now + timedelta(hours=1),
        refresh_using=refresh,
        method="test",
        time_fetcher=lambda: clock.now,
    )


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    clock.install(monkeypatch)
    return clock


def test_botocore_refreshable_credentials_are_refreshed_before_expiry(
    iam: respx.Route, wall_clock: Clock
) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    refreshes: list[int] = []
    with iamlast.Client(credentials=refreshable(wall_clock, refreshes)) as client:
        client.list_roles()
        assert signed_key(iam, "secret-1") == "AKIDFIRST"
        assert iam.calls.last.request.headers["X-Amz-Security-Token"] == "token-1"

        wall_clock.now += timedelta(minutes=30)  # still 30 minutes left: no refresh
        client.list_roles()
        assert signed_key(iam, "secret-1") == "AKIDFIRST"
        assert refreshes == []

        wall_clock.now += timedelta(minutes=25)  # 5 minutes left: refresh first
        client.list_roles()
        assert signed_key(iam, "secret-2") == "AKIDREFRESHED2"
        assert iam.calls.last.request.headers["X-Amz-Security-Token"] == "token-2"
        assert len(refreshes) == 1

        client.list_roles()  # the new credentials are good for an hour
        assert signed_key(iam, "secret-2") == "AKIDREFRESHED2"
        assert len(refreshes) == 1


class FakeProvider:
    """The duck type iamlast accepts: ``get_frozen_credentials()`` and botocore's ``_expiry_time``.

    Each snapshot is a new key; the first expires in 10 minutes (inside the refresh window), the
    later ones in an hour.
    """

    def __init__(self) -> None:
        self.calls: list[int] = []
        self._expiry_time = datetime.now(UTC)

    def get_frozen_credentials(self) -> tuple[str, str, str]:
        self.calls.append(threading.get_ident())
        n = len(self.calls)
        self._expiry_time = datetime.now(UTC) + (
            timedelta(minutes=10) if n == 1 else timedelta(hours=1)
        )
        return (f"AKIDFAKE{n}", f"fake-secret-{n}", f"fake-token-{n}")


def test_fake_provider_refreshed_when_due(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    provider = FakeProvider()
    with iamlast.Client(credentials=provider) as client:  # type: ignore[arg-type]
        client.list_roles()
        assert signed_key(iam, "fake-secret-1") == "AKIDFAKE1"
        client.list_roles()
        assert signed_key(iam, "fake-secret-2") == "AKIDFAKE2"
        assert iam.calls.last.request.headers["X-Amz-Security-Token"] == "fake-token-2"
        client.list_roles()
        assert signed_key(iam, "fake-secret-2") == "AKIDFAKE2"
    assert len(provider.calls) == 2


async def test_async_refresh_runs_off_the_event_loop(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    loop_thread = threading.get_ident()
    provider = FakeProvider()
    async with iamlast.AsyncClient(credentials=provider) as client:  # type: ignore[arg-type]
        await client.list_roles()
        assert signed_key(iam, "fake-secret-1") == "AKIDFAKE1"
        await client.list_roles()
        assert signed_key(iam, "fake-secret-2") == "AKIDFAKE2"
        await client.list_roles()
        assert signed_key(iam, "fake-secret-2") == "AKIDFAKE2"
    assert len(provider.calls) == 2
    assert (
        loop_thread not in provider.calls
    )  # the first resolve and the refresh both ran in a thread


async def test_async_botocore_refresh_runs_off_the_event_loop(
    iam: respx.Route, wall_clock: Clock
) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    refreshes: list[int] = []
    async with iamlast.AsyncClient(credentials=refreshable(wall_clock, refreshes)) as client:
        await client.list_roles()
        wall_clock.now += timedelta(minutes=55)
        await client.list_roles()
    assert signed_key(iam, "secret-2") == "AKIDREFRESHED2"
    assert len(refreshes) == 1
    assert refreshes[0] != threading.get_ident()


@pytest.mark.parametrize(
    "make",
    [
        lambda: {"credentials": (AKID, SECRET, TOKEN)},
        lambda: {"credentials": Credentials(AKID, SECRET, TOKEN)},
        lambda: {
            "aws_access_key_id": AKID,
            "aws_secret_access_key": SECRET,
            "aws_session_token": TOKEN,
        },
    ],
    ids=["tuple", "Credentials", "keywords"],
)
def test_explicit_credentials(iam: respx.Route, make: Callable[[], dict[str, Any]]) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(**make()) as client:
        client.list_roles()
    assert signed_key(iam, SECRET) == AKID
    assert iam.calls.last.request.headers["X-Amz-Security-Token"] == TOKEN


def test_half_explicit_credentials_are_refused() -> None:
    with pytest.raises(ValueError, match="go together"):
        iamlast.Client(aws_access_key_id=AKID)
    with pytest.raises(ValueError):
        iamlast.Client(
            credentials=(AKID, SECRET), aws_access_key_id=AKID, aws_secret_access_key=SECRET
        )


def test_default_chain_reads_the_environment(iam: respx.Route, aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    aws_env.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-env")
    iam.respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client() as client:
        client.list_roles()
    assert signed_key(iam, "secret-from-env") == "AKIDFROMENV"
    assert "X-Amz-Security-Token" not in iam.calls.last.request.headers


def test_default_chain_reads_a_named_profile(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    import os

    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[dev]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = secret-from-file\n"
    )
    Path(os.environ["AWS_CONFIG_FILE"]).write_text("[profile dev]\nregion = cn-north-1\n")
    route = router.post("https://iam.cn-north-1.amazonaws.com.cn/").respond(
        200, content=LIST_ROLES_EMPTY
    )
    with iamlast.Client(profile="dev") as client:
        client.list_roles()
    signature = verify_sigv4(route.calls.last.request, "secret-from-file")
    assert (signature.access_key, signature.region) == ("AKIDFROMFILE", "cn-north-1")


def test_no_credentials_is_an_error_before_sending(iam: respx.Route) -> None:
    with iamlast.Client() as client, pytest.raises(errors.NoCredentialsError) as caught:
        client.list_roles()
    assert iam.call_count == 0
    assert "no AWS credentials found" in str(caught.value)


def test_unknown_profile_is_an_error(iam: respx.Route) -> None:
    with pytest.raises(errors.NoCredentialsError, match="nope"):
        with iamlast.Client(profile="nope") as client:
            client.list_roles()
    assert iam.call_count == 0


def test_failing_credential_process_is_an_iam_error(iam: respx.Route) -> None:
    import os
    import sys

    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        f"[default]\ncredential_process = {sys.executable} -c 'import sys; sys.exit(3)'\n"
    )
    with iamlast.Client() as client, pytest.raises(iamlast.IamError):
        client.list_roles()
    assert iam.call_count == 0
