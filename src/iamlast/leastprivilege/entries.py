"""How the entries of one Allow statement are decided, and why (the rules: :mod:`.trim`).

:func:`plan_entry` decides one Action entry (kept as written, replaced by literal actions, or
gone); :func:`trim_not_actions` decides what a NotAction statement (or ``"Action": "*"``) gains.
Each records a :class:`Decision` per reason on the :class:`Context`.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .catalog import Catalog
from .document import PolicyDocument, Statement
from .evidence import Evidence, Reason, Verdict
from .patterns import covers, fold, has_wildcard, literal_namespace, matches

__all__ = [
    "Context",
    "Decision",
    "Outcome",
    "literal_actions",
    "plan_entry",
    "sort_key",
    "trim_not_actions",
]


class Outcome(enum.StrEnum):
    """What happens to a grant."""

    REMOVED = "removed"
    KEPT = "kept"


@dataclass(frozen=True)
class Decision:
    """Why some actions of one statement go or stay.

    ``entry`` is the Action/NotAction entry as written (for a NotAction statement, the entry
    added to it), or None for the whole statement. ``actions`` are the actions decided —
    ``namespace:Action`` names, ``namespace:*`` for a whole service, or the entry itself when the
    decision holds for everything it can mean.
    """

    statement: int
    sid: str | None
    entry: str | None
    outcome: Outcome
    reason: Reason
    actions: tuple[str, ...]
    detail: str
    last_used: datetime | None = None


def literal_actions(documents: Iterable[PolicyDocument]) -> set[str]:
    """Every literal ``namespace:Action`` the documents name (Allow or Deny, Action or NotAction)."""
    return {
        entry
        for document in documents
        for statement in document.statements
        for entry in statement.actions
        if not has_wildcard(entry) and literal_namespace(entry) is not None
    }


def sort_key(action: str) -> tuple[str, str]:
    """Sorts actions without case, ties by spelling."""
    return (fold(action), action)


@dataclass
class Context:
    """One statement being decided: where the decisions go, and what they are decided from."""

    catalog: Catalog
    evidence: Evidence
    statement: Statement
    decisions: list[Decision]
    #: Literal actions the policies name that the catalog may lack: they exist all the same.
    named: frozenset[str] = frozenset()

    def decide(
        self,
        entry: str | None,
        verdict: Verdict,
        actions: Iterable[str],
        *,
        detail: str | None = None,
    ) -> None:
        listed = tuple(sorted(set(actions), key=sort_key))
        self.decisions.append(
            Decision(
                statement=self.statement.index,
                sid=self.statement.sid,
                entry=entry,
                outcome=Outcome.REMOVED if verdict.unused else Outcome.KEPT,
                reason=verdict.reason,
                actions=listed,
                detail=detail or verdict.detail,
                last_used=verdict.last_used,
            )
        )

    def decide_groups(self, entry: str, verdicts: Mapping[str, Verdict]) -> None:
        """One decision per reason (one per action for uses, which each have a date)."""
        groups: dict[Reason, list[str]] = defaultdict(list)
        for action, verdict in verdicts.items():
            if verdict.reason is Reason.ACTION_USED:
                self.decide(entry, verdict, [action])
            else:
                groups[verdict.reason].append(action)
        for reason, actions in sorted(groups.items(), key=lambda kv: kv[0].value):
            first = verdicts[actions[0]]
            detail = first.detail if len(actions) == 1 else _group_detail(reason, actions, first)
            dates = [d for a in actions if (d := verdicts[a].last_used) is not None]
            latest = max(dates) if dates else None
            self.decide(entry, Verdict(reason, detail, latest), actions)


def _group_detail(reason: Reason, actions: Sequence[str], first: Verdict) -> str:
    texts = {
        Reason.ACTION_UNUSED: "tracked actions not used in the window",
        Reason.NOT_TRACKED: "actions IAM does not track",
        Reason.UNKNOWN_ACTION: "actions the catalog does not know",
        Reason.TRACKING_TOO_RECENT: "tracking began inside the window",
        Reason.SERVICE_USED: "service used; no action-level proof",
    }
    return f"{len(actions)} {texts.get(reason, reason.value)} (e.g. {first.detail})"


def plan_entry(entry: str, ctx: Context) -> list[str] | None:
    """Decide one Action entry and record why: None keeps it as written, a list replaces it by
    those literal actions (empty: it goes)."""

    def whole(verdict: Verdict) -> list[str] | None:
        ctx.decide(entry, verdict, [entry])
        return [] if verdict.unused else None

    ns = literal_namespace(entry)
    if ns is None:
        if not has_wildcard(entry):
            return whole(Verdict(Reason.UNKNOWN_ACTION, f"{entry!r} is not an action name"))
        return whole(
            Verdict(
                Reason.OPEN_PATTERN,
                f"{entry} can match services no catalog knows yet: it cannot be proven unused",
            )
        )
    if not has_wildcard(entry):
        return whole(ctx.evidence.action(entry, known=ctx.catalog.knows(entry)))
    service = ctx.evidence.service(ns)
    if service.unused:
        return _unused_service_entry(entry, ns, service, ctx)
    if service.reason is not Reason.SERVICE_USED:
        return whole(service)  # not in a report, or tracking too recent: nothing is proven
    tracked = ctx.evidence.tracked(ns) if ctx.evidence.level == "action" else {}
    if not tracked:
        return whole(ctx.evidence.action(f"{ns}:*"))  # used, and no action-level data
    if not ctx.catalog.knows_service(ns):
        return whole(Verdict(Reason.UNKNOWN_SERVICE, f"the catalog has no actions for {ns}"))
    expanded = ctx.catalog.expand(entry)
    # Tracked actions the catalog lacks (it is older than the report) exist all the same.
    expanded |= {a for a in tracked.values() if matches(entry, a) and not ctx.catalog.knows(a)}
    # So do actions some statement names literally (a newer one the catalog lacks): the pattern
    # covers them, nothing proves them unused, and rewriting it as a list must keep them.
    expanded |= {a for a in ctx.named if matches(entry, a) and not ctx.catalog.knows(a)}
    if not expanded:
        return whole(Verdict(Reason.UNKNOWN_ACTION, f"{entry} matches no action the catalog knows"))
    verdicts = {a: ctx.evidence.action(a, known=ctx.catalog.knows(a)) for a in expanded}
    unused = [a for a, v in verdicts.items() if v.unused]
    if unused and not ctx.evidence.catalog_covers(ctx.catalog, ns):
        # See the module docstring: the rewrite would also take away actions newer than the
        # catalog, which nothing proves unused.
        ctx.decide(
            entry,
            Verdict(
                Reason.UNKNOWN_ACTION,
                f"not used in the window, but {entry} also grants {ns} actions the catalog "
                f"({ctx.catalog.data_version}) may not know, which nothing proves unused: "
                "kept as written",
            ),
            unused,
        )
        ctx.decide_groups(entry, {a: v for a, v in verdicts.items() if not v.unused})
        return None
    ctx.decide_groups(entry, verdicts)
    if not unused:
        return None  # everything stays: the smallest diff is the entry as written
    return sorted((a for a, v in verdicts.items() if not v.unused), key=sort_key)


def _unused_service_entry(entry: str, ns: str, service: Verdict, ctx: Context) -> list[str] | None:
    """A pattern of a service unused in the window: it goes, but for the actions the service's
    entry never shows (iam:PassRole), which become its literal actions."""
    keep = [ctx.catalog.canonical(a) or a for a in ctx.evidence.unreported(ns, entry)]
    if not keep:
        ctx.decide(entry, service, [entry])
        return []
    for action in keep:
        ctx.decide(entry, ctx.evidence.action(action), [action])
    ctx.decide(
        entry,
        service,
        [entry],
        detail=f"{service.detail}; every {ns} action it grants goes but {', '.join(keep)}",
    )
    return sorted(keep, key=sort_key)


def trim_not_actions(ctx: Context, excluded: Sequence[str]) -> list[str]:
    """What to add to a NotAction statement (or an ``Action: *`` one) — the unused services
    and tracked actions it still grants."""
    evidence = ctx.evidence
    added: list[str] = []
    kept: dict[Reason, list[str]] = defaultdict(list)
    kept_verdict: dict[Reason, Verdict] = {}
    for ns in evidence.namespaces():
        if any(covers(q, f"{ns}:*") for q in excluded):
            continue  # nothing of it is granted here
        service = evidence.service(ns)
        unreported = [
            a for a in evidence.unreported(ns) if not any(matches(q, a) for q in excluded)
        ]
        if service.unused and not unreported:
            entry = f"{ns}:*"
            added.append(entry)
            ctx.decide(entry, service, [entry], detail=f"{service.detail}; added to NotAction")
            continue
        if service.unused:
            # ns:* in NotAction would take away what the service's entry never shows (PassRole):
            # add only what is proven one by one, the tracked actions the reports list.
            for action in unreported:
                ctx.decide(None, evidence.action(action), [action])
            ctx.decide(
                None,
                Verdict(
                    Reason.NOT_TRACKED,
                    f"{service.detail}, but {', '.join(unreported)} never shows in last-accessed "
                    f"data: {ns}:* is not added to NotAction",
                ),
                [f"{ns}:*"],
            )
        by_action = service.unused or service.reason is Reason.SERVICE_USED
        if by_action and evidence.level == "action":
            for action in sorted(evidence.tracked(ns).values(), key=sort_key):
                if any(matches(q, action) for q in excluded):
                    continue
                canonical = ctx.catalog.canonical(action) or action
                verdict = evidence.action(canonical, known=ctx.catalog.knows(canonical))
                if verdict.unused:
                    added.append(canonical)
                    ctx.decide(
                        canonical,
                        verdict,
                        [canonical],
                        detail=f"{verdict.detail}; added to NotAction",
                    )
                elif verdict.reason is Reason.ACTION_USED:
                    ctx.decide(None, verdict, [canonical])
        if service.unused:
            continue
        kept[service.reason].append(f"{ns}:*")
        kept_verdict.setdefault(service.reason, service)
    for reason, grants in sorted(kept.items(), key=lambda kv: kv[0].value):
        detail = kept_verdict[reason].detail
        if len(grants) > 1:
            detail = f"{len(grants)} services: {reason.value} (e.g. {detail})"
        ctx.decide(None, kept_verdict[reason], grants, detail=detail)
    ctx.decide(
        None,
        Verdict(Reason.NOT_IN_REPORT, "services no report lists cannot be proven unused"),
        ["*"],
    )
    return added
