"""Where requests go and which region signs them, for IAM, STS and Organizations.

IAM is a global service: one endpoint per partition, whatever region of that partition is asked
for. Organizations too, at ``organizations.<the partition's global region>``. STS is regional
(``sts.<region>``), with the global ``sts.amazonaws.com`` for ``aws-global`` (and for no region),
or for the legacy global regions under ``AWS_STS_REGIONAL_ENDPOINTS=legacy``. The tables below
are the services' ``endpoint-rule-set-1.json`` and botocore's ``partitions.json`` (botocore
1.44.8) written out by hand; ``tests/unit/test_endpoints.py`` and
``tests/unit/test_service_endpoints.py`` check them against botocore, and this module never loads
botocore data at runtime.

Configured endpoints follow the AWS SDKs' shared rules: the ``endpoint_url`` argument, then
``AWS_ENDPOINT_URL_<SERVICE>`` (``_IAM``, ``_STS``, ``_ORGANIZATIONS``), ``AWS_ENDPOINT_URL``, the
profile's ``services`` section (its ``iam`` / ``sts`` / ``organizations`` entry), the profile's
``endpoint_url``; ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` keeps only the argument.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

__all__ = ["SERVICES", "Endpoint", "EndpointSource", "resolve_endpoint"]

EndpointSource = Literal[
    "explicit",
    "env:AWS_ENDPOINT_URL_IAM",
    "env:AWS_ENDPOINT_URL_STS",
    "env:AWS_ENDPOINT_URL_ORGANIZATIONS",
    "env:AWS_ENDPOINT_URL",
    "config",
    "default",
]
"""Where an endpoint URL came from."""

#: The services whose default endpoints this module knows (botocore's names, which are also
#: the keys of a profile's ``services`` section and, upper-cased, the ``AWS_ENDPOINT_URL_*``
#: suffixes).
SERVICES = ("iam", "sts", "organizations")


@dataclass(frozen=True)
class Endpoint:
    """A resolved endpoint: send to ``url + "/"``, sign for ``signing_region``."""

    url: str
    """Scheme, host, optional port and path, never ending in ``/``."""
    signing_region: str
    partition: str
    source: EndpointSource


@dataclass(frozen=True)
class _Partition:
    name: str
    region_regex: re.Pattern[str]
    regions: frozenset[str]
    dns_suffix: str
    dualstack_dns_suffix: str
    implicit_global_region: str
    supports_fips: bool = True
    supports_dualstack: bool = True


def _partition(
    name: str, regex: str, regions: str, dns: str, dualstack_dns: str, global_region: str
) -> _Partition:
    return _Partition(
        name, re.compile(regex), frozenset(regions.split()), dns, dualstack_dns, global_region
    )


# partitions.json, in its order: the first partition whose region list or regex matches wins,
# and an unmatched region falls back to the first ("aws").
_PARTITIONS: tuple[_Partition, ...] = (
    _partition(
        "aws",
        r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
        "af-south-1 ap-east-1 ap-east-2 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1"
        " ap-south-2 ap-southeast-1 ap-southeast-2 ap-southeast-3 ap-southeast-4 ap-southeast-5"
        " ap-southeast-6 ap-southeast-7 aws-global ca-central-1 ca-west-1 eu-central-1"
        " eu-central-2 eu-north-1 eu-south-1 eu-south-2 eu-west-1 eu-west-2 eu-west-3"
        " il-central-1 me-central-1 me-south-1 me-west-1 mx-central-1 sa-east-1 sa-west-1"
        " us-east-1 us-east-2 us-west-1 us-west-2",
        "amazonaws.com",
        "api.aws",
        "us-east-1",
    ),
    _partition(
        "aws-cn",
        r"^cn\-\w+\-\d+$",
        "aws-cn-global cn-north-1 cn-northwest-1",
        "amazonaws.com.cn",
        "api.amazonwebservices.com.cn",
        "cn-northwest-1",
    ),
    _partition(
        "aws-eusc",
        r"^eusc\-(de)\-\w+\-\d+$",
        "eusc-de-east-1",
        "amazonaws.eu",
        "api.amazonwebservices.eu",
        "eusc-de-east-1",
    ),
    _partition(
        "aws-iso",
        r"^us\-iso\-\w+\-\d+$",
        "aws-iso-global us-iso-east-1 us-iso-west-1",
        "c2s.ic.gov",
        "api.aws.ic.gov",
        "us-iso-east-1",
    ),
    _partition(
        "aws-iso-b",
        r"^us\-isob\-\w+\-\d+$",
        "aws-iso-b-global us-isob-east-1 us-isob-west-1",
        "sc2s.sgov.gov",
        "api.aws.scloud",
        "us-isob-east-1",
    ),
    _partition(
        "aws-iso-e",
        r"^eu\-isoe\-\w+\-\d+$",
        "aws-iso-e-global eu-isoe-west-1",
        "cloud.adc-e.uk",
        "api.cloud-aws.adc-e.uk",
        "eu-isoe-west-1",
    ),
    _partition(
        "aws-iso-f",
        r"^us\-isof\-\w+\-\d+$",
        "aws-iso-f-global us-isof-east-1 us-isof-south-1",
        "csp.hci.ic.gov",
        "api.aws.hci.ic.gov",
        "us-isof-south-1",
    ),
    _partition(
        "aws-us-gov",
        r"^us\-gov\-\w+\-\d+$",
        "aws-us-gov-global us-gov-east-1 us-gov-west-1",
        "amazonaws.com",
        "api.aws",
        "us-gov-west-1",
    ),
)

# IAM's rule set names an endpoint for every (partition, FIPS, dual-stack) of these partitions;
# the values are (host, signing region). Note the quirks it encodes: aws-cn signs for cn-north-1
# (not the partition's implicit global region), and aws-us-gov has no separate FIPS host.
_IAM_HOSTS: dict[tuple[str, bool, bool], tuple[str, str]] = {
    ("aws", False, False): ("iam.amazonaws.com", "us-east-1"),
    ("aws", True, False): ("iam-fips.amazonaws.com", "us-east-1"),
    ("aws", False, True): ("iam.global.api.aws", "us-east-1"),
    ("aws", True, True): ("iam-fips.global.api.aws", "us-east-1"),
    ("aws-cn", False, False): ("iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ("aws-cn", True, False): ("iam-fips.amazonaws.com.cn", "cn-north-1"),
    ("aws-cn", False, True): ("iam.global.api.amazonwebservices.com.cn", "cn-north-1"),
    ("aws-cn", True, True): ("iam-fips.api.amazonwebservices.com.cn", "cn-north-1"),
    ("aws-us-gov", False, False): ("iam.us-gov.amazonaws.com", "us-gov-west-1"),
    ("aws-us-gov", True, False): ("iam.us-gov.amazonaws.com", "us-gov-west-1"),
    ("aws-us-gov", False, True): ("iam.us-gov.api.aws", "us-gov-west-1"),
    ("aws-us-gov", True, True): ("iam.us-gov.api.aws", "us-gov-west-1"),
    ("aws-iso", False, False): ("iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
    ("aws-iso", True, False): ("iam-fips.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"),
    ("aws-iso", False, True): ("iam.api.aws.ic.gov", "us-iso-east-1"),
    ("aws-iso", True, True): ("iam-fips.api.aws.ic.gov", "us-iso-east-1"),
    ("aws-iso-b", False, False): ("iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"),
    ("aws-iso-b", True, False): ("iam-fips.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"),
    ("aws-iso-b", False, True): ("iam.api.aws.scloud", "us-isob-east-1"),
    ("aws-iso-b", True, True): ("iam-fips.api.aws.scloud", "us-isob-east-1"),
    ("aws-iso-e", False, False): ("iam.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1"),
    ("aws-iso-e", True, False): ("iam-fips.cloud.adc-e.uk", "eu-isoe-west-1"),
    ("aws-iso-e", False, True): ("iam.api.cloud-aws.adc-e.uk", "eu-isoe-west-1"),
    ("aws-iso-e", True, True): ("iam-fips.api.cloud-aws.adc-e.uk", "eu-isoe-west-1"),
    ("aws-iso-f", False, False): ("iam.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1"),
    ("aws-iso-f", True, False): ("iam-fips.csp.hci.ic.gov", "us-isof-south-1"),
    ("aws-iso-f", False, True): ("iam.api.aws.hci.ic.gov", "us-isof-south-1"),
    ("aws-iso-f", True, True): ("iam-fips.api.aws.hci.ic.gov", "us-isof-south-1"),
    ("aws-eusc", False, False): ("iam.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"),
    ("aws-eusc", True, False): ("iam-fips.amazonaws.eu", "eusc-de-east-1"),
    ("aws-eusc", False, True): ("iam.global.api.amazonwebservices.eu", "eusc-de-east-1"),
    ("aws-eusc", True, True): ("iam-fips.api.amazonwebservices.eu", "eusc-de-east-1"),
}

# botocore's validate_region_name: a region must be a valid DNS host label.
_REGION_RE = re.compile(r"(?![0-9]+$)(?!-)[a-zA-Z0-9-]{,63}(?<!-)")
_LABEL_RE = re.compile(r"(?!-)[a-z\d-]{1,63}(?<!-)", re.IGNORECASE)
_DEFAULT_REGION = "us-east-1"


def _find_partition(region: str) -> _Partition:
    for partition in _PARTITIONS:
        if region in partition.regions or partition.region_regex.match(region):
            return partition
    return _PARTITIONS[0]


def _partition_endpoint(partition: _Partition, fips: bool, dualstack: bool) -> tuple[str, str]:
    """The rule set's answer for one partition: (https URL, signing region)."""
    known = _IAM_HOSTS.get((partition.name, fips, dualstack))
    if known is not None:
        return f"https://{known[0]}", known[1]
    # The rule set's generic branch, for a partition it does not name.
    _check_variants(partition, fips, dualstack)
    prefix = "iam-fips" if fips else "iam"
    suffix = partition.dualstack_dns_suffix if dualstack else partition.dns_suffix
    region = partition.implicit_global_region
    return f"https://{prefix}.{region}.{suffix}", region


def _truthy(value: Any) -> bool:
    # botocore's ensure_boolean: only "true" in any case, or the bool True.
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() == "true"


def _setting(
    explicit: bool | None,
    environ: Mapping[str, str],
    env: str,
    profile: Mapping[str, Any],
    key: str,
) -> bool:
    # An environment variable that is set wins over the profile, even when it says "false".
    if explicit is not None:
        return explicit
    if env in environ:
        return _truthy(environ[env])
    return _truthy(profile.get(key))


def _configured_url(
    service: str,
    environ: Mapping[str, str],
    profile: Mapping[str, Any],
    services_sections: Mapping[str, Any] | None,
) -> tuple[str, EndpointSource] | None:
    # Empty values are skipped, as botocore's "if endpoint_url:" does.
    own = f"AWS_ENDPOINT_URL_{service.upper()}"
    if environ.get(own):
        return environ[own], f"env:{own}"  # type: ignore[return-value]
    if environ.get("AWS_ENDPOINT_URL"):
        return environ["AWS_ENDPOINT_URL"], "env:AWS_ENDPOINT_URL"
    services = profile.get("services")
    if isinstance(services, str):
        section = (services_sections or {}).get(services)
        if not section:
            raise ValueError(
                f"the profile uses the services section {services!r}, "
                "but the configuration has no such section"
            )
        services = section
    if isinstance(services, Mapping):
        entry = services.get(service)
        if isinstance(entry, Mapping) and entry.get("endpoint_url"):
            return str(entry["endpoint_url"]), "config"
    if profile.get("endpoint_url"):
        return str(profile["endpoint_url"]), "config"
    return None


def _check_url(url: str, source: EndpointSource) -> str:
    where = "" if source == "explicit" else f" (from {source})"
    problem = f"invalid endpoint_url {url!r}{where}"
    if "://" not in url:
        raise ValueError(f"{problem}: it needs a scheme, like https://{url.strip()}")
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - urlsplit checks brackets early but the port only when asked
    except ValueError as exc:
        raise ValueError(f"{problem}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError(f"{problem}: the scheme must be http or https, not {parts.scheme!r}")
    if not parts.hostname:
        raise ValueError(f"{problem}: it has no host")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{problem}: it may not carry a query, fragment or user info")
    host = parts.hostname or ""
    if not _valid_host(host):
        raise ValueError(f"{problem}: {host!r} is not a valid host name")
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.removesuffix(".").split(".")
    return len(host) <= 255 and all(_LABEL_RE.fullmatch(label) for label in labels)


# The regions the STS rule set sends to the global endpoint when asked to (botocore's
# LEGACY_GLOBAL_STS_REGIONS: AWS_STS_REGIONAL_ENDPOINTS=legacy).
_STS_LEGACY_GLOBAL = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "aws-global",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
_STS_GLOBAL = ("https://sts.amazonaws.com", "us-east-1")


def _check_variants(partition: _Partition, fips: bool, dualstack: bool) -> None:
    if fips and dualstack and not (partition.supports_fips and partition.supports_dualstack):
        raise ValueError(
            "FIPS and DualStack are enabled, but this partition does not support one or both"
        )
    if fips and not partition.supports_fips:
        raise ValueError("FIPS is enabled but this partition does not support FIPS")
    if dualstack and not partition.supports_dualstack:
        raise ValueError("DualStack is enabled but this partition does not support DualStack")


def _sts_endpoint(
    region: str, partition: _Partition, fips: bool, dualstack: bool, legacy: bool
) -> tuple[str, str]:
    """STS's rule set: regional hosts, the global host for ``aws-global`` (and, under the
    legacy setting, for the regions that once used it). Signs for the region asked for."""
    if legacy and not fips and not dualstack and region in _STS_LEGACY_GLOBAL:
        return _STS_GLOBAL
    _check_variants(partition, fips, dualstack)
    if fips and dualstack:
        return f"https://sts-fips.{region}.{partition.dualstack_dns_suffix}", region
    if fips:
        if partition.name == "aws-us-gov":  # GovCloud's regional hosts are FIPS already
            return f"https://sts.{region}.amazonaws.com", region
        return f"https://sts-fips.{region}.{partition.dns_suffix}", region
    if dualstack:
        return f"https://sts.{region}.{partition.dualstack_dns_suffix}", region
    if region == "aws-global":
        return _STS_GLOBAL
    return f"https://sts.{region}.{partition.dns_suffix}", region


def _organizations_endpoint(partition: _Partition, fips: bool, dualstack: bool) -> tuple[str, str]:
    """Organizations' rule set: one endpoint per partition, in (and signed for) its global
    region; GovCloud's FIPS endpoint is its plain one."""
    region = partition.implicit_global_region
    if partition.name == "aws-us-gov" and fips:
        suffix = partition.dualstack_dns_suffix if dualstack else partition.dns_suffix
        return f"https://organizations.{region}.{suffix}", region
    _check_variants(partition, fips, dualstack)
    prefix = "organizations-fips" if fips else "organizations"
    suffix = partition.dualstack_dns_suffix if dualstack else partition.dns_suffix
    return f"https://{prefix}.{region}.{suffix}", region


def _sts_legacy(environ: Mapping[str, str], profile: Mapping[str, Any]) -> bool:
    value = environ.get("AWS_STS_REGIONAL_ENDPOINTS") or profile.get("sts_regional_endpoints")
    setting = str(value or "regional").strip().lower()
    if setting not in ("regional", "legacy"):
        raise ValueError(
            f"sts_regional_endpoints (AWS_STS_REGIONAL_ENDPOINTS) must be 'regional' or "
            f"'legacy', not {value!r}"
        )
    return setting == "legacy"


def resolve_endpoint(
    *,
    region: str | None,
    endpoint_url: str | None = None,
    use_fips: bool | None = None,
    use_dualstack: bool | None = None,
    environ: Mapping[str, str] | None = None,
    profile_config: Mapping[str, Any] | None = None,
    services_sections: Mapping[str, Any] | None = None,
    service: str = "iam",
) -> Endpoint:
    """Resolve the endpoint of ``service`` (one of :data:`SERVICES`) for ``region`` as botocore
    does.

    ``environ`` defaults to ``os.environ``; ``profile_config`` is the active profile's settings
    (``endpoint_url``, ``services``, ``use_fips_endpoint``, ``use_dualstack_endpoint``,
    ``ignore_configured_endpoint_urls``, and for STS ``sts_regional_endpoints``). A profile's
    ``services`` names a section of ``services_sections`` (the config file's
    ``[services ...]`` sections), or is that section.

    A region of None means the global ``aws`` partition. ``fips-`` / ``-fips`` pseudo regions turn
    FIPS on. A custom endpoint ignores FIPS and dual-stack (as botocore does) and signs for the
    given region, or us-east-1 when there is none (botocore would refuse). Raises ValueError
    for a malformed region or endpoint URL.
    """
    if service not in SERVICES:
        raise ValueError(f"no endpoint rules for the service {service!r}")
    environ = os.environ if environ is None else environ
    profile = profile_config or {}
    if region is not None and not _REGION_RE.fullmatch(region):
        raise ValueError(f"invalid region {region!r}: a region must be a valid DNS label")
    region = region or None
    forced_fips = False
    if region is not None:
        bare = region.replace("fips-", "").replace("-fips", "")
        forced_fips, region = bare != region, bare

    configured: tuple[str, EndpointSource] | None = None
    if endpoint_url is not None:
        configured = endpoint_url, "explicit"
    elif not _setting(
        None,
        environ,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        profile,
        "ignore_configured_endpoint_urls",
    ):
        configured = _configured_url(service, environ, profile, services_sections)
    if configured is not None:
        url, source = configured
        signing_region = region or _DEFAULT_REGION
        name = _find_partition(signing_region).name
        return Endpoint(_check_url(url, source), signing_region, name, source)

    fips = forced_fips or _setting(
        use_fips, environ, "AWS_USE_FIPS_ENDPOINT", profile, "use_fips_endpoint"
    )
    dualstack = _setting(
        use_dualstack, environ, "AWS_USE_DUALSTACK_ENDPOINT", profile, "use_dualstack_endpoint"
    )
    # botocore hands a missing region to the rule set as "aws-global".
    region = region or "aws-global"
    partition = _find_partition(region)
    if service == "sts":
        legacy = _sts_legacy(environ, profile)
        url, signing_region = _sts_endpoint(region, partition, fips, dualstack, legacy)
    elif service == "organizations":
        url, signing_region = _organizations_endpoint(partition, fips, dualstack)
    else:
        url, signing_region = _partition_endpoint(partition, fips, dualstack)
    return Endpoint(url, signing_region, partition.name, "default")
