"""Waiting for report jobs: ``client.wait_for_job`` and ``client.wait_for_organizations_report``.

Both poll at once, then back off with jitter up to a cap, within an overall deadline. A FAILED
job raises :class:`JobFailedError` with the service's error details; running out of time raises
:class:`JobTimeoutError` with the job id and the last response. In the async client a cancelled
wait stops at once and leaves nothing running.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, cast

from ._generated.client import AsyncOperations, SyncOperations
from ._runtime.errors import ServiceError
from ._runtime.jobs import JobFailedError, JobNotReadyError, JobPoll, JobTimeoutError, PoliteRetry

if TYPE_CHECKING:
    from ._generated.enums import SortKeyType, SortKeyTypeLiteral
    from ._generated.shapes import (
        GetOrganizationsAccessReportResponse,
        GetServiceLastAccessedDetailsResponse,
    )

__all__ = ["AsyncJobs", "JobFailedError", "JobNotReadyError", "JobTimeoutError", "SyncJobs"]

DEFAULT_TIMEOUT = 300.0


class _Cancelled(Exception):
    """A sync wait stopped because its scan was abandoned."""


def job_id_of(response: Any, operation: str) -> str:
    """The JobId of a Generate* response (a typed error if the service left it out)."""
    job_id = getattr(response, "job_id", None)
    if not job_id:
        from ._runtime.errors import ResponseParseError

        meta = getattr(response, "response_metadata", None)
        raise ResponseParseError(
            "the response carries no JobId",
            operation=operation,
            request_id=getattr(meta, "request_id", None),
        )
    return str(job_id)


def _limit_exceeded(exc: ServiceError) -> bool:
    return exc.code == "ReportGenerationLimitExceeded"


class SyncJobs(SyncOperations):
    """Job waiting on :class:`~iamlast.Client`."""

    def wait_for_job(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        page_size: int | None = None,
    ) -> GetServiceLastAccessedDetailsResponse:
        """Poll GetServiceLastAccessedDetails until the job is COMPLETED; return that response
        (the first page of its services; ``page_size`` is sent as MaxItems)."""
        response = self._wait(
            "GetServiceLastAccessedDetails",
            job_id,
            {"max_items": page_size},
            timeout,
            initial_delay,
            max_delay,
            "error",
        )
        return cast("GetServiceLastAccessedDetailsResponse", response)

    def wait_for_organizations_report(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
    ) -> GetOrganizationsAccessReportResponse:
        """Poll GetOrganizationsAccessReport until COMPLETED; return that response."""
        extra = {"sort_key": sort_key, "max_items": page_size}
        response = self._wait(
            "GetOrganizationsAccessReport",
            job_id,
            extra,
            timeout,
            initial_delay,
            max_delay,
            "error_details",
        )
        return cast("GetOrganizationsAccessReportResponse", response)

    def _wait(
        self,
        operation: str,
        job_id: str,
        extra: dict[str, Any],
        timeout: float,
        initial_delay: float,
        max_delay: float,
        failure_attr: str,
        stop: threading.Event | None = None,
    ) -> Any:
        poll = JobPoll(
            job_id, time.monotonic(), timeout, initial_delay, max_delay, failure_attr=failure_attr
        )
        kwargs = {"job_id": job_id, **{k: v for k, v in extra.items() if v is not None}}
        while True:
            response = self._call(operation, None, kwargs)
            if poll.observe(response):
                return response
            delay = poll.next_delay(time.monotonic())
            if stop is not None:
                if stop.wait(delay):
                    raise _Cancelled(job_id)
            else:
                time.sleep(delay)

    def _generate_politely(self, operation: str, kwargs: dict[str, Any], timeout: float) -> Any:
        """Generate a report, waiting while ReportGenerationLimitExceeded says too many run."""
        polite = PoliteRetry(time.monotonic(), timeout)
        while True:
            try:
                return self._call(operation, None, kwargs)
            except ServiceError as exc:
                if not _limit_exceeded(exc):
                    raise
                delay = polite.next_delay(time.monotonic())
                if delay is None:
                    raise
                time.sleep(delay)


class AsyncJobs(AsyncOperations):
    """Job waiting on :class:`~iamlast.AsyncClient` (awaitable, cancellable)."""

    async def wait_for_job(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        page_size: int | None = None,
    ) -> GetServiceLastAccessedDetailsResponse:
        """Poll GetServiceLastAccessedDetails until the job is COMPLETED; return that response."""
        response = await self._wait(
            "GetServiceLastAccessedDetails",
            job_id,
            {"max_items": page_size},
            timeout,
            initial_delay,
            max_delay,
            "error",
        )
        return cast("GetServiceLastAccessedDetailsResponse", response)

    async def wait_for_organizations_report(
        self,
        job_id: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        initial_delay: float = 1.0,
        max_delay: float = 15.0,
        sort_key: SortKeyType | SortKeyTypeLiteral | None = None,
        page_size: int | None = None,
    ) -> GetOrganizationsAccessReportResponse:
        """Poll GetOrganizationsAccessReport until COMPLETED; return that response."""
        extra = {"sort_key": sort_key, "max_items": page_size}
        response = await self._wait(
            "GetOrganizationsAccessReport",
            job_id,
            extra,
            timeout,
            initial_delay,
            max_delay,
            "error_details",
        )
        return cast("GetOrganizationsAccessReportResponse", response)

    async def _wait(
        self,
        operation: str,
        job_id: str,
        extra: dict[str, Any],
        timeout: float,
        initial_delay: float,
        max_delay: float,
        failure_attr: str,
    ) -> Any:
        poll = JobPoll(
            job_id, time.monotonic(), timeout, initial_delay, max_delay, failure_attr=failure_attr
        )
        kwargs = {"job_id": job_id, **{k: v for k, v in extra.items() if v is not None}}
        while True:
            response = await self._call(operation, None, kwargs)
            if poll.observe(response):
                return response
            import asyncio

            await asyncio.sleep(poll.next_delay(time.monotonic()))

    async def _generate_politely(
        self, operation: str, kwargs: dict[str, Any], timeout: float
    ) -> Any:
        polite = PoliteRetry(time.monotonic(), timeout)
        while True:
            try:
                return await self._call(operation, None, kwargs)
            except ServiceError as exc:
                if not _limit_exceeded(exc):
                    raise
                delay = polite.next_delay(time.monotonic())
                if delay is None:
                    raise
                import asyncio

                await asyncio.sleep(delay)
