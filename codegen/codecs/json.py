"""The JSON codec of the models (boto3-style dicts, PascalCase keys): a table per model.

``of_json`` and ``to_json`` are written once, in :class:`iamlast._runtime.shape.Shape`; what each
model module carries is its ``_FIELDS`` table — per member the attribute, the wire name, the
value's codec from :mod:`iamlast._runtime.json` (``_j.STR``, ``_j.list_of(_j.struct(Tag))``, ...)
and whether it is a required list or map (filled empty when absent).
"""

from __future__ import annotations

from ..lines import Lines
from ..model import DOCUMENT, ModelError, Service, Shape
from ..types import FLOAT_TYPES, INT_TYPES


class JsonCodec:
    """Writes a model's member table (after its class: it may name the class itself)."""

    def __init__(self, service: Service) -> None:
        self.service = service

    def table(self, out: Lines, shape: Shape) -> None:
        cls = shape.class_name
        if not shape.members:
            return
        out(f"{cls}._FIELDS = (")
        for member in shape.members:
            kind = self.service.shapes[member.target].type
            required = (1 if kind == "list" else 2 if kind == "map" else 0) if member.required else 0
            out(f"    ({member.attr!r}, {member.name!r}, {self.codec(member.target)}, {required}),")
        out(")")

    def codec(self, target: str) -> str:
        shape = self.service.shapes[target]
        kind = shape.type
        if kind == "structure":
            return f"_j.struct({shape.class_name})"
        if kind == DOCUMENT:
            return "_j.DOC"
        if kind == "string":
            if shape.enum is not None:
                return f"_j.enum_of({shape.class_name})"
            return "_j.POLICY" if shape.url_encoded else "_j.STR"
        if kind in INT_TYPES:
            return "_j.INT"
        if kind in FLOAT_TYPES:
            return "_j.FLOAT"
        if kind == "boolean":
            return "_j.BOOL"
        if kind == "timestamp":
            return "_j.TIME"
        if kind == "blob":
            return "_j.BLOB"
        if kind == "list":
            assert shape.member is not None
            return f"_j.list_of({self.codec(shape.member.target)})"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            return f"_j.map_of({self.codec(shape.key.target)}, {self.codec(shape.value.target)})"
        raise ModelError(f"shape {target}: no JSON codec for {kind}")
