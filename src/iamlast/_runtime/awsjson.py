"""The awsJson protocols (1.0 and 1.1: AWS Organizations, ...) for the generated codecs and the
request lifecycle: JSON bodies in and out, timestamps, and errors by ``__type``.

Bodies are written as botocore's JSON serializer writes them (``json.dumps`` with its default
separators; epoch-second timestamps), so a request's body is byte for byte the one boto3 would
send. Responses are read hardened: a body that is not a JSON object, or nests deeper than Python
can follow, is a :class:`~iamlast.errors.ResponseParseError`, never another exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .enums import enum_reader  # re-exported: the generated readers build theirs with it
from .errors import IamError, ResponseParseError, ServiceError, UnknownServiceError

if TYPE_CHECKING:
    from .shape import Shape

__all__ = [
    "content_type",
    "decode_error",
    "dumps",
    "enum_reader",
    "error_code",
    "extras",
    "loads",
    "obj",
    "read",
    "target",
    "ts_out",
]

S = TypeVar("S")


def content_type(json_version: str) -> str:
    """``application/x-amz-json-1.1`` for JSON 1.1 (1.0 likewise)."""
    return f"application/x-amz-json-{json_version}"


def target(target_prefix: str, operation: str) -> str:
    """The ``X-Amz-Target`` header: ``AWSOrganizationsV20161128.ListAccounts``."""
    return f"{target_prefix}.{operation}"


def dumps(body: Mapping[str, Any]) -> bytes:
    """A request body as botocore writes it."""
    return json.dumps(body).encode("utf-8")


def ts_out(value: datetime, fmt: str | None = None) -> int | float | str:
    """A timestamp as the JSON protocols write it: epoch seconds (an int when whole, else the
    microseconds added before dividing, as botocore does), or the model's ISO 8601 / HTTP date."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if fmt is None or fmt == "unixTimestamp":
        whole = int(value.replace(microsecond=0).timestamp())
        if value.microsecond:
            return (whole * 10**6 + value.microsecond) / 10**6
        return whole
    from .query import ts  # the same text forms awsQuery writes

    return ts(value, fmt)


# --------------------------------------------------------------------------- reading


def loads(body: bytes | str) -> dict[str, Any]:
    """A response body's JSON object; anything else is a ResponseParseError."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
        data = json.loads(text)
    except UnicodeDecodeError:
        raise ResponseParseError("the response body is not UTF-8") from None
    except RecursionError:
        raise ResponseParseError("the response body nests too deeply to read") from None
    except ValueError as exc:
        raise ResponseParseError(f"the response body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ResponseParseError(f"the response body is a JSON {type(data).__name__}, not an object")
    return data


def obj(value: Any, shape: str) -> dict[str, Any]:
    """A structure's JSON object (a generated reader's argument check)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    raise ValueError(f"{shape}: expected a JSON object, got {type(value).__name__}")


def _copy(item: Any) -> Any:
    if type(item) is dict:
        return {k: _copy(v) for k, v in item.items()}
    if type(item) is list:
        return [_copy(v) for v in item]
    return item


def extras(data: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The keys of a response object the model does not know, with their JSON values (nulls
    carry nothing and are dropped): kept in ``model_extra``, written back by the emulator."""
    return {k: _copy(v) for k, v in data.items() if v is not None and k not in known}


def read(cls: type[S], data: bytes | str | Mapping[str, Any], reader: Callable[[Any], S]) -> S:
    """The generated ``of_awsjson``: a body (or its parsed object) → the model."""
    source = loads(data) if isinstance(data, bytes | bytearray | str) else data
    try:
        return reader(source)
    except ResponseParseError:
        raise
    except RecursionError:
        raise ResponseParseError(f"{cls.__name__}: the document nests too deeply") from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise ResponseParseError(f"{cls.__name__}: {exc}") from exc


# --------------------------------------------------------------------------- errors


def error_code(raw: str) -> str:
    """The code in an ``__type`` / ``code`` / ``x-amzn-errortype`` value: without a
    ``namespace#`` prefix or a ``:uri`` suffix (``aws.protocoltests#FooError:http://…`` →
    ``FooError``)."""
    code = raw.split(":", 1)[0]
    return code.rsplit("#", 1)[-1].strip()


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _body_object(raw: bytes) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        return loads(raw)
    except ResponseParseError:
        return None


def decode_error(
    *,
    operation: str | None,
    status: int,
    body: bytes | str,
    headers: Mapping[str, str] | None,
    by_code: Mapping[str, type[ServiceError]],
    operation_codes: Mapping[str, type[ServiceError]] | None = None,
) -> ServiceError:
    """Turn an awsJson error response into the matching :class:`ServiceError`; never raises.

    The code is the ``x-amzn-errortype`` header's, else the body's ``__type``, else its ``code``
    (each stripped of a namespace and a URI); the class is the operation's modelled error with
    that code, else the service's, else the AWS common one, else :class:`UnknownServiceError`.
    The message is the body's ``message`` (or ``Message``), the request id the
    ``x-amzn-RequestId`` header. A body that names no code gives an UnknownServiceError whose
    code is the HTTP status, as botocore does; the raw body is always kept.
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    request_id = _header(headers, "x-amzn-requestid") or _header(headers, "x-amz-request-id")
    data = _body_object(raw)
    named = _header(headers, "x-amzn-errortype")
    if not named and data is not None:
        for key in ("__type", "code"):
            if isinstance(data.get(key), str) and data[key]:
                named = data[key]
                break
    code = error_code(named) if named else ""
    message: Any = ""
    if data is not None:
        message = data.get("message", data.get("Message", ""))
    text = message if isinstance(message, str) else "" if message is None else str(message)
    if not code:
        return UnknownServiceError(
            text or _reason(status),
            code=str(status),
            type="Receiver" if status >= 500 else "Sender",
            status_code=status,
            request_id=request_id,
            raw=raw,
            operation=operation,
        )
    cls: type[ServiceError] | None = None
    if operation_codes is not None:
        cls = operation_codes.get(code)
    if cls is None:
        cls = by_code.get(code, UnknownServiceError)
    details: Shape | None = None
    shape = cls.details_shape()
    if shape is not None and data is not None:
        try:
            details = shape._of_awsjson_value(data)
        except (IamError, ValueError, TypeError, RecursionError):
            details = None
    return cls(
        text,
        code=code,
        type="Receiver" if cls is UnknownServiceError and status >= 500 else None,
        status_code=status,
        request_id=request_id,
        raw=raw,
        details=details,
        operation=operation,
    )


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"

