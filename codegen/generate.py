"""The generator's pipeline: model → source files → formatted → written or compared."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from . import emit_api, emit_client
from .emit_shapes import HEADER, ShapeEmitter
from .model import ModelError, Service, load, read_files

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
MODEL = SPECS / "iam-2010-05-08" / "service-2.json"
PAGINATORS = SPECS / "iam-2010-05-08" / "paginators-1.json"
OVERRIDES = SPECS / "overrides.json"

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
    """All generated files, relative path → source (unformatted)."""
    emitter = ShapeEmitter(service, _op_docs(service))
    files: dict[str, str] = {}
    files["__init__.py"] = emit_api.package_init(service)
    files["enums.py"] = emitter.enums_module()
    files["shapes/__init__.py"] = emit_api.shapes_index(emitter)
    for group in emitter.groups:
        files[f"shapes/{emitter.module_of[group[0]]}.py"] = emitter.module(group)
    files["operations.py"] = emit_api.operations_module(service)
    files["errors.py"] = emit_api.errors_module(service)
    if with_client:
        files["client.py"] = emit_client.client_module(service)
    files["py.typed"] = ""
    return files


def _format(directory: Path) -> None:
    cmd = [sys.executable, "-m", "ruff", *_RUFF_FORMAT, str(directory)]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GeneratorError(f"ruff format failed:\n{result.stdout}{result.stderr}")


def generate_into(
    target: Path,
    model: dict[str, Any] | None = None,
    paginators: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
    *,
    with_client: bool = True,
) -> int:
    """Generate a package into ``target`` (emptied first) and format it; returns the file count.

    Without ``model`` the IAM model in ``specs/`` is used; tests pass their own small models.
    """
    try:
        if model is None:
            service = read_files(MODEL, PAGINATORS, OVERRIDES)
        else:
            service = load(model, paginators, overrides)
        files = render(service, with_client=with_client)
    except ModelError as exc:
        raise GeneratorError(str(exc)) from exc
    if target.exists():
        shutil.rmtree(target)
    for rel, source in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source if source or rel.endswith(".typed") else HEADER)
    _format(target)
    return len(files)


def write(out: Path) -> int:
    """Regenerate the committed package."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "_generated"
        count = generate_into(staged)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staged, out)
    return count


def check(out: Path) -> list[str]:
    """What differs between a fresh generation and ``out`` (empty when current)."""
    with tempfile.TemporaryDirectory() as tmp:
        staged = Path(tmp) / "_generated"
        generate_into(staged)
        fresh = {p.relative_to(staged).as_posix(): p.read_bytes() for p in staged.rglob("*") if p.is_file()}
    committed = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    } if out.exists() else {}
    problems = []
    for rel in sorted(fresh.keys() | committed.keys()):
        if rel not in committed:
            problems.append(f"missing: {rel}")
        elif rel not in fresh:
            problems.append(f"extra (not generated): {rel}")
        elif fresh[rel] != committed[rel]:
            problems.append(f"differs: {rel}")
    return problems
