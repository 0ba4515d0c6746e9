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


def writers_module(emitter: ShapeEmitter, models: str) -> str:
    """``writers.py``: ``_w_<Class>`` for every structure, and ``WRITERS`` by class name."""
    svc = emitter.service
    structures = _structures(emitter)
    writer = XmlWriter(svc)
    body = Lines()
    for name in structures:
        writer.function(body, svc.shapes[name])
    classes = sorted(svc.shapes[n].class_name for n in structures)
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    out("from typing import TYPE_CHECKING")
    out("")
    out("from iamlast.testing import _xml_writing as _w")
    out("")
    out("if TYPE_CHECKING:")
    if classes:
        out(f"    from {models}.shapes import {', '.join(classes)}")
    else:
        out("    pass")
    out.lines.extend(body.lines)
    out("")
    out("")
    out("#: Class name → (the members' writer, the element a nested shape is written as).")
    out("WRITERS: dict[str, tuple[_w.Writer, str]] = {")
    for name in sorted(structures, key=lambda n: svc.shapes[n].class_name):
        cls = svc.shapes[name].class_name
        out(f"    {cls!r}: (_w_{cls}, {name!r}),")
    out("}")
    return out.text()


def readers_module(emitter: ShapeEmitter) -> str:
    """``readers.py``: ``_qr_<Class>`` for every request structure, and ``READERS``."""
    svc = emitter.service
    requests = [n for n in _structures(emitter) if n in svc.input_shapes]
    reader = QueryReader(svc)
    body = Lines()
    for name in requests:
        reader.function(body, svc.shapes[name])
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    out("from collections.abc import Callable, Mapping")
    out("from typing import Any")
    out("")
    out("from iamlast.testing import _query_reading as _r")
    out.lines.extend(body.lines)
    out("")
    out("")
    out("#: Request class name → its reader (form parameters → the members found, unvalidated).")
    out("READERS: dict[str, Callable[[Mapping[str, str], str], dict[str, Any]]] = {")
    for name in sorted(requests, key=lambda n: svc.shapes[n].class_name):
        cls = svc.shapes[name].class_name
        out(f"    {cls!r}: _qr_{cls},")
    out("}")
    return out.text()


def json_writers_module(emitter: ShapeEmitter, models: str) -> str:
    """``writers.py`` of an awsJson service: ``_jw_<Class>`` for every response structure."""
    svc = emitter.service
    responses = [n for n in _structures(emitter) if n in svc.output_shapes]
    codec = AwsJsonCodec(svc)
    body = Lines()
    for name in responses:
        codec.writer(body, svc.shapes[name], with_extras=True)
    code = body.text()
    classes = sorted(svc.shapes[n].class_name for n in responses)
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    out("from collections.abc import Callable")
    out("from typing import TYPE_CHECKING, Any")
    out("")
    if "_aj." in code:
        out("from iamlast._runtime import awsjson as _aj")
    out("from iamlast._runtime import json as _j")
    out("")
    out("if TYPE_CHECKING:")
    if classes:
        out(f"    from {models}.shapes import {', '.join(classes)}")
    else:
        out("    pass")
    out.lines.extend(body.lines)
    out("")
    out("")
    out("#: Class name → the writer of its JSON object.")
    out("WRITERS: dict[str, Callable[[Any], dict[str, Any]]] = {")
    for name in sorted(responses, key=lambda n: svc.shapes[n].class_name):
        cls = svc.shapes[name].class_name
        out(f"    {cls!r}: _jw_{cls},")
    out("}")
    return out.text()


def json_readers_module(emitter: ShapeEmitter) -> str:
    """``readers.py`` of an awsJson service: ``_jv_<Class>`` for every request structure."""
    svc = emitter.service
    requests = [n for n in _structures(emitter) if n in svc.input_shapes]
    codec = AwsJsonCodec(svc)
    body = Lines()
    for name in requests:
        codec.values_reader(body, svc.shapes[name])
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    out("from collections.abc import Callable")
    out("from typing import Any")
    out("")
    out("from iamlast._runtime import awsjson as _aj")
    out("from iamlast._runtime import json as _j")
    out.lines.extend(body.lines)
    out("")
    out("")
    out("#: Request class name → its reader (a JSON object → the members found, unvalidated).")
    out("READERS: dict[str, Callable[[Any], dict[str, Any]]] = {")
    for name in sorted(requests, key=lambda n: svc.shapes[n].class_name):
        cls = svc.shapes[name].class_name
        out(f"    {cls!r}: _jv_{cls},")
    out("}")
    return out.text()


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
