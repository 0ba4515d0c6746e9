"""Every exception iamlast raises, rooted at :class:`IamError`.

- :class:`ParamValidationError`: a request refused before sending (names the member and rule).
- :class:`ServiceError`: the service answered with an error; ``code``, ``message``, ``type``,
  ``status_code``, ``request_id``, ``raw``. One subclass per modelled error, matched by the wire
  code (``NoSuchEntity`` → :class:`NoSuchEntityError`); the AWS common errors
  (:class:`ThrottlingError`, :class:`AccessDeniedError`, …) under :class:`CommonServiceError`;
  :class:`UnknownServiceError` for anything else.
- Per operation, a union for ``match``: ``GenerateServiceLastAccessedDetailsError``.
- :func:`decode_error` turns any error response (XML or not) into one of these; never raises.
"""

from __future__ import annotations

from ._generated.errors import *  # noqa: F403
from ._generated.errors import __all__ as _generated_all
from ._runtime.errors import (
    COMMON_ERRORS,
    AccessDeniedError,
    CommonServiceError,
    ConfigurationError,
    ExpiredTokenError,
    FieldProblem,
    IamError,
    IncompleteSignatureError,
    InternalFailureError,
    InvalidActionError,
    InvalidClientTokenIdError,
    InvalidParameterCombinationError,
    InvalidParameterValueError,
    InvalidQueryParameterError,
    MalformedQueryStringError,
    MissingActionError,
    MissingAuthenticationTokenError,
    MissingParameterError,
    NoCredentialsError,
    OptInRequiredError,
    PaginationError,
    ParamValidationError,
    RequestExpiredError,
    RequestTimeoutError,
    ResponseParseError,
    ServiceError,
    ServiceUnavailableError,
    ServiceValidationError,
    SignatureDoesNotMatchError,
    ThrottlingError,
    TransportError,
    UnknownServiceError,
    UnrecognizedClientError,
)

__all__ = [
    "COMMON_ERRORS",
    "AccessDeniedError",
    "CommonServiceError",
    "ConfigurationError",
    "ExpiredTokenError",
    "FieldProblem",
    "IamError",
    "IncompleteSignatureError",
    "InternalFailureError",
    "InvalidActionError",
    "InvalidClientTokenIdError",
    "InvalidParameterCombinationError",
    "InvalidParameterValueError",
    "InvalidQueryParameterError",
    "MalformedQueryStringError",
    "MissingActionError",
    "MissingAuthenticationTokenError",
    "MissingParameterError",
    "NoCredentialsError",
    "OptInRequiredError",
    "PaginationError",
    "ParamValidationError",
    "RequestExpiredError",
    "RequestTimeoutError",
    "ResponseParseError",
    "ServiceError",
    "ServiceUnavailableError",
    "ServiceValidationError",
    "SignatureDoesNotMatchError",
    "ThrottlingError",
    "TransportError",
    "UnknownServiceError",
    "UnrecognizedClientError",
    *_generated_all,
]
