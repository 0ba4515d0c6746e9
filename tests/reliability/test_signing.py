"""The emulator's SigV4 check against iamlast's own clients (sync and async, one attempt each):
wrong secret, wrong region or service in the credential scope, a request signed more than five
minutes ago (or ahead), a missing or forged session token when temporary credentials were issued,
and a signed header changed on the way are all rejected with the typed error; the clients' normal
requests are accepted, with long-term and temporary credentials, explicit or from the environment.

tests/emulator/test_sigv4.py drives the verifier with botocore's signer and raw httpx; here the
requests are the clients' own.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import iamlast
import iamlast._runtime.core
from iamlast import AsyncClient, Client, errors, models
from iamlast._runtime.signing import sign_request
from iamlast.testing import FakeIAM

from .conftest import client_kwargs

pytestmark = pytest.mark.timeout(60)

MODES = ["sync", "async"]
WRONG_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET"


@pytest.fixture(params=[False, True], ids=["long-term", "temporary"])
def iam(request: pytest.FixtureRequest) -> Iterator[FakeIAM]:
    with FakeIAM(temporary_credentials=request.param, job_polls=0) as server:
        yield server


@pytest.fixture
def temporary() -> Iterator[FakeIAM]:
    with FakeIAM(temporary_credentials=True, job_polls=0) as server:
        yield server


async def call(mode: str, server: FakeIAM, method: str = "list_roles", **kwargs: Any) -> Any:
    """One operation through a fresh client of ``mode``; returns the result or the exception."""
    options = client_kwargs(server, max_attempts=1)
    options.update(kwargs.pop("client", {}))
    try:
        if mode == "sync":
            with Client(**options) as client:
                return getattr(client, method)(**kwargs)
        async with AsyncClient(**options) as aclient:
            return await getattr(aclient, method)(**kwargs)
    except iamlast.IamError as exc:
        return exc


def rejected(result: Any, cls: type[errors.ServiceError], server: FakeIAM, text: str = "") -> None:
    assert isinstance(result, cls), result
    assert result.status_code in (400, 403)
    assert result.attempts == 1
    assert text in result.message, result.message
    assert server.calls() == 1  # one attempt, not retried


# --------------------------------------------------------------------------------- accepted


@pytest.mark.parametrize("mode", MODES)
async def test_normal_requests_are_accepted(mode: str, iam: FakeIAM) -> None:
    result = await call(mode, iam, max_items=3)
    assert isinstance(result, models.ListRolesResponse), result
    assert len(result.roles) == 3
    report = await call(
        mode, iam, "last_accessed", arn=iam.account.admin_role.arn, poll_delay=0.005
    )
    assert not isinstance(report, Exception), report
    assert {r.status for r in iam.requests} == {200}


@pytest.mark.parametrize("mode", MODES)
async def test_non_ascii_and_reserved_characters_are_signed_right(mode: str, iam: FakeIAM) -> None:
    # Values the canonical request must percent-encode exactly: the emulator answers about the
    # marker (it is not one of its markers), not about the signature.
    marker = "ÿ é~*'()!+ /&=%"
    result = await call(
        mode, iam, "get_service_last_accessed_details", job_id="x" * 36, marker=marker
    )
    assert isinstance(result, errors.ServiceError), result
    assert not isinstance(result, errors.SignatureDoesNotMatchError), result.message
    assert iam.requests[-1].params["Marker"] == marker


@pytest.mark.parametrize("mode", MODES)
async def test_credentials_from_the_environment_are_accepted(
    mode: str, iam: FakeIAM, aws_env: pytest.MonkeyPatch
) -> None:
    for key, value in iam.env().items():
        aws_env.setenv(key, value)
    if mode == "sync":
        with Client() as client:
            assert client.endpoint_url == iam.endpoint_url
            result: Any = client.list_roles(max_items=1)
    else:
        async with AsyncClient() as aclient:
            result = await aclient.list_roles(max_items=1)
    assert len(result.roles) == 1
    assert iam.requests[-1].status == 200


@pytest.mark.parametrize("mode", MODES)
async def test_a_request_signed_four_minutes_ago_is_accepted(
    mode: str, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_at(monkeypatch, timedelta(minutes=-4))
    result = await call(mode, iam, max_items=1)
    assert not isinstance(result, Exception), result


# --------------------------------------------------------------------------------- rejected


@pytest.mark.parametrize("mode", MODES)
async def test_wrong_secret(mode: str, iam: FakeIAM) -> None:
    result = await call(mode, iam, client={"aws_secret_access_key": WRONG_SECRET})
    rejected(result, errors.SignatureDoesNotMatchError, iam, "does not match the signature")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("region", ["cn-north-1", "us-west-2", "us-gov-west-1"])
async def test_wrong_region_in_the_scope(mode: str, region: str, iam: FakeIAM) -> None:
    # An endpoint_url with a region: the client signs for that region (the emulator is us-east-1).
    result = await call(mode, iam, client={"region": region})
    rejected(result, errors.SignatureDoesNotMatchError, iam, f"not '{region}'")


def wrapped_signer(monkeypatch: pytest.MonkeyPatch, **overrides: Any) -> None:
    """Make the clients sign through sign_request with some arguments replaced (a custom signer)."""
    real = sign_request

    def sign(**kwargs: Any) -> dict[str, str]:
        return real(**{**kwargs, **overrides})

    monkeypatch.setattr(iamlast._runtime.core, "sign_request", sign)


def signed_at(monkeypatch: pytest.MonkeyPatch, offset: timedelta) -> None:
    real = sign_request

    def sign(**kwargs: Any) -> dict[str, str]:
        return real(**kwargs, now=datetime.now(UTC) + offset)

    monkeypatch.setattr(iamlast._runtime.core, "sign_request", sign)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("service", ["sts", "s3", "IAM"])
async def test_wrong_service_in_the_scope(
    mode: str, service: str, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrapped_signer(monkeypatch, service=service)
    result = await call(mode, iam)
    rejected(result, errors.SignatureDoesNotMatchError, iam, "scoped to correct service: 'iam'")


@pytest.mark.parametrize("mode", MODES)
async def test_request_older_than_five_minutes(
    mode: str, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_at(monkeypatch, timedelta(minutes=-6))
    result = await call(mode, iam)
    rejected(result, errors.SignatureDoesNotMatchError, iam, "Signature expired")


@pytest.mark.parametrize("mode", MODES)
async def test_request_more_than_five_minutes_ahead(
    mode: str, iam: FakeIAM, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_at(monkeypatch, timedelta(minutes=6))
    result = await call(mode, iam)
    rejected(result, errors.SignatureDoesNotMatchError, iam, "not yet current")


@pytest.mark.parametrize("mode", MODES)
async def test_missing_session_token_when_one_was_issued(mode: str, temporary: FakeIAM) -> None:
    result = await call(mode, temporary, client={"aws_session_token": None})
    rejected(result, errors.InvalidClientTokenIdError, temporary, "security token")


@pytest.mark.parametrize("mode", MODES)
async def test_forged_session_token(mode: str, temporary: FakeIAM) -> None:
    forged = str(temporary.session_token)[:-4] + "AAA="
    result = await call(mode, temporary, client={"aws_session_token": forged})
    rejected(result, errors.InvalidClientTokenIdError, temporary, "security token")


@pytest.mark.parametrize("mode", MODES)
async def test_unknown_access_key(mode: str, iam: FakeIAM) -> None:
    result = await call(mode, iam, client={"aws_access_key_id": "AKIAUNKNOWNKEY000001"})
    rejected(result, errors.InvalidClientTokenIdError, iam)


def _tamper(request: httpx.Request) -> None:
    # A signed header changed after signing (a proxy rewriting it, say).
    request.headers["Content-Type"] = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("mode", MODES)
async def test_a_signed_header_changed_on_the_way(mode: str, iam: FakeIAM) -> None:
    options = client_kwargs(iam, max_attempts=1)
    if mode == "sync":
        http = httpx.Client(event_hooks={"request": [_tamper]})
        with Client(http_client=http, **options) as client, http:
            with pytest.raises(errors.SignatureDoesNotMatchError):
                client.list_roles()
    else:

        async def tamper(request: httpx.Request) -> None:
            _tamper(request)

        ahttp = httpx.AsyncClient(event_hooks={"request": [tamper]})
        async with AsyncClient(http_client=ahttp, **options) as aclient, ahttp:
            with pytest.raises(errors.SignatureDoesNotMatchError):
                await aclient.list_roles()
    assert iam.calls() == 1


@pytest.mark.parametrize("mode", MODES)
async def test_rejections_are_not_retried_even_with_attempts_left(mode: str, iam: FakeIAM) -> None:
    result = await call(
        mode,
        iam,
        client={"aws_secret_access_key": WRONG_SECRET, "max_attempts": 5},
    )
    rejected(result, errors.SignatureDoesNotMatchError, iam)
