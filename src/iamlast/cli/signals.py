"""SIGINT and SIGTERM during a scan: stop at once, but never in the middle of writing a line.

While :func:`interruptible` is active, the first SIGINT or SIGTERM raises :class:`Interrupted`
(a ``KeyboardInterrupt``, so the library stops its scan as it does on Ctrl-C) in the main thread
— unless the main thread is inside :meth:`Guard.critical` (writing a principal's rows), in which
case it is raised as soon as that section ends. A second signal while the scan winds down ends
the process at once, after the lines already written are flushed (see :meth:`Guard.on_force`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Guard", "Interrupted", "exit_code_for", "interruptible"]

_NAMES = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM"}
_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None


def exit_code_for(signum: int) -> int:
    """128 + the signal number, as shells report a process a signal ended: 130 for SIGINT,
    143 for SIGTERM."""
    return 128 + signum


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by ``signum``."""

    def __init__(self, signum: int) -> None:
        super().__init__(_NAMES.get(signal.Signals(signum), f"signal {signum}"))
        self.signum = signum

    @property
    def name(self) -> str:
        """``SIGINT`` or ``SIGTERM``."""
        return str(self.args[0])

    @property
    def exit_code(self) -> int:
        """130 for SIGINT, 143 for SIGTERM."""
        return exit_code_for(self.signum)


class Guard:
    """What :func:`interruptible` hands out: the signal seen (if any) and the critical sections."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self._depth = 0
        self._pending = False
        self._forced = False
        self._force: Callable[[int], None] | None = None

    @property
    def interrupted(self) -> bool:
        """Whether a signal has arrived."""
        return self.signum is not None

    def on_force(self, action: Callable[[int], None]) -> None:
        """Call ``action(signum)`` on a second signal (it should end the process)."""
        self._force = action

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
        else:
            self._forced = True
        if self._depth:
            self._pending = True
            return
        self._fire()

    def _fire(self) -> None:
        assert self.signum is not None
        if self._forced:
            if self._force is not None:
                self._force(self.signum)
            return
        raise Interrupted(self.signum)

    @contextmanager
    def critical(self) -> Iterator[None]:
        """No :class:`Interrupted` inside the block (from the main thread; signals reach only
        the main thread, so in other threads this does nothing); a signal that arrived during it
        is raised when it ends."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._pending:
                self._pending = False
                self._fire()


@contextmanager
def interruptible() -> Iterator[Guard]:
    """Handle SIGINT and SIGTERM with a :class:`Guard` for the block, then restore the handlers
    (outside the main thread, where handlers cannot be set, the guard only records nothing)."""
    guard = Guard()
    previous: dict[int, _Handler] = {}
    try:
        for wanted in (signal.SIGINT, signal.SIGTERM):
            previous[wanted] = signal.signal(wanted, guard._handle)
    except ValueError:  # not the main thread
        pass
    try:
        yield guard
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
