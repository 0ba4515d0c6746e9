"""AWS's awsQuery compliance cases (../shared/protocol-tests, from botocore), run through the
generator: each suite's own shapes are generated into a package, then requests are built with
the generated ``to_query`` and the core, and responses parsed with the generated ``of_xml`` and
``decode_error``. Bodies are compared exactly, parsed results value by value.
"""

from __future__ import annotations

import copy
import importlib
import json
import math
import sys
import uuid
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from codegen.generate import generate_into
from iamlast._runtime import core
from iamlast._runtime.shape import Shape

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"  # a copy of ../shared/protocol-tests (see data/SOURCE.md)
SHARED = ROOT.parent / "shared" / "protocol-tests"

INPUT = json.loads((DATA / "input" / "query.json").read_text())
OUTPUT = json.loads((DATA / "output" / "query.json").read_text())

# A case may be skipped only with a reason written here; the count is printed by the summary test.
SKIPS: dict[str, str] = {}


def _suite_model(suite: dict[str, Any], inject_wrapper: bool) -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for case in suite["cases"]:
        given = copy.deepcopy(case["given"])
        if inject_wrapper and "output" in given:
            # botocore's runner adds the result wrapper real service models carry.
            given["output"].setdefault("resultWrapper", given["name"] + "Result")
        operations[given["name"]] = given
    return {"metadata": suite["metadata"], "shapes": suite["shapes"], "operations": operations}


_PACKAGES: dict[tuple[str, int], Any] = {}


def _package(kind: str, index: int, suite: dict[str, Any], root: Path) -> Any:
    key = (kind, index)
    if key not in _PACKAGES:
        name = f"proto_{kind}_{index}"
        generate_into(root / name, _suite_model(suite, inject_wrapper=kind == "output"), with_client=False)
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        _PACKAGES[key] = importlib.import_module(name)
    return _PACKAGES[key]


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("protocol_packages")


def _cases(suites: list[dict[str, Any]]) -> list[Any]:
    out = []
    for index, suite in enumerate(suites):
        for case in suite["cases"]:
            marks = [pytest.mark.skip(reason=SKIPS[case["id"]])] if case["id"] in SKIPS else []
            out.append(pytest.param(index, case, id=case["id"], marks=marks))
    return out


# ------------------------------------------------------------------ serialization


@pytest.mark.parametrize(("index", "case"), _cases(INPUT))
def test_input(index: int, case: dict[str, Any], generated_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = INPUT[index]
    pkg = _package("input", index, suite, generated_root)
    ops = importlib.import_module(pkg.__name__ + ".operations")
    spec = ops.get(case["given"]["name"])
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("00000000-0000-4000-8000-000000000000"))
    params = case.get("params") or {}
    request = spec.input_model.validated(params) if spec.input_model is not None else None
    endpoint = suite.get("clientEndpoint") or "https://example.com"
    prepared = core.build_request(spec, request, endpoint_url=endpoint, api_version=suite["metadata"]["apiVersion"])
    expected = case["serialized"]
    assert prepared.method == expected["method"]
    split = urlsplit(prepared.url)
    assert split.path == expected["uri"]
    if "body" in expected:
        assert prepared.body.decode() == expected["body"]
    for name, value in (expected.get("headers") or {}).items():
        got = prepared.headers.get(name)
        if name == "Content-Type":
            value += "; charset=utf-8"  # as botocore's runner expects
        assert got == value, name
    for name in expected.get("forbidHeaders") or []:
        assert name not in prepared.headers
    if "host" in expected:
        assert (split.netloc + split.path.rstrip("/")).endswith(expected["host"]) or split.netloc == expected["host"]
    if prepared.headers.get("Content-Encoding") == "gzip":
        import gzip
        from urllib.parse import parse_qs

        decoded = parse_qs(gzip.decompress(prepared.body).decode())
        assert decoded["Action"] == [case["given"]["name"]]
        for key, value in params.items():
            assert decoded[key] == [value]


# ------------------------------------------------------------------ parsing


def _plain(value: Any) -> Any:
    """A parsed value in the test data's terms: epoch seconds, decoded blobs, NaN as text."""
    if isinstance(value, Shape):
        out = {}
        for name, info in type(value).model_fields.items():
            if name == "response_metadata":
                continue
            item = getattr(value, name)
            if item is not None:
                out[info.alias or name] = _plain(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _expected(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expected(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return value


@pytest.mark.parametrize(("index", "case"), _cases(OUTPUT))
def test_output(index: int, case: dict[str, Any], generated_root: Path) -> None:
    suite = OUTPUT[index]
    pkg = _package("output", index, suite, generated_root)
    ops = importlib.import_module(pkg.__name__ + ".operations")
    errors = importlib.import_module(pkg.__name__ + ".errors")
    spec = ops.get(case["given"]["name"])
    response = case["response"]
    body = (response.get("body") or "").encode()
    result = core.parse_response(spec, response["status_code"], response.get("headers") or {}, body, errors.decode_error)
    if "errorCode" in case:
        from iamlast._runtime.errors import ServiceError

        assert isinstance(result, ServiceError)
        assert result.code == case["errorCode"]
        assert type(result).__name__ != "UnknownServiceError"
        if "errorMessage" in case:
            assert result.message == case["errorMessage"]
        assert result.request_id == "foo-id"
        assert result.status_code == response["status_code"]
        details = _plain(result.details) if result.details is not None else {}
        assert details == case.get("error", {})
        return
    assert isinstance(result, Shape)
    got = _plain(result)
    assert got == _expected(case.get("result") or {})


def test_copy_matches_the_shared_cases() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not there (a clean clone without ../shared)")
    for name in ("input/query.json", "output/query.json"):
        assert (DATA / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_case_counts() -> None:
    total = sum(len(s["cases"]) for s in INPUT) + sum(len(s["cases"]) for s in OUTPUT)
    print(f"\nprotocol cases: {total}, skipped: {len(SKIPS)} ({', '.join(sorted(SKIPS)) or 'none'})")
    assert total == 76
    assert len(SKIPS) == 0
