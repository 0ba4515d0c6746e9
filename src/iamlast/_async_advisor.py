"""``AsyncAdvisor``: the Access Advisor workflow of :mod:`iamlast.advisor` on the async client.

Its own module so that a sync client never loads the generated async methods.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from . import _faces as face
from ._generated.async_client import AsyncOperations
from .advisor import Workflows
from .proposals import ProposalWorkflows

if TYPE_CHECKING:
    from ._async_driver import AsyncDriver

__all__ = ["AsyncAdvisor"]


class AsyncAdvisor(Workflows, ProposalWorkflows, face.AsyncSide, AsyncOperations):
    """The Access Advisor workflow on :class:`~iamlast.AsyncClient` (tasks for fan-out)."""

    @functools.cached_property
    def _driver(self) -> AsyncDriver:
        # asyncio is imported only once an async client runs a workflow.
        from ._async_driver import AsyncDriver

        return AsyncDriver(self)
