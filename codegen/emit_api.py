"""Write the package init, the shapes index, the operation registry and the error classes."""

from __future__ import annotations

from . import docs, names
from .emit_models import ShapeEmitter, lazy_index
from .lines import HEADER, Lines
from .model import Service


def package_init(service: Service) -> str:
    """The service's facts from its model's metadata: what a client needs to talk to it."""
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from typing import Final")
    out("")
    out(f"SERVICE_ID: Final = {service.service_id!r}")
    out(f"API_VERSION: Final = {service.api_version!r}")
    out(f"PROTOCOL: Final = {service.protocol!r}")
    out(f"XML_NAMESPACE: Final = {service.xml_namespace or ''!r}")
    out(f"ENDPOINT_PREFIX: Final = {service.endpoint_prefix or ''!r}")
    out(f"SIGNING_NAME: Final = {service.signing_name!r}")
    out(f"TARGET_PREFIX: Final = {service.target_prefix or ''!r}")
    out(f"JSON_VERSION: Final = {service.json_version or ''!r}")
    return out.text()


def shapes_index(emitter: ShapeEmitter) -> str:
    svc = emitter.service
    entries: dict[str, str] = {}
    for group in emitter.groups:
        for name in group:
            entries[svc.shapes[name].class_name] = emitter.module_of[name]
    return lazy_index(entries, "Every model, loaded on first use: ``shapes.Role`` imports only what Role needs.")


def _attr(service: Service, shape: str | None, member: str | None) -> str | None:
    if member is None or shape is None:
        return None
    for m in service.shapes[shape].members:
        if m.name == member:
            return m.attr
    raise KeyError(f"{shape} has no member {member}")


def operations_module(service: Service) -> str:
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from iamlast._runtime.registry import JobSpec, OperationSpec, PaginatorSpec, Registry")
    out("")
    out("_PACKAGE = __name__.rpartition('.')[0]")
    out("")
    out("# Each spec is built when first looked up: a process that makes one call builds one.")
    out("OPERATIONS = Registry.lazy(")
    out("    {")
    for name in sorted(service.operations):
        op = service.operations[name]
        out(f"        {op.name!r}: (")
        out(f"            {op.python_name!r},")
        out("            lambda: OperationSpec(")
        out(f"            name={op.name!r},")
        out(f"            python_name={op.python_name!r},")
        out(f"            input={_cls(service, op.input)!r},")
        out(f"            output={_cls(service, op.output)!r},")
        out(f"            result_wrapper={op.result_wrapper!r},")
        errs = tuple(names.error_class(e) for e in op.errors)
        out(f"            errors={errs!r},")
        if op.http_method != "POST":
            out(f"            http_method={op.http_method!r},")
        if op.request_uri != "/":
            out(f"            request_uri={op.request_uri!r},")
        if op.host_prefix:
            out(f"            host_prefix={op.host_prefix!r},")
            labels = []
            if op.input:
                labels = [(m.name, m.attr) for m in service.shapes[op.input].members if m.host_label]
            out(f"            host_labels={tuple(labels)!r},")
        if op.request_compression:
            out(f"            request_compression={op.request_compression!r},")
        if op.paginator is not None:
            p = op.paginator
            out("            paginator=PaginatorSpec(")
            out(f"                input_token={_attr(service, op.input, p.input_token)!r},")
            out(f"                output_token={_attr(service, op.output, p.output_token)!r},")
            out(f"                more_results={_attr(service, op.output, p.more_results)!r},")
            out(f"                limit_key={_attr(service, op.input, p.limit_key)!r},")
            limit_max = _limit_max(service, op.input, p.limit_key)
            if limit_max is not None:
                out(f"                limit_max={limit_max!r},")
            keys = tuple(_attr(service, op.output, k) for k in p.result_keys)
            out(f"                result_keys={keys!r},")
            if p.non_aggregate_keys:
                extra = tuple(_attr(service, op.output, k) for k in p.non_aggregate_keys)
                out(f"                non_aggregate_keys={extra!r},")
            out(f"                source={p.source!r},")
            out("            ),")
        if op.job is not None:
            out(
                f"            job=JobSpec(status={_attr(service, op.output, op.job.status)!r}, "
                f"failure={_attr(service, op.output, op.job.failure)!r}),"
            )
        if op.deprecated:
            out("            deprecated=True,")
        out(f"            documentation={docs.summary(op.documentation, limit=300)!r},")
        out("            package=_PACKAGE,")
        out("        ),")
        out("        ),")
    out("    }")
    out(")")
    out("")
    out("")
    out("def get(name: str) -> OperationSpec:")
    out('    """The operation by wire name (``"ListRoles"``) or Python name (``"list_roles"``)."""')
    out("    return OPERATIONS[name]")
    out("")
    out("")
    out('__all__ = ["OPERATIONS", "get"]')
    return out.text()


def _limit_max(service: Service, shape: str | None, member: str | None) -> int | None:
    """The largest page size the model allows (the limit member's ``max``), if it says."""
    if member is None or shape is None:
        return None
    target = next(m.target for m in service.shapes[shape].members if m.name == member)
    high = service.shapes[target].max
    return int(high) if high is not None else None


def _code(service: Service, shape_name: str) -> str:
    return service.shapes[shape_name].error_code or shape_name


def _common_classes() -> dict[str, str]:
    """The AWS common errors' wire codes → their class names (read from the runtime's table at
    generation time: the generated classes subclass them by name)."""
    from iamlast._runtime.common_errors import common_by_code

    return {code: cls.__name__ for code, cls in common_by_code().items()}


def _cls(service: Service, shape: str | None) -> str | None:
    return service.shapes[shape].class_name if shape else None


def errors_module(service: Service) -> str:
    out = Lines()
    out.extend(HEADER.rstrip("\n"))
    out("from collections.abc import Mapping")
    out("from typing import Any, TypeAlias")
    out("")
    is_json = service.protocol == "json"
    error_names = sorted(service.error_shapes)
    common = _common_classes()
    # A modelled error with a common code (Organizations' AccessDeniedException) is that common
    # error too: ``except iamlast.errors.AccessDeniedError`` catches it, and it retries alike.
    if any(_code(service, n) in common for n in error_names):
        out("from iamlast._runtime import common_errors as _common")
    if is_json:
        out("from iamlast._runtime.awsjson import decode_error as _decode")
    out("from iamlast._runtime.errors import (")
    out("    CommonServiceError,")
    out("    ServiceError,")
    out("    UnknownServiceError,")
    out("    common_by_code,")
    if not is_json:
        out("    decode_service_error,")
    out("    register_codes,")
    out(")")
    out("")
    out("")
    out("def _load_shape(name: str) -> Any:")
    out("    from . import shapes")
    out("")
    out("    return getattr(shapes, name)")
    out("")
    out("")
    out("class ModelledServiceError(ServiceError):")
    out('    """Base of the errors this service\'s model defines, each matched by its wire code."""')
    out("")
    out("    _shape_loader = staticmethod(_load_shape)")
    classes: list[tuple[str, str, str]] = []  # (class, code, shape)
    seen_codes: dict[str, str] = {}
    for shape_name in error_names:
        shape = service.shapes[shape_name]
        cls = names.error_class(shape_name)
        code = shape.error_code or shape_name
        if code in seen_codes:
            raise ValueError(f"error code {code!r} used by {seen_codes[code]} and {shape_name}")
        seen_codes[code] = shape_name
        classes.append((cls, code, shape_name))
        status = shape.error_status
        server = not shape.sender_fault
        doc = docs.summary(shape.documentation) or f"The service's {code} error."
        bases = "ModelledServiceError"
        if code in common:
            bases += f", _common.{common[code]}"
        out("")
        out("")
        out(f"class {cls}({bases}):")
        out.extend(docs.docstring(doc + f" (Wire code ``{code}``.)", "    ").rstrip("\n"))
        out("")
        out(f"    codes = ({code!r},)")
        out(f"    shape_name = {shape.class_name!r}")
        if status is not None:
            out(f"    http_status = {status!r}")
        if server:
            out('    fault = "server"')
        if status in (500, 502, 503, 504):
            out("    retryable = True")
    out("")
    # Code-named aliases where the class is named after a shape that differs from its code.
    aliases = []
    class_names = {c for c, _, _ in classes}
    for cls, code, _shape in classes:
        alias = names.pascal(code) + "Error"
        if alias != cls and alias not in class_names and alias.isidentifier():
            aliases.append((alias, cls))
    if aliases:
        out("# The same classes under their wire codes' names (``ReportInProgressError``).")
        for alias, cls in aliases:
            out(f"{alias} = {cls}")
        out("")
    out("MODELLED_ERRORS: tuple[type[ServiceError], ...] = (")
    for cls, _, _ in classes:
        out(f"    {cls},")
    out(")")
    out("")
    out("#: Wire code → class: the service's modelled errors, then the AWS common errors.")
    out("BY_CODE: dict[str, type[ServiceError]] = {**common_by_code()}")
    out("BY_CODE.update({c: cls for cls in MODELLED_ERRORS for c in cls.codes})")
    out("# ServiceError.of_json picks the class by code from what the generated services register.")
    out("register_codes(BY_CODE)")
    out("")
    out("#: The modelled errors of each operation.")
    out("OPERATION_ERRORS: dict[str, tuple[type[ServiceError], ...]] = {")
    for name in sorted(service.operations):
        op = service.operations[name]
        errs = ", ".join(names.error_class(e) for e in op.errors)
        out(f"    {name!r}: ({errs}{',' if len(op.errors) == 1 else ''}),")
    out("}")
    out("")
    out("_OPERATION_CODES: dict[str, dict[str, type[ServiceError]]] = {")
    out("    op: {code: cls for cls in classes for code in cls.codes} for op, classes in OPERATION_ERRORS.items()")
    out("}")
    out("")
    out("# What each operation can raise, for ``match`` statements: its own modelled errors first, then")
    out("# the service's other modelled errors (codes map service-wide, as in botocore), the AWS common")
    out("# errors, and UnknownServiceError for any other code.")
    for name in sorted(service.operations):
        op = service.operations[name]
        parts = [names.error_class(e) for e in op.errors] + [
            "ModelledServiceError",
            "CommonServiceError",
            "UnknownServiceError",
        ]
        out(f"{name}Error: TypeAlias = {' | '.join(parts)}")
    out("")
    out("")
    out("def class_for_code(code: str) -> type[ServiceError]:")
    out('    """The exception class for a wire code (``UnknownServiceError`` when nobody defines it)."""')
    out("    return BY_CODE.get(code, UnknownServiceError)")
    out("")
    out("")
    out("def decode_error(")
    out("    operation: str | None, status: int, body: bytes | str, headers: Mapping[str, str] | None = None")
    out(") -> ServiceError:")
    if is_json:
        out('    """The typed error for an error response, by its ``__type`` (or the')
        out("    ``x-amzn-errortype`` header, or ``code``); never raises (a body that names no code")
        out('    gives ``UnknownServiceError`` with the HTTP status as its code and the raw body kept)."""')
        out("    return _decode(")
    else:
        out('    """The typed error for an error response; never raises (a non-XML body gives')
        out('    ``UnknownServiceError`` with the HTTP status as its code and the raw body kept)."""')
        out("    return decode_service_error(")
    out("        operation=operation,")
    out("        status=status,")
    out("        body=body,")
    out("        headers=headers,")
    out("        by_code=BY_CODE,")
    out("        operation_codes=_OPERATION_CODES.get(operation) if operation else None,")
    out("    )")
    out("")
    out("")
    out("def error_of_json(data: Mapping[str, Any]) -> ServiceError:")
    out('    """Rebuild an error from its ``to_json()`` form (or a boto3 ``ClientError.response``)."""')
    out('    code = str((data.get("Error") or {}).get("Code") or "")')
    out("    return class_for_code(code)._from_parts(data, data.get(\"Error\") or {}, code)")
    out("")
    exported = (
        ["BY_CODE", "MODELLED_ERRORS", "ModelledServiceError", "OPERATION_ERRORS", "class_for_code", "decode_error", "error_of_json"]
        + [c for c, _, _ in classes]
        + [a for a, _ in aliases]
        + [f"{n}Error" for n in sorted(service.operations)]
    )
    out(f"__all__ = {sorted(exported)!r}")
    return out.text()
