"""AWS Organizations, typed: ``iamlast.organizations.Client`` and ``iamlast.organizations.AsyncClient`` call every
Organizations operation (``describe_organization``, ``list_accounts``, ``list_children``, …) as a
typed method over the JSON 1.1 protocol, with a pager for each paged one
(``paginate_list_accounts``, ``paginate_list_accounts_for_parent``, ``paginate_list_children``,
…, following ``NextToken``). Generated from botocore's model by the same generator as IAM's and
run by the same lifecycle: the same constructor arguments, credentials chain, retries and errors.
Organizations is global: requests go to ``https://organizations.us-east-1.amazonaws.com``, signed
for us-east-1, in the aws partition (the partition's own global region elsewhere);
``AWS_ENDPOINT_URL_ORGANIZATIONS`` or a profile's ``services`` entry ``organizations`` move them.

Models are in :mod:`iamlast.organizations.models`, errors (``AWSOrganizationsNotInUseError``,
``AccountNotFoundError``, …, all :class:`~iamlast.errors.ServiceError`, matched by the ``__type``
of the error response) in :mod:`iamlast.organizations.errors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._clients import AsyncClient, Client

__all__ = ["AsyncClient", "Client"]


def __getattr__(name: str) -> Any:
    # The clients (and httpx) load when first asked for: ``import iamlast.organizations`` is cheap.
    if name in __all__:
        from . import _clients

        value = getattr(_clients, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, "errors", "models"})
