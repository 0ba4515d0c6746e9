"""``client.with_raw_response``: served at run time by name, typed by a view that lists every
operation once (``tests/typing/check_surface.py`` holds mypy to it); the two agree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import iamlast
from iamlast.operations import OPERATIONS

GENERATED = Path(iamlast.__file__).parent / "_generated"
# Each view sits beside its client's methods: the sync one in client.py, the async in async_client.py.
MODULES = {"SyncRawOperations": GENERATED / "client.py", "AsyncRawOperations": GENERATED / "async_client.py"}


def _typed_view(name: str) -> list[str]:
    tree = ast.parse(MODULES[name].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return [
                target.id
                for stmt in node.body
                if isinstance(stmt, ast.Assign)
                for target in stmt.targets
                if isinstance(target, ast.Name)
            ]
    raise AssertionError(f"no class {name} in {MODULES[name]}")


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
