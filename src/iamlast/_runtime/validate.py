"""Request-side constraints (length, pattern, range, enum) as pydantic validators.

The generated request models attach these to their fields. Each violation is reported with a
rule name (``min_length``, ``pattern``, ``enum``, ...) and converted by :func:`to_param_error` into
a :class:`~iamlast._runtime.errors.ParamValidationError` naming the wire member. Values are never
echoed (a member may be a password), except enum values, which are never secret.

Patterns are the model's ECMAScript-style regular expressions: full-match (as IAM applies them),
``\\w``/``\\d`` ASCII-only (as in ECMAScript), Unicode properties such as ``\\p{L}`` supported
(through the ``regex`` module, compiled on first use).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ValidationError
from pydantic_core import PydanticCustomError

from .errors import FieldProblem, ParamValidationError

__all__ = [
    "Blob",
    "Count",
    "Enum_",
    "Range",
    "Str",
    "input_problems",
    "to_param_error",
    "utc",
]


_ASCII_CLASSES = {"w": "0-9A-Za-z_", "d": "0-9"}


def ecmascript_classes(pattern: str) -> str:
    """Make ``\\w`` and ``\\d`` ASCII-only, as in ECMAScript, leaving ``\\p{..}`` Unicode.

    (A global ASCII flag would not do: in the ``regex`` module it narrows ``\\p{L}`` too.)
    """
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            low = nxt.lower()
            if low in _ASCII_CLASSES:
                chars = _ASCII_CLASSES[low]
                if nxt.islower():
                    out.append(chars if in_class else f"[{chars}]")
                elif not in_class:
                    out.append(f"[^{chars}]")
                else:  # a negated class inside a class: keep the original (rare, Unicode)
                    out.append(ch + nxt)
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> Any:
    import regex

    return regex.compile(ecmascript_classes(pattern), regex.VERSION0)


def pattern_matches(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` entirely, with the model's regex semantics."""
    return _compiled(pattern).fullmatch(value) is not None


def _length_problem(kind: str, size: int, lo: int | None, hi: int | None) -> None:
    if lo is not None and size < lo:
        raise PydanticCustomError(
            "min_length", f"{kind} {size} is below the minimum of {lo}", {"min": lo, "actual": size}
        )
    if hi is not None and size > hi:
        raise PydanticCustomError(
            "max_length", f"{kind} {size} is above the maximum of {hi}", {"max": hi, "actual": size}
        )


def Str(lo: int | None = None, hi: int | None = None, pattern: str | None = None) -> AfterValidator:
    """Length (in code points) and full-match pattern constraints on a string member."""

    def check(value: str) -> str:
        _length_problem("length", len(value), lo, hi)
        if pattern is not None and not pattern_matches(pattern, value):
            raise PydanticCustomError(
                "pattern", "does not match the pattern {pattern}", {"pattern": pattern}
            )
        return value

    return AfterValidator(check)


def Blob(lo: int | None = None, hi: int | None = None) -> AfterValidator:
    """Length (in bytes) constraints on a blob member."""

    def check(value: bytes) -> bytes:
        _length_problem("size in bytes", len(value), lo, hi)
        return value

    return AfterValidator(check)


def Count(lo: int | None = None, hi: int | None = None) -> AfterValidator:
    """Item-count constraints on a list or map member."""

    def check(value: Sequence[Any]) -> Sequence[Any]:
        _length_problem("item count", len(value), lo, hi)
        return value

    return AfterValidator(check)


def Range(lo: float | None = None, hi: float | None = None) -> AfterValidator:
    """Numeric range (inclusive) on an integer or float member."""

    def check(value: float) -> float:
        if lo is not None and value < lo:
            raise PydanticCustomError(
                "min", "{actual} is below the minimum of {min}", {"min": lo, "actual": value}
            )
        if hi is not None and value > hi:
            raise PydanticCustomError(
                "max", "{actual} is above the maximum of {max}", {"max": hi, "actual": value}
            )
        return value

    return AfterValidator(check)


def Enum_(enum: type[Enum]) -> BeforeValidator:
    """Only the values the model lists (responses stay open; requests are checked)."""
    known = {m.value: m for m in enum}
    listing = ", ".join(repr(v) for v in known)

    def check(value: Any) -> Any:
        if isinstance(value, enum) and value.value in known:
            return known[value.value]
        if isinstance(value, str) and value in known:
            return known[value]
        raise PydanticCustomError(
            "enum",
            "{value} is not one of {allowed}",
            {
                "value": repr(value) if isinstance(value, str) else type(value).__name__,
                "allowed": listing,
            },
        )

    return BeforeValidator(check)


def _to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Timestamps: naive values are taken as UTC, aware ones converted to UTC.
utc = AfterValidator(_to_utc)

_RULES: dict[str, str] = {
    "missing": "required",
    "extra_forbidden": "unknown",
    "min_length": "min_length",
    "max_length": "max_length",
    "pattern": "pattern",
    "min": "min",
    "max": "max",
    "enum": "enum",
    "exactly_one": "union",
}

_MESSAGES: dict[str, str] = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a member of this shape",
}


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation (through Optional, Annotated, list, dict), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _path(model: type[BaseModel] | None, loc: Sequence[int | str]) -> str:
    """pydantic's location → the wire path (``Tags[0].Key``), whatever names the caller used."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        if part == "[key]":
            out += "(key)"
            continue
        name = part
        if model is not None:
            fields = model.model_fields
            field = fields.get(part)
            if field is None:
                field = next((f for f in fields.values() if f.alias == part), None)
            if field is not None:
                name = field.alias or part
                model = _model_in(field.annotation)
        out += f".{name}" if out else name
    return out


def to_param_error(
    shape: str, error: ValidationError, model: type[BaseModel] | None = None
) -> ParamValidationError:
    """Turn pydantic's report into one that names wire members and rules, without values."""
    problems: list[FieldProblem] = []
    for item in error.errors(include_url=False, include_input=False):
        kind = item["type"]
        rule = _RULES.get(kind, "type")
        message = _MESSAGES.get(kind) or item["msg"]
        if kind == "value_error":
            message = message.removeprefix("Value error, ")
        problems.append(FieldProblem(_path(model, item["loc"]), rule, message))
    return ParamValidationError(shape, problems)


def exactly_one(shape: str, values: dict[str, Any]) -> None:
    """Union shapes: exactly one member set."""
    chosen = [k for k, v in values.items() if v is not None]
    if len(chosen) != 1:
        raise PydanticCustomError(
            "exactly_one",
            "exactly one member of {shape} must be set, got {count}",
            {"shape": shape, "count": len(chosen)},
        )


Validator = Callable[[Any], Any]


# --------------------------------------------------------------------------- request input
#
# pydantic's lax mode would take some input silently: bytes for a string (decoded), and it
# cannot see a lone surrogate, which then fails as a raw UnicodeEncodeError while the body is
# encoded. boto3 refuses both; so do we, before pydantic runs, naming the wire member. A str
# where a list is wanted gets the same plain message.

# What a member holds, as far as these checks go: "str", ("list", item), ("dict", key, value),
# a model class, or None (nothing to check).
_Kind = Any
_PLANS: dict[type[BaseModel], dict[str, tuple[str, _Kind]]] = {}
_TEXT_LIKE = (bytes, bytearray, memoryview)


def _kind(annotation: Any) -> _Kind:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _kind(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        kinds = [_kind(a) for a in get_args(annotation) if a is not NoneType]
        return kinds[0] if len(kinds) == 1 else None
    if origin is list:
        return ("list", _kind(get_args(annotation)[0]))
    if origin is dict:
        key, value = get_args(annotation)
        return ("dict", _kind(key), _kind(value))
    if annotation is str:
        return "str"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _plan(model: type[BaseModel]) -> dict[str, tuple[str, _Kind]]:
    plan = _PLANS.get(model)
    if plan is None:
        plan = {}
        for name, field in model.model_fields.items():
            entry = (field.alias or name, _kind(field.annotation))
            plan[name] = entry
            if field.alias:
                plan[field.alias] = entry
        _PLANS[model] = plan
    return plan


def _join_path(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _check(value: Any, kind: _Kind, path: str, out: list[FieldProblem]) -> None:
    if value is None or kind is None:
        return
    if kind == "str":
        if isinstance(value, _TEXT_LIKE):
            out.append(FieldProblem(path, "type", f"expected a string, got {type(value).__name__}"))
        elif isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                out.append(
                    FieldProblem(
                        path,
                        "utf8",
                        f"holds a lone surrogate at position {exc.start}, which UTF-8 cannot "
                        "encode",
                    )
                )
    elif isinstance(kind, tuple) and kind[0] == "list":
        if isinstance(value, (str, *_TEXT_LIKE)):
            out.append(FieldProblem(path, "type", f"expected a list, got {type(value).__name__}"))
        elif isinstance(value, list | tuple):
            for index, item in enumerate(value):
                _check(item, kind[1], f"{path}[{index}]", out)
    elif isinstance(kind, tuple):
        if isinstance(value, Mapping):
            for key, item in value.items():
                _check(key, kind[1], f"{path}(key)", out)
                _check(item, kind[2], f"{path}[{key!r}]" if isinstance(key, str) else path, out)
    elif isinstance(value, BaseModel):
        _walk(kind, value.__dict__, path, out)
    elif isinstance(value, Mapping):
        _walk(kind, value, path, out)


def _walk(
    model: type[BaseModel], data: Mapping[str, Any], path: str, out: list[FieldProblem]
) -> None:
    plan = _plan(model)
    for key, value in data.items():
        entry = plan.get(key) if isinstance(key, str) else None
        if entry is not None:
            _check(value, entry[1], _join_path(path, entry[0]), out)


def input_problems(
    model: type[BaseModel], data: Mapping[str, Any] | BaseModel
) -> list[FieldProblem]:
    """What lax validation would let through, by wire path: bytes (or a str) where a string (a
    list) is wanted, and lone surrogates in any string member, nested members included."""
    out: list[FieldProblem] = []
    _walk(model, data.__dict__ if isinstance(data, BaseModel) else data, "", out)
    return out
