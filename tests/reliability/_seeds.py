"""Valid IAM documents to mutate: every operation's response and its error responses, built from
the service model with every member filled in, and the kind of each element (so a mutation can
put the wrong kind of text in the right place: letters in an integer, a bad timestamp, ...).

Also imported by ``atheris_xml.py``, which runs outside pytest.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from iamlast import errors
from iamlast._generated import enums, shapes
from iamlast.operations import OPERATIONS
from iamlast.testing import to_xml

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = json.loads(
    (ROOT / "specs" / "iam-2010-05-08" / "service-2.json").read_text()
)
SHAPES: dict[str, Any] = SPEC["shapes"]

#: Operations with an output document, and every operation (each can fail).
OUTPUT_OPERATIONS = sorted(name for name, spec in OPERATIONS.items() if spec.output)
ALL_OPERATIONS = sorted(OPERATIONS)
#: Errors any operation can get besides its modelled ones.
COMMON = (
    errors.ThrottlingError,
    errors.AccessDeniedError,
    errors.InternalFailureError,
    errors.SignatureDoesNotMatchError,
)


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _fields(cls: Any) -> dict[str, str]:
    """Wire member name (lower case) → attribute name of a generated model."""
    return {(f.alias or n).lower(): n for n, f in cls.model_fields.items()}


def value(shape: str, depth: int = 0) -> Any:
    """A value of ``shape`` with every member present and two items in each list and map."""
    raw = SHAPES[shape]
    kind = raw["type"]
    if kind == "structure":
        cls = getattr(shapes, _pascal(shape))
        names = _fields(cls)
        members = raw.get("members", {})
        return cls._complete(
            {names[m.lower()]: value(ref["shape"], depth + 1) for m, ref in members.items()}
        )
    if kind == "list":
        return [value(raw["member"]["shape"], depth + 1) for _ in range(2)]
    if kind == "map":
        return {f"key{i}-{shape}": value(raw["value"]["shape"], depth + 1) for i in range(2)}
    if kind == "string":
        if "enum" in raw:
            return getattr(enums, _pascal(shape))(raw["enum"][0])
        return f"{shape} & <é> {depth}"
    if kind == "integer":
        return 42 + depth
    if kind == "boolean":
        return depth % 2 == 0
    if kind == "timestamp":
        return datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    if kind == "blob":
        return b"\x00blob\xff" * 3
    raise ValueError(f"{shape}: no value for {kind}")


@functools.cache
def output_document(operation: str) -> bytes:
    """The operation's whole response document, every member filled in."""
    spec = OPERATIONS[operation]
    assert spec.output is not None
    document: str = to_xml(value(spec.output), request_id=f"rid-{operation}")
    return document.encode("utf-8")


@functools.cache
def element_kinds(operation: str) -> dict[str, frozenset[str]]:
    """Element name → the kinds of value it holds in this operation's response
    (``integer``, ``timestamp``, ``boolean``, ``blob``, ``enum``, ``string``, ``container``)."""
    found: dict[str, set[str]] = {}

    def kind_of(shape: str) -> str:
        raw = SHAPES[shape]
        if raw["type"] in ("structure", "list", "map"):
            return "container"
        if raw["type"] == "string" and "enum" in raw:
            return "enum"
        return str(raw["type"])

    def walk(shape: str, seen: frozenset[str]) -> None:
        if shape in seen:
            return
        seen = seen | {shape}
        raw = SHAPES[shape]
        children: list[tuple[str, str]] = []
        if raw["type"] == "structure":
            children = [(m, ref["shape"]) for m, ref in raw.get("members", {}).items()]
        elif raw["type"] == "list":
            children = [("member", raw["member"]["shape"])]
        elif raw["type"] == "map":
            children = [
                ("entry", shape),
                ("key", raw["key"]["shape"]),
                ("value", raw["value"]["shape"]),
            ]
        for name, target in children:
            if target == shape:
                found.setdefault(name, set()).add("container")
                continue
            found.setdefault(name, set()).add(kind_of(target))
            walk(target, seen)

    spec = OPERATIONS[operation]
    assert spec.output is not None
    walk(spec.output, frozenset())
    return {name: frozenset(kinds) for name, kinds in found.items()}


def _error_classes(operation: str) -> list[type[errors.ServiceError]]:
    return [*OPERATIONS[operation].error_classes, *COMMON]


@functools.cache
def error_documents(operation: str) -> tuple[bytes, ...]:
    """``<ErrorResponse>`` documents of the operation's modelled errors and the common ones,
    with every modelled member filled in."""
    out: list[bytes] = []
    for cls in _error_classes(operation):
        details = cls.details_shape()
        if details is not None and details.__name__ in SHAPES:
            filled = value(details.__name__)
            out.append(to_xml(filled, request_id=f"rid-{cls.__name__}").encode())
        out.append(to_xml(cls("a message & <more>", request_id="rid-e")).encode())
    return tuple(out)
