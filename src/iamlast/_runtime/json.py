"""The models' JSON codec: boto3-style dicts in (``of_json``), JSON-safe dicts out (``to_json``)."""

from __future__ import annotations

import base64
import binascii
import json as _json
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from .errors import FieldProblem, IamError, ParamValidationError, ResponseParseError
from .timestamps import iso_z, parse_timestamp

E = TypeVar("E")

__all__ = [
    "BLOB",
    "BOOL",
    "DOC",
    "FLOAT",
    "INT",
    "POLICY",
    "STR",
    "TIME",
    "Codec",
    "b",
    "blob_in",
    "blob_out",
    "document_in",
    "document_out",
    "each",
    "enum",
    "enum_of",
    "failure",
    "float_in",
    "float_out",
    "i",
    "list_of",
    "map_of",
    "mapping",
    "policy_in",
    "s",
    "seq",
    "struct",
    "ts_in",
    "ts_out",
]


def ts_in(value: Any) -> datetime:
    """A datetime (naive means UTC), an ISO 8601 / HTTP-date string, or epoch seconds → UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError(f"expected a timestamp, got {type(value).__name__}")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch seconds out of range: {value!r}") from None
    if isinstance(value, str):
        parsed = parse_timestamp(value.strip())
        if parsed is not None:
            return parsed
        raise ValueError(f"not a timestamp: {value[:40]!r}")
    raise ValueError(f"expected a timestamp, got {type(value).__name__}")


def ts_out(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return iso_z(value)


def blob_in(value: Any) -> bytes:
    """bytes as they are; a str is the base64 text :func:`blob_out` writes."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("expected base64 text for a blob member") from None
    raise ValueError(f"expected bytes or base64 text, got {type(value).__name__}")


def blob_out(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def float_in(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number, got bool")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and value in ("NaN", "Infinity", "-Infinity"):
        return float(value.replace("Infinity", "inf"))
    raise ValueError(f"expected a number, got {type(value).__name__}")


def float_out(value: float) -> float | str:
    """JSON has no NaN or infinities: those are written as AWS writes them, as strings."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def document_in(value: Any) -> Any:
    """A document member: any JSON value (objects, arrays, strings, numbers, booleans, null)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {_document_key(k): document_in(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [document_in(v) for v in value]
    raise ValueError(f"a document holds JSON values, not {type(value).__name__}")


def _document_key(key: Any) -> str:
    if isinstance(key, str):
        return key
    raise ValueError(f"a document's object keys are strings, not {type(key).__name__}")


def document_out(value: Any) -> Any:
    """A copy of a document's value (a caller editing the result must not edit the model)."""
    if isinstance(value, Mapping):
        return {k: document_out(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [document_out(v) for v in value]
    return value


def policy_in(value: Any) -> Any:
    """boto3 hands policy documents out as dicts (it JSON-decodes them); we keep the JSON text."""
    if isinstance(value, Mapping):
        return _json.dumps(value)
    return value


def s(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ValueError(f"expected a string, got {type(value).__name__}")


def i(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected an integer, got bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an integer, got {type(value).__name__}")


def b(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value == "true" or value == "false":
        return bool(value == "true")
    raise ValueError(f"expected a boolean, got {type(value).__name__}")


def seq(value: Any) -> list[Any] | tuple[Any, ...]:
    if isinstance(value, list | tuple):
        return value
    raise ValueError(f"expected a list, got {type(value).__name__}")


def mapping(value: Any) -> Mapping[Any, Any]:
    if isinstance(value, Mapping):
        return value
    raise ValueError(f"expected a mapping, got {type(value).__name__}")


def enum(cls: Callable[[str], E], value: Any, validate: bool) -> E | str:
    """Lenient side: any string becomes the (open) enum; request side: left for validation."""
    if not isinstance(value, str):
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value if validate else cls(value)


def _join(member: str, path: str) -> str:
    if not path:
        return member
    return f"{member}{path}" if path.startswith("[") else f"{member}.{path}"


class _ItemError(ValueError):
    """A list item failed to convert: carries its index up to the member's error."""

    def __init__(self, index: int, cause: Exception) -> None:
        super().__init__(str(cause))
        self.index = index
        self.cause = cause


def each(value: Any, convert: Callable[[Any], E]) -> list[E]:
    """Convert a list's items, so a failure can name the item (``Tags[2].Key``)."""
    out: list[E] = []
    for index, item in enumerate(seq(value)):
        try:
            out.append(convert(item))
        except ValueError as exc:
            raise _ItemError(index, exc) from None
    return out


def failure(shape: str, member: str, exc: Exception, validate: bool) -> IamError:
    """A conversion failure in ``of_json``, naming the member (prefixing nested paths)."""
    while isinstance(exc, _ItemError):
        member = f"{member}[{exc.index}]"
        exc = exc.cause
    if isinstance(exc, ParamValidationError):
        return ParamValidationError(
            exc.shape,
            [FieldProblem(_join(member, p.path), p.rule, p.message) for p in exc.problems],
        )
    if isinstance(exc, ResponseParseError):
        exc.reason = f"{member}: {exc.reason}"
        return exc
    if validate:
        return ParamValidationError(shape, [FieldProblem(member, "type", str(exc))])
    return ResponseParseError(f"{shape}.{member}: {exc}")


# ---------------------------------------------------------------------- member codecs
# A model's ``_FIELDS`` table names one codec per member: how its value is read from a
# boto3-style dict and written to a JSON-safe one. The models' ``of_json`` / ``to_json`` (in
# :mod:`.shape`) walk the table; the generated modules only build it.


class Codec:
    """``read(value, validate)``: a member's value from boto3-style data; ``write(value)``: it
    JSON-safe (None: written as it is)."""

    __slots__ = ("read", "write")

    def __init__(
        self, read: Callable[[Any, bool], Any], write: Callable[[Any], Any] | None = None
    ) -> None:
        self.read = read
        self.write = write


def _unchecked(convert: Callable[[Any], Any]) -> Callable[[Any, bool], Any]:
    def read(value: Any, validate: bool) -> Any:
        return convert(value)

    return read


def _read_str(value: Any, validate: bool) -> str:
    return value if type(value) is str else s(value)


def _read_policy(value: Any, validate: bool) -> str:
    return s(policy_in(value))


STR = Codec(_read_str)
INT = Codec(_unchecked(i))
BOOL = Codec(_unchecked(b))
FLOAT = Codec(_unchecked(float_in), float_out)
TIME = Codec(_unchecked(ts_in), ts_out)
BLOB = Codec(_unchecked(blob_in), blob_out)
DOC = Codec(_unchecked(document_in), document_out)
#: A URL-encoded policy document: boto3 hands it out decoded (a dict), the model keeps text.
POLICY = Codec(_read_policy)


def enum_of(cls: Callable[[str], Any]) -> Codec:
    """An enum member: any string on the response side (the open enum), checked on requests."""

    def read(value: Any, validate: bool) -> Any:
        return enum(cls, value, validate)

    return Codec(read, str)


def struct(cls: Any) -> Codec:
    """A structure member: its model's own ``_of_json`` / ``to_json``."""

    def read(value: Any, validate: bool) -> Any:
        return cls._of_json(value, validate)

    def write(value: Any) -> Any:
        return value.to_json()

    return Codec(read, write)


def list_of(item: Codec) -> Codec:
    read_item, write_item = item.read, item.write

    def read(value: Any, validate: bool) -> Any:
        return each(value, lambda x: read_item(x, validate))

    def write(value: Any) -> Any:
        return list(value) if write_item is None else [write_item(x) for x in value]

    return Codec(read, write)


def map_of(key: Codec, value: Codec) -> Codec:
    read_key, write_key = key.read, key.write or _same
    read_value, write_value = value.read, value.write or _same

    def read(data: Any, validate: bool) -> Any:
        return {read_key(k, validate): read_value(x, validate) for k, x in mapping(data).items()}

    def write(data: Any) -> Any:
        return {write_key(k): write_value(x) for k, x in data.items()}

    return Codec(read, write)


def _same(value: Any) -> Any:
    return value
