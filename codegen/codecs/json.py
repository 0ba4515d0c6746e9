"""The JSON codec of the models: ``to_json`` and ``_of_json`` (boto3-style dicts, PascalCase keys).

``to_json`` gives JSON-safe values (ISO 8601 ``Z`` timestamps, base64 blobs); ``of_json`` accepts
what boto3 returns (datetimes, ISO strings or epoch numbers) and validates only request shapes.
"""

from __future__ import annotations

from .. import sides
from ..lines import Lines
from ..model import DOCUMENT, ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES


class JsonCodec:
    """Writes ``to_json`` and ``_of_json`` inside the class body."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def methods(self, out: Lines, shape: Shape) -> None:
        svc = self.service
        cls = shape.class_name
        base = sides.base_class(svc, shape)
        out("")
        out("def to_json(self) -> dict[str, Any]:")
        out.indent()
        out("d: dict[str, Any] = {}")
        for member in shape.members:
            out(f"v_{member.attr} = self.{member.attr}")
            out(f"if v_{member.attr} is not None:")
            out(f"    d[{member.name!r}] = {self.value_out(member.target, 'v_' + member.attr, 1)}")
        if base == "OutputShape":
            out("if self.response_metadata is not None:")
            out('    d["ResponseMetadata"] = self.response_metadata.to_json()')
        if sides.is_open(svc, shape):
            out("ex = self.__pydantic_extra__")
            out("if ex:")
            out("    d.update(_extras.to_json(ex))")
        out("return d")
        out.dedent()
        out("")
        out("@classmethod")
        out(f"def _of_json(cls, data: Any, validate: bool) -> {cls}:")
        out.indent()
        out("if isinstance(data, cls):")
        out("    return data")
        out(f"src = cls._json_mapping(data, {shape.name!r})")
        out("values: dict[str, Any] = {}")
        out('w = ""')
        out("try:")
        out.indent()
        if not shape.members and base != "OutputShape":
            out("pass")
        for member in shape.members:
            out(f"w = {member.name!r}")
            out(f"v = src.get({member.name!r})")
            out("if v is not None:")
            out(f"    values[{member.attr!r}] = {self.value_in(member.target, 'v', 1)}")
        if base == "OutputShape":
            out('v = src.get("ResponseMetadata")')
            out("if v is not None:")
            out('    values["response_metadata"] = ResponseMetadata._of_json(v, False)')
        out.dedent()
        out("except ValueError as exc:")
        out(f"    raise _j.failure({cls!r}, w, exc, validate) from None")
        out("return cls._json_build(src, values, validate)")
        out.dedent()

    def value_out(self, target: str, val: str, depth: int) -> str:
        shape = self.service.shapes[target]
        kind = shape.type
        if kind == "structure":
            return f"{val}.to_json()"
        if kind == DOCUMENT:
            return f"_j.document_out({val})"
        if kind == "string":
            return f"str({val})" if shape.enum is not None else val
        if kind in INT_TYPES or kind == "boolean":
            return val
        if kind in FLOAT_TYPES:
            return f"_j.float_out({val})"
        if kind == "timestamp":
            return f"_j.ts_out({val})"
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
        raise ModelError(f"shape {target}: no JSON writer for {kind}")

    def value_in(self, target: str, val: str, depth: int) -> str:
        shape = self.service.shapes[target]
        kind = shape.type
        if kind == "structure":
            return f"{shape.class_name}._of_json({val}, validate)"
        if kind == DOCUMENT:
            return f"_j.document_in({val})"
        if kind == "string":
            if shape.enum is not None:
                return f"_j.enum({shape.class_name}, {val}, validate)"
            if shape.url_encoded:
                return f"_j.s(_j.policy_in({val}))"
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
            return f"_j.each({val}, lambda {x}: {self.value_in(shape.member.target, x, depth + 1)})"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            k, x = f"k{depth}", f"x{depth}"
            kexpr = self.value_in(shape.key.target, k, depth + 1)
            vexpr = self.value_in(shape.value.target, x, depth + 1)
            return f"{{{kexpr}: {vexpr} for {k}, {x} in _j.mapping({val}).items()}}"
        raise ModelError(f"shape {target}: no JSON reader for {kind}")
