"""Copy IAM's service model and paginators out of the installed botocore.

Run ``python -m codegen.refresh_specs`` after upgrading botocore, then
``python -m codegen`` and commit both. ``SOURCE.md`` records where the files
came from (botocore version, path inside the distribution, sha256).
"""

from __future__ import annotations

import gzip
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "specs" / "iam-2010-05-08"
FILES = ("service-2.json", "paginators-1.json")


def _read(data_dir: Path, name: str) -> bytes:
    plain = data_dir / name
    if plain.exists():
        return plain.read_bytes()
    packed = data_dir / (name + ".gz")
    if packed.exists():
        return gzip.decompress(packed.read_bytes())
    raise SystemExit(f"refresh_specs: {name} not found in {data_dir}")


def main() -> int:
    import botocore  # the installed distribution is the source of truth

    data_dir = Path(botocore.__file__).parent / "data" / "iam" / "2010-05-08"
    DEST.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in FILES:
        content = _read(data_dir, name)
        (DEST / name).write_bytes(content)
        rows.append((name, hashlib.sha256(content).hexdigest()))
    lines = [
        "# Source of these files",
        "",
        f"Copied by `python -m codegen.refresh_specs` from botocore {botocore.__version__}",
        "(`botocore/data/iam/2010-05-08/`, decompressed where botocore ships `.gz`).",
        "botocore is Apache License 2.0; these are AWS service model data files.",
        "",
        "| file | sha256 |",
        "| --- | --- |",
        *(f"| `{name}` | `{digest}` |" for name, digest in rows),
        "",
        "Do not edit these files: corrections go in `specs/overrides.json`.",
        "",
    ]
    (DEST / "SOURCE.md").write_text("\n".join(lines))
    print(f"refresh_specs: wrote {', '.join(FILES)} from botocore {botocore.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
