"""The generator's pipeline: model → source files → formatted → written or compared.

Each service (see :mod:`codegen.services`) gives two packages: the models, operations, errors and
typed client methods (``src/iamlast/<package>``: what users import) and the emulator's codecs —
the writers of its responses and the readers of its requests, in its protocol
(``src/iamlast/testing/<package>``: what only ``iamlast.testing`` imports).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import emit_api, emit_client, emit_testing
from .emit_models import ShapeEmitter
from .lines import HEADER
from .load import load, read_directory
from .model import ModelError, Service
from .services import BY_NAME, SERVICES, ServiceSpec

IAM = BY_NAME["iam"]
#: IAM's committed packages (the defaults of ``--out`` / ``--testing-out``).
MODELS_OUT = IAM.models_out
TESTING_OUT = IAM.testing_out
MODELS_PACKAGE = IAM.models_package

# Formatter settings are fixed here (not read from a pyproject) so output is the same wherever
# it is generated; the ruff version is pinned in pyproject.toml.
_RUFF_FORMAT = ["format", "--isolated", "--line-length", "100", "--target-version", "py311"]


class GeneratorError(Exception):
    """Generation stopped: the message says why."""


def _op_docs(service: Service) -> dict[str, str]:
    """Fallback class docs for request/response shapes that have none."""
    out: dict[str, str] = {}
    for op in service.operations.values():
        if op.input:
            out.setdefault(op.input, f"The request of {op.name} (``client.{op.python_name}``).")
        if op.output:
            out.setdefault(op.output, f"The result of {op.name} (``client.{op.python_name}``).")
    return out


def render(service: Service, *, with_client: bool = True) -> dict[str, str]:
    """The models package's files, relative path → source (unformatted)."""
    return _render(service, with_client=with_client)[0]


def _render(
    service: Service, *, with_client: bool = True, models_package: str = MODELS_PACKAGE
) -> tuple[dict[str, str], dict[str, str]]:
    """(the models package's files, the testing codecs' files)."""
    emitter = ShapeEmitter(service, _op_docs(service))
    files: dict[str, str] = {}
    files["__init__.py"] = emit_api.package_init(service)
    files["enums/__init__.py"] = emitter.enums_index()
    for stem, source in emitter.enum_modules().items():
        files[f"enums/{stem}.py"] = source
    files["shapes/__init__.py"] = emit_api.shapes_index(emitter)
    for group in emitter.groups:
        files[f"shapes/{emitter.module_of[group[0]]}.py"] = emitter.module(group)
    files["operations.py"] = emit_api.operations_module(service)
    files["errors.py"] = emit_api.errors_module(service)
    if with_client:
        files.update(emit_client.client_modules(service))
    files["py.typed"] = ""
    return files, emit_testing.render(emitter, models_package)


def _format(directory: Path) -> None:
    cmd = [sys.executable, "-m", "ruff", *_RUFF_FORMAT, str(directory)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GeneratorError(f"ruff format failed:\n{result.stdout}{result.stderr}")


def _write_tree(target: Path, files: dict[str, str]) -> None:
    if target.exists():
        shutil.rmtree(target)
    for rel, source in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source if source or rel.endswith(".typed") else HEADER)
    _format(target)


def generate_into(
    target: Path,
    model: dict[str, Any] | None = None,
    paginators: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    with_client: bool = True,
    testing: Path | None = None,
    models_package: str | None = None,
    service: ServiceSpec | None = None,
) -> int:
    """Generate the models package into ``target`` (emptied first) and format it; with
    ``testing``, the emulator's codecs for it into that directory too. Returns the file count.

    Without ``model``, the spec of ``service`` (IAM's unless told) in ``specs/`` is used, with
    its overrides; tests pass their own small models (and overrides). ``models_package`` is the
    import name of ``target`` the codecs refer to (its directory name unless given: a test's
    package on ``sys.path``).
    """
    try:
        if model is None:
            spec = service or IAM
            loaded = read_directory(spec.directory, spec.overrides())
        else:
            loaded = load(model, paginators, overrides)
        files, codecs = _render(
            loaded, with_client=with_client, models_package=models_package or target.name
        )
    except ModelError as exc:
        raise GeneratorError(str(exc)) from exc
    _write_tree(target, files)
    if testing is None:
        return len(files)
    _write_tree(testing, codecs)
    return len(files) + len(codecs)


def _selected(services: tuple[ServiceSpec, ...] | None) -> tuple[ServiceSpec, ...]:
    return SERVICES if services is None else services


def write(
    out: Path | None = None,
    testing_out: Path | None = None,
    *,
    services: tuple[ServiceSpec, ...] | None = None,
) -> int:
    """Regenerate the committed packages of every service (or of ``services``); ``out`` and
    ``testing_out`` redirect one service's packages."""
    chosen = _selected(services)
    if (out is not None or testing_out is not None) and len(chosen) != 1:
        chosen = (IAM,)
    count = 0
    for spec in chosen:
        with tempfile.TemporaryDirectory() as tmp:
            staged, staged_testing = Path(tmp) / spec.package, Path(tmp) / "testing"
            count += generate_into(
                staged, testing=staged_testing, models_package=spec.models_package, service=spec
            )
            for source, destination in (
                (staged, out or spec.models_out),
                (staged_testing, testing_out or spec.testing_out),
            ):
                if destination.exists():
                    shutil.rmtree(destination)
                shutil.copytree(source, destination)
    return count


def _tree(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _compare(fresh: dict[str, bytes], committed: dict[str, bytes], prefix: str) -> list[str]:
    problems = []
    for rel in sorted(fresh.keys() | committed.keys()):
        if rel not in committed:
            problems.append(f"missing: {prefix}{rel}")
        elif rel not in fresh:
            problems.append(f"extra (not generated): {prefix}{rel}")
        elif fresh[rel] != committed[rel]:
            problems.append(f"differs: {prefix}{rel}")
    return problems


def _check_one(
    spec: ServiceSpec, out: Path, testing_out: Path | None, prefix: str, testing_prefix: str
) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        staged, staged_testing = Path(tmp) / spec.package, Path(tmp) / "testing"
        generate_into(
            staged,
            testing=staged_testing if testing_out is not None else None,
            models_package=spec.models_package,
            service=spec,
        )
        problems = _compare(_tree(staged), _tree(out), prefix)
        if testing_out is not None:
            problems += _compare(_tree(staged_testing), _tree(testing_out), testing_prefix)
    return problems


def check(
    out: Path | None = None,
    testing_out: Path | None = None,
    *,
    services: tuple[ServiceSpec, ...] | None = None,
) -> list[str]:
    """What differs between a fresh generation and the committed packages: empty when current.

    With ``out`` (and ``testing_out``, named with its directory), one service's packages are
    compared with those directories (IAM's unless ``services`` names another); without, every
    service's committed packages are, each problem prefixed with the package's path."""
    chosen = _selected(services)
    if out is not None:
        named = f"{testing_out.name}/" if testing_out is not None else ""
        return _check_one(chosen[0] if services else IAM, out, testing_out, "", named)
    problems: list[str] = []
    for spec in chosen:
        problems += _check_one(
            spec,
            spec.models_out,
            spec.testing_out,
            f"src/iamlast/{spec.package}/",
            f"src/iamlast/testing/{spec.package}/",
        )
    return problems
