"""The errors that are not service responses: the root, refused input, transport failures.

Imported through :mod:`iamlast._runtime.errors` (and publicly :mod:`iamlast.errors`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CallTimeoutError",
    "ClientClosedError",
    "ConfigurationError",
    "FieldProblem",
    "IamError",
    "InvalidSettingError",
    "NoCredentialsError",
    "PaginationError",
    "ParamValidationError",
    "ResponseParseError",
    "TransportError",
]


class IamError(Exception):
    """Root of every exception raised by iamlast.

    Every one survives ``pickle`` (so ProcessPoolExecutor and multiprocessing users get it
    intact) and compares equal to its copy: same class, same ``args`` and the same public
    attributes. Unpickling restores the attributes without calling ``__init__``, so a subclass
    with keyword-only arguments needs nothing of its own.
    """

    def __reduce__(self) -> Any:
        return (_restore, (type(self), self.args, dict(vars(self))))

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, IamError)
        return self.args == other.args and _public(self) == _public(other)

    def __hash__(self) -> int:
        return hash((type(self), str(self)))


def _public(error: BaseException) -> dict[str, Any]:
    return {k: v for k, v in vars(error).items() if not k.startswith("_")}


def _restore(cls: type[IamError], args: tuple[Any, ...], state: dict[str, Any]) -> IamError:
    error = cls.__new__(cls)
    error.args = args
    vars(error).update(state)
    return error


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One reason a request was refused: the wire path of the member and the rule it broke."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ParamValidationError(IamError, ValueError):
    """A request was refused before anything was sent: a member broke a model constraint."""

    def __init__(self, shape: str, problems: Iterable[FieldProblem]) -> None:
        self.shape = shape
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"Invalid {shape}: {len(self.problems)} {noun}\n{lines}")

    @property
    def fields(self) -> tuple[str, ...]:
        """The wire paths named by the problems, in order (``("Arn", "MaxItems")``)."""
        return tuple(p.path for p in self.problems)


class NoCredentialsError(IamError):
    """No AWS credentials could be found (or refreshed) for signing a request.

    ``profile`` is the profile searched (None: the default chain without one); ``code`` is the
    error code of the service that refused (``AccessDenied`` from an STS AssumeRole), if any.
    """

    def __init__(
        self, message: str, *, profile: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.profile = profile
        self.code = code


class ConfigurationError(IamError):
    """The AWS configuration could not be read (a malformed config file, a bad setting)."""


class InvalidSettingError(ConfigurationError, ValueError):
    """A setting has a value iamlast cannot use: an endpoint URL, a region, a retry mode or an
    attempt count, from an argument, the environment or the config file."""


class PaginationError(IamError):
    """A paged result broke the Marker protocol (truncated without a marker, or a marker repeated).

    Raised instead of looping forever or silently stopping early; ``pages`` says how many pages
    were read before.
    """

    def __init__(self, message: str, *, operation: str, marker: str | None, pages: int) -> None:
        self.operation = operation
        self.marker = marker
        self.pages = pages
        super().__init__(f"{operation}: {message} (after {pages} pages)")


class TransportError(IamError):
    """The request did not get an HTTP response: connection refused or dropped, timeout, TLS.

    Raised after the retries allowed for it were spent; ``attempts`` says how many were made.
    """

    def __init__(
        self, message: str, *, kind: str, operation: str | None = None, attempts: int = 1
    ) -> None:
        self.kind = kind
        self.operation = operation
        self.attempts = attempts
        super().__init__(message)

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base} (after {self.attempts} attempts)" if self.attempts > 1 else base


class ResponseParseError(IamError):
    """The service answered, but the body could not be read as the expected document."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        raw: bytes = b"",
        attempts: int = 1,
    ) -> None:
        self.reason = message
        self.operation = operation
        self.status_code = status_code
        self.request_id = request_id
        self.raw = raw
        self.attempts = attempts
        super().__init__(message)

    def __str__(self) -> str:
        parts = [self.reason]
        if self.operation:
            parts.append(f"operation {self.operation}")
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.request_id:
            parts.append(f"request id {self.request_id}")
        if self.attempts > 1:
            parts.append(f"after {self.attempts} attempts")
        return "; ".join(parts)


class ClientClosedError(IamError, RuntimeError):
    """The client was closed: by a call made after ``close()`` / ``aclose()``, or by one that was
    in flight when it ran. A closed client never opens a new connection pool."""

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        self.operation = operation
        super().__init__(message)


class CallTimeoutError(IamError, TimeoutError):
    """A call ran past the client's ``call_timeout`` (retries, backoff and credential lookups
    included); ``timeout`` is that bound in seconds, ``attempts`` how many requests were sent."""

    def __init__(
        self, message: str, *, operation: str | None, timeout: float, attempts: int = 0
    ) -> None:
        self.operation = operation
        self.timeout = timeout
        self.attempts = attempts
        super().__init__(message)
