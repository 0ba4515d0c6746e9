"""AWS's awsJson 1.1 compliance cases (../shared/protocol-tests, from botocore), run through the
generator: each suite's own shapes are generated into a package, then requests are built with
the generated ``to_awsjson`` and the core, and responses parsed with the generated
``of_awsjson`` and ``decode_error``. Bodies are compared as parsed JSON (the data's own rule;
Organizations' request bodies are compared with botocore's serializer in
tests/models/test_service_differential.py), parsed results value by value.
"""

from __future__ import annotations

import copy
import gzip
import importlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from codegen.generate import generate_into
from iamlast._runtime import core
from iamlast._runtime.errors import ServiceError
from iamlast._runtime.prepare import request_id_header
from iamlast._runtime.shape import Shape

from .test_query_protocol import _plain

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"  # a copy of ../shared/protocol-tests (see data/SOURCE.md)
SHARED = ROOT.parent / "shared" / "protocol-tests"

INPUT = json.loads((DATA / "input" / "json.json").read_text())
OUTPUT = json.loads((DATA / "output" / "json.json").read_text())

# A case may be skipped only with a reason written here; the count is printed by the summary test.
SKIPS: dict[str, str] = {}


def _suite_model(suite: dict[str, Any]) -> dict[str, Any]:
    operations = {case["given"]["name"]: copy.deepcopy(case["given"]) for case in suite["cases"]}
    return {"metadata": suite["metadata"], "shapes": suite["shapes"], "operations": operations}


_PACKAGES: dict[tuple[str, int], Any] = {}


def _package(kind: str, index: int, suite: dict[str, Any], root: Path) -> Any:
    key = (kind, index)
    if key not in _PACKAGES:
        name = f"proto_json_{kind}_{index}"
        generate_into(root / name, _suite_model(suite), with_client=False)
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        _PACKAGES[key] = importlib.import_module(name)
    return _PACKAGES[key]


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("json_protocol_packages")


def _cases(suites: list[dict[str, Any]]) -> list[Any]:
    out = []
    for index, suite in enumerate(suites):
        for case in suite["cases"]:
            marks = [pytest.mark.skip(reason=SKIPS[case["id"]])] if case["id"] in SKIPS else []
            out.append(pytest.param(index, case, id=case["id"], marks=marks))
    return out


# ------------------------------------------------------------------ serialization


@pytest.mark.parametrize(("index", "case"), _cases(INPUT))
def test_input(
    index: int, case: dict[str, Any], generated_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    suite = INPUT[index]
    meta = suite["metadata"]
    pkg = _package("input", index, suite, generated_root)
    ops = importlib.import_module(pkg.__name__ + ".operations")
    spec = ops.get(case["given"]["name"])
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID("00000000-0000-4000-8000-000000000000"))
    params = case.get("params") or {}
    request = spec.input_model.validated(params) if spec.input_model is not None else None
    endpoint = suite.get("clientEndpoint") or "https://example.com"
    prepared = core.build_request(
        spec,
        request,
        endpoint_url=endpoint,
        api_version=meta["apiVersion"],
        protocol="json",
        target_prefix=meta["targetPrefix"],
        json_version=meta["jsonVersion"],
    )
    expected = case["serialized"]
    assert prepared.method == expected["method"]
    split = urlsplit(prepared.url)
    assert split.path == expected["uri"]
    body = prepared.body
    if prepared.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
        assert json.loads(body) == {k: v for k, v in params.items() if v is not None}
    if "body" in expected:
        assert json.loads(body) == json.loads(expected["body"])
    for name, value in (expected.get("headers") or {}).items():
        assert prepared.headers.get(name) == value, name
    for name in expected.get("forbidHeaders") or []:
        assert name not in prepared.headers
    if expected.get("requireHeaders"):
        # What goes on the wire: the transport adds Content-Length for the body as built.
        sent = httpx.Request(prepared.method, prepared.url, headers=prepared.headers, content=prepared.body)
        for name in expected["requireHeaders"]:
            assert name in sent.headers, name
        assert sent.headers["Content-Length"] == str(len(prepared.body))
    if "host" in expected:
        assert (split.netloc + split.path.rstrip("/")).endswith(expected["host"]) or split.netloc == expected["host"]


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize(("index", "case"), _cases(OUTPUT))
def test_output(index: int, case: dict[str, Any], generated_root: Path) -> None:
    suite = OUTPUT[index]
    pkg = _package("output", index, suite, generated_root)
    ops = importlib.import_module(pkg.__name__ + ".operations")
    errors = importlib.import_module(pkg.__name__ + ".errors")
    spec = ops.get(case["given"]["name"])
    response = case["response"]
    headers = response.get("headers") or {}
    body = (response.get("body") or "").encode()
    result = core.parse_response(
        spec, response["status_code"], headers, body, errors.decode_error, protocol="json"
    )
    if "errorCode" in case:
        assert isinstance(result, ServiceError)
        assert result.code == case["errorCode"]
        assert type(result).__name__ != "UnknownServiceError"
        if "errorMessage" in case:
            assert result.message == case["errorMessage"]
        assert result.status_code == response["status_code"]
        assert result.raw == body
        details = _plain(result.details) if result.details is not None else {}
        assert details == case.get("error", {})
        return
    assert isinstance(result, Shape)
    assert _plain(result) == (case.get("result") or {})
    if "X-Amzn-Requestid" in headers:
        assert request_id_header(headers) == headers["X-Amzn-Requestid"]


def test_copy_matches_the_shared_cases() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is not there (a clean clone without ../shared)")
    for name in ("input/json.json", "output/json.json", "README.md"):
        assert (DATA / name).read_bytes() == (SHARED / name).read_bytes(), name


def test_case_counts() -> None:
    inputs = sum(len(s["cases"]) for s in INPUT)
    outputs = sum(len(s["cases"]) for s in OUTPUT)
    print(
        f"\njson protocol cases: {inputs} input + {outputs} output, skipped: {len(SKIPS)} "
        f"({', '.join(sorted(SKIPS)) or 'none'})"
    )
    assert (inputs, outputs) == (54, 58)
    assert len(SKIPS) == 0
