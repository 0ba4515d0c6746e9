"""The awsQuery reading codec, generated into ``iamlast.testing``: one ``_qr_<Class>`` per
request structure, the inverse of ``to_query`` (the emulator reads requests with it).

A reader returns the members it found as a dict; ``iamlast.testing.of_query`` validates it with
the request model, so a server refuses what the model refuses.
"""

from __future__ import annotations

from ..lines import Lines
from ..model import Service, Shape


class QueryReader:
    """Writes ``_qr_<Class>(params, prefix) -> dict``."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def function(self, out: Lines, shape: Shape) -> None:
        cls = shape.class_name
        out("")
        out("")
        out(f"def _qr_{cls}(params: Mapping[str, str], p: str) -> dict[str, Any]:")
        out.indent()
        out("values: dict[str, Any] = {}")
        for m in shape.members:
            expr = self._value(m.target, f'p + "{m.xml_name}"', 1, m.flattened, m.timestamp_format)
            out(f"v = {expr}")
            out("if v is not None:")
            out(f"    values[{m.attr!r}] = v")
        out("return values")
        out.dedent()

    def _value(self, target: str, key: str, depth: int, flattened: bool = False, fmt: str | None = None) -> str:
        """An expression reading a member's value (or None) from ``params`` at ``key``."""
        shape = self.service.shapes[target]
        kind = shape.type
        fmt = fmt or shape.timestamp_format
        if kind == "structure":
            return f'_qr_{shape.class_name}(params, {key} + ".") if _r.has_prefix(params, {key} + ".") else None'
        if kind == "list":
            assert shape.member is not None
            i = f"n{depth}"
            if flattened:
                item_key = f'{key} + "." + str({i})'
            else:
                mname = shape.member.location_name or "member"
                item_key = f'{key} + ".{mname}." + str({i})'
            inner = self._value(shape.member.target, item_key, depth + 1)
            return f"_r.read_list(params, {key}, lambda {i}: {inner}, lambda {i}: {item_key})"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            i = f"n{depth}"
            entry = f'{key} + "." + str({i})' if flattened else f'{key} + ".entry." + str({i})'
            kname = shape.key.location_name or "key"
            vname = shape.value.location_name or "value"
            kexpr = self._value(shape.key.target, f'{entry} + ".{kname}"', depth + 1)
            vexpr = self._value(shape.value.target, f'{entry} + ".{vname}"', depth + 1)
            return f"_r.read_map(params, lambda {i}: {kexpr}, lambda {i}: {vexpr}, lambda {i}: {entry})"
        if kind == "timestamp":
            return f"_r.read_scalar(params, {key}, {kind!r}, {fmt!r})"
        return f"_r.read_scalar(params, {key}, {kind!r})"
