"""AWS STS (Security Token Service), typed: ``iamlast.sts.Client`` and ``iamlast.sts.AsyncClient`` call every STS operation
(``assume_role``, ``get_caller_identity``, ``get_session_token``, …) as a typed method, generated
from botocore's model by the same generator as IAM's and run by the same lifecycle: the same
constructor arguments (``region``, ``profile``, ``credentials`` …, ``endpoint_url``, ``timeout``,
``call_timeout``, ``max_attempts``, ``retry_mode``, ``max_rate``, ``verify``, ``http_client``),
credentials chain, retries and errors. Requests go to the regional endpoint
``https://sts.<region>.amazonaws.com`` (the global ``https://sts.amazonaws.com`` with no region, for
``aws-global``, or for the legacy global regions under ``AWS_STS_REGIONAL_ENDPOINTS=legacy``);
``AWS_ENDPOINT_URL_STS`` or a profile's ``services`` entry ``sts`` move them.

Models are in :mod:`iamlast.sts.models`, errors (``ExpiredTokenError``, ``RegionDisabledError``,
…, all :class:`~iamlast.errors.ServiceError`) in :mod:`iamlast.sts.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._clients import AsyncClient, Client

__all__ = ["AsyncClient", "Client"]


def __getattr__(name: str) -> Any:
    # The clients (and httpx) load when first asked for: ``import iamlast.sts`` is cheap.
    if name in __all__:
        from . import _clients

        value = getattr(_clients, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, "errors", "models"})
