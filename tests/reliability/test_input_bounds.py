"""Every constrained request member of the six Access Advisor operations, through the client
methods (sync and async), just inside and just outside each bound the service model states.

The cases are derived from ``specs/iam-2010-05-08/service-2.json`` (tests/models/test_validation.py
lists hand-written cases against the model constructors; this follows the model instead, so a
changed bound changes the cases): lengths (``min``/``max``), item counts of lists, integer ranges,
enums, and patterns (the length a pattern allows, the first and last character of each character
class and the ones just beyond, anchors). Inside: the request goes out and carries the value.
Outside: ``ParamValidationError`` naming the member and the rule, and nothing is sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from re import _parser as sre  # CPython's own regex parser: walks the model's patterns
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

import iamlast
from iamlast.errors import ParamValidationError
from iamlast.operations import OPERATIONS

from ._seeds import output_document

pytestmark = pytest.mark.timeout(60)

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "specs" / "iam-2010-05-08" / "service-2.json").read_text())
SHAPES: dict[str, Any] = SPEC["shapes"]
ACCESS_ADVISOR = [
    "GenerateServiceLastAccessedDetails",
    "GetServiceLastAccessedDetails",
    "GetServiceLastAccessedDetailsWithEntities",
    "ListPoliciesGrantingServiceAccess",
    "GenerateOrganizationsAccessReport",
    "GetOrganizationsAccessReport",
]
MAXREPEAT = sre.MAXREPEAT


# --------------------------------------------------------------------------------- patterns


def _in_class(items: list[tuple[Any, Any]], char: str) -> bool:
    """Whether ``char`` is in a parsed character class (ASCII \\w and \\d, as the model means)."""
    negate = False
    found = False
    for op, av in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            found = found or char == chr(av)
        elif op is sre.RANGE:
            found = found or av[0] <= ord(char) <= av[1]
        elif op is sre.CATEGORY:
            word = char.isascii() and (char.isalnum() or char == "_")
            table = {
                sre.CATEGORY_WORD: word,
                sre.CATEGORY_DIGIT: char in "0123456789",
                sre.CATEGORY_SPACE: char in " \t\n\r\f\v",
            }
            if av not in table:
                raise NotImplementedError(f"character category {av}")
            found = found or table[av]
        else:
            raise NotImplementedError(f"class item {op}")
    return found != negate


@dataclass
class Piece:
    """One character of a generated string and the class it came from (None: a literal)."""

    char: str
    cls: int | None


class Pattern:
    """A model pattern, parsed: the strings it matches and the edges of its character classes."""

    def __init__(self, pattern: str) -> None:
        self.source = pattern
        self.regex = re.compile(pattern, re.ASCII)
        self.parsed = sre.parse(pattern)
        self.classes: list[list[tuple[Any, Any]]] = []
        self._index(self.parsed)
        self.min_width, self.max_width = self.parsed.getwidth()

    def _index(self, items: Any) -> None:
        for op, av in items:
            if op is sre.IN:
                self.classes.append(av)
            elif op is sre.MAX_REPEAT:
                self._index(av[2])
            elif op not in (sre.LITERAL, sre.AT):
                raise NotImplementedError(f"pattern item {op} in {self.source!r}")

    def matches(self, value: str) -> bool:
        """The oracle: Python's ``re``, full match, ASCII classes (independent of iamlast)."""
        return self.regex.fullmatch(value) is not None

    def build(self, length: int) -> list[Piece]:
        """The first string of ``length`` the pattern matches, padding its open repeats from the
        last one backwards."""
        extra = length - self.min_width
        assert extra >= 0, (self.source, length)
        repeats: list[tuple[int, int]] = []  # (position in walk order, room)

        def collect(items: Any) -> None:
            for op, av in items:
                if op is sre.MAX_REPEAT:
                    repeats.append((len(repeats), min(av[1], 10**6) - av[0]))
                    collect(av[2])

        collect(self.parsed)
        grant: dict[int, int] = {}
        for index, room in reversed(repeats):
            take = min(room, extra)
            grant[index] = take
            extra -= take
        assert extra == 0, f"{self.source!r} cannot match {length} characters"
        out: list[Piece] = []
        _emit(self.parsed, grant, out)
        return out

    def edges(self) -> Iterator[tuple[int, str, bool]]:
        """(class number, character, inside?) at the edges of every character class: each
        range's first and last character, and the ones just outside it."""
        for number, items in enumerate(self.classes):
            for op, av in items:
                if op is sre.RANGE:
                    lo, hi = av
                    yield number, chr(lo), True
                    yield number, chr(hi), True
                    for c in (lo - 1, hi + 1):
                        if 0 <= c < 0x110000 and not 0xD800 <= c <= 0xDFFF:
                            yield number, chr(c), _in_class(items, chr(c))
                elif op is sre.CATEGORY and av is sre.CATEGORY_WORD:
                    for c in "azAZ09_":
                        yield number, c, True
                    for c in "é ß.\u00a0":  # \w is ASCII-only in the model's patterns
                        yield number, c, False
                elif op is sre.LITERAL:
                    yield number, chr(av), True


def _emit(parsed: Any, grant: dict[int, int], out: list[Piece]) -> None:
    """Write the pattern's string into ``out``: each repeat ``min + grant`` times, each class
    as its plainest member, numbered in walk order (a repeat's class keeps one number)."""
    repeat_no = 0
    class_no = 0

    def walk(items: Any) -> None:
        nonlocal repeat_no, class_no
        for op, av in items:
            if op is sre.LITERAL:
                out.append(Piece(chr(av), None))
            elif op is sre.IN:
                pick = next(c for c in "a0_-/ AZ9" if _in_class(av, c))
                out.append(Piece(pick, class_no))
                class_no += 1
            elif op is sre.MAX_REPEAT:
                index = repeat_no
                repeat_no += 1
                first_class = class_no
                times = av[0] + grant[index]
                if times == 0:
                    # Count the classes inside without emitting them.
                    saved = len(out)
                    walk(av[2])
                    del out[saved:]
                    continue
                for _ in range(times):
                    class_no = first_class
                    walk(av[2])

    walk(parsed)


# --------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    operation: str
    member: str  # wire name
    value: Any  # ... means "leave out"
    rule: str | None  # None: accepted
    why: str
    path: str = ""  # the path a refusal names (default: the member)

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.member}-{self.why}-{self.rule or 'ok'}"


def _attr(model: Any, member: str) -> str:
    for name, field in model.model_fields.items():
        if (field.alias or name) == member:
            return str(name)
    raise KeyError(member)


def _string_of(shape: dict[str, Any], length: int) -> str:
    if "pattern" in shape:
        return "".join(p.char for p in Pattern(shape["pattern"]).build(length))
    return "a" * length


def _valid(shape_name: str) -> Any:
    """The plainest value the model accepts for a shape."""
    shape = SHAPES[shape_name]
    kind = shape["type"]
    if kind == "string":
        if "enum" in shape:
            return shape["enum"][0]
        low = shape.get("min", 0)
        if "pattern" in shape:
            low = max(low, Pattern(shape["pattern"]).min_width)
        return _string_of(shape, max(low, 1))
    if kind == "integer":
        return shape.get("min", 1)
    if kind == "list":
        return [_valid(shape["member"]["shape"])] * shape.get("min", 1)
    raise NotImplementedError(kind)


def _string_cases(
    op: str, member: str, shape: dict[str, Any], wrap: Callable[[str], Any], path: str
) -> Iterator[Case]:
    low, high = shape.get("min"), shape.get("max")
    pattern = Pattern(shape["pattern"]) if "pattern" in shape else None
    p_low = pattern.min_width if pattern else 0
    p_high = pattern.max_width if pattern else MAXREPEAT
    if "enum" in shape:
        for value in shape["enum"]:
            yield Case(op, member, wrap(value), None, f"enum-{value}")
        first = shape["enum"][0]
        for bad, why in (
            (first.lower(), "lower"),
            (first + " ", "trailing-space"),
            ("", "empty"),
            (first + "X", "suffixed"),
        ):
            yield Case(op, member, wrap(bad), "enum", f"enum-{why}", path)
        return
    # lengths the model states
    if low is not None:
        yield Case(
            op, member, wrap(_string_of(shape, max(low, p_low))), None, f"len{max(low, p_low)}-min"
        )
        if low > 0:
            short = _string_of(shape, low - 1) if low - 1 >= p_low else "a" * (low - 1)
            yield Case(op, member, wrap(short), "min_length", f"len{low - 1}", path)
    if high is not None:
        top = min(high, p_high)
        yield Case(op, member, wrap(_string_of(shape, top)), None, f"len{top}-max")
        if high + 1 <= p_high:
            yield Case(
                op, member, wrap(_string_of(shape, high + 1)), "max_length", f"len{high + 1}", path
            )
    if pattern is None:
        return
    # lengths only the pattern states (its repeats' bounds)
    if p_low > (low or 0) and p_low > 0:
        yield Case(op, member, wrap(_string_of(shape, p_low)), None, f"pattern-len{p_low}")
        cut = _string_of(shape, p_low)[:-1]
        if not pattern.matches(cut) and (low is None or len(cut) >= low):
            yield Case(op, member, wrap(cut), "pattern", f"pattern-len{len(cut)}", path)
    if p_high < MAXREPEAT and (high is None or p_high < high):
        yield Case(op, member, wrap(_string_of(shape, p_high)), None, f"pattern-len{p_high}")
        longer = _string_of(shape, p_high) + _string_of(shape, p_high)[-1]
        assert not pattern.matches(longer)
        yield Case(op, member, wrap(longer), "pattern", f"pattern-len{p_high + 1}", path)
    # the edges of each character class, put where that class matches
    length = max(low or 0, p_low, 1)
    base = pattern.build(length)
    for number, char, inside in pattern.edges():
        spots = [i for i, piece in enumerate(base) if piece.cls == number]
        if not spots:
            base = pattern.build(min((high or p_high), p_high, length + 3))
            spots = [i for i, piece in enumerate(base) if piece.cls == number]
        if not spots:
            continue
        chars = [p.char for p in base]
        chars[spots[0]] = char
        value = "".join(chars)
        if pattern.matches(value) != inside:
            continue  # another class takes the character: not an edge of this one
        why = f"class{number}-U+{ord(char):04X}"
        yield Case(
            op, member, wrap(value), None if inside else "pattern", why, path if not inside else ""
        )
    # anchors: a line break at either end is not part of the value's match
    plain = "".join(p.char for p in base)
    for value, why in ((plain + "\n", "trailing-newline"), ("\n" + plain, "leading-newline")):
        if not pattern.matches(value):
            yield Case(op, member, wrap(value), "pattern", why, path)


def cases() -> list[Case]:
    out: list[Case] = []
    for op in ACCESS_ADVISOR:
        input_shape = SHAPES[SPEC["operations"][op]["input"]["shape"]]
        for member in input_shape.get("required", []):
            out.append(Case(op, member, ..., "required", "missing"))
        for member, ref in input_shape["members"].items():
            shape = SHAPES[ref["shape"]]
            kind = shape["type"]
            if kind == "string":
                out += _string_cases(op, member, shape, lambda v: v, member)
            elif kind == "integer":
                if "min" in shape:
                    out.append(Case(op, member, shape["min"], None, f"min{shape['min']}"))
                    out.append(Case(op, member, shape["min"] - 1, "min", f"below{shape['min']}"))
                if "max" in shape:
                    out.append(Case(op, member, shape["max"], None, f"max{shape['max']}"))
                    out.append(Case(op, member, shape["max"] + 1, "max", f"above{shape['max']}"))
            elif kind == "list":
                item_name = shape["member"]["shape"]
                item = _valid(item_name)
                if "min" in shape:
                    n = shape["min"]
                    out.append(Case(op, member, [item] * n, None, f"count{n}"))
                    if n > 0:
                        out.append(
                            Case(op, member, [item] * (n - 1), "min_length", f"count{n - 1}")
                        )
                if "max" in shape:
                    n = shape["max"]
                    out.append(Case(op, member, [item] * n, None, f"count{n}"))
                    out.append(Case(op, member, [item] * (n + 1), "max_length", f"count{n + 1}"))
                item_shape = SHAPES[item_name]
                if item_shape["type"] == "string":
                    for case in _string_cases(
                        op, member, item_shape, lambda v: [v], f"{member}[0]"
                    ):
                        out.append(case)
            else:
                raise NotImplementedError(f"{op}.{member}: {kind}")
    return out


def _unique(found: list[Case]) -> list[Case]:
    seen: dict[tuple[str, str, str, str | None], Case] = {}
    for case in found:
        seen.setdefault((case.operation, case.member, repr(case.value), case.rule), case)
    return list(seen.values())


CASES = _unique(cases())


def base_request(op: str) -> dict[str, Any]:
    input_shape = SHAPES[SPEC["operations"][op]["input"]["shape"]]
    return {m: _valid(input_shape["members"][m]["shape"]) for m in input_shape.get("required", [])}


def _kwargs(case: Case) -> dict[str, Any]:
    model = OPERATIONS[case.operation].input_model
    wire = base_request(case.operation)
    if case.value is ...:
        wire.pop(case.member, None)
    else:
        wire[case.member] = case.value
    return {_attr(model, k): v for k, v in wire.items()}


# --------------------------------------------------------------------------------- the client


class Recorder:
    """An IAM endpoint that answers every operation with its (valid) response document."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        action = dict(parse_qsl(request.content.decode()))["Action"]
        return httpx.Response(200, content=output_document(action))


def _client(recorder: Recorder, mode: str) -> Any:
    kwargs: dict[str, Any] = {
        "endpoint_url": "https://iam.bounds.test",
        "aws_access_key_id": "AKIDBOUNDS",
        "aws_secret_access_key": "bounds-secret",
        "max_attempts": 1,
    }
    transport = httpx.MockTransport(recorder)
    if mode == "sync":
        return iamlast.Client(http_client=httpx.Client(transport=transport), **kwargs)
    return iamlast.AsyncClient(http_client=httpx.AsyncClient(transport=transport), **kwargs)


async def _call(mode: str, recorder: Recorder, operation: str, kwargs: dict[str, Any]) -> Any:
    client = _client(recorder, mode)
    method = OPERATIONS[operation].python_name
    if mode == "sync":
        with client:
            return getattr(client, method)(**kwargs)
    async with client:
        return await getattr(client, method)(**kwargs)


def _sent(value: Any, member: str) -> list[tuple[str, str]]:
    if isinstance(value, list):
        return [(f"{member}.member.{i}", str(v)) for i, v in enumerate(value, 1)]
    return [(member, str(value))]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", [c for c in CASES if c.rule is None], ids=lambda c: c.id)
async def test_just_inside_is_sent(case: Case, mode: str) -> None:
    recorder = Recorder()
    result = await _call(mode, recorder, case.operation, _kwargs(case))
    assert result is not None
    assert len(recorder.requests) == 1
    form = parse_qsl(recorder.requests[0].content.decode(), keep_blank_values=True)
    assert ("Action", case.operation) in form
    for pair in _sent(case.value, case.member):
        assert pair in form, (pair, form)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", [c for c in CASES if c.rule is not None], ids=lambda c: c.id)
async def test_just_outside_is_refused_before_sending(case: Case, mode: str) -> None:
    recorder = Recorder()
    with pytest.raises(ParamValidationError) as caught:
        await _call(mode, recorder, case.operation, _kwargs(case))
    assert recorder.requests == []  # refused before anything went out
    err = caught.value
    path = case.path or case.member
    assert (path, case.rule) in {(p.path, p.rule) for p in err.problems}, err.problems
    assert path in err.fields and path in str(err)
    assert isinstance(err, iamlast.IamError) and isinstance(err, ValueError)


# --------------------------------------------------------------------------------- coverage


def test_every_constrained_member_has_both_sides() -> None:
    for op in ACCESS_ADVISOR:
        input_shape = SHAPES[SPEC["operations"][op]["input"]["shape"]]
        for member, ref in input_shape["members"].items():
            shape = SHAPES[ref["shape"]]
            targets = [shape]
            if shape["type"] == "list":
                targets.append(SHAPES[shape["member"]["shape"]])
            constraints = {k for t in targets for k in ("min", "max", "pattern", "enum") if k in t}
            if not constraints:
                continue
            mine = [c for c in CASES if c.operation == op and c.member == member]
            assert any(c.rule is None for c in mine), (op, member)
            rules = {c.rule for c in mine if c.rule not in (None, "required")}
            expected = set()
            for t in targets:
                expected |= (
                    {"min_length" if t["type"] != "integer" else "min"}
                    if t.get("min", 0) > 0
                    else set()
                )
                expected |= (
                    {"max_length" if t["type"] != "integer" else "max"} if "max" in t else set()
                )
                expected |= {"pattern"} if "pattern" in t else set()
                expected |= {"enum"} if "enum" in t else set()
            assert expected <= rules, (op, member, expected - rules)


def test_the_pattern_walker_agrees_with_the_oracle() -> None:
    for name, shape in SHAPES.items():
        if "pattern" not in shape or shape["type"] != "string":
            continue
        try:
            pattern = Pattern(shape["pattern"])
        except (NotImplementedError, re.error):
            continue  # patterns of other operations may use more than these six need
        for length in {pattern.min_width, pattern.min_width + 1, min(pattern.max_width, 300)}:
            if length <= min(pattern.max_width, 10**6):
                value = "".join(p.char for p in pattern.build(length))
                assert len(value) == length and pattern.matches(value), (name, length, value)
