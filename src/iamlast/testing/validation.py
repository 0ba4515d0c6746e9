"""Turning request problems into the errors IAM sends: ``ValidationError`` with AWS's
"1 validation error detected: Value ... at '...' failed to satisfy constraint: ..." text."""

from __future__ import annotations

import re
from collections.abc import Mapping

from iamlast import ParamValidationError
from iamlast.errors import FieldProblem, ServiceValidationError

__all__ = ["validation_error"]

_NUMBER = re.compile(r"(?:minimum|maximum) of (\d+)")
_INDEX = re.compile(r"^([A-Za-z]+)\[(\d+)\]$")


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _list_items(params: Mapping[str, str], member: str) -> list[str]:
    items = []
    n = 1
    while f"{member}.member.{n}" in params:
        items.append(params[f"{member}.member.{n}"])
        n += 1
    return items


def _value(problem: FieldProblem, params: Mapping[str, str]) -> tuple[str, str]:
    """(the value as AWS quotes it, the member path as AWS names it)."""
    m = _INDEX.match(problem.path)
    if m:
        member, index = m.group(1), int(m.group(2)) + 1
        return f"'{params.get(f'{member}.member.{index}', '')}'", f"{_camel(member)}.{index}.member"
    if problem.rule == "required":
        return "null", _camel(problem.path)
    raw = params.get(problem.path)
    if raw is None:
        items = _list_items(params, problem.path)
        return f"'[{', '.join(items)}]'", _camel(problem.path)
    return f"'{raw}'", _camel(problem.path)


def _constraint(problem: FieldProblem) -> str:
    number = _NUMBER.search(problem.message)
    bound = number.group(1) if number else "?"
    rule = problem.rule
    if rule == "required":
        return "Member must not be null"
    if rule == "min_length":
        return f"Member must have length greater than or equal to {bound}"
    if rule == "max_length":
        return f"Member must have length less than or equal to {bound}"
    if rule == "min":
        return f"Member must have value greater than or equal to {bound}"
    if rule == "max":
        return f"Member must have value less than or equal to {bound}"
    if rule == "pattern":
        return "Member must satisfy regular expression pattern: " + problem.message.removeprefix(
            "does not match the pattern "
        )
    if rule == "enum":
        allowed = problem.message.partition(" is not one of ")[2].replace("'", "")
        return f"Member must satisfy enum value set: [{allowed}]"
    return "Member must be " + ("a valid integer" if "integer" in problem.message else "a valid value")


def validation_error(exc: ParamValidationError, params: Mapping[str, str]) -> ServiceValidationError:
    """The 400 ValidationError IAM answers a request breaking the model's constraints with."""
    parts = []
    for problem in exc.problems:
        value, where = _value(problem, params)
        parts.append(f"Value {value} at '{where}' failed to satisfy constraint: {_constraint(problem)}")
    n = len(parts)
    noun = "error" if n == 1 else "errors"
    return ServiceValidationError(f"{n} validation {noun} detected: " + "; ".join(parts))
