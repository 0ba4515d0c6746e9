"""``python -m codegen``: regenerate ``src/iamlast/_generated`` (the models, operations, errors and
client methods) and ``src/iamlast/testing/_generated`` (the emulator's XML writers and awsQuery
readers) from ``specs/``.

``python -m codegen --check`` regenerates into a temporary directory and fails, naming the files,
when the committed output differs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .generate import MODELS_OUT, TESTING_OUT, GeneratorError, check, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed output is stale")
    parser.add_argument("--out", type=Path, default=MODELS_OUT, help="the models package directory")
    parser.add_argument(
        "--testing-out", type=Path, default=TESTING_OUT, help="the emulator's codecs package directory"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            stale = check(args.out, args.testing_out)
            if stale:
                print("codegen --check: the generated code is stale; run `python -m codegen`:", file=sys.stderr)
                for line in stale:
                    print(f"  {line}", file=sys.stderr)
                return 1
            print("codegen --check: generated code is current")
            return 0
        count = write(args.out, args.testing_out)
    except GeneratorError as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 2
    print(f"codegen: wrote {count} files to {args.out} and {args.testing_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
