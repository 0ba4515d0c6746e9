"""Hypothesis strategies for model instances, built by walking a botocore-format service model.

The service model JSON says what each member is (structure, list, map, enum, timestamp, blob,
policy document, ...); the generated classes say what the member is called in Python (their
fields carry the wire names as aliases). Instances are built the way response parsers build them
(``Model._complete``: no validation), because responses are lenient: the values here are anything
the service could send, not only what a request would accept.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SERVICE_JSON = ROOT / "specs" / "iam-2010-05-08" / "service-2.json"
OVERRIDES_JSON = ROOT / "specs" / "overrides.json"

# XML 1.0 can carry only these: #x9 #xA #xD [#x20-#xD7FF] [#xE000-#xFFFD] [#x10000-#x10FFFF].
_XML_ILLEGAL = "".join(chr(c) for c in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_XML_ILLEGAL += "\ufffe\uffff"

#: Characters XML writers most often get wrong, drawn often on purpose.
XML_SPECIAL = "&<>\"'\r\n\t"

xml_char = st.one_of(
    st.sampled_from(XML_SPECIAL),
    st.sampled_from(string.ascii_letters + string.digits + " -_/:.,;=+"),
    st.characters(exclude_categories=("Cs",), exclude_characters=_XML_ILLEGAL),
    st.sampled_from("éÜïñ中文日本語ß€→☃𝄞😀"),
)
#: Any text XML 1.0 can carry, rich in markup characters and non-ASCII.
xml_text = st.text(xml_char, max_size=24)
#: Policy documents: JSON-looking text with the characters URL-encoding must get right.
policy_text = st.one_of(
    st.text(st.one_of(xml_char, st.sampled_from('% +%%{}[]":,')), max_size=40),
    st.builds(
        lambda action, extra: json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*", "Sid": extra}],
            },
            indent=2,
            ensure_ascii=False,
        ),
        st.sampled_from(["s3:GetObject", "iam:*", "ec2:Describe*"]),
        xml_text,
    ),
)
#: Policy documents as boto3 hands them out after json-decoding them, written back as
#: ``json.dumps`` writes them (what ``of_json`` does with a decoded document).
json_policy_text = st.builds(
    lambda sid, actions: json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": sid, "Effect": "Deny", "Action": actions}]}
    ),
    xml_text,
    st.lists(st.sampled_from(["s3:*", "iam:Get*", "ec2:Describe*", "%41 +"]), max_size=3),
)
#: Request ids come back stripped (``<RequestId>`` is read as a token): no surrounding blanks.
request_ids = st.one_of(
    st.uuids().map(str),
    st.text(st.sampled_from("abc-123&<>'\"é"), min_size=1, max_size=12),
)
#: Timestamps as the service sends them: aware UTC, microseconds included.
timestamps = st.datetimes(
    min_value=datetime(1000, 1, 1),
    max_value=datetime(9999, 12, 30),
    timezones=st.just(UTC),
)
#: Floats incl. very large, very small and subnormal values (NaN is tested apart: NaN != NaN).
floats = st.one_of(
    st.floats(allow_nan=False),
    st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324, 2.2250738585072014e-308, 1.5, 1e-7, 1e22]),
)


#: Members a newer IAM could send, as ``model_extra`` holds them: text, a dict of the same (not
#: empty: ``<A/>`` reads back as text), or a list of two or more (one would read back as itself).
_extra_name = st.from_regex(r"Future[A-Z][a-z]{0,6}", fullmatch=True)
extra_values: st.SearchStrategy[Any] = st.recursive(
    xml_text,
    lambda inner: st.dictionaries(_extra_name, inner, min_size=1, max_size=3)
    | st.lists(st.one_of(xml_text, st.dictionaries(_extra_name, inner, min_size=1, max_size=2)), min_size=2, max_size=3),
    max_leaves=6,
)
extras = st.dictionaries(_extra_name, extra_values, max_size=2)


def load_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


class ModelStrategies:
    """Strategies for every shape of one service model, bound to its generated package."""

    def __init__(
        self,
        model: dict[str, Any],
        shapes_module: ModuleType,
        enums_module: ModuleType,
        overrides: dict[str, Any] | None = None,
        *,
        timestamps: st.SearchStrategy[datetime] = timestamps,
        policies: st.SearchStrategy[str] = policy_text,
        max_list: int = 3,
        unknown_members: st.SearchStrategy[dict[str, Any]] | None = None,
    ) -> None:
        self.model = model
        self.shapes: dict[str, Any] = model["shapes"]
        self.shapes_module = shapes_module
        self.enums_module = enums_module
        self.overrides = overrides or {}
        self.timestamps = timestamps
        self.policies = policies
        self.max_list = max_list
        self.unknown_members = unknown_members
        self._cache: dict[str, st.SearchStrategy[Any]] = {}
        url = (self.overrides.get("url_encoded_shapes") or {}).get("shapes", [])
        self.url_encoded: set[str] = set(url)
        self.loosened: dict[str, set[str]] = {
            name: set(entry["members"])
            for name, entry in (self.overrides.get("optional_members") or {}).items()
            if isinstance(entry, dict) and "members" in entry
        }

    # ------------------------------------------------------------------ model facts

    @cached_property
    def output_shapes(self) -> list[str]:
        """Operation outputs, sorted, each once."""
        ops = self.model["operations"].values()
        return sorted({op["output"]["shape"] for op in ops if op.get("output")})

    def model_class(self, shape: str) -> Any:
        return getattr(self.shapes_module, pascal(shape))

    def enum_class(self, shape: str) -> Any:
        return getattr(self.enums_module, pascal(shape))

    def attributes(self, shape: str) -> dict[str, str]:
        """Wire member name → Python attribute of a structure's generated class."""
        cls = self.model_class(shape)
        by_alias = {(f.alias or n).lower(): n for n, f in cls.model_fields.items()}
        out = {}
        for member in self.shapes[shape].get("members", {}):
            attr = by_alias.get(member.lower())
            assert attr is not None, f"{shape}.{member} has no field in {cls.__name__}"
            out[member] = attr
        return out

    def required(self, shape: str) -> set[str]:
        return set(self.shapes[shape].get("required", [])) - self.loosened.get(shape, set())

    # ------------------------------------------------------------------ strategies

    def of(self, shape: str) -> st.SearchStrategy[Any]:
        """Values of any shape: model instances for structures, Python values otherwise."""
        if shape not in self._cache:
            self._cache[shape] = st.deferred(lambda: self._build(shape))
        return self._cache[shape]

    def _build(self, name: str) -> st.SearchStrategy[Any]:
        raw = self.shapes[name]
        kind = raw["type"]
        builders: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
            "structure": lambda: self._structure(name),
            "list": lambda: st.lists(self.of(raw["member"]["shape"]), max_size=self.max_list),
            "map": lambda: st.dictionaries(
                self.of(raw["key"]["shape"]), self.of(raw["value"]["shape"]), max_size=self.max_list
            ),
            "string": lambda: self._string(name),
            "integer": lambda: st.integers(-(2**31), 2**31 - 1),
            "long": lambda: st.integers(-(2**63), 2**63 - 1),
            "short": lambda: st.integers(-(2**15), 2**15 - 1),
            "byte": lambda: st.integers(-(2**7), 2**7 - 1),
            "boolean": st.booleans,
            "float": lambda: floats,
            "double": lambda: floats,
            "timestamp": lambda: self.timestamps,
            "blob": lambda: st.binary(max_size=40),
        }
        return builders[kind]()

    def _string(self, name: str) -> st.SearchStrategy[Any]:
        raw = self.shapes[name]
        if "enum" in raw:
            cls = self.enum_class(name)
            known = st.sampled_from(list(cls))
            # Values AWS adds later: kept, open, `.known` False.
            unknown = xml_text.filter(lambda v: v not in raw["enum"]).map(cls)
            return st.one_of(known, known, unknown)
        if name in self.url_encoded:
            return self.policies
        return xml_text

    def _structure(self, name: str) -> st.SearchStrategy[Any]:
        cls = self.model_class(name)
        attrs = self.attributes(name)
        required = self.required(name)
        fields: dict[str, st.SearchStrategy[Any]] = {}
        for member, spec in self.shapes[name].get("members", {}).items():
            value = self.of(spec["shape"])
            fields[attrs[member]] = value if member in required else st.none() | value
        if "response_metadata" in cls.model_fields:
            fields["response_metadata"] = st.none() | request_ids.map(cls._metadata)
        if self.unknown_members is not None and cls._OPEN:
            # as a response from a newer IAM reads: members the model lacks, in model_extra
            both = st.tuples(st.fixed_dictionaries(fields), self.unknown_members)
            return both.map(lambda pair: cls._complete(*pair))
        return st.fixed_dictionaries(fields).map(cls._complete)


def iam_strategies(**kwargs: Any) -> ModelStrategies:
    """Strategies for the committed IAM models."""
    from iamlast._generated import enums, shapes

    return ModelStrategies(
        load_json(SERVICE_JSON), shapes, enums, load_json(OVERRIDES_JSON)["iam"], **kwargs
    )
