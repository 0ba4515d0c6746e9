"""The generator's checked, resolved form of a botocore-format service model (awsQuery or
awsJson): shapes, members, operations, paginators and jobs. :mod:`codegen.load` reads a model
and its overrides into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import names


class ModelError(Exception):
    """The model uses something the generator does not understand."""


SCALAR_TYPES = frozenset(
    {"string", "integer", "long", "short", "byte", "boolean", "float", "double", "timestamp", "blob"}
)
ALL_TYPES = SCALAR_TYPES | {"structure", "list", "map"}
#: The protocols the generator writes codecs for: botocore's name → what the runtime calls it.
PROTOCOLS = {"query": "query", "json": "json"}
#: A structure marked ``document`` is an untyped JSON value; it gets this pseudo type.
DOCUMENT = "document"

# Keys we know and act on (or that carry nothing for serialization, like documentation).
@dataclass(frozen=True)
class XmlNamespace:
    uri: str
    prefix: str | None = None


@dataclass
class Ref:
    """A reference to a shape from a member, list member, map key or map value."""

    target: str
    location_name: str | None = None
    xml_namespace: XmlNamespace | None = None


@dataclass
class Member:
    name: str  # the member name: alias, JSON key, default XML/query name
    attr: str  # the Python attribute
    target: str
    required: bool
    location_name: str | None
    flattened: bool
    xml_namespace: XmlNamespace | None
    xml_attribute: bool
    timestamp_format: str | None
    idempotency_token: bool
    host_label: bool
    documentation: str | None
    deprecated: bool

    @property
    def xml_name(self) -> str:
        return self.location_name or self.name


@dataclass
class Shape:
    name: str
    type: str
    raw: dict[str, Any]
    members: list[Member] = field(default_factory=list)
    member: Ref | None = None
    key: Ref | None = None
    value: Ref | None = None
    enum: list[str] | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    sensitive: bool = False
    exception: bool = False
    error_code: str | None = None
    error_status: int | None = None
    sender_fault: bool = True
    union: bool = False
    flattened: bool = False
    timestamp_format: str | None = None
    xml_namespace: XmlNamespace | None = None
    documentation: str | None = None
    url_encoded: bool = False

    @property
    def class_name(self) -> str:
        return names.pascal(self.name)


@dataclass
class Paginator:
    input_token: str
    output_token: str
    more_results: str | None
    limit_key: str | None
    result_keys: tuple[str, ...]
    non_aggregate_keys: tuple[str, ...] = ()
    source: str = "botocore"


@dataclass
class Job:
    status: str
    failure: str


@dataclass
class Operation:
    name: str
    python_name: str
    input: str | None
    output: str | None
    result_wrapper: str | None
    errors: list[str]
    http_method: str
    request_uri: str
    host_prefix: str | None
    request_compression: tuple[str, ...]
    documentation: str | None
    deprecated: bool
    paginator: Paginator | None = None
    job: Job | None = None


@dataclass
class Service:
    api_version: str
    protocol: str
    xml_namespace: str | None
    service_id: str
    endpoint_prefix: str | None
    shapes: dict[str, Shape]
    operations: dict[str, Operation]
    #: The name requests are signed for (``signingName``, else the endpoint prefix).
    signing_name: str = ""
    #: awsJson: ``X-Amz-Target`` is ``<target_prefix>.<Operation>``.
    target_prefix: str | None = None
    #: awsJson: the ``Content-Type`` is ``application/x-amz-json-<json_version>``.
    json_version: str | None = None
    #: botocore's full name of the service (docs only).
    full_name: str = ""
    # filled by analyse()
    input_shapes: set[str] = field(default_factory=set)
    output_shapes: set[str] = field(default_factory=set)
    top_outputs: dict[str, str] = field(default_factory=dict)  # output shape → result wrapper
    #: output shape → {response element: result element}, one pair per operation returning it
    output_documents: dict[str, dict[str, str]] = field(default_factory=dict)
    error_shapes: set[str] = field(default_factory=set)
