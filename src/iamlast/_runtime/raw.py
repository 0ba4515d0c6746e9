"""The raw HTTP response of a call (``client.with_raw_response.<operation>(...)``), and how its
methods are typed.

``with_raw_response`` has the client's operation methods, each returning a :class:`RawResponse`
of what the method returns. Rather than a second copy of every signature, the generated client
types each one by transforming the operation method itself — :func:`raw` (and
:func:`async_raw` for the async client) map its signature, every overload included, onto the
same parameters returning ``RawResponse[result]``; at run time the client's proxy dispatches by
name. Python's type system has no mapped types, so the view is a list of names, one line per
operation, that only type checkers read.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from .records import Record

T = TypeVar("T")
S = TypeVar("S")
P = ParamSpec("P")

__all__ = ["RawResponse", "async_raw", "raw"]


def raw(method: Callable[Concatenate[S, P], T]) -> Callable[Concatenate[Any, P], RawResponse[T]]:
    """For type checkers: an operation method with its parameters, returning ``RawResponse``."""
    raise TypeError("raw() types the with_raw_response view; it is not called at run time")


def async_raw(
    method: Callable[Concatenate[S, P], Coroutine[Any, Any, T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, RawResponse[T]]]:
    """For type checkers: an async operation method, awaited for a ``RawResponse``."""
    raise TypeError("async_raw() types the with_raw_response view; it is not called at run time")


class RawResponse(Record, Generic[T]):
    """Status, headers, request id and body as received; ``parse()`` gives the typed result.

    The call's retries have already run: this is the final attempt's response, success or
    error. ``parse()`` returns the response model, or raises the typed error for an error status.
    """

    _fields = (
        "operation",
        "status_code",
        "headers",
        "content",
        "request_id",
        "attempts",
        "elapsed",
        "_parse",
    )
    __slots__ = _fields
    _hidden = frozenset({"_parse"})

    operation: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    request_id: str | None
    attempts: int
    elapsed: float
    _parse: Callable[[], T]

    def __init__(
        self,
        operation: str,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        request_id: str | None,
        attempts: int,
        elapsed: float,
        _parse: Callable[[], T],
    ) -> None:
        self._init(
            operation=operation,
            status_code=status_code,
            headers=headers,
            content=content,
            request_id=request_id,
            attempts=attempts,
            elapsed=elapsed,
            _parse=_parse,
        )

    # Compared and hashed by identity, as before (a response is an event, not a value).
    __eq__ = object.__eq__
    __hash__ = object.__hash__

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    @property
    def is_error(self) -> bool:
        return self.status_code >= 300

    def parse(self) -> T:
        """The response model; raises the typed :class:`~iamlast.errors.ServiceError` on errors."""
        return self._parse()

    def __repr__(self) -> str:
        return (
            f"RawResponse({self.operation}, status_code={self.status_code}, "
            f"request_id={self.request_id!r}, {len(self.content)} bytes)"
        )
