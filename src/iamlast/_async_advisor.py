"""``AsyncAdvisor``: the Access Advisor workflow of :mod:`iamlast.advisor` on the async client.

Its own module so that a sync client never loads the generated async methods.
"""

from __future__ import annotations

from . import _faces as face
from ._generated.async_client import AsyncOperations
from .advisor import Workflows
from .orgscan import OrganizationWorkflows
from .proposals import ProposalWorkflows

__all__ = ["AsyncAdvisor"]


class AsyncAdvisor(
    Workflows, ProposalWorkflows, OrganizationWorkflows, face.AsyncSide, AsyncOperations
):
    """The Access Advisor workflow on :class:`~iamlast.AsyncClient` (tasks for fan-out; the
    driver is the client's own, :attr:`~iamlast._async_client.AsyncBaseClient._driver`)."""
