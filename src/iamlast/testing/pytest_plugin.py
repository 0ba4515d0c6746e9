"""The pytest plugin (registered as ``iamlast`` in the ``pytest11`` entry points): a
``fake_iam`` fixture giving each test its own started :class:`~iamlast.testing.FakeIAM`, and a
``fake_org`` fixture giving it a started :class:`~iamlast.testing.FakeOrganization`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .org_server import FakeOrganization
    from .server import FakeIAM


@pytest.fixture
def fake_iam() -> Iterator[FakeIAM]:
    """A started FakeIAM on a free loopback port (seed 0), stopped after the test.

    Change it in the test (``fake_iam.page_cap = 73``, ``fake_iam.faults = Faults(...)``,
    ``fake_iam.account.add_role(...)``) and point clients at ``fake_iam.client_kwargs()``.
    """
    from .server import FakeIAM

    with FakeIAM() as iam:
        yield iam


@pytest.fixture
def fake_org() -> Iterator[FakeOrganization]:
    """A started FakeOrganization (:meth:`~iamlast.testing.FakeOrganization.default`: seven
    accounts, one suspended, one whose role cannot be assumed; 12 principals each), stopped
    after the test. Point clients at ``fake_org.env()`` (``monkeypatch.setenv``) or give
    ``scan_organization`` ``client_options=fake_org.scan_options()``."""
    from .org_server import FakeOrganization

    with FakeOrganization.default() as org:
        yield org
