"""The async driver: runs any flow (:mod:`iamlast._runtime.flows`) for an
:class:`~iamlast.AsyncClient` as asyncio tasks.

Fan-out runs in tasks the driver owns. When the consumer leaves (``break``, ``aclose()``, a
cancelled task, an exception) every one of them is cancelled — requests in flight included —
and awaited, so none is left running and none logs an unretrieved exception.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator, Callable
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

__all__ = ["AsyncDriver"]

T = TypeVar("T")
_END = object()


async def _settle(tasks: list[asyncio.Task[Any]]) -> None:
    """Cancel ``tasks`` and wait until each has ended, retrieving whatever it raised."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class _Channel:
    """A bounded hand-over between tasks; ``close`` lets the rest drain, ``abort`` drops it."""

    def __init__(self, capacity: int) -> None:
        self._items: deque[Any] = deque()
        self._capacity = max(1, capacity)
        self._cond = asyncio.Condition()
        self._closed = False

    async def put(self, item: Any) -> bool:
        """False (nothing added) once the channel is closed."""
        async with self._cond:
            await self._cond.wait_for(lambda: len(self._items) < self._capacity or self._closed)
            if self._closed:
                return False
            self._items.append(item)
            self._cond.notify_all()
            return True

    async def get(self) -> Any:
        async with self._cond:
            await self._cond.wait_for(lambda: bool(self._items) or self._closed)
            if not self._items:
                return _END
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    async def close(self, *, drop: bool = False) -> None:
        async with self._cond:
            self._closed = True
            if drop:
                self._items.clear()
            self._cond.notify_all()


def _semaphore(gate: Gate) -> asyncio.Semaphore:
    if gate.lock is None:
        gate.lock = asyncio.Semaphore(gate.limit)
    lock: asyncio.Semaphore = gate.lock
    return lock


class _Run:
    """Performs the effects of one flow (on one client, with its requests through ``gate``
    when there is one)."""

    def __init__(self, client: Any, gate: Gate | None = None) -> None:
        self.client = client
        self.gate = gate
        #: What the flow returned, once :meth:`values` has run it to its end.
        self.returned: Any = None

    async def values(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """Run ``flow``, yielding what it emits (its result is kept in ``returned``)."""
        stepper = Stepper(flow)
        handles: list[_Stream] = []
        try:
            while True:
                effect = await self._advance(stepper, handles, passthrough=True)
                if isinstance(effect, Done):
                    self.returned = effect.value
                    return
                if isinstance(effect, Emit):
                    yield effect.value
                    continue
                try:  # a With: what its flow emits passes through
                    run, client = self._opened(effect)
                    try:
                        async for value in run.values(effect.flow):
                            yield value
                    finally:
                        await client.aclose()
                    stepper.give(run.returned)
                except Exception as exc:  # thrown into the flow, which decides
                    stepper.fail(exc)
        finally:
            await _close(handles)
            stepper.close()

    async def result(self, flow: Flow[T]) -> T:
        """Run a flow that emits nothing; its result."""
        stepper = Stepper(flow)
        handles: list[_Stream] = []
        try:
            effect = await self._advance(stepper, handles, passthrough=False)
            if not isinstance(effect, Done):
                raise RuntimeError("a flow run for its result emitted a value")
            value: T = effect.value
            return value
        finally:
            await _close(handles)
            stepper.close()

    def _opened(self, effect: With) -> tuple[_Run, Any]:
        from ._services import client_class

        client = client_class(effect.service, asynchronous=True)(**effect.options)
        return _Run(client, effect.gate or self.gate), client

    async def _advance(
        self, stepper: Stepper, handles: list[_Stream], *, passthrough: bool
    ) -> Emit | Done | With:
        """Perform effects until the flow emits (that Emit), ends (Done, with its value) or,
        with ``passthrough``, starts a With whose emits the caller passes on."""
        while True:
            effect = stepper.next()
            if isinstance(effect, Done | Emit):
                return effect
            if isinstance(effect, With) and passthrough:
                return effect
            try:
                if isinstance(effect, With):
                    run, client = self._opened(effect)
                    try:
                        stepper.give(await run.result(effect.flow))
                    finally:
                        await client.aclose()
                    continue
                stepper.give(await self._perform(effect, handles))
            except Exception as exc:  # thrown into the flow, which decides
                stepper.fail(exc)

    async def _send(self, effect: Send) -> Any:
        if self.gate is None:
            return await self.client._run(
                effect.operation, None, effect.kwargs, raw=False, deadline=effect.deadline
            )
        async with _semaphore(self.gate):
            return await self.client._run(
                effect.operation, None, effect.kwargs, raw=False, deadline=effect.deadline
            )

    async def _perform(self, effect: Effect, handles: list[_Stream]) -> Any:
        kind = type(effect)
        if kind is Send:
            assert isinstance(effect, Send)
            return await self._send(effect)
        if kind is Sleep:
            assert isinstance(effect, Sleep)
            await asyncio.sleep(effect.seconds)
            return None
        if kind is Spec:
            assert isinstance(effect, Spec)
            return self.client._spec(effect.operation)
        if kind is Gather:
            assert isinstance(effect, Gather)
            return await self._gather(effect)
        if kind is Stream:
            assert isinstance(effect, Stream)
            handle = _Stream(self, effect)
            handles.append(handle)
            return handle
        if kind is Next:
            assert isinstance(effect, Next)
            return await effect.handle.next()
        if kind is Offload:
            assert isinstance(effect, Offload)
            future = effect.executor.submit(effect.function, *effect.args)
            return await asyncio.wrap_future(future)  # cancelling the wait cancels the future
        raise TypeError(f"a flow yielded {effect!r}, which is not an effect")

    async def _gather(self, effect: Gather) -> list[Any]:
        flows = list(effect.flows)
        if effect.limit <= 1 or len(flows) <= 1:
            return [await self.result(flow) for flow in flows]
        results: list[Any] = [None] * len(flows)
        todo = iter(enumerate(flows))

        async def worker() -> None:
            run = _Run(self.client, self.gate)
            for index, flow in todo:
                results[index] = await run.result(flow)

        tasks = [asyncio.create_task(worker()) for _ in range(min(effect.limit, len(flows)))]
        try:
            await asyncio.gather(*tasks)
        finally:
            await _settle(tasks)
        return results


async def _close(handles: list[_Stream]) -> None:
    for handle in handles:
        await handle.close()


class _Stream:
    """A running :class:`~iamlast._runtime.flows.Stream`: one source task, ``limit`` worker
    tasks, bounded hand-overs both ways."""

    def __init__(self, run: _Run, effect: Stream) -> None:
        self._client = run.client
        self._gate = run.gate
        self._flat = effect.flat
        self._todo = _Channel(effect.buffer)
        self._done = _Channel(effect.limit)
        self._fed = 0
        self._source_done = False
        self._total: int | None = None
        self._source_error: BaseException | None = None
        self._crash: BaseException | None = None
        self._workers = effect.limit
        context = contextvars.copy_context()
        if effect.limiter is not None:
            context.run(active_limiter.set, effect.limiter)
        self._tasks = [asyncio.create_task(self._feed(effect.source), context=context)]
        self._tasks += [
            asyncio.create_task(self._work(effect.work), context=context)
            for _ in range(effect.limit)
        ]

    async def _feed(self, source: Flow[Any]) -> None:
        try:
            async for value in _Run(self._client, self._gate).values(source):
                if isinstance(value, Total):
                    self._total = value.count
                    continue
                self._fed += 1
                if not await self._todo.put(value):
                    return
            self._source_done = True
        except Exception as exc:  # reported after what was handed over is done
            self._source_error = exc
        await self._todo.close()

    async def _work(self, work: Callable[[Any], Flow[Any]]) -> None:
        run = _Run(self._client, self._gate)
        try:
            while (item := await self._todo.get()) is not _END:
                if self._flat:
                    async for value in run.values(work(item)):
                        if not await self._done.put(value):
                            return
                elif not await self._done.put(await run.result(work(item))):
                    return
        except Exception as exc:  # a bug, not a principal's failure: stop everything
            self._crash = self._crash or exc
            await self._todo.close(drop=True)
            await self._done.close(drop=True)
            return
        self._workers -= 1
        if self._workers == 0:
            await self._done.close()

    async def next(self) -> Completed | None:
        value = await self._done.get()
        if value is _END:
            if self._crash is not None:
                raise self._crash
            if self._source_error is not None:
                raise self._source_error
            return None
        return Completed(value, self._fed, self._source_done, self._total)

    async def close(self) -> None:
        await _settle(self._tasks)


class AsyncDriver:
    """Runs flows for one async client."""

    def __init__(self, client: Any) -> None:
        self._client = client

    async def run(self, flow: Flow[T]) -> T:
        """Run a flow to its result."""
        return await _Run(self._client).result(flow)

    def stream(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """Iterate what a flow emits; leaving the iteration cancels the flow's tasks."""
        return _Run(self._client).values(flow)
