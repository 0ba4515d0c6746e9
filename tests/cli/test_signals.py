"""The signal guard: SIGINT/SIGTERM raise ``Interrupted`` at once, except inside a critical
section (a principal being written), where they wait for its end; the handlers are restored."""

from __future__ import annotations

import os
import signal

import pytest

from iamlast.cli.signals import Interrupted, exit_code_for, interruptible


def _send(signum: int) -> None:
    os.kill(os.getpid(), signum)
    # The handler runs in the main thread at the next bytecode boundary; give it some.
    for _ in range(1000):
        pass


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_signal_raises_interrupted(signum: int, code: int, name: str) -> None:
    before = signal.getsignal(signum)
    with pytest.raises(Interrupted) as exc, interruptible() as guard:
        _send(signum)
    assert exc.value.exit_code == code == exit_code_for(signum) and exc.value.name == name
    assert isinstance(exc.value, KeyboardInterrupt)
    assert guard.interrupted
    assert signal.getsignal(signum) is before


def test_a_critical_section_finishes_first() -> None:
    steps: list[str] = []
    with pytest.raises(Interrupted), interruptible() as guard:
        with guard.critical():
            _send(signal.SIGINT)
            steps.append("still writing")
            with guard.critical():  # nested: the outermost end raises
                steps.append("nested")
            steps.append("after nested")
        steps.append("never")
    assert steps == ["still writing", "nested", "after nested"]


def test_a_second_signal_forces() -> None:
    forced: list[int] = []
    with interruptible() as guard:
        guard.on_force(forced.append)
        with pytest.raises(Interrupted):
            _send(signal.SIGTERM)
        _send(signal.SIGINT)  # while winding down: the force action, not another exception
        with guard.critical():
            _send(signal.SIGINT)
            assert len(forced) == 1  # deferred inside a critical section too
    assert forced == [signal.SIGTERM, signal.SIGTERM]
