"""Each workflow method is written once, as a function that checks its arguments and returns
what to run (a flow, or what a pager reads); a face decorator makes it a method of both clients.

On :class:`~iamlast.Client` (a :class:`SyncSide`) the driver runs the flow on the calling
thread; on :class:`~iamlast.AsyncClient` (an :class:`AsyncSide`) the same method is a coroutine,
an async iterator or an async pager. One signature, one docstring, one set of checks — and for
type checkers, the right return type on each client.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from types import MethodType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from ._runtime.flows import Flow
from ._runtime.pagers import AsyncChainPager, AsyncPager, ChainPager, Pager, PagerArgs

__all__ = ["AsyncSide", "Emitting", "SyncSide", "call", "chain", "pager", "stream"]

P = ParamSpec("P")
T = TypeVar("T")
E = TypeVar("E")
R = TypeVar("R")
I = TypeVar("I")  # noqa: E741

Method = Callable[..., Any]


class SyncSide:
    """A client whose workflow methods run on the calling thread (``_driver`` is sync)."""

    _driver: Any


class AsyncSide:
    """A client whose workflow methods are awaited or async-iterated (``_driver`` is async)."""

    _driver: Any


class Emitting(Generic[E]):
    """A flow run for what it emits (values of type ``E``), not for its result."""

    __slots__ = ("flow",)

    def __init__(self, flow: Flow[Any]) -> None:
        self.flow = flow


class _Face:
    """A descriptor: the sync or the async method, by the kind of client it is read from."""

    def __init__(self, factory: Method, sync: Method, async_: Method) -> None:
        self.factory = factory
        self.__doc__ = factory.__doc__
        self.__name__ = factory.__name__
        self.__wrapped__ = factory
        self._sync = functools.wraps(factory)(sync)
        self._async = functools.wraps(factory)(async_)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__name__ = name

    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return MethodType(self._async if isinstance(obj, AsyncSide) else self._sync, obj)


def _streamed(factory: Method) -> Method:
    def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        # Arguments are checked here, at the call, before the first value is asked for.
        return self._driver.stream(factory(self, *args, **kwargs).flow)

    return method


def _made(factory: Method, make: Callable[[Any, Any], Any]) -> Method:
    def method(self: Any, /, *args: Any, **kwargs: Any) -> Any:
        return make(self, factory(self, *args, **kwargs))

    return method


class call(_Face, Generic[P, T]):
    """A workflow run to its result: the value (sync) or a coroutine for it (async)."""

    def __init__(self, factory: Callable[Concatenate[Any, P], Flow[T]]) -> None:
        def run(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            return self._driver.run(factory(self, *args, **kwargs))

        async def run_async(self: Any, /, *args: Any, **kwargs: Any) -> Any:
            # Arguments are checked when the coroutine runs, as for any coroutine.
            return await self._driver.run(factory(self, *args, **kwargs))

        super().__init__(factory, run, run_async)

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
        @overload
        def __get__(self, obj: SyncSide, owner: type[Any] | None = None) -> Callable[P, T]: ...
        @overload
        def __get__(
            self, obj: AsyncSide, owner: type[Any] | None = None
        ) -> Callable[P, Coroutine[Any, Any, T]]: ...
        def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any: ...


class stream(_Face, Generic[P, E]):
    """A workflow run for what it emits: an iterator (sync) or an async iterator (async)."""

    def __init__(self, factory: Callable[Concatenate[Any, P], Emitting[E]]) -> None:
        super().__init__(factory, _streamed(factory), _streamed(factory))

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
        @overload
        def __get__(
            self, obj: SyncSide, owner: type[Any] | None = None
        ) -> Callable[P, Iterator[E]]: ...
        @overload
        def __get__(
            self, obj: AsyncSide, owner: type[Any] | None = None
        ) -> Callable[P, AsyncIterator[E]]: ...
        def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any: ...


class pager(_Face, Generic[P, R, I]):
    """A paged read: a :class:`~iamlast.pagination.Pager` or an ``AsyncPager``."""

    def __init__(self, factory: Callable[Concatenate[Any, P], PagerArgs[R, I]]) -> None:
        super().__init__(factory, _made(factory, Pager.of), _made(factory, AsyncPager.of))

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
        @overload
        def __get__(
            self, obj: SyncSide, owner: type[Any] | None = None
        ) -> Callable[P, Pager[R, I]]: ...
        @overload
        def __get__(
            self, obj: AsyncSide, owner: type[Any] | None = None
        ) -> Callable[P, AsyncPager[R, I]]: ...
        def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any: ...


def _sync_chain(client: Any, parts: list[PagerArgs[Any, Any]]) -> ChainPager[Any, Any]:
    return ChainPager([Pager.of(client, a) for a in parts])


def _async_chain(client: Any, parts: list[PagerArgs[Any, Any]]) -> AsyncChainPager[Any, Any]:
    return AsyncChainPager([AsyncPager.of(client, a) for a in parts])


class chain(_Face, Generic[P, R, I]):
    """Several paged reads one after another: a ``ChainPager`` or an ``AsyncChainPager``."""

    def __init__(self, factory: Callable[Concatenate[Any, P], list[PagerArgs[R, I]]]) -> None:
        super().__init__(factory, _made(factory, _sync_chain), _made(factory, _async_chain))

    if TYPE_CHECKING:

        @overload
        def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
        @overload
        def __get__(
            self, obj: SyncSide, owner: type[Any] | None = None
        ) -> Callable[P, ChainPager[R, I]]: ...
        @overload
        def __get__(
            self, obj: AsyncSide, owner: type[Any] | None = None
        ) -> Callable[P, AsyncChainPager[R, I]]: ...
        def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any: ...
