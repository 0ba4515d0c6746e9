"""Write the typed client methods: one per operation, sync and async, plus pagers, and the typed
``with_raw_response`` views (a line per operation, typed from the methods themselves).

The methods only describe the surface (names, keyword arguments, types, docs); each one hands
the operation name, an optional request model and the keywords to ``self._call`` — the clients'
single request lifecycle — so nothing here decides anything at run time.
"""

from __future__ import annotations

from . import docs
from .lines import HEADER, Lines
from .model import Operation, Service
from .types import Types


def _result(service: Service, op: Operation) -> str:
    return service.shapes[op.output].class_name if op.output else "EmptyResponse"


def _params(service: Service, types: Types, op: Operation) -> list[str]:
    if not op.input:
        return []
    out = []
    shape = service.shapes[op.input]
    required = [m for m in shape.members if m.required]
    optional = [m for m in shape.members if not m.required]
    for m in required:
        out.append(f"{m.attr}: {types.param(m.target)}")
    for m in optional:
        if m.idempotency_token:
            out.append(f"{m.attr}: {types.param(m.target)} | None = None")
        else:
            out.append(f"{m.attr}: {types.param(m.target)} | None = None")
    return out


def _method(
    out: Lines,
    service: Service,
    types: Types,
    op: Operation,
    *,
    is_async: bool,
) -> None:
    """One operation's overloads and implementation."""
    ret = _result(service, op)
    prefix = "async def" if is_async else "def"
    name = op.python_name
    doc = docs.summary(op.documentation) or f"Call {op.name}."
    params = _params(service, types, op)
    if not op.input:
        out("")
        out(f"{prefix} {name}(self) -> {ret}:")
        out.indent()
        out.extend(docs.docstring(doc, "").rstrip("\n"))
        call = f'self._call({op.name!r}, None, {{}})'
        out(f"return cast({ret!r}, {'await ' if is_async else ''}{call})")
        out.dedent()
        return
    request_cls = service.shapes[op.input].class_name
    out("")
    out("@overload")
    out(f"{prefix} {name}(self, request: {request_cls}, /) -> {ret}: ...")
    out("@overload")
    kw = ", ".join(params)
    out(f"{prefix} {name}(self, /, *, {kw}) -> {ret}: ..." if params else f"{prefix} {name}(self, /) -> {ret}: ...")
    out(f"{prefix} {name}(self, request: {request_cls} | None = None, /, **kwargs: Any) -> {ret}:")
    out.indent()
    out.extend(docs.docstring(doc, "").rstrip("\n"))
    call = f"self._call({op.name!r}, request, kwargs)"
    out(f"return cast({ret!r}, {'await ' if is_async else ''}{call})")
    out.dedent()


def _pager(out: Lines, service: Service, types: Types, op: Operation, *, is_async: bool) -> None:
    assert op.paginator is not None and op.output and op.input
    p = op.paginator
    result = _result(service, op)
    out_shape = service.shapes[op.output]
    item_types = []
    for key in p.result_keys:
        member = next(m for m in out_shape.members if m.name == key)
        target = service.shapes[member.target]
        assert target.member is not None
        item_types.append(types.py(target.member.target, False))
    item = " | ".join(dict.fromkeys(item_types))
    pager = "AsyncPager" if is_async else "Pager"
    in_shape = service.shapes[op.input]
    skip = {p.input_token, p.limit_key}
    params = []
    names = []
    for m in in_shape.members:
        if m.name in skip:
            continue
        names.append(m.attr)
        if m.required:
            params.insert(sum(1 for x in params if "=" not in x), f"{m.attr}: {types.param(m.target)}")
        else:
            params.append(f"{m.attr}: {types.param(m.target)} | None = None")
    if p.limit_key is not None:
        params.append("page_size: int | None = None")
    params += [
        "max_items: int | None = None",
        "starting_marker: str | None = None",
        "max_pages: int | None = None",
    ]
    out("")
    out(f"def paginate_{op.python_name}(self, *, {', '.join(params)}) -> {pager}[{result}, {item}]:")
    out.indent()
    doc = (
        f"Every page of {op.name}, following {p.output_token} "
        + (f"while {p.more_results}. " if p.more_results else "until a page has none. ")
        + f"Iterate for the items ({', '.join(p.result_keys)}), or ``.pages()`` for whole "
        "responses. "
        + (f"``page_size`` is sent as {p.limit_key}; " if p.limit_key is not None else "")
        + "``max_items`` caps the items yielded; "
        "``starting_marker`` resumes where an earlier pager stopped (``.resume_marker``); "
        "more than ``max_pages`` pages (default 100,000) raise PaginationError."
    )
    out.extend(docs.docstring(doc, "").rstrip("\n"))
    args = ", ".join(f"{n!r}: {n}" for n in names)
    size = "page_size" if p.limit_key is not None else "None"
    out(
        f"return {pager}(self, {op.name!r}, {{{args}}}, page_size={size}, "
        f"max_items=max_items, starting_marker=starting_marker, max_pages=max_pages)"
    )
    out.dedent()


def client_module(service: Service) -> str:
    types = Types(service)
    ops = [service.operations[n] for n in sorted(service.operations)]
    sync = Lines()
    async_ = Lines()
    for block, is_async in ((sync, False), (async_, True)):
        block.indent()
        for op in ops:
            _method(block, service, types, op, is_async=is_async)
        for op in ops:
            if op.paginator is not None:
                _pager(block, service, types, op, is_async=is_async)
        block.dedent()
    # imports: every model/enum name the annotations use, only for type checkers
    text = sync.text() + async_.text()
    shape_names = sorted(
        {s.class_name for s in service.shapes.values() if s.type == "structure" and s.class_name in text}
        & {service.shapes[n].class_name for n in service.input_shapes | service.output_shapes}
    )
    enum_names = sorted(
        {
            name
            for s in service.shapes.values()
            if s.type == "string" and s.enum is not None
            for name in (s.class_name, s.class_name + "Literal")
            if (name + " ") in text or (name + "]") in text or (name + ",") in text or (name + ")") in text
        }
    )
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from __future__ import annotations")
    out("")
    out("from collections.abc import Mapping, Sequence")
    out("from datetime import datetime")
    out("from typing import TYPE_CHECKING, Any, cast, overload")
    out("")
    out("from iamlast._runtime.core import EmptyResponse")
    out("from iamlast._runtime.pagers import AsyncPager, Pager")
    out("")
    out("if TYPE_CHECKING:")
    out("    from iamlast._runtime.raw import async_raw, raw")
    if enum_names:
        out(f"    from .enums import {', '.join(enum_names)}")
    for cls in shape_names:
        out(f"    from .shapes import {cls}")
    out("")
    out('__all__ = ["AsyncOperations", "SyncOperations"]')
    out("")
    out("")
    out("class SyncOperations:")
    out('    """One method per operation (named as boto3 names it) and one pager per paged operation."""')
    out("")
    out("    def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any:")
    out("        raise NotImplementedError")
    out.lines.extend(sync.lines)
    out("")
    out("")
    out("class AsyncOperations:")
    out('    """The same methods as :class:`SyncOperations`, awaited; pagers are ``async for``."""')
    out("")
    out("    async def _call(self, operation: str, request: Any, kwargs: dict[str, Any]) -> Any:")
    out("        raise NotImplementedError")
    out.lines.extend(async_.lines)
    out("")
    out("")
    out("if TYPE_CHECKING:")
    out("")
    out("    class SyncRawOperations:")
    out('        """``client.with_raw_response``: the same calls, returning the raw HTTP response."""')
    out("")
    for op in ops:
        out(f"        {op.python_name} = raw(SyncOperations.{op.python_name})")
    out("")
    out("    class AsyncRawOperations:")
    out('        """``client.with_raw_response`` on the async client."""')
    out("")
    for op in ops:
        out(f"        {op.python_name} = async_raw(AsyncOperations.{op.python_name})")
    return out.text()
