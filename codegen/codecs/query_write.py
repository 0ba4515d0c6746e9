"""The awsQuery writing codec of the request models: ``to_query`` and one ``_q_`` per structure.

Values are written as botocore's query serializer writes them (see ``iamlast._runtime.query``),
so a request's body is byte for byte the one boto3 would send.
"""

from __future__ import annotations

from ..lines import Lines
from ..model import ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES


class QueryWriter:
    """Writes ``to_query`` (in the class body) and ``_q_<Class>(o, q, prefix)``."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def method(self, out: Lines, shape: Shape) -> None:
        out("")
        out("def to_query(self) -> dict[str, str]:")
        out('    """The awsQuery form parameters of this shape, in model order (no Action/Version)."""')
        out("    q: dict[str, str] = {}")
        out(f'    _q_{shape.class_name}(self, q, "")')
        out("    return q")

    def function(self, out: Lines, shape: Shape) -> None:
        cls = shape.class_name
        out("")
        out("")
        out(f"def _q_{cls}(o: {cls}, q: dict[str, str], p: str) -> None:")
        out.indent()
        if not shape.members:
            out("return None")
        for m in shape.members:
            v = f"v_{m.attr}"
            out(f"{v} = o.{m.attr}")
            if m.idempotency_token:
                out(f"if {v} is None:")
                out(f"    {v} = _q.idempotency_token()")
                self._value(out, m.target, v, f'p + "{m.xml_name}"', 1, m.timestamp_format, m.flattened, uid=f"_{m.attr}_")
                continue
            out(f"if {v} is not None:")
            out.indent()
            self._value(out, m.target, v, f'p + "{m.xml_name}"', 1, m.timestamp_format, m.flattened, uid=f"_{m.attr}_")
            out.dedent()
        out.dedent()

    def _value(
        self,
        out: Lines,
        target: str,
        val: str,
        key: str,
        depth: int,
        fmt: str | None = None,
        flattened: bool = False,
        uid: str = "",
    ) -> None:
        shape = self.service.shapes[target]
        kind = shape.type
        fmt = fmt or shape.timestamp_format
        if kind == "structure":
            out(f'_q_{shape.class_name}({val}, q, {key} + ".")')
        elif kind == "list":
            assert shape.member is not None
            i, x, kk = f"n{uid}{depth}", f"x{uid}{depth}", f"key{uid}{depth}"
            out(f"if not {val}:")
            out(f'    q[{key}] = ""')
            out(f"for {i}, {x} in enumerate({val}, 1):")
            out.indent()
            if flattened:
                out(f'{kk} = {key} + "." + str({i})')
            else:
                mname = shape.member.location_name or "member"
                out(f'{kk} = {key} + ".{mname}." + str({i})')
            self._value(out, shape.member.target, x, kk, depth + 1, uid=uid)
            out.dedent()
        elif kind == "map":
            assert shape.key is not None and shape.value is not None
            i, k, x, kk = f"n{uid}{depth}", f"k{uid}{depth}", f"x{uid}{depth}", f"key{uid}{depth}"
            kname = shape.key.location_name or "key"
            vname = shape.value.location_name or "value"
            out(f"for {i}, ({k}, {x}) in enumerate({val}.items(), 1):")
            out.indent()
            if flattened:
                out(f'{kk} = {key} + "." + str({i})')
            else:
                out(f'{kk} = {key} + ".entry." + str({i})')
            self._value(out, shape.key.target, k, f'{kk} + ".{kname}"', depth + 1, uid=uid)
            self._value(out, shape.value.target, x, f'{kk} + ".{vname}"', depth + 1, uid=uid)
            out.dedent()
        else:
            out(f"q[{key}] = {self._scalar(shape, val, fmt)}")

    @staticmethod
    def _scalar(shape: Shape, val: str, fmt: str | None) -> str:
        kind = shape.type
        if kind == "string":
            return f"str({val})" if shape.enum is not None else val
        if kind in INT_TYPES:
            return f"str({val})"
        if kind in FLOAT_TYPES:
            return f"_q.flt({val})"
        if kind == "boolean":
            return f"_q.boolean({val})"
        if kind == "timestamp":
            return f"_q.ts({val}, {fmt!r})" if fmt else f"_q.ts({val})"
        if kind == "blob":
            return f"_q.blob({val})"
        raise ModelError(f"shape {shape.name}: no query writer for {kind}")
