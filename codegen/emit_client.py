"""Write the typed client methods (sync and async)."""

from __future__ import annotations

from .model import Service


def client_module(service: Service) -> str:
    raise NotImplementedError
