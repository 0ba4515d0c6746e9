"""iamlast.testing: a loopback IAM emulator for Access Advisor, and its pytest plugin.

moto does not implement the service-last-accessed operations, so this package serves them
itself, over real HTTP with SigV4 checks, from a seeded synthetic account::

    from iamlast.testing import FakeIAM, Faults

    with FakeIAM(job_polls=2, page_cap=73) as iam:
        iam_client = boto3.client("iam", **iam.client_kwargs())
        iam.faults = Faults(seed=1, throttle_rate=0.2)

Operations: GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
GetServiceLastAccessedDetailsWithEntities, ListPoliciesGrantingServiceAccess,
GenerateOrganizationsAccessReport, GetOrganizationsAccessReport, ListUsers, ListRoles,
ListGroups, ListPolicies; and for least-privilege proposals (:mod:`.policies`, every policy with
a real document that the reports follow): GetRole, GetUser, GetGroup, ListGroupsForUser,
GetAccountAuthorizationDetails, List/Get/Put/Delete{Role,User,Group}Policy,
ListAttached/Attach/Detach{Role,User,Group}Policy, GetPolicy, CreatePolicy, DeletePolicy,
GetPolicyVersion, ListPolicyVersions, CreatePolicyVersion, DeletePolicyVersion,
SetDefaultPolicyVersion, ListEntitiesForPolicy. ``python -m iamlast.testing`` serves one from
the command line; the ``fake_iam`` pytest fixture gives each test its own.

:class:`FakeOrganization` plays a whole AWS Organization on one port: several synthetic accounts,
IAM routed to each by the access key that signed the request, STS AssumeRole (temporary keys
bound to one account; AccessDenied where the role is missing or does not trust the caller) and
Organizations over JSON 1.1 (accounts, OUs, a suspended account, NextToken pages), each
account with its own faults and rate limit. ``python -m iamlast.testing --organization 1``
serves it; the ``fake_org`` fixture gives a test one.

For a fake of your own (an ``httpx.MockTransport``, respx, a stub server), :func:`to_xml`
writes any model — or error — as the document IAM would send, and :func:`of_query` reads a
request model back from a request's form parameters::

    from iamlast import models
    from iamlast.errors import NoSuchEntityError
    from iamlast.testing import of_query, to_xml

    to_xml(models.ListRolesResponse(roles=[], is_truncated=False), request_id="r-1")
    to_xml(NoSuchEntityError("The role with name ci cannot be found."), request_id="r-2")
    of_query(models.GetRoleRequest, {"Action": "GetRole", "RoleName": "ci"})

The models themselves carry no writers: they are generated into this package, so that what
users import holds only what a client needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .account import (
        Group,
        InlinePolicy,
        ManagedPolicy,
        Principal,
        Role,
        SyntheticAccount,
        Usage,
        User,
    )
    from .catalog import CATALOGUE, TRACKED_ACTIONS, Service
    from .faults import Faults
    from .org_server import FakeOrganization, OrgRequest
    from .server import FakeIAM, RequestRecord
    from .wire import of_query, to_xml

__all__ = [
    "CATALOGUE",
    "TRACKED_ACTIONS",
    "FakeIAM",
    "FakeOrganization",
    "Faults",
    "Group",
    "InlinePolicy",
    "ManagedPolicy",
    "OrgRequest",
    "Principal",
    "RequestRecord",
    "Role",
    "Service",
    "SyntheticAccount",
    "Usage",
    "User",
    "of_query",
    "to_xml",
]

# Loaded on first use, so that the pytest plugin (imported by every pytest run through the
# entry point) costs nothing until a test asks for the emulator.
_LAZY = {
    "CATALOGUE": ".catalog", "TRACKED_ACTIONS": ".catalog", "Service": ".catalog",
    "Faults": ".faults", "FakeIAM": ".server", "FakeOrganization": ".org_server", "OrgRequest": ".org_server", "RequestRecord": ".server",
    "Group": ".account", "InlinePolicy": ".account", "ManagedPolicy": ".account", "Principal": ".account",
    "Role": ".account", "SyntheticAccount": ".account", "Usage": ".account", "User": ".account",
    "of_query": ".wire", "to_xml": ".wire",
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
