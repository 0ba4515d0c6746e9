"""Workflows written once, as generators that yield what they need and never do I/O.

A flow yields *effects* and receives their results; a driver performs them. The sync driver
(:mod:`iamlast._sync_driver`) uses the calling thread and worker threads, the async driver
(:mod:`iamlast._async_driver`) tasks; what is sent, in what order, how many at once and what
comes out is decided here, once. The effects:

- :class:`Send` ``(operation, kwargs, deadline)`` → the response model; a failure (a typed
  :class:`~iamlast.errors.IamError`) is thrown into the flow at the ``yield``.
- :class:`Sleep` ``(seconds)`` → None.
- :class:`Spec` ``(operation)`` → the client's :class:`~iamlast._runtime.registry.OperationSpec`.
- :class:`Emit` ``(value)`` → None: hands ``value`` to whoever iterates the flow (a pager's
  items, a scan's results); the flow is suspended until the consumer asks for more.
- :class:`Gather` ``(flows, limit)`` → their results in order, at most ``limit`` running at once;
  the first failure stops the others and is raised.
- :class:`Stream` ``(source, work, limit, buffer, limiter)`` → a handle: every value ``source``
  emits is run through ``work(value)``, at most ``limit`` at once, with at most ``buffer``
  values waiting between them (so a source that never ends costs bounded memory).
  :class:`Next` ``(handle)`` → the next :class:`Completed` result, in completion order, or None
  once the source is done and every result was taken; a source failure is raised after the
  results of everything it had handed over. A source may emit a :class:`Total` (how many values
  it hands over in all) as soon as it knows, before it has handed them over. With ``flat``, the
  work flows *emit* their results (any number each) instead of returning one.
- :class:`With` ``(service, options, flow, gate)`` → what ``flow`` returns, run on a client of
  its own (the ``service``'s, sync or async as the driver is, built with ``options`` and closed
  when the flow ends); what ``flow`` emits passes through. With a :class:`Gate`, every request
  of ``flow`` waits for one of the gate's ``limit`` places.
- :class:`Offload` ``(executor, function, args)`` → ``function(*args)`` run on a
  ``concurrent.futures.Executor`` (processes, a cluster); cancelled if the consumer leaves.

A flow never sees cancellation: when its consumer leaves (``break``, ``close()``, a cancelled
task, Ctrl-C) the driver closes it — its ``finally`` blocks run, nothing else does — and stops
every flow it started. No request starts after that.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

if TYPE_CHECKING:
    from ..ratelimit import TokenBucket

__all__ = [
    "Completed",
    "Done",
    "Effect",
    "Emit",
    "Flow",
    "Gate",
    "Gather",
    "Next",
    "Offload",
    "Send",
    "Sleep",
    "Spec",
    "Stepper",
    "Stream",
    "Total",
    "With",
    "collect",
    "emit_all",
    "relay",
]

T = TypeVar("T")


class _Value:
    """Plain slotted values (dataclasses cost far more to create at import)."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__)
        return f"{type(self).__name__}({inner})"


class Send(_Value):
    """Call ``operation`` with keyword arguments; with a ``deadline`` (``time.monotonic``), the
    call — retries and backoff included — ends by then or raises DeadlineExceededError."""

    __slots__ = ("deadline", "kwargs", "operation")

    def __init__(
        self, operation: str, kwargs: dict[str, Any], deadline: float | None = None
    ) -> None:
        self.operation = operation
        self.kwargs = kwargs
        self.deadline = deadline


class Sleep(_Value):
    """Wait ``seconds`` (cut short, by closing the flow, when its consumer leaves)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Spec(_Value):
    """Look up an operation in the client's registry (paginator and job details)."""

    __slots__ = ("operation",)

    def __init__(self, operation: str) -> None:
        self.operation = operation


class Emit(_Value):
    """Hand ``value`` to the consumer of the flow."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class Gather(_Value):
    """Run ``flows`` (none of which emits), at most ``limit`` at once; results in order."""

    __slots__ = ("flows", "limit")

    def __init__(self, flows: Sequence[Flow[Any]], limit: int) -> None:
        self.flows = flows
        self.limit = limit


class Stream(_Value):
    """Feed what ``source`` emits through ``work``, ``limit`` at a time, ``buffer`` waiting.

    ``limiter``, when given, paces every request ``source`` and ``work`` make (a scan's
    ``rate_limit``), retries included.
    """

    __slots__ = ("buffer", "flat", "limit", "limiter", "source", "work")

    def __init__(
        self,
        source: Flow[Any],
        work: Callable[[Any], Flow[Any]],
        *,
        limit: int,
        buffer: int,
        limiter: TokenBucket | None = None,
        flat: bool = False,
    ) -> None:
        self.source = source
        self.work = work
        self.limit = limit
        self.buffer = buffer
        self.limiter = limiter
        self.flat = flat


class Gate(_Value):
    """At most ``limit`` requests in flight at once among all the flows run under it (see
    :class:`With`); the driver keeps its semaphore in ``lock``."""

    __slots__ = ("limit", "lock")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lock: Any = None


class With(_Value):
    """Run ``flow`` on a client of its own: ``service``'s client built with ``options``."""

    __slots__ = ("flow", "gate", "options", "service")

    def __init__(
        self,
        service: str,
        options: dict[str, Any],
        flow: Flow[Any],
        *,
        gate: Gate | None = None,
    ) -> None:
        self.service = service
        self.options = options
        self.flow = flow
        self.gate = gate


class Offload(_Value):
    """Run ``function(*args)`` on ``executor``; its result (or its exception, thrown in)."""

    __slots__ = ("args", "executor", "function")

    def __init__(self, executor: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.executor = executor
        self.function = function
        self.args = args


class Next(_Value):
    """The next completed result of a :class:`Stream` (the handle it returned)."""

    __slots__ = ("handle",)

    def __init__(self, handle: Any) -> None:
        self.handle = handle


class Total(_Value):
    """Emitted by a :class:`Stream`'s source: it will hand over ``count`` values in all."""

    __slots__ = ("count",)

    def __init__(self, count: int) -> None:
        self.count = count


class Completed(_Value):
    """One result of a :class:`Stream`: ``fed`` values were handed over so far, all of them
    when ``source_done``; ``total`` is how many there are in all, once known (None before)."""

    __slots__ = ("fed", "source_done", "total", "value")

    def __init__(self, value: Any, fed: int, source_done: bool, total: int | None = None) -> None:
        self.value = value
        self.fed = fed
        self.source_done = source_done
        self.total = fed if source_done and total is None else total


class Done(_Value):
    """What :meth:`Stepper.next` returns when the flow has finished with ``value``."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


Effect: TypeAlias = Send | Sleep | Spec | Emit | Gather | Stream | Next | With | Offload
#: A workflow: yields effects, receives their results, returns ``T``.
Flow: TypeAlias = Generator[Effect, Any, T]


class Stepper:
    """Advances one flow for a driver: :meth:`next` is the next effect (or :class:`Done`);
    the driver answers with :meth:`give` or :meth:`fail` before asking again."""

    __slots__ = ("_error", "_value", "flow")

    def __init__(self, flow: Flow[Any]) -> None:
        self.flow = flow
        self._value: Any = None
        self._error: BaseException | None = None

    def next(self) -> Effect | Done:
        value, error = self._value, self._error
        self._value = self._error = None
        try:
            if error is not None:
                return self.flow.throw(error)
            return self.flow.send(value)
        except StopIteration as stop:
            return Done(stop.value)

    def give(self, value: Any) -> None:
        """The result of the effect just performed."""
        self._value = value

    def fail(self, error: BaseException) -> None:
        """The effect just performed failed: raised inside the flow at its ``yield``."""
        self._error = error

    def close(self) -> None:
        """End the flow early: its ``finally`` blocks run (no-op once it has finished)."""
        self.flow.close()


def relay(flow: Flow[T], on_emit: Callable[[Any], Iterable[Any]]) -> Flow[T]:
    """Run ``flow`` inside another flow, passing every effect through except :class:`Emit`:
    each emitted value goes to ``on_emit``, and what that returns is emitted instead."""
    result: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = flow.send(result) if error is None else flow.throw(error)
        except StopIteration as stop:
            done: T = stop.value
            return done
        result = error = None
        if type(effect) is Emit:
            for value in on_emit(effect.value):
                yield Emit(value)
            continue
        try:
            result = yield effect
        except GeneratorExit:
            flow.close()
            raise
        except Exception as exc:  # a failed effect: the inner flow decides what it means
            error = exc


def collect(flow: Flow[Any]) -> Flow[list[Any]]:
    """Run ``flow`` inside another flow and return everything it emitted, in order."""
    items: list[Any] = []

    def keep(value: Any) -> tuple[()]:
        items.append(value)
        return ()

    yield from relay(flow, keep)
    return items


def emit_all(values: Iterable[Any]) -> Flow[None]:
    """A flow that emits each of ``values`` (a Stream's source when they are known already)."""
    for value in values:
        yield Emit(value)
