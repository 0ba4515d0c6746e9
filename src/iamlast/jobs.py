"""Report jobs: ``client.wait_for_job`` and ``client.wait_for_organizations_report``, and the
errors a wait ends in.

Both poll at once, then back off with jitter up to a cap. Every poll — a slow or silent one
included — ends by the deadline ``timeout`` sets, so a wait ends within it plus a small margin.
A FAILED job raises :class:`JobFailedError` with the service's error details; a status iamlast
does not know raises :class:`JobStatusError` at once; running out of time raises
:class:`JobTimeoutError` with the job id and the last response; reading the pages of a job that
is not complete raises :class:`JobNotReadyError`. The methods themselves are defined in
:mod:`iamlast.advisor`, once for both clients.
"""

from __future__ import annotations

from ._runtime.deadline import DeadlineExceededError
from ._runtime.jobs import (
    DEFAULT_TIMEOUT,
    JobFailedError,
    JobNotReadyError,
    JobStatusError,
    JobTimeoutError,
    job_id_of,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DeadlineExceededError",
    "JobFailedError",
    "JobNotReadyError",
    "JobStatusError",
    "JobTimeoutError",
    "job_id_of",
]
