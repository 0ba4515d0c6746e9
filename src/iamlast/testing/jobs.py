"""Report jobs: IN_PROGRESS for a number of polls, then COMPLETED (or FAILED), and the limit on
Organizations reports running at once."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from iamlast.errors import ReportGenerationLimitExceededError

from .account import ManagedPolicy, Principal

__all__ = ["JobFailure", "JobStore", "OrgJob", "ServiceJob"]

Status = Literal["IN_PROGRESS", "COMPLETED", "FAILED"]


def _now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


@dataclass(frozen=True, slots=True)
class JobFailure:
    """Which jobs fail (by ARN / entity path, or a predicate on it) and with what error."""

    match: Callable[[str], bool]
    code: str
    message: str


@dataclass(eq=False)
class ServiceJob:
    """A GenerateServiceLastAccessedDetails job."""

    job_id: str
    arn: str
    target: Principal | ManagedPolicy
    granularity: str
    created: datetime
    version: int
    polls_left: int
    failure: JobFailure | None
    completed: datetime | None = None

    @property
    def status(self) -> Status:
        """The status the last poll reported."""
        if self.completed is None:
            return "IN_PROGRESS"
        return "FAILED" if self.failure is not None else "COMPLETED"


@dataclass(eq=False)
class OrgJob:
    """A GenerateOrganizationsAccessReport job."""

    job_id: str
    entity_path: str
    policy_id: str | None
    created: datetime
    polls_left: int
    failure: JobFailure | None
    completed: datetime | None = None

    @property
    def status(self) -> Status:
        """The status the last poll reported."""
        if self.completed is None:
            return "IN_PROGRESS"
        return "FAILED" if self.failure is not None else "COMPLETED"


class JobStore:
    """Every job the emulator issued, and the rules for how they progress."""

    def __init__(self, *, seed: int = 0, job_polls: int = 1, max_org_reports: int = 3) -> None:
        self.job_polls = job_polls
        self.max_org_reports = max_org_reports
        self.polls_for: dict[str, int] = {}
        self.failures: list[JobFailure] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.service_jobs: dict[str, ServiceJob] = {}
        self.org_jobs: dict[str, OrgJob] = {}

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _failure(self, key: str) -> JobFailure | None:
        for f in self.failures:
            if f.match(key):
                return f
        return None

    def fail(
        self,
        match: str | Callable[[str], bool],
        *,
        code: str = "ServiceFailure",
        message: str = "The job could not be completed because of an internal error.",
    ) -> None:
        """Make future jobs for an ARN / entity path (or those a predicate accepts) fail."""
        test = (lambda key: key == match) if isinstance(match, str) else match
        with self._lock:
            self.failures.append(JobFailure(test, code, message))

    def create_service_job(self, arn: str, target: Principal | ManagedPolicy, granularity: str, version: int) -> ServiceJob:
        """Start a service-last-accessed job."""
        with self._lock:
            job = ServiceJob(
                self._new_id(), arn, target, granularity, _now(), version,
                self.polls_for.get(arn, self.job_polls), self._failure(arn),
            )
            self.service_jobs[job.job_id] = job
        return job

    def create_org_job(self, entity_path: str, policy_id: str | None, *, failure: JobFailure | None = None) -> OrgJob:
        """Start an Organizations report, unless too many are running; it fails with ``failure``
        (or a failure set up with :meth:`fail`)."""
        with self._lock:
            running = sum(1 for j in self.org_jobs.values() if j.completed is None and j.polls_left > 0)
            if running >= self.max_org_reports:
                raise ReportGenerationLimitExceededError(
                    "The request failed because the maximum number of concurrent Organizations "
                    "access reports has been reached. Try again later."
                )
            job = OrgJob(
                self._new_id(), entity_path, policy_id, _now(),
                self.polls_for.get(entity_path, self.job_polls), failure or self._failure(entity_path),
            )
            self.org_jobs[job.job_id] = job
        return job

    def _advance(self, job: ServiceJob | OrgJob) -> None:
        if job.completed is not None:
            return
        if job.polls_left > 0:
            job.polls_left -= 1
            return
        job.completed = max(_now(), job.created)

    def poll_service(self, job_id: str) -> ServiceJob | None:
        """Count one poll of a service job; ``None`` for an unknown id."""
        with self._lock:
            job = self.service_jobs.get(job_id)
            if job is not None:
                self._advance(job)
            return job

    def poll_org(self, job_id: str) -> OrgJob | None:
        """Count one poll of an Organizations report; ``None`` for an unknown id."""
        with self._lock:
            job = self.org_jobs.get(job_id)
            if job is not None:
                self._advance(job)
            return job
