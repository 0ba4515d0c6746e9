"""Copy each generated service's model and paginators out of botocore, or report how far the
committed copies have drifted.

``python -m codegen.refresh_specs --check`` (``make spec-drift``) compares every
``specs/<name>-<version>/`` with the model of the installed botocore and prints what was added,
removed or changed; it exits 1 on any drift (or an override the new model makes stale), 0
otherwise. It is a release step, not part of ``make test``: a new botocore must never break CI.

``python -m codegen.refresh_specs`` writes the files (and ``SOURCE.md``: version, sha256) after
printing the same summary; then run ``python -m codegen``, re-check ``specs/overrides.json`` and
commit all three. ``--service`` picks one service (``iam``, ``sts``, ``organizations``);
``--from`` reads another model (a ``service-2.json[.gz]``, its directory — the service is told by
the model's ``uid`` — or a botocore ``data`` directory); ``--specs`` writes or checks another
directory (one service).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from .services import BY_NAME, OVERRIDES, SERVICES, ServiceSpec, overrides_section, spec_for_model
from .spec_drift import (
    PAGINATOR_EXTRAS,
    PAGINATORS,
    SERVICE,
    Source,
    compare,
    find_source,
    paginators_of,
    read_bytes,
    read_json,
    stale_overrides,
)

#: The files a spec directory holds; the extras only where botocore ships them.
FILES = (SERVICE, PAGINATORS, PAGINATOR_EXTRAS)
REQUIRED = (SERVICE, PAGINATORS)
_RECORDED = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", re.M)


def _contents(source: Source) -> dict[str, bytes]:
    out = {SERVICE: read_bytes(source.service)}
    if source.paginators is not None:
        out[PAGINATORS] = read_bytes(source.paginators)
    if source.extras is not None:
        out[PAGINATOR_EXTRAS] = read_bytes(source.extras)
    return out


def _committed_source(dest: Path) -> Source:
    def present(name: str) -> Path | None:
        return dest / name if (dest / name).is_file() else None

    return Source(dest / SERVICE, present(PAGINATORS), str(dest), present(PAGINATOR_EXTRAS))


def _summary(
    dest: Path, source: Source, fresh: dict[str, bytes], service: str | None
) -> tuple[list[str], bool]:
    """(lines to print, whether anything differs) for ``dest`` against ``fresh``."""
    lines: list[str] = []
    differs = False
    committed_source = _committed_source(dest)
    old = read_json(dest / SERVICE) if (dest / SERVICE).is_file() else {}
    old_pages = paginators_of(committed_source)
    new = json.loads(fresh[SERVICE])
    new_pages = paginators_of(source)
    drift = compare(old, new, old_pages, new_pages)
    lines += drift.lines()
    for name in FILES:
        committed = dest / name
        if name not in fresh:
            if name in REQUIRED:
                lines.append(f"{name}: {source.label} has none")
                differs = True
            elif committed.is_file():
                lines.append(f"{name}: {source.label} has none any more")
                differs = True
        elif not committed.is_file() or committed.read_bytes() != fresh[name]:
            differs = True
            if not drift.lines():
                lines.append(f"{name}: same model, different bytes (formatting)")
    recorded = (
        dict(_RECORDED.findall((dest / "SOURCE.md").read_text()))
        if (dest / "SOURCE.md").is_file()
        else {}
    )
    for name in FILES:
        committed = dest / name
        if (
            committed.is_file()
            and recorded.get(name) != hashlib.sha256(committed.read_bytes()).hexdigest()
        ):
            lines.append(f"{name}: its sha256 is not the one SOURCE.md records (edited by hand?)")
            differs = True
    if OVERRIDES.is_file() and service is not None:
        section = overrides_section(json.loads(OVERRIDES.read_text()), service)
        stale = stale_overrides(new, new_pages, section)
        lines += [f"overrides: {item}" for item in stale]
        differs = differs or bool(stale)
    return lines, differs


def _recorded_version(dest: Path) -> str:
    found = (
        re.search(r"from (botocore [0-9][^\s]*|\S+)\n", (dest / "SOURCE.md").read_text())
        if (dest / "SOURCE.md").is_file()
        else None
    )
    return found.group(1) if found else "an unrecorded source"


def check(dest: Path, source: Source, service: str | None = None) -> int:
    lines, differs = _summary(dest, source, _contents(source), service)
    if not differs:
        print(f"spec-drift: {dest.name} matches {source.label}")
        return 0
    print(f"spec-drift: {dest.name} ({_recorded_version(dest)}) differs from {source.label}:")
    for line in lines:
        print(f"  {line}")
    print(
        "  refresh: python -m codegen.refresh_specs && python -m codegen; re-check specs/overrides.json"
    )
    return 1


def write(dest: Path, source: Source, service: ServiceSpec | None = None) -> int:
    fresh = _contents(source)
    lines, _ = _summary(dest, source, fresh, service.name if service else None)
    dest.mkdir(parents=True, exist_ok=True)
    where = f"{service.name}/{service.version}" if service else "<service>/<version>"
    rows = []
    for name in FILES:
        if name in fresh:
            (dest / name).write_bytes(fresh[name])
            rows.append((name, hashlib.sha256(fresh[name]).hexdigest()))
    text = [
        "# Source of these files",
        "",
        f"Copied by `python -m codegen.refresh_specs` from {source.label}",
        f"(`botocore/data/{where}/`, decompressed where botocore ships `.gz`).",
        "botocore is Apache License 2.0; these are AWS service model data files.",
        "",
        "| file | sha256 |",
        "| --- | --- |",
        *(f"| `{name}` | `{digest}` |" for name, digest in rows),
        "",
        "Do not edit these files: corrections go in `specs/overrides.json`"
        + (f" (its `{service.name}` section)." if service else "."),
        "`make spec-drift` compares them with the installed botocore's.",
        "",
    ]
    (dest / "SOURCE.md").write_text("\n".join(text))
    for line in lines:
        print(f"  {line}")
    print(f"refresh_specs: wrote {', '.join(n for n, _ in rows)} from {source.label}")
    return 0


def _targets(
    source_arg: Path | None, specs_arg: Path | None, service_arg: str | None
) -> list[tuple[ServiceSpec | None, Path, Source]]:
    """(service, spec directory, source) for each spec to check or write."""
    chosen = [BY_NAME[service_arg]] if service_arg else list(SERVICES)
    found: list[tuple[ServiceSpec | None, Source]] = []
    if source_arg is not None and (
        source_arg.is_file() or any((source_arg / n).is_file() for n in (SERVICE, SERVICE + ".gz"))
    ):
        # One model: whose it is, the model says (its uid), unless --service does.
        source = find_source(source_arg)
        spec = BY_NAME[service_arg] if service_arg else spec_for_model(read_json(source.service))
        found.append((spec, source))
    else:
        for spec in chosen:
            try:
                found.append((spec, find_source(source_arg, spec.botocore_dir)))
            except FileNotFoundError:
                if source_arg is None or service_arg:
                    raise
        if not found:
            assert source_arg is not None
            raise FileNotFoundError(
                f"no {SERVICE} in {source_arg} for any of "
                + ", ".join(f"{s.name}/{s.version}" for s in chosen)
            )
    if specs_arg is not None:
        if len(found) != 1:
            raise FileNotFoundError(f"--specs takes one service; {len(found)} found (use --service)")
        return [(found[0][0], specs_arg, found[0][1])]
    out = []
    for spec, source in found:
        if spec is None:
            raise FileNotFoundError(
                f"{source.label} is not the model of a generated service: name it with --service, "
                "or give --specs"
            )
        out.append((spec, spec.directory, source))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codegen.refresh_specs", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="report drift; exit 1 if there is any")
    parser.add_argument(
        "--from", dest="source", type=Path, help="model to read (default: the installed botocore's)"
    )
    parser.add_argument("--specs", type=Path, help="the spec directory to write or check")
    parser.add_argument(
        "--service", choices=sorted(BY_NAME), help="one service (default: every generated one)"
    )
    args = parser.parse_args(argv)
    try:
        targets = _targets(args.source, args.specs, args.service)
    except FileNotFoundError as exc:
        print(f"refresh_specs: {exc}", file=sys.stderr)
        return 2
    status = 0
    for spec, dest, source in targets:
        if args.check:
            status = max(status, check(dest, source, spec.name if spec else None))
        else:
            status = max(status, write(dest, source, spec))
    return status


if __name__ == "__main__":
    sys.exit(main())
