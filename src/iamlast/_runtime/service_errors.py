"""Errors the service sent, and the one function that turns an error response into one.

:class:`ServiceError` subclasses are chosen by the wire code (``<Code>NoSuchEntity</Code>``),
never by the model's shape name: the generated classes register their codes, the AWS common
errors live in :mod:`.common_errors`, and any other code becomes :class:`UnknownServiceError`,
keeping the code and the raw body.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .base_errors import IamError, ResponseParseError

if TYPE_CHECKING:
    from .shape import Shape

__all__ = [
    "Fault",
    "ServiceError",
    "UnknownServiceError",
    "decode_service_error",
    "type_name_code",
]

Fault = Literal["client", "server"]


class ServiceError(IamError):
    """An error response from the service.

    ``code`` is the wire code, ``type`` the ``<Type>`` (Sender/Receiver), ``details`` the parsed
    error shape when the model defines extra members, ``raw`` the body as received.
    """

    #: The wire codes this class stands for (first one is the canonical code).
    codes: ClassVar[tuple[str, ...]] = ()
    #: The model's shape for this error, loaded lazily by name (generated classes set it).
    shape_name: ClassVar[str | None] = None
    #: The HTTP status the model documents for this error.
    http_status: ClassVar[int | None] = None
    fault: ClassVar[Fault] = "client"
    #: Safe to send the same request again after a while.
    retryable: ClassVar[bool] = False
    #: The service asked us to slow down.
    throttling: ClassVar[bool] = False
    _shape_loader: ClassVar[Any] = None

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        type: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        raw: bytes = b"",
        details: Shape | None = None,
        operation: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.message = message
        self.code = code or (self.codes[0] if self.codes else type_name_code(self))
        self.type = type or ("Receiver" if self.fault == "server" else "Sender")
        self.status_code = status_code if status_code is not None else self.http_status
        self.request_id = request_id
        self.raw = raw
        self.details = details
        self.operation = operation
        self.attempts = attempts
        super().__init__(message)

    def __str__(self) -> str:
        head = f"{self.code}"
        if self.status_code is not None:
            head += f" (HTTP {self.status_code})"
        text = f"{head}: {self.message}" if self.message else head
        extras = []
        if self.operation:
            extras.append(f"operation {self.operation}")
        if self.request_id:
            extras.append(f"request id {self.request_id}")
        if self.attempts > 1:
            extras.append(f"after {self.attempts} attempts")
        return f"{text} [{'; '.join(extras)}]" if extras else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, "
            f"status_code={self.status_code!r}, request_id={self.request_id!r})"
        )

    # -- JSON (boto3's error response shape, so a failed call can be logged and replayed)

    def to_json(self) -> dict[str, Any]:
        """A JSON-safe dict in boto3's error-response form, plus the operation and raw body."""
        error: dict[str, Any] = {"Code": self.code, "Message": self.message, "Type": self.type}
        details = self.details.to_json() if self.details is not None else None
        if details is not None:
            # boto3 puts the modelled members next to Code and Message...
            for key, value in details.items():
                error.setdefault(key, value)
        out: dict[str, Any] = {"Error": error, "ResponseMetadata": {}}
        if details is not None:
            # ...and we keep the parsed shape as it was, so of_json rebuilds it exactly.
            out["Details"] = details
        meta = out["ResponseMetadata"]
        if self.request_id is not None:
            meta["RequestId"] = self.request_id
        if self.status_code is not None:
            meta["HTTPStatusCode"] = self.status_code
        if self.operation is not None:
            out["Operation"] = self.operation
        if self.attempts != 1:
            out["Attempts"] = self.attempts
        if self.raw:
            try:
                out["Raw"] = self.raw.decode("utf-8")
            except UnicodeDecodeError:
                out["RawBase64"] = base64.b64encode(self.raw).decode("ascii")
        return out

    @classmethod
    def of_json(cls, data: Mapping[str, Any]) -> ServiceError:
        """Rebuild an error from :meth:`to_json` output (or a boto3 ``ClientError.response``).

        Called on a concrete class it builds that class; on ``ServiceError`` it picks the class
        by the code, from IAM's generated errors and the common ones.
        """
        error = data.get("Error") or {}
        code = str(error.get("Code") or "")
        target: type[ServiceError] = cls
        if cls._is_dispatcher():
            from .common_errors import common_by_code

            target = _REGISTERED_CODES.get(code) or common_by_code().get(code, UnknownServiceError)
        return target._from_parts(data, error, code)

    @classmethod
    def _is_dispatcher(cls) -> bool:
        return cls is ServiceError

    @classmethod
    def _from_parts(
        cls, data: Mapping[str, Any], error: Mapping[str, Any], code: str
    ) -> ServiceError:
        meta = data.get("ResponseMetadata") or {}
        raw = b""
        if isinstance(data.get("Raw"), str):
            raw = data["Raw"].encode("utf-8")
        elif isinstance(data.get("RawBase64"), str):
            try:
                raw = base64.b64decode(data["RawBase64"])
            except (binascii.Error, ValueError):
                raw = b""
        details = None
        shape = cls.details_shape()
        if shape is not None:
            if isinstance(data.get("Details"), Mapping):
                details = shape.of_json(data["Details"])
            else:  # a boto3 ClientError.response: the members sit in "Error"
                extra = {k: v for k, v in error.items() if k not in ("Code", "Type")}
                if extra:
                    details = shape.of_json(extra)
        status = meta.get("HTTPStatusCode")
        return cls(
            str(error.get("Message") or ""),
            code=code or None,
            type=error.get("Type"),
            status_code=int(status) if status is not None else None,
            request_id=meta.get("RequestId"),
            raw=raw,
            details=details,
            operation=data.get("Operation"),
            attempts=int(data.get("Attempts", 1)),
        )

    @classmethod
    def details_shape(cls) -> type[Shape] | None:
        """The generated model of this error's members, if the model defines one."""
        if cls.shape_name is None or cls._shape_loader is None:
            return None
        loaded: type[Shape] = cls._shape_loader(cls.shape_name)
        return loaded


#: Wire code → class for ``ServiceError.of_json``: each generated service adds its codes when it
#: is imported (the runtime never imports generated code).
_REGISTERED_CODES: dict[str, type[ServiceError]] = {}


def register_codes(by_code: Mapping[str, type[ServiceError]]) -> None:
    """Add a service's wire codes for ``ServiceError.of_json`` (a code registered first wins)."""
    for code, cls in by_code.items():
        _REGISTERED_CODES.setdefault(code, cls)


def type_name_code(err: ServiceError) -> str:
    """Fallback code for a bare instance: the class name without its ``Error`` suffix."""
    name = type(err).__name__
    return name[:-5] if name.endswith("Error") and len(name) > 5 else name


class UnknownServiceError(ServiceError):
    """An error code neither the model nor the AWS common errors define; code and body are kept."""

    @classmethod
    def _is_dispatcher(cls) -> bool:
        return False


# --------------------------------------------------------------------------- decoding


def decode_service_error(
    *,
    operation: str | None,
    status: int,
    body: bytes | str,
    headers: Mapping[str, str] | None,
    by_code: Mapping[str, type[ServiceError]],
    operation_codes: Mapping[str, type[ServiceError]] | None = None,
) -> ServiceError:
    """Turn an error response into the matching :class:`ServiceError`; never raises.

    The class comes from the wire code: the operation's modelled errors first, then the
    service's (botocore maps codes service-wide, and so do we), then the common errors; anything
    else is :class:`UnknownServiceError`. A body that is not an ``ErrorResponse`` document still
    gives an :class:`UnknownServiceError` whose code is the HTTP status, as botocore does.
    """
    from . import xml as _x

    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    header_rid = _header(headers, "x-amzn-requestid") or _header(headers, "x-amz-request-id")
    try:
        root = _x.parse(raw)
    except ResponseParseError:
        root = None
    found = _x.find_error(root) if root is not None else None
    if found is None:
        return UnknownServiceError(
            _reason(status),
            code=str(status),
            type="Receiver" if status >= 500 else "Sender",
            status_code=status,
            request_id=header_rid or (_x.find_request_id(root) if root is not None else None),
            raw=raw,
            operation=operation,
        )
    error_el, code, err_type, message, request_id = found
    cls: type[ServiceError] | None = None
    if operation_codes is not None:
        cls = operation_codes.get(code)
    if cls is None:
        cls = by_code.get(code)
    if cls is None:
        cls = UnknownServiceError
    details: Shape | None = None
    shape = cls.details_shape()
    if shape is not None:
        try:
            details = shape.of_xml(error_el)
        except IamError:
            details = None
    return cls(
        message,
        code=code,
        type=err_type,
        status_code=status,
        request_id=request_id or header_rid,
        raw=raw,
        details=details,
        operation=operation,
    )


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
