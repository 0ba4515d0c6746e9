"""What the reports prove about one service or action in the window, and why.

Only raw report fields are read (``last_authenticated``, the tracked actions' ``last_accessed``,
``as_of``), never a status helper: the window is measured from each report's own ``as_of``. With
several reports (a policy shared by several principals) a grant is unused only when *every*
report proves it so; one report that saw it used, or that cannot tell, keeps it.

IAM started recording at different moments: per Region for services, and per service for
actions (:class:`~.tracking.Tracking`); a window that begins before the data does proves
nothing, and neither does a report when the Regions the principals act in are not named (IAM
does not track every Region). Some actions are never reported at all (``iam:PassRole``): an
unused service proves nothing about them.

A report that lists a service, or a tracked action, twice (IAM compares namespaces and action
names without case) is read as one entry with the latest use of all of them.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ..report import AccessReport
from .patterns import fold
from .tracking import DEFAULT_TRACKING, TRACKING_PERIOD, Tracking

if TYPE_CHECKING:
    from .catalog import Catalog

__all__ = [
    "DEFAULT_TRACKING",
    "TRACKING_PERIOD",
    "Evidence",
    "Reason",
    "Tracking",
    "Verdict",
]


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
    #: Kept: the Regions the principals act in were not named, and IAM does not track every
    #: Region (activity in one it does not track is recorded nowhere).
    REGIONS_UNKNOWN = "regions_unknown"
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
    #: No proposal: there is no report for the principal or policy (or, for a shared policy,
    #: none for some principal it is attached to).
    NO_REPORT = "no_report"
    #: No proposal: a report is about another principal or policy than the one planned.
    REPORT_MISMATCH = "report_mismatch"
    #: No proposal: the principal's creation date is unknown, so it may be younger than the
    #: window.
    AGE_UNKNOWN = "age_unknown"


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


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclass
class _Usage:
    """One service of one report, duplicates merged: its latest use (its own date or any of its
    tracked actions'), and its tracked actions (lower-case name -> (name as written, latest
    use)), or None when some entry for it has no action-level data."""

    last: datetime | None
    actions: dict[str, tuple[str, datetime | None]] | None


def _usages(report: AccessReport) -> dict[str, _Usage]:
    out: dict[str, _Usage] = {}
    for svc in report.services:
        ns = fold(svc.namespace)
        last = _utc_or_none(svc.last_authenticated)
        actions: dict[str, tuple[str, datetime | None]] | None = None
        if svc.actions is not None:
            actions = {}
            for usage in svc.actions:
                seen = _utc_or_none(usage.last_accessed)
                # A tracked action used later than the service's own date (inconsistent data)
                # still means the service was used: take the latest of all of them.
                last = _later(last, seen)
                low = fold(usage.action_name)
                name, before = actions.get(low, (usage.action_name, None))
                actions[low] = (name, _later(before, seen))
        merged = out.get(ns)
        if merged is None:
            out[ns] = _Usage(last, actions)
            continue
        merged.last = _later(merged.last, last)
        if merged.actions is None or actions is None:
            # One entry without action-level data: nothing is proven at action level.
            merged.actions = None
        else:
            for low, (name, seen) in actions.items():
                kept, before = merged.actions.get(low, (name, None))
                merged.actions[low] = (kept, _later(before, seen))
    return out


def reported_regions(reports: Iterable[AccessReport]) -> frozenset[str]:
    """Every Region the reports name as where a service or a tracked action was last used."""
    found: set[str] = set()
    for report in reports:
        for service in report.services:
            if service.last_authenticated_region:
                found.add(service.last_authenticated_region)
            for action in service.actions or ():
                if action.last_accessed_region:
                    found.add(action.last_accessed_region)
    return frozenset(found)


class Evidence:
    """The reports, the window and the tracking dates, asked about services and actions.

    ``level="service"`` ignores action-level data (only whole services go); ``regions`` are the
    Regions the principals may act in — None (not named) proves nothing unused, since IAM does
    not track every Region. Every Region a report names (a service's or a tracked action's
    last-accessed Region) is one they act in too, named or not: one the tracking table does not
    know then proves nothing (its data may begin later, or the table is older than it). ``assume_complete_catalog``: the caller vouches that the catalog
    knows every action that existed during the windows (see :meth:`catalog_covers`).
    """

    def __init__(
        self,
        reports: Sequence[AccessReport],
        *,
        unused_for: timedelta,
        tracking: Tracking = DEFAULT_TRACKING,
        regions: Collection[str] | None = None,
        level: str = "action",
        assume_complete_catalog: bool = False,
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
        if isinstance(regions, str):
            raise TypeError("regions is a collection of Region names, not one string")
        self.reports = tuple(reports)
        self.unused_for = unused_for
        self.tracking = tracking
        self.regions = None if regions is None else frozenset(regions) | reported_regions(reports)
        self.level = level
        self.assume_complete_catalog = assume_complete_catalog
        self._usages = [_usages(r) for r in self.reports]
        self._service_cache: dict[str, Verdict] = {}
        self._per_report: dict[tuple[int, str], Verdict] = {}
        self._starts: dict[tuple[str, str], datetime | None] = {}
        self._action_cache: dict[tuple[str, bool], Verdict] = {}
        self._tracked_cache: dict[str, dict[str, str]] = {}

    def window_start(self, report: AccessReport) -> datetime:
        """The window's first moment for one report (its ``as_of`` minus ``unused_for``)."""
        return _as_utc(report.as_of) - self.unused_for

    def namespaces(self) -> list[str]:
        """Every namespace some report lists (lower case, sorted)."""
        return sorted({ns for by_ns in self._usages for ns in by_ns})

    def tracked(self, namespace: str) -> dict[str, str]:
        """Tracked actions of a namespace in any report: lower-case name -> ``ns:Name``."""
        ns = fold(namespace)
        found = self._tracked_cache.get(ns)
        if found is None:
            found = {}
            for by_ns in self._usages:
                usage = by_ns.get(ns)
                for low, (name, _) in (usage.actions or {}).items() if usage else ():
                    found.setdefault(low, f"{ns}:{name}")
            self._tracked_cache[ns] = found
        return found

    def unreported(self, namespace: str, pattern: str | None = None) -> tuple[str, ...]:
        """The never-reported actions of a namespace (that ``pattern`` matches)."""
        return self.tracking.unreported(namespace, pattern)

    def catalog_covers(self, catalog: Catalog, namespace: str) -> bool:
        """Whether the catalog may stand for every action of ``namespace`` that existed in the
        windows, so that a pattern may be rewritten as the catalog actions it keeps.

        Only when the catalog has the namespace, knows every tracked action the reports list
        for it (one it lacks shows it is behind), and its data is at least as new as every
        report's ``as_of`` (no action added after it could have been used in a window) — or the
        caller said so (``assume_complete_catalog``)."""
        ns = fold(namespace)
        if not catalog.knows_service(ns):
            return False
        if any(not catalog.knows(a) for a in self.tracked(ns).values()):
            return False
        if self.assume_complete_catalog:
            return True
        updated = catalog.updated_at
        return updated is not None and _as_utc(updated) >= max(
            _as_utc(r.as_of) for r in self.reports
        )

    def _start(self, kind: str, ns: str) -> datetime | None:
        key = (kind, ns)
        if key not in self._starts:
            start = self.tracking.service_start if kind == "service" else self.tracking.action_start
            self._starts[key] = start(ns, self.regions)
        return self._starts[key]

    def _regions_unknown(self, what: str) -> Verdict:
        return Verdict(
            Reason.REGIONS_UNKNOWN,
            f"{what}, but the Regions in use were not named (regions=...): IAM does not track "
            "every Region, so that proves nothing",
        )

    # -- services ------------------------------------------------------------------------

    def service(self, namespace: str) -> Verdict:
        """Whether the service was used in the window, by every report's account."""
        ns = fold(namespace)
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
        usage = self._usages[i].get(ns)
        if usage is None:
            return Verdict(Reason.NOT_IN_REPORT, f"{report.arn}'s report does not list {ns}")
        start = self.window_start(report)
        last = usage.last
        if last is not None and last >= start:
            return Verdict(Reason.SERVICE_USED, f"{ns} used {_ts(last)}", last)
        if self.regions is None:
            return self._regions_unknown(f"{ns} shows no use since {_ts(start)}")
        tracked_from = self._start("service", ns)
        if tracked_from is None:
            return Verdict(
                Reason.TRACKING_TOO_RECENT,
                f"IAM does not track every Region of {sorted(self.regions)}",
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
        key = (action, known)  # as spelled: folding only on a miss keeps this cheap
        found = self._action_cache.get(key)
        if found is None:
            if self.tracking.is_unreported(action):
                found = Verdict(
                    Reason.NOT_TRACKED,
                    f"IAM's last-accessed data never shows {action}: its service's entry "
                    "proves nothing about it",
                )
            else:
                ns, _, name = fold(action).partition(":")
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
        usage = self._usages[i][ns]
        if usage.actions is None or self.level == "service":
            why = "no action-level data" if usage.actions is None else "trimming at service level"
            return Verdict(Reason.SERVICE_USED, f"{service.detail}; {why}", service.last_used)
        start = self.window_start(report)
        tracked = usage.actions.get(name)
        if tracked is None:
            if not known:
                return Verdict(Reason.UNKNOWN_ACTION, f"{action} is not in the catalog")
            return Verdict(Reason.NOT_TRACKED, f"IAM does not track {action}")
        last = tracked[1]
        if last is not None and last >= start:
            return Verdict(Reason.ACTION_USED, f"{action} used {_ts(last)}", last)
        if self.regions is None:
            return self._regions_unknown(f"{action} shows no use since {_ts(start)}")
        tracked_from = self._start("action", ns)
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
    """A naive datetime is read as UTC (as IAM's own timestamps are)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
