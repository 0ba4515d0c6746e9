"""awsQuery serialization helpers called by the generated ``to_query`` methods.

Values are written as botocore's query serializer writes them, so the body a request produces
is byte-for-byte the one boto3 would send.
"""

from __future__ import annotations

import base64
import math
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "blob",
    "boolean",
    "encode_body",
    "flt",
    "has_prefix",
    "idempotency_token",
    "read_list",
    "read_map",
    "read_scalar",
    "ts",
]


def ts(value: datetime, fmt: str | None = None) -> str:
    """ISO 8601 in UTC with ``Z`` (microseconds only when present), or epoch seconds."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if fmt == "unixTimestamp":
        return str(int(value.timestamp()))
    if fmt == "rfc822":
        from email.utils import format_datetime

        return format_datetime(value, usegmt=True)
    # Written out rather than strftime: %Y does not pad years before 1000 everywhere.
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        return f"{text}.{value.microsecond:06d}Z"
    return text + "Z"


def blob(value: bytes | str) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def boolean(value: bool) -> str:
    return "true" if value else "false"


def flt(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(value)


def idempotency_token() -> str:
    """A fresh token for an idempotency member the caller left empty (as botocore does)."""
    return str(uuid.uuid4())


def encode_body(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Form-encode the parameters the way botocore does (``quote_plus``, UTF-8)."""
    return urlencode(list(pairs)).encode("utf-8")


# ---- reading form parameters back (the generated ``of_query``; the emulator uses it)


def has_prefix(params: Mapping[str, str], prefix: str) -> bool:
    return any(key.startswith(prefix) for key in params)


def read_scalar(params: Mapping[str, str], key: str, kind: str, fmt: str | None = None) -> Any:
    """The raw value at ``key``, converted for the shape kind; left as text when it does not
    convert, so validation reports the member and the rule."""
    raw = params.get(key)
    if raw is None:
        return None
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "blob":
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError:
            return raw
    if kind == "timestamp":
        from .xml import parse_timestamp

        parsed = parse_timestamp(raw, fmt)
        return parsed if parsed is not None else raw
    if kind in ("float", "double"):
        try:
            return float(raw.replace("Infinity", "inf"))
        except ValueError:
            return raw
    return raw  # integers: pydantic converts numeric text and reports anything else


def read_list(
    params: Mapping[str, str],
    key: str,
    item: Callable[[int], Any],
    item_key: Callable[[int], str],
) -> list[Any] | None:
    """Items 1..N until one is missing; ``Name=`` (empty) is the empty list."""
    out: list[Any] = []
    n = 1
    while True:
        k = item_key(n)
        if k not in params and not has_prefix(params, k + "."):
            break
        out.append(item(n))
        n += 1
    if out:
        return out
    return [] if params.get(key) == "" else None


def read_map(
    params: Mapping[str, str],
    key: Callable[[int], Any],
    value: Callable[[int], Any],
    entry_key: Callable[[int], str],
) -> dict[Any, Any] | None:
    out: dict[Any, Any] = {}
    n = 1
    while has_prefix(params, entry_key(n) + "."):
        out[key(n)] = value(n)
        n += 1
    return out or None
