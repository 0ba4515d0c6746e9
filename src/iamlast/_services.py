"""Which client class serves each service, for flows that run on clients of their own
(:class:`~iamlast._runtime.flows.With`): IAM's, STS's and Organizations' clients here; other
services may :func:`register` theirs. Looked up by import path, so nothing is imported before it
is used."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["client_class", "register"]

_CLIENTS: dict[str, tuple[str, str]] = {
    "iam": ("iamlast._client:Client", "iamlast._async_client:AsyncClient"),
    "sts": ("iamlast.sts._clients:Client", "iamlast.sts._clients:AsyncClient"),
    "organizations": (
        "iamlast.organizations._clients:Client",
        "iamlast.organizations._clients:AsyncClient",
    ),
}


def register(service: str, sync: str, asynchronous: str) -> None:
    """Serve ``service`` with the classes at ``module:Name`` paths ``sync`` and ``asynchronous``."""
    _CLIENTS[service] = (sync, asynchronous)


def client_class(service: str, *, asynchronous: bool) -> type[Any]:
    """The sync or async client class of ``service``; KeyError naming it when none serves it."""
    try:
        path = _CLIENTS[service][1 if asynchronous else 0]
    except KeyError:
        raise KeyError(f"no client serves the service {service!r}") from None
    module, _, name = path.partition(":")
    found: type[Any] = getattr(importlib.import_module(module), name)
    return found
