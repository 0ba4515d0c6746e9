"""When IAM began recording last-accessed data, and what it never records.

:class:`Tracking` carries AWS's published dates (IAM User Guide, "Where AWS tracks last
accessed information"): service-level tracking per Region, action-level tracking per service.
A window that begins before the data does proves nothing. It also names the actions IAM never
reports (:data:`NEVER_REPORTED`): their service showing no use proves nothing about them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from types import MappingProxyType

from .patterns import fold, matches

__all__ = [
    "DEFAULT_TRACKING",
    "NEVER_REPORTED",
    "TRACKING_PERIOD",
    "Tracking",
    "region_partition",
]

#: How far back IAM reports: a longer window cannot be proven.
TRACKING_PERIOD = timedelta(days=400)


def _day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


#: Actions IAM's last-accessed data never shows, so an unused service proves nothing about them.
#:
#: - ``iam:PassRole``: AWS documents it (IAM User Guide, "Things to know about last accessed
#:   information": "The iam:PassRole action is not tracked and is not included in IAM service
#:   last accessed information"; and Access Analyzer policy generation: "PassRole is not an API
#:   call. No CloudTrail logs are generated for iam:PassRole").
#: - The other "pass" permissions below are, like PassRole, permission-only actions that are
#:   authorized while the principal calls *another* service's API (the Service Authorization
#:   Reference: "pass a Connection resource to an AWS service that accepts a Connection ARN as
#:   input, such as codepipeline:CreatePipeline"): the principal never calls the granting
#:   service, so its last-accessed entry can read "not used" while they are. AWS does not say
#:   so in as many words; they are listed to be safe, and cost only a kept literal each.
#:
#: Pass-style permissions checked inside the granting service's own APIs (glue:PassConnection,
#: quicksight:PassDataSet, ...) are not listed: with that service unused they were not used.
#: Replace or extend the set with ``Tracking(never_reported=...)``.
NEVER_REPORTED: frozenset[str] = frozenset(
    {
        "iam:PassRole",
        "codestar-connections:PassConnection",
        "codestar-connections:PassRepository",
        "codeconnections:PassConnection",
        "codeconnections:PassRepository",
        "cleanrooms:PassCollaboration",
        "cleanrooms:PassMembership",
        "lambda:PassCapacityProvider",
        "lambda:PassNetworkConnector",
    }
)


#: Region name prefixes of the partitions other than ``aws`` (longest first where they nest).
_PARTITION_PREFIXES = (
    ("us-gov-", "aws-us-gov"),
    ("cn-", "aws-cn"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("eusc-", "aws-eusc"),
)


def region_partition(region: str) -> str:
    """The partition a Region belongs to, from its name: ``aws-us-gov`` for ``us-gov-west-1``,
    ``aws-cn`` for ``cn-north-1``, ..., ``aws`` for the others."""
    for prefix, partition in _PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return "aws"


@dataclass(frozen=True)
class Tracking:
    """When IAM began recording what a report says.

    ``regions``: service-level tracking start per Region (a Region not listed is not tracked
    at all). ``actions``: action-level tracking start per service namespace, ``actions_default``
    for the others. ``services``: a later service-level start for a namespace, when known.
    ``never_reported``: actions (``ns:Action``) last-accessed data never shows, whatever their
    service's entry says (:data:`NEVER_REPORTED`).
    """

    regions: Mapping[str, datetime]
    actions: Mapping[str, datetime]
    actions_default: datetime
    services: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))
    never_reported: frozenset[str] = NEVER_REPORTED

    def __post_init__(self) -> None:
        for action in self.never_reported:
            ns, colon, name = action.partition(":")
            if not colon or not ns or not name or "*" in action or "?" in action:
                raise ValueError(f"never_reported takes literal ns:Action names, not {action!r}")

    def unreported(self, namespace: str, pattern: str | None = None) -> tuple[str, ...]:
        """The never-reported actions of ``namespace``, sorted (those ``pattern`` matches, if
        given)."""
        ns = fold(namespace)
        return tuple(
            sorted(
                a
                for a in self.never_reported
                if fold(a.partition(":")[0]) == ns and (pattern is None or matches(pattern, a))
            )
        )

    def is_unreported(self, action: str) -> bool:
        """Whether last-accessed data never shows ``action`` (a literal ``ns:Action``)."""
        return fold(action) in self._folded

    @cached_property
    def _folded(self) -> frozenset[str]:
        # Asked once per action the trimmer and the checker decide: fold the list once.
        return frozenset(fold(a) for a in self.never_reported)

    def tracked_regions(self, partition: str) -> frozenset[str]:
        """The Regions of ``partition`` (``aws``, ``aws-us-gov``, ...) this table says IAM
        tracks; empty when it knows none there (then nothing there can be proven unused)."""
        return frozenset(r for r in self.regions if region_partition(r) == partition)

    def service_start(self, namespace: str, regions: Collection[str] | None) -> datetime | None:
        """From when a service's use is recorded in every Region that matters (None: some
        Region is not tracked at all). ``regions=None``: every Region IAM tracks."""
        names = self.regions.keys() if regions is None else regions
        starts = [self.regions.get(r) for r in names]
        if any(s is None for s in starts):
            return None
        start = max((s for s in starts if s is not None), default=_day(2015, 10, 1))
        extra = self.services.get(fold(namespace))
        return max(start, extra) if extra is not None else start

    def action_start(self, namespace: str, regions: Collection[str] | None) -> datetime | None:
        """From when a service's tracked actions are recorded (also bounded by the Regions)."""
        service = self.service_start(namespace, regions)
        if service is None:
            return None
        return max(service, self.actions.get(fold(namespace), self.actions_default))


#: AWS's published tracking dates (IAM User Guide): S3 actions from 2020-04-12; EC2, IAM and
#: Lambda actions from 2021-04-07; every other service's actions from 2023-05-23.
DEFAULT_TRACKING = Tracking(
    regions=MappingProxyType(
        {
            "us-east-1": _day(2015, 10, 1),
            "us-east-2": _day(2017, 10, 27),
            "us-west-1": _day(2015, 10, 1),
            "us-west-2": _day(2015, 10, 1),
            "af-south-1": _day(2020, 4, 22),
            "ap-east-1": _day(2019, 4, 24),
            "ap-south-2": _day(2022, 11, 22),
            "ap-southeast-3": _day(2021, 12, 13),
            "ap-southeast-4": _day(2023, 1, 23),
            "ap-south-1": _day(2016, 6, 27),
            "ap-northeast-3": _day(2018, 2, 11),
            "ap-northeast-2": _day(2016, 1, 6),
            "ap-southeast-1": _day(2015, 10, 1),
            "ap-southeast-2": _day(2015, 10, 1),
            "ap-northeast-1": _day(2015, 10, 1),
            "ca-central-1": _day(2017, 10, 28),
            "eu-central-1": _day(2015, 10, 1),
            "eu-west-1": _day(2015, 10, 1),
            "eu-west-2": _day(2017, 10, 28),
            "eu-south-1": _day(2020, 4, 28),
            "eu-west-3": _day(2017, 12, 18),
            "eu-south-2": _day(2022, 11, 15),
            "eu-north-1": _day(2018, 12, 12),
            "eu-central-2": _day(2022, 11, 8),
            "il-central-1": _day(2023, 8, 1),
            "me-south-1": _day(2019, 7, 29),
            "me-central-1": _day(2022, 8, 30),
            "sa-east-1": _day(2015, 12, 11),
            "us-gov-east-1": _day(2023, 7, 1),
            "us-gov-west-1": _day(2023, 7, 1),
        }
    ),
    actions=MappingProxyType(
        {
            "s3": _day(2020, 4, 12),
            "ec2": _day(2021, 4, 7),
            "iam": _day(2021, 4, 7),
            "lambda": _day(2021, 4, 7),
        }
    ),
    actions_default=_day(2023, 5, 23),
)
