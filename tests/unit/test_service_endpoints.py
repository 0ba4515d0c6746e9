"""STS and Organizations endpoints: the rules written out in ``_runtime/endpoints.py`` against
botocore's rule-set engine (every region, FIPS and dual-stack) and against real botocore clients
(regions, pseudo regions, ``AWS_STS_REGIONAL_ENDPOINTS``, configured endpoints). No network: a
``before-send`` hook stops each botocore request.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from iamlast._runtime import endpoints
from iamlast._runtime.endpoints import Endpoint, resolve_endpoint

BOTOCORE_DATA = Path(str(__import__("botocore").__file__)).parent / "data"
VERSIONS = {"sts": "2011-06-15", "organizations": "2016-11-28"}
# An operation of each service to send (and stop) from botocore.
PROBE = {"sts": "get_caller_identity", "organizations": "describe_organization"}


def resolve(service: str, region: str | None = None, **kwargs: Any) -> Endpoint:
    kwargs.setdefault("environ", {})
    return resolve_endpoint(region=region, service=service, **kwargs)


# -- the rules, by example ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "environ", "url", "signing_region"),
    [
        (None, {}, "https://sts.amazonaws.com", "us-east-1"),
        ("aws-global", {}, "https://sts.amazonaws.com", "us-east-1"),
        ("us-east-1", {}, "https://sts.us-east-1.amazonaws.com", "us-east-1"),
        ("eu-west-1", {}, "https://sts.eu-west-1.amazonaws.com", "eu-west-1"),
        ("cn-north-1", {}, "https://sts.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("us-gov-west-1", {}, "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        ("fips-us-east-1", {}, "https://sts-fips.us-east-1.amazonaws.com", "us-east-1"),
        ("fips-us-gov-west-1", {}, "https://sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        # The legacy setting sends the old global regions to the global endpoint, and only them.
        (
            "eu-west-1",
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
            "https://sts.amazonaws.com",
            "us-east-1",
        ),
        (
            "us-east-1",
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
            "https://sts.amazonaws.com",
            "us-east-1",
        ),
        (
            "ap-east-1",
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"},
            "https://sts.ap-east-1.amazonaws.com",
            "ap-east-1",
        ),
        (
            "eu-west-1",
            {"AWS_STS_REGIONAL_ENDPOINTS": "regional"},
            "https://sts.eu-west-1.amazonaws.com",
            "eu-west-1",
        ),
        (
            "eu-west-1",
            {"AWS_STS_REGIONAL_ENDPOINTS": "legacy", "AWS_USE_FIPS_ENDPOINT": "true"},
            "https://sts-fips.eu-west-1.amazonaws.com",
            "eu-west-1",
        ),
    ],
)
def test_sts(region: str | None, environ: dict[str, str], url: str, signing_region: str) -> None:
    got = resolve("sts", region, environ=environ)
    assert (got.url, got.signing_region, got.source) == (url, signing_region, "default")


def test_sts_legacy_from_the_profile_and_bad_values() -> None:
    got = resolve("sts", "eu-west-1", profile_config={"sts_regional_endpoints": "legacy"})
    assert got.url == "https://sts.amazonaws.com"
    with pytest.raises(ValueError, match=r"sts_regional_endpoints .* not 'sideways'"):
        resolve("sts", "eu-west-1", environ={"AWS_STS_REGIONAL_ENDPOINTS": "sideways"})


@pytest.mark.parametrize(
    ("region", "fips", "url", "signing_region"),
    [
        (None, False, "https://organizations.us-east-1.amazonaws.com", "us-east-1"),
        ("eu-west-1", False, "https://organizations.us-east-1.amazonaws.com", "us-east-1"),
        ("ap-southeast-7", False, "https://organizations.us-east-1.amazonaws.com", "us-east-1"),
        ("us-east-1", True, "https://organizations-fips.us-east-1.amazonaws.com", "us-east-1"),
        (
            "cn-north-1",
            False,
            "https://organizations.cn-northwest-1.amazonaws.com.cn",
            "cn-northwest-1",
        ),
        (
            "us-gov-east-1",
            False,
            "https://organizations.us-gov-west-1.amazonaws.com",
            "us-gov-west-1",
        ),
        (
            "us-gov-east-1",
            True,
            "https://organizations.us-gov-west-1.amazonaws.com",
            "us-gov-west-1",
        ),
    ],
)
def test_organizations(region: str | None, fips: bool, url: str, signing_region: str) -> None:
    got = resolve("organizations", region, use_fips=fips)
    assert (got.url, got.signing_region) == (url, signing_region)


@pytest.mark.parametrize("service", ["sts", "organizations"])
def test_configured_endpoints_per_service(service: str) -> None:
    own = f"AWS_ENDPOINT_URL_{service.upper()}"
    other = "AWS_ENDPOINT_URL_IAM"
    environ = {own: "http://own:1", "AWS_ENDPOINT_URL": "http://all:2", other: "http://iam:3"}
    got = resolve(service, "eu-west-1", environ=environ)
    assert (got.url, got.source, got.signing_region) == ("http://own:1", f"env:{own}", "eu-west-1")
    del environ[own]
    assert resolve(service, "eu-west-1", environ=environ).url == "http://all:2"
    # The profile's services section: this service's entry, not IAM's.
    profile = {
        "services": {
            "iam": {"endpoint_url": "http://iam:4"},
            service: {"endpoint_url": "http://svc:5"},
        }
    }
    got = resolve(service, "eu-west-1", profile_config=profile)
    assert (got.url, got.source) == ("http://svc:5", "config")
    got = resolve("iam", "eu-west-1", profile_config=profile)
    assert got.url == "http://iam:4"
    # IAM's own variable does not move the other services.
    assert resolve(service, "eu-west-1", environ={other: "http://iam:3"}).source == "default"


def test_unknown_service_is_refused() -> None:
    with pytest.raises(ValueError, match="no endpoint rules for the service 's3'"):
        resolve("s3", "us-east-1")


# -- differential: botocore's rule-set engine --------------------------------------------------


@pytest.mark.parametrize("service", ["sts", "organizations"])
def test_matches_botocore_rule_set_engine(service: str) -> None:
    from botocore.endpoint_provider import EndpointProvider

    path = BOTOCORE_DATA / service / VERSIONS[service] / "endpoint-rule-set-1.json.gz"
    engine = EndpointProvider(
        json.loads(gzip.decompress(path.read_bytes())),
        json.loads((BOTOCORE_DATA / "partitions.json").read_text()),
    )
    regions = {r for p in endpoints._PARTITIONS for r in p.regions}
    regions |= {"us-west-42", "cn-south-9", "us-gov-north-3", "us-iso-south-2", "x"}
    checked = 0
    for region in sorted(regions):
        for fips in (False, True):
            for dualstack in (False, True):
                for legacy in (False, True) if service == "sts" else (False,):
                    params: dict[str, Any] = {
                        "Region": region,
                        "UseFIPS": fips,
                        "UseDualStack": dualstack,
                    }
                    if service == "sts":
                        # botocore sets UseGlobalEndpoint for the legacy regions only.
                        params["UseGlobalEndpoint"] = (
                            legacy and region in endpoints._STS_LEGACY_GLOBAL
                        )
                    theirs = engine.resolve_endpoint(**params)
                    environ = {"AWS_STS_REGIONAL_ENDPOINTS": "legacy"} if legacy else {}
                    ours = resolve_endpoint(
                        region=region,
                        use_fips=fips,
                        use_dualstack=dualstack,
                        environ=environ,
                        service=service,
                    )
                    schemes = theirs.properties.get("authSchemes") or [{}]
                    # No auth scheme in the rule: the client signs for its own region.
                    signing = schemes[0].get("signingRegion", region)
                    assert (ours.url, ours.signing_region) == (theirs.url, signing), params
                    checked += 1
    assert checked > 100


# -- differential: real botocore clients -------------------------------------------------------


class _Stop(Exception):
    pass


def botocore_endpoint(
    service: str,
    region: str | None,
    endpoint_url: str | None = None,
    *,
    session: Any = None,
    **config: Any,
) -> tuple[str, str]:
    """(URL sent to, signing region) of one call by a botocore client (of ``session``, or of a
    fresh one: a session reads the environment when it is made)."""
    import botocore.session
    from botocore.config import Config

    seen: dict[str, str] = {}

    def before_send(request: Any, **_: Any) -> None:
        seen["url"] = request.url
        auth = request.headers["Authorization"]
        auth = auth.decode() if isinstance(auth, bytes) else auth
        seen["region"] = re.search(rf"Credential=[^/]+/\d{{8}}/([^/]+)/{service}/", auth)[1]  # type: ignore[index]
        raise _Stop

    client = (session or botocore.session.Session()).create_client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(**config) if config else None,
    )
    client.meta.events.register("before-send", before_send)
    with pytest.raises(_Stop):
        getattr(client, PROBE[service])()
    return seen["url"], seen["region"]


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config


CLIENT_REGIONS = [
    None,
    "us-east-1",
    "eu-west-1",
    "ap-east-1",
    "aws-global",
    "cn-north-1",
    "us-gov-east-1",
    "fips-us-east-1",
    "us-gov-west-1-fips",
]


@pytest.mark.usefixtures("clean_aws_env")
@pytest.mark.parametrize(
    ("service", "legacy"), [("sts", False), ("sts", True), ("organizations", False)]
)
def test_matches_botocore_client(
    service: str, legacy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if legacy:  # AWS_STS_REGIONAL_ENDPOINTS is an STS setting
        monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
    import botocore.session

    session = botocore.session.Session()  # clients of one session are much cheaper to make
    for region in CLIENT_REGIONS:
        ours = resolve_endpoint(region=region, service=service)
        theirs = botocore_endpoint(service, region, session=session)
        assert (ours.url + "/", ours.signing_region) == theirs, region


@pytest.mark.usefixtures("clean_aws_env")
@pytest.mark.parametrize("service", ["sts", "organizations"])
def test_configured_endpoints_match_botocore(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for region in ("eu-west-1", "us-east-1"):
        url = "http://localhost:5000"
        ours = resolve_endpoint(region=region, endpoint_url=url, service=service)
        assert (ours.url + "/", ours.signing_region) == botocore_endpoint(service, region, url)
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service.upper()}", "http://own:1")
        ours = resolve_endpoint(region=region, service=service)
        assert (ours.url + "/", ours.signing_region) == botocore_endpoint(service, region)
        monkeypatch.delenv(f"AWS_ENDPOINT_URL_{service.upper()}")
