"""The one request lifecycle, without I/O: build a request, classify its response.

Both clients call these functions; only sending and sleeping differ between them.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from .deadline import DeadlineExceededError
from .errors import (
    FieldProblem,
    IamError,
    ParamValidationError,
    ResponseParseError,
    ServiceError,
    TransportError,
)
from .query import encode_body
from .ratelimit import TokenBucket, active_limiter
from .raw import RawResponse
from .retry import (
    AdaptiveRateLimiter,
    RetryDecision,
    RetryKind,
    RetryPolicy,
    RetryQuota,
    RetryState,
    TransportErrorKind,
    classify,
    decide,
    parse_retry_after,
)
from .shape import OutputShape, ResponseMetadata, Shape, new
from .signing import Credentials, sign_request

_log = logging.getLogger("iamlast")

if TYPE_CHECKING:
    from .registry import OperationSpec

__all__ = [
    "DEFAULT_COMPRESSION_MIN_BYTES",
    "Call",
    "ClientState",
    "EmptyResponse",
    "PreparedRequest",
    "Step",
    "build_request",
    "coerce_request",
    "parse_response",
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
            if tag != "ResponseMetadata" and (len(child) or child.text or not tag.endswith("Result")):
                _extras.keep(extra, child)
        return new(cls, {"response_metadata": cls._metadata(rid)}, extra)

    def to_json(self) -> dict[str, Any]:
        from . import extras as _extras

        out: dict[str, Any] = {}
        if self.response_metadata is not None:
            out["ResponseMetadata"] = self.response_metadata.to_json()
        if self.__pydantic_extra__:
            out.update(_extras.to_json(self.__pydantic_extra__))
        return out

    @classmethod
    def _complete(cls, values: dict[str, Any], extra: dict[str, Any] | None = None) -> EmptyResponse:
        return new(
            cls, {"response_metadata": values.get("response_metadata")}, {} if extra is None else extra
        )


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """An unsigned HTTP request, ready to sign and send."""

    operation: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    #: The form parameters before encoding (for logging with secrets masked).
    params: tuple[tuple[str, str], ...] = field(default=(), repr=False)

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
) -> PreparedRequest:
    """The HTTP request for one call: ``Action``, ``Version``, then the members in model order."""
    params: list[tuple[str, str]] = [("Action", spec.name), ("Version", api_version)]
    if request is not None:
        params.extend(request.to_query().items())
    body = encode_body(params)
    scheme, netloc, path, _query, _fragment = urlsplit(endpoint_url)
    if spec.host_prefix:
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
    headers = {"Content-Type": CONTENT_TYPE}
    if spec.request_compression and not disable_compression and len(body) >= compression_min_bytes:
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
    return PreparedRequest(spec.name, spec.http_method, url, headers, body, tuple(params))


def parse_response(
    spec: OperationSpec,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    decode_error: Any,
) -> Shape | ServiceError:
    """A successful response's model, or the typed error; bad bodies raise ResponseParseError."""
    if status >= 300:
        err: ServiceError = decode_error(spec.name, status, body, headers)
        return err
    model = spec.output_model
    try:
        if model is None:
            if not body.strip():
                return EmptyResponse._complete({})
            return EmptyResponse.of_xml(body)
        if not body.strip():
            # An output with no members may come back as an empty body (botocore reads it as
            # {}); for one with members an empty body is a broken response, not an empty result.
            if model._WIRE_NAMES:
                raise ResponseParseError("the response body is empty")
            return model._complete({})
        return model.of_xml(body)
    except ResponseParseError as exc:
        exc.operation = exc.operation or spec.name
        exc.status_code = status
        exc.raw = body
        if exc.request_id is None:
            exc.request_id = _request_id_header(headers)
        raise
    except IamError:
        raise


def _request_id_header(headers: Mapping[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() in ("x-amzn-requestid", "x-amz-request-id"):
            return value
    return None


# --------------------------------------------------------------------------- the lifecycle


@dataclass
class ClientState:
    """What every call of one client shares: where to send, how to retry, how to decode."""

    endpoint_url: str
    signing_region: str
    api_version: str
    decode_error: Any
    policy: RetryPolicy
    quota: RetryQuota
    limiter: AdaptiveRateLimiter | None = None
    rate_limiter: TokenBucket | None = None
    compression_min_bytes: int = DEFAULT_COMPRESSION_MIN_BYTES
    disable_compression: bool = False
    max_response_bytes: int = 32 * 1024 * 1024
    service: str = "iam"


@dataclass
class Step:
    """What the client does next: sleep ``delay`` and send again, or finish with a value/error."""

    retry: bool
    delay: float = 0.0
    value: Any = None
    error: BaseException | None = None

    def outcome(self) -> Any:
        """The call's result; raises the error when it failed."""
        if self.error is not None:
            raise self.error
        return self.value


class Call:
    """One call's life: the prepared request, its attempts, and every decision about them.

    The clients loop ``before_send`` → sign → send → ``on_response`` / ``on_transport_error``
    until a step says stop; they only perform the I/O and the sleeping.
    """

    def __init__(
        self,
        state: ClientState,
        spec: OperationSpec,
        request: Shape | None,
        *,
        raw: bool = False,
        deadline: float | None = None,
    ) -> None:
        self.state = state
        #: When set (``time.monotonic``), the call ends by then: see :mod:`.deadline`.
        self.deadline = deadline
        self.spec = spec
        self.raw = raw
        self.prepared = build_request(
            spec,
            request,
            endpoint_url=state.endpoint_url,
            api_version=state.api_version,
            compression_min_bytes=state.compression_min_bytes,
            disable_compression=state.disable_compression,
        )
        self.retry = RetryState()
        self._modelled = {code for cls in _error_classes(spec) for code in cls.codes}
        self._started = 0.0
        self._last_error: BaseException | None = None

    def before_send(self, now: float) -> float:
        """Seconds to wait before this attempt: a shared rate limit (``max_rate``, a scan's
        ``rate_limit``) and the adaptive limiter's pacing."""
        self._started = now
        wait = 0.0
        for bucket in (self.state.rate_limiter, active_limiter.get()):
            if bucket is not None:
                wait = max(wait, bucket.reserve(now))
        limiter = self.state.limiter
        if limiter is not None:
            wait = max(wait, limiter.acquire(now + wait))
        if self.deadline is not None and now + wait >= self.deadline:
            if self.retry.attempts > 1 and self.retry.last_retry_cost is not None:
                # The retry granted after the last failure is not made: its tokens go back.
                self.state.quota.release(self.retry.last_retry_cost)
            raise self._out_of_time(self._last_error, self.retry.attempts - 1)
        return wait

    def attempt_timeout(self, now: float) -> float | None:
        """The most this attempt's socket operations may wait: what is left before the
        deadline (None without one, when the client's own timeouts apply)."""
        if self.deadline is None:
            return None
        left = self.deadline - now
        if left <= 0:
            raise self._out_of_time(self._last_error, self.retry.attempts - 1)
        return left

    def _out_of_time(self, last_error: BaseException | None, sent: int) -> DeadlineExceededError:
        return DeadlineExceededError(self.spec.name, attempts=sent, last_error=last_error)

    def _until_deadline(self, delay: float, now: float) -> float:
        """A retry's backoff, never sleeping past the deadline (``before_send`` then ends the
        call instead of sending)."""
        if self.deadline is None:
            return delay
        return max(0.0, min(delay, self.deadline - now))

    def headers(self, credentials: Credentials) -> dict[str, str]:
        """The signed headers for this attempt (signed anew each attempt: the date moves)."""
        return sign_request(
            method=self.prepared.method,
            url=self.prepared.url,
            headers=self.prepared.headers,
            body=self.prepared.body,
            credentials=credentials,
            region=self.state.signing_region,
            service=self.state.service,
        )

    def on_response(self, status: int, headers: Mapping[str, str], body: bytes, now: float) -> Step:
        """Decide on an HTTP response: the result, a retry, or the typed error."""
        elapsed = now - self._started
        request_id = _request_id_header(headers)
        if status < 300:
            self.state.quota.record_success(self.retry)
            self._feedback(now, throttled=False)
            _log.debug(
                "%s attempt %d: HTTP %d, %d bytes in %.1f ms (request id %s)",
                self.spec.name,
                self.retry.attempts,
                status,
                len(body),
                elapsed * 1000,
                request_id,
            )
            if self.raw:
                return Step(False, value=self._raw(status, headers, body, request_id, elapsed))
            try:
                return Step(False, value=self._parse_success(status, headers, body))
            except ResponseParseError as exc:
                exc.attempts = self.retry.attempts
                return Step(False, error=exc)
        error = self.state.decode_error(self.spec.name, status, body, headers)
        kind = classify(
            status=status,
            code=error.code,
            transport_error=None,
            modeled=error.code in self._modelled,
        )
        self._feedback(now, throttled=kind is RetryKind.THROTTLING)
        decision = decide(
            self.state.policy,
            self.state.quota,
            self.retry,
            kind,
            retry_after=parse_retry_after(_header(headers, "x-amz-retry-after")),
        )
        _log.debug(
            "%s attempt %d: HTTP %d %s (request id %s) in %.1f ms; %s",
            self.spec.name,
            self.retry.attempts - (1 if decision.retry else 0),
            status,
            error.code,
            error.request_id,
            elapsed * 1000,
            _decision_text(decision),
        )
        if decision.retry:
            self._last_error = error
            return Step(True, delay=self._until_deadline(decision.delay, now))
        error.attempts = self.retry.attempts
        if self.raw:
            return Step(False, value=self._raw(status, headers, body, error.request_id, elapsed))
        return Step(False, error=error)

    def on_transport_error(self, kind: TransportErrorKind, message: str, now: float) -> Step:
        """Decide on an attempt that got no response (connection, timeout, broken body)."""
        retry_kind = classify(status=None, code=None, transport_error=kind)
        self._feedback(now, throttled=False)
        decision = decide(self.state.policy, self.state.quota, self.retry, retry_kind)
        _log.debug(
            "%s attempt %d: %s (%s); %s",
            self.spec.name,
            self.retry.attempts - (1 if decision.retry else 0),
            kind.value,
            message,
            _decision_text(decision),
        )
        attempts = self.retry.attempts - (1 if decision.retry else 0)
        error = TransportError(
            f"{self.spec.name}: {kind.value}: {message}",
            kind=kind.value,
            operation=self.spec.name,
            attempts=attempts,
        )
        if self.deadline is not None and now >= self.deadline:
            # The attempt's timeouts were cut to the deadline: running out of time is the
            # failure, not the transport.
            if decision.retry and self.retry.last_retry_cost is not None:
                self.state.quota.release(self.retry.last_retry_cost)
            return Step(False, error=self._out_of_time(error, attempts))
        if decision.retry:
            self._last_error = error
            return Step(True, delay=self._until_deadline(decision.delay, now))
        return Step(False, error=error)

    def oversize(self, size: int | None) -> ResponseParseError:
        """The error for a response body over the size limit (read no further)."""
        limit = self.state.max_response_bytes
        shown = f"{size} bytes" if size is not None else "more bytes"
        return ResponseParseError(
            f"response body of {shown} exceeds the {limit}-byte limit; not read",
            operation=self.spec.name,
        )

    def _feedback(self, now: float, *, throttled: bool) -> None:
        if self.state.limiter is not None:
            self.state.limiter.on_response(now, throttled)

    def _parse_success(self, status: int, headers: Mapping[str, str], body: bytes) -> Any:
        result = parse_response(self.spec, status, headers, body, self.state.decode_error)
        if isinstance(result, OutputShape):
            meta = result.response_metadata
            rid = meta.request_id if meta is not None else None
            result.__dict__["response_metadata"] = new(
                ResponseMetadata,
                {
                    "request_id": rid or _request_id_header(headers),
                    "http_status_code": status,
                    "http_headers": {k.lower(): v for k, v in headers.items()},
                    "retry_attempts": self.retry.attempts - 1,
                },
            )
            result.__pydantic_fields_set__.add("response_metadata")
        return result

    def _raw(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        request_id: str | None,
        elapsed: float,
    ) -> RawResponse[Any]:
        def parse() -> Any:
            if status >= 300:
                error = self.state.decode_error(self.spec.name, status, body, headers)
                error.attempts = self.retry.attempts
                raise error
            return self._parse_success(status, headers, body)

        return RawResponse(
            operation=self.spec.name,
            status_code=status,
            headers=dict(headers),
            content=body,
            request_id=request_id,
            attempts=self.retry.attempts,
            elapsed=elapsed,
            _parse=parse,
        )


def _error_classes(spec: OperationSpec) -> tuple[type[ServiceError], ...]:
    try:
        return spec.error_classes
    except (ImportError, AttributeError):
        return ()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _decision_text(decision: RetryDecision) -> str:
    if decision.retry:
        return f"retrying in {decision.delay:.3f} s ({decision.reason})"
    return f"not retrying ({decision.reason})"
