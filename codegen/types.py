"""Python type expressions and value conversions for shapes, shared by the emitters."""

from __future__ import annotations

from .model import DOCUMENT, ModelError, Ref, Service, Shape

INT_TYPES = frozenset({"integer", "long", "short", "byte"})
FLOAT_TYPES = frozenset({"float", "double"})


def _num(value: float | None) -> str:
    if value is None:
        return "None"
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


class Types:
    """Type expressions for one service; ``constrained`` adds the request-side validators."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.enums_used: set[str] = set()

    def shape(self, name: str) -> Shape:
        return self.service.shapes[name]

    def py(self, name: str, constrained: bool) -> str:
        shape = self.shape(name)
        kind = shape.type
        if kind == "structure":
            return shape.class_name
        if kind == DOCUMENT:
            return "Any"  # any JSON value
        if kind == "string":
            if shape.enum is not None:
                cls = shape.class_name
                self.enums_used.add(name)
                return f"Annotated[{cls}, _v.Enum_({cls})]" if constrained else cls
            return self._constrained("str", shape, constrained, "Str", with_pattern=True)
        if kind in INT_TYPES:
            return self._range("int", shape, constrained)
        if kind in FLOAT_TYPES:
            return self._range("float", shape, constrained)
        if kind == "boolean":
            return "bool"
        if kind == "timestamp":
            return "Annotated[datetime, _v.utc]"
        if kind == "blob":
            return self._constrained("bytes", shape, constrained, "Blob", with_pattern=False)
        if kind == "list":
            assert shape.member is not None
            inner = self.py(shape.member.target, constrained)
            return self._constrained(f"list[{inner}]", shape, constrained, "Count", with_pattern=False)
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            key = self.py(shape.key.target, constrained)
            value = self.py(shape.value.target, constrained)
            return self._constrained(f"dict[{key}, {value}]", shape, constrained, "Count", with_pattern=False)
        raise ModelError(f"shape {name}: no Python type for {kind!r}")

    def _constrained(self, base: str, shape: Shape, constrained: bool, rule: str, *, with_pattern: bool) -> str:
        if not constrained:
            return base
        args = []
        lo = shape.min if shape.min else None
        hi = shape.max
        pattern = shape.pattern if with_pattern else None
        if lo is None and hi is None and pattern is None:
            return base
        args = [_num(lo), _num(hi)]
        if pattern is not None:
            args.append(repr(pattern))
        while args and args[-1] == "None":
            args.pop()
        return f"Annotated[{base}, _v.{rule}({', '.join(args)})]"

    def _range(self, base: str, shape: Shape, constrained: bool) -> str:
        if not constrained or (shape.min is None and shape.max is None):
            return base
        args = [_num(shape.min), _num(shape.max)]
        while args and args[-1] == "None":
            args.pop()
        return f"Annotated[{base}, _v.Range({', '.join(args)})]"

    # ---- public-facing parameter types (client methods): friendlier than the field types

    def param(self, name: str) -> str:
        """What a client method accepts for a member: models or boto3-style dicts, enum literals."""
        shape = self.shape(name)
        kind = shape.type
        if kind == "structure":
            return f"{shape.class_name} | Mapping[str, Any]"
        if kind == DOCUMENT:
            return "Any"
        if kind == "string" and shape.enum is not None:
            self.enums_used.add(name)
            return f"{shape.class_name} | {shape.class_name}Literal"
        if kind == "string":
            return "str | Mapping[str, Any]" if shape.url_encoded else "str"
        if kind in INT_TYPES:
            return "int"
        if kind in FLOAT_TYPES:
            return "float"
        if kind == "boolean":
            return "bool"
        if kind == "timestamp":
            return "datetime | str | float"
        if kind == "blob":
            return "bytes | str"
        if kind == "list":
            assert shape.member is not None
            return f"Sequence[{self.param(shape.member.target)}]"
        if kind == "map":
            assert shape.key is not None and shape.value is not None
            return f"Mapping[{self.param(shape.key.target)}, {self.param(shape.value.target)}]"
        raise ModelError(f"shape {name}: no parameter type for {kind!r}")


def ns_attr(ref_ns: object) -> str:
    """The ``xmlns`` attribute text (with a leading space) for a namespace, or empty."""
    from .model import XmlNamespace

    if ref_ns is None:
        return ""
    assert isinstance(ref_ns, XmlNamespace)
    uri = ref_ns.uri.replace("&", "&amp;").replace('"', "&quot;")
    if ref_ns.prefix:
        return f' xmlns:{ref_ns.prefix}="{uri}"'
    return f' xmlns="{uri}"'


def ref_of(target: str, location_name: str | None = None) -> Ref:
    return Ref(target, location_name)
