"""Hardened XML reading for the generated ``of_xml``.

lxml with entity resolution, DTD loading and network access off, a size limit, and any document
type declaration refused before parsing (no billion laughs, no XXE). Every failure is a
:class:`~iamlast._runtime.errors.ResponseParseError`. (Writing IAM's documents is the emulator's
business: ``iamlast.testing`` holds the writers.)
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote as _unquote

from lxml import etree

from .enums import enum_reader
from .errors import ResponseParseError
from .timestamps import float_out, iso_z, parse_timestamp

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "ResponseParseError",
    "enum_reader",
    "find_error",
    "find_request_id",
    "float_out",
    "iso_z",
    "local",
    "locate",
    "parse",
    "parse_timestamp",
    "read",
    "read_error",
]

#: Responses larger than this are refused unread (IAM's largest pages are a few MB).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

S = TypeVar("S")
_fromisoformat = datetime.fromisoformat
_local_parsers = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers keep per-parse state: one per thread.
    parser: etree.XMLParser | None = getattr(_local_parsers, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
            # Only whitespace between elements goes; a leaf's whitespace-only text stays.
            remove_blank_text=True,
        )
        _local_parsers.parser = parser
    return parser


_DECLARED_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_UTF8_NAMES = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii"})


def _utf8_only(raw: bytes) -> bytes:
    """Refuse what the byte-level checks could not read: IAM always sends UTF-8.

    The DTD refusal and the namespace handling search the raw bytes; a UTF-16 or UTF-32
    document (with or without a byte order mark) or one declaring another encoding would slip
    past them, so it is refused here rather than parsed.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw:
        raise ResponseParseError(
            "response body holds NUL bytes: not a UTF-8 XML document", raw=raw[:200]
        )
    head = raw.lstrip(b" \t\r\n")
    if not head.startswith(b"<"):
        raise ResponseParseError("response body is not an XML document in UTF-8", raw=raw[:200])
    if head.startswith(b"<?xml"):
        end = head.find(b"?>")
        found = _DECLARED_ENCODING.search(head[: end if end > 0 else 200])
        if found is not None and found.group(1).lower() not in _UTF8_NAMES:
            name = found.group(1).decode("ascii", "replace")
            raise ResponseParseError(
                f"response body declares encoding {name!r}; IAM sends UTF-8, and only UTF-8 is read",
                raw=raw[:200],
            )
    return raw


_DEFAULT_XMLNS = re.compile(rb"\s+xmlns\s*=\s*(\"[^\"]*\"|'[^']*')")


def _prepare(raw: bytes) -> bytes:
    """Check the prolog and drop the root element's default namespace declaration.

    A DTD can only stand before the root element, so the prolog is where it is refused (any
    ``<!`` there but a comment): no billion laughs, no external entities, nothing expanded.
    Members are matched by local name, and IAM documents put one default namespace on the root:
    without it every tag is its plain name, so the generated readers compare tags as they are.
    """
    pos = 0
    while True:
        start = raw.find(b"<", pos)
        if start < 0 or start + 1 >= len(raw):
            return raw
        follower = raw[start + 1 : start + 2]
        if follower == b"?":
            pos = raw.find(b"?>", start)
        elif raw.startswith(b"<!--", start):
            pos = raw.find(b"-->", start)
        elif follower == b"!":
            raise ResponseParseError(
                "response body declares a DTD or entities; refused", raw=raw[:200]
            )
        else:
            break
        if pos < 0:
            return raw
    end = raw.find(b">", start)
    if end < 0:
        return raw
    head = raw[start:end]
    if b"xmlns" not in head:
        return raw
    return b"".join((raw[:start], _DEFAULT_XMLNS.sub(b"", head, count=1), raw[end:]))


def strip_namespaces(root: _Element) -> _Element:
    """Rename every namespaced element to its local name (documents with nested namespaces)."""
    for el in root.iter():
        tag = el.tag
        if isinstance(tag, str) and tag[:1] == "{":
            el.tag = tag[tag.find("}") + 1 :]
    return root


def normalise(el: _Element) -> _Element:
    """An element given by a caller, with plain tags (a namespaced tree is copied, not changed)."""
    for node in el.iter():
        tag = node.tag
        if isinstance(tag, str) and tag[:1] == "{":
            return strip_namespaces(copy.deepcopy(el))
    return el


def parse(data: bytes | str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> _Element:
    """Parse a response document; refuse DTDs, oversize bodies and malformed XML.

    Element tags come back as local names (namespaces removed).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise ResponseParseError(
            f"response body of {len(raw)} bytes exceeds the {max_bytes}-byte limit"
        )
    if not raw.strip():
        raise ResponseParseError("response body is empty", raw=raw[:0])
    raw = _utf8_only(raw)
    raw = _prepare(raw)
    try:
        root = etree.fromstring(raw, _parser())
    except etree.XMLSyntaxError as exc:
        raise ResponseParseError(
            f"response body is not well-formed XML: {exc}", raw=raw[:200]
        ) from None
    except (ValueError, TypeError) as exc:  # lxml raises these for some encodings
        raise ResponseParseError(
            f"response body could not be decoded: {exc}", raw=raw[:200]
        ) from None
    if root is None:
        raise ResponseParseError("response body has no root element", raw=raw[:200])
    if b"xmlns" in raw:
        strip_namespaces(root)
    return root


def local(tag: Any) -> str:
    """The local name of an element tag (``{ns}Name`` → ``Name``)."""
    if not isinstance(tag, str):
        return ""
    return tag[tag.find("}") + 1 :]


def _child(el: _Element, name: str) -> _Element | None:
    for child in el:
        if local(child.tag) == name:
            return child
    return None


def find_request_id(root: _Element) -> str | None:
    """``RequestId`` from ``ResponseMetadata`` (results) or the root (errors)."""
    meta = _child(root, "ResponseMetadata")
    holder = meta if meta is not None else root
    rid = _child(holder, "RequestId")
    if rid is None:
        return None
    return (rid.text or "").strip() or None


def locate(
    data: bytes | str | _Element,
    wrapper: str | None,
    shape: str,
    documents: dict[str, str] | None = None,
) -> tuple[_Element | None, str | None]:
    """Find the element holding a shape's members, and the request id of the document.

    ``data`` may be the whole response (``<OpResponse><OpResult>…``), the result element itself,
    or any element whose children are the shape's members.
    """
    root = parse(data) if isinstance(data, bytes | str) else normalise(data)
    name = local(root.tag)
    if name == "ErrorResponse":
        found = find_error(root)
        code = found[1] if found else "unknown"
        raise ResponseParseError(
            f"expected a {shape} document, got an ErrorResponse (code {code})",
            request_id=find_request_id(root),
        )
    if wrapper is None:
        return root, None
    if documents:
        # A shape several operations return: the document's own response element says which.
        wrapper = documents.get(name, wrapper)
        if name in documents.values():
            return root, None
    if name == wrapper:
        return root, None
    if name.endswith("Response"):
        result = _child(root, wrapper)
        if result is None:
            others = [local(c.tag) for c in root if local(c.tag) != "ResponseMetadata"]
            if others:
                raise ResponseParseError(
                    f"expected <{wrapper}> in <{name}>, found <{others[0]}>",
                    request_id=find_request_id(root),
                )
        return result, find_request_id(root)
    raise ResponseParseError(f"expected a {shape} document, got <{name}>")


def find_error(root: _Element) -> tuple[_Element, str, str | None, str, str | None] | None:
    """``(error element, code, type, message, request id)`` of an ``ErrorResponse``, if it is one.

    Accepts ``<ErrorResponse><Error>…</Error><RequestId/></ErrorResponse>``, a bare ``<Error>``
    and ``<Response><Errors><Error>`` (the EC2 form some endpoints use).
    """
    name = local(root.tag)
    error: _Element | None = None
    if name == "Error":
        error = root
    elif name == "ErrorResponse":
        error = _child(root, "Error")
    elif name == "Response":
        errors = _child(root, "Errors")
        error = _child(errors, "Error") if errors is not None else None
    if error is None:
        return None
    code_el = _child(error, "Code")
    if code_el is None or not (code_el.text or "").strip():
        return None
    type_el = _child(error, "Type")
    msg_el = _child(error, "Message")
    rid = find_request_id(root) if root is not error else None
    if rid is None:
        rid_el = _child(error, "RequestId")
        rid = (rid_el.text or "").strip() or None if rid_el is not None else None
    return (
        error,
        (code_el.text or "").strip(),
        (type_el.text or "").strip() or None if type_el is not None else None,
        msg_el.text or "" if msg_el is not None else "",
        rid,
    )


# --------------------------------------------------------------------------- reading values


def text(el: _Element) -> str:
    return el.text or ""


def to_int(el: _Element) -> int:
    try:
        return int((el.text or "").strip())
    except ValueError:
        raise ResponseParseError(f"<{local(el.tag)}> is not an integer: {el.text!r}") from None


def to_float(el: _Element) -> float:
    raw = (el.text or "").strip()
    try:
        return float(raw)
    except ValueError:
        raise ResponseParseError(f"<{local(el.tag)}> is not a number: {el.text!r}") from None


def to_bool(el: _Element) -> bool:
    raw = (el.text or "").strip()
    if raw == "true":
        return True
    if raw == "false":
        return False
    raise ResponseParseError(f"<{local(el.tag)}> is not a boolean: {el.text!r}")


def to_blob(el: _Element) -> bytes:
    raw = (el.text or "").strip()
    try:
        return base64.b64decode(raw, validate=False)
    except (binascii.Error, ValueError):
        raise ResponseParseError(f"<{local(el.tag)}> is not base64: {raw[:40]!r}") from None


def to_ts(el: _Element, fmt: str | None = None) -> datetime:
    """A timestamp in any of the formats AWS uses, as an aware UTC datetime."""
    raw = el.text or ""
    if fmt is None:
        # IAM's own form ("2024-01-02T03:04:05.678Z") parses straight to UTC.
        try:
            quick = _fromisoformat(raw)
        except ValueError:
            pass
        else:
            if quick.tzinfo is UTC:
                return quick
    raw = raw.strip()
    value = parse_timestamp(raw, fmt)
    if value is None:
        raise ResponseParseError(f"<{local(el.tag)}> is not a timestamp: {raw[:40]!r}")
    return value


# --------------------------------------------------------------------------- text forms




# --------------------------------------------------------------------------- documents

Parser = Callable[["_Element"], Any]


def read(cls: type[S], data: bytes | str | _Element, parse_members: Callable[[_Element], S]) -> S:
    """The generated ``of_xml``: locate the members, convert them, keep the request id."""
    shape: Any = cls
    el, request_id = locate(data, shape._XML_WRAPPER, cls.__name__, shape._XML_DOCUMENTS)
    obj: Any
    try:
        obj = parse_members(el) if el is not None else shape._complete({})
    except ResponseParseError as exc:
        exc.request_id = exc.request_id or request_id
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise ResponseParseError(f"{cls.__name__}: {exc}", request_id=request_id) from exc
    if request_id is not None and "response_metadata" in shape.model_fields:
        obj.__dict__["response_metadata"] = shape._metadata(request_id)
        obj.__pydantic_fields_set__.add("response_metadata")
    result: S = obj
    return result


def unquote(value: str) -> str:
    """Policy documents arrive URL-encoded; callers get the JSON text."""
    return _unquote(value) if "%" in value else value


def read_error(
    cls: type[S], data: bytes | str | _Element, parse_members: Callable[[_Element], S]
) -> S:
    """The generated ``of_xml`` of an error shape: the members of ``<Error>``."""
    root = parse(data) if isinstance(data, bytes | str) else normalise(data)
    found = find_error(root)
    el = found[0] if found is not None else root
    try:
        return parse_members(el)
    except ResponseParseError:
        raise
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise ResponseParseError(f"{cls.__name__}: {exc}") from exc
