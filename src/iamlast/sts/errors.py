"""Every AWS STS (Security Token Service) error as a typed exception, matched by its wire code; each is a
:class:`~iamlast.errors.ServiceError` (``code``, ``message``, ``status_code``, ``request_id``,
``raw``), and so an :class:`~iamlast.errors.IamError`. The errors common to AWS services
(throttling, access denied, expired credentials, …) are also instances of
:mod:`iamlast.errors`' common classes. :func:`decode_error` turns any error response into one.
"""

from __future__ import annotations

from .._generated_sts.errors import *  # noqa: F403
from .._generated_sts.errors import __all__ as __all__
