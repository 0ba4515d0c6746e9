"""Blocking work (credential lookups, config reads) on threads iamlast owns.

Each job gets its own daemon thread, never an executor's: nothing joins it at interpreter exit
or in ``asyncio.run``'s shutdown, so a credential_process that hangs cannot hold up a program
that has stopped waiting for it. Jobs are rare (a lookup per credential lifetime), so a thread
each costs nothing that matters.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

__all__ = ["fresh", "start", "wait"]

T = TypeVar("T")


def start(job: Callable[[], T | BaseException], *, name: str) -> Future[T]:
    """Run ``job`` on a new daemon thread; its future is already running (``cancel()`` cannot
    take it back from other waiters).

    ``job`` *returns* an exception to fail the future with: an exception that was never raised
    carries no traceback, so nothing of the job's frames (or what they held) stays reachable.
    """
    future: Future[T] = Future()
    future.set_running_or_notify_cancel()

    def run() -> None:
        try:
            outcome = job()
        except BaseException as exc:  # a bug in the job: still settle the future
            future.set_exception(exc)
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def fresh(error: BaseException) -> BaseException:
    """A copy of ``error`` to raise: one instance raised by several threads or tasks at once would
    collect all their tracebacks."""
    try:
        return copy.copy(error)
    except Exception:  # pragma: no cover - IamError always copies; anything else is raised as is
        return error


def wait(future: Future[T], timeout: float | None = None) -> T:
    """The future's result, waiting at most ``timeout`` seconds (then ``TimeoutError``); a failure
    is raised as a fresh copy."""
    error = future.exception(timeout)
    if error is not None:
        raise fresh(error)
    return future.result()
