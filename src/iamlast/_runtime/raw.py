"""The raw HTTP response of a call (``client.with_raw_response.<operation>(...)``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

__all__ = ["RawResponse"]


@dataclass(frozen=True, eq=False)
class RawResponse(Generic[T]):
    """Status, headers, request id and body as received; ``parse()`` gives the typed result.

    The call's retries have already run: this is the final attempt's response, success or
    error. ``parse()`` returns the response model, or raises the typed error for an error status.
    """

    operation: str
    status_code: int
    headers: Mapping[str, str]
    content: bytes
    request_id: str | None
    attempts: int
    elapsed: float
    _parse: Callable[[], T] = field(repr=False)

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
