"""Base classes of the generated models.

Two ways in: the constructor (and ``model_validate``) validates everything — types, required
members, the model's constraints — and is what requests use; ``of_xml`` / ``of_json`` on responses
build instances directly from values they already converted (:func:`new`), without validating
again, because a response is never rejected for breaking a request-side rule.

Requests are strict and responses keep what they do not know: a request-only shape (:class:`Shape`)
refuses an unknown member; a response-side shape (:class:`OpenShape`: outputs, errors and what
they nest) keeps the elements it does not know in ``model_extra`` (see :mod:`.extras`); a shape
both sides carry (:class:`SharedShape`, such as ``Tag``) refuses unknown members when it is built
from keywords or a mapping, and keeps those of an instance read from a response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any, ClassVar, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from . import extras as _extras
from . import json as _j
from .errors import ParamValidationError, ResponseParseError
from .validate import input_problems, to_param_error

__all__ = [
    "ErrorShape",
    "OpenShape",
    "OutputShape",
    "ResponseMetadata",
    "Shape",
    "SharedShape",
    "holds_shared",
    "new",
]

T = TypeVar("T")
_setattr = object.__setattr__
_MASK = "**********"


# The slot descriptors of BaseModel, called directly: the cheapest way to fill an instance.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_new_object = object.__new__


def new(cls: type[T], values: dict[str, Any], extra: dict[str, Any] | None = None) -> T:
    """Build a model instance from converted values, skipping validation (responses only).

    ``extra`` holds the members the model does not know (an :class:`OpenShape`'s readers always
    pass a dict, empty when there were none, as pydantic's own constructor leaves it).
    """
    obj = _new_object(cls)
    _set_dict(obj, values)
    # Every member counts as set (absent ones as None): cheaper than sorting out which were
    # present, and exclude_unset then keeps Nones rather than dropping anything.
    _set_fields(obj, set(values))
    _set_extra(obj, extra)
    _set_private(obj, None)
    return obj


class Shape(BaseModel):
    """A model shape. Attributes are snake_case; the wire names are their aliases."""

    model_config = ConfigDict(
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        defer_build=True,
        revalidate_instances="always",
        protected_namespaces=(),
        hide_input_in_errors=True,
        arbitrary_types_allowed=False,
        # blobs (a QR code PNG, a credential report) are not UTF-8: base64 in pydantic's JSON
        ser_json_bytes="base64",
    )

    #: Attribute names whose values never appear in repr (passwords, secret keys, ...).
    _SENSITIVE: ClassVar[frozenset[str]] = frozenset()
    #: True when the shape is reachable from an operation input: ``of_json`` then validates.
    _VALIDATE: ClassVar[bool] = False
    #: The element name of the result inside ``<OpResponse>`` (output shapes only).
    _XML_WRAPPER: ClassVar[str | None] = None
    #: The response document element (output shapes only): ``<OpResponse>``.
    _XML_RESPONSE: ClassVar[str | None] = None
    #: For an output several operations return: each one's response → result element.
    _XML_DOCUMENTS: ClassVar[dict[str, str]] = {}
    #: The service's XML namespace, written on documents.
    _XML_NAMESPACE: ClassVar[str | None] = None
    #: Wire names of the members, for ``of_json``'s unknown-key check.
    _WIRE_NAMES: ClassVar[frozenset[str]] = frozenset()
    #: Keeps the members it does not know (response-side shapes).
    _OPEN: ClassVar[bool] = False
    #: Names around the members that are not unknown members (``<Code>`` of an error, ...).
    _ENVELOPE: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, /, **data: Any) -> None:
        if self._VALIDATE:
            _refuse_lax_input(type(self), data)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise to_param_error(type(self).__name__, exc, type(self)) from None

    # This __init__ only translates the error: mark it as the base one so pydantic's
    # model_validate keeps validating directly instead of calling it (and wrapping our error).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def validated(cls, data: Mapping[str, Any] | Self) -> Self:
        """Validate a mapping (wire or attribute names) or re-validate an instance."""
        if cls._VALIDATE:
            _refuse_lax_input(cls, data)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise to_param_error(cls.__name__, exc, cls) from None

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        extra = self.__pydantic_extra__ or {}
        for name, value in super().__repr_args__():
            # A member the model does not know may be a secret it would mark sensitive.
            if (name in self._SENSITIVE or name in extra) and value is not None:
                yield name, _MASK
            else:
                yield name, value

    # The codecs, one definition for every model: the generated module of each one fills in
    # its member table (_FIELDS) and its wire readers and writers (functions it generates).

    #: Per member: (attribute, wire name, JSON codec, 1 for a required list, 2 for a required
    #: map, else 0), in model order.
    _FIELDS: ClassVar[tuple[tuple[str, str, _j.Codec, int], ...]] = ()
    #: The model's awsQuery XML reader (response side of awsQuery services).
    _XML_READ: ClassVar[Callable[[Any], Any] | None] = None
    #: Its awsQuery form writer ``(model, params, prefix)`` (request side).
    _QUERY_WRITE: ClassVar[Callable[[Any, dict[str, str], str], None] | None] = None
    #: Its awsJson object reader and writer (awsJson services).
    _AWSJSON_READ: ClassVar[Callable[[Any], Any] | None] = None
    _AWSJSON_WRITE: ClassVar[Callable[[Any], dict[str, Any]] | None] = None
    #: The outputs' ``ResponseMetadata`` (:class:`OutputShape`).
    _HAS_METADATA: ClassVar[bool] = False

    @classmethod
    def of_xml(cls, data: Any) -> Self:
        """Read the shape from an awsQuery response document (bytes or str) or an lxml element."""
        from . import xml as _x

        return _x.read(cls, data, cls._xml_reader())

    @classmethod
    def _of_xml_element(cls, el: Any) -> Self:
        result: Self = cls._xml_reader()(el)
        return result

    @classmethod
    def _xml_reader(cls) -> Callable[[Any], Any]:
        if cls._XML_READ is None:
            raise NotImplementedError(f"{cls.__name__} is not read from responses")
        return cls._XML_READ

    def to_query(self) -> dict[str, str]:
        """The awsQuery form parameters of this shape, in model order (no Action/Version)."""
        write = type(self)._QUERY_WRITE
        if write is None:
            raise NotImplementedError(f"{type(self).__name__} is not sent in awsQuery requests")
        q: dict[str, str] = {}
        write(self, q, "")
        return q

    @classmethod
    def of_awsjson(cls, data: Any) -> Self:
        """Read the shape from an awsJson response body (bytes, str or its parsed object)."""
        from . import awsjson as _aj

        return _aj.read(cls, data, cls._awsjson_reader())

    @classmethod
    def _of_awsjson_value(cls, d: Any) -> Self:
        result: Self = cls._awsjson_reader()(d)
        return result

    @classmethod
    def _awsjson_reader(cls) -> Callable[[Any], Any]:
        if cls._AWSJSON_READ is None:
            raise NotImplementedError(f"{cls.__name__} is not read from awsJson responses")
        return cls._AWSJSON_READ

    def to_awsjson(self) -> dict[str, Any]:
        """The awsJson request body's object (request shapes of awsJson services only)."""
        write = type(self)._AWSJSON_WRITE
        if write is None:
            raise NotImplementedError(f"{type(self).__name__} is not sent in awsJson requests")
        return write(self)

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> Self:
        """Read a boto3-style dict (PascalCase keys; datetimes, ISO strings or epoch numbers)."""
        return cls._of_json(data, cls._VALIDATE)

    @classmethod
    def _of_json(cls, data: Any, validate: bool) -> Self:
        if isinstance(data, cls):
            return data
        src = cls._json_mapping(data, cls.__name__)
        values: dict[str, Any] = {}
        wire = ""
        try:
            for attr, wire, codec, _ in cls._FIELDS:
                v = src.get(wire)
                if v is not None:
                    values[attr] = codec.read(v, validate)
            if cls._HAS_METADATA:
                wire = "ResponseMetadata"
                v = src.get(wire)
                if v is not None:
                    values["response_metadata"] = ResponseMetadata._of_json(v, False)
        except ValueError as exc:
            raise _j.failure(cls.__name__, wire, exc, validate) from None
        return cls._json_build(src, values, validate)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict with the wire names as keys and ISO 8601 ``Z`` timestamps."""
        d: dict[str, Any] = {}
        values = self.__dict__
        for attr, wire, codec, _ in self._FIELDS:
            v = values.get(attr)
            if v is not None:
                write = codec.write
                d[wire] = v if write is None else write(v)
        if self._HAS_METADATA:
            meta = getattr(self, "response_metadata", None)
            if meta is not None:
                d["ResponseMetadata"] = meta.to_json()
        if self._OPEN:
            ex = self.__pydantic_extra__
            if ex:
                d.update(_extras.to_json(ex))
        return d

    @classmethod
    def _json_build(cls, data: Any, values: dict[str, Any], validate: bool) -> Self:
        """Finish ``of_json``: validate (request side) or build directly (response side)."""
        if validate:
            unknown = set(data) - cls._WIRE_NAMES - set(cls.model_fields)
            if unknown:
                from .errors import FieldProblem

                raise ParamValidationError(
                    cls.__name__,
                    [FieldProblem(k, "unknown", "is not a member of this shape") for k in sorted(unknown)],
                )
            return cls.validated({k: v for k, v in values.items() if v is not None})
        extra = None
        # Every known member read adds one value: a longer mapping holds unknown keys (or Nones).
        if cls._OPEN and len(data) > len(values):
            extra = _extras.from_json(
                data, (cls._WIRE_NAMES, cls._ENVELOPE, frozenset(cls.__pydantic_fields__))
            )
        return cls._complete(values, extra)

    @classmethod
    def _complete(cls, values: dict[str, Any], extra: dict[str, Any] | None = None) -> Self:
        """Fill absent members (None; empty list/map for required collections) and build
        (with ``extra``, the members the model does not know, on an :class:`OpenShape`)."""
        full: dict[str, Any] = {}
        for attr, _, _, required in cls._FIELDS:
            v = values.get(attr)
            if required and not v:
                v = [] if required == 1 else {}
            full[attr] = v
        if cls._HAS_METADATA:
            full["response_metadata"] = values.get("response_metadata")
        # pydantic leaves an open model's extras {} when there are none; so do its readers
        return new(cls, full, ({} if extra is None else extra) if cls._OPEN else None)

    @staticmethod
    def _json_mapping(data: Any, shape: str) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise ValueError(f"{shape}: expected a mapping, got {type(data).__name__}")
        return data


class ResponseMetadata(Shape):
    """What the transport knows about a response: the request id, and from the client the HTTP
    status, headers and how many retries it took (as boto3's ``ResponseMetadata``)."""

    request_id: str | None = Field(default=None, alias="RequestId")
    http_status_code: int | None = Field(default=None, alias="HTTPStatusCode")
    http_headers: dict[str, str] | None = Field(default=None, alias="HTTPHeaders")
    retry_attempts: int | None = Field(default=None, alias="RetryAttempts")

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.request_id is not None:
            out["RequestId"] = self.request_id
        if self.http_status_code is not None:
            out["HTTPStatusCode"] = self.http_status_code
        if self.http_headers is not None:
            out["HTTPHeaders"] = dict(self.http_headers)
        if self.retry_attempts is not None:
            out["RetryAttempts"] = self.retry_attempts
        return out

    @classmethod
    def _of_json(cls, data: Any, validate: bool) -> Self:
        data = cls._json_mapping(data, "ResponseMetadata")
        headers = data.get("HTTPHeaders")
        return new(
            cls,
            {
                "request_id": data.get("RequestId"),
                "http_status_code": data.get("HTTPStatusCode"),
                "http_headers": dict(headers) if headers is not None else None,
                "retry_attempts": data.get("RetryAttempts"),
            },
        )


class OpenShape(Shape):
    """A shape responses carry: members the model does not know are kept in ``model_extra``.

    Built from keywords or a mapping it keeps unknown names too, as pydantic's ``extra="allow"``
    does (a test can build a response from a newer IAM than the model knows).
    """

    model_config = ConfigDict(extra="allow")
    _OPEN: ClassVar[bool] = True


def _unknown_members(cls: type[Shape], data: Mapping[Any, Any]) -> list[Any]:
    return [k for k in data if k not in cls._WIRE_NAMES and k not in cls.__pydantic_fields__]


#: True while a response-side model validates: the shared shapes inside it are response values.
_RESPONSE_SIDE: ContextVar[bool] = ContextVar("iamlast_response_side", default=False)


def _as_response(cls: type[Shape], data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
    if _RESPONSE_SIDE.get():
        return handler(data)
    token = _RESPONSE_SIDE.set(True)
    try:
        return handler(data)
    finally:
        _RESPONSE_SIDE.reset(token)


def holds_shared() -> Any:
    """The validator of a response-side shape that nests a :class:`SharedShape` (``Role`` holds
    ``Tag``): while it validates, e.g. ``model_validate(x.model_dump())``, the shared shapes in
    it keep unknown members as responses do, rather than refusing them as requests do."""
    return model_validator(mode="wrap")(_as_response)


class SharedShape(OpenShape):
    """A shape both requests and responses carry (``Tag``, ...).

    Built from keywords or a mapping it is a request value: an unknown member is refused by name,
    unless the mapping is part of a response model being validated (see :func:`holds_shared`).
    An instance read from a response keeps its unknown members, through re-validation too (a tag
    listed by IAM can be passed back to it; what the model does not know is not sent).
    """

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_unknown_members(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        if not isinstance(data, Mapping) or _RESPONSE_SIDE.get():
            return handler(data)
        unknown = _unknown_members(cls, data)
        if not unknown:
            return handler(data)
        problems: list[InitErrorDetails] = []
        try:
            handler({k: v for k, v in data.items() if k not in unknown})
        except ValidationError as exc:
            # The other problems too, as pydantic reports them all at once for request shapes.
            for e in exc.errors(include_url=False):
                problems.append(
                    {"type": PydanticCustomError(e["type"], e["msg"]), "loc": e["loc"], "input": e["input"]}
                )
        for k in unknown:
            problems.append({"type": "extra_forbidden", "loc": (k,), "input": data[k]})
        raise ValidationError.from_exception_data(cls.__name__, problems)


class OutputShape(OpenShape):
    """An operation's output: carries ``response_metadata`` (request id and transport facts)."""

    _ENVELOPE: ClassVar[frozenset[str]] = frozenset({"ResponseMetadata"})
    _HAS_METADATA: ClassVar[bool] = True

    response_metadata: ResponseMetadata | None = Field(default=None, alias="ResponseMetadata")

    @classmethod
    def _metadata(cls, request_id: str | None) -> ResponseMetadata | None:
        if request_id is None:
            return None
        meta: ResponseMetadata = new(
            ResponseMetadata,
            {"request_id": request_id, "http_status_code": None, "http_headers": None, "retry_attempts": None},
        )
        return meta


class ErrorShape(OpenShape):
    """The members of a modelled error (read from the ``<Error>`` element)."""

    #: ``<Error>``'s own children, read by the error decoder (and Message by the shape if it
    #: has that member); the rest are members, known or not.
    _ENVELOPE: ClassVar[frozenset[str]] = frozenset({"Type", "Code", "Message", "RequestId"})

    _ERROR_CODE: ClassVar[str] = ""
    _SENDER_FAULT: ClassVar[bool] = True
    #: The attribute holding ``<Message>`` (written by the document writer, not the members).
    _MESSAGE_ATTR: ClassVar[str | None] = None

    @classmethod
    def of_xml(cls, data: Any) -> Self:
        """Read the error from an ``<ErrorResponse>`` document (bytes or str) or its ``<Error>``."""
        from . import xml as _x

        return _x.read_error(cls, data, cls._xml_reader())


def _refuse_lax_input(cls: type[Shape], data: Mapping[str, Any] | Shape) -> None:
    # Request side only (_VALIDATE): what pydantic would coerce silently, refused by name.
    problems = input_problems(cls, data)
    if problems:
        raise ParamValidationError(cls.__name__, problems)


def parse_failure(shape: str, exc: Exception) -> ResponseParseError:
    """A conversion failure while reading a response, as a typed error."""
    if isinstance(exc, ResponseParseError):
        return exc
    return ResponseParseError(f"{shape}: {exc}")
