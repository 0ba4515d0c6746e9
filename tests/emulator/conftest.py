"""Fixtures for the emulator tests: a started FakeIAM, boto3 clients pointed at it, and
SigV4-signed raw requests (botocore's signer, so the emulator's verifier is checked against a
signer we did not write)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.config
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from iamlast.testing import FakeIAM, SyntheticAccount

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def boto_session() -> boto3.session.Session:
    # One session: botocore loads the IAM model once, later clients are cheap.
    return boto3.session.Session()


@pytest.fixture
def iam() -> Iterator[FakeIAM]:
    with FakeIAM(SyntheticAccount.generate(0, as_of=AS_OF), job_polls=1) as server:
        yield server


ClientFactory = Callable[..., Any]


@pytest.fixture
def make_client(boto_session: boto3.session.Session) -> ClientFactory:
    def make(server: FakeIAM, *, retries: int | None = None, validate: bool = True, **overrides: Any) -> Any:
        kwargs: dict[str, Any] = {**server.client_kwargs(), **overrides}
        config: dict[str, Any] = {"parameter_validation": validate}
        if retries is not None:
            config["retries"] = {"total_max_attempts": retries, "mode": "standard"}
        kwargs["config"] = botocore.config.Config(**config)
        return boto_session.client("iam", **kwargs)

    return make


@pytest.fixture
def client(iam: FakeIAM, make_client: ClientFactory) -> Any:
    return make_client(iam)


def sign(
    server: FakeIAM,
    body: bytes | str,
    *,
    method: str = "POST",
    url: str | None = None,
    secret: str | None = None,
    key_id: str | None = None,
    region: str = "us-east-1",
    service: str = "iam",
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers of a request signed by botocore's SigV4Auth."""
    hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})}
    req = AWSRequest(method=method, url=url or server.endpoint_url + "/", data=body if method == "POST" else None, headers=hdrs)
    creds = Credentials(key_id or server.access_key_id, secret or server.secret_access_key, token)
    SigV4Auth(creds, service, region).add_auth(req)
    return dict(req.headers.items())


def post(server: FakeIAM, params: dict[str, str], **sign_kwargs: Any) -> httpx.Response:
    """A signed awsQuery POST of ``params`` (Version added)."""
    body = httpx.QueryParams({"Version": "2010-05-08", **params}).__str__()
    return httpx.post(server.endpoint_url + "/", content=body, headers=sign(server, body, **sign_kwargs))
