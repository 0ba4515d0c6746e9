"""Import httpx without its command-line client.

httpx imports its own CLI (click, rich, pygments) whenever those happen to be installed: ~50 ms
of import for nothing a library uses. The CLI module is hidden while httpx loads, so httpx
binds its fallback ``httpx.main``, which only the ``httpx`` console script (a separate process,
without iamlast) would ever call. Must run before anything else imports httpx.
"""

from __future__ import annotations

import sys

if "httpx" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
    try:
        import httpx  # noqa: F401
    finally:
        del sys.modules["httpx._main"]
