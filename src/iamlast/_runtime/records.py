"""Small records without ``@dataclass``.

A dataclass costs about a millisecond to define (it writes and compiles its methods at import),
and every cold start would pay that for each record class the first call uses. These records
spell their ``__init__`` out and share the rest here: equality by fields and a dataclass-like
``repr``; :class:`Record` adds hashing, no assignment after construction, and pickling (a
frozen dataclass), :class:`MutableRecord` is a plain one (unhashable, as a dataclass with
``eq=True``).
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from typing import Any, ClassVar, NoReturn

__all__ = ["MutableRecord", "Record"]

_set = object.__setattr__


class _Fields:
    """Equality and repr by the fields a subclass names in ``_fields``."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Fields left out of the repr (callables, large bodies).
    _hidden: ClassVar[frozenset[str]] = frozenset()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _Fields)
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden
        )
        return f"{type(self).__name__}({shown})"


class MutableRecord(_Fields):
    """Base of a mutable record: subclasses name their ``_fields`` (their ``__slots__``, in
    ``__init__``'s order) and assign them in ``__init__``."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass


class Record(_Fields):
    """Base of an immutable record: subclasses name their ``_fields`` (their ``__slots__``, in
    ``__init__``'s order) and fill them with :meth:`_init` (or ``_set(self, name, value)``)."""

    __slots__ = ()

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            _set(self, name, value)

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (type(self), self._values())
