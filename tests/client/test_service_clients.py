"""The STS and Organizations clients on the wire (respx): where each sends, what it signs for
and with which signing name, the protocol's headers and body, the per-service endpoint
settings (``AWS_ENDPOINT_URL_STS``, ``AWS_ENDPOINT_URL_ORGANIZATIONS``, the profile's
``services`` entry, ``AWS_STS_REGIONAL_ENDPOINTS``), and the errors of a bad response — the
same lifecycle as IAM's, sync and async."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

import iamlast.organizations
import iamlast.sts
from iamlast._services import client_class
from iamlast.errors import ResponseParseError, UnknownServiceError
from iamlast.organizations import errors as org_errors

from ._support import AKID, SECRET, verify_sigv4

CALLER = (
    b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    b"<GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/me</Arn>"
    b"<UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>req-sts-1</RequestId></ResponseMetadata>"
    b"</GetCallerIdentityResponse>"
)
ROOTS = json.dumps(
    {
        "Roots": [
            {
                "Id": "r-ab12",
                "Arn": "arn:aws:organizations::111122223333:root/o-x/r-ab12",
                "Name": "Root",
                "PolicyTypes": [],
                "FutureField": 7,
            }
        ],
        "SomethingNew": {"a": 1},
    }
).encode()
JSON_HEADERS = {"x-amzn-RequestId": "req-org-1", "Content-Type": "application/x-amz-json-1.1"}


def call_sts(router: respx.MockRouter, url: str, **kwargs: Any) -> tuple[str, Any]:
    """One GetCallerIdentity; the URL it went to and its verified signature."""
    route = router.post(url).respond(200, content=CALLER)
    with iamlast.sts.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET, **kwargs) as c:
        me = c.get_caller_identity()
        assert c.endpoint_url == url.rstrip("/")
    assert (me.account, me.arn, me.user_id) == (
        "111122223333",
        "arn:aws:iam::111122223333:user/me",
        "AIDAEXAMPLE",
    )
    assert me.response_metadata.request_id == "req-sts-1"
    request = route.calls.last.request
    assert parse_qs(request.content.decode()) == {
        "Action": ["GetCallerIdentity"],
        "Version": ["2011-06-15"],
    }
    return str(request.url), verify_sigv4(request, SECRET)


def call_org(router: respx.MockRouter, url: str, **kwargs: Any) -> tuple[str, Any]:
    route = router.post(url).respond(200, content=ROOTS, headers=JSON_HEADERS)
    with iamlast.organizations.Client(
        aws_access_key_id=AKID, aws_secret_access_key=SECRET, **kwargs
    ) as c:
        roots = c.list_roots()
    assert [r.id for r in roots.roots] == ["r-ab12"]
    request = route.calls.last.request
    assert request.headers["X-Amz-Target"] == "AWSOrganizationsV20161128.ListRoots"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(request.content) == {}
    return str(request.url), verify_sigv4(request, SECRET)


@pytest.mark.parametrize(
    ("kwargs", "url", "region"),
    [
        ({}, "https://sts.amazonaws.com/", "us-east-1"),
        ({"region": "eu-west-1"}, "https://sts.eu-west-1.amazonaws.com/", "eu-west-1"),
        ({"region": "us-east-1"}, "https://sts.us-east-1.amazonaws.com/", "us-east-1"),
        ({"region": "cn-north-1"}, "https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1"),
        (
            {"region": "eu-west-1", "use_fips": True},
            "https://sts-fips.eu-west-1.amazonaws.com/",
            "eu-west-1",
        ),
        ({"region": "eu-west-1", "endpoint_url": "http://local:1"}, "http://local:1/", "eu-west-1"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_sts_endpoints(
    router: respx.MockRouter, kwargs: dict[str, Any], url: str, region: str
) -> None:
    sent, signature = call_sts(router, url, **kwargs)
    assert (sent, signature.region, signature.service) == (url, region, "sts")


@pytest.mark.parametrize(
    ("kwargs", "url", "region"),
    [
        ({}, "https://organizations.us-east-1.amazonaws.com/", "us-east-1"),
        ({"region": "eu-west-1"}, "https://organizations.us-east-1.amazonaws.com/", "us-east-1"),
        (
            {"region": "cn-north-1"},
            "https://organizations.cn-northwest-1.amazonaws.com.cn/",
            "cn-northwest-1",
        ),
        (
            {"region": "us-gov-east-1"},
            "https://organizations.us-gov-west-1.amazonaws.com/",
            "us-gov-west-1",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_organizations_endpoints(
    router: respx.MockRouter, kwargs: dict[str, Any], url: str, region: str
) -> None:
    sent, signature = call_org(router, url, **kwargs)
    assert (sent, signature.region, signature.service) == (url, region, "organizations")


def test_legacy_sts_endpoints_from_the_environment(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    _, signature = call_sts(router, "https://sts.amazonaws.com/", region="eu-west-1")
    assert signature.region == "us-east-1"
    _, signature = call_sts(router, "https://sts.ap-east-1.amazonaws.com/", region="ap-east-1")
    assert signature.region == "ap-east-1"


def test_a_bad_sts_regional_setting_is_refused(aws_env: pytest.MonkeyPatch) -> None:
    from iamlast.errors import InvalidSettingError

    aws_env.setenv("AWS_STS_REGIONAL_ENDPOINTS", "global")
    with pytest.raises(InvalidSettingError, match="AWS_STS_REGIONAL_ENDPOINTS"):
        with iamlast.sts.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as client:
            client.get_caller_identity()


def test_per_service_endpoint_variables(
    router: respx.MockRouter, aws_env: pytest.MonkeyPatch
) -> None:
    aws_env.setenv("AWS_ENDPOINT_URL_IAM", "http://iam.local:1")
    aws_env.setenv("AWS_ENDPOINT_URL_STS", "http://sts.local:2")
    aws_env.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", "http://org.local:3")
    _, signature = call_sts(router, "http://sts.local:2/", region="eu-west-2")
    assert signature.region == "eu-west-2"
    _, signature = call_org(router, "http://org.local:3/")
    assert signature.region == "us-east-1"
    aws_env.delenv("AWS_ENDPOINT_URL_STS")
    aws_env.setenv("AWS_ENDPOINT_URL", "http://all.local:4")
    call_sts(router, "http://all.local:4/")


def test_endpoints_from_the_profile_services_section(router: respx.MockRouter) -> None:
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(
        "[default]\nregion = eu-central-1\nservices = local\n\n[services local]\n"
        "sts =\n  endpoint_url = http://sts.cfg:5\n"
        "organizations =\n  endpoint_url = http://org.cfg:6\n"
    )
    _, signature = call_sts(router, "http://sts.cfg:5/")
    assert signature.region == "eu-central-1"
    call_org(router, "http://org.cfg:6/")


def test_unknown_response_members_are_kept(router: respx.MockRouter) -> None:
    router.post("https://organizations.us-east-1.amazonaws.com/").respond(
        200, content=ROOTS, headers=JSON_HEADERS
    )
    with iamlast.organizations.Client(aws_access_key_id=AKID, aws_secret_access_key=SECRET) as c:
        roots = c.list_roots()
    assert roots.model_extra == {"SomethingNew": {"a": 1}}
    assert roots.roots[0].model_extra == {"FutureField": 7}
    assert roots.response_metadata.request_id == "req-org-1"


@pytest.mark.parametrize("asynchronous", [False, True])
async def test_errors_by_type_with_request_id_and_retries(
    router: respx.MockRouter, asynchronous: bool, clock: Any
) -> None:
    route = router.post("https://organizations.us-east-1.amazonaws.com/")
    route.side_effect = [
        httpx.Response(
            400,
            json={"__type": "ThrottlingException", "message": "slow down"},
            headers=JSON_HEADERS,
        ),
        httpx.Response(
            400,
            json={
                "__type": "com.amazonaws.organizations#AccountNotFoundException",
                "Message": "no such account",
            },
            headers=JSON_HEADERS,
        ),
        httpx.Response(418, content=b"<html>teapot</html>", headers={"x-amzn-RequestId": "req-x"}),
        httpx.Response(200, content=b"{not json", headers=JSON_HEADERS),
    ]
    kind = client_class("organizations", asynchronous=asynchronous)
    client = kind(aws_access_key_id=AKID, aws_secret_access_key=SECRET, max_attempts=2)

    async def call() -> Any:
        value = client.describe_account(account_id="111122223333")
        return await value if asynchronous else value

    try:
        with pytest.raises(org_errors.AccountNotFoundError) as caught:
            await call()  # the throttle is retried, the modelled error is not
        assert route.call_count == 2
        error = caught.value
        assert (error.code, error.message, error.request_id, error.status_code) == (
            "AccountNotFoundException",
            "no such account",
            "req-org-1",
            400,
        )
        with pytest.raises(UnknownServiceError) as unknown:
            await call()
        assert unknown.value.status_code == 418 and unknown.value.request_id == "req-x"
        with pytest.raises(ResponseParseError) as bad:
            await call()
        assert bad.value.request_id == "req-org-1"
    finally:
        if asynchronous:
            await client.aclose()
        else:
            client.close()


@pytest.mark.parametrize("service", ["sts", "organizations"])
@pytest.mark.parametrize("asynchronous", [False, True])
async def test_constructor_arguments_and_closing_are_the_iam_clients(
    service: str, asynchronous: bool
) -> None:
    from iamlast.errors import ClientClosedError, ParamValidationError

    kind = client_class(service, asynchronous=asynchronous)
    with pytest.raises(ParamValidationError) as caught:
        kind(max_attempts=0, retry_mode="sometimes", timeout=-1)
    assert {p.path for p in caught.value.problems} == {"max_attempts", "retry_mode", "timeout"}
    client = kind(
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        region="eu-west-1",
        max_attempts=5,
        retry_mode="adaptive",
        max_rate=3,
        call_timeout=9,
    )
    assert (client.retry_policy.mode, client.retry_policy.max_attempts) == ("adaptive", 5)
    assert client.call_timeout == 9
    if asynchronous:
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await client.get_caller_identity() if service == "sts" else await client.list_roots()
    else:
        client.close()
        with pytest.raises(ClientClosedError):
            client.get_caller_identity() if service == "sts" else client.list_roots()


def test_the_registry_imports_nothing_before_use() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from iamlast._services import client_class\n"
        "loaded = lambda: {m for m in sys.modules if m.startswith(('iamlast.sts', "
        "'iamlast.organizations', 'iamlast._generated_', 'iamlast._client', 'httpx'))}\n"
        "assert not loaded(), loaded()\n"
        "client_class('organizations', asynchronous=False)\n"
        "assert 'iamlast.organizations._clients' in sys.modules\n"
        "assert 'iamlast._generated_sts' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
