"""The awsJson wire codec: bodies as the JSON protocols carry them (botocore's JSON serializer and
parser), one function per structure.

- ``_jr_<Class>(d)``: a response-side structure read from its JSON object (in the models: what a
  client reads). Members the model does not know are kept in ``model_extra`` as their JSON values.
- ``_jw_<Class>(o)``: a structure as its JSON object. In the models for request structures
  (``to_awsjson``), in ``iamlast.testing`` for response structures (the emulator writes them; the
  members a response model kept are written back).
- ``_jv_<Class>(d)``: a request structure's members read back from a JSON object, unvalidated (in
  ``iamlast.testing``: ``of_awsjson`` validates them with the request model).

Keys are the members' ``locationName`` when they have one, else their names; timestamps are epoch
seconds unless the model names another format, blobs base64, special floats the strings ``NaN``,
``Infinity`` and ``-Infinity``, documents untouched JSON values.
"""

from __future__ import annotations

from .. import sides
from ..lines import Lines
from ..model import DOCUMENT, Member, ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES

#: Keys of an error body that are not members: the code and the message.
ERROR_ENVELOPE = ("__type", "code", "message", "Message")
#: A union's object may name its type; botocore ignores it.
UNION_ENVELOPE = ("__type",)


def json_key(member: Member) -> str:
    return member.location_name or member.name


def names_literal(names: set[str] | list[str]) -> str:
    """A frozenset literal of ``names`` in sorted order (a set's repr is not stable)."""
    if not names:
        return "frozenset()"
    return "frozenset({" + ", ".join(repr(n) for n in sorted(names)) + "})"


class AwsJsonCodec:
    """Writes the ``_jr_`` / ``_jw_`` / ``_jv_`` functions and the class methods using them."""

    def __init__(self, service: Service) -> None:
        self.service = service

    # ------------------------------------------------------------------ class body

    def read_methods(self, out: Lines, shape: Shape) -> None:
        """``of_awsjson`` (a body, text or object) and ``_of_awsjson_value`` (an object)."""
        cls = shape.class_name
        out("")
        out("@classmethod")
        out(f"def of_awsjson(cls, data: bytes | str | Mapping[str, Any]) -> {cls}:")
        out(f"    return _aj.read(cls, data, _jr_{cls})")
        out("")
        out("@classmethod")
        out(f"def _of_awsjson_value(cls, d: Any) -> {cls}:")
        out(f"    return _jr_{cls}(d)")

    def write_method(self, out: Lines, shape: Shape) -> None:
        out("")
        out("def to_awsjson(self) -> dict[str, Any]:")
        out('    """This shape as the JSON object of an awsJson request body."""')
        out(f"    return _jw_{shape.class_name}(self)")

    # ------------------------------------------------------------------ reading responses

    def envelope(self, shape: Shape) -> tuple[str, ...]:
        keys = {json_key(m) for m in shape.members}
        extra: tuple[str, ...] = ()
        if shape.exception:
            extra = ERROR_ENVELOPE
        elif shape.union:
            extra = UNION_ENVELOPE
        return tuple(k for k in extra if k not in keys)

    def reader(self, out: Lines, shape: Shape) -> None:
        """``_jr_<Class>(d)``: the model from its JSON object, without validating again."""
        svc = self.service
        cls = shape.class_name
        base = sides.base_class(svc, shape)
        is_open = sides.is_open(svc, shape)
        out("")
        out("")
        if is_open:
            known = {json_key(m) for m in shape.members} | set(self.envelope(shape))
            out(f"_JK_{cls} = {names_literal(known)}")
            out("")
            out("")
        out(f"def _jr_{cls}(d: Any) -> {cls}:")
        out.indent()
        out("if type(d) is not dict:")
        out(f"    d = _aj.obj(d, {shape.name!r})")
        items = []
        if shape.members:
            out("n = 0")
        for m in shape.members:
            key = json_key(m)
            v = f"v_{m.attr}"  # never a builtin's name (``type``, ``id``)
            out(f"{v}: Any = d.get({key!r})")
            out(f"if {v} is not None:")
            out("    n += 1")
            out(f"    {v} = {self.value_in(m.target, v, 1)}")
            kind = svc.shapes[m.target].type
            if m.required and kind == "list":
                items.append(f"{m.attr!r}: {v} if {v} is not None else []")
            elif m.required and kind == "map":
                items.append(f"{m.attr!r}: {v} if {v} is not None else {{}}")
            else:
                items.append(f"{m.attr!r}: {v}")
        if base == "OutputShape":
            items.append("'response_metadata': None")
        extra = ""
        if is_open:
            count = "n" if shape.members else "0"
            # A longer object than the members read holds unknown keys (or nulls): kept.
            out(f"ex = _aj.extras(d, _JK_{cls}) if len(d) > {count} else {{}}")
            extra = ", ex"
        out(f"return _new({cls}, {{{', '.join(items)}}}{extra})")
        out.dedent()

    def value_in(self, target: str, val: str, depth: int) -> str:
        """An expression converting the JSON value ``val`` (not None) to shape ``target``."""
        shape = self.service.shapes[target]
        kind = shape.type
        if kind == "structure":
            return f"_jr_{shape.class_name}({val})"
        if kind == DOCUMENT:
            return val
        if kind == "string":
            if shape.enum is not None:
                return f"_e_{shape.class_name}(_j.s({val}))"
            return f"_j.s({val})"
        if kind in INT_TYPES:
            return f"_j.i({val})"
        if kind in FLOAT_TYPES:
            return f"_j.float_in({val})"
        if kind == "boolean":
            return f"_j.b({val})"
        if kind == "timestamp":
            return f"_j.ts_in({val})"
        if kind == "blob":
            return f"_j.blob_in({val})"
        if kind == "list":
            assert shape.member is not None
            x = f"x{depth}"
            inner = self.value_in(shape.member.target, x, depth + 1)
            return f"[{inner} for {x} in _j.seq({val}) if {x} is not None]"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            k, x = f"k{depth}", f"x{depth}"
            kexpr = self.value_in(shape.key.target, k, depth + 1)
            vexpr = self.value_in(shape.value.target, x, depth + 1)
            return f"{{{kexpr}: {vexpr} for {k}, {x} in _j.mapping({val}).items() if {x} is not None}}"
        raise ModelError(f"shape {target}: no awsJson reader for {kind}")

    # ------------------------------------------------------------------ writing

    def writer(self, out: Lines, shape: Shape, *, with_extras: bool) -> None:
        """``_jw_<Class>(o)``: the JSON object of a structure (``with_extras``: and the members a
        response model kept, written back after the known ones)."""
        cls = shape.class_name
        out("")
        out("")
        out(f"def _jw_{cls}(o: {cls}) -> dict[str, Any]:")
        out.indent()
        out("d: dict[str, Any] = {}")
        for m in shape.members:
            v = f"v_{m.attr}"
            out(f"{v} = o.{m.attr}")
            if m.idempotency_token:
                out(f"if {v} is None:")
                out(f"    {v} = _q.idempotency_token()")
            out(f"if {v} is not None:")
            out(f"    d[{json_key(m)!r}] = {self.value_out(m.target, v, 1, m.timestamp_format)}")
        if with_extras and sides.is_open(self.service, shape):
            out("ex = o.__pydantic_extra__")
            out("if ex:")
            out("    for k, x in ex.items():")
            out("        d.setdefault(k, x)")
        out("return d")
        out.dedent()

    def value_out(self, target: str, val: str, depth: int, fmt: str | None = None) -> str:
        shape = self.service.shapes[target]
        kind = shape.type
        fmt = fmt or shape.timestamp_format
        if kind == "structure":
            return f"_jw_{shape.class_name}({val})"
        if kind == DOCUMENT:
            return val
        if kind == "string":
            return f"str({val})" if shape.enum is not None else val
        if kind in INT_TYPES or kind == "boolean":
            return val
        if kind in FLOAT_TYPES:
            return f"_j.float_out({val})"
        if kind == "timestamp":
            return f"_aj.ts_out({val}, {fmt!r})" if fmt else f"_aj.ts_out({val})"
        if kind == "blob":
            return f"_j.blob_out({val})"
        if kind == "list":
            assert shape.member is not None
            x = f"x{depth}"
            return f"[{self.value_out(shape.member.target, x, depth + 1)} for {x} in {val}]"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            k, x = f"k{depth}", f"x{depth}"
            kexpr = self.value_out(shape.key.target, k, depth + 1)
            vexpr = self.value_out(shape.value.target, x, depth + 1)
            return f"{{{kexpr}: {vexpr} for {k}, {x} in {val}.items()}}"
        raise ModelError(f"shape {target}: no awsJson writer for {kind}")

    # ------------------------------------------------------------------ reading requests

    def values_reader(self, out: Lines, shape: Shape) -> None:
        """``_jv_<Class>(d)``: the members of a request object by attribute, unvalidated (keys
        the model does not know are passed on by name, for the request model to refuse)."""
        cls = shape.class_name
        out("")
        out("")
        out(f"def _jv_{cls}(d: Any) -> dict[str, Any]:")
        out.indent()
        out(f"src = _aj.obj(d, {shape.name!r})")
        out("values: dict[str, Any] = {}")
        keys = []
        for m in shape.members:
            key = json_key(m)
            keys.append(key)
            out(f"v = src.get({key!r})")
            out("if v is not None:")
            out(f"    values[{m.attr!r}] = {self.request_value(m.target, 'v', 1)}")
        out(f"for k in sorted(src.keys() - {names_literal(keys)}):")
        out("    values[k] = src[k]")
        out("return values")
        out.dedent()

    def request_value(self, target: str, val: str, depth: int) -> str:
        """A request member's JSON value as the request model takes it (validation follows)."""
        shape = self.service.shapes[target]
        kind = shape.type
        if kind == "structure":
            return f"_jv_{shape.class_name}({val})"
        if kind == "timestamp":
            return f"_j.ts_in({val})"
        if kind == "blob":
            return f"_j.blob_in({val})"
        if kind in FLOAT_TYPES:
            return f"_j.float_in({val})"
        if kind == "list":
            assert shape.member is not None
            x = f"x{depth}"
            inner = self.request_value(shape.member.target, x, depth + 1)
            return val if inner == x else f"[{inner} for {x} in _j.seq({val})]"
        if kind == "map":
            assert shape.value is not None
            k, x = f"k{depth}", f"x{depth}"
            inner = self.request_value(shape.value.target, x, depth + 1)
            return val if inner == x else f"{{{k}: {inner} for {k}, {x} in _j.mapping({val}).items()}}"
        return val
