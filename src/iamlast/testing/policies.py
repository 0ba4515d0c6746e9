"""The synthetic account's policy documents, and IAM's writes to them.

Every managed and inline policy of a :class:`~.account.SyntheticAccount` is made from a list of
service namespaces. The first time its document is read, it is generated from that list —
deterministically, by seed, in the shapes real policies have: service wildcards (``s3:*``),
prefix wildcards (``ec2:Describe*``), literal tracked actions, ``*`` and ``NotAction`` for
(nearly) everything, scoped statements with a Condition, Deny statements and ``NOREPO`` Sids —
and from then on the document is the truth. Every write (a new inline document, a new default
version, a detach, ...) re-derives the policy's ``services`` from its document and bumps the
account's version, so the last-accessed reports follow the policies as they change: a service
no policy allows any more is no longer reported, nor (at ACTION_LEVEL) a tracked action.

The checks are IAM's, with its error codes: MalformedPolicyDocument for a document IAM would
refuse, LimitExceeded for a sixth version, a document over its size quota or an eleventh
attached policy, DeleteConflict for deleting a default version or an attached policy,
EntityAlreadyExists for a policy name taken, NoSuchEntity for what does not exist.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from iamlast.errors import (
    AccessDeniedError,
    DeleteConflictError,
    EntityAlreadyExistsError,
    LimitExceededError,
    MalformedPolicyDocumentError,
    NoSuchEntityError,
)

from .account import (
    Group,
    InlinePolicy,
    ManagedPolicy,
    PolicyVersion,
    Principal,
    SyntheticAccount,
    User,
)
from .catalog import CATALOGUE, TRACKED_ACTIONS

__all__ = [
    "INLINE_QUOTAS",
    "MANAGED_QUOTA",
    "MAX_ATTACHED",
    "MAX_VERSIONS",
    "attach",
    "check_document",
    "create_policy",
    "create_version",
    "default_version",
    "delete_inline",
    "delete_policy",
    "delete_version",
    "detach",
    "generate_document",
    "granted_namespaces",
    "granted_tracked",
    "inline_document",
    "put_inline",
    "set_default_version",
    "tracked_granted_to",
    "version",
    "versions",
]

#: Characters (whitespace not counted) one managed policy version may have.
MANAGED_QUOTA = 6144
#: Characters (whitespace not counted) of all inline policies of one principal, added up.
INLINE_QUOTAS = {"ROLE": 10240, "USER": 2048, "GROUP": 5120}
#: Versions a managed policy may have at once.
MAX_VERSIONS = 5
#: Managed policies one user, role or group may have attached (IAM's default quota).
MAX_ATTACHED = 10

_VERSION = "2012-10-17"
_ALL = tuple(s.namespace for s in CATALOGUE)
_ALL_SET = frozenset(_ALL)
_WHITESPACE = re.compile(r"\s+")
_SID_OK = re.compile(r"[^A-Za-z0-9]")
_PREFIXES = ("Get*", "List*", "Describe*")


def _h(*parts: object) -> int:
    raw = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


# ---------------------------------------------------------------------------- generation


def _entries(seed: int, key: str, ns: str) -> list[str]:
    """What a statement for one service allows, in one of the shapes real policies use."""
    h = _h(seed, key, ns)
    tracked = TRACKED_ACTIONS.get(ns, ())
    shape = h % 10
    if tracked and shape < 4:
        count = 1 + (h >> 8) % min(6, len(tracked))
        start = (h >> 16) % len(tracked)
        picked = [tracked[(start + i) % len(tracked)] for i in range(count)]
        entries = [f"{ns}:{a}" for a in sorted(picked)]
        if (h >> 24) % 2 == 0:
            entries.append(f"{ns}:{_PREFIXES[(h >> 28) % 3]}")
        return entries
    if shape < 7:
        return [f"{ns}:*"]
    return [f"{ns}:{_PREFIXES[(h >> 8) % 3]}", f"{ns}:{_PREFIXES[((h >> 8) + 1) % 3]}"]


def _statement(seed: int, key: str, namespaces: Sequence[str], index: int) -> dict[str, Any]:
    entries = [e for ns in namespaces for e in _entries(seed, key, ns)]
    action: Any = entries[0] if len(entries) == 1 else entries
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Resource": "*"}
    h = _h(seed, key, "statement", index)
    if h % 9 == 0:
        statement = {"Sid": f"NOREPO{_SID_OK.sub('', namespaces[0].title())}{index}", **statement}
    elif h % 9 == 1:
        ns = namespaces[0]
        statement["Resource"] = [f"arn:aws:{ns}:*:*:*/iamlast-{index}/*"]
        statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    elif h % 9 == 2:
        statement = {"Sid": f"Allow{_SID_OK.sub('', namespaces[0].title())}{index}", **statement}
    return statement


def generate_document(seed: int, key: str, services: Sequence[str]) -> str:
    """A policy document allowing exactly ``services`` (namespaces of the catalogue), as JSON
    text indented the way the console writes it; the same for the same (seed, key, services).
    """
    chosen = [ns for ns in dict.fromkeys(services) if ns in _ALL_SET]
    missing = _ALL_SET.difference(chosen)
    statements: list[dict[str, Any]]
    if not chosen:
        # IAM has no empty policy: one that allows nothing is a Deny.
        statements = [{"Sid": "AllowNothing", "Effect": "Deny", "Action": "*", "Resource": "*"}]
    elif not missing:
        statements = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
    elif len(missing) <= 8 and len(chosen) > 8:
        statements = [
            {
                "Effect": "Allow",
                "NotAction": [f"{ns}:*" for ns in sorted(missing)],
                "Resource": "*",
            }
        ]
    elif len(chosen) > 12:
        # Big policies (ReadOnlyAccess-like): one statement, read-only patterns per service.
        entries = [f"{ns}:{p}" for ns in chosen for p in ("Get*", "List*")]
        statements = [{"Effect": "Allow", "Action": entries, "Resource": "*"}]
    else:
        statements = []
        pending = list(chosen)
        while pending:
            # Now and then two services share a statement, as hand-written policies do.
            take = 2 if len(pending) > 1 and _h(seed, key, "pair", len(pending)) % 4 == 0 else 1
            statements.append(_statement(seed, key, pending[:take], len(statements)))
            pending = pending[take:]
        if _h(seed, key, "deny") % 5 == 0:
            statements.append(
                {"Effect": "Deny", "Action": f"{chosen[0]}:Delete*", "Resource": "*"}
            )
    return json.dumps({"Version": _VERSION, "Statement": statements}, indent=4)


# ---------------------------------------------------------------------------- reading documents


def _statements(document: str) -> list[dict[str, Any]]:
    parsed = json.loads(document)
    found = parsed.get("Statement")
    return [found] if isinstance(found, dict) else list(found)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


@lru_cache(maxsize=4096)
def _glob(pattern: str) -> re.Pattern[str]:
    """IAM's matching: ``*`` any run, ``?`` one character, case-insensitive, nothing else
    special (unlike fnmatch's ``[...]``)."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower()]
    return re.compile("".join(parts), re.DOTALL)


def _match(pattern: str, text: str) -> bool:
    return _glob(pattern).fullmatch(text.lower()) is not None


def _namespace_matches(entry: str, ns: str) -> bool:
    """Whether ``entry`` (an Action pattern) can match some action of ``ns``."""
    head, colon, _ = entry.partition(":")
    if not colon:
        return entry.strip("*") == "" and entry != ""
    return _match(head, ns)


def _covers_service(entry: str, ns: str) -> bool:
    """Whether ``entry`` matches every action of ``ns`` (``*``, ``ns:*``)."""
    if set(entry) == {"*"}:
        return True
    head, colon, tail = entry.partition(":")
    return bool(colon) and set(tail) == {"*"} and _match(head, ns)


@lru_cache(maxsize=4096)
def granted_namespaces(document: str) -> frozenset[str]:
    """The catalogue namespaces a document allows something of (Deny statements aside, as the
    last-accessed reports list what the policies allow)."""
    found: set[str] = set()
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            excluded = _listed(statement["NotAction"])
            found.update(ns for ns in _ALL if not any(_covers_service(e, ns) for e in excluded))
            continue
        for entry in _listed(statement.get("Action", ())):
            if set(entry) == {"*"}:
                return _ALL_SET
            found.update(ns for ns in _namespace_candidates(entry) if _namespace_matches(entry, ns))
    return frozenset(found)


def _namespace_candidates(entry: str) -> Iterable[str]:
    head = entry.partition(":")[0].lower()
    if "*" not in head and "?" not in head:
        return (head,) if head in _ALL_SET else ()
    return _ALL


@lru_cache(maxsize=8192)
def granted_tracked(document: str, namespace: str) -> frozenset[str]:
    """The tracked actions of ``namespace`` (names, ``CreateBucket``) the document allows."""
    names = TRACKED_ACTIONS.get(namespace, ())
    out: set[str] = set()
    for statement in _statements(document):
        if statement.get("Effect") != "Allow":
            continue
        negated = "NotAction" in statement
        entries = _listed(statement.get("NotAction" if negated else "Action"))
        for name in names:
            hit = any(_match(e, f"{namespace}:{name}") for e in entries)
            if hit != negated:
                out.add(name)
    return frozenset(out)


def check_document(document: str) -> dict[str, Any]:
    """The parsed document, or the MalformedPolicyDocument error IAM answers with."""
    try:
        parsed = json.loads(document)
    except ValueError:
        raise MalformedPolicyDocumentError("Syntax errors in policy.") from None
    if not isinstance(parsed, dict):
        raise MalformedPolicyDocumentError("Syntax errors in policy.")
    if parsed.get("Version", _VERSION) not in ("2012-10-17", "2008-10-17"):
        raise MalformedPolicyDocumentError("The policy failed legacy parsing")
    found = parsed.get("Statement")
    statements = [found] if isinstance(found, dict) else found
    if not isinstance(statements, list) or not statements:
        raise MalformedPolicyDocumentError("Syntax errors in policy.")
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise MalformedPolicyDocumentError("Syntax errors in policy.")
        if "Principal" in statement or "NotPrincipal" in statement:
            raise MalformedPolicyDocumentError("Policy document should not specify a principal.")
        keys = [k for k in ("Action", "NotAction") if k in statement]
        if len(keys) != 1:
            raise MalformedPolicyDocumentError("Policy statement must contain actions.")
        if not any(k in statement for k in ("Resource", "NotResource")):
            raise MalformedPolicyDocumentError("Policy statement must contain resources.")
        entries = statement[keys[0]]
        listed = [entries] if isinstance(entries, str) else entries
        if not isinstance(listed, list) or not listed or not all(isinstance(e, str) for e in listed):
            raise MalformedPolicyDocumentError("Syntax errors in policy.")
        for entry in listed:
            if ":" not in entry and set(entry) != {"*"}:
                raise MalformedPolicyDocumentError(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                )
    return parsed


def _size(document: str) -> int:
    return len(_WHITESPACE.sub("", document))


# ---------------------------------------------------------------------------- the store


def inline_document(acct: SyntheticAccount, owner: Principal, policy: InlinePolicy) -> str:
    """An inline policy's document (generated from its services the first time)."""
    with acct._lock:
        if policy.document is None:
            policy.document = generate_document(acct.seed, f"{owner.arn}|{policy.name}", policy.services)
        return policy.document


def versions(acct: SyntheticAccount, policy: ManagedPolicy) -> list[PolicyVersion]:
    """A managed policy's versions, oldest first (v1 generated from its services the first time)."""
    with acct._lock:
        if not policy.versions:
            document = generate_document(acct.seed, policy.arn, policy.services)
            policy.versions.append(PolicyVersion("v1", document, policy.create_date))
            policy.default_version_id = "v1"
        return list(policy.versions)


def version(acct: SyntheticAccount, policy: ManagedPolicy, version_id: str) -> PolicyVersion:
    """One version, or NoSuchEntity."""
    for found in versions(acct, policy):
        if found.version_id == version_id:
            return found
    raise NoSuchEntityError(f"Policy {policy.arn} version {version_id} does not exist or is not attachable.")


def default_version(acct: SyntheticAccount, policy: ManagedPolicy) -> PolicyVersion:
    """The version in force."""
    return version(acct, policy, policy.default_version_id)


def tracked_granted_to(acct: SyntheticAccount, target: Principal | ManagedPolicy, namespace: str) -> frozenset[str]:
    """The tracked actions of ``namespace`` that ``target``'s policies allow (a user's groups'
    policies included)."""
    if isinstance(target, ManagedPolicy):
        return granted_tracked(default_version(acct, target).document, namespace)
    out: set[str] = set()
    for policy, owner in acct.grants(target):
        if namespace not in policy.services:
            continue
        if isinstance(policy, ManagedPolicy):
            document = default_version(acct, policy).document
        else:
            document = inline_document(acct, owner, policy)
        out |= granted_tracked(document, namespace)
    return frozenset(out)


def _follow(acct: SyntheticAccount, policy: ManagedPolicy | InlinePolicy, document: str) -> None:
    """The policy's services are what its document now allows; reports must see the change."""
    policy.services = tuple(sorted(granted_namespaces(document)))
    if isinstance(policy, ManagedPolicy):
        policy.update_date = max(_now(), policy.create_date)
    acct.version += 1


def _refuse_aws(policy: ManagedPolicy) -> None:
    if policy.aws_managed:
        raise AccessDeniedError(f"Policy {policy.arn} is an AWS managed policy: it cannot be modified.")


def _inline_total(acct: SyntheticAccount, owner: Principal, name: str, document: str) -> int:
    total = _size(document)
    for policy in owner.inline:
        if policy.name != name:
            total += _size(inline_document(acct, owner, policy))
    return total


def put_inline(acct: SyntheticAccount, owner: Principal, name: str, document: str) -> None:
    """Put{Role,User,Group}Policy: create or replace an inline policy."""
    check_document(document)
    with acct._lock:
        quota = INLINE_QUOTAS[owner.entity_type]
        if _inline_total(acct, owner, name, document) > quota:
            kind = owner.entity_type.lower()
            raise LimitExceededError(f"Maximum policy size of {quota} bytes exceeded for {kind} {owner.name}")
        found = next((p for p in owner.inline if p.name == name), None)
        if found is None:
            found = InlinePolicy(name, ())
            owner.inline.append(found)
        found.document = document
        _follow(acct, found, document)


def delete_inline(acct: SyntheticAccount, owner: Principal, name: str) -> None:
    """Delete{Role,User,Group}Policy."""
    with acct._lock:
        found = next((p for p in owner.inline if p.name == name), None)
        if found is None:
            kind = owner.entity_type.lower()
            raise NoSuchEntityError(f"The {kind} policy with name {name} cannot be found.")
        owner.inline.remove(found)
        acct.version += 1


def _check_managed(document: str) -> None:
    check_document(document)
    if _size(document) > MANAGED_QUOTA:
        raise LimitExceededError(f"Cannot exceed quota for PolicySize: {MANAGED_QUOTA}")


def create_version(acct: SyntheticAccount, policy: ManagedPolicy, document: str, set_as_default: bool) -> PolicyVersion:
    """CreatePolicyVersion (LimitExceeded when 5 versions exist)."""
    _refuse_aws(policy)
    _check_managed(document)
    with acct._lock:
        if len(versions(acct, policy)) >= MAX_VERSIONS:
            raise LimitExceededError(
                "A managed policy can have up to 5 versions. Before you create a new version, "
                "you must delete an existing version."
            )
        policy.last_version += 1
        made = PolicyVersion(f"v{policy.last_version}", document, max(_now(), policy.create_date))
        policy.versions.append(made)
        if set_as_default:
            policy.default_version_id = made.version_id
            _follow(acct, policy, document)
        else:
            acct.version += 1
        return made


def delete_version(acct: SyntheticAccount, policy: ManagedPolicy, version_id: str) -> None:
    """DeletePolicyVersion (DeleteConflict for the default version)."""
    _refuse_aws(policy)
    with acct._lock:
        found = version(acct, policy, version_id)
        if found.version_id == policy.default_version_id:
            raise DeleteConflictError("Cannot delete the default version of a policy.")
        policy.versions.remove(found)
        acct.version += 1


def set_default_version(acct: SyntheticAccount, policy: ManagedPolicy, version_id: str) -> None:
    """SetDefaultPolicyVersion."""
    _refuse_aws(policy)
    with acct._lock:
        found = version(acct, policy, version_id)
        policy.default_version_id = found.version_id
        _follow(acct, policy, found.document)


def create_policy(
    acct: SyntheticAccount, name: str, path: str, document: str, description: str | None
) -> ManagedPolicy:
    """CreatePolicy (EntityAlreadyExists for a name taken)."""
    _check_managed(document)
    with acct._lock:
        arn = f"arn:aws:iam::{acct.account_id}:policy{path}{name}"
        if any(p.name == name and not p.aws_managed for p in acct.policies.values()):
            raise EntityAlreadyExistsError(f"A policy called {name} already exists. Duplicate names are not allowed.")
        policy = acct.add_policy(name, sorted(granted_namespaces(document)), path=path)
        assert policy.arn == arn
        policy.versions.append(PolicyVersion("v1", document, policy.create_date))
        policy.create_date = policy.update_date = max(_now(), policy.create_date)
        policy.versions[0].created = policy.create_date
        policy.description = description
        acct.version += 1
        return policy


def delete_policy(acct: SyntheticAccount, policy: ManagedPolicy) -> None:
    """DeletePolicy (DeleteConflict while attached or with non-default versions)."""
    _refuse_aws(policy)
    with acct._lock:
        if policy.attachment_count:
            raise DeleteConflictError("Cannot delete a policy attached to entities.")
        if len(versions(acct, policy)) > 1:
            raise DeleteConflictError(
                "This policy has more than one version. Before you delete a policy, you must "
                "delete the policy's versions. The default version is deleted with the policy."
            )
        del acct.policies[policy.arn]
        acct._by_arn.pop(policy.arn, None)
        acct.version += 1


def attach(acct: SyntheticAccount, policy: ManagedPolicy, principal: Principal) -> None:
    """Attach{Role,User,Group}Policy (idempotent, as IAM's; LimitExceeded past the quota)."""
    with acct._lock:
        if policy in principal.managed:
            return
        if len(principal.managed) >= MAX_ATTACHED:
            kind = {"ROLE": "Role", "USER": "User", "GROUP": "Group"}[principal.entity_type]
            raise LimitExceededError(f"Cannot exceed quota for PoliciesPer{kind}: {MAX_ATTACHED}")
        versions(acct, policy)  # its document exists before anything reads it
        acct.attach(policy, principal)


def detach(acct: SyntheticAccount, policy: ManagedPolicy, principal: Principal) -> None:
    """Detach{Role,User,Group}Policy (NoSuchEntity when it is not attached)."""
    with acct._lock:
        if policy not in principal.managed:
            raise NoSuchEntityError(f"Policy {policy.arn} was not found.")
        principal.managed.remove(policy)
        policy.attached.remove(principal)
        acct.version += 1


def members_of(group: Group) -> list[User]:
    """A group's users, by name."""
    return sorted(group.members, key=lambda u: (u.name.lower(), u.name))
