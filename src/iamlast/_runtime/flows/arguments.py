"""Checks on workflow arguments, made when a workflow method is called, before any request.

Each problem names the argument and the rule it broke; all of a call's problems are raised
together as one :class:`~iamlast.errors.ParamValidationError` whose ``shape`` is the method.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ..errors import FieldProblem, ParamValidationError

__all__ = ["Arguments"]

T = TypeVar("T")

GRANULARITIES = ("SERVICE_LEVEL", "ACTION_LEVEL")


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


class Arguments:
    """Collects the problems of one call's arguments; :meth:`check` raises them all."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.problems: list[FieldProblem] = []

    def problem(self, name: str, rule: str, message: str) -> None:
        self.problems.append(FieldProblem(name, rule, message))

    def check(self) -> None:
        """Raise ParamValidationError naming every problem found (nothing was sent)."""
        if self.problems:
            raise ParamValidationError(self.method, self.problems)

    # ------------------------------------------------------------------ kinds of argument

    def seconds(self, name: str, value: Any) -> float:
        """A finite, positive number of seconds."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(name, "type", f"must be a number of seconds, not {_kind(value)}")
            return 1.0
        if not math.isfinite(value) or value <= 0:
            self.problem(name, "range", f"must be finite and greater than 0, not {value!r}")
            return 1.0
        return float(value)

    def rate(self, name: str, value: Any) -> float | None:
        """None, or a finite, positive number per second."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(
                name, "type", f"must be a number of requests per second, not {_kind(value)}"
            )
            return None
        if not math.isfinite(value) or value <= 0:
            self.problem(name, "range", f"must be finite and greater than 0, not {value!r}")
            return None
        return float(value)

    def whole(self, name: str, value: Any, *, minimum: int, maximum: int | None = None) -> int:
        """An int within ``[minimum, maximum]`` (a bool, float or string is refused)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, "type", f"must be an integer, not {_kind(value)}")
            return minimum
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"at least {minimum}"
            self.problem(name, "range", f"must be {bound}, not {value}")
            return minimum
        return value

    def optional_whole(
        self, name: str, value: Any, *, minimum: int, maximum: int | None = None
    ) -> int | None:
        return None if value is None else self.whole(name, value, minimum=minimum, maximum=maximum)

    def flag(self, name: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.problem(name, "type", f"must be True or False, not {_kind(value)}")
            return False
        return value

    def choice(self, name: str, value: Any, options: tuple[str, ...]) -> str:
        text = getattr(value, "value", value)  # an enum member of the generated enums
        if not isinstance(text, str) or text not in options:
            self.problem(name, "enum", f"must be one of {', '.join(options)}, not {value!r}")
            return options[0]
        return text

    def optional_text(self, name: str, value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(name, "type", f"must be a string, not {_kind(value)}")
            return None
        return value

    def text(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            self.problem(name, "type", f"must be a string, not {_kind(value)}")
            return ""
        return value

    def callback(self, name: str, value: T | None) -> T | None:
        if value is not None and not callable(value):
            self.problem(name, "type", f"must be callable or None, not {_kind(value)}")
            return None
        return value

    def strings(
        self,
        name: str,
        value: Any,
        *,
        what: str,
        valid: Callable[[str], bool] | None = None,
        unique: bool = False,
    ) -> list[str]:
        """A list, tuple, set or other iterable of strings (a bare ``str`` or ``bytes`` is
        refused rather than read as its characters); each bad item is named by its position."""
        if isinstance(value, str | bytes | bytearray) or not isinstance(value, Iterable):
            self.problem(name, "type", f"must be an iterable of {what} strings, not {_kind(value)}")
            return []
        out: list[str] = []
        seen: set[str] = set()
        for index, item in enumerate(value):
            where = f"{name}[{index}]"
            if not isinstance(item, str):
                self.problem(where, "type", f"must be {what} string, not {_kind(item)}")
            elif valid is not None and not valid(item):
                self.problem(where, "pattern", f"is not {what}: {item[:80]!r}")
            elif not unique or item not in seen:
                seen.add(item)
                out.append(item)
        return out


def looks_like_arn(value: str) -> bool:
    """``arn:partition:service:region:account:resource`` with something in each required part
    (the service checks the rest)."""
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and all(parts[i] for i in (1, 2, 5))
        and value == value.strip()
    )
