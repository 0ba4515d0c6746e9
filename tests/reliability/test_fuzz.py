"""Mutated real responses: the only exceptions ``of_xml`` and ``decode_error`` ever let out are
iamlast's typed ones.

Every operation's output model reads mutations of its own full response document (every member
filled in, see ``_seeds.py``): elements deleted, duplicated, swapped, renamed, emptied, given
children or text of the wrong kind (letters in an integer, a bad timestamp, bad base64, ``yes`` for
a boolean), unknown elements and attributes added, foreign namespaces, and then the bytes
truncated, flipped or spliced. ``decode_error`` reads mutations of every operation's error
documents under every kind of status and never raises at all.

The default run is a few examples per operation plus a deterministic sweep; ``-m fuzz`` digs
deeper (and runs the atheris harness when atheris is installed).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from iamlast import errors
from iamlast._runtime.errors import IamError, ResponseParseError, ServiceError
from iamlast.errors import decode_error
from iamlast.operations import OPERATIONS

from ._seeds import (
    ALL_OPERATIONS,
    OUTPUT_OPERATIONS,
    element_kinds,
    error_documents,
    output_document,
)

QUICK = settings(
    max_examples=6,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
DEEP = settings(QUICK, max_examples=400)

#: Text of the wrong kind for each kind of element (and anything for the rest).
BAD_TEXT: dict[str, list[str]] = {
    "integer": ["", " ", "forty-two", "4.2", "1e3", "0x2a", "9" * 5000, "-", "+-1", "٤٢", "NaN"],
    "timestamp": [
        "",
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2024-01-01T25:61:61Z",
        "0000-00-00T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "1e999",
        "-1e20",
        "NaN",
        "Mon, 99 Foo 2024 00:00:00 GMT",
        "2024-01-01T00:00:00+99:00",
    ],
    "boolean": ["", "yes", "1", "True", "FALSE", "truee", " t "],
    "blob": ["====", "a", "abc", "%%%", "YQ", "Zm9v=YmFy", "\u00e9\u00e9\u00e9\u00e9"],
    "enum": ["", "NOT_A_KNOWN_VALUE", "in_progress", " COMPLETED ", "\u2603"],
    "string": ["", "   ", "\u00e9\u20ac\U0001d11e", "&amp;<x>", "a" * 10_000],
    "container": ["text where elements belong", "", "42"],
}
ANY_BAD = sorted({text for texts in BAD_TEXT.values() for text in texts})
EXTRA_TAGS = [
    "Unknown",
    "member",
    "entry",
    "key",
    "value",
    "ResponseMetadata",
    "RequestId",
    "Error",
]

xml_text = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc"),
        exclude_characters="\ufffe\uffff",
    ),
    max_size=30,
)
MUTATIONS = (
    "delete",
    "duplicate",
    "swap",
    "rename",
    "set-text",
    "typed-garbage",
    "empty",
    "add-child",
    "add-attribute",
    "foreign-namespace",
    "tail-text",
    "hoist",
)
mutation = st.tuples(
    st.sampled_from(MUTATIONS),
    st.integers(0, 10_000),  # which element
    st.integers(0, 10_000),  # another element / choice
    st.one_of(st.sampled_from(ANY_BAD), xml_text),
)
byte_damage = st.one_of(
    st.none(),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(
        st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4)
    ),
    st.tuples(st.just("splice"), st.floats(0, 1), st.binary(max_size=24)),
)


def _tag(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def mutate(
    seed: bytes,
    kinds: dict[str, frozenset[str]],
    steps: list[tuple[str, int, int, str]],
    damage: Any,
) -> bytes:
    """Apply tree mutations to ``seed``, then damage its bytes."""
    root = etree.fromstring(seed)
    for op, which, other, text in steps:
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        el = elements[which % len(elements)]
        partner = elements[other % len(elements)]
        parent = el.getparent()
        if op == "delete" and parent is not None:
            parent.remove(el)
        elif op == "duplicate" and parent is not None:
            parent.insert(parent.index(el), copy.deepcopy(el))
        elif op == "swap" and parent is not None and len(parent) > 1:
            siblings = list(parent)
            a, b = parent.index(el), other % len(siblings)
            siblings[a], siblings[b] = siblings[b], siblings[a]
            for child in siblings:
                parent.remove(child)
            parent.extend(siblings)
        elif op == "rename":
            el.tag = partner.tag if other % 2 else EXTRA_TAGS[other % len(EXTRA_TAGS)]
        elif op == "set-text":
            el.text = text
        elif op == "typed-garbage":
            choices = sorted(kinds.get(_tag(el), frozenset({"string"})))
            bad = BAD_TEXT[choices[other % len(choices)]]
            el.text = bad[other % len(bad)]
        elif op == "empty":
            for child in list(el):
                el.remove(child)
            el.text = None
        elif op == "add-child":
            child = etree.SubElement(
                el, EXTRA_TAGS[other % len(EXTRA_TAGS)] if other % 3 else partner.tag
            )
            child.text = text
        elif op == "add-attribute":
            el.set("attr" if other % 2 else "{urn:x}attr", text)
        elif op == "foreign-namespace":
            el.tag = f"{{urn:foreign:{other % 3}}}{_tag(el)}"
        elif op == "tail-text":
            el.tail = text
        elif op == "hoist" and parent is not None:
            # An element moved up a level, out of the list or structure it belongs to.
            grand = parent.getparent()
            if grand is not None:
                parent.remove(el)
                grand.append(el)
    data = etree.tostring(root)
    if damage is None:
        return data
    if damage[0] == "truncate":
        return data[: int(len(data) * damage[1])]
    if damage[0] == "flip":
        out = bytearray(data)
        for where, byte in damage[1]:
            out[min(int(len(out) * where), len(out) - 1)] = byte
        return bytes(out)
    where = int(len(data) * damage[1])
    return data[:where] + damage[2] + data[where:]


# --------------------------------------------------------------------------------- checks


def read_output(operation: str, body: bytes | str) -> None:
    """``of_xml`` gives a usable model or a typed error; nothing else escapes."""
    model = OPERATIONS[operation].output_model
    assert model is not None
    try:
        parsed = model.of_xml(body)
    except IamError as exc:
        # typed, and printable (ResponseParseError's str adds operation and request id)
        str(exc)
        repr(exc)
        return
    # What came back is a model you can use: print it, turn it to JSON and back.
    repr(parsed)
    data = parsed.to_json()
    json.dumps(data)


def read_error(operation: str, status: int, body: bytes) -> None:
    """``decode_error`` never raises; its result is a usable typed error."""
    err = decode_error(operation, status, body, {"x-amzn-RequestId": "rid-header"})
    assert isinstance(err, ServiceError)
    assert isinstance(err.code, str) and err.code
    assert err.status_code == status
    assert err.raw == body
    str(err)
    repr(err)
    json.dumps(err.to_json())
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is type(err) and again.code == err.code


# --------------------------------------------------------------------------------- sweep


def test_seeds_are_valid_documents() -> None:
    for operation in OUTPUT_OPERATIONS:
        model = OPERATIONS[operation].output_model
        assert model is not None
        parsed = model.of_xml(output_document(operation))
        assert parsed.response_metadata.request_id == f"rid-{operation}"
    for operation in ALL_OPERATIONS:
        for body in error_documents(operation):
            err = decode_error(operation, 400, body, None)
            assert not isinstance(err, errors.UnknownServiceError), body[:300]


#: Elements of each document the sweep below visits (evenly spread; all of small documents).
SWEEP_ELEMENTS = 48


@pytest.mark.parametrize("operation", OUTPUT_OPERATIONS)
def test_wrong_kind_of_text_in_typed_elements(operation: str) -> None:
    """Deterministic: elements holding integers, timestamps, booleans, blobs and enums get text
    of each wrong kind in turn, containers get text instead of children; then the document is
    cut at sixteen points."""
    seed = output_document(operation)
    kinds = element_kinds(operation)
    root = etree.fromstring(seed)
    elements = list(root.iter())
    step = max(1, len(elements) // SWEEP_ELEMENTS)
    for el in elements[::step]:
        saved_text, saved_children = el.text, list(el)
        for kind in sorted(kinds.get(_tag(el), frozenset({"container"}))):
            for text in BAD_TEXT["container" if kind == "container" else kind][:4]:
                for child in list(el):
                    el.remove(child)
                el.text = text
                read_output(operation, etree.tostring(root))
                el.text = saved_text
                el.extend(saved_children)
    for k in range(16):
        read_output(operation, seed[: len(seed) * k // 16])


# --------------------------------------------------------------------------------- hypothesis


def _output_case(operation: str) -> Any:
    @given(steps=st.lists(mutation, min_size=1, max_size=6), damage=byte_damage)
    def case(steps: list[tuple[str, int, int, str]], damage: Any) -> None:
        body = mutate(output_document(operation), element_kinds(operation), steps, damage)
        read_output(operation, body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return
        read_output(operation, text)

    return case


def _error_case(operation: str) -> Any:
    seeds = error_documents(operation)

    @given(
        seed=st.sampled_from(seeds),
        steps=st.lists(mutation, max_size=5),
        damage=byte_damage,
        status=st.one_of(
            st.sampled_from([400, 403, 404, 409, 429, 500, 503]), st.integers(100, 599)
        ),
    )
    def case(seed: bytes, steps: list[tuple[str, int, int, str]], damage: Any, status: int) -> None:
        body = mutate(seed, {}, steps, damage)
        read_error(operation, status, body)

    return case


@pytest.mark.parametrize("operation", OUTPUT_OPERATIONS)
def test_of_xml_on_mutated_responses(operation: str) -> None:
    QUICK(_output_case(operation))()


@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_decode_error_on_mutated_error_responses(operation: str) -> None:
    QUICK(_error_case(operation))()


@given(
    operation=st.sampled_from(OUTPUT_OPERATIONS),
    body=st.one_of(st.binary(max_size=200), xml_text.map(str.encode)),
    status=st.integers(100, 599),
)
@QUICK
def test_random_bytes(operation: str, body: bytes, status: int) -> None:
    read_output(operation, body)
    read_error(operation, status, body)


@given(
    operation=st.sampled_from(OUTPUT_OPERATIONS),
    cut=st.integers(0, 10_000),
    status=st.integers(300, 599),
)
@settings(QUICK, max_examples=50)
def test_an_output_document_where_an_error_is_expected_and_back(
    operation: str, cut: int, status: int
) -> None:
    document = output_document(operation)
    read_error(operation, status, document)
    read_error(operation, status, document[: cut % (len(document) + 1)])
    for other in (OUTPUT_OPERATIONS[cut % len(OUTPUT_OPERATIONS)], operation):
        for body in error_documents(other)[:2]:
            with pytest.raises(ResponseParseError):
                OPERATIONS[operation].output_model.of_xml(body)  # type: ignore[union-attr]


# --------------------------------------------------------------------------------- long runs


@pytest.mark.fuzz
@pytest.mark.parametrize("operation", OUTPUT_OPERATIONS)
def test_of_xml_on_mutated_responses_long(operation: str) -> None:
    DEEP(_output_case(operation))()


@pytest.mark.fuzz
@pytest.mark.parametrize("operation", ALL_OPERATIONS)
def test_decode_error_on_mutated_error_responses_long(operation: str) -> None:
    DEEP(_error_case(operation))()


HARNESS = Path(__file__).with_name("atheris_xml.py")


@pytest.mark.fuzz
@pytest.mark.timeout(600)
@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris is not installed")
def test_atheris_harness(tmp_path: Path) -> None:
    seconds = os.environ.get("IAMLAST_ATHERIS_SECONDS", "20")
    done = subprocess.run(
        [sys.executable, str(HARNESS), f"-max_total_time={seconds}", "-print_final_stats=1"],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # crash files land here, not in the checkout
        timeout=int(seconds) + 300,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
