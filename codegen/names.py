"""Naming rules: botocore shape and member names → Python class, attribute and module names."""

from __future__ import annotations

import keyword
import re

# Word boundaries, as boto3 users know them from botocore's method names:
#   "ListSAMLProviders" → list_saml_providers, "GetOpenIDConnectProvider" →
#   get_open_id_connect_provider, "Base32StringSeed" → base32_string_seed,
#   "QRCodePNG" → qr_code_png, "ListMFADeviceTags" → list_mfa_device_tags.
_BEFORE_CAPITALISED_WORD = re.compile(r"(?<=.)(?=[A-Z][a-z])")
_LOWER_OR_DIGIT_THEN_UPPER = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# A trailing plural acronym ("...ARNs", "...IDs") is one word.
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s$")


def snake(name: str) -> str:
    """``GetServiceLastAccessedDetailsWithEntities`` → ``get_service_last_accessed_details_with_entities``."""
    if "_" in name:
        return name.lower()
    tail = ""
    plural = _PLURAL_ACRONYM.search(name)
    if plural:
        tail = "_" + plural.group().lower()
        name = name[: plural.start()]
    spaced = _BEFORE_CAPITALISED_WORD.sub("_", name)
    spaced = _LOWER_OR_DIGIT_THEN_UPPER.sub("_", spaced)
    return (spaced + tail).lower().lstrip("_")


def pascal(name: str) -> str:
    """Shape names keep botocore's spelling, first letter upper-cased (``jobStatusType`` → ``JobStatusType``)."""
    return name[:1].upper() + name[1:]


_RESERVED_ATTRS = frozenset(
    {
        # pydantic BaseModel API and our own model methods
        "copy", "dict", "json", "schema", "schema_json", "construct", "validate", "fields",
        "parse_obj", "parse_raw", "parse_file", "from_orm", "update_forward_refs",
        "to_query", "of_query", "of_xml", "to_xml", "of_json", "to_json", "validated",
        "response_metadata",
        # names the generated annotations use: a field called ``float`` would shadow the type
        # in its own class body
        "str", "int", "float", "bool", "bytes", "list", "datetime",
        "Annotated", "Any", "ClassVar", "Field", "Self", "TYPE_CHECKING", "Mapping",
    }
)


def attribute(member: str) -> str:
    """A member name as a Python attribute: snake_case, never a keyword or a model method."""
    name = snake(member)
    if not name.isidentifier() or name[0].isdigit():
        name = "m_" + re.sub(r"\W", "_", name)
    if keyword.iskeyword(name) or name in _RESERVED_ATTRS or name.startswith(("model_", "_")):
        name = name + "_"
    return name


def enum_member(value: str) -> str:
    """An enum value as a member name: ``IN_PROGRESS``, ``aws-managed`` → ``AWS_MANAGED``."""
    cleaned = re.sub(r"[^0-9A-Za-z]+", "_", value).strip("_")
    if not cleaned:
        cleaned = "EMPTY"
    name = cleaned.upper() if cleaned.isupper() or "_" in cleaned else snake(cleaned).upper()
    if name[0].isdigit():
        name = "V_" + name
    if keyword.iskeyword(name.lower()) and name.lower() == name:
        name = name + "_"
    return name


#: Names the generated errors module uses for the runtime's own classes: an error shape whose
#: class would be called so keeps its shape name (Organizations' ``ServiceException``).
_RUNTIME_ERROR_NAMES = frozenset(
    {"ServiceError", "CommonServiceError", "UnknownServiceError", "ModelledServiceError", "IamError"}
)


def error_class(shape: str) -> str:
    """``NoSuchEntityException`` → ``NoSuchEntityError``; ``ComplexError`` stays."""
    if shape.endswith("Exception"):
        name = pascal(shape[: -len("Exception")]) + "Error"
    elif shape.endswith("Error"):
        name = pascal(shape)
    else:
        name = pascal(shape) + "Error"
    return pascal(shape) if name in _RUNTIME_ERROR_NAMES else name


def module(shape: str) -> str:
    """Module file stem of a shape (``EntityDetails`` → ``entity_details``)."""
    name = snake(pascal(shape))
    return name if not keyword.iskeyword(name) else name + "_"
