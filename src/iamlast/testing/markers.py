"""Opaque, tamper-evident pagination markers.

A marker carries the offset of the next item and a digest of what is being paged (operation,
job, filters); it is authenticated with a per-server key, so a marker that was edited, made up,
or taken from another listing is refused (InvalidInput), as IAM refuses markers it did not issue.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

__all__ = ["MarkerCodec"]


class MarkerCodec:
    """Encodes and checks markers for one server."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(16)

    @staticmethod
    def _scope(scope: str) -> bytes:
        return hashlib.blake2b(scope.encode(), digest_size=8).digest()

    def encode(self, scope: str, offset: int) -> str:
        """The marker that resumes listing ``scope`` at ``offset``."""
        payload = self._scope(scope) + offset.to_bytes(5, "big")
        tag = hmac.digest(self._key, payload, "sha256")[:12]
        return base64.b64encode(tag + payload).decode("ascii")

    def decode(self, marker: str, scope: str) -> int | None:
        """The offset in ``marker``, or ``None`` when it was not issued for ``scope``."""
        try:
            raw = base64.b64decode(marker.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return None
        if len(raw) != 25:
            return None
        tag, payload = raw[:12], raw[12:]
        if not hmac.compare_digest(tag, hmac.digest(self._key, payload, "sha256")[:12]):
            return None
        if payload[:8] != self._scope(scope):
            return None
        return int.from_bytes(payload[8:], "big")
