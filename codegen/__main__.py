"""``python -m codegen``: regenerate every service's models package (``src/iamlast/_generated``
for IAM, ``_generated_sts``, ``_generated_organizations``: models, operations, errors and client
methods) and the emulator's codecs for it (``src/iamlast/testing/<package>``) from ``specs/``.

``python -m codegen --check`` regenerates into a temporary directory and fails, naming the files,
when the committed output differs. ``--service`` picks one service; ``--out`` and
``--testing-out`` write (or check) one service's packages elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .generate import GeneratorError, check, write
from .services import BY_NAME


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed output is stale")
    parser.add_argument(
        "--service", choices=sorted(BY_NAME), help="one service (default: every one)"
    )
    parser.add_argument("--out", type=Path, help="one service's models package directory")
    parser.add_argument("--testing-out", type=Path, help="one service's emulator codecs directory")
    args = parser.parse_args(argv)
    services = (BY_NAME[args.service],) if args.service else None
    try:
        if args.check:
            stale = check(args.out, args.testing_out, services=services)
            if stale:
                print("codegen --check: the generated code is stale; run `python -m codegen`:", file=sys.stderr)
                for line in stale:
                    print(f"  {line}", file=sys.stderr)
                return 1
            print("codegen --check: generated code is current")
            return 0
        count = write(args.out, args.testing_out, services=services)
    except GeneratorError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2
    where = ", ".join(f"src/iamlast/{s.package}" for s in services or BY_NAME.values())
    print(f"codegen: wrote {count} files ({where} and their emulator codecs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
