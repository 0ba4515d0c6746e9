"""The errors every AWS query API can return, whatever the service: auth, throttling, clock skew,
malformed requests. Each class stands for its wire codes; :func:`common_by_code` is the table
the generated decoder starts from.

The codes are those of the AWS common-errors documentation, botocore's retry tables
(``retries/standard.py``: throttled and transient codes) and the clock-skew codes the AWS SDKs
share.
"""

from __future__ import annotations

from typing import ClassVar

from .service_errors import ServiceError

__all__ = [
    "COMMON_ERRORS",
    "AccessDeniedError",
    "AuthFailureError",
    "ClockSkewError",
    "CommonServiceError",
    "ExpiredTokenError",
    "IncompleteSignatureError",
    "InternalFailureError",
    "InvalidActionError",
    "InvalidClientTokenIdError",
    "InvalidParameterCombinationError",
    "InvalidParameterValueError",
    "InvalidQueryParameterError",
    "InvalidSignatureError",
    "MalformedQueryStringError",
    "MissingActionError",
    "MissingAuthenticationTokenError",
    "MissingParameterError",
    "NotAuthorizedError",
    "OptInRequiredError",
    "RequestExpiredError",
    "RequestInTheFutureError",
    "RequestTimeTooSkewedError",
    "RequestTimeoutError",
    "ServiceUnavailableError",
    "ServiceValidationError",
    "SignatureDoesNotMatchError",
    "ThrottlingError",
    "UnrecognizedClientError",
    "common_by_code",
]


class CommonServiceError(ServiceError):
    """Base of the errors every AWS query API can return (auth, throttling, malformed requests)."""


class AccessDeniedError(CommonServiceError):
    """The caller is not allowed to make this request."""

    codes: ClassVar[tuple[str, ...]] = ("AccessDenied", "AccessDeniedException")
    http_status = 403


class ThrottlingError(CommonServiceError):
    """The request rate was too high; retried automatically, with backoff, within the quota."""

    codes: ClassVar[tuple[str, ...]] = (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "LimitExceededException",
    )
    http_status = 400
    retryable = True
    throttling = True


class ExpiredTokenError(CommonServiceError):
    """The session token in the request has expired."""

    codes: ClassVar[tuple[str, ...]] = ("ExpiredToken", "ExpiredTokenException")
    http_status = 400


class InvalidClientTokenIdError(CommonServiceError):
    """The access key id or security token in the request does not exist."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidClientTokenId",)
    http_status = 403


class UnrecognizedClientError(CommonServiceError):
    """The security token in the request is invalid."""

    codes: ClassVar[tuple[str, ...]] = ("UnrecognizedClientException",)
    http_status = 403


class SignatureDoesNotMatchError(CommonServiceError):
    """The request signature does not match: wrong secret key, clock, region or body."""

    codes: ClassVar[tuple[str, ...]] = ("SignatureDoesNotMatch",)
    http_status = 403


class InvalidSignatureError(CommonServiceError):
    """The request signature is not valid (the JSON protocols' SignatureDoesNotMatch)."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidSignatureException",)
    http_status = 403


class AuthFailureError(CommonServiceError):
    """The credentials could not be validated (the EC2-style auth error code)."""

    codes: ClassVar[tuple[str, ...]] = ("AuthFailure",)
    http_status = 401


class NotAuthorizedError(CommonServiceError):
    """The caller does not have permission to perform this action."""

    codes: ClassVar[tuple[str, ...]] = ("NotAuthorized",)
    http_status = 400


class IncompleteSignatureError(CommonServiceError):
    """The request signature is incomplete or malformed."""

    codes: ClassVar[tuple[str, ...]] = ("IncompleteSignature",)
    http_status = 400


class MissingAuthenticationTokenError(CommonServiceError):
    """The request carried no credentials at all."""

    codes: ClassVar[tuple[str, ...]] = ("MissingAuthenticationToken",)
    http_status = 403


class ClockSkewError(CommonServiceError):
    """The request's signing time is too far from the service's clock: check the system clock.

    The codes the AWS SDKs treat as clock skew, each with its class below (SignatureDoesNotMatch,
    which a wrong secret key gives too, keeps its own).
    """


class RequestExpiredError(ClockSkewError):
    """The request's date is too far from the service's clock (more than 5 minutes)."""

    codes: ClassVar[tuple[str, ...]] = ("RequestExpired",)
    http_status = 400


class RequestTimeTooSkewedError(ClockSkewError):
    """The difference between the request time and the service's time is too large."""

    codes: ClassVar[tuple[str, ...]] = ("RequestTimeTooSkewed",)
    http_status = 403


class RequestInTheFutureError(ClockSkewError):
    """The request is signed with a time in the future."""

    codes: ClassVar[tuple[str, ...]] = ("RequestInTheFuture",)
    http_status = 403


class InternalFailureError(CommonServiceError):
    """The service failed for an unknown reason; retried automatically."""

    codes: ClassVar[tuple[str, ...]] = ("InternalFailure", "InternalError", "InternalServerError")
    http_status = 500
    fault = "server"
    retryable = True


class ServiceUnavailableError(CommonServiceError):
    """The service is temporarily unavailable; retried automatically."""

    codes: ClassVar[tuple[str, ...]] = ("ServiceUnavailable", "ServiceUnavailableException", "Unavailable")
    http_status = 503
    fault = "server"
    retryable = True


class RequestTimeoutError(CommonServiceError):
    """The service timed out reading the request; retried automatically."""

    codes: ClassVar[tuple[str, ...]] = ("RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete")
    http_status = 408
    retryable = True


class InvalidActionError(CommonServiceError):
    """The action or operation is not valid for this endpoint."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidAction",)
    http_status = 400


class InvalidParameterValueError(CommonServiceError):
    """A parameter value is invalid or out of range."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidParameterValue",)
    http_status = 400


class InvalidParameterCombinationError(CommonServiceError):
    """Parameters that must not be used together were used together."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidParameterCombination",)
    http_status = 400


class InvalidQueryParameterError(CommonServiceError):
    """The query string is malformed or does not follow AWS standards."""

    codes: ClassVar[tuple[str, ...]] = ("InvalidQueryParameter",)
    http_status = 400


class MalformedQueryStringError(CommonServiceError):
    """The query string contains a syntax error."""

    codes: ClassVar[tuple[str, ...]] = ("MalformedQueryString",)
    http_status = 404


class MissingActionError(CommonServiceError):
    """The request is missing an action or a required parameter."""

    codes: ClassVar[tuple[str, ...]] = ("MissingAction",)
    http_status = 400


class MissingParameterError(CommonServiceError):
    """A required parameter for the action is missing."""

    codes: ClassVar[tuple[str, ...]] = ("MissingParameter",)
    http_status = 400


class OptInRequiredError(CommonServiceError):
    """The access key id needs a subscription for the service."""

    codes: ClassVar[tuple[str, ...]] = ("OptInRequired",)
    http_status = 403


class ServiceValidationError(CommonServiceError):
    """The service rejected the input (wire code ``ValidationError``)."""

    codes: ClassVar[tuple[str, ...]] = ("ValidationError",)
    http_status = 400


COMMON_ERRORS: tuple[type[CommonServiceError], ...] = (
    AccessDeniedError,
    ThrottlingError,
    ExpiredTokenError,
    InvalidClientTokenIdError,
    UnrecognizedClientError,
    SignatureDoesNotMatchError,
    IncompleteSignatureError,
    MissingAuthenticationTokenError,
    InvalidSignatureError,
    AuthFailureError,
    NotAuthorizedError,
    RequestExpiredError,
    RequestTimeTooSkewedError,
    RequestInTheFutureError,
    InternalFailureError,
    ServiceUnavailableError,
    RequestTimeoutError,
    InvalidActionError,
    InvalidParameterValueError,
    InvalidParameterCombinationError,
    InvalidQueryParameterError,
    MalformedQueryStringError,
    MissingActionError,
    MissingParameterError,
    OptInRequiredError,
    ServiceValidationError,
)


def common_by_code() -> dict[str, type[ServiceError]]:
    """Wire code → common error class."""
    table: dict[str, type[ServiceError]] = {}
    for cls in COMMON_ERRORS:
        for code in cls.codes:
            table.setdefault(code, cls)
    return table
