"""The operation registry's types: what the generator knows about each operation.

Models are referred to by name and loaded on first use, so building the registry loads none.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .errors import ServiceError
    from .shape import Shape

__all__ = ["JobSpec", "OperationSpec", "PaginatorSpec", "Registry"]


@dataclass(frozen=True, slots=True)
class PaginatorSpec:
    """How an operation pages: Marker in, Marker out, while IsTruncated (attribute names)."""

    input_token: str
    output_token: str
    more_results: str | None
    limit_key: str | None
    result_keys: tuple[str, ...]
    non_aggregate_keys: tuple[str, ...] = ()
    #: Where the entry came from: ``"botocore"`` (paginators-1.json) or ``"overrides"``.
    source: str = "botocore"


@dataclass(frozen=True, slots=True)
class JobSpec:
    """An operation that reports on an asynchronous job: its status and failure members."""

    status: str
    failure: str


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One operation: wire name, Python name, models (by name), errors, paginator."""

    name: str
    python_name: str
    input: str | None
    output: str | None
    result_wrapper: str | None
    errors: tuple[str, ...]
    http_method: str = "POST"
    request_uri: str = "/"
    host_prefix: str | None = None
    host_labels: tuple[tuple[str, str], ...] = ()
    request_compression: tuple[str, ...] = ()
    paginator: PaginatorSpec | None = None
    job: JobSpec | None = None
    deprecated: bool = False
    documentation: str = ""
    package: str = "iamlast._generated"

    @property
    def input_model(self) -> type[Shape] | None:
        """The request model class (``None`` for operations without input)."""
        return _load_shape(self.package, self.input) if self.input else None

    @property
    def output_model(self) -> type[Shape] | None:
        """The response model class (``None`` for operations that return nothing)."""
        return _load_shape(self.package, self.output) if self.output else None

    @property
    def error_classes(self) -> tuple[type[ServiceError], ...]:
        """The modelled errors of this operation, as exception classes."""
        module = importlib.import_module(self.package + ".errors")
        return tuple(getattr(module, name) for name in self.errors)


def _load_shape(package: str, name: str) -> type[Shape]:
    module = importlib.import_module(package + ".shapes")
    loaded: type[Shape] = getattr(module, name)
    return loaded


class Registry(Mapping[str, OperationSpec]):
    """Operations by wire name (``"ListRoles"``); also found by Python name (``"list_roles"``)."""

    def __init__(self, specs: tuple[OperationSpec, ...]) -> None:
        self._by_name = {spec.name: spec for spec in specs}
        self._by_python = {spec.python_name: spec for spec in specs}

    def __getitem__(self, name: str) -> OperationSpec:
        spec = self._by_name.get(name) or self._by_python.get(name)
        if spec is None:
            raise KeyError(f"no operation named {name!r}")
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def get_spec(self, name: str) -> OperationSpec:
        """The operation by wire or Python name; ``KeyError`` naming it if there is none."""
        return self[name]

    def paginated(self) -> tuple[OperationSpec, ...]:
        """Operations that page with a marker."""
        return tuple(s for s in self._by_name.values() if s.paginator is not None)

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} operations>"


def describe(spec: OperationSpec) -> dict[str, Any]:
    """A plain summary of an operation (for the CLI and docs)."""
    return {
        "name": spec.name,
        "python_name": spec.python_name,
        "input": spec.input,
        "output": spec.output,
        "errors": list(spec.errors),
        "paginated": spec.paginator is not None,
    }
