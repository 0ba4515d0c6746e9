"""Endpoint resolution: partitions, FIPS, dual-stack, configured endpoints, URL checks.

The differential tests build real botocore clients (no network: a ``before-send`` hook stops each
request) and compare the URL botocore sends to and the region in its credential scope.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from iamlast._runtime import endpoints
from iamlast._runtime.endpoints import Endpoint, resolve_endpoint

BOTOCORE_DATA = Path(str(__import__("botocore").__file__)).parent / "data"


def resolve(region: str | None = None, **kwargs: Any) -> Endpoint:
    kwargs.setdefault("environ", {})
    return resolve_endpoint(region=region, **kwargs)


# -- partitions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "url", "signing_region", "partition"),
    [
        (None, "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("", "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("us-east-1", "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("eu-west-1", "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("ap-southeast-7", "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("us-west-42", "https://iam.amazonaws.com", "us-east-1", "aws"),  # by regex
        ("aws-global", "https://iam.amazonaws.com", "us-east-1", "aws"),
        ("iam", "https://iam.amazonaws.com", "us-east-1", "aws"),  # unknown: default partition
        ("cn-north-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn"),
        ("cn-northwest-1", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn"),
        ("aws-cn-global", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "aws-cn"),
        ("us-gov-west-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "aws-us-gov"),
        ("us-gov-east-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "aws-us-gov"),
        ("aws-us-gov-global", "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "https://iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1", "aws-iso"),
        ("us-iso-west-1", "https://iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1", "aws-iso"),
        (
            "us-isob-east-1",
            "https://iam.us-isob-east-1.sc2s.sgov.gov",
            "us-isob-east-1",
            "aws-iso-b",
        ),
        (
            "eu-isoe-west-1",
            "https://iam.eu-isoe-west-1.cloud.adc-e.uk",
            "eu-isoe-west-1",
            "aws-iso-e",
        ),
        (
            "us-isof-east-1",
            "https://iam.us-isof-south-1.csp.hci.ic.gov",
            "us-isof-south-1",
            "aws-iso-f",
        ),
        ("eusc-de-east-1", "https://iam.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1", "aws-eusc"),
    ],
)
def test_partitions(region: str | None, url: str, signing_region: str, partition: str) -> None:
    assert resolve(region) == Endpoint(url, signing_region, partition, "default")


@pytest.mark.parametrize(
    ("region", "url", "signing_region"),
    [
        ("us-east-1", "https://iam-fips.amazonaws.com", "us-east-1"),
        ("eu-west-1", "https://iam-fips.amazonaws.com", "us-east-1"),
        ("cn-north-1", "https://iam-fips.amazonaws.com.cn", "cn-north-1"),
        ("us-gov-west-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
        ("us-gov-east-1", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"),
        ("us-iso-east-1", "https://iam-fips.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
        ("eusc-de-east-1", "https://iam-fips.amazonaws.eu", "eusc-de-east-1"),
    ],
)
def test_fips(region: str, url: str, signing_region: str) -> None:
    got = resolve(region, use_fips=True)
    assert (got.url, got.signing_region) == (url, signing_region)


@pytest.mark.parametrize(
    ("region", "use_fips", "url"),
    [
        ("fips-aws-global", None, "https://iam-fips.amazonaws.com"),
        ("aws-global-fips", None, "https://iam-fips.amazonaws.com"),
        ("iam-fips", None, "https://iam-fips.amazonaws.com"),
        ("us-east-1-fips", None, "https://iam-fips.amazonaws.com"),
        ("fips-us-gov-west-1", None, "https://iam.us-gov.amazonaws.com"),
        ("fips-cn-north-1", None, "https://iam-fips.amazonaws.com.cn"),
        # The pseudo region wins over an explicit False, as in botocore.
        ("fips-us-east-1", False, "https://iam-fips.amazonaws.com"),
    ],
)
def test_fips_pseudo_regions(region: str, use_fips: bool | None, url: str) -> None:
    assert resolve(region, use_fips=use_fips).url == url


@pytest.mark.parametrize(
    ("region", "fips", "url"),
    [
        ("us-east-1", False, "https://iam.global.api.aws"),
        ("us-east-1", True, "https://iam-fips.global.api.aws"),
        ("cn-north-1", False, "https://iam.global.api.amazonwebservices.com.cn"),
        ("cn-north-1", True, "https://iam-fips.api.amazonwebservices.com.cn"),
        ("us-gov-west-1", False, "https://iam.us-gov.api.aws"),
        ("us-gov-west-1", True, "https://iam.us-gov.api.aws"),
        ("us-iso-east-1", False, "https://iam.api.aws.ic.gov"),
        ("us-isob-east-1", True, "https://iam-fips.api.aws.scloud"),
    ],
)
def test_dualstack(region: str, fips: bool, url: str) -> None:
    assert resolve(region, use_fips=fips, use_dualstack=True).url == url


def test_generic_rule_for_an_unnamed_partition() -> None:
    """The rule set's fallback branch, including its errors, for a partition it does not name."""
    plain = endpoints._Partition(
        "aws-new", re.compile("^new-"), frozenset(), "new.example", "ds.new.example", "new-1"
    )
    resolve_in = endpoints._partition_endpoint
    assert resolve_in(plain, False, False) == ("https://iam.new-1.new.example", "new-1")
    assert resolve_in(plain, True, False) == ("https://iam-fips.new-1.new.example", "new-1")
    assert resolve_in(plain, False, True) == ("https://iam.new-1.ds.new.example", "new-1")
    assert resolve_in(plain, True, True) == ("https://iam-fips.new-1.ds.new.example", "new-1")
    limited = endpoints._Partition(
        "aws-old", re.compile("^old-"), frozenset(), "o", "o", "old-1", False, False
    )
    with pytest.raises(ValueError, match="DualStack is enabled but this partition does not"):
        resolve_in(limited, False, True)
    with pytest.raises(ValueError, match="FIPS is enabled but this partition does not"):
        resolve_in(limited, True, False)
    with pytest.raises(ValueError, match="FIPS and DualStack are enabled"):
        resolve_in(limited, True, True)


@pytest.mark.parametrize("region", ["us_east_1", "-us-east-1", "123", "a" * 64, "eu.west.1"])
def test_invalid_region(region: str) -> None:
    with pytest.raises(ValueError, match="invalid region"):
        resolve(region)


# -- settings from the environment and the profile ---------------------------------------------


def test_fips_and_dualstack_settings() -> None:
    assert (
        resolve(environ={"AWS_USE_FIPS_ENDPOINT": "true"}).url == "https://iam-fips.amazonaws.com"
    )
    assert (
        resolve(environ={"AWS_USE_FIPS_ENDPOINT": "TRUE"}).url == "https://iam-fips.amazonaws.com"
    )
    assert resolve(environ={"AWS_USE_FIPS_ENDPOINT": "1"}).url == "https://iam.amazonaws.com"
    assert resolve(profile_config={"use_fips_endpoint": "true"}).url.startswith("https://iam-fips")
    # A set environment variable wins over the profile, even when false; the argument wins over all.
    env = {"AWS_USE_FIPS_ENDPOINT": "false"}
    assert resolve(environ=env, profile_config={"use_fips_endpoint": "true"}).url.startswith(
        "https://iam."
    )
    assert resolve(use_fips=True, environ=env).url.startswith("https://iam-fips")
    assert resolve(use_fips=False, profile_config={"use_fips_endpoint": True}).url.startswith(
        "https://iam."
    )
    ds = {"AWS_USE_DUALSTACK_ENDPOINT": "true"}
    assert resolve(environ=ds).url == "https://iam.global.api.aws"
    assert resolve(profile_config={"use_dualstack_endpoint": "true"}).url.endswith("api.aws")
    assert resolve(use_dualstack=False, environ=ds).url == "https://iam.amazonaws.com"


ALL_CONFIGURED = {
    "AWS_ENDPOINT_URL_IAM": "http://env-iam:1",
    "AWS_ENDPOINT_URL": "http://env-global:2",
}
PROFILE = {"services": {"iam": {"endpoint_url": "http://services:3"}}, "endpoint_url": "http://p:4"}


@pytest.mark.parametrize(
    ("endpoint_url", "environ", "profile", "url", "source"),
    [
        ("http://explicit:0", ALL_CONFIGURED, PROFILE, "http://explicit:0", "explicit"),
        (None, ALL_CONFIGURED, PROFILE, "http://env-iam:1", "env:AWS_ENDPOINT_URL_IAM"),
        (
            None,
            {"AWS_ENDPOINT_URL": "http://env-global:2"},
            PROFILE,
            "http://env-global:2",
            "env:AWS_ENDPOINT_URL",
        ),
        (None, {"AWS_ENDPOINT_URL_IAM": ""}, PROFILE, "http://services:3", "config"),
        (None, {}, {"endpoint_url": "http://p:4"}, "http://p:4", "config"),
        (
            None,
            {},
            {"services": {"s3": {"endpoint_url": "http://s3"}}, "endpoint_url": "http://p:4"},
            "http://p:4",
            "config",
        ),
        (None, {}, {}, "https://iam.amazonaws.com", "default"),
    ],
)
def test_configured_endpoint_precedence(
    endpoint_url: str | None,
    environ: dict[str, str],
    profile: dict[str, Any],
    url: str,
    source: str,
) -> None:
    got = resolve("eu-west-1", endpoint_url=endpoint_url, environ=environ, profile_config=profile)
    assert (got.url, got.source) == (url, source)


def test_services_section_by_name() -> None:
    sections = {"local": {"iam": {"endpoint_url": "http://localhost:5000"}}}
    got = resolve(profile_config={"services": "local"}, services_sections=sections)
    assert (got.url, got.source) == ("http://localhost:5000", "config")
    with pytest.raises(ValueError, match="services section 'missing'"):
        resolve(profile_config={"services": "missing"}, services_sections=sections)


@pytest.mark.parametrize(
    ("environ", "profile"),
    [
        ({"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, PROFILE),
        ({"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True"}, PROFILE),
        ({}, {**PROFILE, "ignore_configured_endpoint_urls": "true"}),
    ],
)
def test_ignore_configured_endpoints(environ: dict[str, str], profile: dict[str, Any]) -> None:
    env = {**ALL_CONFIGURED, **environ}
    got = resolve("eu-west-1", environ=env, profile_config=profile)
    assert got == Endpoint("https://iam.amazonaws.com", "us-east-1", "aws", "default")
    # The argument is never ignored.
    explicit = resolve(endpoint_url="http://x:9", environ=env, profile_config=profile)
    assert explicit.source == "explicit"


def test_ignore_flag_env_false_beats_profile_true() -> None:
    got = resolve(
        environ={**ALL_CONFIGURED, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
        profile_config={"ignore_configured_endpoint_urls": "true"},
    )
    assert got.source == "env:AWS_ENDPOINT_URL_IAM"


def test_default_environ_is_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "http://from-os:1")
    assert resolve_endpoint(region=None).url == "http://from-os:1"


@pytest.mark.parametrize(
    ("region", "signing_region", "partition"),
    [
        (None, "us-east-1", "aws"),
        ("eu-west-1", "eu-west-1", "aws"),
        ("cn-north-1", "cn-north-1", "aws-cn"),
        ("fips-us-gov-east-1", "us-gov-east-1", "aws-us-gov"),
    ],
)
def test_custom_endpoint_signing_region(
    region: str | None, signing_region: str, partition: str
) -> None:
    # FIPS and dual-stack settings do not apply to a custom endpoint; botocore ignores them too.
    got = resolve(region, endpoint_url="https://proxy.internal/iam/", use_fips=True)
    assert got == Endpoint("https://proxy.internal/iam", signing_region, partition, "explicit")


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("http://localhost:5000", "http://localhost:5000"),
        ("http://localhost:5000/", "http://localhost:5000"),
        ("HTTPS://Example.com:8443/a/b/", "https://Example.com:8443/a/b"),
        (" https://iam.example.com ", "https://iam.example.com"),
        ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
        ("http://[::1]:5000/", "http://[::1]:5000"),
    ],
)
def test_valid_urls(url: str, normalized: str) -> None:
    assert resolve(endpoint_url=url).url == normalized


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("iam.amazonaws.com", "needs a scheme, like https://iam.amazonaws.com"),
        ("localhost:5000", "needs a scheme"),
        ("ftp://example.com", "scheme must be http or https, not 'ftp'"),
        ("https://", "has no host"),
        ("https://:443", "has no host"),
        ("https://bad_host", "not a valid host name"),
        ("https://-bad.example", "not a valid host name"),
        ("http://localhost:99999", "Port out of range"),
        ("http://localhost:port", "Port could not be cast"),
        ("http://[nope]/", "does not appear to be an IPv4 or IPv6 address"),
        ("https://example.com/?x=1", "query, fragment or user info"),
        ("https://user:pw@example.com", "query, fragment or user info"),
    ],
)
def test_invalid_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=r"invalid endpoint_url .*" + re.escape(message)):
        resolve(endpoint_url=url)


def test_invalid_configured_url_names_its_source() -> None:
    with pytest.raises(ValueError, match=r"'example\.com' \(from env:AWS_ENDPOINT_URL_IAM\)"):
        resolve(environ={"AWS_ENDPOINT_URL_IAM": "example.com"})


# -- the static tables against botocore's data files -------------------------------------------


def test_partition_table_matches_botocore_data() -> None:
    data = json.loads((BOTOCORE_DATA / "partitions.json").read_text())
    theirs = [
        (
            p["id"],
            p["regionRegex"],
            frozenset(p["regions"]),
            p["outputs"]["dnsSuffix"],
            p["outputs"]["dualStackDnsSuffix"],
            p["outputs"]["implicitGlobalRegion"],
            p["outputs"]["supportsFIPS"],
            p["outputs"]["supportsDualStack"],
        )
        for p in data["partitions"]
    ]
    ours = [
        (
            p.name,
            p.region_regex.pattern,
            p.regions,
            p.dns_suffix,
            p.dualstack_dns_suffix,
            p.implicit_global_region,
            p.supports_fips,
            p.supports_dualstack,
        )
        for p in endpoints._PARTITIONS
    ]
    assert ours == theirs


def _explicit_rules(rule: dict[str, Any]) -> dict[tuple[str, bool, bool], tuple[str, str]]:
    """The rule set's endpoints chosen by partition name, keyed like the module's table."""
    found: dict[tuple[str, bool, bool], tuple[str, str]] = {}
    if rule["type"] == "tree":
        for child in rule["rules"]:
            found.update(_explicit_rules(child))
    elif rule["type"] == "endpoint":
        facts: dict[str, Any] = {}
        for cond in rule.get("conditions", []):
            if cond["fn"] == "stringEquals":
                facts["partition"] = cond["argv"][1]
            elif cond["fn"] == "booleanEquals":
                facts[cond["argv"][0]["ref"]] = cond["argv"][1]
        if "partition" in facts:
            url = rule["endpoint"]["url"]
            region = rule["endpoint"]["properties"]["authSchemes"][0]["signingRegion"]
            key = (facts["partition"], facts["UseFIPS"], facts["UseDualStack"])
            found[key] = (url.removeprefix("https://"), region)
    return found


def test_iam_table_matches_botocore_rule_set() -> None:
    path = BOTOCORE_DATA / "iam" / "2010-05-08" / "endpoint-rule-set-1.json.gz"
    ruleset = json.loads(gzip.decompress(path.read_bytes()))
    theirs: dict[tuple[str, bool, bool], tuple[str, str]] = {}
    for rule in ruleset["rules"]:
        theirs.update(_explicit_rules(rule))
    assert theirs == endpoints._IAM_HOSTS


# -- differential: botocore's rule-set engine and its own clients ------------------------------


def test_matches_botocore_rule_set_engine() -> None:
    """Every known region and pseudo region, every FIPS/dual-stack combination."""
    from botocore.endpoint_provider import EndpointProvider

    path = BOTOCORE_DATA / "iam" / "2010-05-08" / "endpoint-rule-set-1.json.gz"
    engine = EndpointProvider(
        json.loads(gzip.decompress(path.read_bytes())),
        json.loads((BOTOCORE_DATA / "partitions.json").read_text()),
    )
    regions = {r for p in endpoints._PARTITIONS for r in p.regions}
    regions |= {"us-west-42", "cn-south-9", "us-gov-north-3", "us-iso-south-2", "iam", "x"}
    for region in sorted(regions):
        for fips in (False, True):
            for dualstack in (False, True):
                theirs = engine.resolve_endpoint(
                    Region=region, UseFIPS=fips, UseDualStack=dualstack
                )
                ours = resolve_endpoint(
                    region=region, use_fips=fips, use_dualstack=dualstack, environ={}
                )
                scheme = theirs.properties["authSchemes"][0]
                assert (ours.url, ours.signing_region) == (theirs.url, scheme["signingRegion"])


class _Stop(Exception):
    pass


_SESSION: list[Any] = []


def botocore_endpoint(
    region: str | None, endpoint_url: str | None = None, *, session: Any = None, **config: Any
) -> Any:
    """(URL sent to, signing region) of a ListUsers call by a real botocore client."""
    import botocore.session
    from botocore.config import Config

    if session is None:
        # One session for the whole module: creating clients from it is 10x cheaper.
        if not _SESSION:
            _SESSION.append(botocore.session.get_session())
        session = _SESSION[0]
    seen: dict[str, str] = {}

    def before_send(request: Any, **_: Any) -> None:
        seen["url"] = request.url
        auth = request.headers["Authorization"]
        auth = auth.decode() if isinstance(auth, bytes) else auth
        seen["region"] = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/iam/", auth)[1]  # type: ignore[index]
        raise _Stop

    client = session.create_client(
        "iam",
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(**config) if config else None,
    )
    client.meta.events.register("before-send", before_send)
    with pytest.raises(_Stop):
        client.list_users()
    return seen["url"], seen["region"]


@pytest.fixture
def clean_aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_IAM",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ]:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    config.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config


# Pseudo regions and a missing region are handled by botocore's client, not its rule set.
REGIONS = [
    None,
    "us-east-1",
    "eu-west-1",
    "aws-global",
    "iam",
    "made-up-9",
    "cn-north-1",
    "aws-cn-global",
    "us-gov-east-1",
    "aws-us-gov-global",
    "us-iso-east-1",
    "us-isob-east-1",
    "eu-isoe-west-1",
    "us-isof-south-1",
    "eusc-de-east-1",
    "fips-aws-global",
    "aws-global-fips",
    "iam-fips",
    "fips-us-gov-west-1",
    "us-gov-east-1-fips",
    "fips-cn-north-1",
]


@pytest.mark.usefixtures("clean_aws_env")
@pytest.mark.parametrize("region", REGIONS)
def test_matches_botocore_client(region: str | None) -> None:
    from botocore.exceptions import EndpointVariantError

    for fips in (False, True):
        for dualstack in (False, True):
            ours = resolve_endpoint(region=region, use_fips=fips, use_dualstack=dualstack)
            try:
                theirs = botocore_endpoint(
                    region, use_fips_endpoint=fips, use_dualstack_endpoint=dualstack
                )
            except EndpointVariantError:
                # botocore's legacy resolver, consulted when the client is built, knows no
                # dual-stack host for aws-iso-e and aws-iso-f and refuses, though the rule set
                # (which we follow, and which botocore uses for the request) names one.
                assert dualstack
                assert ours.partition in ("aws-iso-e", "aws-iso-f")
                continue
            assert (ours.url + "/", ours.signing_region) == theirs, (fips, dualstack)


@pytest.mark.usefixtures("clean_aws_env")
@pytest.mark.parametrize("region", ["eu-west-1", "cn-north-1", "fips-us-east-1", "aws-global"])
def test_custom_endpoint_matches_botocore(region: str) -> None:
    for url in ("http://localhost:5000", "https://proxy.example:8443/iam/"):
        ours = resolve_endpoint(region=region, endpoint_url=url, use_fips=True)
        theirs = botocore_endpoint(region, url, use_fips_endpoint=True)
        assert (ours.url + "/", ours.signing_region) == theirs


def test_configured_endpoints_match_botocore(
    clean_aws_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_aws_env.write_text(
        "[default]\n"
        "services = local\n"
        "endpoint_url = http://profile:4\n"
        "[services local]\n"
        "iam =\n"
        "  endpoint_url = http://services:3\n"
    )
    import botocore.session

    session = botocore.session.Session()
    profile = session.get_scoped_config()
    sections = session.full_config.get("services", {})

    def both() -> tuple[Any, Any]:
        import os

        ours = resolve_endpoint(
            region="eu-west-1",
            environ=dict(os.environ),
            profile_config=profile,
            services_sections=sections,
        )
        fresh = botocore.session.Session()  # it reads the environment when it is created
        return (ours.url + "/", ours.signing_region), botocore_endpoint("eu-west-1", session=fresh)

    steps = [
        ("AWS_ENDPOINT_URL_IAM", "http://env-iam:1"),
        ("AWS_ENDPOINT_URL", "http://env-global:2"),
    ]
    for name, value in steps:
        monkeypatch.setenv(name, value)
    expected = ["http://env-iam:1/", "http://env-global:2/", "http://services:3/"]
    for i, url in enumerate(expected):
        ours, theirs = both()
        assert ours == theirs == (url, "eu-west-1")
        if i < len(steps):
            monkeypatch.delenv(steps[i][0])
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    ours, theirs = both()
    assert ours == theirs == ("https://iam.amazonaws.com/", "us-east-1")
