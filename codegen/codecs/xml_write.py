"""The XML writing codec, generated into ``iamlast.testing``: one ``_w_<Class>`` per structure.

Only the emulator (and a user's own fakes) write IAM's documents, so the writers stay out of the
models users import. Plain string building, indented as IAM indents; a response-side structure
writes back the members it did not know after the known ones.
"""

from __future__ import annotations

from .. import sides
from ..lines import Lines
from ..model import ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES, ns_attr


class XmlWriter:
    """Writes ``_w_<Class>(o, out, indent)``: the members of ``o`` appended to ``out``."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def function(self, out: Lines, shape: Shape) -> None:
        cls = shape.class_name
        out("")
        out("")
        out(f"def _w_{cls}(o: {cls}, out: list[str], ind: str) -> None:")
        out.indent()
        wrote = False
        is_error = shape.exception and sides.base_class(self.service, shape) == "ErrorShape"
        for m in shape.members:
            if m.xml_attribute:
                raise ModelError(f"{shape.name}.{m.name}: writing xmlAttribute members is not supported")
            if is_error and m.name == "Message":
                continue  # the document writer puts <Message> next to <Code>
            wrote = True
            v = f"v_{m.attr}"
            out(f"{v} = o.{m.attr}")
            out(f"if {v} is not None:")
            out.indent()
            self._value(
                out, m.target, v, m.xml_name, ns_attr(m.xml_namespace), "ind", 1,
                m.timestamp_format, m.flattened, uid=f"_{m.attr}_",
            )
            out.dedent()
        if sides.is_open(self.service, shape):
            wrote = True
            out("ex = o.__pydantic_extra__")
            out("if ex:")
            out("    _w.extras(ex, out, ind)")
        if not wrote:
            out("return None")
        out.dedent()

    def _scalar(self, shape: Shape, val: str, fmt: str | None) -> str:
        kind = shape.type
        fmt = fmt or shape.timestamp_format
        if kind == "string":
            if shape.enum is not None:
                return f"_w.escape(str({val}))"
            if shape.url_encoded:
                return f"_w.escape(_w.quote({val}))"
            return f"_w.escape({val})"
        if kind in INT_TYPES:
            return f"str({val})"
        if kind in FLOAT_TYPES:
            return f"_w.float_out({val})"
        if kind == "boolean":
            return f"_w.bool_out({val})"
        if kind == "timestamp":
            return f"_w.ts_out({val}, {fmt!r})" if fmt else f"_w.ts_out({val})"
        if kind == "blob":
            return f"_w.blob_out({val})"
        raise ModelError(f"shape {shape.name}: no XML writer for {kind}")

    def _value(
        self,
        out: Lines,
        target: str,
        val: str,
        tag: str,
        ns: str,
        ind: str,
        depth: int,
        fmt: str | None = None,
        flattened: bool = False,
        uid: str = "",
    ) -> None:
        shape = self.service.shapes[target]
        kind = shape.type
        open_tag = f"<{tag}{ns}>".replace('"', '\\"')
        close_tag = f"</{tag}>"
        inner = f"i{uid}{depth}"
        if kind == "structure":
            out(f'out.append({ind} + "{open_tag}\\n")')
            out(f'{inner} = {ind} + "  "')
            out(f"_w_{shape.class_name}({val}, out, {inner})")
            out(f'out.append({ind} + "{close_tag}\\n")')
        elif kind == "list":
            assert shape.member is not None
            member = shape.member
            x = f"x{uid}{depth}"
            if flattened:
                out(f"for {x} in {val}:")
                out.indent()
                self._value(out, member.target, x, tag, ns, ind, depth + 1, uid=uid)
                out.dedent()
                return
            mtag = member.location_name or "member"
            mns = ns_attr(member.xml_namespace)
            out(f"if {val}:")
            out.indent()
            out(f'out.append({ind} + "{open_tag}\\n")')
            out(f'{inner} = {ind} + "  "')
            out(f"for {x} in {val}:")
            out.indent()
            self._value(out, member.target, x, mtag, mns, inner, depth + 1, uid=uid)
            out.dedent()
            out(f'out.append({ind} + "{close_tag}\\n")')
            out.dedent()
            out("else:")
            empty = f"<{tag}{ns}/>".replace('"', '\\"')
            out(f'    out.append({ind} + "{empty}\\n")')
        elif kind == "map":
            assert shape.key is not None and shape.value is not None
            k, x = f"k{uid}{depth}", f"x{uid}{depth}"
            kname = shape.key.location_name or "key"
            vname = shape.value.location_name or "value"
            kns = ns_attr(shape.key.xml_namespace)
            vns = ns_attr(shape.value.xml_namespace)
            if flattened:
                out(f"for {k}, {x} in {val}.items():")
                out.indent()
                out(f'out.append({ind} + "{open_tag}\\n")')
                out(f'{inner} = {ind} + "  "')
                self._value(out, shape.key.target, k, kname, kns, inner, depth + 1, uid=uid)
                self._value(out, shape.value.target, x, vname, vns, inner, depth + 1, uid=uid)
                out(f'out.append({ind} + "{close_tag}\\n")')
                out.dedent()
                return
            out(f'out.append({ind} + "{open_tag}\\n")')
            out(f'{inner} = {ind} + "  "')
            entry = f"e{uid}{depth}"
            out(f'{entry} = {inner} + "  "')
            out(f"for {k}, {x} in {val}.items():")
            out.indent()
            out(f'out.append({inner} + "<entry>\\n")')
            self._value(out, shape.key.target, k, kname, kns, entry, depth + 1, uid=uid)
            self._value(out, shape.value.target, x, vname, vns, entry, depth + 1, uid=uid)
            out(f'out.append({inner} + "</entry>\\n")')
            out.dedent()
            out(f'out.append({ind} + "{close_tag}\\n")')
        else:
            scalar = self._scalar(shape, val, fmt)
            out(f'out.append({ind} + "{open_tag}" + {scalar} + "{close_tag}\\n")')
