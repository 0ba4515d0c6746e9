"""IAM policy documents, read and written back with everything not changed kept as written.

A document is kept as the JSON object it was parsed into (key order and the spelling of every
value preserved); :class:`Statement` is a read-only view of one statement. Rewrites build new
objects that reuse the untouched parts verbatim, so a diff of before and after shows only what
trimming changed. IAM's size limits live here too.

Numbers keep their spelling: JSON text is parsed into :class:`JsonFloat` / :class:`JsonInt`
(a ``float`` / ``int`` that remembers its text) and :func:`dumps` writes that text back, so
``1E2`` in an untouched Condition stays ``1E2`` and ``12345678901234567890.75`` loses no digit.
(``json.dumps`` still accepts these values; it writes them as Python would.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from .patterns import bad_characters

__all__ = [
    "DEFAULT_VERSION",
    "INLINE_LIMITS",
    "MANAGED_POLICY_LIMIT",
    "MAX_POLICY_VERSIONS",
    "JsonFloat",
    "JsonInt",
    "PolicyDocument",
    "PolicyError",
    "Statement",
    "dumps",
    "policy_size",
]

#: Characters (whitespace not counted) in one customer-managed policy document.
MANAGED_POLICY_LIMIT = 6144
#: Characters (whitespace not counted) of all inline policies of one principal, added up.
INLINE_LIMITS: Mapping[str, int] = {"role": 10240, "user": 2048, "group": 5120}
#: Versions a managed policy may have at once.
MAX_POLICY_VERSIONS = 5

#: The policy language a document without ``Version`` is read in (IAM User Guide, "IAM JSON
#: policy elements: Version": policy variables such as ``${aws:username}`` are substituted only
#: under 2012-10-17; under 2008-10-17 they are literal text).
DEFAULT_VERSION = "2008-10-17"
_VERSIONS = ("2008-10-17", "2012-10-17")

_WHITESPACE = re.compile(r"\s+")
_ACTION_KEYS = ("Action", "NotAction")


class JsonFloat(float):
    """A JSON number with a fraction or an exponent, with the text it was written as."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str) -> JsonFloat:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __reduce__(self) -> tuple[type[JsonFloat], tuple[str]]:
        return (type(self), (self.text,))

    def __repr__(self) -> str:
        return self.text


class JsonInt(int):
    """A JSON integer whose text is not Python's spelling of it (``-0``)."""

    text: str

    def __new__(cls, text: str) -> JsonInt:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __reduce__(self) -> tuple[type[JsonInt], tuple[str]]:
        return (type(self), (self.text,))

    def __repr__(self) -> str:
        return self.text


class PolicyError(ValueError):
    """The document is not an IAM policy this module can rewrite safely."""


def _parse_int(text: str) -> int:
    value = int(text)
    return value if str(value) == text else JsonInt(text)


def _no_constants(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON has neither and IAM refuses them.
    raise PolicyError(f"{name} is not JSON")


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
    """One statement of a document, as written (``raw`` is the parsed JSON object).
    ``version`` is the document's policy language (its ``Version``, or 2008-10-17 without)."""

    index: int
    raw: Mapping[str, Any]
    version: str = DEFAULT_VERSION

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
        """Everything but ``Sid`` and the action entries, as canonical JSON, with the policy
        language it is read in: two statements with equal scopes apply to exactly the same
        principals, resources and conditions. The version belongs to it because the same
        ``Resource`` means another thing under 2012-10-17 (``${aws:username}`` substituted)
        than under 2008-10-17 (the literal text)."""
        rest = {k: v for k, v in self.raw.items() if k not in ("Sid", *_ACTION_KEYS)}
        return f"{self.version}|{dumps(rest, sort_keys=True)}"

    def identity(self) -> str:
        """The whole statement, as canonical JSON with its policy language (Deny statements are
        compared by this: they must stay exactly as they are)."""
        return f"{self.version}|{dumps(self.raw, sort_keys=True)}"

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
        version = raw.get("Version", DEFAULT_VERSION)
        if not isinstance(version, str) or version not in _VERSIONS:
            raise PolicyError(f"Version must be one of {', '.join(_VERSIONS)}, not {version!r}")
        self.raw: Mapping[str, Any] = raw
        self.version: str = version
        views = []
        for i, item in enumerate(listed):
            if not isinstance(item, Mapping):
                raise PolicyError(f"statement {i} is not an object")
            if item.get("Effect") not in ("Allow", "Deny"):
                raise PolicyError(f"statement {i}: Effect must be Allow or Deny")
            present = [k for k in _ACTION_KEYS if k in item]
            if len(present) != 1:
                raise PolicyError(f"statement {i} needs exactly one of Action or NotAction")
            entries, _ = _strings(item[present[0]], f"statement {i} {present[0]}")
            for entry in entries:
                bad = bad_characters(entry)
                if bad:
                    # IAM refuses the document; reading it anyway would mean guessing how IAM
                    # folds characters it does not accept (see patterns.fold).
                    raise PolicyError(
                        f"statement {i} {present[0]}: {entry!r} has characters outside IAM's "
                        f"policy character set: {bad!r}"
                    )
            for key in ("Resource", "NotResource"):
                if key in item:
                    _strings(item[key], f"statement {i} {key}")
            views.append(Statement(i, item, version))
        self.statements: tuple[Statement, ...] = tuple(views)

    @classmethod
    def parse(cls, document: str | bytes | Mapping[str, Any] | PolicyDocument) -> PolicyDocument:
        """From JSON text (as IAM returns it, URL-decoded) or an already parsed object."""
        if isinstance(document, PolicyDocument):
            return document
        if isinstance(document, str | bytes):
            try:
                raw = json.loads(
                    document,
                    object_pairs_hook=_no_duplicates,
                    parse_float=JsonFloat,
                    parse_int=_parse_int,
                    parse_constant=_no_constants,
                )
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


def dumps(document: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """A policy document (or any JSON value) as JSON text: compact unless ``indent`` is given,
    numbers as they were written (:class:`JsonFloat`, :class:`JsonInt`), everything else
    exactly as ``json.dumps(..., ensure_ascii=False)`` writes it."""
    out: list[str] = []
    _write(document, out, None if indent is None else " " * indent, 0, sort_keys)
    return "".join(out)


def _key(key: Any) -> str:
    # json.dumps's rules for keys that are not strings.
    if isinstance(key, str):
        return key
    if isinstance(key, JsonFloat | JsonInt):
        return key.text
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _write(value: Any, out: list[str], indent: str | None, level: int, sort_keys: bool) -> None:
    if isinstance(value, str):
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, JsonFloat | JsonInt):
        out.append(value.text)
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, Mapping):
        items = sorted(value.items()) if sort_keys else list(value.items())
        if not items:
            out.append("{}")
            return
        inner = None if indent is None else "\n" + indent * (level + 1)
        colon = ":" if indent is None else ": "
        out.append("{")
        for i, (key, item) in enumerate(items):
            out.append("," if i else "")
            if inner is not None:
                out.append(inner)
            out.append(encode_basestring(_key(key)))
            out.append(colon)
            _write(item, out, indent, level + 1, sort_keys)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = None if indent is None else "\n" + indent * (level + 1)
        out.append("[")
        for i, item in enumerate(value):
            out.append("," if i else "")
            if inner is not None:
                out.append(inner)
            _write(item, out, indent, level + 1, sort_keys)
        if indent is not None:
            out.append("\n" + indent * level)
        out.append("]")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters of the document without whitespace — what IAM counts against its limits."""
    return len(_WHITESPACE.sub("", dumps(document)))
