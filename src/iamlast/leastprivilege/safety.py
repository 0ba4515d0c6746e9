"""The safety check: a proposal grants a subset of today's access and keeps all that may be used.

The argument, for identity policies (the request's action ``a``, resource ``r``, context ``c``):
IAM allows a request when some Allow statement matches it and no Deny statement does. A
statement matches when its action part (Action / NotAction) matches ``a`` *and* its scope —
Resource / NotResource / Condition / Principal, everything but Sid and the actions — matches
``(r, c)``. Scopes are treated as opaque symbols: two statements with the same scope JSON match
the same ``(r, c)``; nothing else is assumed about them. Then, per action ``a``, the policies
reduce to the set of scopes that allow it and the set that deny it, and:
(A scope includes the document's policy language, its ``Version``: policy variables such as
``${aws:username}`` are substituted only under 2012-10-17, so the same Resource under another
Version is another scope.)

1. *Subset.* If every Allow scope of ``a`` after the change was an Allow scope of ``a`` before,
   and the Deny statements are the same, every request allowed after was allowed before —
   whatever the scopes mean. Checked two ways: per statement over *all* action strings (each
   Allow statement after has a statement before with the same scope whose action part contains
   its own, by the sound pattern containment of :func:`~.patterns.covers`), and over a finite
   universe of actions by evaluation.
2. *Nothing used is taken away.* For every action the reports do not prove unused, every Allow
   scope before is still an Allow scope after (and the Denies are unchanged), so every request
   that could have been allowed still is.

The finite universe is exact, not a sample: the entries of all statements split the actions into
classes that every statement treats alike (an action matched by exactly the same entries), and
the reports split them further only by namespace and by the tracked actions they list. The
universe holds every catalog action some non-universal entry matches, every literal entry, every
tracked action, and one probe per reported namespace and one for all other namespaces — each
probe chosen to match no non-universal entry, so it stands for every action matched only by
``*`` there, and every action IAM's last-accessed data never shows (``iam:PassRole``). Each
entry with a wildcard also gets a probe action no catalog has (``s3:GetZq``), standing for the
actions newer than the catalog it matches: checked for the subset, and for "nothing unproven is
taken away" too unless the catalog may stand for every action of that service in the windows
(:meth:`~.evidence.Evidence.catalog_covers`) — an action the catalog does not know cannot be
shown unused by a report that is silent about it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..report import AccessReport
from .catalog import Catalog
from .document import PolicyDocument, Statement
from .evidence import DEFAULT_TRACKING, Evidence, Tracking
from .patterns import covers, fold, has_wildcard, is_universal, literal_namespace, matches

__all__ = ["SafetyReport", "UnsafeProposalError", "Violation", "check_safety", "verify"]

PolicyLike = str | Mapping[str, Any] | PolicyDocument


@dataclass(frozen=True)
class Violation:
    """One way the proposal is unsafe."""

    #: ``grants_more``, ``removes_unproven`` or ``deny_changed``.
    kind: str
    detail: str
    action: str | None = None


@dataclass(frozen=True)
class SafetyReport:
    """The check's outcome: no violations means safe."""

    violations: tuple[Violation, ...]
    #: How many actions the evaluation went through.
    checked_actions: int

    @property
    def ok(self) -> bool:
        """True when the proposal is safe."""
        return not self.violations


class UnsafeProposalError(RuntimeError):
    """A proposal failed the safety check (a bug: trimming must never produce one)."""

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations = tuple(violations)
        first = "; ".join(v.detail for v in self.violations[:3])
        super().__init__(f"unsafe proposal ({len(self.violations)} violations): {first}")


def check_safety(
    before: Sequence[PolicyLike],
    after: Sequence[PolicyLike | None],
    reports: AccessReport | Sequence[AccessReport],
    *,
    unused_for: timedelta = timedelta(days=90),
    catalog: Catalog | None = None,
    tracking: Tracking = DEFAULT_TRACKING,
    regions: Collection[str] | None = None,
    level: str = "action",
    assume_complete_catalog: bool = False,
) -> SafetyReport:
    """Check that the proposed policies (``after``; None for a policy removed) allow a subset of
    what the current ones (``before``) allow, and everything the reports do not prove unused in
    the window — in particular every action used — under every statement's scope. The options
    mean what they mean for :func:`~.trim.trim_policy` (``regions`` left out: nothing is proven
    unused, so nothing may be taken away)."""
    listed = [reports] if isinstance(reports, AccessReport) else list(reports)
    evidence = Evidence(
        listed,
        unused_for=unused_for,
        tracking=tracking,
        regions=regions,
        level=level,
        assume_complete_catalog=assume_complete_catalog,
    )
    return verify(
        [PolicyDocument.parse(d) for d in before],
        [PolicyDocument.parse(d) for d in after if d is not None],
        catalog=catalog or Catalog.default(),
        evidence=evidence,
    )


@dataclass(frozen=True)
class _Rule:
    scope: str
    negated: bool
    entries: tuple[str, ...]
    universal: bool
    #: Literal entries (lower case) and one regex for the wildcard ones: the evaluation asks
    #: every statement about every action of the universe, so this is the hot path.
    literals: frozenset[str]
    pattern: re.Pattern[str] | None
    #: Entries by literal namespace (None: none, or one with a wildcard), and every entry
    #: folded (ASCII case only, as IAM): what containment asks, again and again, of big policies.
    by_namespace: Mapping[str | None, tuple[str, ...]]
    lowered: frozenset[str]

    def grants(self, low: str) -> bool:
        """Whether the statement's action part matches an action (given folded: ``low``)."""
        if self.universal:
            return not self.negated
        hit = low in self.literals or (
            self.pattern is not None and self.pattern.fullmatch(low) is not None
        )
        return hit != self.negated


def _rule(statement: Statement) -> _Rule:
    entries = statement.actions
    wild = [fold(p) for p in entries if has_wildcard(p)]
    pattern = None
    if wild:
        pattern = re.compile(
            "|".join(
                "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p)
                for p in wild
            ),
            re.DOTALL,
        )
    by_namespace: dict[str | None, list[str]] = {}
    for p in entries:
        by_namespace.setdefault(literal_namespace(p), []).append(p)
    return _Rule(
        scope=statement.scope(),
        negated=statement.action_key == "NotAction",
        entries=entries,
        universal=any(is_universal(p) for p in entries),
        literals=frozenset(fold(p) for p in entries if not has_wildcard(p)),
        pattern=pattern,
        by_namespace={k: tuple(v) for k, v in by_namespace.items()},
        lowered=frozenset(fold(p) for p in entries),
    )


def _covered(small: str, big: _Rule) -> bool:
    """Soundly: every action the pattern ``small`` matches, one of ``big``'s entries matches.

    Only entries that can: the same entry (any ASCII case), or one whose literal namespace is
    ``small``'s, or one with no literal namespace. A pattern with literal namespace ``x`` matches
    only ``x:`` actions, so it cannot contain a pattern of another namespace, nor one whose
    namespace is open (which matches actions outside ``x``) — :func:`covers` would say no."""
    if fold(small) in big.lowered:
        return True
    namespace = literal_namespace(small)
    candidates = big.by_namespace.get(None, ())
    if namespace is not None:
        candidates = big.by_namespace.get(namespace, ()) + candidates
    return any(covers(p, small) for p in candidates)


def _contains(big: _Rule, small: _Rule) -> bool:
    """Soundly: every action ``small`` grants, ``big`` grants (over all action strings)."""
    if not big.negated:
        if big.universal:
            return True
        if small.negated or small.universal:
            return False
        return all(_covered(q, big) for q in small.entries)
    if not small.negated:
        return False  # never produced; no cheap sound test, so refuse
    return all(_covered(q, small) for q in big.entries)


def _denies(docs: Sequence[PolicyDocument]) -> list[str]:
    return sorted(s.identity() for d in docs for s in d.statements if s.effect == "Deny")


def verify(
    before: Sequence[PolicyDocument],
    after: Sequence[PolicyDocument],
    *,
    catalog: Catalog,
    evidence: Evidence,
) -> SafetyReport:
    """:func:`check_safety` on parsed documents with an :class:`Evidence` already built."""
    violations: list[Violation] = []
    if _denies(before) != _denies(after):
        violations.append(Violation("deny_changed", "the Deny statements are not the same"))
    allow_before = [_rule(s) for d in before for s in d.statements if s.effect == "Allow"]
    allow_after = [_rule(s) for d in after for s in d.statements if s.effect == "Allow"]
    deny_before = [_rule(s) for d in before for s in d.statements if s.effect == "Deny"]
    deny_after = [_rule(s) for d in after for s in d.statements if s.effect == "Deny"]
    for rule in allow_after:
        if not any(r.scope == rule.scope and _contains(r, rule) for r in allow_before):
            violations.append(
                Violation(
                    "grants_more",
                    f"no current statement with the same scope contains {list(rule.entries)}",
                )
            )
    universe, subset_only = _universe(
        allow_before + allow_after + deny_before + deny_after, catalog, evidence
    )

    actions = sorted(universe | subset_only)
    lowered = [fold(a) for a in actions]
    # Per action, the scopes that allow (deny) it before and after, as bit sets — one bit per
    # distinct scope (the Version is part of it), one pass per statement: the same answers as
    # _Rule.grants, without a call and a set per statement and action (the check's hot path).
    bits: dict[str, int] = {}
    allow0, allow1, deny0, deny1 = (
        _scope_masks(rules, lowered, bits)
        for rules in (allow_before, allow_after, deny_before, deny_after)
    )
    for index, action in enumerate(actions):
        a0, a1, d0, d1 = allow0[index], allow1[index], deny0[index], deny1[index]
        # Allowed after => allowed before, whatever the scopes mean, when the Allow scopes only
        # shrink and the Deny scopes only grow; the converse for what must stay.
        if a1 and not ((a1 & ~a0) == 0 and (d0 & ~d1) == 0):
            violations.append(
                Violation("grants_more", f"{action} would be allowed where it is not", action)
            )
        keeps = (a0 & ~a1) == 0 and (d1 & ~d0) == 0
        # Probes for actions newer than the catalog (subset_only) too: _must_keep decides
        # whether such an action may go.
        if a0 and not keeps and _must_keep(action, universe, catalog, evidence):
            violations.append(
                Violation(
                    "removes_unproven",
                    f"{action} is not proven unused but would no longer be allowed",
                    action,
                )
            )
    violations += _newer_than_catalog(allow_before, allow_after, catalog, evidence)
    return SafetyReport(tuple(violations), len(actions))


def _scope_masks(rules: Sequence[_Rule], lowered: Sequence[str], bits: dict[str, int]) -> list[int]:
    """Per (folded: :func:`~.patterns.fold`) action, the bit set of the scopes of the
    statements that match it.

    A statement whose entries all have a literal namespace matches only actions of those
    namespaces (an entry ``x:...`` matches nothing outside ``x:``), so only those actions are
    matched against it; the others are a miss — a hit for a NotAction statement."""
    out = [0] * len(lowered)
    by_namespace: dict[str, list[int]] = {}
    for i, low in enumerate(lowered):
        namespace, colon, _ = low.partition(":")
        by_namespace.setdefault(namespace if colon else "", []).append(i)
    everyone = range(len(lowered))
    for rule in rules:
        bit = bits.setdefault(rule.scope, 1 << len(bits))
        if rule.universal:
            if not rule.negated:
                out = [m | bit for m in out]
            continue
        literals, negated = rule.literals, rule.negated
        match = rule.pattern.fullmatch if rule.pattern is not None else None
        namespaces = rule.by_namespace.keys()
        candidates: Sequence[int] = everyone
        if None not in namespaces:
            candidates = [i for ns in namespaces if ns is not None for i in by_namespace.get(ns, ())]
            if negated:
                # Outside its namespaces a NotAction statement excludes nothing: a hit. (Never
                # a bit cleared: another statement of the same scope may have set it.)
                inside = set(candidates)
                for i in everyone:
                    if i not in inside:
                        out[i] |= bit
        for i in candidates:
            low = lowered[i]
            hit = low in literals or (match is not None and match(low) is not None)
            if hit != negated:
                out[i] |= bit
    return out


def _protected(namespace: str | None, catalog: Catalog, evidence: Evidence) -> bool:
    """Whether actions of ``namespace`` the catalog does not know must stay: unless the
    service is proven unused, or the catalog may stand for all of its actions."""
    if namespace is None:
        return True  # an open namespace: any service, known or not
    if evidence.service(namespace).unused:
        return False
    return not evidence.catalog_covers(catalog, namespace)


def _may_meet(a: str, b: str) -> bool:
    """Soundly: whether two patterns may match a common action (no only when their literal
    namespaces differ)."""
    first, second = literal_namespace(a), literal_namespace(b)
    return first is None or second is None or first == second


def _newer_than_catalog(
    before: Sequence[_Rule], after: Sequence[_Rule], catalog: Catalog, evidence: Evidence
) -> list[Violation]:
    """Nothing unproven is taken away, for the actions no catalog lists (the newest ones): the
    evaluation sees one probe per entry, this sees all of them, per pattern. Each wildcard of a
    current Allow statement, in a service where such actions must stay, must still be granted
    whole by a proposed statement with the same scope: an Action entry that covers it (or
    ``*``), or a NotAction statement whose added wildcard exclusions are all in services where
    they need not stay. Literal entries are checked by name in the evaluation. Sound, and
    conservative: a pattern split over several entries is refused."""

    def protected(entry: str) -> bool:
        return _protected(literal_namespace(entry), catalog, evidence)

    def keeps_all(rule: _Rule, pattern: str, excluded: Sequence[str]) -> bool:
        if not rule.negated:
            # _covered: covers() asked only of the entries that can contain the pattern.
            return rule.universal or _covered(pattern, rule)
        if rule.universal:
            return False  # NotAction "*" grants nothing
        return not any(
            has_wildcard(q)
            and not any(covers(e, q) for e in excluded)
            and _may_meet(q, pattern)
            and protected(q)
            for q in rule.entries
        )

    out: list[Violation] = []
    for rule in before:
        if rule.negated and rule.universal:
            continue  # grants nothing
        if rule.negated:
            needs = ["*"]  # everything its NotAction does not exclude
            excluded: Sequence[str] = rule.entries
        elif rule.universal:
            needs, excluded = ["*"], ()
        else:
            needs = [p for p in rule.entries if has_wildcard(p) and protected(p)]
            excluded = ()
        for pattern in needs:
            if any(r.scope == rule.scope and keeps_all(r, pattern, excluded) for r in after):
                continue
            out.append(
                Violation(
                    "removes_unproven",
                    f"{pattern} (in {list(rule.entries)}) also grants actions newer than the "
                    f"catalog ({catalog.data_version}) that nothing proves unused, and no "
                    "proposed statement with the same scope still grants them all",
                    pattern,
                )
            )
    return out


def _must_keep(action: str, universe: set[str], catalog: Catalog, evidence: Evidence) -> bool:
    if action not in universe:
        # A probe for actions newer than the catalog: it stands for real actions unless the
        # catalog may stand for every action of its service in the windows.
        namespace = literal_namespace(action)
        if namespace is not None and evidence.catalog_covers(catalog, namespace):
            return False
        return not evidence.action(action, known=False).unused
    return not evidence.action(action, known=catalog.knows(action)).unused


def _instance(pattern: str) -> str:
    """An action the pattern matches that no catalog has (its wildcards filled in oddly)."""
    return pattern.replace("*", "Zq").replace("?", "q")


def _universe(
    rules: Sequence[_Rule], catalog: Catalog, evidence: Evidence
) -> tuple[set[str], set[str]]:
    """(actions checked for both facts, probes checked for the subset only)."""
    entries = {p for r in rules for p in r.entries if not is_universal(p)}
    real: set[str] = set()
    unknown: set[str] = set()
    namespaces = set(evidence.namespaces())
    for p in entries:
        real |= catalog.expand(p)
        ns = literal_namespace(p)
        if ns is not None:
            namespaces.add(ns)
        if has_wildcard(p):
            unknown.add(_instance(p))
        elif ":" in p:
            real.add(p)
    for ns in evidence.namespaces():
        real.update(evidence.tracked(ns).values())
    # Never reported, so never proven unused: each must be checked by name even where only a
    # universal entry grants it (a namespace probe would be decided by the service's entry).
    real.update(evidence.tracking.never_reported)

    # An entry whose namespace is literal matches only actions of that namespace: a probe of
    # another one need not ask it (the probe search was most of the check's time).
    by_namespace: dict[str | None, list[str]] = {}
    for p in entries:
        by_namespace.setdefault(literal_namespace(p), []).append(p)
    open_entries = by_namespace.get(None, [])

    def unmatched(candidates: Iterable[str], among: Iterable[str] = entries) -> str | None:
        listed = list(among)
        for c in candidates:
            if not any(matches(p, c) for p in listed):
                return c
        return None

    for ns in sorted(namespaces):
        probe = unmatched(
            (f"{ns}:{name}" for name in ("IamlastProbe", "Zq0Probe", "Q")),
            [*by_namespace.get(ns, ()), *open_entries],
        )
        if probe is not None:
            real.add(probe)
        else:  # entries so many that no probe escapes them: check every action there is
            real |= catalog.actions(ns)
    probe = unmatched(("iamlast-probe:Probe", "zq0:Zq0", "q:Q"))
    if probe is not None:
        real.add(probe)
    else:
        for ns in catalog.services() - namespaces:
            real |= catalog.actions(ns)
    return real, unknown - real
