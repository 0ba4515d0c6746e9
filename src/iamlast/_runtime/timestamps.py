"""Timestamps and floats in their wire forms, shared by the XML and JSON codecs (no lxml here:
a JSON service's client never loads it)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["float_out", "iso_z", "parse_timestamp"]


def parse_timestamp(raw: str, fmt: str | None = None) -> datetime | None:
    """ISO 8601 (any offset, any fraction), epoch seconds or an HTTP date → aware UTC; else None."""
    if fmt != "unixTimestamp" and fmt != "rfc822":
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            pass
        else:
            if value.tzinfo is None:
                return value.replace(tzinfo=UTC)
            if value.utcoffset():
                return value.astimezone(UTC)
            return value if value.tzinfo is UTC else value.replace(tzinfo=UTC)
    try:
        return datetime.fromtimestamp(float(raw), UTC)
    except (ValueError, OverflowError, OSError):
        pass
    try:
        value = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso_z(value: datetime) -> str:
    """ISO 8601 with ``Z`` of a UTC datetime (milliseconds or microseconds when present), as
    IAM writes timestamps (``to_json`` and the emulator's writers use it)."""
    # Not strftime: its %Y does not pad years before 1000 on every platform.
    base = (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    )
    micro = value.microsecond
    if micro == 0:
        return base + "Z"
    if micro % 1000 == 0:
        return f"{base}.{micro // 1000:03d}Z"
    return f"{base}.{micro:06d}Z"


def float_out(value: float) -> str:
    """A float as the wire writes it (``NaN``, ``Infinity``, ``-Infinity``, else ``repr``)."""
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return repr(value)
