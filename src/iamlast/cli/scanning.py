"""``iamlast scan`` as a stream: each principal is written as soon as it is done, its granting
policies looked up first (at most ``concurrency`` lookups at once, beside the scan's own jobs).

A result without unused services (or an error, or a managed policy, which grants its own
services) is written from the main thread as it arrives; one with unused services goes to a
lookup thread, which writes it once ListPoliciesGrantingServiceAccess has answered. On SIGINT or
SIGTERM (see :mod:`.signals`) the scan stops, the lookups already running finish and are
written, the queued ones are dropped, and :class:`ScanOutcome` says how far it got.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from iamlast.errors import IamError

from . import documents
from .documents import PrincipalScan
from .errors import CliError
from .progress import scan_bar
from .signals import Guard, Interrupted

if TYPE_CHECKING:
    import iamlast
    from iamlast.advisor import Granularity, ScanProgress

    from .options import Settings
    from .sinks import Writer

__all__ = ["ScanOutcome", "ScanPlan", "run_scan"]

Doc = dict[str, Any]
SCAN_TYPES = ("users", "roles", "groups", "policies")


@dataclass(frozen=True)
class ScanPlan:
    """What to scan and how."""

    #: The kinds to discover (and to name in the document).
    types: tuple[str, ...] = SCAN_TYPES
    #: The ARNs to scan instead of discovering them.
    arns: list[str] | None = None
    #: ARNs already done (``--resume``): neither scanned nor written.
    skip: frozenset[str] = frozenset()
    unused_days: int = 90
    concurrency: int = 8
    granularity: Granularity = "SERVICE_LEVEL"


@dataclass
class ScanOutcome:
    """How a scan ended."""

    written: int = 0
    failed: int = 0
    #: How many principals this run had to scan (None while discovery had not finished).
    total: int | None = None
    interrupted: Interrupted | None = None


def kind_and_name(arn: str) -> tuple[str, str]:
    """(``user``/``role``/``group``/``policy``, the name) of an IAM ARN."""
    resource = arn.split(":", 5)[-1]
    kind, _, rest = resource.partition("/")
    return kind, rest.rsplit("/", 1)[-1]


def granting_policies(
    client: iamlast.Client, arn: str, namespaces: list[str]
) -> dict[str, list[Doc]]:
    """namespace → the policies granting it to the user, role or group ``arn``."""
    doc = documents.policies_doc(
        arn, client.paginate_policies_granting_service_access(arn, namespaces)
    )
    found: dict[str, list[Doc]] = {ns: [] for ns in namespaces}
    for entry in doc["services"]:
        found.setdefault(entry["namespace"], []).extend(entry["policies"])
    return found


class _Lookups:
    """The granting-policies lookups: a pool, at most ``2 x concurrency`` queued or running (the
    main thread waits for a slot, so a slow IAM slows the scan instead of filling memory)."""

    def __init__(
        self, client: iamlast.Client, writer: Writer, concurrency: int, unused_days: int
    ) -> None:
        self._client = client
        self._writer = writer
        self._unused_days = unused_days
        self._pool = ThreadPoolExecutor(
            max_workers=concurrency, thread_name_prefix="iamlast-lookup"
        )
        self._slots = threading.BoundedSemaphore(2 * concurrency)
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def submit(self, item: PrincipalScan, namespaces: list[str]) -> None:
        self._slots.acquire()
        future = self._pool.submit(self._run, item, namespaces)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)
        self._slots.release()

    def _run(self, item: PrincipalScan, namespaces: list[str]) -> None:
        try:
            try:
                item.granted_by = granting_policies(self._client, item.arn, namespaces)
            except IamError as exc:
                item.error = exc
            self._writer.principal(documents.scan_principal(item, self._unused_days))
        except BaseException as exc:  # a bug: the main thread re-raises it
            self.error = self.error or exc

    def wait(self) -> None:
        """Until every lookup is written."""
        while True:
            with self._lock:
                pending = set(self._futures)
            if not pending:
                return
            wait_for(pending)

    def shutdown(self, *, drop_queued: bool) -> None:
        """Stop: the running lookups finish (and are written); with ``drop_queued``, the queued
        ones never start."""
        self._pool.shutdown(wait=True, cancel_futures=drop_queued)


def _check(writer: Writer, lookups: _Lookups) -> None:
    if lookups.error is not None:
        raise lookups.error
    if isinstance(writer.broken, BrokenPipeError):
        raise BrokenPipeError(writer.broken)
    if writer.broken is not None:
        raise CliError(f"could not write the output: {writer.broken}")


def _own_grants(name: str, arn: str, unused: list[str]) -> dict[str, list[Doc]]:
    # A managed policy is itself what grants its services.
    own = {
        "policy_name": name,
        "policy_type": "MANAGED",
        "policy_arn": arn,
        "entity_type": None,
        "entity_name": None,
    }
    return {ns: [own] for ns in unused}


def _force_exit(writer: Writer, signum: int) -> None:
    """A second signal: stop now, but after any principal being written is whole."""
    writer.lock.acquire(timeout=5)  # no thread is then in the middle of a principal's lines
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    os.write(
        2,
        f"iamlast: interrupted again: stopped at once, {writer.written} principals written\n".encode(),
    )
    os._exit(128 + signum)


def _targets(client: iamlast.Client, plan: ScanPlan) -> Iterable[str] | None:
    if plan.arns is not None:
        return [a for a in plan.arns if a not in plan.skip]
    if not plan.skip:
        return None  # the scan discovers them itself
    wanted = {t: t in plan.types for t in SCAN_TYPES}

    def discovered() -> Iterator[str]:
        for arn in client.discover(**wanted):
            if arn not in plan.skip:
                yield arn

    return discovered()


def run_scan(
    client: iamlast.Client,
    settings: Settings,
    plan: ScanPlan,
    writer: Writer,
    guard: Guard | None = None,
) -> ScanOutcome:
    """Scan, writing each principal to ``writer`` as it finishes; an interruption (with a
    ``guard``) is caught and reported in the outcome, everything else propagates."""
    since = timedelta(days=plan.unused_days)
    targets = _targets(client, plan)
    outcome = ScanOutcome(total=len(targets) if isinstance(targets, list) else None)
    if guard is not None:
        guard.on_force(lambda signum: _force_exit(writer, signum))
    lookups = _Lookups(client, writer, plan.concurrency, plan.unused_days)
    complete = False
    try:
        with scan_bar(settings) as bar:

            def progress(p: ScanProgress) -> None:
                outcome.total = p.total
                bar(p)

            kinds = {t: t in plan.types for t in SCAN_TYPES} if targets is None else {}
            results = client.scan(
                targets,
                **kinds,
                granularity=plan.granularity,
                concurrency=plan.concurrency,
                progress=progress,
            )
            try:
                for result in results:
                    _check(writer, lookups)
                    kind, name = kind_and_name(result.arn)
                    item = PrincipalScan(result.arn, kind, name, result.report, result.error)
                    unused = (
                        []
                        if result.report is None
                        else [s.namespace for s in result.report.unused(since)]
                    )
                    if unused and kind == "policy":
                        item.granted_by = _own_grants(name, result.arn, unused)
                    elif unused:
                        lookups.submit(item, unused)
                        continue
                    writer.principal(documents.scan_principal(item, plan.unused_days))
                lookups.wait()
                _check(writer, lookups)
                complete = True
            finally:
                # Leaving the loop early (an interruption, a broken pipe) stops the scan.
                close = getattr(results, "close", None)
                if close is not None:
                    close()
                lookups.shutdown(drop_queued=not complete)
    except Interrupted as exc:
        outcome.interrupted = exc
    _check(writer, lookups)
    try:
        writer.end(complete=complete)
    except Interrupted as exc:  # it came while the end was written: that is whole
        outcome.interrupted = outcome.interrupted or exc
    outcome.written, outcome.failed = writer.written, writer.failed
    return outcome
