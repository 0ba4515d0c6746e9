"""The services on the wire, for servers and fakes: write any model (or error) as the document
the service sends — XML for the awsQuery services (IAM, STS), JSON for the awsJson ones
(Organizations) — and read a request model back from its awsQuery form parameters or its JSON
body.

The emulator answers through these; a test double of your own can too::

    from iamlast import models
    from iamlast.testing import to_xml

    body = to_xml(models.ListRolesResponse(roles=[], is_truncated=False), request_id="r-1")

What is written is exactly what the models' ``of_xml`` reads back (members the model did not know,
kept in ``model_extra``, included), indented as IAM writes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from iamlast._runtime.errors import ServiceError
from iamlast._runtime.shape import ErrorShape, OutputShape, Shape

from . import _xml_writing as _w
from ._codecs import json_reader_for, json_writer_for, reader_for, writer_for

__all__ = ["awsjson_object", "of_awsjson", "of_query", "to_awsjson", "to_xml", "write_members"]

S = TypeVar("S", bound=Shape)


def to_xml(
    value: Shape | ServiceError,
    *,
    request_id: str | None = None,
    operation: str | None = None,
    namespace: str | None = None,
) -> str:
    """IAM's XML for ``value``, exactly as the service writes it:

    - an operation's output (``models.ListRolesResponse``): the whole response document,
      ``<ListRolesResponse><ListRolesResult>…</ListRolesResult><ResponseMetadata>…``, the
      request id being ``request_id`` or the model's own; ``operation`` picks the document
      when several operations return the shape (``GetUser`` / ``GetLoginProfile`` …);
    - a modelled error's shape, or a :class:`~iamlast.errors.ServiceError`
      (``NoSuchEntityError("no such role")``): the ``<ErrorResponse>`` document, in IAM's
      namespace unless ``namespace`` says otherwise;
    - any other structure (``models.Role``): the element ``<Role>`` with its members.

    An argument that does not apply to the kind of value is refused (``TypeError``).
    """
    if isinstance(value, ServiceError):
        _refuse(value, operation=operation)
        return _service_error(value, request_id, namespace)
    write, name = writer_for(type(value))
    if isinstance(value, OutputShape):
        _refuse(value, namespace=namespace)
        return _w.document(value, write, request_id, operation)
    if isinstance(value, ErrorShape):
        _refuse(value, operation=operation, namespace=namespace)
        return _w.error_document(value, write, request_id)
    _refuse(value, request_id=request_id, operation=operation, namespace=namespace)
    return _w.element(value, name, write)


def _refuse(value: object, **given: str | None) -> None:
    for key, item in given.items():
        if item is not None:
            raise TypeError(f"to_xml() of a {type(value).__name__} takes no {key}")


def _service_error(err: ServiceError, request_id: str | None, namespace: str | None) -> str:
    details = err.details
    if namespace is None:
        namespace = details._XML_NAMESPACE if details is not None else None
    if namespace is None:
        from iamlast._generated import XML_NAMESPACE

        namespace = XML_NAMESPACE
    return _w.error_response(
        code=err.code,
        fault=err.type,
        message=err.message,
        # the shape's members but <Message>, which the document writes next to <Code>
        members=(lambda out: write_members(details, out, "    ")) if details is not None else None,
        request_id=request_id if request_id is not None else err.request_id,
        namespace=namespace,
    )


def write_members(model: Shape, out: list[str], indent: str) -> None:
    """Append ``model``'s members to ``out`` as IAM writes them, each line starting with
    ``indent`` (a fragment of a bigger document: a list's ``<member>``, a nested element)."""
    writer_for(type(model))[0](model, out, indent)


def of_query(cls: type[S], params: Mapping[str, str]) -> S:
    """Read (and validate, as the client would) the request model ``cls`` from the awsQuery
    form parameters of a request (``Action`` and ``Version`` are ignored): the inverse of
    ``to_query``; a member breaking the model's rules raises ``ParamValidationError``."""
    return cls.validated(reader_for(cls)(params, ""))


# --------------------------------------------------------------------------- awsJson


def awsjson_object(value: Shape | ServiceError) -> dict[str, Any]:
    """The JSON object an awsJson service sends for ``value``:

    - a response model (``organizations.models.ListAccountsResponse``): its members, those the
      model did not know (kept in ``model_extra``) included;
    - a modelled error's shape, or a :class:`~iamlast.errors.ServiceError`: the error body,
      ``{"__type": code, "Message": …, <members>}`` (``message`` when the shape has no
      ``Message`` member, as the common errors write it).
    """
    if isinstance(value, ServiceError):
        out: dict[str, Any] = {"__type": value.code}
        details = value.details
        members = awsjson_object(details) if details is not None else {}
        members.pop("__type", None)
        if value.message and not any(k in members for k in ("Message", "message")):
            key = "Message" if details is not None and "Message" in type(details)._WIRE_NAMES else "message"
            out[key] = value.message
        out.update(members)
        return out
    body = json_writer_for(type(value))(value)
    if isinstance(value, ErrorShape):
        return {"__type": value._ERROR_CODE, **body}
    return body


def to_awsjson(value: Shape | ServiceError) -> str:
    """:func:`awsjson_object` as the body's text."""
    return json.dumps(awsjson_object(value))


def of_awsjson(cls: type[S], body: bytes | str | Mapping[str, Any]) -> S:
    """Read (and validate, as the client would) the request model ``cls`` from an awsJson
    request body (its text or parsed object): the inverse of ``to_awsjson``; a member breaking
    the model's rules — or one the model does not have — raises ``ParamValidationError``."""
    from iamlast._runtime import awsjson as _aj
    from iamlast._runtime.errors import FieldProblem, ParamValidationError, ResponseParseError

    try:
        data = _aj.loads(body) if isinstance(body, bytes | str) else dict(body)
        values = json_reader_for(cls)(data)
    except (ResponseParseError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, ResponseParseError) else str(exc)
        raise ParamValidationError(cls.__name__, [FieldProblem("", "type", reason)]) from None
    return cls.validated(values)
