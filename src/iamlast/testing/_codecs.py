"""Which generated codecs write and read which models.

Every generated codecs package (``iamlast.testing._generated`` for IAM, ``_generated_sts``,
``_generated_organizations``; a test's own generated package likewise) registers its writers and
readers for the package of the models they serve: XML writers and awsQuery readers for an
awsQuery service (:func:`register`), JSON writers and readers for an awsJson one
(:func:`register_json`). iamlast's own are imported on first use, so nothing is loaded until a
document is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._xml_writing import Writer

__all__ = [
    "Codecs",
    "JsonCodecs",
    "Reader",
    "codecs_for",
    "json_codecs_for",
    "json_reader_for",
    "json_writer_for",
    "reader_for",
    "register",
    "register_json",
    "writer_for",
]

#: A generated reader: form parameters (and a key prefix) → the members found, unvalidated.
Reader = Callable[[Mapping[str, str], str], dict[str, Any]]
#: A generated JSON writer: a model → its JSON object.
JsonWriter = Callable[[Any], dict[str, Any]]
#: A generated JSON reader: a request's JSON object → the members found, unvalidated.
JsonReader = Callable[[Any], dict[str, Any]]


@dataclass(frozen=True)
class Codecs:
    """One models package's writers (by class name: the writer and the element name of a
    nested shape) and request readers (by class name)."""

    package: str
    writers: Mapping[str, tuple[Writer, str]]
    readers: Mapping[str, Reader]


@dataclass(frozen=True)
class JsonCodecs:
    """One awsJson models package's JSON writers (response structures) and readers (request
    structures), by class name."""

    package: str
    writers: Mapping[str, JsonWriter]
    readers: Mapping[str, JsonReader]


_REGISTERED: dict[str, Codecs] = {}
_REGISTERED_JSON: dict[str, JsonCodecs] = {}
#: The codecs of iamlast's own models, imported when a model of theirs is first written or read.
_KNOWN = {
    "iamlast._generated": "iamlast.testing._generated",
    "iamlast._generated_sts": "iamlast.testing._generated_sts",
    "iamlast._generated_organizations": "iamlast.testing._generated_organizations",
}
_WRITERS: dict[type[Any], tuple[Writer, str]] = {}


def register(
    package: str, writers: Mapping[str, tuple[Writer, str]], readers: Mapping[str, Reader]
) -> None:
    """Serve the models of ``package`` (a dotted name) with these awsQuery codecs."""
    _REGISTERED[package] = Codecs(package, writers, readers)


def register_json(
    package: str, writers: Mapping[str, JsonWriter], readers: Mapping[str, JsonReader]
) -> None:
    """Serve the models of ``package`` (a dotted name) with these awsJson codecs."""
    _REGISTERED_JSON[package] = JsonCodecs(package, writers, readers)


def _lookup(cls: type[Any], registry: Mapping[str, Any], what: str) -> Any:
    parts = cls.__module__.split(".")
    for end in range(len(parts), 0, -1):
        package = ".".join(parts[:end])
        found = registry.get(package)
        if found is None and package in _KNOWN:
            importlib.import_module(_KNOWN[package])
            found = registry.get(package)
        if found is not None:
            return found
    raise LookupError(
        f"no {what} codecs registered for the models of {cls.__module__}: import the package "
        "the generator wrote for them (python -m codegen writes iamlast's own)"
    )


def codecs_for(cls: type[Any]) -> Codecs:
    """The awsQuery codecs registered for the package a model class comes from."""
    found: Codecs = _lookup(cls, _REGISTERED, "awsQuery")
    return found


def json_codecs_for(cls: type[Any]) -> JsonCodecs:
    """The awsJson codecs registered for the package a model class comes from."""
    found: JsonCodecs = _lookup(cls, _REGISTERED_JSON, "awsJson")
    return found


def json_writer_for(cls: type[Any]) -> JsonWriter:
    """The JSON writer of a response model class."""
    try:
        return json_codecs_for(cls).writers[cls.__name__]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not written in responses: it has no JSON writer") from None


def json_reader_for(cls: type[Any]) -> JsonReader:
    """The JSON reader of a request model class."""
    try:
        return json_codecs_for(cls).readers[cls.__name__]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not sent in requests: it has no JSON reader") from None


def writer_for(cls: type[Any]) -> tuple[Writer, str]:
    """(the members' writer, the element name) of a model class."""
    found = _WRITERS.get(cls)
    if found is None:
        try:
            found = codecs_for(cls).writers[cls.__name__]
        except KeyError:
            raise TypeError(f"{cls.__name__} is not a generated model: it has no XML writer") from None
        _WRITERS[cls] = found
    return found


def reader_for(cls: type[Any]) -> Reader:
    """The awsQuery reader of a request model class."""
    try:
        return codecs_for(cls).readers[cls.__name__]
    except KeyError:
        raise TypeError(f"{cls.__name__} is not sent in requests: it has no query reader") from None
