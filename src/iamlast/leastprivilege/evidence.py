"""What the reports prove about one service or action in the window, and why.

Only raw report fields are read (``last_authenticated``, the tracked actions' ``last_accessed``,
``as_of``), never a status helper: the window is measured from each report's own ``as_of``. With
several reports (a policy shared by several principals) a grant is unused only when *every*
report proves it so; one report that saw it used, or that cannot tell, keeps it.

IAM started recording at different moments: per Region for services, and per service for
actions. :data:`DEFAULT_TRACKING` carries AWS's published dates (IAM User Guide, "Where AWS
tracks last accessed information"); a window that begins before the data does proves nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from ..report import AccessReport, ActionUsage, ServiceUsage

__all__ = [
    "DEFAULT_TRACKING",
    "TRACKING_PERIOD",
    "Evidence",
    "Reason",
    "Tracking",
    "Verdict",
]

#: How far back IAM reports: a longer window cannot be proven.
TRACKING_PERIOD = timedelta(days=400)


def _day(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, tzinfo=UTC)


@dataclass(frozen=True)
class Tracking:
    """When IAM began recording what a report says.

    ``regions``: service-level tracking start per Region (a Region not listed is not tracked
    at all). ``actions``: action-level tracking start per service namespace, ``actions_default``
    for the others. ``services``: a later service-level start for a namespace, when known.
    """

    regions: Mapping[str, datetime]
    actions: Mapping[str, datetime]
    actions_default: datetime
    services: Mapping[str, datetime] = field(default_factory=lambda: MappingProxyType({}))

    def service_start(self, namespace: str, regions: Collection[str] | None) -> datetime | None:
        """From when a service's use is recorded in every Region that matters (None: some
        Region is not tracked at all). ``regions=None``: every Region IAM tracks."""
        names = self.regions.keys() if regions is None else regions
        starts = [self.regions.get(r) for r in names]
        if any(s is None for s in starts):
            return None
        start = max((s for s in starts if s is not None), default=_day(2015, 10, 1))
        extra = self.services.get(namespace.lower())
        return max(start, extra) if extra is not None else start

    def action_start(self, namespace: str, regions: Collection[str] | None) -> datetime | None:
        """From when a service's tracked actions are recorded (also bounded by the Regions)."""
        service = self.service_start(namespace, regions)
        if service is None:
            return None
        return max(service, self.actions.get(namespace.lower(), self.actions_default))


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


class Reason(enum.StrEnum):
    """Why a grant goes or stays (or why a principal gets no proposal)."""

    #: Removed: the service was not used in the window.
    SERVICE_UNUSED = "service_unused"
    #: Removed: a tracked action of the service was not used in the window.
    ACTION_UNUSED = "action_unused"
    #: Kept: the service was used in the window and there is no action-level proof.
    SERVICE_USED = "service_used"
    #: Kept: the tracked action was used in the window.
    ACTION_USED = "action_used"
    #: Kept: IAM does not track this action (iam:PassRole, data-plane actions).
    NOT_TRACKED = "not_tracked"
    #: Kept: the catalog does not know this action (or the pattern matches none it knows).
    UNKNOWN_ACTION = "unknown_action"
    #: Kept: the catalog has no actions for this service namespace to expand the pattern with.
    UNKNOWN_SERVICE = "unknown_service"
    #: Kept: the report does not list the service, so nothing about it is proven.
    NOT_IN_REPORT = "not_in_report"
    #: Kept: IAM's tracking (of the Region, service or its actions) began inside the window.
    TRACKING_TOO_RECENT = "tracking_too_recent"
    #: Kept: the pattern's namespace has a wildcard, so it can match services nobody knows.
    OPEN_PATTERN = "open_pattern"
    #: Kept: a Deny statement; never changed, never counted as unused.
    DENY = "deny"
    #: Kept: the statement's Sid starts with the exclusion prefix.
    EXCLUDED_SID = "excluded_sid"
    #: No proposal: the principal is younger than the window.
    PRINCIPAL_TOO_YOUNG = "principal_too_young"
    #: No proposal: a service-linked role (AWS owns its policies).
    SERVICE_LINKED = "service_linked"
    #: No proposal: the principal carries the exclusion tag.
    EXCLUDED_TAG = "excluded_tag"
    #: No proposal: there is no report for the principal or policy.
    NO_REPORT = "no_report"


#: The reasons that remove a grant; every other reason keeps it.
REMOVING = frozenset({Reason.SERVICE_UNUSED, Reason.ACTION_UNUSED})


@dataclass(frozen=True)
class Verdict:
    """What the reports say about one service or action."""

    reason: Reason
    detail: str
    last_used: datetime | None = None

    @property
    def unused(self) -> bool:
        """Proven unused in the window: it may go."""
        return self.reason in REMOVING


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")


class Evidence:
    """The reports, the window and the tracking dates, asked about services and actions.

    ``level="service"`` ignores action-level data (only whole services go); ``regions`` are the
    Regions the principals may act in (None: every Region IAM tracks — name yours if any of
    them is one IAM does not track, or tracks only recently).
    """

    def __init__(
        self,
        reports: Sequence[AccessReport],
        *,
        unused_for: timedelta,
        tracking: Tracking = DEFAULT_TRACKING,
        regions: Collection[str] | None = None,
        level: str = "action",
    ) -> None:
        if not reports:
            raise ValueError("trimming needs at least one AccessReport")
        if unused_for <= timedelta(0):
            raise ValueError("unused_for must be positive")
        if unused_for > TRACKING_PERIOD:
            raise ValueError(
                f"unused_for={unused_for.days} days is longer than IAM's tracking period "
                f"({TRACKING_PERIOD.days} days): nothing that old can be proven unused"
            )
        if level not in ("action", "service"):
            raise ValueError("level is 'action' or 'service'")
        self.reports = tuple(reports)
        self.unused_for = unused_for
        self.tracking = tracking
        self.regions = None if regions is None else frozenset(regions)
        self.level = level
        self._services: list[dict[str, ServiceUsage]] = [
            {s.namespace.lower(): s for s in r.services} for r in self.reports
        ]
        self._actions: list[dict[str, dict[str, ActionUsage]]] = [
            {
                ns: {a.action_name.lower(): a for a in svc.actions or ()}
                for ns, svc in by_ns.items()
                if svc.actions is not None
            }
            for by_ns in self._services
        ]
        self._service_cache: dict[str, Verdict] = {}
        self._per_report: dict[tuple[int, str], Verdict] = {}
        self._starts: dict[tuple[str, str], datetime | None] = {}
        self._action_cache: dict[str, Verdict] = {}

    def window_start(self, report: AccessReport) -> datetime:
        """The window's first moment for one report (its ``as_of`` minus ``unused_for``)."""
        return _as_utc(report.as_of) - self.unused_for

    def namespaces(self) -> list[str]:
        """Every namespace some report lists (lower case, sorted)."""
        return sorted({ns for by_ns in self._services for ns in by_ns})

    def tracked(self, namespace: str) -> dict[str, str]:
        """Tracked actions of a namespace in any report: lower-case name -> ``ns:Name``."""
        ns = namespace.lower()
        out: dict[str, str] = {}
        for by_ns in self._actions:
            for low, usage in by_ns.get(ns, {}).items():
                out.setdefault(low, f"{ns}:{usage.action_name}")
        return out

    def _start(self, kind: str, ns: str) -> datetime | None:
        key = (kind, ns)
        if key not in self._starts:
            start = self.tracking.service_start if kind == "service" else self.tracking.action_start
            self._starts[key] = start(ns, self.regions)
        return self._starts[key]

    # -- services ------------------------------------------------------------------------

    def service(self, namespace: str) -> Verdict:
        """Whether the service was used in the window, by every report's account."""
        ns = namespace.lower()
        found = self._service_cache.get(ns)
        if found is None:
            found = _combine([self._service_in(i, ns) for i in range(len(self.reports))])
            self._service_cache[ns] = found
        return found

    def _service_in(self, i: int, ns: str) -> Verdict:
        key = (i, ns)
        found = self._per_report.get(key)
        if found is None:
            found = self._per_report[key] = self._service_of(i, ns)
        return found

    def _service_of(self, i: int, ns: str) -> Verdict:
        report = self.reports[i]
        svc = self._services[i].get(ns)
        if svc is None:
            return Verdict(Reason.NOT_IN_REPORT, f"{report.arn}'s report does not list {ns}")
        start = self.window_start(report)
        tracked_from = self._start("service", ns)
        last = _utc_or_none(svc.last_authenticated)
        # A tracked action used later than the service's own date (inconsistent data) still
        # means the service was used: take the latest of all of them.
        for usage in svc.actions or ():
            seen = _utc_or_none(usage.last_accessed)
            if seen is not None and (last is None or seen > last):
                last = seen
        if last is not None and last >= start:
            return Verdict(Reason.SERVICE_USED, f"{ns} used {_ts(last)}", last)
        if tracked_from is None:
            return Verdict(
                Reason.TRACKING_TOO_RECENT,
                f"IAM does not track every Region of {sorted(self.regions or ())}",
            )
        if tracked_from > start:
            return Verdict(
                Reason.TRACKING_TOO_RECENT,
                f"IAM has tracked {ns} only since {_ts(tracked_from)}, inside the window",
            )
        when = f"last used {_ts(last)}" if last is not None else "never used"
        return Verdict(Reason.SERVICE_UNUSED, f"{ns} not used since {_ts(start)} ({when})", last)

    # -- actions -------------------------------------------------------------------------

    def action(self, action: str, *, known: bool = True) -> Verdict:
        """Whether a literal ``ns:Action`` was used in the window. ``known``: whether the
        catalog has it (an untracked action it does not know is reported as unknown)."""
        key = f"{action.lower()}|{known}"
        found = self._action_cache.get(key)
        if found is None:
            ns, _, name = action.lower().partition(":")
            found = _combine(
                [self._action_in(i, ns, name, action, known) for i in range(len(self.reports))]
            )
            self._action_cache[key] = found
        return found

    def _action_in(self, i: int, ns: str, name: str, action: str, known: bool) -> Verdict:
        service = self._service_in(i, ns)
        if service.reason is not Reason.SERVICE_USED:
            # Unused service: every action in it is unused, known to the catalog or not.
            return service
        report = self.reports[i]
        actions = self._actions[i].get(ns)
        if actions is None or self.level == "service":
            why = "no action-level data" if actions is None else "trimming at service level"
            return Verdict(Reason.SERVICE_USED, f"{service.detail}; {why}", service.last_used)
        start = self.window_start(report)
        tracked_from = self._start("action", ns)
        usage = actions.get(name)
        if usage is None:
            if not known:
                return Verdict(Reason.UNKNOWN_ACTION, f"{action} is not in the catalog")
            return Verdict(Reason.NOT_TRACKED, f"IAM does not track {action}")
        last = _utc_or_none(usage.last_accessed)
        if last is not None and last >= start:
            return Verdict(Reason.ACTION_USED, f"{action} used {_ts(last)}", last)
        if tracked_from is None or tracked_from > start:
            since = _ts(tracked_from) if tracked_from is not None else "never, in a Region"
            return Verdict(
                Reason.TRACKING_TOO_RECENT,
                f"IAM has tracked {ns}'s actions only since {since}, inside the window",
            )
        when = f"last used {_ts(last)}" if last is not None else "never used"
        return Verdict(Reason.ACTION_UNUSED, f"{action} not used since {_ts(start)} ({when})", last)


def _combine(verdicts: Iterable[Verdict]) -> Verdict:
    """All reports must prove "unused"; otherwise the strongest reason to keep wins (a use
    over an inability to tell), the latest use first."""
    listed = list(verdicts)
    keeping = [v for v in listed if not v.unused]
    if not keeping:
        return listed[0]
    used = [v for v in keeping if v.reason in (Reason.ACTION_USED, Reason.SERVICE_USED)]
    if used:
        return max(used, key=lambda v: v.last_used or datetime.min.replace(tzinfo=UTC))
    return keeping[0]


def _utc_or_none(value: datetime | None) -> datetime | None:
    return None if value is None else _as_utc(value)


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
