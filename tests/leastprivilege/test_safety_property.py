"""The safety property, against an independent brute-force IAM evaluator.

Hypothesis generates policies (wildcards, NotAction, Deny, conditions, several statements and
policies) and usage (reports at service and action level, several principals), trims every
policy, and checks the two facts of issue 14 by brute force: over every action of a small
universe (catalog actions, tracked ones, actions no catalog knows) and every truth assignment of
the statements' scopes (Resource / NotResource / Condition as independent booleans, which covers
every real combination), (1) what the proposed policies allow is allowed today, and (2) every
action the reports do not prove unused — every action used, in particular, and every action
the catalog does not know (it may be newer than the catalog) — is still allowed. With
``assume_complete_catalog`` the unknown actions of a service the catalog may stand for are
exempt from (2).

A second property mutates proposals at random and checks that the safety checker itself never
accepts one that the brute force finds unsafe.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from iamlast.leastprivilege import Catalog, PolicyDocument, trim_policy
from iamlast.leastprivilege.evidence import Evidence
from iamlast.leastprivilege.safety import verify
from iamlast.report import AccessReport

from .helpers import REGIONS, properties, report, service

CATALOG = Catalog(
    {"a": ["X", "Y", "Zed"], "b": ["X", "Yes"], "cc": ["Q"]},
    data_version="property-1",
)
WINDOW = timedelta(days=90)
KNOWN = ["a:X", "a:Y", "a:Zed", "b:X", "b:Yes", "cc:Q"]
UNKNOWN = ["a:New", "b:Xtra", "d:W", "e:Q"]  # not in the catalog (d and e: unknown namespaces)
UNIVERSE = KNOWN + UNKNOWN

ENTRIES = [
    *KNOWN,
    "A:x",
    "a:New",
    "d:W",
    "a:*",
    "a:?",
    "b:*",
    "b:X*",
    "*",
    "*:X",
    "a*",
    "?:*",
    "*:*",
    "c*:Q",
    "d:*",
    "*:Y*",
]
SCOPES: list[dict[str, Any]] = [
    {"Resource": "*"},
    {"Resource": "arn:aws:s3:::one"},
    {"Resource": ["arn:aws:s3:::one", "arn:aws:s3:::two"]},
    {"NotResource": "arn:aws:s3:::one"},
    {"Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
]


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    key = draw(st.sampled_from(["Action", "Action", "Action", "NotAction"]))
    entries = draw(st.lists(st.sampled_from(ENTRIES), min_size=1, max_size=3))
    value: Any = entries[0] if len(entries) == 1 and draw(st.booleans()) else entries
    out: dict[str, Any] = {}
    if draw(st.integers(0, 4)) == 0:
        out["Sid"] = draw(st.sampled_from(["NOREPOx", "Named"]))
    out["Effect"] = effect
    out[key] = value
    out.update(draw(st.sampled_from(SCOPES)))
    return out


policies = st.lists(
    st.lists(statements(), min_size=1, max_size=4).map(
        lambda s: {"Version": "2012-10-17", "Statement": s}
    ),
    min_size=1,
    max_size=3,
)

DAYS = st.sampled_from([None, 1, 30, 89, 91, 200])


@st.composite
def reports(draw: st.DrawFn) -> list[AccessReport]:
    out = []
    for i in range(draw(st.integers(1, 2))):
        services = []
        for ns, names in (
            ("a", ["X", "Y", "Zed", "New"]),
            ("b", ["X", "Yes"]),
            ("cc", ["Q"]),
            ("d", ["W"]),
        ):
            if not draw(st.integers(0, 5)):
                continue  # absent from this report
            last = draw(DAYS)
            tracked = None
            if draw(st.booleans()):
                chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
                tracked = {n: draw(DAYS) for n in chosen}
            services.append(service(ns, last, tracked))
        out.append(report(*services, arn=f"arn:aws:iam::123456789012:role/r{i}"))
    return out


# -- the independent evaluator -------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _statements(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = doc["Statement"]
    return [found] if isinstance(found, Mapping) else list(found)


def _scope(stmt: Mapping[str, Any]) -> str:
    return json.dumps(
        {k: v for k, v in stmt.items() if k not in ("Sid", "Action", "NotAction")}, sort_keys=True
    )


def _matches(stmt: Mapping[str, Any], action: str) -> bool:
    key = "Action" if "Action" in stmt else "NotAction"
    hit = any(fnmatch.fnmatchcase(action.lower(), p.lower()) for p in _listed(stmt[key]))
    return hit if key == "Action" else not hit


def _allowed(docs: Sequence[Mapping[str, Any]], action: str, world: Mapping[str, bool]) -> bool:
    stmts = [s for d in docs for s in _statements(d)]
    if any(s["Effect"] == "Deny" and world[_scope(s)] and _matches(s, action) for s in stmts):
        return False
    return any(s["Effect"] == "Allow" and world[_scope(s)] and _matches(s, action) for s in stmts)


def _proven_unused(action: str, reps: Sequence[AccessReport]) -> bool:
    """Issue 14's rule, re-derived: unused in every report — its service unused, or the
    service tracked at action level and the action tracked and unused."""
    ns, _, name = action.lower().partition(":")
    for rep in reps:
        start = rep.as_of - WINDOW
        svc = next((s for s in rep.services if s.namespace == ns), None)
        if svc is None:
            return False
        dates = [svc.last_authenticated] + [a.last_accessed for a in svc.actions or ()]
        used = any(d is not None and d >= start for d in dates)
        if not used:
            continue
        if svc.actions is None:
            return False
        tracked = next((a for a in svc.actions if a.action_name.lower() == name), None)
        if tracked is None:
            return False
        if tracked.last_accessed is not None and tracked.last_accessed >= start:
            return False
    return True


def _tracked(reps: Sequence[AccessReport]) -> set[str]:
    return {
        f"{s.namespace}:{a.action_name}" for r in reps for s in r.services for a in s.actions or ()
    }


def _catalog_stands_for(action: str, reps: Sequence[AccessReport]) -> bool:
    """Whether a complete catalog may stand for every action of ``action``'s service: it has
    the service and every action the reports track there."""
    ns = action.partition(":")[0].lower()
    known = {a.lower() for a in KNOWN}
    return ns in CATALOG.services() and all(
        a.lower() in known for a in _tracked(reps) if a.partition(":")[0].lower() == ns
    )


def brute_force(
    before: Sequence[Mapping[str, Any]],
    after: Sequence[Mapping[str, Any]],
    reps: Sequence[AccessReport],
    *,
    catalog_complete: bool = False,
) -> list[str]:
    """Every way ``after`` is unsafe (empty: safe). ``catalog_complete``: actions the catalog
    does not know need not stay in a service it may stand for."""
    scopes = sorted({_scope(s) for d in [*before, *after] for s in _statements(d)})
    real = set(KNOWN) | _tracked(reps)
    real |= {a for a in UNKNOWN if not (catalog_complete and _catalog_stands_for(a, reps))}
    problems = []
    for values in itertools.product([False, True], repeat=len(scopes)):
        world = dict(zip(scopes, values, strict=True))
        for action in sorted(set(UNIVERSE) | real):
            now, then = _allowed(before, action, world), _allowed(after, action, world)
            if then and not now:
                problems.append(f"grants more: {action} in {world}")
            if now and not then and action in real and not _proven_unused(action, reps):
                problems.append(f"takes away an unproven action: {action} in {world}")
    return problems


# -- the properties --------------------------------------------------------------------------


def _trim_all(
    docs: list[dict[str, Any]], reps: list[AccessReport], **options: Any
) -> list[Mapping[str, Any]]:
    after = []
    for doc in docs:
        result = trim_policy(
            doc, reps, catalog=CATALOG, unused_for=WINDOW, regions=REGIONS, **options
        )
        if result.after is not None:
            after.append(result.after)
    return after


def _every_proposal_is_a_subset_and_keeps_everything_unproven(
    docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    before = json.loads(json.dumps(docs))
    after = _trim_all(docs, reps)
    assert docs == before  # the inputs are not modified
    assert brute_force(docs, after, reps) == []


(
    test_every_proposal_is_a_subset_and_keeps_everything_unproven,
    test_every_proposal_is_a_subset_and_keeps_everything_unproven_long,
) = properties(
    _every_proposal_is_a_subset_and_keeps_everything_unproven,
    docs=policies,
    reps=reports(),
)


def _with_a_catalog_taken_as_complete_only_its_unknown_actions_may_go(
    docs: list[dict[str, Any]], reps: list[AccessReport]
) -> None:
    after = _trim_all(docs, reps, assume_complete_catalog=True)
    assert brute_force(docs, after, reps, catalog_complete=True) == []


(
    test_with_a_catalog_taken_as_complete_only_its_unknown_actions_may_go,
    test_with_a_catalog_taken_as_complete_only_its_unknown_actions_may_go_long,
) = properties(
    _with_a_catalog_taken_as_complete_only_its_unknown_actions_may_go,
    docs=policies,
    reps=reports(),
)


MUTATIONS = st.sampled_from(["add", "drop", "swap_scope", "drop_statement", "flip_key"])


def _the_checker_never_accepts_an_unsafe_proposal(
    docs: list[dict[str, Any]],
    reps: list[AccessReport],
    mutation: str,
    where: int,
    entry: str,
    scope: dict[str, Any],
) -> None:
    after = [json.loads(json.dumps(d)) for d in _trim_all(docs, reps)]
    flat = [(i, j) for i, d in enumerate(after) for j in range(len(_statements(d)))]
    if flat:
        i, j = flat[where % len(flat)]
        stmts = _statements(after[i])
        stmt = dict(stmts[j])
        key = "Action" if "Action" in stmt else "NotAction"
        entries = _listed(stmt[key])
        if mutation == "add":
            stmt[key] = [*entries, entry]
        elif mutation == "drop" and len(entries) > 1:
            stmt[key] = entries[1:]
        elif mutation == "swap_scope":
            for k in ("Resource", "NotResource", "Condition"):
                stmt.pop(k, None)
            stmt.update(scope)
        elif mutation == "flip_key":
            del stmt[key]
            stmt["NotAction" if key == "Action" else "Action"] = entries
        if mutation == "drop_statement" and len(stmts) > 1:
            stmts = stmts[:j] + stmts[j + 1 :]
        else:
            stmts = [*stmts[:j], stmt, *stmts[j + 1 :]]
        after[i] = {**after[i], "Statement": stmts}
    evidence = Evidence(reps, unused_for=WINDOW, regions=REGIONS)
    verdict = verify(
        [PolicyDocument.parse(d) for d in docs],
        [PolicyDocument.parse(d) for d in after],
        catalog=CATALOG,
        evidence=evidence,
    )
    if verdict.ok:
        assert brute_force(docs, after, reps) == []


(
    test_the_checker_never_accepts_an_unsafe_proposal,
    test_the_checker_never_accepts_an_unsafe_proposal_long,
) = properties(
    _the_checker_never_accepts_an_unsafe_proposal,
    docs=policies,
    reps=reports(),
    mutation=MUTATIONS,
    where=st.integers(0, 50),
    entry=st.sampled_from(ENTRIES),
    scope=st.sampled_from(SCOPES),
)
