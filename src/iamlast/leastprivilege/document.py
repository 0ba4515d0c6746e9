"""IAM policy documents, read and written back with everything not changed kept as written.

A document is kept as the JSON object it was parsed into (key order and the spelling of every
value preserved); :class:`Statement` is a read-only view of one statement. Rewrites build new
objects that reuse the untouched parts verbatim, so a diff of before and after shows only what
trimming changed. IAM's size limits live here too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "INLINE_LIMITS",
    "MANAGED_POLICY_LIMIT",
    "MAX_POLICY_VERSIONS",
    "PolicyDocument",
    "PolicyError",
    "Statement",
    "policy_size",
]

#: Characters (whitespace not counted) in one customer-managed policy document.
MANAGED_POLICY_LIMIT = 6144
#: Characters (whitespace not counted) of all inline policies of one principal, added up.
INLINE_LIMITS: Mapping[str, int] = {"role": 10240, "user": 2048, "group": 5120}
#: Versions a managed policy may have at once.
MAX_POLICY_VERSIONS = 5

_WHITESPACE = re.compile(r"\s+")
_ACTION_KEYS = ("Action", "NotAction")


class PolicyError(ValueError):
    """The document is not an IAM policy this module can rewrite safely."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python keeps the last of two equal keys; IAM's reading may differ. Refuse to guess.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise PolicyError(f"duplicate key {key!r} in the policy document")
        out[key] = value
    return out


def _strings(value: Any, what: str) -> tuple[tuple[str, ...], bool]:
    """(the entries, whether it was written as one string)."""
    if isinstance(value, str):
        return (value,), True
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value), False
    raise PolicyError(f"{what} must be a string or a non-empty list of strings")


@dataclass(frozen=True)
class Statement:
    """One statement of a document, as written (``raw`` is the parsed JSON object)."""

    index: int
    raw: Mapping[str, Any]

    @property
    def effect(self) -> str:
        """``Allow`` or ``Deny``."""
        return str(self.raw["Effect"])

    @property
    def sid(self) -> str | None:
        """The statement's ``Sid``, if it has one."""
        sid = self.raw.get("Sid")
        return sid if isinstance(sid, str) else None

    @property
    def action_key(self) -> str:
        """``Action`` or ``NotAction``."""
        return "Action" if "Action" in self.raw else "NotAction"

    @property
    def actions(self) -> tuple[str, ...]:
        """The entries of its ``Action`` or ``NotAction``, in order, as written."""
        return _strings(self.raw[self.action_key], self.action_key)[0]

    @property
    def action_was_string(self) -> bool:
        """Whether ``Action``/``NotAction`` was written as one string (kept so when it can be)."""
        return _strings(self.raw[self.action_key], self.action_key)[1]

    def scope(self) -> str:
        """Everything but ``Sid`` and the action entries, as canonical JSON: two statements
        with equal scopes apply to exactly the same principals, resources and conditions."""
        rest = {k: v for k, v in self.raw.items() if k not in ("Sid", *_ACTION_KEYS)}
        return json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def with_actions(self, key: str, entries: Sequence[str]) -> dict[str, Any]:
        """A copy with ``key`` (``Action`` or ``NotAction``) set to ``entries`` in place of the
        current action key (same position in the object); one entry stays a string when the
        original was one."""
        value: Any = entries[0] if len(entries) == 1 and self.action_was_string else list(entries)
        out: dict[str, Any] = {}
        for k, v in self.raw.items():
            if k in _ACTION_KEYS:
                out[key] = value
            else:
                out[k] = v
        return out


class PolicyDocument:
    """A parsed policy document. ``raw`` is the JSON object, untouched."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        if not isinstance(raw, Mapping):
            raise PolicyError("a policy document is a JSON object")
        statements = raw.get("Statement")
        if isinstance(statements, Mapping):
            listed: list[Any] = [statements]
            self.statement_was_object = True
        elif isinstance(statements, list) and statements:
            listed = statements
            self.statement_was_object = False
        else:
            raise PolicyError("Statement must be an object or a non-empty list of objects")
        self.raw: Mapping[str, Any] = raw
        views = []
        for i, item in enumerate(listed):
            if not isinstance(item, Mapping):
                raise PolicyError(f"statement {i} is not an object")
            if item.get("Effect") not in ("Allow", "Deny"):
                raise PolicyError(f"statement {i}: Effect must be Allow or Deny")
            present = [k for k in _ACTION_KEYS if k in item]
            if len(present) != 1:
                raise PolicyError(f"statement {i} needs exactly one of Action or NotAction")
            _strings(item[present[0]], f"statement {i} {present[0]}")
            for key in ("Resource", "NotResource"):
                if key in item:
                    _strings(item[key], f"statement {i} {key}")
            views.append(Statement(i, item))
        self.statements: tuple[Statement, ...] = tuple(views)

    @classmethod
    def parse(cls, document: str | bytes | Mapping[str, Any] | PolicyDocument) -> PolicyDocument:
        """From JSON text (as IAM returns it, URL-decoded) or an already parsed object."""
        if isinstance(document, PolicyDocument):
            return document
        if isinstance(document, str | bytes):
            try:
                raw = json.loads(document, object_pairs_hook=_no_duplicates)
            except json.JSONDecodeError as exc:
                raise PolicyError(f"not JSON: {exc}") from exc
            return cls(raw)
        return cls(document)

    def with_statements(self, statements: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
        """A copy with its statements replaced (other keys kept, in order); None when no
        statement is left — IAM has no empty policy, the caller detaches or deletes instead."""
        if not statements:
            return None
        value: Any = (
            statements[0]
            if self.statement_was_object and len(statements) == 1
            else list(statements)
        )
        return {k: (value if k == "Statement" else v) for k, v in self.raw.items()}

    def to_json(self, *, indent: int | None = None) -> str:
        """The document as JSON text (``indent=None``: compact, as it is sent to IAM)."""
        return dumps(self.raw, indent=indent)

    def size(self) -> int:
        """Its size as IAM counts it against the limits."""
        return policy_size(self.raw)


def dumps(document: Mapping[str, Any], *, indent: int | None = None) -> str:
    """A policy document as JSON text; compact unless ``indent`` is given."""
    if indent is None:
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(document, indent=indent, ensure_ascii=False)


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters of the document without whitespace — what IAM counts against its limits."""
    return len(_WHITESPACE.sub("", dumps(document)))
