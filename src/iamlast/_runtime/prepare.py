"""A call's request and response, without I/O: the request model from the caller's arguments,
the HTTP request for it, and the model (or typed error) for a response, in the service's protocol
(awsQuery: a form body, XML back; awsJson: a JSON body named by ``X-Amz-Target``, JSON back).

:mod:`.core` runs these inside the lifecycle; the protocol tests call them directly.
"""

from __future__ import annotations

import functools
import gzip
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from .errors import FieldProblem, IamError, ParamValidationError, ResponseParseError, ServiceError
from .query import encode_body
from .records import Record, _set
from .shape import OutputShape, Shape, new

if TYPE_CHECKING:
    from .registry import OperationSpec

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_COMPRESSION_MIN_BYTES",
    "EmptyResponse",
    "PreparedRequest",
    "build_request",
    "coerce_request",
    "parse_response",
    "request_id_header",
]


#: botocore's default ``request_min_compression_size_bytes``.
DEFAULT_COMPRESSION_MIN_BYTES = 10240
_HOST_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


class EmptyResponse(OutputShape):
    """The result of an operation that returns no data: only ``response_metadata``."""

    _XML_WRAPPER: ClassVar[str | None] = None

    @classmethod
    def of_xml(cls, data: Any) -> EmptyResponse:
        from . import extras as _extras
        from . import xml as _x

        root = _x.parse(data) if isinstance(data, bytes | str) else data
        rid = _x.find_request_id(root)
        extra: dict[str, Any] = {}
        for child in root:
            # Anything but the metadata and an empty result element is data the model lacks
            # (an operation that starts returning a result, say): kept, as in every output.
            tag = _x.local(child.tag)
            if tag != "ResponseMetadata" and (
                len(child) or child.text or not tag.endswith("Result")
            ):
                _extras.keep(extra, child)
        return new(cls, {"response_metadata": cls._metadata(rid)}, extra)

    @classmethod
    def of_awsjson(cls, data: Any) -> EmptyResponse:
        from . import awsjson as _aj

        source = _aj.loads(data) if isinstance(data, bytes | str) else _aj.obj(data, cls.__name__)
        # What an operation without output sends is data the model lacks: kept.
        extra = _aj.extras(source, frozenset())
        return new(cls, {"response_metadata": None}, extra)

    def to_json(self) -> dict[str, Any]:
        from . import extras as _extras

        out: dict[str, Any] = {}
        if self.response_metadata is not None:
            out["ResponseMetadata"] = self.response_metadata.to_json()
        if self.__pydantic_extra__:
            out.update(_extras.to_json(self.__pydantic_extra__))
        return out

    @classmethod
    def _complete(
        cls, values: dict[str, Any], extra: dict[str, Any] | None = None
    ) -> EmptyResponse:
        return new(
            cls,
            {"response_metadata": values.get("response_metadata")},
            {} if extra is None else extra,
        )


class PreparedRequest(Record):
    """An unsigned HTTP request, ready to sign and send (immutable, compared by its fields)."""

    _fields = ("operation", "method", "url", "headers", "body", "params")
    __slots__ = _fields

    operation: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    #: The form parameters before encoding (for logging with secrets masked).
    params: tuple[tuple[str, str], ...]

    def __init__(
        self,
        operation: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes,
        params: tuple[tuple[str, str], ...] = (),
    ) -> None:
        _set(self, "operation", operation)
        _set(self, "method", method)
        _set(self, "url", url)
        _set(self, "headers", headers)
        _set(self, "body", body)
        _set(self, "params", params)

    # Holds a dict (headers): unhashable, as the frozen dataclass it replaces was in practice.
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PreparedRequest({self.operation} {self.method} {self.url}, {len(self.body)} bytes)"


def coerce_request(
    spec: OperationSpec, request: Shape | Mapping[str, Any] | None, kwargs: Mapping[str, Any]
) -> Shape | None:
    """The request model for a call: a model instance (re-validated), or built from keywords.

    Keyword values may be models or boto3-style dicts for nested members. Refused input raises
    :class:`ParamValidationError` naming the member, before anything is sent.
    """
    model = spec.input_model
    if model is None:
        if request is not None or kwargs:
            given = sorted(kwargs) if kwargs else [type(request).__name__]
            raise ParamValidationError(
                spec.name,
                [FieldProblem(k, "unknown", "this operation takes no input") for k in given],
            )
        return None
    if request is not None and kwargs:
        raise ParamValidationError(
            model.__name__,
            [
                FieldProblem(
                    "", "usage", "pass either a request model or keyword arguments, not both"
                )
            ],
        )
    if request is None:
        values = {k: v for k, v in kwargs.items() if v is not None}
        if not values and not _has_required(model):
            # Nothing to validate (``client.list_roles()``): skip building the validator.
            return model._complete({})
        return model.validated(values)
    if isinstance(request, model):
        return model.validated(request)
    if isinstance(request, Mapping):
        return model.validated(dict(request))
    raise ParamValidationError(
        model.__name__,
        [
            FieldProblem(
                "", "type", f"expected {model.__name__} or a mapping, got {type(request).__name__}"
            )
        ],
    )


_REQUIRED: dict[type[Shape], bool] = {}


def _has_required(model: type[Shape]) -> bool:
    found = _REQUIRED.get(model)
    if found is None:
        found = _REQUIRED[model] = any(f.is_required() for f in model.model_fields.values())
    return found


def build_request(
    spec: OperationSpec,
    request: Shape | None,
    *,
    endpoint_url: str,
    api_version: str,
    compression_min_bytes: int = DEFAULT_COMPRESSION_MIN_BYTES,
    disable_compression: bool = False,
    protocol: str = "query",
    target_prefix: str = "",
    json_version: str = "1.1",
) -> PreparedRequest:
    """The HTTP request for one call. awsQuery: ``Action``, ``Version``, then the members in
    model order, form-encoded. awsJson: the members as a JSON object, the operation named by
    ``X-Amz-Target: <target_prefix>.<Operation>``."""
    params: list[tuple[str, str]] = []
    if protocol == "json":
        from . import awsjson as _aj

        body = _aj.dumps(request.to_awsjson() if request is not None else {})
        headers = {
            "X-Amz-Target": _aj.target(target_prefix, spec.name),
            "Content-Type": _aj.content_type(json_version),
        }
    else:
        params = [("Action", spec.name), ("Version", api_version)]
        if request is not None:
            params.extend(request.to_query().items())
        body = encode_body(params)
        headers = {"Content-Type": CONTENT_TYPE}
    if spec.host_prefix:
        scheme, netloc, path, _query, _fragment = urlsplit(endpoint_url)
        prefix = spec.host_prefix
        for label, attr in spec.host_labels:
            value = getattr(request, attr, None) if request is not None else None
            if not isinstance(value, str) or not _HOST_LABEL.match(value):
                raise ParamValidationError(
                    spec.name,
                    [
                        FieldProblem(
                            label, "host_label", "must be a valid DNS label to prefix the host"
                        )
                    ],
                )
            prefix = prefix.replace("{" + label + "}", value)
        netloc = prefix + netloc
        url = urlunsplit((scheme, netloc, path.rstrip("/") + spec.request_uri, "", ""))
    else:
        url = _url(endpoint_url, spec.request_uri)
    if spec.request_compression and not disable_compression and len(body) >= compression_min_bytes:
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return PreparedRequest(spec.name, spec.http_method, url, headers, body, tuple(params))


@functools.lru_cache(maxsize=256)
def _url(endpoint_url: str, request_uri: str) -> str:
    scheme, netloc, path, _query, _fragment = urlsplit(endpoint_url)
    return urlunsplit((scheme, netloc, path.rstrip("/") + request_uri, "", ""))


def parse_response(
    spec: OperationSpec,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    decode_error: Any,
    *,
    protocol: str = "query",
) -> Shape | ServiceError:
    """A successful response's model, or the typed error; bad bodies raise ResponseParseError."""
    if status >= 300:
        err: ServiceError = decode_error(spec.name, status, body, headers)
        return err
    model = spec.output_model
    is_json = protocol == "json"
    try:
        if model is None:
            if not body.strip():
                return EmptyResponse._complete({})
            return EmptyResponse.of_awsjson(body) if is_json else EmptyResponse.of_xml(body)
        if not body.strip():
            # An output with no members may come back as an empty body (botocore reads it as
            # {}); for one with members an empty body is a broken response, not an empty result.
            if model._WIRE_NAMES:
                raise ResponseParseError("the response body is empty")
            return model._complete({})
        return model.of_awsjson(body) if is_json else model.of_xml(body)
    except ResponseParseError as exc:
        exc.operation = exc.operation or spec.name
        exc.status_code = status
        exc.raw = body
        if exc.request_id is None:
            exc.request_id = request_id_header(headers)
        raise
    except IamError:
        raise


def request_id_header(headers: Mapping[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() in ("x-amzn-requestid", "x-amz-request-id"):
            return value
    return None
