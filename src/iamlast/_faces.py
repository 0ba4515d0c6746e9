"""Each workflow method is written once, as a function that checks its arguments and returns
the flow; these decorators turn it into the sync method (the driver runs it on the calling
thread) and the async one (awaited, or iterated with ``async for``). Signatures, defaults and
docstrings are the one definition's, for both clients and for type checkers."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from ._runtime.flows import Flow
from .pagination import AsyncChainPager, AsyncPager, ChainPager, Pager, PagerArgs

__all__ = [
    "Emitting",
    "async_call",
    "async_chain",
    "async_pager",
    "async_stream",
    "sync_call",
    "sync_chain",
    "sync_pager",
    "sync_stream",
]

P = ParamSpec("P")
T = TypeVar("T")
E = TypeVar("E")
R = TypeVar("R")
I = TypeVar("I")  # noqa: E741


@dataclass(frozen=True, slots=True)
class Emitting(Generic[E]):
    """A flow run for what it emits (values of type ``E``), not for its result."""

    flow: Flow[Any]


def _face(factory: Callable[..., Any], make: Callable[[Any, Any], Any]) -> Any:
    """A method with ``factory``'s signature and docs returning ``make(client, built)``."""

    @functools.wraps(factory)
    def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return make(self, factory(self, *args, **kwargs))

    return method


def _run(client: Any, flow: Flow[Any]) -> Any:
    return client._driver.run(flow)


def _stream(client: Any, emitting: Emitting[Any]) -> Any:
    return client._driver.stream(emitting.flow)


def sync_call(factory: Callable[Concatenate[Any, P], Flow[T]]) -> Callable[Concatenate[Any, P], T]:
    """The sync method: runs the flow to its result."""
    method: Callable[Concatenate[Any, P], T] = _face(factory, _run)
    return method


def async_call(
    factory: Callable[Concatenate[Any, P], Flow[T]],
) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]:
    """The async method: a coroutine running the flow (its arguments checked when awaited)."""

    @functools.wraps(factory)
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> T:
        result: T = await self._driver.run(factory(self, *args, **kwargs))
        return result

    return method


def sync_stream(
    factory: Callable[Concatenate[Any, P], Emitting[E]],
) -> Callable[Concatenate[Any, P], Iterator[E]]:
    """The sync method: an iterator over what the flow emits (arguments checked at the call)."""
    method: Callable[Concatenate[Any, P], Iterator[E]] = _face(factory, _stream)
    return method


def async_stream(
    factory: Callable[Concatenate[Any, P], Emitting[E]],
) -> Callable[Concatenate[Any, P], AsyncIterator[E]]:
    """The async method: an async iterator over what the flow emits (arguments checked at the
    call, before any request)."""
    method: Callable[Concatenate[Any, P], AsyncIterator[E]] = _face(factory, _stream)
    return method


def sync_pager(
    factory: Callable[Concatenate[Any, P], PagerArgs[R, I]],
) -> Callable[Concatenate[Any, P], Pager[R, I]]:
    """The sync method: a :class:`~iamlast.pagination.Pager`."""
    method: Callable[Concatenate[Any, P], Pager[R, I]] = _face(factory, Pager.of)
    return method


def async_pager(
    factory: Callable[Concatenate[Any, P], PagerArgs[R, I]],
) -> Callable[Concatenate[Any, P], AsyncPager[R, I]]:
    """The async method: an :class:`~iamlast.pagination.AsyncPager`."""
    method: Callable[Concatenate[Any, P], AsyncPager[R, I]] = _face(factory, AsyncPager.of)
    return method


def sync_chain(
    factory: Callable[Concatenate[Any, P], list[PagerArgs[R, I]]],
) -> Callable[Concatenate[Any, P], ChainPager[R, I]]:
    """The sync method: a :class:`~iamlast.pagination.ChainPager`."""

    def make(client: Any, parts: list[PagerArgs[R, I]]) -> ChainPager[R, I]:
        return ChainPager([Pager.of(client, a) for a in parts])

    method: Callable[Concatenate[Any, P], ChainPager[R, I]] = _face(factory, make)
    return method


def async_chain(
    factory: Callable[Concatenate[Any, P], list[PagerArgs[R, I]]],
) -> Callable[Concatenate[Any, P], AsyncChainPager[R, I]]:
    """The async method: an :class:`~iamlast.pagination.AsyncChainPager`."""

    def make(client: Any, parts: list[PagerArgs[R, I]]) -> AsyncChainPager[R, I]:
        return AsyncChainPager([AsyncPager.of(client, a) for a in parts])

    method: Callable[Concatenate[Any, P], AsyncChainPager[R, I]] = _face(factory, make)
    return method
