"""A seeded synthetic AWS account: users, roles, groups, managed and inline policies, and when
each principal last used each service it is granted.

Everything is deterministic by seed: the structure is drawn from ``random.Random(seed)``, the
service usage is a hash of (seed, principal ARN, namespace) relative to :attr:`SyntheticAccount.as_of`,
so it is computed when asked and never stored. Tests build their own scenarios with
:meth:`SyntheticAccount.add_user`, :meth:`~SyntheticAccount.add_role`, ... and
:meth:`~SyntheticAccount.set_usage`.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from . import seeds
from .catalog import CATALOGUE, REAL_SERVICES
from .organization import SyntheticOrganization

__all__ = [
    "Group",
    "InlinePolicy",
    "ManagedPolicy",
    "PolicyVersion",
    "Principal",
    "Role",
    "SyntheticAccount",
    "Usage",
    "User",
]

EntityType = Literal["USER", "ROLE", "GROUP"]
_REGIONS = ("us-east-1",) * 5 + ("us-west-2",) * 3 + ("eu-west-1",) * 2 + ("ap-southeast-2", "eu-central-1")


def _ms(value: datetime) -> datetime:
    """IAM reports timestamps to the millisecond."""
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


@dataclass(frozen=True, slots=True)
class Usage:
    """When and where a principal last authenticated to a service (or an action)."""

    when: datetime
    region: str


@dataclass(eq=False)
class InlinePolicy:
    """An inline policy embedded in one user, role or group. ``document`` is None until it is
    first read (then generated from ``services``, see :mod:`.policies`); ``services`` always
    follows the document."""

    name: str
    services: tuple[str, ...]
    document: str | None = None


@dataclass(eq=False)
class PolicyVersion:
    """One version of a managed policy (``document``: the JSON text, as IAM stores it)."""

    version_id: str
    document: str
    created: datetime


@dataclass(eq=False)
class ManagedPolicy:
    """A customer-managed or AWS-managed policy. ``virtual_entities`` > 0 makes it attached to
    that many synthetic roles and users that exist only in its reports, generated per page."""

    name: str
    policy_id: str
    arn: str
    path: str
    services: tuple[str, ...]
    aws_managed: bool
    create_date: datetime
    update_date: datetime
    default_version_id: str = "v1"
    virtual_entities: int = 0
    attached: list[Principal] = field(default_factory=list)
    #: Its versions, oldest first (empty until first read: then v1 is generated from
    #: ``services``, see :mod:`.policies`); ``services`` always follows the default version.
    versions: list[PolicyVersion] = field(default_factory=list)
    #: The number of the last version created (IAM never reuses one).
    last_version: int = 1
    description: str | None = None
    #: How many principals have it as their permissions boundary (IAM's
    #: ``PermissionsBoundaryUsageCount``; the emulator keeps only the count).
    boundary_uses: int = 0

    @property
    def attachment_count(self) -> int:
        """How many users, roles and groups it is attached to."""
        return len(self.attached) + self.virtual_entities


@dataclass(eq=False)
class Principal:
    """A user, role or group: the entities Access Advisor reports on."""

    name: str
    id: str
    arn: str
    path: str
    create_date: datetime
    managed: list[ManagedPolicy] = field(default_factory=list)
    inline: list[InlinePolicy] = field(default_factory=list)
    #: Tags (users and roles; IAM groups have none).
    tags: dict[str, str] = field(default_factory=dict)

    entity_type: EntityType = "USER"


@dataclass(eq=False)
class User(Principal):
    """An IAM user; its groups' policies apply to it too."""

    groups: list[Group] = field(default_factory=list)
    entity_type: EntityType = "USER"


@dataclass(eq=False)
class Role(Principal):
    """An IAM role (service-linked ones live under ``/aws-service-role/``)."""

    description: str | None = None
    max_session_duration: int = 3600
    #: AWS Sign-In sessions of users signing in with the role (IAM omits it when unset).
    max_signin_session_duration: int | None = None
    trust_service: str = "ec2.amazonaws.com"
    entity_type: EntityType = "ROLE"

    @property
    def assume_role_policy_document(self) -> str:
        """The trust policy as JSON text (the models URL-encode it on the wire, as IAM does)."""
        return (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"'
            + self.trust_service
            + '"},"Action":"sts:AssumeRole"}]}'
        )


@dataclass(eq=False)
class Group(Principal):
    """An IAM group; reports on it cover its member users."""

    members: list[User] = field(default_factory=list)
    entity_type: EntityType = "GROUP"


class SyntheticAccount:
    """A synthetic account. Build one with :meth:`generate` (seeded) or empty and add to it."""

    def __init__(
        self, *, account_id: str = "123456789012", seed: int = 0, as_of: datetime | None = None
    ) -> None:
        self.account_id = account_id
        self.seed = seed
        #: The AWS Organization this account manages (what Organizations access reports cover).
        self.organization = SyntheticOrganization.default(account_id)
        #: The reference time that usage is relative to (recent = within 30 days of it).
        self.as_of = _ms(as_of or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0))
        self.users: dict[str, User] = {}
        self.roles: dict[str, Role] = {}
        self.groups: dict[str, Group] = {}
        self.policies: dict[str, ManagedPolicy] = {}
        self._usage: dict[tuple[str, str], Usage | None] = {}
        self._by_arn: dict[str, Principal | ManagedPolicy] = {}
        self._lock = threading.RLock()
        #: Bumped by every change, so the emulator knows when cached renderings are stale.
        self.version = 0

    # ------------------------------------------------------------------ generation

    @classmethod
    def generate(
        cls,
        seed: int = 0,
        *,
        users: int = 25,
        roles: int = 40,
        groups: int = 6,
        policies: int = 20,
        account_id: str = "123456789012",
        as_of: datetime | None = None,
        bulk_policies: bool = True,
    ) -> SyntheticAccount:
        """A realistic account, the same for the same seed (and ``as_of``).

        It always has the AWS-managed policies of :mod:`iamlast.testing.seeds`, a role
        ``OrganizationAccountAccessRole`` granted every catalogued service (420), and with
        ``bulk_policies`` the policies ``iamlast-bulk-1k`` (1,200 entities) and
        ``iamlast-bulk-100k`` (100,000 entities, generated per page).
        """
        acct = cls(account_id=account_id, seed=seed, as_of=as_of)
        seeds.populate(acct, random.Random(seed), users=users, roles=roles, groups=groups, policies=policies)
        if bulk_policies:
            acct.add_bulk_policy("iamlast-bulk-1k", 1200)
            acct.add_bulk_policy("iamlast-bulk-100k", 100_000)
        return acct

    # ------------------------------------------------------------------ building

    def _id(self, prefix: str, name: str) -> str:
        digest = hashlib.blake2b(f"{self.seed}|{prefix}|{name}".encode(), digest_size=17).digest()
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
        return prefix + "".join(alphabet[b % 32] for b in digest[:17])

    def _created(self, name: str) -> datetime:
        days = self._hash("created", name) % 1500 + 30
        return _ms(self.as_of - timedelta(days=days, milliseconds=self._hash("ms", name) % 86_400_000))

    def _register(self, obj: Principal | ManagedPolicy) -> None:
        if obj.arn in self._by_arn:
            raise ValueError(f"{obj.arn} already exists")
        self._by_arn[obj.arn] = obj
        self.version += 1

    def add_policy(
        self,
        name: str,
        services: Iterable[str],
        *,
        path: str = "/",
        aws_managed: bool = False,
        attach_to: Iterable[Principal] = (),
    ) -> ManagedPolicy:
        """A managed policy granting ``services`` (namespaces), optionally attached."""
        owner = "aws" if aws_managed else self.account_id
        arn = f"arn:aws:iam::{owner}:policy{path}{name}"
        created = self._created(arn)
        policy = ManagedPolicy(
            name=name,
            policy_id=self._id("ANPA", arn),
            arn=arn,
            path=path,
            services=tuple(dict.fromkeys(services)),
            aws_managed=aws_managed,
            create_date=created,
            update_date=_ms(created + timedelta(days=self._hash("upd", arn) % 20)),
        )
        with self._lock:
            self._register(policy)
            self.policies[arn] = policy
            for principal in attach_to:
                self.attach(policy, principal)
        return policy

    def add_bulk_policy(
        self, name: str, entities: int, services: Sequence[str] = ("s3", "ec2", "dynamodb", "sqs", "logs")
    ) -> ManagedPolicy:
        """A policy attached to ``entities`` virtual roles/users, generated lazily per page."""
        policy = self.add_policy(name, services, path="/bulk/")
        policy.virtual_entities = entities
        self.version += 1
        return policy

    def attach(self, policy: ManagedPolicy, principal: Principal) -> None:
        """Attach a managed policy to a user, role or group."""
        with self._lock:
            if policy.virtual_entities:
                raise ValueError(f"{policy.name} is a bulk policy: its entities are virtual")
            if policy not in principal.managed:
                principal.managed.append(policy)
                policy.attached.append(principal)
                self.version += 1

    def _principal_kwargs(self, kind: str, prefix: str, name: str, path: str) -> dict[str, object]:
        arn = f"arn:aws:iam::{self.account_id}:{kind}{path}{name}"
        return {"name": name, "id": self._id(prefix, arn), "arn": arn, "path": path, "create_date": self._created(arn)}

    def _finish(
        self,
        principal: Principal,
        policies: Iterable[ManagedPolicy | str],
        inline: Mapping[str, Iterable[str]] | None,
        services: Iterable[str] | None,
    ) -> None:
        self._register(principal)
        for p in policies:
            self.attach(p if isinstance(p, ManagedPolicy) else self.policy(p), principal)
        for pname, svcs in (inline or {}).items():
            principal.inline.append(InlinePolicy(pname, tuple(svcs)))
        if services is not None:
            principal.inline.append(InlinePolicy(f"{principal.name}-inline", tuple(services)))

    def add_user(
        self,
        name: str,
        *,
        path: str = "/",
        policies: Iterable[ManagedPolicy | str] = (),
        inline: Mapping[str, Iterable[str]] | None = None,
        services: Iterable[str] | None = None,
        groups: Iterable[Group | str] = (),
    ) -> User:
        """A user; ``services`` is a shortcut for one inline policy granting them."""
        user = User(**self._principal_kwargs("user", "AIDA", name, path))  # type: ignore[arg-type]
        with self._lock:
            self._finish(user, policies, inline, services)
            self.users[name] = user
            for g in groups:
                self.add_to_group(g if isinstance(g, Group) else self.groups[g], user)
        return user

    def add_role(
        self,
        name: str,
        *,
        path: str = "/",
        policies: Iterable[ManagedPolicy | str] = (),
        inline: Mapping[str, Iterable[str]] | None = None,
        services: Iterable[str] | None = None,
        description: str | None = None,
        trust_service: str = "ec2.amazonaws.com",
        max_signin_session_duration: int | None = None,
    ) -> Role:
        """A role; ``services`` is a shortcut for one inline policy granting them."""
        role = Role(**self._principal_kwargs("role", "AROA", name, path))  # type: ignore[arg-type]
        role.description = description
        role.trust_service = trust_service
        role.max_signin_session_duration = max_signin_session_duration
        with self._lock:
            self._finish(role, policies, inline, services)
            self.roles[name] = role
        return role

    def add_roles(self, count: int, *, prefix: str = "scan-role", services: Sequence[str] = ("s3", "ec2", "iam", "lambda")) -> list[Role]:
        """``count`` roles named ``{prefix}-00000`` …, each with an inline policy (fast)."""
        return [self.add_role(f"{prefix}-{i:05d}", services=services) for i in range(count)]

    def add_group(
        self,
        name: str,
        *,
        path: str = "/",
        policies: Iterable[ManagedPolicy | str] = (),
        inline: Mapping[str, Iterable[str]] | None = None,
        services: Iterable[str] | None = None,
        members: Iterable[User | str] = (),
    ) -> Group:
        """A group with member users."""
        group = Group(**self._principal_kwargs("group", "AGPA", name, path))  # type: ignore[arg-type]
        with self._lock:
            self._finish(group, policies, inline, services)
            self.groups[name] = group
            for m in members:
                self.add_to_group(group, m if isinstance(m, User) else self.users[m])
        return group

    def add_to_group(self, group: Group, user: User) -> None:
        """Make ``user`` a member of ``group``."""
        with self._lock:
            if user not in group.members:
                group.members.append(user)
                user.groups.append(group)
                self.version += 1

    def tag(self, principal: Principal, key: str, value: str = "") -> None:
        """Tag a user or role (GetUser / GetRole report it)."""
        with self._lock:
            principal.tags[key] = value
            self.version += 1

    def set_usage(
        self,
        principal: Principal | str,
        namespace: str,
        when: datetime | None,
        *,
        region: str = "us-east-1",
    ) -> None:
        """Fix when a user or role last used a service (``None``: never)."""
        arn = principal if isinstance(principal, str) else principal.arn
        value = None if when is None else Usage(_ms(when.astimezone(UTC)), region)
        with self._lock:
            self._usage[(arn, namespace)] = value
            self.version += 1

    # ------------------------------------------------------------------ lookups

    def user(self, name: str) -> User:
        """The user called ``name``."""
        return self.users[name]

    def role(self, name: str) -> Role:
        """The role called ``name``."""
        return self.roles[name]

    def group(self, name: str) -> Group:
        """The group called ``name``."""
        return self.groups[name]

    def policy(self, name_or_arn: str) -> ManagedPolicy:
        """A managed policy by ARN or by name."""
        found = self.policies.get(name_or_arn)
        if found is not None:
            return found
        for p in self.policies.values():
            if p.name == name_or_arn:
                return p
        raise KeyError(name_or_arn)

    def find(self, arn: str) -> Principal | ManagedPolicy | None:
        """The entity with this ARN, if any."""
        return self._by_arn.get(arn)

    @property
    def admin_role(self) -> Role:
        """The role granted every catalogued service (420)."""
        return self.roles["OrganizationAccountAccessRole"]

    # ------------------------------------------------------------------ usage

    def _hash(self, *parts: object) -> int:
        raw = "|".join(str(p) for p in (self.seed, *parts)).encode()
        return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")

    def usage(self, arn: str, namespace: str) -> Usage | None:
        """When the user or role ``arn`` last used ``namespace`` (``None``: never)."""
        key = (arn, namespace)
        if key in self._usage:
            return self._usage[key]
        h = self._hash(arn, namespace)
        bucket = h % 100
        if bucket < 40:
            return None
        spread = (h >> 8) % (30 * 86_400_000) if bucket < 75 else 90 * 86_400_000 + (h >> 8) % (300 * 86_400_000)
        return Usage(self.as_of - timedelta(milliseconds=spread), _REGIONS[(h >> 48) % len(_REGIONS)])

    def action_usage(self, arn: str, namespace: str, actions: Sequence[str]) -> list[Usage | None]:
        """Per tracked action of ``namespace``, when ``arn`` last used it."""
        service = self.usage(arn, namespace)
        if service is None or not actions:
            return [None] * len(actions)
        primary = self._hash(arn, namespace, "primary") % len(actions)
        out: list[Usage | None] = []
        for i, action in enumerate(actions):
            h = self._hash(arn, namespace, action)
            if i == primary:
                out.append(service)
            elif h % 100 < 45:
                out.append(Usage(service.when - timedelta(milliseconds=(h >> 8) % (60 * 86_400_000)), service.region))
            else:
                out.append(None)
        return out

    def grants(self, principal: Principal) -> list[tuple[ManagedPolicy | InlinePolicy, Principal]]:
        """Every policy that applies to ``principal``, with the entity it is attached to."""
        out: list[tuple[ManagedPolicy | InlinePolicy, Principal]] = []
        owners: list[Principal] = [principal]
        if isinstance(principal, User):
            owners.extend(principal.groups)
        for owner in owners:
            out.extend((p, owner) for p in owner.inline)
            out.extend((p, owner) for p in owner.managed)
        return out

    def granted_services(self, entity: Principal | ManagedPolicy) -> list[str]:
        """The namespaces ``entity``'s policies grant, sorted."""
        if isinstance(entity, ManagedPolicy):
            return sorted(set(entity.services))
        found: set[str] = set()
        for policy, _ in self.grants(entity):
            found.update(policy.services)
        return sorted(found)

    def all_services(self) -> list[str]:
        """Every catalogued namespace."""
        return [s.namespace for s in CATALOGUE]

    def real_services(self) -> list[str]:
        """The namespaces of real AWS services."""
        return [s.namespace for s in REAL_SERVICES]
