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
ListGroups, ListPolicies. ``python -m iamlast.testing`` serves one from the command line;
the ``fake_iam`` pytest fixture gives each test its own.
"""

from __future__ import annotations

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
from .server import FakeIAM, RequestRecord

__all__ = [
    "CATALOGUE",
    "TRACKED_ACTIONS",
    "FakeIAM",
    "Faults",
    "Group",
    "InlinePolicy",
    "ManagedPolicy",
    "Principal",
    "RequestRecord",
    "Role",
    "Service",
    "SyntheticAccount",
    "Usage",
    "User",
]
