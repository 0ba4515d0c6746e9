"""The ``iamlast`` command (click + rich, the ``cli`` extra). The library never imports this package.

``main()`` is the console script; ``cli`` the click group (for ``click.testing.CliRunner``).
Without click and rich installed, ``main()`` says in one line what to install and returns 2.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import cli

__all__ = ["MISSING_EXTRA", "cli", "main"]

#: What the console script says when the command's dependencies are not installed.
MISSING_EXTRA = (
    "iamlast: error: the iamlast command needs {missing}, which is not installed; "
    "install the command with: pip install 'iamlast[cli]'"
)
_EXIT_USAGE = 2


def main(argv: list[str] | None = None) -> int:
    """The console script: ``iamlast ...``; returns the exit code."""
    try:
        from .app import main as run
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] not in ("click", "rich"):
            raise
        print(MISSING_EXTRA.format(missing=exc.name.split(".")[0]), file=sys.stderr)
        return _EXIT_USAGE
    return run(argv)


def __getattr__(name: str) -> Any:
    if name == "cli":
        from .app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
