"""Open string enums: the model's values as members, and any value AWS adds later kept as is."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, Self, TypeVar

__all__ = ["OpenEnum", "enum_reader"]

E = TypeVar("E")


class OpenEnum(StrEnum):
    """A string enum that never rejects a value the service sends.

    A value outside the model becomes a member-like instance of the enum (same class, same
    string value), so responses from a newer API version still parse. ``known`` tells the two
    apart. Requests are stricter: the request models refuse values outside the model.
    """

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether the value is one the service model lists."""
        return self._value_ in type(self)._value2member_map_

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The values the model lists, in model order."""
        return tuple(m.value for m in cls)

    def __reduce_ex__(self, proto: Any) -> Any:
        return (type(self), (self._value_,))


def enum_reader(cls: Callable[[str], E]) -> Callable[[str], E]:
    """A fast text → enum member function (a dict lookup; unknown values via the open enum)."""
    members: dict[str, E] = dict(getattr(cls, "_value2member_map_", {}))

    def read(text: str) -> E:
        found = members.get(text)
        return found if found is not None else cls(text)

    return read
