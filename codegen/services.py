"""The services iamlast generates, and where each one's spec and packages live.

One row per service; nothing else in the generator names a service. A service is botocore's
name and API version (``iam``, ``2010-05-08``): its spec is ``specs/<name>-<version>/``, its
overrides the ``<name>`` section of ``specs/overrides.json``, its models package
``src/iamlast/<package>`` and the emulator's codecs for it ``src/iamlast/testing/<package>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
OVERRIDES = SPECS / "overrides.json"
SOURCE_ROOT = ROOT / "src" / "iamlast"

SERVICE_FILE = "service-2.json"
PAGINATORS_FILE = "paginators-1.json"
#: botocore's additions to some services' paginators, merged into them when it loads them.
PAGINATOR_EXTRAS_FILE = "paginators-1.sdk-extras.json"


@dataclass(frozen=True)
class ServiceSpec:
    """One generated service."""

    name: str
    """botocore's service name: its ``data/<name>/`` directory and the overrides section."""
    version: str
    """The API version: the ``data/<name>/<version>/`` directory."""
    package: str
    """The models package under ``iamlast`` (``_generated``), and the codecs package under
    ``iamlast.testing`` of the same name."""

    @property
    def directory(self) -> Path:
        return SPECS / f"{self.name}-{self.version}"

    @property
    def models_out(self) -> Path:
        return SOURCE_ROOT / self.package

    @property
    def testing_out(self) -> Path:
        return SOURCE_ROOT / "testing" / self.package

    @property
    def models_package(self) -> str:
        return f"iamlast.{self.package}"

    @property
    def testing_package(self) -> str:
        return f"iamlast.testing.{self.package}"

    @property
    def botocore_dir(self) -> tuple[str, str]:
        return (self.name, self.version)

    def overrides(self) -> dict[str, Any]:
        """This service's section of ``specs/overrides.json`` (empty when it has none)."""
        return overrides_section(json.loads(OVERRIDES.read_text()), self.name)


# IAM keeps the package it always had: ``iamlast.models`` / ``iamlast.errors`` read from it.
SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("iam", "2010-05-08", "_generated"),
    ServiceSpec("sts", "2011-06-15", "_generated_sts"),
    ServiceSpec("organizations", "2016-11-28", "_generated_organizations"),
)
BY_NAME: dict[str, ServiceSpec] = {s.name: s for s in SERVICES}


def overrides_section(overrides: dict[str, Any], name: str) -> dict[str, Any]:
    """The section of a whole ``overrides.json`` for service ``name`` (its keys starting with
    ``_`` are comments)."""
    section = overrides.get(name) or {}
    if not isinstance(section, dict):
        raise ValueError(f"specs/overrides.json: the {name!r} section is not an object")
    return section


def merge_paginator_extras(paginators: dict[str, Any], extras: dict[str, Any] | None) -> dict[str, Any]:
    """botocore's loader merges ``paginators-1.sdk-extras.json`` (``{"merge": {...}}``) into the
    paginators, key by key at every depth; so does the generator."""
    if not extras:
        return paginators

    def merge(base: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
        out = dict(base)
        for key, value in more.items():
            if isinstance(value, dict) and isinstance(out.get(key), dict):
                out[key] = merge(out[key], value)
            else:
                out[key] = value
        return out

    return merge(paginators, extras.get("merge") or {})


def uid_of(model: dict[str, Any]) -> str | None:
    """``<name>-<version>`` of a model, from its metadata (``iam-2010-05-08``)."""
    meta = model.get("metadata") or {}
    uid = meta.get("uid")
    if isinstance(uid, str):
        return uid
    return None


def spec_for_model(model: dict[str, Any]) -> ServiceSpec | None:
    """The generated service a botocore model is the model of (by its ``uid``), if any."""
    uid = uid_of(model)
    for spec in SERVICES:
        if uid == f"{spec.name}-{spec.version}":
            return spec
    return None
