"""Write the emulator's codecs into ``iamlast.testing``, registered for the models' package.

For an awsQuery service: the XML writers of every structure and the awsQuery readers of every
request structure (``iamlast.testing.to_xml(model)``, ``of_query(Request, params)``). For an
awsJson service: the JSON writers of every response structure and the JSON readers of every
request structure (``iamlast.testing.to_awsjson(model)``, ``of_awsjson(Request, body)``).

Users never import these: the models they use carry only what a client needs.
"""

from __future__ import annotations

from .codecs.awsjson import AwsJsonCodec
from .codecs.query_read import QueryReader
from .codecs.xml_write import XmlWriter
from .emit_models import ShapeEmitter
from .lines import HEADER, Lines


def _structures(emitter: ShapeEmitter) -> list[str]:
    return [name for group in emitter.groups for name in group]


def _module(
    imports: list[str],
    body: Lines,
    *,
    classes: list[str] | None,
    models: str = "",
    comment: str,
    table: str,
    entries: list[str],
) -> str:
    """One codec module: the header, ``imports`` (a blank line where an entry is empty), the
    shape classes for type checking when ``classes`` is given, ``body`` and the table
    ``table = {entries}``."""
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    for line in imports:
        out(line)
    if classes is not None:
        out("")
        out("if TYPE_CHECKING:")
        if classes:
            out(f"    from {models}.shapes import {', '.join(classes)}")
        else:
            out("    pass")
    out.lines.extend(body.lines)
    out("")
    out("")
    out(comment)
    out(f"{table} = {{")
    for entry in entries:
        out(f"    {entry},")
    out("}")
    return out.text()


def _classes(emitter: ShapeEmitter, names: list[str]) -> list[str]:
    return sorted(emitter.service.shapes[n].class_name for n in names)


def _table(emitter: ShapeEmitter, names: list[str], prefix: str) -> list[str]:
    return [f"{cls!r}: {prefix}{cls}" for cls in _classes(emitter, names)]


def writers_module(emitter: ShapeEmitter, models: str) -> str:
    """``writers.py``: ``_w_<Class>`` for every structure, and ``WRITERS`` by class name."""
    svc = emitter.service
    structures = _structures(emitter)
    writer = XmlWriter(svc)
    body = Lines()
    for name in structures:
        writer.function(body, svc.shapes[name])
    return _module(
        ["from typing import TYPE_CHECKING", "", "from iamlast.testing import _xml_writing as _w"],
        body,
        classes=_classes(emitter, structures),
        models=models,
        comment="#: Class name → (the members' writer, the element a nested shape is written as).",
        table="WRITERS: dict[str, tuple[_w.Writer, str]]",
        entries=[
            f"{svc.shapes[n].class_name!r}: (_w_{svc.shapes[n].class_name}, {n!r})"
            for n in sorted(structures, key=lambda n: svc.shapes[n].class_name)
        ],
    )


def readers_module(emitter: ShapeEmitter) -> str:
    """``readers.py``: ``_qr_<Class>`` for every request structure, and ``READERS``."""
    svc = emitter.service
    requests = [n for n in _structures(emitter) if n in svc.input_shapes]
    reader = QueryReader(svc)
    body = Lines()
    for name in requests:
        reader.function(body, svc.shapes[name])
    return _module(
        [
            "from collections.abc import Callable, Mapping",
            "from typing import Any",
            "",
            "from iamlast.testing import _query_reading as _r",
        ],
        body,
        classes=None,
        comment="#: Request class name → its reader (form parameters → the members found, "
        "unvalidated).",
        table="READERS: dict[str, Callable[[Mapping[str, str], str], dict[str, Any]]]",
        entries=_table(emitter, requests, "_qr_"),
    )


def json_writers_module(emitter: ShapeEmitter, models: str) -> str:
    """``writers.py`` of an awsJson service: ``_jw_<Class>`` for every response structure."""
    svc = emitter.service
    responses = [n for n in _structures(emitter) if n in svc.output_shapes]
    codec = AwsJsonCodec(svc)
    body = Lines()
    for name in responses:
        codec.writer(body, svc.shapes[name], with_extras=True)
    imports = ["from collections.abc import Callable", "from typing import TYPE_CHECKING, Any", ""]
    if "_aj." in body.text():
        imports.append("from iamlast._runtime import awsjson as _aj")
    imports.append("from iamlast._runtime import json as _j")
    return _module(
        imports,
        body,
        classes=_classes(emitter, responses),
        models=models,
        comment="#: Class name → the writer of its JSON object.",
        table="WRITERS: dict[str, Callable[[Any], dict[str, Any]]]",
        entries=_table(emitter, responses, "_jw_"),
    )


def json_readers_module(emitter: ShapeEmitter) -> str:
    """``readers.py`` of an awsJson service: ``_jv_<Class>`` for every request structure."""
    svc = emitter.service
    requests = [n for n in _structures(emitter) if n in svc.input_shapes]
    codec = AwsJsonCodec(svc)
    body = Lines()
    for name in requests:
        codec.values_reader(body, svc.shapes[name])
    return _module(
        [
            "from collections.abc import Callable",
            "from typing import Any",
            "",
            "from iamlast._runtime import awsjson as _aj",
            "from iamlast._runtime import json as _j",
        ],
        body,
        classes=None,
        comment="#: Request class name → its reader (a JSON object → the members found, "
        "unvalidated).",
        table="READERS: dict[str, Callable[[Any], dict[str, Any]]]",
        entries=_table(emitter, requests, "_jv_"),
    )


def package_init(models: str, protocol: str = "query") -> str:
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out(f"# The emulator's codecs for the models of {models} (see iamlast.testing.wire).")
    register = "register_json" if protocol == "json" else "register"
    out(f"from iamlast.testing._codecs import {register}")
    out("")
    out("from .readers import READERS")
    out("from .writers import WRITERS")
    out("")
    out(f"{register}({models!r}, WRITERS, READERS)")
    return out.text()


def render(emitter: ShapeEmitter, models: str) -> dict[str, str]:
    """The testing codecs package for the models package ``models`` (a dotted name)."""
    protocol = emitter.service.protocol
    if protocol == "json":
        return {
            "__init__.py": package_init(models, protocol),
            "writers.py": json_writers_module(emitter, models),
            "readers.py": json_readers_module(emitter),
        }
    return {
        "__init__.py": package_init(models),
        "writers.py": writers_module(emitter, models),
        "readers.py": readers_module(emitter),
    }
