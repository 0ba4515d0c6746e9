"""Writing IAM response documents fast: list items are rendered once by the generated model
writers and cached; a page is the document frame (member order taken from the model) around
joined fragments. The result is byte-identical to ``to_xml(Model(...), request_id=...)``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

from iamlast._runtime.shape import OutputShape, Shape

from . import _xml_writing as _w
from .wire import write_members

__all__ = ["boolean", "document", "item", "listing", "nested", "text", "timestamp"]

_IND = "    "  # members of the result element
_ITEM = "      "  # <member> of a list in the result
_ITEM_BODY = "        "


@cache
def _order(cls: type[OutputShape]) -> tuple[str, ...]:
    return tuple(f.alias or n for n, f in cls.model_fields.items() if n != "response_metadata")


def document(cls: type[OutputShape], members: Mapping[str, str], request_id: str) -> str:
    """The whole ``<OpResponse>`` document: ``members`` maps wire names to rendered members."""
    resp, wrapper = cls._XML_RESPONSE, cls._XML_WRAPPER
    parts = [f'<{resp} xmlns="{cls._XML_NAMESPACE}">\n  <{wrapper}>\n']
    parts.extend(members[name] for name in _order(cls) if name in members)
    parts.append(
        f"  </{wrapper}>\n  <ResponseMetadata>\n    <RequestId>{request_id}</RequestId>\n"
        f"  </ResponseMetadata>\n</{resp}>\n"
    )
    return "".join(parts)


def text(name: str, value: str) -> str:
    """A string member."""
    return f"{_IND}<{name}>{_w.escape(value)}</{name}>\n"


def timestamp(name: str, value: datetime) -> str:
    """A timestamp member, as IAM writes it (ISO 8601 UTC, milliseconds)."""
    return f"{_IND}<{name}>{_w.ts_out(value)}</{name}>\n"


def boolean(name: str, value: bool) -> str:
    """A boolean member."""
    return f"{_IND}<{name}>{'true' if value else 'false'}</{name}>\n"


def integer(name: str, value: int) -> str:
    """An integer member."""
    return f"{_IND}<{name}>{value}</{name}>\n"


def item(model: Shape) -> str:
    """One ``<member>`` of a top-level list, written by the model's generated writer."""
    out = [f"{_ITEM}<member>\n"]
    write_members(model, out, _ITEM_BODY)
    out.append(f"{_ITEM}</member>\n")
    return "".join(out)


def listing(name: str, fragments: Iterable[str]) -> str:
    """A list member from item fragments (``<Name/>`` when empty, as the models write it)."""
    body = "".join(fragments)
    if not body:
        return f"{_IND}<{name}/>\n"
    return f"{_IND}<{name}>\n{body}{_IND}</{name}>\n"


def nested(name: str, model: Shape) -> str:
    """A structure member (``<Error>``)."""
    out = [f"{_IND}<{name}>\n"]
    write_members(model, out, _IND + "  ")
    out.append(f"{_IND}</{name}>\n")
    return "".join(out)
