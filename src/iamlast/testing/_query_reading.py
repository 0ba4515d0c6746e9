"""Reading awsQuery form parameters back (the generated readers in ``iamlast.testing._generated``
call these): the inverse of the models' ``to_query``, for a server."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

from iamlast._runtime.xml import parse_timestamp

__all__ = ["has_prefix", "read_list", "read_map", "read_scalar"]


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
