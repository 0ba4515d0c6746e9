"""The ``iamlast`` command (click + rich). The library never imports this package.

``main()`` is the console script; ``cli`` the click group (for ``click.testing.CliRunner``).
"""

from __future__ import annotations

from .app import cli, main

__all__ = ["cli", "main"]
