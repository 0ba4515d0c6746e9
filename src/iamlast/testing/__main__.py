"""``python -m iamlast.testing [OPTIONS]``: serve a FakeIAM until interrupted, printing the endpoint
and the credentials to use; the same command as ``iamlast fake-server`` (see :mod:`.serve`)."""

from __future__ import annotations

import sys

from .serve import main

if __name__ == "__main__":
    sys.exit(main())
