"""Every exception iamlast raises, rooted at :class:`IamError`.

- :class:`ParamValidationError`: a request (or a client argument) refused before sending; names
  the member and rule.
- :class:`ServiceError`: the service answered with an error; ``code``, ``message``, ``type``,
  ``status_code``, ``request_id``, ``raw``. One subclass per modelled error, matched by the wire
  code (``NoSuchEntity`` → :class:`NoSuchEntityError`); the AWS common errors
  (:class:`ThrottlingError`, :class:`AccessDeniedError`, the clock-skew family under
  :class:`ClockSkewError`, …) under :class:`CommonServiceError`; :class:`UnknownServiceError`
  for anything else.
- :class:`NoCredentialsError`, :class:`ConfigurationError` (:class:`InvalidSettingError` for a
  setting iamlast cannot use: an endpoint URL, a region, a retry mode): credentials or settings
  that could not be found, read or used.
- :class:`TransportError` (no HTTP response), :class:`CallTimeoutError` (``call_timeout``
  passed), :class:`ClientClosedError` (a call on, or cut short by, a closed client),
  :class:`ResponseParseError`, :class:`PaginationError`.
- The report-job errors: :class:`JobFailedError`, :class:`JobTimeoutError`,
  :class:`JobNotReadyError`, :class:`JobStatusError` (a status iamlast does not know), and
  :class:`DeadlineExceededError` (a workflow call out of time; JobTimeoutError is one).
- Least privilege (``client.apply`` / ``client.rollback``): :class:`ProposalDriftError` (IAM
  changed since the proposal; nothing written), :class:`ApplyFailedError` and
  :class:`RollbackFailedError` (a step failed part way; the record of what was done rides on
  it). Defined in :mod:`iamlast.leastprivilege.errors` and loaded from there on first use, so
  importing this module loads nothing of the least-privilege package.
- Per operation, a union for ``match``: ``GenerateServiceLastAccessedDetailsError``.
- :func:`decode_error` turns any error response (XML or not) into one of these; never raises.

Every one pickles and compares equal to its unpickled copy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._generated.errors import *  # noqa: F403
from ._generated.errors import __all__ as _generated_all
from ._runtime.deadline import DeadlineExceededError
from ._runtime.errors import (
    COMMON_ERRORS,
    AccessDeniedError,
    AuthFailureError,
    CallTimeoutError,
    ClientClosedError,
    ClockSkewError,
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
    InvalidSettingError,
    InvalidSignatureError,
    MalformedQueryStringError,
    MissingActionError,
    MissingAuthenticationTokenError,
    MissingParameterError,
    NoCredentialsError,
    NotAuthorizedError,
    OptInRequiredError,
    PaginationError,
    ParamValidationError,
    RequestExpiredError,
    RequestInTheFutureError,
    RequestTimeoutError,
    RequestTimeTooSkewedError,
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
from ._runtime.jobs import JobFailedError, JobNotReadyError, JobStatusError, JobTimeoutError

if TYPE_CHECKING:
    from .leastprivilege.errors import ApplyFailedError, ProposalDriftError, RollbackFailedError

#: Defined with the least-privilege package, loaded from it when first asked for here.
_LEAST_PRIVILEGE = ("ApplyFailedError", "ProposalDriftError", "RollbackFailedError")


def __getattr__(name: str) -> Any:
    if name in _LEAST_PRIVILEGE:
        from .leastprivilege import errors

        found = getattr(errors, name)
        globals()[name] = found  # asked once
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LEAST_PRIVILEGE})


__all__ = [
    "COMMON_ERRORS",
    "AccessDeniedError",
    "ApplyFailedError",
    "AuthFailureError",
    "CallTimeoutError",
    "ClientClosedError",
    "ClockSkewError",
    "CommonServiceError",
    "ConfigurationError",
    "ExpiredTokenError",
    "FieldProblem",
    "IamError",
    "IncompleteSignatureError",
    "InvalidSettingError",
    "InternalFailureError",
    "InvalidActionError",
    "InvalidClientTokenIdError",
    "InvalidParameterCombinationError",
    "InvalidParameterValueError",
    "InvalidQueryParameterError",
    "InvalidSignatureError",
    "DeadlineExceededError",
    "JobFailedError",
    "JobNotReadyError",
    "JobStatusError",
    "JobTimeoutError",
    "MalformedQueryStringError",
    "MissingActionError",
    "MissingAuthenticationTokenError",
    "MissingParameterError",
    "NoCredentialsError",
    "NotAuthorizedError",
    "OptInRequiredError",
    "PaginationError",
    "ParamValidationError",
    "ProposalDriftError",
    "RequestExpiredError",
    "RequestInTheFutureError",
    "RequestTimeTooSkewedError",
    "RequestTimeoutError",
    "ResponseParseError",
    "RollbackFailedError",
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
