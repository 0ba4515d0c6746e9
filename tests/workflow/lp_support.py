"""What the least-privilege workflow tests share: a synthetic account with every kind of policy a
proposal deals with, a byte-level snapshot of it, and a small evaluator of what documents allow
(IAM's glob semantics, Resource and Condition ignored: "could it ever be allowed")."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from iamlast.leastprivilege.patterns import matches
from iamlast.testing import SyntheticAccount
from iamlast.testing import policies as store
from iamlast.testing.account import Principal

KEEP_TAG = "iamlast-keep"


def account(seed: int = 3) -> SyntheticAccount:
    """A small generated account plus the cases the generator does not make on its own: a
    customer-managed policy at 5 versions, a tagged role, a role too young to propose for."""
    acct = SyntheticAccount.generate(seed, users=8, roles=14, groups=3, policies=6, bulk_policies=False)
    crowded = acct.add_policy("crowded-ci", ["s3", "ec2", "lambda"], path="/team/")
    store.versions(acct, crowded)
    role = acct.add_role("crowded-role", policies=[crowded], inline={"crowded-inline": ["sqs", "kms"]})
    for i in range(4):
        # Older versions, each allowing less than the one in force.
        doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": f"s3:Get{i}*", "Resource": "*"}]}
        store.create_version(acct, crowded, json.dumps(doc), set_as_default=False)
    store.set_default_version(acct, crowded, "v1")
    acct.set_usage(role, "s3", acct.as_of - timedelta(days=3))
    acct.set_usage(role, "ec2", None)
    acct.set_usage(role, "sqs", acct.as_of - timedelta(days=5))
    acct.set_usage(role, "kms", None)
    kept = acct.add_role("kept-role", services=["s3", "sqs", "dynamodb"])
    acct.tag(kept, KEEP_TAG, "yes")
    young = acct.add_role("young-role", services=["s3", "sqs"])
    young.create_date = acct.as_of - timedelta(days=10)
    acct.version += 1
    return acct


def principals(acct: SyntheticAccount) -> list[Principal]:
    return [*acct.users.values(), *acct.roles.values(), *acct.groups.values()]


def snapshot(acct: SyntheticAccount) -> dict[str, Any]:
    """Every document as IAM holds it (bytes), every default version, every attachment."""
    out: dict[str, Any] = {}
    for p in principals(acct):
        out[p.arn] = (
            sorted((i.name, store.inline_document(acct, p, i)) for i in p.inline),
            sorted(m.arn for m in p.managed),
        )
    for policy in acct.policies.values():
        default = store.default_version(acct, policy)
        out[policy.arn] = (default.version_id, default.document)
    return out


def version_documents(acct: SyntheticAccount) -> dict[str, list[str]]:
    """Per customer-managed policy, the documents of all its versions (ids left out)."""
    return {
        p.arn: sorted(v.document for v in store.versions(acct, p))
        for p in acct.policies.values()
        if not p.aws_managed
    }


def effective_documents(acct: SyntheticAccount, principal: Principal) -> list[str]:
    """Every document that applies to ``principal`` now (a user's groups' included)."""
    out = []
    for policy, owner in acct.grants(principal):
        if hasattr(policy, "versions"):
            out.append(store.default_version(acct, policy).document)  # type: ignore[arg-type]
        else:
            out.append(store.inline_document(acct, owner, policy))  # type: ignore[arg-type]
    return out


def _statements(document: str) -> list[Mapping[str, Any]]:
    found = json.loads(document)["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def _entries(statement: Mapping[str, Any], key: str) -> list[str]:
    value = statement[key]
    return [value] if isinstance(value, str) else list(value)


def allows(documents: Iterable[str], action: str) -> bool:
    """Whether some Allow statement could allow ``action``."""
    for document in documents:
        for s in _statements(document):
            if s["Effect"] != "Allow":
                continue
            if "NotAction" in s:
                if not any(matches(e, action) for e in _entries(s, "NotAction")):
                    return True
            elif any(matches(e, action) for e in _entries(s, "Action")):
                return True
    return False


def allows_service(documents: Iterable[str], namespace: str) -> bool:
    """Whether some Allow statement could allow some action of ``namespace``."""
    for document in documents:
        for s in _statements(document):
            if s["Effect"] != "Allow":
                continue
            if "NotAction" in s:
                if not any(matches(e, f"{namespace}:*") and e.endswith("*") for e in _entries(s, "NotAction")):
                    return True
                continue
            for entry in _entries(s, "Action"):
                head = entry.split(":", 1)[0] if ":" in entry else entry
                if matches(head, namespace):
                    return True
    return False
