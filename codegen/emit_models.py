"""Write the model modules — one per operation for the structures only it reaches, one per other
structure (recursive groups share one; see :func:`codegen.graph.module_groups`) — and the enums.

A model module holds the class (fields, constraints, docs) and the codecs users need — boto3-style
JSON both ways, and the service's wire protocol one way each: for awsQuery, XML reading of
responses and awsQuery writing of requests; for awsJson, JSON reading of responses and writing of
requests (see :mod:`codegen.codecs`). The other directions, which only the emulator uses, go to
``iamlast.testing`` instead (:mod:`codegen.emit_testing`).
"""

from __future__ import annotations

from . import docs, names, sides
from .codecs.awsjson import AwsJsonCodec
from .codecs.json import JsonCodec
from .codecs.query_write import QueryWriter
from .codecs.xml_read import XmlReader
from .graph import collect_enums, collect_maps, collect_structs, module_groups
from .lines import HEADER, Lines
from .model import Member, ModelError, Service, Shape
from .types import Types

__all__ = ["HEADER", "Lines", "ShapeEmitter"]


class ShapeEmitter:
    """Writes the modules for one service."""

    def __init__(self, service: Service, op_docs: dict[str, str]) -> None:
        self.service = service
        self.types = Types(service)
        self.op_docs = op_docs
        reachable = service.input_shapes | service.output_shapes
        self.reachable = reachable
        modules = module_groups(service, reachable)
        self.groups = [group for _, group in modules]
        self.module_of: dict[str, str] = {}
        used_modules: dict[str, str] = {}
        for named, group in modules:
            stem = names.module(named)
            if stem in used_modules:
                raise ModelError(f"module name {stem!r} used by {used_modules[stem]} and {named}")
            used_modules[stem] = named
            for name in group:
                self.module_of[name] = stem
        classes: dict[str, str] = {}
        for name in sorted(reachable):
            shape = service.shapes[name]
            if shape.type == "structure" or (shape.type == "string" and shape.enum is not None):
                cls = shape.class_name
                if cls in classes:
                    raise ModelError(f"class name {cls!r} used by shapes {classes[cls]} and {name}")
                classes[cls] = name
        self.class_names = classes
        self.enum_shapes = sorted(
            n for n in reachable if service.shapes[n].type == "string" and service.shapes[n].enum is not None
        )
        self.enum_module_of: dict[str, str] = {}
        enum_stems: dict[str, str] = {}
        for name in self.enum_shapes:
            stem = names.module(service.shapes[name].class_name)
            if stem in enum_stems:
                raise ModelError(f"enum module name {stem!r} used by {enum_stems[stem]} and {name}")
            enum_stems[stem] = name
            self.enum_module_of[name] = stem
        self.holds_shared = sides.holding_shared(service)
        self.xml = XmlReader(service, self.types)
        self.json = JsonCodec(service)
        self.query = QueryWriter(service)
        self.awsjson = AwsJsonCodec(service)

    @property
    def is_json(self) -> bool:
        """Whether the service speaks awsJson (else awsQuery)."""
        return self.service.protocol == "json"

    # ------------------------------------------------------------------ enums

    def enum_modules(self) -> dict[str, str]:
        """``enums/<stem>.py`` per enum (stem → source): a model imports only the enums it
        uses, and building an enum class costs (the first call loads one or two, not all)."""
        return {self.enum_module_of[name]: self._enum_module(name) for name in self.enum_shapes}

    def _enum_module(self, name: str) -> str:
        shape = self.service.shapes[name]
        assert shape.enum is not None
        cls = shape.class_name
        out = Lines()
        out.extend(HEADER.rstrip("\n"))
        out("from typing import Literal, TypeAlias")
        out("")
        out("from iamlast._runtime.enums import OpenEnum")
        out("")
        out("")
        out(f"class {cls}(OpenEnum):")
        out.indent()
        doc = docs.summary(shape.documentation) or f"The values of the model's ``{name}``."
        out.extend(docs.docstring(doc + " Open: values AWS adds later are kept.", "").rstrip("\n"))
        out("")
        seen: dict[str, str] = {}
        for value in shape.enum:
            member = names.enum_member(value)
            base = member
            n = 2
            while member in seen:
                member = f"{base}_{n}"
                n += 1
            seen[member] = value
            out(f"{member} = {value!r}")
        out.dedent()
        out("")
        literal = ", ".join(repr(v) for v in shape.enum)
        out(f"{cls}Literal: TypeAlias = Literal[{literal}]")
        out("")
        out(f"__all__ = {sorted([cls, cls + 'Literal'])!r}")
        return out.text()

    def enums_index(self) -> str:
        """``enums/__init__.py``: every enum (and its ``…Literal``), loaded on first use."""
        entries: dict[str, str] = {}
        for name in self.enum_shapes:
            cls = self.service.shapes[name].class_name
            entries[cls] = entries[cls + "Literal"] = self.enum_module_of[name]
        return lazy_index(entries, "Every enum, loaded on first use: ``enums.JobStatusType`` builds only that one.")

    # ------------------------------------------------------------------ modules

    def module(self, group: list[str]) -> str:
        svc = self.service
        deps: dict[str, set[str]] = {}
        enums: set[str] = set()
        maps: set[str] = set()
        for name in group:
            for member in svc.shapes[name].members:
                structs: set[str] = set()
                collect_structs(svc, member.target, structs)
                for s in structs:
                    if s not in group:
                        stem = self.module_of[s]
                        cls = svc.shapes[s].class_name
                        deps.setdefault(stem, {cls})
                        reads, writes = ("_jr_", "_jw_") if self.is_json else ("_x_", "_q_")
                        if s in svc.output_shapes and name in svc.output_shapes:
                            deps[stem].add(f"{reads}{cls}")
                        if s in svc.input_shapes and name in svc.input_shapes:
                            deps[stem].add(f"{writes}{cls}")
                collect_enums(svc, member.target, enums)
                if name in svc.output_shapes and not self.is_json:
                    collect_maps(svc, member.target, maps)  # only responses are read from XML
        body = Lines()
        for name in group:
            self._class(body, svc.shapes[name], group)
        for map_name in sorted(maps):
            self.xml.map_reader(body, svc.shapes[map_name])
        for name in group:
            if name in svc.output_shapes:
                if self.is_json:
                    self.awsjson.reader(body, svc.shapes[name])
                else:
                    self.xml.reader(body, svc.shapes[name])
            if name in svc.input_shapes:
                if self.is_json:
                    self.awsjson.writer(body, svc.shapes[name], with_extras=False)
                else:
                    self.query.function(body, svc.shapes[name])
        for name in group:
            self._bindings(body, svc.shapes[name])
        code = body.text()
        readers = [
            svc.shapes[e].class_name for e in sorted(enums) if f"_e_{svc.shapes[e].class_name}(" in code
        ]
        enum_reader = "_aj.enum_reader" if self.is_json else "_x.enum_reader"
        # what the imports below look for: the module's code and its enum readers' lines
        uses = code + (enum_reader if readers else "")
        head = Lines()
        head.extend(HEADER.rstrip("\n"))
        head("from __future__ import annotations")
        head("")
        std = []
        if "Mapping[" in uses:
            std.append("from collections.abc import Mapping")
        if "datetime" in uses:
            std.append("from datetime import datetime")
        typing_names = ["Any", "ClassVar"] + (["TYPE_CHECKING"] if "_Element" in uses else [])
        if "Annotated[" in uses:
            typing_names.append("Annotated")
        if "Self" in uses:
            typing_names.append("Self")
        std.append(f"from typing import {', '.join(sorted(typing_names))}")
        for line in std:
            head(line)
        head("")
        head("from pydantic import Field" + (", model_validator" if "model_validator" in uses else ""))
        head("")
        if "_aj." in uses:
            head("from iamlast._runtime import awsjson as _aj")
        if "_extras." in uses:
            head("from iamlast._runtime import extras as _extras")
        if "_j." in uses:
            head("from iamlast._runtime import json as _j")
        if "_q." in uses:
            head("from iamlast._runtime import query as _q")
        if "_v." in uses:
            head("from iamlast._runtime import validate as _v")
        if "_x." in uses:
            head("from iamlast._runtime import xml as _x")
        bases = sorted({self._base(svc.shapes[n]) for n in group} | ({"ResponseMetadata"} if "ResponseMetadata" in uses else set()))
        head(f"from iamlast._runtime.shape import {', '.join(bases)}")
        if "_new(" in uses:
            head("from iamlast._runtime.shape import new as _new")
        if "holds_shared()" in uses:
            head("from iamlast._runtime.shape import holds_shared")
        if enums:
            head("")
            for e in sorted(enums, key=lambda e: svc.shapes[e].class_name):
                head(f"from ..enums.{self.enum_module_of[e]} import {svc.shapes[e].class_name}")
        for stem in sorted(deps):
            head(f"from .{stem} import {', '.join(sorted(deps[stem]))}")
        for cls in readers:
            head(f"_e_{cls} = {enum_reader}({cls})")
        head("")
        if "_Element" in uses:
            head("if TYPE_CHECKING:")
            head("    from lxml.etree import _Element")
            head("")
        classes = [svc.shapes[n].class_name for n in group]
        head(f"__all__ = {sorted(classes)!r}")
        head("")
        return head.text() + "\n" + code

    def _base(self, shape: Shape) -> str:
        return sides.base_class(self.service, shape)

    def _open(self, shape: Shape) -> bool:
        return sides.is_open(self.service, shape)

    # ------------------------------------------------------------------ class body

    def _class(self, out: Lines, shape: Shape, group: list[str]) -> None:
        svc = self.service
        cls = shape.class_name
        constrained = shape.name in svc.input_shapes
        base = self._base(shape)
        out("")
        out("")
        out(f"class {cls}({base}):")
        out.indent()
        doc = docs.summary(shape.documentation) or self.op_docs.get(shape.name) or f"The {shape.name} shape."
        out.extend(docs.docstring(doc, "").rstrip("\n"))
        out("")
        out(f"_VALIDATE: ClassVar[bool] = {constrained}")
        wire = sorted(m.name for m in shape.members)
        out(f"_WIRE_NAMES: ClassVar[frozenset[str]] = frozenset({wire!r})")
        sensitive = sorted(m.attr for m in shape.members if svc.shapes[m.target].sensitive)
        if sensitive:
            out(f"_SENSITIVE: ClassVar[frozenset[str]] = frozenset({sensitive!r})")
        if svc.xml_namespace and (shape.name in svc.top_outputs or base == "ErrorShape"):
            # written on documents: an operation's output and an error (see iamlast.testing)
            out(f"_XML_NAMESPACE: ClassVar[str | None] = {svc.xml_namespace!r}")
        if shape.name in svc.top_outputs and not self.is_json:
            documents = svc.output_documents[shape.name]
            response = min(documents)  # several operations may return this shape: one, stably
            out(f"_XML_WRAPPER: ClassVar[str | None] = {documents[response]!r}")
            out(f"_XML_RESPONSE: ClassVar[str | None] = {response!r}")
            if len(documents) > 1:
                pairs = dict(sorted(documents.items()))
                out(f"_XML_DOCUMENTS: ClassVar[dict[str, str]] = {pairs!r}")
        if base == "ErrorShape":
            code = shape.error_code or shape.name
            out(f"_ERROR_CODE: ClassVar[str] = {code!r}")
            out(f"_SENDER_FAULT: ClassVar[bool] = {shape.sender_fault}")
            message = next((m.attr for m in shape.members if m.name == "Message"), None)
            out(f"_MESSAGE_ATTR: ClassVar[str | None] = {message!r}")
        out("")
        for member in shape.members:
            self._field(out, shape, member, constrained)
        if shape.union:
            out("")
            out('@model_validator(mode="after")')
            out("def _exactly_one(self) -> Self:")
            attrs = ", ".join(f'"{m.attr}": self.{m.attr}' for m in shape.members)
            out(f"    _v.exactly_one({shape.name!r}, {{{attrs}}})")
            out("    return self")
        if shape.name in self.holds_shared:
            out("")
            out("_response_side = holds_shared()")
        out.dedent()

    def _field(self, out: Lines, shape: Shape, member: Member, constrained: bool) -> None:
        py = self.types.py(member.target, constrained)
        if member.required:
            out(f"{member.attr}: {py} = Field(alias={member.name!r})")
        else:
            out(f"{member.attr}: {py} | None = Field(default=None, alias={member.name!r})")
        text = docs.first_sentence(member.documentation)
        if member.deprecated:
            text = ("Deprecated. " + text).strip()
        if text:
            out.extend(docs.docstring(text, "").rstrip("\n"))

    def _bindings(self, out: Lines, shape: Shape) -> None:
        """After the module's classes and functions: the model's member table and the wire
        readers and writers the runtime's methods call (``of_xml``, ``to_query``, ...)."""
        svc = self.service
        cls = shape.class_name
        out("")
        self.json.table(out, shape)
        if shape.name in svc.output_shapes:
            reader = "_AWSJSON_READ = _jr_" if self.is_json else "_XML_READ = _x_"
            out(f"{cls}.{reader}{cls}")
        if shape.name in svc.input_shapes:
            writer = "_AWSJSON_WRITE = _jw_" if self.is_json else "_QUERY_WRITE = _q_"
            out(f"{cls}.{writer}{cls}")


def lazy_index(entries: dict[str, str], doc: str) -> str:
    """A package ``__init__`` that imports ``name`` from ``.module`` on first use (``entries``:
    name → module stem), with the imports spelled out for type checkers."""
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out(f'"""{doc}"""')
    out("")
    out("import importlib")
    out("from typing import TYPE_CHECKING, Any")
    out("")
    out("if TYPE_CHECKING:")
    for name in sorted(entries):
        out(f"    from .{entries[name]} import {name} as {name}")
    if not entries:
        out("    pass")
    out("")
    out("_INDEX: dict[str, str] = {")
    for name in sorted(entries):
        out(f"    {name!r}: {entries[name]!r},")
    out("}")
    out("")
    out("__all__ = [")
    for name in sorted(entries):
        out(f"    {name!r},")
    out("]")
    out("")
    out("")
    out("def __getattr__(name: str) -> Any:")
    out("    module = _INDEX.get(name)")
    out("    if module is None:")
    out('        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")')
    out('    value = getattr(importlib.import_module("." + module, __name__), name)')
    out("    globals()[name] = value")
    out("    return value")
    out("")
    out("")
    out("def __dir__() -> list[str]:")
    out("    return sorted(__all__)")
    return out.text()
