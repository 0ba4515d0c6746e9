"""A real moto server for the session (loopback, free port), reset before every test."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import iamlast

from ._support import CREDENTIALS, SMOKE_CALLED


@pytest.fixture(scope="session")
def moto_url() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def moto_admin(moto_url: str) -> Iterator[httpx.Client]:
    """One plain HTTP client for moto's own API (building one per test costs an SSL context)."""
    with httpx.Client(base_url=moto_url, timeout=10) as http:
        yield http


@pytest.fixture(autouse=True)
def _fresh_moto(moto_admin: httpx.Client, aws_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test starts from an empty account, with nothing real in the AWS environment.

    No config file at all: the clients then resolve everything at construction, without
    botocore reading (empty) files on the first request.
    """
    aws_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    moto_admin.post("/moto-api/reset").raise_for_status()


@pytest.fixture(params=["sync", "async"])
async def api(request: pytest.FixtureRequest, moto_url: str) -> AsyncIterator[Any]:
    """A Client or an AsyncClient on moto; write tests with ``await run(api.method(...))``."""
    if request.param == "sync":
        with iamlast.Client(endpoint_url=moto_url, credentials=CREDENTIALS) as client:
            yield client
    else:
        async with iamlast.AsyncClient(endpoint_url=moto_url, credentials=CREDENTIALS) as aclient:
            yield aclient


@pytest.fixture
def sync_api(moto_url: str) -> Iterator[iamlast.Client]:
    with iamlast.Client(endpoint_url=moto_url, credentials=CREDENTIALS) as client:
        yield client


@pytest.fixture(scope="session")
def boto(moto_url: str) -> Any:
    """boto3 on the same server, to set up state independently of the code under test."""
    import boto3

    return boto3.client(
        "iam",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS[0],
        aws_secret_access_key=CREDENTIALS[1],
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    sync, async_ = SMOKE_CALLED["sync"], SMOKE_CALLED["async"]
    if sync or async_:
        from iamlast.operations import OPERATIONS

        terminalreporter.write_line(
            f"moto smoke: {len(sync | async_)} of {len(OPERATIONS)} IAM operations smoke-called "
            f"({len(sync)} through Client, {len(async_)} through AsyncClient)"
        )
