"""Which generated codecs write and read which models.

Every generated codecs package (``iamlast.testing._generated`` for IAM; a test's own generated
package likewise) registers its writers and readers for the package of the models they serve.
iamlast's own are imported on first use, so nothing is loaded until a document is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._xml_writing import Writer

__all__ = ["Codecs", "Reader", "codecs_for", "reader_for", "register", "writer_for"]

#: A generated reader: form parameters (and a key prefix) → the members found, unvalidated.
Reader = Callable[[Mapping[str, str], str], dict[str, Any]]


@dataclass(frozen=True)
class Codecs:
    """One models package's writers (by class name: the writer and the element name of a
    nested shape) and request readers (by class name)."""

    package: str
    writers: Mapping[str, tuple[Writer, str]]
    readers: Mapping[str, Reader]


_REGISTERED: dict[str, Codecs] = {}
#: The codecs of iamlast's own models, imported when a model of theirs is first written or read.
_KNOWN = {"iamlast._generated": "iamlast.testing._generated"}
_WRITERS: dict[type[Any], tuple[Writer, str]] = {}


def register(
    package: str, writers: Mapping[str, tuple[Writer, str]], readers: Mapping[str, Reader]
) -> None:
    """Serve the models of ``package`` (a dotted name) with these codecs."""
    _REGISTERED[package] = Codecs(package, writers, readers)


def codecs_for(cls: type[Any]) -> Codecs:
    """The codecs registered for the package a model class comes from."""
    parts = cls.__module__.split(".")
    for end in range(len(parts), 0, -1):
        package = ".".join(parts[:end])
        found = _REGISTERED.get(package)
        if found is None and package in _KNOWN:
            importlib.import_module(_KNOWN[package])
            found = _REGISTERED.get(package)
        if found is not None:
            return found
    raise LookupError(
        f"no codecs registered for the models of {cls.__module__}: import the package the "
        "generator wrote for them (python -m codegen writes iamlast's own)"
    )


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
