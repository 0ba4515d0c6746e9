"""Members a response carries that the model does not know (yet): kept, never dropped.

IAM adds members before a botocore release (and this package's model) catches up. A response
model keeps every child element of a structure it does not know in pydantic's own place for
extra fields, ``model_extra``, keyed by the element (wire) name:

- a leaf element gives its text: ``<MaxSigninSessionDuration>7200</...>`` → ``"7200"``;
- an element with children gives a dict, built by the same rule at every depth;
- an element that repeats gives a list of those values, in document order.

``to_json`` includes them, ``iamlast.testing.to_xml`` writes them back where they came from
(after the known members), and ``of_json`` keeps a mapping's unknown keys the same way (scalars
as their wire text), so both round trips hold. Nothing here can make a response fail to parse.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeAlias

from .timestamps import float_out, iso_z

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = ["ExtraValue", "from_json", "keep", "to_json", "value"]

#: What an unknown member holds: its text, its children by name, or its repetitions.
ExtraValue: TypeAlias = "str | dict[str, ExtraValue] | list[ExtraValue]"


def _put(target: dict[str, Any], key: str, item: Any) -> None:
    # A single element's value is never a list, so a list always means "repeated".
    previous = target.get(key)
    if previous is None:
        target[key] = item
    elif type(previous) is list:
        previous.append(item)
    else:
        target[key] = [previous, item]


def value(el: _Element) -> ExtraValue:
    """The value of an unknown element: its text if it has no children, else a dict.

    Iterative, so a deep tree handed to ``of_xml`` by a caller cannot exhaust the stack.
    """
    if len(el) == 0:
        return el.text or ""
    root: dict[str, Any] = {}
    pending: list[tuple[_Element, dict[str, Any]]] = [(el, root)]
    while pending:
        node, into = pending.pop()
        for child in node:
            tag = child.tag
            if type(tag) is not str:  # a comment or processing instruction in a caller's tree
                continue
            if len(child) == 0:
                _put(into, tag, child.text or "")
            else:
                inner: dict[str, Any] = {}
                _put(into, tag, inner)
                pending.append((child, inner))
    return root


def keep(extra: dict[str, Any], el: _Element) -> None:
    """Add the child ``el`` the model does not know to ``extra`` (the readers' last branch)."""
    tag = el.tag
    if type(tag) is str:
        _put(extra, tag, value(el))


# --------------------------------------------------------------------------- JSON


def _text(item: Any) -> Any:
    """A boto3-style value as the wire would carry it: text, dicts and lists of text."""
    if isinstance(item, str):
        return item
    if isinstance(item, Enum):
        return _text(item.value)
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, int):
        return str(item)
    if isinstance(item, float):
        return float_out(item)
    if isinstance(item, datetime):
        return iso_z(item.replace(tzinfo=UTC) if item.tzinfo is None else item.astimezone(UTC))
    if isinstance(item, bytes | bytearray):
        return base64.b64encode(item).decode("ascii")
    if isinstance(item, Mapping):
        return {str(k): _text(v) for k, v in item.items() if v is not None}
    if isinstance(item, list | tuple):
        return [_text(v) for v in item if v is not None]
    return str(item)  # never a reason to refuse a response


def from_json(data: Mapping[str, Any], known: Iterable[frozenset[str]]) -> dict[str, Any]:
    """The keys of ``data`` in none of the ``known`` name sets, their values as wire text."""
    sets = tuple(known)
    return {
        str(key): _text(item)
        for key, item in data.items()
        if item is not None and not any(key in names for names in sets)
    }


def _copy(item: Any) -> Any:
    if type(item) is dict:
        return {k: _copy(v) for k, v in item.items()}
    if type(item) is list:
        return [_copy(v) for v in item]
    return item


def to_json(extra: Mapping[str, Any]) -> dict[str, Any]:
    """A copy for ``to_json`` (a caller editing the dict must not edit the model)."""
    return {k: _copy(v) for k, v in extra.items()}
