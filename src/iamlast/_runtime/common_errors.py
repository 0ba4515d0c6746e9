"""The errors every AWS query API can return, whatever the service: auth, throttling, clock skew,
malformed requests. Each class stands for its wire codes; :func:`common_by_code` is the table
the generated decoder starts from.

The codes are those of the AWS common-errors documentation, botocore's retry tables
(``retries/standard.py``: throttled and transient codes) and the clock-skew codes the AWS SDKs
share.
"""

from __future__ import annotations

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

    codes = ("AccessDenied", "AccessDeniedException")
    http_status = 403


class ThrottlingError(CommonServiceError):
    """The request rate was too high; retried automatically, with backoff, within the quota."""

    codes = (
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

    codes = ("ExpiredToken", "ExpiredTokenException")
    http_status = 400


class InvalidClientTokenIdError(CommonServiceError):
    """The access key id or security token in the request does not exist."""

    codes = ("InvalidClientTokenId",)
    http_status = 403


class UnrecognizedClientError(CommonServiceError):
    """The security token in the request is invalid."""

    codes = ("UnrecognizedClientException",)
    http_status = 403


class SignatureDoesNotMatchError(CommonServiceError):
    """The request signature does not match: wrong secret key, clock, region or body."""

    codes = ("SignatureDoesNotMatch",)
    http_status = 403


class InvalidSignatureError(CommonServiceError):
    """The request signature is not valid (the JSON protocols' SignatureDoesNotMatch)."""

    codes = ("InvalidSignatureException",)
    http_status = 403


class AuthFailureError(CommonServiceError):
    """The credentials could not be validated (the EC2-style auth error code)."""

    codes = ("AuthFailure",)
    http_status = 401


class NotAuthorizedError(CommonServiceError):
    """The caller does not have permission to perform this action."""

    codes = ("NotAuthorized",)
    http_status = 400


class IncompleteSignatureError(CommonServiceError):
    """The request signature is incomplete or malformed."""

    codes = ("IncompleteSignature",)
    http_status = 400


class MissingAuthenticationTokenError(CommonServiceError):
    """The request carried no credentials at all."""

    codes = ("MissingAuthenticationToken",)
    http_status = 403


class ClockSkewError(CommonServiceError):
    """The request's signing time is too far from the service's clock: check the system clock.

    The codes the AWS SDKs treat as clock skew, each with its class below (SignatureDoesNotMatch,
    which a wrong secret key gives too, keeps its own).
    """


class RequestExpiredError(ClockSkewError):
    """The request's date is too far from the service's clock (more than 5 minutes)."""

    codes = ("RequestExpired",)
    http_status = 400


class RequestTimeTooSkewedError(ClockSkewError):
    """The difference between the request time and the service's time is too large."""

    codes = ("RequestTimeTooSkewed",)
    http_status = 403


class RequestInTheFutureError(ClockSkewError):
    """The request is signed with a time in the future."""

    codes = ("RequestInTheFuture",)
    http_status = 403


class InternalFailureError(CommonServiceError):
    """The service failed for an unknown reason; retried automatically."""

    codes = ("InternalFailure", "InternalError", "InternalServerError")
    http_status = 500
    fault = "server"
    retryable = True


class ServiceUnavailableError(CommonServiceError):
    """The service is temporarily unavailable; retried automatically."""

    codes = ("ServiceUnavailable", "ServiceUnavailableException", "Unavailable")
    http_status = 503
    fault = "server"
    retryable = True


class RequestTimeoutError(CommonServiceError):
    """The service timed out reading the request; retried automatically."""

    codes = ("RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete")
    http_status = 408
    retryable = True


class InvalidActionError(CommonServiceError):
    """The action or operation is not valid for this endpoint."""

    codes = ("InvalidAction",)
    http_status = 400


class InvalidParameterValueError(CommonServiceError):
    """A parameter value is invalid or out of range."""

    codes = ("InvalidParameterValue",)
    http_status = 400


class InvalidParameterCombinationError(CommonServiceError):
    """Parameters that must not be used together were used together."""

    codes = ("InvalidParameterCombination",)
    http_status = 400


class InvalidQueryParameterError(CommonServiceError):
    """The query string is malformed or does not follow AWS standards."""

    codes = ("InvalidQueryParameter",)
    http_status = 400


class MalformedQueryStringError(CommonServiceError):
    """The query string contains a syntax error."""

    codes = ("MalformedQueryString",)
    http_status = 404


class MissingActionError(CommonServiceError):
    """The request is missing an action or a required parameter."""

    codes = ("MissingAction",)
    http_status = 400


class MissingParameterError(CommonServiceError):
    """A required parameter for the action is missing."""

    codes = ("MissingParameter",)
    http_status = 400


class OptInRequiredError(CommonServiceError):
    """The access key id needs a subscription for the service."""

    codes = ("OptInRequired",)
    http_status = 403


class ServiceValidationError(CommonServiceError):
    """The service rejected the input (wire code ``ValidationError``)."""

    codes = ("ValidationError",)
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
