"""Read a botocore-format service model (awsQuery or awsJson) and its overrides into the
checked, resolved form of :mod:`codegen.model`.

Strict by design: a protocol, shape type, shape key, member key, operation key or override this
generator does not understand stops generation with a message naming it. Nothing is skipped
silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import names
from .model import (
    ALL_TYPES,
    DOCUMENT,
    PROTOCOLS,
    Job,
    Member,
    ModelError,
    Operation,
    Paginator,
    Ref,
    Service,
    Shape,
    XmlNamespace,
)

_SHAPE_KEYS = {
    "type", "members", "required", "documentation", "max", "min", "member", "pattern",
    "exception", "error", "enum", "sensitive", "key", "value", "box", "union", "flattened",
    "xmlNamespace", "locationName", "timestampFormat", "deprecated", "deprecatedMessage",
    "fault", "wrapper", "xmlOrder", "synthetic", "retryable", "awsQueryError", "event",
    "eventstream", "document",
}
_MEMBER_KEYS = {
    "shape", "documentation", "locationName", "flattened", "xmlNamespace", "xmlAttribute",
    "timestampFormat", "idempotencyToken", "hostLabel", "deprecated", "deprecatedMessage", "box",
    "queryName", "contextParam", "jsonvalue", "deprecatedSince",
}
_REF_KEYS = {"shape", "locationName", "xmlNamespace", "documentation", "flattened", "timestampFormat"}
_OPERATION_KEYS = {
    "name", "http", "input", "output", "errors", "documentation", "documentationUrl",
    "endpoint", "requestcompression", "deprecated", "deprecatedMessage", "idempotent",
    "authtype", "auth", "alias", "staticContextParams", "contextParams", "endpointdiscovery",
    "httpChecksum", "unsignedPayload", "requestChecksumRequired", "httpChecksumRequired",
}
_OUTPUT_REF_KEYS = {"shape", "resultWrapper", "documentation", "locationName", "xmlNamespace"}
_UNSUPPORTED = {
    "eventstream": "event streams are not supported",
    "event": "event streams are not supported",
}
_OVERRIDE_SECTIONS = {"optional_members", "url_encoded_shapes", "paginators", "jobs", "error_codes"}


def _check_keys(where: str, data: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ModelError(f"{where}: unsupported key(s) {unknown}; teach codegen/load.py about them")
    for key, reason in _UNSUPPORTED.items():
        if data.get(key):
            raise ModelError(f"{where}: {key!r} is not supported ({reason})")


def _namespace(where: str, raw: Any) -> XmlNamespace | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return XmlNamespace(raw)
    if isinstance(raw, dict) and isinstance(raw.get("uri"), str):
        _check_keys(f"{where}.xmlNamespace", raw, {"uri", "prefix"})
        return XmlNamespace(raw["uri"], raw.get("prefix"))
    raise ModelError(f"{where}: xmlNamespace {raw!r} is neither a URI nor {{uri, prefix}}")


def _ref(where: str, raw: Any) -> Ref:
    if not isinstance(raw, dict) or "shape" not in raw:
        raise ModelError(f"{where}: expected a shape reference, got {raw!r}")
    _check_keys(where, raw, _REF_KEYS)
    if raw.get("flattened"):
        raise ModelError(f"{where}: 'flattened' on a list member or map key/value is not supported")
    if raw.get("timestampFormat"):
        raise ModelError(f"{where}: timestampFormat on a collection member is not supported")
    return Ref(raw["shape"], raw.get("locationName"), _namespace(where, raw.get("xmlNamespace")))


_MODEL_KEYS = {"version", "metadata", "operations", "shapes", "documentation"}
_METADATA_KEYS = {
    "apiVersion", "auth", "endpointPrefix", "globalEndpoint", "protocol", "protocols",
    "serviceAbbreviation", "serviceFullName", "serviceId", "signatureVersion", "signingName",
    "uid", "xmlNamespace", "checksumFormat", "targetPrefix", "jsonVersion", "awsQueryCompatible",
}


def load(
    model: dict[str, Any],
    paginators: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Service:
    """Resolve a model dict (``service-2.json`` form) into a :class:`Service`."""
    _check_keys("the model", model, _MODEL_KEYS)
    meta = model.get("metadata") or {}
    _check_keys("metadata", meta, _METADATA_KEYS)
    protocol = meta.get("protocol")
    if protocol not in PROTOCOLS:
        raise ModelError(
            f"metadata.protocol is {protocol!r}; this generator writes "
            + " and ".join(sorted(PROTOCOLS))
            + " only"
        )
    if meta.get("awsQueryCompatible"):
        raise ModelError("metadata.awsQueryCompatible is not supported (query-compatible error codes)")
    target_prefix = meta.get("targetPrefix")
    json_version = meta.get("jsonVersion")
    if protocol == "json":
        if not isinstance(target_prefix, str) or not target_prefix:
            raise ModelError("metadata.targetPrefix is needed by the json protocol (X-Amz-Target)")
        if json_version not in ("1.0", "1.1"):
            raise ModelError(f"metadata.jsonVersion {json_version!r} is not 1.0 or 1.1")
    overrides = overrides or {}
    unknown_sections = sorted(k for k in overrides if not k.startswith("_") and k not in _OVERRIDE_SECTIONS)
    if unknown_sections:
        raise ModelError(f"overrides: unknown section(s) {unknown_sections}")
    shapes: dict[str, Shape] = {}
    raw_shapes = model.get("shapes") or {}
    for name in sorted(raw_shapes):
        shapes[name] = _shape(name, raw_shapes[name], protocol)
    for shape in shapes.values():
        for ref in [m.target for m in shape.members] + [
            r.target for r in (shape.member, shape.key, shape.value) if r is not None
        ]:
            if ref not in shapes:
                raise ModelError(f"shape {shape.name}: reference to undefined shape {ref!r}")
    _apply_shape_overrides(shapes, overrides)
    operations: dict[str, Operation] = {}
    for name in sorted(model.get("operations") or {}):
        operations[name] = _operation(name, model["operations"][name], shapes)
    _apply_paginators(operations, shapes, paginators or {}, overrides)
    for op_name, job in sorted((overrides.get("jobs") or {}).get("operations", {}).items()):
        if op_name in operations:
            operations[op_name].job = Job(job["status"], job["failure"])
    endpoint_prefix = meta.get("endpointPrefix")
    service = Service(
        api_version=str(meta.get("apiVersion") or ""),
        protocol=PROTOCOLS[protocol],
        xml_namespace=meta.get("xmlNamespace") if protocol == "query" else None,
        service_id=str(meta.get("serviceId") or meta.get("serviceAbbreviation") or ""),
        endpoint_prefix=endpoint_prefix,
        shapes=shapes,
        operations=operations,
        signing_name=str(meta.get("signingName") or endpoint_prefix or ""),
        target_prefix=target_prefix if protocol == "json" else None,
        json_version=json_version if protocol == "json" else None,
        full_name=str(meta.get("serviceFullName") or ""),
    )
    analyse(service)
    return service


def _shape(name: str, raw: dict[str, Any], protocol: str = "query") -> Shape:
    where = f"shape {name}"
    _check_keys(where, raw, _SHAPE_KEYS)
    kind = raw.get("type")
    if kind not in ALL_TYPES:
        raise ModelError(f"{where}: shape type {kind!r} is not supported")
    if raw.get("document"):
        if protocol != "json":
            raise ModelError(f"{where}: 'document' is not supported (no document types in {protocol})")
        if kind != "structure" or raw.get("members"):
            raise ModelError(f"{where}: a document shape is a structure without members")
        # An untyped JSON value: no model class, no members (see DOCUMENT).
        return Shape(name=name, type=DOCUMENT, raw=raw, documentation=raw.get("documentation"))
    shape = Shape(
        name=name,
        type=kind,
        raw=raw,
        enum=list(raw["enum"]) if "enum" in raw else None,
        min=raw.get("min"),
        max=raw.get("max"),
        pattern=raw.get("pattern"),
        sensitive=bool(raw.get("sensitive")),
        exception=bool(raw.get("exception")),
        union=bool(raw.get("union")),
        flattened=bool(raw.get("flattened")),
        timestamp_format=raw.get("timestampFormat"),
        xml_namespace=_namespace(where, raw.get("xmlNamespace")),
        documentation=raw.get("documentation"),
    )
    if shape.enum is not None and kind != "string":
        raise ModelError(f"{where}: enum on a {kind} shape is not supported")
    if shape.timestamp_format not in (None, "iso8601", "unixTimestamp", "rfc822"):
        raise ModelError(f"{where}: timestampFormat {shape.timestamp_format!r} is not supported")
    if "error" in raw:
        err = raw["error"]
        _check_keys(f"{where}.error", err, {"code", "httpStatusCode", "senderFault"})
        shape.error_code = err.get("code")
        shape.error_status = err.get("httpStatusCode")
        shape.sender_fault = bool(err.get("senderFault", False))
    elif shape.exception:
        # botocore's models say "fault": true (or "server") for a server-side error.
        shape.sender_fault = raw.get("fault") not in (True, "server")
    if kind == "structure":
        required = set(raw.get("required") or [])
        members = raw.get("members") or {}
        unknown_required = required - set(members)
        if unknown_required:
            raise ModelError(f"{where}: required names non-members {sorted(unknown_required)}")
        seen_attrs: dict[str, str] = {}
        for member_name, member in members.items():
            mwhere = f"{where}.{member_name}"
            _check_keys(mwhere, member, _MEMBER_KEYS)
            if member.get("queryName"):
                raise ModelError(f"{mwhere}: queryName is the EC2 protocol's; not supported")
            fmt = member.get("timestampFormat")
            if fmt not in (None, "iso8601", "unixTimestamp", "rfc822"):
                raise ModelError(f"{mwhere}: timestampFormat {fmt!r} is not supported")
            attr = names.attribute(member_name)
            if attr in seen_attrs:
                raise ModelError(f"{mwhere}: attribute {attr!r} collides with {seen_attrs[attr]}")
            seen_attrs[attr] = member_name
            shape.members.append(
                Member(
                    name=member_name,
                    attr=attr,
                    target=member["shape"],
                    required=member_name in required,
                    location_name=member.get("locationName"),
                    flattened=bool(member.get("flattened")),
                    xml_namespace=_namespace(mwhere, member.get("xmlNamespace")),
                    xml_attribute=bool(member.get("xmlAttribute")),
                    timestamp_format=fmt,
                    idempotency_token=bool(member.get("idempotencyToken")),
                    host_label=bool(member.get("hostLabel")),
                    documentation=member.get("documentation"),
                    deprecated=bool(member.get("deprecated")),
                )
            )
        if shape.exception and protocol == "query":
            # Query error documents carry the message as <Message>, whatever the member's
            # spelling in the model (IAM spells it "message"): read and write it by that name.
            # (awsJson bodies carry it under the member's own name.)
            for m in shape.members:
                if m.name.lower() == "message" and m.name != "Message":
                    m.name = "Message"
                    m.location_name = None
    elif kind == "list":
        shape.member = _ref(f"{where}.member", raw.get("member"))
    elif kind == "map":
        shape.key = _ref(f"{where}.key", raw.get("key"))
        shape.value = _ref(f"{where}.value", raw.get("value"))
    for key in ("member", "key", "value", "members"):
        if key in raw and kind not in {"member": ("list",), "key": ("map",), "value": ("map",), "members": ("structure",)}[key]:
            raise ModelError(f"{where}: {key!r} on a {kind} shape")
    return shape


def _operation(name: str, raw: dict[str, Any], shapes: dict[str, Shape]) -> Operation:
    where = f"operation {name}"
    _check_keys(where, raw, _OPERATION_KEYS)
    http = raw.get("http") or {"method": "POST", "requestUri": "/"}
    _check_keys(f"{where}.http", http, {"method", "requestUri", "responseCode"})
    input_ref = raw.get("input")
    output_ref = raw.get("output")
    for kind, ref in (("input", input_ref), ("output", output_ref)):
        if ref is not None and ref.get("shape") not in shapes:
            raise ModelError(f"{where}: {kind} names undefined shape {ref.get('shape')!r}")
    if input_ref is not None:
        _check_keys(f"{where}.input", input_ref, {"shape", "documentation", "locationName", "xmlNamespace"})
        if shapes[input_ref["shape"]].type != "structure":
            raise ModelError(f"{where}: input is not a structure")
    if output_ref is not None:
        _check_keys(f"{where}.output", output_ref, _OUTPUT_REF_KEYS)
        if shapes[output_ref["shape"]].type != "structure":
            raise ModelError(f"{where}: output is not a structure")
    errors = []
    for err in raw.get("errors") or []:
        _check_keys(f"{where}.errors", err, {"shape", "documentation", "error", "exception", "fault"})
        target = shapes.get(err["shape"])
        if target is None or target.type != "structure":
            raise ModelError(f"{where}: error {err['shape']!r} is not a structure shape")
        if not target.exception:
            target.exception = True
        errors.append(err["shape"])
    endpoint = raw.get("endpoint") or {}
    _check_keys(f"{where}.endpoint", endpoint, {"hostPrefix"})
    compression = raw.get("requestcompression") or {}
    _check_keys(f"{where}.requestcompression", compression, {"encodings"})
    encodings = tuple(compression.get("encodings") or ())
    for enc in encodings:
        if enc != "gzip":
            raise ModelError(f"{where}: request compression {enc!r} is not supported")
    return Operation(
        name=name,
        python_name=names.snake(name),
        input=input_ref["shape"] if input_ref else None,
        output=output_ref["shape"] if output_ref else None,
        result_wrapper=output_ref.get("resultWrapper") if output_ref else None,
        errors=errors,
        http_method=str(http.get("method", "POST")),
        request_uri=str(http.get("requestUri", "/")),
        host_prefix=endpoint.get("hostPrefix"),
        request_compression=encodings,
        documentation=raw.get("documentation"),
        deprecated=bool(raw.get("deprecated")),
    )


def _apply_shape_overrides(shapes: dict[str, Shape], overrides: dict[str, Any]) -> None:
    for shape_name, entry in sorted((overrides.get("optional_members") or {}).items()):
        if shape_name.startswith("_") or shape_name == "why":
            continue
        shape = shapes.get(shape_name)
        if shape is None:
            raise ModelError(f"overrides.optional_members: no shape {shape_name!r}")
        for member_name in entry["members"]:
            member = next((m for m in shape.members if m.name == member_name), None)
            if member is None:
                raise ModelError(f"overrides.optional_members: {shape_name} has no member {member_name!r}")
            member.required = False
    for shape_name in (overrides.get("url_encoded_shapes") or {}).get("shapes", []):
        shape = shapes.get(shape_name)
        if shape is None or shape.type != "string":
            raise ModelError(f"overrides.url_encoded_shapes: {shape_name!r} is not a string shape")
        shape.url_encoded = True


def _apply_paginators(
    operations: dict[str, Operation],
    shapes: dict[str, Shape],
    paginators: dict[str, Any],
    overrides: dict[str, Any],
) -> None:
    table: dict[str, tuple[dict[str, Any], str]] = {}
    for op_name, entry in (paginators.get("pagination") or {}).items():
        table[op_name] = (entry, "botocore")
    for op_name, entry in ((overrides.get("paginators") or {}).get("operations") or {}).items():
        table[op_name] = (entry, "overrides")
    for op_name in sorted(table):
        entry, source = table[op_name]
        op = operations.get(op_name)
        if op is None:
            raise ModelError(f"paginator for unknown operation {op_name!r}")
        _check_keys(
            f"paginator {op_name}",
            entry,
            {"input_token", "output_token", "more_results", "limit_key", "result_key", "non_aggregate_keys", "why"},
        )
        for key in ("input_token", "output_token"):
            if not isinstance(entry.get(key), str):
                raise ModelError(f"paginator {op_name}: {key} must be a single member name")
        result = entry.get("result_key")
        result_keys = tuple([result] if isinstance(result, str) else list(result or []))
        out_shape = shapes[op.output] if op.output else None
        in_shape = shapes[op.input] if op.input else None
        out_members = {m.name for m in out_shape.members} if out_shape else set()
        in_members = {m.name for m in in_shape.members} if in_shape else set()
        for key in (*result_keys, entry["output_token"], entry.get("more_results")):
            if key is not None and key not in out_members:
                raise ModelError(f"paginator {op_name}: output has no member {key!r}")
        for key in (entry["input_token"], entry.get("limit_key")):
            if key is not None and key not in in_members:
                raise ModelError(f"paginator {op_name}: input has no member {key!r}")
        op.paginator = Paginator(
            input_token=entry["input_token"],
            output_token=entry["output_token"],
            more_results=entry.get("more_results"),
            limit_key=entry.get("limit_key"),
            result_keys=result_keys,
            non_aggregate_keys=tuple(entry.get("non_aggregate_keys") or ()),
            source=source,
        )


def _walk(service: Service, start: str, seen: set[str]) -> None:
    stack = [start]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = service.shapes[name]
        stack.extend(m.target for m in shape.members)
        stack.extend(r.target for r in (shape.member, shape.key, shape.value) if r is not None)


def analyse(service: Service) -> None:
    """Which shapes are reachable from inputs, from outputs, and which are errors."""
    for op in service.operations.values():
        if op.input:
            _walk(service, op.input, service.input_shapes)
        if op.output:
            _walk(service, op.output, service.output_shapes)
            wrapper = op.result_wrapper or f"{op.name}Result"
            service.top_outputs.setdefault(op.output, wrapper)
            service.output_documents.setdefault(op.output, {})[f"{op.name}Response"] = wrapper
        for err in op.errors:
            service.error_shapes.add(err)
            _walk(service, err, service.output_shapes)
    for name, shape in service.shapes.items():
        if shape.exception and name not in service.error_shapes:
            # Modelled errors no operation lists are still codes the service can send.
            service.error_shapes.add(name)
            _walk(service, name, service.output_shapes)


def read_directory(directory: Path, overrides: dict[str, Any] | None) -> Service:
    """The service in a spec directory (``service-2.json``, ``paginators-1.json`` and botocore's
    ``paginators-1.sdk-extras.json`` where there is one), with its overrides section."""
    from .services import (
        PAGINATOR_EXTRAS_FILE,
        PAGINATORS_FILE,
        SERVICE_FILE,
        merge_paginator_extras,
    )

    def optional(name: str) -> dict[str, Any] | None:
        path = directory / name
        return json.loads(path.read_text()) if path.is_file() else None

    model = json.loads((directory / SERVICE_FILE).read_text())
    paginators = merge_paginator_extras(optional(PAGINATORS_FILE) or {}, optional(PAGINATOR_EXTRAS_FILE))
    return load(model, paginators, overrides)
