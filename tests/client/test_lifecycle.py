"""Connection pools, context managers, TLS verification and timeouts."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import pytest
import respx

import iamlast

from ._support import AKID, LIST_ROLES_EMPTY, SECRET


def pool_context(http: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    context: ssl.SSLContext = http._transport._pool._ssl_context  # type: ignore[union-attr]
    return context


def test_context_manager_closes_its_own_pool(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        client.list_roles()
        http = client._http_client
        assert isinstance(http, httpx.Client) and not http.is_closed
    assert http.is_closed


def test_close_is_idempotent_and_a_client_that_never_sent_closes_cleanly() -> None:
    client = iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET)
    client.close()
    client.close()


def test_injected_http_client_is_left_open(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    http = httpx.Client()
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, http_client=http
    ) as client:
        client.list_roles()
    assert not http.is_closed
    assert http.post("https://iam.amazonaws.com/").status_code == 200  # still usable
    http.close()


async def test_async_context_manager_closes_its_own_pool(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        await client.list_roles()
        http = client._http_client
        assert isinstance(http, httpx.AsyncClient) and not http.is_closed
    assert http.is_closed


async def test_async_injected_http_client_is_left_open(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    async with httpx.AsyncClient() as http:
        async with iamlast.AsyncClient(
            aws_access_key_id=AKID, aws_secret_access_key=SECRET, http_client=http
        ) as client:
            await client.list_roles()
        assert not http.is_closed
        assert (await http.post("https://iam.amazonaws.com/")).status_code == 200


def test_pool_is_reused_across_calls(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        client.list_roles()
        first = client._http_client
        client.list_roles()
        assert client._http_client is first


# --------------------------------------------------------------------------- TLS


@pytest.mark.parametrize("endpoint", [None, "https://iam.example.test", "http://127.0.0.1:9"])
def test_tls_verification_is_on_by_default(endpoint: str | None) -> None:
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, endpoint_url=endpoint
    ) as client:
        context = pool_context(client._http)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname


def test_verify_false_turns_verification_off_only_when_passed() -> None:
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, verify=False
    ) as client:
        context = pool_context(client._http)
    assert context.verify_mode == ssl.CERT_NONE
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        assert pool_context(client._http).verify_mode == ssl.CERT_REQUIRED


def test_verify_with_an_ssl_context() -> None:
    mine = ssl.create_default_context()
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, verify=mine
    ) as client:
        assert pool_context(client._http) is mine


async def test_async_tls_verification(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        await client.list_roles()
        assert client._http_client is not None
        context = pool_context(client._http_client)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    async with iamlast.AsyncClient(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, verify=False
    ) as client:
        await client.list_roles()
        assert client._http_client is not None
        assert pool_context(client._http_client).verify_mode == ssl.CERT_NONE


# --------------------------------------------------------------------------- timeouts


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [
        (None, httpx.Timeout(60.0)),
        (5, httpx.Timeout(5.0)),
        (2.5, httpx.Timeout(2.5)),
        (httpx.Timeout(1.0, connect=3.0), httpx.Timeout(1.0, connect=3.0)),
    ],
)
def test_timeout(timeout: Any, expected: httpx.Timeout) -> None:
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, timeout=timeout
    ) as client:
        assert client._http.timeout == expected


@pytest.mark.parametrize("bad", [0, -1, "10", True])
def test_bad_timeout_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="timeout"):
        iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, timeout=bad)


def test_timeout_reaches_the_request(iam: respx.Route) -> None:
    iam.respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, timeout=7) as client:
        client.list_roles()
    assert iam.calls.last.request.extensions["timeout"] == httpx.Timeout(7.0).as_dict()


def test_verify_with_a_ca_bundle_path() -> None:
    import warnings

    import certifi

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with iamlast.Client(
            aws_access_key_id=AKID, aws_secret_access_key=SECRET, verify=certifi.where()
        ) as client:
            context = pool_context(client._http)
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_retry_settings_from_the_environment(aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_RETRY_MODE", "adaptive")
    aws_env.setenv("AWS_MAX_ATTEMPTS", "7")
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        assert (client.retry_policy.mode, client.retry_policy.max_attempts) == ("adaptive", 7)
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, retry_mode="standard", max_attempts=2
    ) as client:
        assert (client.retry_policy.mode, client.retry_policy.max_attempts) == ("standard", 2)


async def test_async_client_reads_the_config_file_off_the_event_loop(
    iam: respx.Route, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from iamlast._base_client import BaseClient

    threads: list[int] = []
    original = BaseClient._load_config

    def spy(self: BaseClient) -> Any:
        threads.append(threading.get_ident())
        return original(self)

    monkeypatch.setattr(BaseClient, "_load_config", spy)
    iam.respond(200, content=LIST_ROLES_EMPTY)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        await client.list_roles()
        await client.list_roles()
    assert len(threads) == 1  # the (empty) config file exists, so it is read, once
    assert threads[0] != threading.get_ident()
