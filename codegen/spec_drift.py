"""What differs between a committed spec and another copy of botocore's model of that service.

``python -m codegen.refresh_specs --check`` (``make spec-drift``) prints this: operations, shapes
and members added, removed or changed, paginators too, and the overrides the new model makes stale.
Documentation-only edits are counted, not listed: they change docstrings, never the wire.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Drift",
    "Source",
    "compare",
    "find_source",
    "paginators_of",
    "read_json",
    "stale_overrides",
]

SERVICE = "service-2.json"
PAGINATORS = "paginators-1.json"
PAGINATOR_EXTRAS = "paginators-1.sdk-extras.json"


@dataclass(frozen=True)
class Source:
    """Where a model was read from: the service file, its paginators (if any), botocore's
    paginator additions (if any), and a label."""

    service: Path
    paginators: Path | None
    label: str
    extras: Path | None = None


def _file(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / (name + ".gz")):
        if candidate.is_file():
            return candidate
    return None


def _source(directory: Path, service: Path, label: str) -> Source:
    return Source(service, _file(directory, PAGINATORS), label, _file(directory, PAGINATOR_EXTRAS))


def find_source(path: Path | None = None, service: tuple[str, str] | None = None) -> Source:
    """The model at ``path``: a ``service-2.json[.gz]`` file, the directory holding one, or a
    botocore ``data`` directory holding ``service``'s (botocore's name and API version:
    ``<name>/<version>`` inside). ``None``: the installed botocore's model of ``service``."""
    if path is None:
        if service is None:
            raise ValueError("which service's model? (name, version) is needed without a path")
        import botocore  # the installed distribution is the default source of truth

        data = Path(botocore.__file__).parent / "data" / Path(*service)
        found = _file(data, SERVICE)
        if found is None:
            raise FileNotFoundError(
                f"botocore {botocore.__version__} has no {service[0]} model in {data}"
            )
        return _source(data, found, f"botocore {botocore.__version__}")
    if path.is_file():
        return _source(path.parent, path, str(path))
    candidates = [path] if service is None else [path, path / Path(*service)]
    for directory in candidates:
        found = _file(directory, SERVICE)
        if found is not None:
            return _source(directory, found, str(directory))
    raise FileNotFoundError(f"no {SERVICE} in {' or '.join(str(c) for c in candidates)}")


def read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.suffix == ".gz" else raw


def read_json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    loaded: dict[str, Any] = json.loads(read_bytes(path))
    return loaded


def paginators_of(source: Source) -> dict[str, Any]:
    """A source's paginators with botocore's additions merged in, as botocore loads them."""
    from .services import merge_paginator_extras

    base = read_json(source.paginators)
    return merge_paginator_extras(base, read_json(source.extras) if source.extras else None)


def _undocumented(value: Any) -> Any:
    """``value`` without its documentation strings, at any depth."""
    if isinstance(value, dict):
        return {
            k: _undocumented(v)
            for k, v in value.items()
            if k not in ("documentation", "documentationUrl", "deprecatedMessage")
        }
    if isinstance(value, list):
        return [_undocumented(v) for v in value]
    return value


def _keys_changed(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k))


@dataclass
class Drift:
    """The differences, by kind; every list holds display strings, sorted."""

    operations_added: list[str] = field(default_factory=list)
    operations_removed: list[str] = field(default_factory=list)
    operations_changed: list[str] = field(default_factory=list)
    shapes_added: list[str] = field(default_factory=list)
    shapes_removed: list[str] = field(default_factory=list)
    shapes_changed: list[str] = field(default_factory=list)
    members_added: list[str] = field(default_factory=list)
    members_removed: list[str] = field(default_factory=list)
    members_changed: list[str] = field(default_factory=list)
    paginators_changed: list[str] = field(default_factory=list)
    metadata_changed: list[str] = field(default_factory=list)
    documentation_only: int = 0

    def any_model_change(self) -> bool:
        return any(
            getattr(self, name)
            for name in self.__dataclass_fields__
            if name != "documentation_only"
        )

    def lines(self) -> list[str]:
        """A few lines, one per kind of change that occurred."""
        rows = [
            ("operations added", self.operations_added),
            ("operations removed", self.operations_removed),
            ("operations changed", self.operations_changed),
            ("shapes added", self.shapes_added),
            ("shapes removed", self.shapes_removed),
            ("shapes changed", self.shapes_changed),
            ("members added", self.members_added),
            ("members removed", self.members_removed),
            ("members changed", self.members_changed),
            ("paginators", self.paginators_changed),
            ("metadata changed", self.metadata_changed),
        ]
        out = [f"{title} ({len(items)}): {', '.join(items)}" for title, items in rows if items]
        if self.documentation_only:
            out.append(f"documentation only: {self.documentation_only} operations or shapes")
        return out


def _members(shape: dict[str, Any]) -> dict[str, Any]:
    members: dict[str, Any] = shape.get("members") or {}
    return members


def _shape_change(name: str, old: dict[str, Any], new: dict[str, Any], drift: Drift) -> bool:
    """Record a changed shape's member and shape-level differences; True if any were not docs."""
    changed = False
    old_members, new_members = _members(old), _members(new)
    old_required, new_required = set(old.get("required") or ()), set(new.get("required") or ())
    for member in sorted(new_members.keys() - old_members.keys()):
        drift.members_added.append(
            f"{name}.{member}" + (" (required)" if member in new_required else "")
        )
        changed = True
    for member in sorted(old_members.keys() - new_members.keys()):
        drift.members_removed.append(f"{name}.{member}")
        changed = True
    for member in sorted(old_members.keys() & new_members.keys()):
        what = _keys_changed(_undocumented(old_members[member]), _undocumented(new_members[member]))
        if (member in old_required) != (member in new_required):
            what.append("now required" if member in new_required else "no longer required")
        if what:
            drift.members_changed.append(f"{name}.{member} ({', '.join(what)})")
            changed = True
    rest_old = _undocumented({k: v for k, v in old.items() if k not in ("members", "required")})
    rest_new = _undocumented({k: v for k, v in new.items() if k not in ("members", "required")})
    what = _keys_changed(rest_old, rest_new)
    if "enum" in what:
        added = sorted(set(new.get("enum") or ()) - set(old.get("enum") or ()))
        removed = sorted(set(old.get("enum") or ()) - set(new.get("enum") or ()))
        what.remove("enum")
        what += [f"enum +{v}" for v in added] + [f"enum -{v}" for v in removed]
    if what:
        drift.shapes_changed.append(f"{name} ({', '.join(what)})")
        changed = True
    return changed


def _operation_change(name: str, old: dict[str, Any], new: dict[str, Any]) -> str | None:
    what = []
    for key in _keys_changed(_undocumented(old), _undocumented(new)):
        if key == "errors":
            before = {e.get("shape") for e in old.get("errors") or ()}
            after = {e.get("shape") for e in new.get("errors") or ()}
            what += [f"error +{e}" for e in sorted(after - before)]
            what += [f"error -{e}" for e in sorted(before - after)]
        else:
            what.append(key)
    return f"{name} ({', '.join(what)})" if what else None


def compare(
    old: dict[str, Any],
    new: dict[str, Any],
    old_paginators: dict[str, Any] | None = None,
    new_paginators: dict[str, Any] | None = None,
) -> Drift:
    """The differences from ``old`` to ``new`` (``service-2.json`` dicts, and their paginators)."""
    drift = Drift()
    old_ops, new_ops = old.get("operations") or {}, new.get("operations") or {}
    drift.operations_added = sorted(new_ops.keys() - old_ops.keys())
    drift.operations_removed = sorted(old_ops.keys() - new_ops.keys())
    for name in sorted(old_ops.keys() & new_ops.keys()):
        if old_ops[name] == new_ops[name]:
            continue
        described = _operation_change(name, old_ops[name], new_ops[name])
        if described is None:
            drift.documentation_only += 1
        else:
            drift.operations_changed.append(described)
    old_shapes, new_shapes = old.get("shapes") or {}, new.get("shapes") or {}
    drift.shapes_added = sorted(new_shapes.keys() - old_shapes.keys())
    drift.shapes_removed = sorted(old_shapes.keys() - new_shapes.keys())
    for name in sorted(old_shapes.keys() & new_shapes.keys()):
        if old_shapes[name] != new_shapes[name] and not _shape_change(
            name, old_shapes[name], new_shapes[name], drift
        ):
            drift.documentation_only += 1
    drift.metadata_changed = _keys_changed(old.get("metadata") or {}, new.get("metadata") or {})
    old_pages = (old_paginators or {}).get("pagination") or {}
    new_pages = (new_paginators or {}).get("pagination") or {}
    for name in sorted(old_pages.keys() | new_pages.keys()):
        if name not in old_pages:
            drift.paginators_changed.append(f"+{name}")
        elif name not in new_pages:
            drift.paginators_changed.append(f"-{name}")
        elif old_pages[name] != new_pages[name]:
            drift.paginators_changed.append(f"~{name}")
    return drift


def stale_overrides(
    model: dict[str, Any], paginators: dict[str, Any], overrides: dict[str, Any]
) -> list[str]:
    """Overrides (a service's section of ``specs/overrides.json``) that ``model`` no longer needs
    or no longer fits."""
    shapes = model.get("shapes") or {}
    out = []
    for shape_name, entry in sorted((overrides.get("optional_members") or {}).items()):
        if shape_name.startswith("_") or not isinstance(entry, dict):
            continue
        shape = shapes.get(shape_name)
        if shape is None:
            out.append(f"optional_members: no shape {shape_name}")
            continue
        required = set(shape.get("required") or ())
        for member in entry.get("members", []):
            if member not in _members(shape):
                out.append(f"optional_members: {shape_name} has no member {member}")
            elif member not in required:
                out.append(f"optional_members: {shape_name}.{member} is no longer required")
    for shape_name in (overrides.get("url_encoded_shapes") or {}).get("shapes", []):
        if (shapes.get(shape_name) or {}).get("type") != "string":
            out.append(f"url_encoded_shapes: {shape_name} is not a string shape")
    operations = model.get("operations") or {}
    botocore_pages = paginators.get("pagination") or {}
    for section in ("paginators", "jobs"):
        entries = (overrides.get(section) or {}).get("operations") or {}
        for op_name, entry in sorted(entries.items()):
            if op_name not in operations:
                out.append(f"{section}: no operation {op_name}")
                continue
            if section == "paginators" and op_name in botocore_pages:
                out.append(f"paginators: botocore now pages {op_name} itself")
            output = (operations[op_name].get("output") or {}).get("shape")
            members = _members(shapes.get(output) or {})
            keys = (
                ("output_token", "more_results", "result_key")
                if section == "paginators"
                else ("status", "failure")
            )
            for key in keys:
                if entry.get(key) is not None and entry[key] not in members:
                    out.append(f"{section}: {op_name}'s output has no member {entry[key]}")
    return out
