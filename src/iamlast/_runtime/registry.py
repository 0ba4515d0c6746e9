"""The operation registry's types: what the generator knows about each operation.

Models are referred to by name and loaded on first use, so building the registry loads none.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .records import Record

if TYPE_CHECKING:
    from .errors import ServiceError
    from .shape import Shape

__all__ = ["JobSpec", "OperationSpec", "PaginatorSpec", "Registry"]


class PaginatorSpec(Record):
    """How an operation pages (attribute names): a token in and out (IAM's Marker, while
    IsTruncated; Organizations' NextToken, while there is one), and the page size member."""

    _fields = (
        "input_token",
        "output_token",
        "more_results",
        "limit_key",
        "result_keys",
        "non_aggregate_keys",
        "source",
        "limit_max",
    )
    __slots__ = _fields

    input_token: str
    output_token: str
    more_results: str | None
    limit_key: str | None
    result_keys: tuple[str, ...]
    non_aggregate_keys: tuple[str, ...]
    #: Where the entry came from: ``"botocore"`` (paginators-1.json) or ``"overrides"``.
    source: str
    #: The largest page size the model allows (None: it does not say).
    limit_max: int | None

    def __init__(
        self,
        input_token: str,
        output_token: str,
        more_results: str | None,
        limit_key: str | None,
        result_keys: tuple[str, ...],
        non_aggregate_keys: tuple[str, ...] = (),
        source: str = "botocore",
        limit_max: int | None = None,
    ) -> None:
        self._init(
            input_token=input_token,
            output_token=output_token,
            more_results=more_results,
            limit_key=limit_key,
            result_keys=result_keys,
            non_aggregate_keys=non_aggregate_keys,
            source=source,
            limit_max=limit_max,
        )


class JobSpec(Record):
    """An operation that reports on an asynchronous job: its status and failure members."""

    _fields = ("status", "failure")
    __slots__ = _fields

    status: str
    failure: str

    def __init__(self, status: str, failure: str) -> None:
        self._init(status=status, failure=failure)


class OperationSpec(Record):
    """One operation: wire name, Python name, models (by name), errors, paginator."""

    _fields = (
        "name",
        "python_name",
        "input",
        "output",
        "result_wrapper",
        "errors",
        "http_method",
        "request_uri",
        "host_prefix",
        "host_labels",
        "request_compression",
        "paginator",
        "job",
        "deprecated",
        "documentation",
        "package",
    )
    __slots__ = _fields

    name: str
    python_name: str
    input: str | None
    output: str | None
    result_wrapper: str | None
    errors: tuple[str, ...]
    http_method: str
    request_uri: str
    host_prefix: str | None
    host_labels: tuple[tuple[str, str], ...]
    request_compression: tuple[str, ...]
    paginator: PaginatorSpec | None
    job: JobSpec | None
    deprecated: bool
    documentation: str
    package: str

    def __init__(
        self,
        name: str,
        python_name: str,
        input: str | None,
        output: str | None,
        result_wrapper: str | None,
        errors: tuple[str, ...],
        http_method: str = "POST",
        request_uri: str = "/",
        host_prefix: str | None = None,
        host_labels: tuple[tuple[str, str], ...] = (),
        request_compression: tuple[str, ...] = (),
        paginator: PaginatorSpec | None = None,
        job: JobSpec | None = None,
        deprecated: bool = False,
        documentation: str = "",
        package: str = "iamlast._generated",
    ) -> None:
        self._init(
            name=name,
            python_name=python_name,
            input=input,
            output=output,
            result_wrapper=result_wrapper,
            errors=errors,
            http_method=http_method,
            request_uri=request_uri,
            host_prefix=host_prefix,
            host_labels=host_labels,
            request_compression=request_compression,
            paginator=paginator,
            job=job,
            deprecated=deprecated,
            documentation=documentation,
            package=package,
        )

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


_SHAPES: dict[tuple[str, str], type[Shape]] = {}


def _load_shape(package: str, name: str) -> type[Shape]:
    # Looked up on every call (its request and its response): the import machinery once.
    loaded = _SHAPES.get((package, name))
    if loaded is None:
        module = importlib.import_module(package + ".shapes")
        loaded = _SHAPES[(package, name)] = getattr(module, name)
    return loaded


class Registry(Mapping[str, OperationSpec]):
    """Operations by wire name (``"ListRoles"``); also found by Python name (``"list_roles"``).

    :meth:`lazy` builds each spec on first use: a process that makes one call builds one.
    """

    def __init__(self, specs: Iterable[OperationSpec] = ()) -> None:
        self._by_name: dict[str, OperationSpec] = {spec.name: spec for spec in specs}
        self._python: dict[str, str] = {
            spec.python_name: spec.name for spec in self._by_name.values()
        }
        self._builders: dict[str, Callable[[], OperationSpec]] = {}
        self._order: tuple[str, ...] = tuple(self._by_name)

    @classmethod
    def lazy(cls, entries: Mapping[str, tuple[str, Callable[[], OperationSpec]]]) -> Registry:
        """A registry of ``wire name → (Python name, what builds its spec)``, in that order."""
        registry = cls()
        registry._python = {python: name for name, (python, _) in entries.items()}
        registry._builders = {name: build for name, (_, build) in entries.items()}
        registry._order = tuple(entries)
        return registry

    def __getitem__(self, name: str) -> OperationSpec:
        spec = self._by_name.get(name)
        if spec is not None:
            return spec
        wire = name if name in self._builders or name in self._by_name else self._python.get(name)
        if wire is None:
            raise KeyError(f"no operation named {name!r}")
        spec = self._by_name.get(wire)
        if spec is None:
            # setdefault: threads looking it up at once all get the same spec
            spec = self._by_name.setdefault(wire, self._builders[wire]())
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name or name in self._builders or name in self._python

    def get_spec(self, name: str) -> OperationSpec:
        """The operation by wire or Python name; ``KeyError`` naming it if there is none."""
        return self[name]

    def paginated(self) -> tuple[OperationSpec, ...]:
        """Operations that page with a marker."""
        return tuple(s for s in self.values() if s.paginator is not None)

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
