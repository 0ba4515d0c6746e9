"""Imports flow one way, read from the import graph of the source tree (nothing is imported).

Every ``import`` and ``from … import`` in every module under ``src/iamlast`` counts, wherever it
stands — at the top, inside a function, or under ``if TYPE_CHECKING:`` (a type-only import is
still a dependency: the type checker, the docs and a reader follow it) — and so does
``importlib.import_module`` with a literal name. Relative imports are resolved against the
module's package. The layers, bottom to top:

=================  =========================================================================
runtime            ``iamlast._runtime``: imports only the runtime (and no HTTP client: it is
                   sans-IO)
generated          ``iamlast._generated`` (IAM) and ``iamlast._generated_<service>`` (STS,
                   Organizations): imports the runtime and itself; what the runtime
                   needs from it (error codes, pager and operation tables) it registers
library            every other module but ``iamlast.testing`` and ``iamlast.cli``: clients and
                   public faces, on top of the two
testing            ``iamlast.testing`` (with the emulator's generated codecs): anything but
                   the command line
cli                ``iamlast.cli``: anything
=================  =========================================================================

and the library never imports what only the ``cli`` extra installs (click, rich).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = SRC / "iamlast"

LAYERS = ("runtime", "generated", "library", "testing", "cli")
#: What each layer may import from iamlast.
ALLOWED: dict[str, frozenset[str]] = {
    "runtime": frozenset({"runtime"}),
    "generated": frozenset({"runtime", "generated"}),
    "library": frozenset({"runtime", "generated", "library"}),
    "testing": frozenset({"runtime", "generated", "library", "testing"}),
    "cli": frozenset(LAYERS),
}
#: Third-party top-level packages a layer must never import.
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "runtime": frozenset({"httpx", "httpcore", "click", "rich"}),
    "generated": frozenset({"httpx", "httpcore", "click", "rich"}),
    "library": frozenset({"click", "rich"}),
}
WHY = {
    "runtime": "the runtime imports only the runtime",
    "generated": "generated code imports only the runtime (and itself)",
    "library": "the library never imports iamlast.testing or iamlast.cli",
    "testing": "iamlast.testing never imports iamlast.cli",
}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "iamlast":
        raise ValueError(module)
    top = parts[1] if len(parts) > 1 else ""
    if top == "_runtime":
        return "runtime"
    if top == "_generated" or top.startswith("_generated_"):
        return "generated"
    if top == "testing":
        return "testing"
    if top == "cli":
        return "cli"
    return "library"


def module_name(path: Path) -> tuple[str, bool]:
    """(dotted name, whether it is a package's ``__init__``)."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(parts), is_package


@functools.cache
def _is_module(dotted: str) -> bool:
    base = SRC.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    where: str  # path:line
    target: str  # the imported module, absolute


def imports_of(path: Path, as_module: tuple[str, bool] | None = None) -> list[Import]:
    """The imports of one source file (``as_module``: read it as that module instead)."""
    name, is_package = as_module or module_name(path)
    package = name if is_package else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[Import] = []

    def add(node: ast.AST, target: str) -> None:
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        where = f"{shown}:{getattr(node, 'lineno', 0)}"
        found.append(Import(name, where, target))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                # ``from pkg import module`` imports that module; ``from pkg import name``, pkg.
                candidate = f"{origin}.{alias.name}"
                if origin.startswith("iamlast") and alias.name != "*" and _is_module(candidate):
                    add(node, candidate)
                else:
                    add(node, origin)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and not node.args[0].value.startswith(".")
        ):
            add(node, node.args[0].value)
    return found


def all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found.extend(imports_of(path))
    return found


def violations(imports: list[Import]) -> list[str]:
    problems: list[str] = []
    for imp in imports:
        source_layer = layer(imp.source)
        top = imp.target.split(".")[0]
        if top == "iamlast":
            target_layer = layer(imp.target)
            if target_layer not in ALLOWED[source_layer]:
                problems.append(
                    f"{imp.where}: {imp.source} ({source_layer}) imports {imp.target} "
                    f"({target_layer}): {WHY[source_layer]}"
                )
        elif top in FORBIDDEN_THIRD_PARTY.get(source_layer, ()):
            problems.append(
                f"{imp.where}: {imp.source} ({source_layer}) imports {imp.target}: "
                f"not in the {source_layer} layer"
            )
    return list(dict.fromkeys(problems))


def test_imports_flow_one_way() -> None:
    imports = all_imports()
    # The graph is really read: the layers this test guards all import something.
    assert {layer(i.source) for i in imports} == set(LAYERS)
    assert any(i.target.startswith("iamlast._runtime") for i in imports if layer(i.source) == "generated")
    problems = violations(imports)
    assert problems == [], "imports against the layering:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "code", "offence"),
    [
        ("_runtime/errors.py", "from .._generated import errors\n", "iamlast._generated.errors"),
        (
            "_runtime/report.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .._generated.shapes import Role\n",
            "iamlast._generated.shapes",
        ),
        ("_runtime/paging.py", "def f():\n    import iamlast.pagination\n", "iamlast.pagination"),
        ("_generated/client.py", "from iamlast.pagination import Pager\n", "iamlast.pagination"),
        ("_generated/errors.py", "from ..errors import ServiceError\n", "iamlast.errors"),
        ("_generated_sts/client.py", "from iamlast._client import Client\n", "iamlast._client"),
        (
            "_generated_organizations/errors.py",
            "from iamlast.organizations import Client\n",
            "iamlast.organizations",
        ),
        ("advisor.py", "from .testing import FakeIAM\n", "iamlast.testing"),
        ("models.py", "import importlib\nimportlib.import_module('iamlast.cli.app')\n", "iamlast.cli.app"),
        ("testing/server.py", "from ..cli import main\n", "iamlast.cli"),
        ("_runtime/core.py", "import httpx\n", "httpx"),
        ("jobs.py", "import rich.console\n", "rich.console"),
    ],
)
def test_an_offending_import_is_named(source: str, code: str, offence: str, tmp_path: Path) -> None:
    """The checker finds each kind of wrong import, and says which module imports what."""
    module = "iamlast." + source.removesuffix(".py").replace("/", ".")
    probe = tmp_path / "probe.py"
    probe.write_text(code)
    problems = violations(imports_of(probe, (module, False)))
    assert len(problems) == 1, problems
    assert offence in problems[0] and module in problems[0]


def test_relative_imports_resolve_against_the_package() -> None:
    by_source = {}
    for imp in imports_of(PACKAGE / "_generated" / "errors.py"):
        by_source.setdefault(imp.source, set()).add(imp.target)
    assert "iamlast._generated.shapes" in by_source["iamlast._generated.errors"]
    inits = {i.target for i in imports_of(PACKAGE / "__init__.py")}
    assert "iamlast._runtime.errors" in inits


@pytest.mark.parametrize("name", ["EntityDetails", "EntityInfo", "AccessDetail"])
def test_the_report_protocols_name_every_member_of_the_models_a_report_hands_back(name: str) -> None:
    """``ServiceUsage.entities`` and ``OrganizationsReport.access_details`` hold IAM's models; the
    runtime types them by Protocols (it cannot import them), which must leave no member out."""
    from iamlast import models
    from iamlast._runtime import report_models

    protocol = getattr(report_models, name)
    members = {n for n in vars(protocol) if not n.startswith("_")}
    assert members == set(getattr(models, name).model_fields)
