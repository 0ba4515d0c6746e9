"""Copy IAM's service model and paginators out of botocore, or report how far they have drifted.

``python -m codegen.refresh_specs --check`` (``make spec-drift``) compares ``specs/iam-2010-05-08/``
with the IAM model of the installed botocore and prints what was added, removed or changed; it
exits 1 on any drift (or an override the new model makes stale), 0 otherwise. It is a release
step, not part of ``make test``: a new botocore must never break CI.

``python -m codegen.refresh_specs`` writes the files (and ``SOURCE.md``: version, sha256) after
printing the same summary; then run ``python -m codegen``, re-check ``specs/overrides.json`` and
commit all three. ``--from`` reads another model (a ``service-2.json[.gz]``, its directory, or a
botocore ``data`` directory); ``--specs`` writes or checks another directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

from .spec_drift import (
    PAGINATORS,
    SERVICE,
    Source,
    compare,
    find_source,
    read_bytes,
    read_json,
    stale_overrides,
)

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "specs" / "iam-2010-05-08"
OVERRIDES = ROOT / "specs" / "overrides.json"
FILES = (SERVICE, PAGINATORS)
_RECORDED = re.compile(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", re.M)


def _contents(source: Source) -> dict[str, bytes]:
    out = {SERVICE: read_bytes(source.service)}
    if source.paginators is not None:
        out[PAGINATORS] = read_bytes(source.paginators)
    return out


def _summary(dest: Path, source: Source, fresh: dict[str, bytes]) -> tuple[list[str], bool]:
    """(lines to print, whether anything differs) for ``dest`` against ``fresh``."""
    lines: list[str] = []
    differs = False
    old = read_json(dest / SERVICE) if (dest / SERVICE).is_file() else {}
    old_pages = read_json(dest / PAGINATORS) if (dest / PAGINATORS).is_file() else {}
    new = json.loads(fresh[SERVICE])
    new_pages = json.loads(fresh[PAGINATORS]) if PAGINATORS in fresh else {}
    drift = compare(old, new, old_pages, new_pages)
    lines += drift.lines()
    for name in FILES:
        committed = dest / name
        if name not in fresh:
            lines.append(f"{name}: {source.label} has none")
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
    if OVERRIDES.is_file():
        stale = stale_overrides(new, new_pages, json.loads(OVERRIDES.read_text()))
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


def check(dest: Path, source: Source) -> int:
    lines, differs = _summary(dest, source, _contents(source))
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


def write(dest: Path, source: Source) -> int:
    fresh = _contents(source)
    lines, _ = _summary(dest, source, fresh)
    dest.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in FILES:
        if name in fresh:
            (dest / name).write_bytes(fresh[name])
            rows.append((name, hashlib.sha256(fresh[name]).hexdigest()))
    text = [
        "# Source of these files",
        "",
        f"Copied by `python -m codegen.refresh_specs` from {source.label}",
        "(`botocore/data/iam/2010-05-08/`, decompressed where botocore ships `.gz`).",
        "botocore is Apache License 2.0; these are AWS service model data files.",
        "",
        "| file | sha256 |",
        "| --- | --- |",
        *(f"| `{name}` | `{digest}` |" for name, digest in rows),
        "",
        "Do not edit these files: corrections go in `specs/overrides.json`.",
        "`make spec-drift` compares them with the installed botocore's.",
        "",
    ]
    (dest / "SOURCE.md").write_text("\n".join(text))
    for line in lines:
        print(f"  {line}")
    print(f"refresh_specs: wrote {', '.join(n for n, _ in rows)} from {source.label}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m codegen.refresh_specs", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="report drift; exit 1 if there is any")
    parser.add_argument(
        "--from", dest="source", type=Path, help="model to read (default: the installed botocore's)"
    )
    parser.add_argument(
        "--specs", type=Path, default=DEST, help="the spec directory to write or check"
    )
    args = parser.parse_args(argv)
    try:
        source = find_source(args.source)
    except FileNotFoundError as exc:
        print(f"refresh_specs: {exc}", file=sys.stderr)
        return 2
    return check(args.specs, source) if args.check else write(args.specs, source)


if __name__ == "__main__":
    sys.exit(main())
