"""``client.with_raw_response``: served at run time by name, typed by a view that lists every
operation once (``tests/typing/check_surface.py`` holds mypy to it); the two agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import iamlast
from iamlast.operations import OPERATIONS

CLIENT = Path(iamlast.__file__).parent / "_generated" / "client.py"


def _typed_view(name: str) -> list[str]:
    tree = ast.parse(CLIENT.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return [
                target.id
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for target in stmt.targets
                if isinstance(target, ast.Name)
            ]
    raise AssertionError(f"no class {name} in {CLIENT}")


@pytest.mark.parametrize(
    ("view", "client_cls"),
    [("SyncRawOperations", iamlast.Client), ("AsyncRawOperations", iamlast.AsyncClient)],
)
def test_the_typed_view_names_every_operation_the_proxy_serves(view: str, client_cls: type) -> None:
    typed = _typed_view(view)
    assert len(typed) == len(set(typed)) == len(OPERATIONS)
    client = client_cls(endpoint_url="http://127.0.0.1:9", aws_access_key_id="a", aws_secret_access_key="b")
    assert sorted(typed) == dir(client.with_raw_response)
    for name in typed:
        assert callable(getattr(client.with_raw_response, name))
