"""Where the client sends and which region it signs for, per partition and configured endpoint."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import respx

import iamlast

from ._support import AKID, LIST_ROLES_EMPTY, SECRET, verify_sigv4


def send(router: respx.MockRouter, url: str, **kwargs: Any) -> tuple[str, str]:
    """Make one call with ``kwargs``; return the URL it went to and the region it was signed for."""
    route = router.post(url).respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, **kwargs) as client:
        client.list_roles()
        assert client.endpoint_url == url.rstrip("/")
    assert route.call_count == 1
    request = route.calls.last.request
    signature = verify_sigv4(request, SECRET)
    assert request.headers["Host"] == request.url.netloc.decode()
    return str(request.url), signature.region


@pytest.mark.parametrize(
    ("kwargs", "url", "region"),
    [
        ({}, "https://iam.amazonaws.com/", "us-east-1"),
        ({"region": "us-east-1"}, "https://iam.amazonaws.com/", "us-east-1"),
        ({"region": "eu-west-1"}, "https://iam.amazonaws.com/", "us-east-1"),
        ({"region": "ap-southeast-2"}, "https://iam.amazonaws.com/", "us-east-1"),
        ({"region": "cn-north-1"}, "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1"),
        ({"region": "cn-northwest-1"}, "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1"),
        ({"region": "us-gov-west-1"}, "https://iam.us-gov.amazonaws.com/", "us-gov-west-1"),
        ({"region": "us-gov-east-1"}, "https://iam.us-gov.amazonaws.com/", "us-gov-west-1"),
        ({"region": "eu-west-1", "use_fips": True}, "https://iam-fips.amazonaws.com/", "us-east-1"),
        ({"region": "fips-us-east-1"}, "https://iam-fips.amazonaws.com/", "us-east-1"),
        (
            {"region": "cn-north-1", "use_fips": True},
            "https://iam-fips.amazonaws.com.cn/",
            "cn-north-1",
        ),
        (
            {"region": "us-gov-west-1", "use_fips": True},
            "https://iam.us-gov.amazonaws.com/",
            "us-gov-west-1",
        ),
        ({"region": "us-iso-east-1"}, "https://iam.us-iso-east-1.c2s.ic.gov/", "us-iso-east-1"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_partition_endpoints(
    router: respx.MockRouter, kwargs: dict[str, Any], url: str, region: str
) -> None:
    assert send(router, url, **kwargs) == (url, region)


def test_fips_from_the_environment(router: respx.MockRouter, aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_USE_FIPS_ENDPOINT", "true")
    assert send(router, "https://iam-fips.amazonaws.com/") == (
        "https://iam-fips.amazonaws.com/",
        "us-east-1",
    )


def test_region_from_the_environment(router: respx.MockRouter, aws_env: pytest.MonkeyPatch) -> None:
    aws_env.setenv("AWS_REGION", "cn-northwest-1")
    url = "https://iam.cn-north-1.amazonaws.com.cn/"
    assert send(router, url) == (url, "cn-north-1")


def test_region_from_the_config_file(router: respx.MockRouter, aws_env: pytest.MonkeyPatch) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text("[default]\nregion = us-gov-east-1\n")
    url = "https://iam.us-gov.amazonaws.com/"
    assert send(router, url) == (url, "us-gov-west-1")


def test_explicit_endpoint_url(router: respx.MockRouter) -> None:
    url = "http://127.0.0.1:4566/"
    assert send(router, url, endpoint_url="http://127.0.0.1:4566") == (url, "us-east-1")


def test_explicit_endpoint_url_with_path_and_region(router: respx.MockRouter) -> None:
    # A custom endpoint signs for the region given (there is no partition rule to apply).
    url = "https://proxy.example.com/iam/"
    assert send(router, url, endpoint_url=url, region="eu-west-1") == (url, "eu-west-1")


def test_endpoint_url_from_service_variable(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL", "http://generic.local:1111")
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", "http://iam.local:2222")
    url = "http://iam.local:2222/"
    assert send(router, url) == (url, "us-east-1")


def test_endpoint_url_from_generic_variable(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL", "http://generic.local:1111")
    url = "http://generic.local:1111/"
    assert send(router, url) == (url, "us-east-1")


def test_endpoint_url_argument_beats_the_environment(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", "http://iam.local:2222")
    url = "http://explicit.local:3333/"
    assert send(router, url, endpoint_url="http://explicit.local:3333") == (url, "us-east-1")


def test_configured_endpoints_can_be_ignored(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", "http://iam.local:2222")
    aws_env.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    url = "https://iam.amazonaws.com/"
    assert send(router, url) == (url, "us-east-1")


def test_endpoint_url_from_the_config_file(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[default]\nservices = local\n\n[services local]\niam =\n  endpoint_url = http://cfg.local:4444\n"
    )
    url = "http://cfg.local:4444/"
    assert send(router, url) == (url, "us-east-1")


BAD = [
    {"endpoint_url": "iam.amazonaws.com"},
    {"endpoint_url": "ftp://iam.amazonaws.com"},
    {"endpoint_url": "https://"},
    {"region": "not a region!"},
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: str(b))
def test_bad_endpoint_or_region_is_refused_before_sending(
    iam: respx.Route, bad: dict[str, str]
) -> None:
    # With a config file present resolution waits for the first request; either way nothing is sent.
    with pytest.raises(ValueError, match=r"endpoint_url|region"):
        with iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, **bad) as client:
            client.list_roles()
    assert iam.call_count == 0


@pytest.mark.parametrize("bad", BAD, ids=lambda b: str(b))
def test_bad_endpoint_or_region_is_refused_at_construction_without_config(
    aws_env: pytest.MonkeyPatch, tmp_path: Path, bad: dict[str, str]
) -> None:
    aws_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match=r"endpoint_url|region"):
        iamlast.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, **bad)


async def test_async_partition_endpoint(router: respx.MockRouter) -> None:
    route = router.post("https://iam.us-gov.amazonaws.com/").respond(200, content=LIST_ROLES_EMPTY)
    async with iamlast.AsyncClient(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, region="us-gov-east-1"
    ) as client:
        await client.list_roles()
    assert verify_sigv4(route.calls.last.request, SECRET).region == "us-gov-west-1"


async def test_async_endpoint_from_environment(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", "http://iam.local:2222")
    route = router.post("http://iam.local:2222/").respond(200, content=LIST_ROLES_EMPTY)
    async with iamlast.AsyncClient(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
        await client.list_roles()
    assert route.call_count == 1


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://[::1]:4566",
        "https://localhost:8443",
        "http://LOCALHOST:80",
        "https://iam.example.test:443",
    ],
)
def test_host_header_signed_as_sent(router: respx.MockRouter, endpoint: str) -> None:
    route = router.post(
        url__startswith=endpoint.lower().replace(":80", "").replace(":443", "")
    ).respond(200, content=LIST_ROLES_EMPTY)
    with iamlast.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, endpoint_url=endpoint
    ) as client:
        client.list_roles()
    request = route.calls.last.request
    verify_sigv4(request, SECRET)  # checks the Host the server receives is the one signed
