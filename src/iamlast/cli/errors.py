"""How the command fails: one line on stderr and an exit code (0 ok, 1 failure, 2 usage).

Every error the library can raise is turned into a sentence a security engineer can act on;
the traceback is shown only with ``--verbose``.
"""

from __future__ import annotations

import click

from iamlast.errors import (
    AccessDeniedError,
    ExpiredTokenError,
    IamError,
    IncompleteSignatureError,
    InvalidClientTokenIdError,
    MissingAuthenticationTokenError,
    NoCredentialsError,
    NoSuchEntityError,
    PaginationError,
    ParamValidationError,
    ResponseParseError,
    ServiceError,
    SignatureDoesNotMatchError,
    ThrottlingError,
    TransportError,
    UnrecognizedClientError,
)
from iamlast.jobs import JobFailedError, JobTimeoutError

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "CliError", "UsageProblem", "describe"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

_REJECTED = (
    ExpiredTokenError,
    IncompleteSignatureError,
    InvalidClientTokenIdError,
    MissingAuthenticationTokenError,
    SignatureDoesNotMatchError,
    UnrecognizedClientError,
)


class CliError(Exception):
    """A failure the command reports as one line, with an exit code."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageProblem(CliError):
    """A bad argument, found before any request (exit 2)."""

    exit_code = EXIT_USAGE


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _where(exc: ServiceError) -> str:
    parts = [
        p for p in (exc.operation, f"request id {exc.request_id}" if exc.request_id else None) if p
    ]
    return f" ({'; '.join(parts)})" if parts else ""


def describe(exc: BaseException) -> tuple[str, int]:
    """(the message, without the ``iamlast: error:`` prefix, and the exit code) for ``exc``."""
    if isinstance(exc, CliError):
        return _one_line(str(exc)), exc.exit_code
    if isinstance(exc, click.UsageError):
        ctx = exc.ctx
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        return _one_line(exc.format_message()) + hint, EXIT_USAGE
    if isinstance(exc, click.ClickException):
        return _one_line(exc.format_message()), exc.exit_code
    if isinstance(exc, NoCredentialsError):
        return (
            _one_line(str(exc)).rstrip(".")
            + ". Configure credentials with `aws configure`, AWS_PROFILE or --profile, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            EXIT_FAILURE,
        )
    if isinstance(exc, ParamValidationError):
        problems = "; ".join(_one_line(str(p)) for p in exc.problems) or _one_line(str(exc))
        return f"invalid request ({exc.shape}): {problems}", EXIT_USAGE
    if isinstance(exc, AccessDeniedError):
        return f"access denied: {_one_line(exc.message or exc.code)}{_where(exc)}", EXIT_FAILURE
    if isinstance(exc, _REJECTED):
        return (
            f"AWS rejected the credentials ({exc.code}): {_one_line(exc.message)}{_where(exc)}",
            EXIT_FAILURE,
        )
    if isinstance(exc, NoSuchEntityError):
        return f"not found: {_one_line(exc.message)}{_where(exc)}", EXIT_FAILURE
    if isinstance(exc, ThrottlingError):
        return (
            f"throttled by IAM after {exc.attempts} attempts: {_one_line(exc.message)}{_where(exc)}; "
            "try again later or lower --concurrency",
            EXIT_FAILURE,
        )
    if isinstance(exc, ServiceError):
        return f"{exc.code}: {_one_line(exc.message)}{_where(exc)}", EXIT_FAILURE
    if isinstance(exc, JobFailedError):
        return f"IAM could not complete the report: {_one_line(str(exc))}", EXIT_FAILURE
    if isinstance(exc, JobTimeoutError):
        return f"gave up waiting for the report: {_one_line(str(exc))}", EXIT_FAILURE
    if isinstance(exc, TransportError):
        return f"could not reach IAM: {_one_line(str(exc))}", EXIT_FAILURE
    if isinstance(exc, PaginationError | ResponseParseError):
        return f"unexpected response from IAM: {_one_line(str(exc))}", EXIT_FAILURE
    if isinstance(exc, IamError):
        return _one_line(str(exc)) or type(exc).__name__, EXIT_FAILURE
    if type(exc).__module__.startswith("botocore"):
        # The library lets botocore's config and credential-provider errors through as they
        # are (a malformed ~/.aws/config: ConfigParseError); they are about the AWS setup.
        return f"AWS configuration problem: {_one_line(str(exc))}", EXIT_FAILURE
    return (
        f"internal error: {type(exc).__name__}: {_one_line(str(exc))} "
        "(run with --verbose for the traceback, and please report it)",
        EXIT_FAILURE,
    )
