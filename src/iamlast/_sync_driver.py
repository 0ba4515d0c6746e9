"""The sync driver: runs any flow (:mod:`iamlast._runtime.flows`) for a :class:`~iamlast.Client`
on the calling thread, with daemon worker threads for fan-out.

Cancellation is a scope shared by a flow and every thread it started. When the consumer leaves
(``break``, ``close()``, an exception, Ctrl-C) the scope is cancelled: no thread sends another
request or sleeps on, blocked hand-overs are woken, and the driver waits up to
:data:`GRACE` seconds for requests already in flight before it returns. A thread still
finishing its last request then ends on its own, having nothing left to do; being a daemon, it
never holds up the interpreter's exit. Waits in the consumer's thread wake every
:data:`TICK` seconds, so Ctrl-C is seen at once.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ._runtime.flows import (
    Completed,
    Done,
    Emit,
    Gate,
    Gather,
    Next,
    Offload,
    Send,
    Sleep,
    Spec,
    Stepper,
    Stream,
    Total,
    With,
)
from ._runtime.ratelimit import active_limiter

if TYPE_CHECKING:
    from ._runtime.flows import Effect, Flow

__all__ = ["GRACE", "SyncDriver"]

T = TypeVar("T")

#: Seconds an abandoned flow waits for its threads' requests in flight.
GRACE = 1.0
#: How often blocked waits wake to look for cancellation and signals.
TICK = 0.2
_END = object()


class Cancelled(Exception):
    """The flow's consumer left; raised inside the driver only, never into a flow."""


class _Scope:
    """Cancellation for a flow and what it started; a child is cancelled with its parent."""

    def __init__(self, parent: _Scope | None = None) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._hooks: dict[int, Callable[[], None]] = {}
        self._parent = parent
        self._threads: set[threading.Thread] = set() if parent is None else parent._threads
        if parent is not None:
            parent._hook(id(self), self.cancel)

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def _hook(self, key: int, hook: Callable[[], None]) -> None:
        with self._lock:
            if not self._event.is_set():
                self._hooks[key] = hook
                return
        hook()

    def on_cancel(self, hook: Callable[[], None]) -> None:
        self._hook(id(hook), hook)

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            hooks, self._hooks = list(self._hooks.values()), {}
        for hook in hooks:
            hook()

    def release(self) -> None:
        """This scope's work is over: its parent forgets it (long scans stay small)."""
        if self._parent is not None:
            with self._parent._lock:
                self._parent._hooks.pop(id(self), None)

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled

    def sleep(self, seconds: float) -> None:
        if self._event.wait(seconds):
            raise Cancelled

    def spawn(self, target: Callable[[], None], name: str) -> threading.Thread:
        """A daemon thread running ``target`` in a copy of the caller's context."""
        context = contextvars.copy_context()

        def main() -> None:
            try:
                context.run(target)
            finally:
                self._threads.discard(threading.current_thread())

        thread = threading.Thread(target=main, name=name, daemon=True)
        self._threads.add(thread)
        thread.start()
        return thread

    def join(self, grace: float) -> None:
        """Wait up to ``grace`` seconds for every thread of the scope tree to end."""
        ends = time.monotonic() + grace
        for thread in list(self._threads):
            left = ends - time.monotonic()
            if left <= 0:
                return
            thread.join(left)


def _join(thread: threading.Thread) -> None:
    while thread.is_alive():
        thread.join(TICK)


class _Channel:
    """A bounded hand-over between threads; ``close`` lets the rest drain, ``abort`` drops it."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[Any] = deque()
        self._capacity = max(1, capacity)
        self._cond = threading.Condition()
        self._closed = False

    def put(self, item: Any) -> None:
        with self._cond:
            while len(self._items) >= self._capacity and not self._closed:
                self._cond.wait(TICK)
            if self._closed:
                raise Cancelled
            self._items.append(item)
            self._cond.notify_all()

    def get(self) -> Any:
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait(TICK)
            if not self._items:
                return _END
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def abort(self) -> None:
        with self._cond:
            self._closed = True
            self._items.clear()
            self._cond.notify_all()


_GATES = threading.Lock()


def _semaphore(gate: Gate) -> threading.BoundedSemaphore:
    with _GATES:
        if gate.lock is None:
            gate.lock = threading.BoundedSemaphore(gate.limit)
        lock: threading.BoundedSemaphore = gate.lock
        return lock


class _Run:
    """Performs the effects of flows run in one thread, under one scope (on one client, with
    its requests through ``gate`` when there is one)."""

    def __init__(self, client: Any, scope: _Scope, gate: Gate | None = None) -> None:
        self.client = client
        self.scope = scope
        self.gate = gate

    def values(self, flow: Flow[Any]) -> Generator[Any, None, Any]:
        """Run ``flow``, yielding what it emits; returns (StopIteration) what it returns."""
        stepper = Stepper(flow)
        handles: list[_Stream] = []
        try:
            while True:
                effect = stepper.next()
                if isinstance(effect, Done):
                    return effect.value
                if isinstance(effect, Emit):
                    yield effect.value
                    continue
                try:
                    if isinstance(effect, With):  # what its flow emits passes through
                        stepper.give((yield from self._with(effect)))
                        continue
                    stepper.give(self._perform(effect, handles))
                except Cancelled:
                    raise
                except Exception as exc:  # thrown into the flow, which decides
                    stepper.fail(exc)
        finally:
            for handle in handles:
                handle.close()
            stepper.close()

    def result(self, flow: Flow[T]) -> T:
        """Run a flow that emits nothing; its result."""
        run = self.values(flow)
        try:
            next(run)
        except StopIteration as stop:
            value: T = stop.value
            return value
        run.close()
        raise RuntimeError("a flow run for its result emitted a value")

    def _with(self, effect: With) -> Generator[Any, None, Any]:
        from ._services import client_class

        client = client_class(effect.service, asynchronous=False)(**effect.options)
        try:
            run = _Run(client, self.scope, effect.gate or self.gate)
            return (yield from run.values(effect.flow))
        finally:
            client.close()

    def _send(self, effect: Send) -> Any:
        self.scope.check()
        if self.gate is None:
            return self.client._run(
                effect.operation, None, effect.kwargs, raw=False, deadline=effect.deadline
            )
        lock = _semaphore(self.gate)
        while not lock.acquire(timeout=TICK):
            self.scope.check()
        try:
            self.scope.check()
            return self.client._run(
                effect.operation, None, effect.kwargs, raw=False, deadline=effect.deadline
            )
        finally:
            lock.release()

    def _offload(self, effect: Offload) -> Any:
        from concurrent.futures import TimeoutError as Pending

        future = effect.executor.submit(effect.function, *effect.args)
        while True:
            try:
                return future.result(timeout=TICK)
            except Pending:
                if self.scope.cancelled:
                    future.cancel()
                    raise Cancelled from None

    def _perform(self, effect: Effect, handles: list[_Stream]) -> Any:
        kind = type(effect)
        if kind is Send:
            assert isinstance(effect, Send)
            return self._send(effect)
        if kind is Sleep:
            assert isinstance(effect, Sleep)
            self.scope.sleep(effect.seconds)
            return None
        if kind is Spec:
            assert isinstance(effect, Spec)
            return self.client._spec(effect.operation)
        if kind is Gather:
            assert isinstance(effect, Gather)
            return self._gather(effect)
        if kind is Stream:
            assert isinstance(effect, Stream)
            handle = _Stream(self, effect)
            handles.append(handle)
            return handle
        if kind is Next:
            assert isinstance(effect, Next)
            return effect.handle.next()
        if kind is Offload:
            assert isinstance(effect, Offload)
            return self._offload(effect)
        raise TypeError(f"a flow yielded {effect!r}, which is not an effect")

    def _gather(self, effect: Gather) -> list[Any]:
        flows = list(effect.flows)
        if effect.limit <= 1 or len(flows) <= 1:
            return [self.result(flow) for flow in flows]
        scope = _Scope(self.scope)
        results: list[Any] = [None] * len(flows)
        failures: list[BaseException] = []
        todo = iter(enumerate(flows))
        lock = threading.Lock()

        def worker() -> None:
            run = _Run(self.client, scope, self.gate)
            while True:
                with lock:
                    step = None if failures or scope.cancelled else next(todo, None)
                if step is None:
                    return
                index, flow = step
                try:
                    results[index] = run.result(flow)
                except Cancelled:
                    return
                except BaseException as exc:
                    with lock:
                        failures.append(exc)
                    scope.cancel()
                    return

        threads = [
            scope.spawn(worker, f"iamlast-gather-{i}") for i in range(min(effect.limit, len(flows)))
        ]
        try:
            for thread in threads:
                _join(thread)
        except BaseException:
            scope.cancel()
            raise
        finally:
            scope.release()
        if failures:
            raise failures[0]
        self.scope.check()
        return results


class _Stream:
    """A running :class:`~iamlast._runtime.flows.Stream`: one source thread, ``limit``
    workers, bounded hand-overs both ways."""

    def __init__(self, run: _Run, effect: Stream) -> None:
        self._client = run.client
        self._gate = run.gate
        self._flat = effect.flat
        self._scope = _Scope(run.scope)
        self._todo = _Channel(effect.buffer)
        self._done = _Channel(effect.limit)
        self._scope.on_cancel(self._todo.abort)
        self._scope.on_cancel(self._done.abort)
        self._lock = threading.Lock()
        self._fed = 0
        self._source_done = False
        self._total: int | None = None
        self._source_error: BaseException | None = None
        self._crash: BaseException | None = None
        self._workers = effect.limit
        token = active_limiter.set(effect.limiter) if effect.limiter is not None else None
        try:
            self._scope.spawn(lambda: self._feed(effect.source), "iamlast-scan-discovery")
            for i in range(effect.limit):
                self._scope.spawn(lambda: self._work(effect.work), f"iamlast-scan-{i}")
        finally:
            if token is not None:
                active_limiter.reset(token)

    def _feed(self, source: Flow[Any]) -> None:
        try:
            for value in _Run(self._client, self._scope, self._gate).values(source):
                if isinstance(value, Total):
                    self._total = value.count
                    continue
                with self._lock:
                    self._fed += 1
                self._todo.put(value)
            self._source_done = True
        except Cancelled:
            pass
        except BaseException as exc:  # reported after what was handed over is done
            self._source_error = exc
        finally:
            self._todo.close()

    def _work(self, work: Callable[[Any], Flow[Any]]) -> None:
        run = _Run(self._client, self._scope, self._gate)
        try:
            while (item := self._todo.get()) is not _END:
                if self._flat:
                    for value in run.values(work(item)):
                        self._done.put(value)
                else:
                    self._done.put(run.result(work(item)))
        except Cancelled:
            pass
        except BaseException as exc:  # a bug, not a principal's failure: stop everything
            self._crash = self._crash or exc
            self._scope.cancel()
        finally:
            with self._lock:
                self._workers -= 1
                last = self._workers == 0
            if last:
                self._done.close()

    def next(self) -> Completed | None:
        value = self._done.get()
        if value is _END:
            if self._crash is not None:
                raise self._crash
            if self._source_error is not None:
                raise self._source_error
            self._scope.check()
            return None
        return Completed(value, self._fed, self._source_done, self._total)

    def close(self) -> None:
        self._scope.cancel()
        self._scope.release()


class SyncDriver:
    """Runs flows for one sync client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def run(self, flow: Flow[T]) -> T:
        """Run a flow to its result."""
        scope = _Scope()
        try:
            return _Run(self._client, scope).result(flow)
        finally:
            scope.cancel()
            scope.join(GRACE)

    def stream(self, flow: Flow[Any]) -> Iterator[Any]:
        """Iterate what a flow emits; leaving the iteration stops the flow and its threads."""
        scope = _Scope()
        try:
            yield from _Run(self._client, scope).values(flow)
        finally:
            scope.cancel()
            scope.join(GRACE)
