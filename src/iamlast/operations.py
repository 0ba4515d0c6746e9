"""The operation registry: every IAM operation with its models, errors and paginator.

``operations.get("ListRoles")`` (or ``get("list_roles")``) returns an :class:`OperationSpec`;
``OPERATIONS`` maps every wire name to its spec.
"""

from __future__ import annotations

from ._generated.operations import OPERATIONS, get
from ._runtime.registry import JobSpec, OperationSpec, PaginatorSpec, Registry

__all__ = ["OPERATIONS", "JobSpec", "OperationSpec", "PaginatorSpec", "Registry", "get"]
