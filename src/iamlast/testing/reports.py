"""What a report says: per service the last access (service and action level), per service the
entities, and the Organizations access details. Pure functions of the account."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import overload

from .account import Group, ManagedPolicy, Principal, SyntheticAccount, Usage
from .catalog import REAL_SERVICES, TRACKED_ACTIONS, service
from .policies import tracked_granted_to

__all__ = [
    "AccessRow",
    "ActionRow",
    "EntityRow",
    "ServiceRow",
    "VirtualEntities",
    "entity_rows",
    "organizations_rows",
    "report_entities",
    "service_rows",
]

_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "us-east-2", "ap-northeast-1")


@dataclass(frozen=True, slots=True)
class ActionRow:
    """One tracked action's last access."""

    action: str
    when: datetime | None
    entity: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class ServiceRow:
    """One service in a service-last-accessed report."""

    namespace: str
    name: str
    when: datetime | None
    entity: str | None
    region: str | None
    total: int
    actions: tuple[ActionRow, ...] | None


@dataclass(frozen=True, slots=True)
class EntityRow:
    """One entity in GetServiceLastAccessedDetailsWithEntities."""

    arn: str
    name: str
    type: str
    id: str
    path: str
    when: datetime | None


@dataclass(frozen=True, slots=True)
class AccessRow:
    """One service in an Organizations access report."""

    namespace: str
    name: str
    region: str | None
    entity_path: str | None
    when: datetime | None
    total: int


def report_entities(acct: SyntheticAccount, target: Principal | ManagedPolicy) -> list[Principal]:
    """The users and roles whose activity a report on ``target`` covers."""
    if isinstance(target, Group):
        return list(target.members)
    if isinstance(target, ManagedPolicy):
        seen: dict[str, Principal] = {}
        for p in target.attached:
            members = p.members if isinstance(p, Group) else [p]
            for m in members:
                seen.setdefault(m.arn, m)
        return list(seen.values())
    return [target]


def _h(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


class VirtualEntities(Sequence[EntityRow]):
    """The entities of a bulk policy, newest first, computed per index: never materialised."""

    def __init__(self, acct: SyntheticAccount, policy: ManagedPolicy, namespace: str) -> None:
        self._acct = acct
        self._policy = policy
        self._n = policy.virtual_entities
        self._accessed = _virtual_accessed(acct, policy, namespace)
        self._step = _virtual_step(self._n)

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> EntityRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[EntityRow]: ...
    def __getitem__(self, index: int | slice) -> EntityRow | list[EntityRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(self._n))]
        if not 0 <= index < self._n:
            raise IndexError(index)
        return self._row(index)

    def __iter__(self) -> Iterator[EntityRow]:
        return (self._row(i) for i in range(self._n))

    def _row(self, i: int) -> EntityRow:
        kind = "ROLE" if i % 2 == 0 else "USER"
        name = f"{self._policy.name}-{kind.lower()}-{i:06d}"
        arn = f"arn:aws:iam::{self._acct.account_id}:{kind.lower()}/bulk/{name}"
        when = self._acct.as_of - self._step * (i + 1) if i < self._accessed else None
        return EntityRow(arn, name, kind, self._acct._id("AROA" if kind == "ROLE" else "AIDA", arn), "/bulk/", when)


def _virtual_accessed(acct: SyntheticAccount, policy: ManagedPolicy, namespace: str) -> int:
    if namespace not in policy.services:
        return 0
    frac = 0.35 + 0.6 * (_h(acct.seed, policy.arn, namespace) % 1000) / 1000
    return int(policy.virtual_entities * frac)


def _virtual_step(n: int) -> timedelta:
    # Spread the accesses over at most ~360 days, newest one step before as_of.
    return max(timedelta(milliseconds=1), min(timedelta(seconds=300), timedelta(days=360) / max(n, 1)))


def _best(usages: list[tuple[str, Usage | None]]) -> tuple[str | None, Usage | None, int]:
    best_arn: str | None = None
    best: Usage | None = None
    total = 0
    for arn, u in usages:
        if u is None:
            continue
        total += 1
        if best is None or u.when > best.when:
            best_arn, best = arn, u
    return best_arn, best, total


def service_rows(acct: SyntheticAccount, target: Principal | ManagedPolicy, action_level: bool) -> list[ServiceRow]:
    """The services ``target``'s policies grant, by namespace, each with its last access."""
    rows: list[ServiceRow] = []
    entities = report_entities(acct, target)
    virtual = isinstance(target, ManagedPolicy) and target.virtual_entities > 0
    for ns in acct.granted_services(target):
        name = service(ns).name
        tracked = TRACKED_ACTIONS.get(ns, ()) if action_level else ()
        if virtual:
            assert isinstance(target, ManagedPolicy)
            rows.append(_virtual_row(acct, target, ns, name, tracked, action_level))
            continue
        arn, best, total = _best([(e.arn, acct.usage(e.arn, ns)) for e in entities])
        actions: tuple[ActionRow, ...] | None = None
        if action_level and tracked:
            # Usage is drawn over every tracked action (so it does not change when a policy
            # does); the report lists only those the policies still allow.
            granted = tracked_granted_to(acct, target, ns)
            per_entity = [(e.arn, acct.action_usage(e.arn, ns, tracked)) for e in entities]
            acts = []
            for i, action in enumerate(tracked):
                if action not in granted:
                    continue
                a_arn, a_best, _ = _best([(e_arn, us[i]) for e_arn, us in per_entity])
                acts.append(ActionRow(action, a_best.when if a_best else None, a_arn, a_best.region if a_best else None))
            actions = tuple(acts)
        rows.append(ServiceRow(ns, name, best.when if best else None, arn, best.region if best else None, total, actions))
    return rows


def _virtual_row(
    acct: SyntheticAccount, policy: ManagedPolicy, ns: str, name: str, tracked: Sequence[str], action_level: bool
) -> ServiceRow:
    accessed = _virtual_accessed(acct, policy, ns)
    first = VirtualEntities(acct, policy, ns)[0] if accessed else None
    actions: tuple[ActionRow, ...] | None = None
    if action_level and tracked:
        actions = tuple(
            ActionRow(a, first.when, first.arn, "us-east-1") if first and _h(ns, a) % 2 == 0 else ActionRow(a, None, None, None)
            for a in tracked
        )
    if first is None:
        return ServiceRow(ns, name, None, None, None, 0, actions)
    return ServiceRow(ns, name, first.when, first.arn, "us-east-1", accessed, actions)


def entity_rows(acct: SyntheticAccount, target: Principal | ManagedPolicy, namespace: str) -> Sequence[EntityRow]:
    """The entities of ``target``'s report for one service, most recent access first."""
    if namespace not in acct.granted_services(target):
        return []
    if isinstance(target, ManagedPolicy) and target.virtual_entities > 0:
        return VirtualEntities(acct, target, namespace)
    rows = []
    for e in report_entities(acct, target):
        u = acct.usage(e.arn, namespace)
        rows.append(EntityRow(e.arn, e.name, e.entity_type, e.id, e.path, u.when if u else None))
    rows.sort(key=lambda r: (r.when is None, -(r.when.timestamp()) if r.when else 0.0, r.name))
    return rows


def organizations_rows(acct: SyntheticAccount, entity_path: str, policy_id: str | None) -> list[AccessRow]:
    """What the Organizations report for ``entity_path`` (a path in the account's organization)
    says, by namespace: a service last used by one of the accounts under it, or never (every
    service, under an OU without accounts)."""
    accounts = acct.organization.accounts_under(entity_path)
    rows: list[AccessRow] = []
    for svc in REAL_SERVICES:
        h = _h(acct.seed, entity_path, policy_id, svc.namespace)
        if policy_id is not None and h % 5 == 0:
            continue  # the SCP does not allow this service
        if not accounts or (h >> 4) % 100 < 45:
            rows.append(AccessRow(svc.namespace, svc.name, None, None, None, 0))
            continue
        path = accounts[(h >> 12) % len(accounts)]
        when = acct.as_of - timedelta(milliseconds=(h >> 20) % (200 * 86_400_000))
        rows.append(AccessRow(svc.namespace, svc.name, _REGIONS[(h >> 50) % len(_REGIONS)], path, when, 1 + (h >> 40) % 25))
    return rows

