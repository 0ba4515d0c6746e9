"""awsQuery serialization helpers called by the generated ``to_query`` methods (reading the
parameters back is the emulator's: ``iamlast.testing``).

Values are written as botocore's query serializer writes them, so the body a request produces
is byte-for-byte the one boto3 would send.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlencode

__all__ = ["blob", "boolean", "encode_body", "flt", "idempotency_token", "ts"]


def ts(value: datetime, fmt: str | None = None) -> str:
    """ISO 8601 in UTC with ``Z`` (microseconds only when present), or epoch seconds."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if fmt == "unixTimestamp":
        return str(int(value.timestamp()))
    if fmt == "rfc822":
        from email.utils import format_datetime

        return format_datetime(value, usegmt=True)
    # Written out rather than strftime: %Y does not pad years before 1000 everywhere.
    text = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    if value.microsecond:
        return f"{text}.{value.microsecond:06d}Z"
    return text + "Z"


def blob(value: bytes | str) -> str:
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return base64.b64encode(raw).decode("ascii")


def boolean(value: bool) -> str:
    return "true" if value else "false"


def flt(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return str(value)


def idempotency_token() -> str:
    """A fresh token for an idempotency member the caller left empty (as botocore does)."""
    import uuid  # only here: uuid imports platform, a few ms no other request needs

    return str(uuid.uuid4())


def encode_body(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Form-encode the parameters the way botocore does (``quote_plus``, UTF-8)."""
    return urlencode(list(pairs)).encode("utf-8")
