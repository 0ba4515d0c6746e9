"""iamlast: a typed SDK for AWS IAM's service-last-accessed data (Access Advisor).

``iamlast.Client`` and ``iamlast.AsyncClient`` call every IAM operation, signed, retried and
typed; the Access Advisor workflow (``wait_for_job``, ``paginate_entities``, ``last_accessed``,
``scan``) sits on top. Models live in :mod:`iamlast.models`, errors in :mod:`iamlast.errors`,
the operation registry in :mod:`iamlast.operations`. Importing iamlast loads no model, no
httpx and no botocore until they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._runtime.errors import IamError, ParamValidationError

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._async_client import AsyncClient
    from ._client import Client
    from .jobs import JobFailedError, JobTimeoutError

__all__ = [
    "AsyncClient",
    "Client",
    "IamError",
    "JobFailedError",
    "JobTimeoutError",
    "ParamValidationError",
    "__version__",
]

_LAZY = {
    "Client": "._client",
    "AsyncClient": "._async_client",
    "JobFailedError": ".jobs",
    "JobTimeoutError": ".jobs",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
