"""Reading what proposals are made from: a principal's facts and policies, a group's members, a
managed policy's default document, versions and attachments — as flows.

The propose flow reads with these; the apply flow reads the same things again to see whether
IAM drifted since. Every list is read to its last page; every document arrives decoded (the
generated models URL-decode ``policyDocumentType``). Each read is a handful of requests made
one after another: the callers run many reads at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..errors import ServiceError
from . import Flow, Gather, Send, collect
from .report import pages

__all__ = [
    "SERVICE_LINKED_PATH",
    "Holdings",
    "InlineDoc",
    "Managed",
    "Member",
    "Who",
    "arn_parts",
    "read_group_members",
    "read_holdings",
    "read_inline",
    "read_managed",
    "read_who",
]

SERVICE_LINKED_PATH = "/aws-service-role/"
#: IAM's wire code for "it does not exist" (the flows see codes, not generated classes).
NO_SUCH_ENTITY = "NoSuchEntity"
Kind = Literal["role", "user", "group"]
#: The request member naming each kind of principal, and its name in operation names.
_NAME_ARG = {"role": "role_name", "user": "user_name", "group": "group_name"}
_OP = {"role": "Role", "user": "User", "group": "Group"}


def arn_parts(arn: str) -> tuple[str, str]:
    """``(kind, name)`` of an IAM ARN: ``("role", "app")`` for ``...:role/team/app``."""
    resource = arn.split(":", 5)[5]
    kind, _, rest = resource.partition("/")
    return kind, rest.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Who:
    """A principal's facts: what the planner needs to know about it."""

    arn: str
    kind: Kind
    name: str
    path: str
    created: datetime | None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def service_linked(self) -> bool:
        """A service-linked role (AWS owns its policies)."""
        return self.kind == "role" and self.path.startswith(SERVICE_LINKED_PATH)


@dataclass(frozen=True)
class InlineDoc:
    """An inline policy: its name and document (JSON text, decoded)."""

    name: str
    document: str


@dataclass(frozen=True)
class Member:
    """A user in a group (``tags`` read only when asked for)."""

    arn: str
    name: str
    created: datetime | None
    tags: dict[str, str] | None = None


@dataclass(frozen=True)
class Holdings:
    """What one principal holds: inline policies, attached managed policies (ARNs), and for a
    user its groups (name, ARN)."""

    who: Who
    inline: tuple[InlineDoc, ...]
    attached: tuple[str, ...]
    groups: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Managed:
    """A managed policy as IAM holds it now: its default version's document, every version id
    oldest first, and (when asked for) the ``(kind, name)`` of everything it is attached to."""

    arn: str
    name: str
    path: str
    aws_managed: bool
    default_version_id: str
    document: str
    versions: tuple[str, ...]
    attachment_count: int
    entities: tuple[tuple[str, str], ...] | None = None
    #: Principals whose permissions boundary it is: trimming it would shrink theirs too.
    boundary_uses: int = 0


def _tags(found: Any) -> dict[str, str]:
    return {t.key: t.value for t in getattr(found, "tags", None) or ()}


def read_who(kind: Kind, name: str) -> Flow[Who]:
    """Get{Role,User,Group}: the principal's ARN, path, creation date and tags."""
    response = yield Send(f"Get{_OP[kind]}", {_NAME_ARG[kind]: name})
    found = getattr(response, kind)
    return Who(found.arn, kind, name, found.path or "/", found.create_date, _tags(found))


def read_inline(kind: Kind, name: str) -> Flow[tuple[InlineDoc, ...]]:
    """Every inline policy of a principal, with its document."""
    names = yield from collect(pages(f"List{_OP[kind]}Policies", {_NAME_ARG[kind]: name}))
    out = []
    for policy in names:
        got = yield Send(f"Get{_OP[kind]}Policy", {_NAME_ARG[kind]: name, "policy_name": policy})
        out.append(InlineDoc(policy, got.policy_document))
    return tuple(out)


def read_attached(kind: Kind, name: str) -> Flow[tuple[str, ...]]:
    """The ARNs of the managed policies attached to a principal."""
    attached = yield from collect(pages(f"ListAttached{_OP[kind]}Policies", {_NAME_ARG[kind]: name}))
    return tuple(a.policy_arn for a in attached)


def read_holdings(kind: Kind, name: str, who: Who | None = None) -> Flow[Holdings]:
    """A principal's facts (unless given), inline policies, attachments and, for a user, groups."""
    if who is None:
        who = yield from read_who(kind, name)
    inline = yield from read_inline(kind, name)
    attached = yield from read_attached(kind, name)
    groups: tuple[tuple[str, str], ...] = ()
    if kind == "user":
        listed = yield from collect(pages("ListGroupsForUser", {"user_name": name}))
        groups = tuple((g.group_name, g.arn) for g in listed)
    return Holdings(who, inline, attached, groups)


def read_group_members(name: str, *, tags: bool, concurrency: int) -> Flow[tuple[Member, ...]]:
    """A group's users with their creation dates (and, with ``tags``, their tags: one GetUser
    each, ``concurrency`` at a time)."""
    users = yield from collect(pages("GetGroup", {"group_name": name}))
    members = [Member(u.arn, u.user_name, u.create_date) for u in users]
    if not tags or not members:
        return tuple(members)
    facts = yield Gather([read_who("user", m.name) for m in members], concurrency)
    return tuple(Member(m.arn, m.name, m.created, f.tags) for m, f in zip(members, facts, strict=True))


def _version_key(version_id: str) -> tuple[int, str]:
    digits = version_id.lstrip("v").split(".", 1)[0]
    return (int(digits) if digits.isdigit() else 0, version_id)


def read_managed(arn: str, *, entities: Literal["never", "shared", "always"]) -> Flow[Managed]:
    """GetPolicy, its default version's document, its version ids (customer-managed only: AWS
    managed ones are never edited) and what it is attached to (ListEntitiesForPolicy):
    ``"always"``, ``"never"``, or ``"shared"`` — for every customer-managed policy (whether it
    is one principal's alone is decided from the list itself, not from ``AttachmentCount``)."""
    policy = (yield Send("GetPolicy", {"policy_arn": arn})).policy
    default = policy.default_version_id
    version = yield Send("GetPolicyVersion", {"policy_arn": arn, "version_id": default})
    aws = arn.split(":")[4] == "aws"
    count = policy.attachment_count or 0
    versions: Sequence[str] = (default,)
    if not aws:
        listed = yield from collect(pages("ListPolicyVersions", {"policy_arn": arn}))
        # Oldest first: IAM numbers versions in the order they were made.
        versions = sorted((v.version_id for v in listed), key=_version_key)
    attached: tuple[tuple[str, str], ...] | None = None
    if entities == "always" or (entities == "shared" and not aws):
        found: list[tuple[str, str]] = []
        for page in (yield from collect(pages("ListEntitiesForPolicy", {"policy_arn": arn}, whole_pages=True))):
            found += [("group", g.group_name) for g in page.policy_groups or ()]
            found += [("user", u.user_name) for u in page.policy_users or ()]
            found += [("role", r.role_name) for r in page.policy_roles or ()]
        attached = tuple(found)
    return Managed(
        arn=arn,
        name=policy.policy_name,
        path=policy.path or "/",
        aws_managed=aws,
        default_version_id=default,
        document=version.policy_version.document,
        versions=tuple(versions),
        attachment_count=count,
        entities=attached,
        boundary_uses=policy.permissions_boundary_usage_count or 0,
    )


def read_optional_policy(arn: str) -> Flow[bool]:
    """Whether a managed policy exists (GetPolicy; NoSuchEntity: it does not)."""
    try:
        yield Send("GetPolicy", {"policy_arn": arn})
    except ServiceError as exc:
        if exc.code != NO_SUCH_ENTITY:
            raise
        return False
    return True


def read_optional_inline(kind: Kind, name: str, policy: str) -> Flow[str | None]:
    """An inline policy's document, or None when it does not exist."""
    try:
        got = yield Send(f"Get{_OP[kind]}Policy", {_NAME_ARG[kind]: name, "policy_name": policy})
    except ServiceError as exc:
        if exc.code != NO_SUCH_ENTITY:
            raise
        return None
    document: str = got.policy_document
    return document
