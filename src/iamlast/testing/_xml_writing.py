"""Writing IAM's XML documents (the generated writers in ``iamlast.testing._generated`` call
these): plain string building, faster than building an element tree, indented as IAM indents
its responses, and read back exactly by the models' ``of_xml``."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote as _quote

from iamlast._runtime.shape import ErrorShape, OutputShape, Shape
from iamlast._runtime.xml import float_out, iso_z

__all__ = [
    "Writer",
    "blob_out",
    "bool_out",
    "document",
    "element",
    "error_document",
    "error_response",
    "escape",
    "escape_attr",
    "extras",
    "float_out",
    "quote",
    "ts_out",
]

#: A generated writer: appends a model's members to ``out``, each line starting with ``indent``.
Writer = Callable[[Any, list[str], str], None]


def escape(value: str) -> str:
    """Escape text content; ``\\r`` is written as a character reference so it survives parsing."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    return value


def escape_attr(value: str) -> str:
    return escape(value).replace('"', "&quot;")


def ts_out(value: datetime, fmt: str | None = None) -> str:
    """Write a timestamp as IAM does: ISO 8601 UTC with ``Z`` (milliseconds when present)."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if fmt == "unixTimestamp":
        return _epoch_text(value)
    if fmt == "rfc822":
        return format_datetime(value, usegmt=True)
    return iso_z(value)


def _epoch_text(value: datetime) -> str:
    seconds = value.timestamp()
    return str(int(seconds)) if seconds == int(seconds) else repr(round(seconds, 6))


def blob_out(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def bool_out(value: bool) -> str:
    return "true" if value else "false"


def quote(value: str) -> str:
    """Policy documents travel URL-encoded (the models read them back decoded)."""
    return _quote(value, safe="")


# --------------------------------------------------------------------------- unknown members

_NAME = re.compile(r"[A-Za-z_][\w.\-]*\Z")


def _tag(key: Any) -> str:
    if not isinstance(key, str) or _NAME.match(key) is None:
        raise ValueError(f"unknown member {key!r} cannot be written as an XML element")
    return key


def _extra(out: list[str], ind: str, tag: str, item: Any) -> None:
    if type(item) is list:
        for each in item:  # repeated elements, as they came
            _extra(out, ind, tag, each)
    elif isinstance(item, Mapping):
        out.append(f"{ind}<{tag}>\n")
        inner = ind + "  "
        for key, each in item.items():
            _extra(out, inner, _tag(key), each)
        out.append(f"{ind}</{tag}>\n")
    else:
        out.append(f"{ind}<{tag}>{escape(str(item))}</{tag}>\n")


def extras(extra: Mapping[str, Any], out: list[str], ind: str) -> None:
    """Write the members a response model did not know (its ``model_extra``) back as elements,
    after the known ones: where they came from (see ``iamlast._runtime.extras``)."""
    for key, item in extra.items():
        _extra(out, ind, _tag(key), item)


# --------------------------------------------------------------------------- documents


def document(
    obj: OutputShape, write_members: Writer, request_id: str | None = None, operation: str | None = None
) -> str:
    """The whole response document of an operation output, as the service writes it
    (``operation`` picks the document when several operations return the shape)."""
    cls = type(obj)
    response = cls._XML_RESPONSE or cls.__name__
    wrapper = cls._XML_WRAPPER
    if operation is not None:
        response = f"{operation}Response"
        wrapper = cls._XML_DOCUMENTS.get(response) or (
            wrapper if response == cls._XML_RESPONSE else None
        )
        if wrapper is None:
            raise ValueError(f"{cls.__name__} is not the output of {operation}")
    ns = cls._XML_NAMESPACE
    if request_id is None and obj.response_metadata is not None:
        request_id = obj.response_metadata.request_id
    out: list[str] = [f'<{response} xmlns="{escape_attr(ns)}">\n' if ns else f"<{response}>\n"]
    out.append(f"  <{wrapper}>\n")
    write_members(obj, out, "    ")
    out.append(f"  </{wrapper}>\n")
    if request_id is not None:
        out.append(
            f"  <ResponseMetadata>\n    <RequestId>{escape(request_id)}</RequestId>\n  </ResponseMetadata>\n"
        )
    out.append(f"</{response}>\n")
    return "".join(out)


def element(obj: Shape, name: str, write_members: Writer) -> str:
    """A nested shape on its own: ``<Name>`` with its members (``of_xml`` reads it back)."""
    out: list[str] = [f"<{name}>\n"]
    write_members(obj, out, "  ")
    out.append(f"</{name}>\n")
    return "".join(out)


def error_document(obj: ErrorShape, write_members: Writer, request_id: str | None = None) -> str:
    """The ``<ErrorResponse>`` document of a modelled error shape."""
    cls = type(obj)
    message_attr = cls._MESSAGE_ATTR
    return error_response(
        code=cls._ERROR_CODE,
        fault="Sender" if cls._SENDER_FAULT else "Receiver",
        message=getattr(obj, message_attr, None) if message_attr else None,
        members=lambda out: write_members(obj, out, "    "),
        request_id=request_id,
        namespace=cls._XML_NAMESPACE,
    )


def error_response(
    *,
    code: str,
    fault: str,
    message: str | None,
    members: Callable[[list[str]], None] | None,
    request_id: str | None,
    namespace: str | None,
) -> str:
    """``<ErrorResponse><Error><Type/><Code/><Message/>…</Error><RequestId/></ErrorResponse>``,
    indented as IAM writes it (errors and error shapes both write through here)."""
    out: list[str] = [
        f'<ErrorResponse xmlns="{escape_attr(namespace)}">\n' if namespace else "<ErrorResponse>\n"
    ]
    out.append(f"  <Error>\n    <Type>{escape(fault)}</Type>\n    <Code>{escape(code)}</Code>\n")
    if message is not None:
        out.append(f"    <Message>{escape(message)}</Message>\n")
    if members is not None:
        members(out)
    out.append("  </Error>\n")
    if request_id:
        out.append(f"  <RequestId>{escape(request_id)}</RequestId>\n")
    out.append("</ErrorResponse>\n")
    return "".join(out)
