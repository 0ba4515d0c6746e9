"""The XML reading codec of the models: ``of_xml`` and one reader function per structure.

Each reader walks its element once and converts text straight to Python values, then builds
the model without validating again; a response-side structure keeps the children it does not
know (see ``iamlast._runtime.extras``).
"""

from __future__ import annotations

from .. import names, sides
from ..lines import Lines
from ..model import ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES, Types


class XmlReader:
    """Writes ``of_xml`` and the ``_x_<Class>`` readers (and ``_xm_``/``_xe_`` for maps)."""

    def __init__(self, service: Service, types: Types) -> None:
        self.service = service
        self.types = types

    def methods(self, out: Lines, shape: Shape) -> None:
        """``of_xml`` and ``_of_xml_element`` inside the class body."""
        cls = shape.class_name
        out("")
        out("@classmethod")
        out(f"def of_xml(cls, data: bytes | str | _Element) -> {cls}:")
        if sides.base_class(self.service, shape) == "ErrorShape":
            out(f"    return _x.read_error(cls, data, _x_{cls})")
        else:
            out(f"    return _x.read(cls, data, _x_{cls})")
        out("")
        out("@classmethod")
        out(f"def _of_xml_element(cls, el: _Element) -> {cls}:")
        out(f"    return _x_{cls}(el)")

    def value(self, target: str, el: str, fmt: str | None, depth: int) -> str:
        """An expression reading the value of element ``el`` as shape ``target``."""
        shape = self.service.shapes[target]
        kind = shape.type
        fmt = fmt or shape.timestamp_format
        if kind == "structure":
            return f"_x_{shape.class_name}({el})"
        if kind == "string":
            if shape.enum is not None:
                return f'_e_{shape.class_name}({el}.text or "")'
            if shape.url_encoded:
                return f'_x.unquote({el}.text or "")'
            return f'{el}.text or ""'
        if kind in INT_TYPES:
            return f"_x.to_int({el})"
        if kind in FLOAT_TYPES:
            return f"_x.to_float({el})"
        if kind == "boolean":
            return f"_x.to_bool({el})"
        if kind == "timestamp":
            return f"_x.to_ts({el}, {fmt!r})" if fmt else f"_x.to_ts({el})"
        if kind == "blob":
            return f"_x.to_blob({el})"
        if kind == "list":
            assert shape.member is not None
            c = f"c{depth}"
            return f"[{self.value(shape.member.target, c, None, depth + 1)} for {c} in {el}]"
        if kind == "map":
            return f"_xm_{names.pascal(shape.name)}({el})"
        raise ModelError(f"shape {target}: no XML reader for {kind}")

    def map_reader(self, out: Lines, shape: Shape) -> None:
        """``_xe_`` (one entry) and ``_xm_`` (the map) for a map shape a module uses."""
        assert shape.key is not None and shape.value is not None
        key_t = self.types.py(shape.key.target, False)
        val_t = self.types.py(shape.value.target, False)
        key_name = shape.key.location_name or "key"
        val_name = shape.value.location_name or "value"
        fn = names.pascal(shape.name)
        out("")
        out("")
        out(f"def _xe_{fn}(e: _Element) -> tuple[{key_t}, {val_t}]:")
        out.indent()
        out("k: Any = None")
        out("v: Any = None")
        out("for part in e:")
        out("    t = part.tag")
        out(f"    if t == {key_name!r}:")
        out(f"        k = {self.value(shape.key.target, 'part', None, 1)}")
        out(f"    elif t == {val_name!r}:")
        out(f"        v = {self.value(shape.value.target, 'part', None, 1)}")
        out("if k is None or v is None:")
        out(f'    raise _x.ResponseParseError("{shape.name}: map entry without {key_name}/{val_name}")')
        out("return k, v")
        out.dedent()
        out("")
        out("")
        out(f"def _xm_{fn}(el: _Element) -> dict[{key_t}, {val_t}]:")
        out(f"    return dict(_xe_{fn}(e) for e in el)")

    def reader(self, out: Lines, shape: Shape) -> None:
        """``_x_<Class>(el)``: the members of ``el`` as the model."""
        svc = self.service
        cls = shape.class_name
        base = sides.base_class(svc, shape)
        out("")
        out("")
        out(f"def _x_{cls}(el: _Element) -> {cls}:")
        out.indent()
        attrs = [m for m in shape.members if m.xml_attribute]
        elems = [m for m in shape.members if not m.xml_attribute]
        for m in shape.members:
            out(f"{m.attr}: Any = None")
        for m in attrs:
            target = svc.shapes[m.target]
            if target.type != "string" or target.enum is not None:
                raise ModelError(f"{shape.name}.{m.name}: xmlAttribute on a {target.type} is not supported")
            out(f"{m.attr} = el.get({m.xml_name!r})")
        is_open = sides.is_open(svc, shape)
        envelope = base in ("OutputShape", "ErrorShape")
        if is_open:
            out("ex: dict[str, Any] = {}")
        if elems or is_open:
            out("for c in el:")
            out.indent()
            if elems or envelope:
                out("t = c.tag")
            first = True
            for m in elems:
                kw = "if" if first else "elif"
                first = False
                out(f"{kw} t == {m.xml_name!r}:")
                target = svc.shapes[m.target]
                out.indent()
                if m.flattened and target.type == "list":
                    assert target.member is not None
                    out(f"if {m.attr} is None:")
                    out(f"    {m.attr} = []")
                    out(f"{m.attr}.append({self.value(target.member.target, 'c', None, 1)})")
                elif m.flattened and target.type == "map":
                    out(f"if {m.attr} is None:")
                    out(f"    {m.attr} = {{}}")
                    out(f"k_, v_ = _xe_{names.pascal(target.name)}(c)")
                    out(f"{m.attr}[k_] = v_")
                elif m.flattened:
                    raise ModelError(f"{shape.name}.{m.name}: flattened on a {target.type}")
                else:
                    out(f"{m.attr} = {self.value(m.target, 'c', m.timestamp_format, 1)}")
                out.dedent()
            if is_open:
                # Known members never get here: the unknown ones cost nothing until they occur.
                if envelope:
                    out(f"{'if' if first else 'elif'} t in {cls}._ENVELOPE:")
                    out("    pass")
                    first = False
                if not first:
                    out("else:")
                out(f"{'' if first else '    '}_extras.keep(ex, c)")
            out.dedent()
        items = []
        for m in shape.members:
            kind = svc.shapes[m.target].type
            if m.required and kind == "list":
                items.append(f"{m.attr!r}: {m.attr} if {m.attr} is not None else []")
            elif m.required and kind == "map":
                items.append(f"{m.attr!r}: {m.attr} if {m.attr} is not None else {{}}")
            else:
                items.append(f"{m.attr!r}: {m.attr}")
        if base == "OutputShape":
            items.append("'response_metadata': None")
        out(f"return _new({cls}, {{{', '.join(items)}}}{', ex' if is_open else ''})")
        out.dedent()
