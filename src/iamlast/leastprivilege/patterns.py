"""IAM action patterns: ``s3:Get*``, ``ec2:Describe?pcs``, ``*``.

IAM matches an action against a pattern as a glob over the whole ``namespace:Action`` string,
case-insensitively: ``*`` is any run of characters (``:`` included), ``?`` exactly one. Besides
matching, the safety check needs *containment* — "every action this pattern could ever match, the
other one matches too" — decided here soundly: :func:`covers` never says yes wrongly (it may say no
to an exotic pair that is in fact contained, which only makes the check refuse a safe proposal).

Case is folded for ASCII letters only (:func:`fold`). Every real action name is ASCII, and
Unicode folding is a trap: ``str.lower()`` turns the KELVIN SIGN (U+212A) into ``k``, so an entry
IAM would never read as ``kms:*`` would be expanded into real kms actions. Entries with characters
IAM does not accept in a policy document at all are refused earlier (:func:`bad_characters`).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = [
    "bad_characters",
    "covers",
    "fold",
    "has_wildcard",
    "is_universal",
    "literal_namespace",
    "matches",
]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# IAM's documented character set for a policy document (API Reference, PutRolePolicy /
# CreatePolicy, PolicyDocument: "[\u0009\u000A\u000D\u0020-\u00FF]+"): tab, line feed,
# carriage return and U+0020..U+00FF. A document with anything else is refused by IAM.
_NOT_IAM_TEXT = re.compile("[^\t\n\r\u0020-\u00ff]")


def fold(text: str) -> str:
    """``text`` with ASCII letters lower-cased and every other character as it is."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


def bad_characters(text: str) -> str:
    """The characters of ``text`` outside IAM's policy character set, in order ('' if none)."""
    return "".join(_NOT_IAM_TEXT.findall(text))


def has_wildcard(pattern: str) -> bool:
    """Whether ``pattern`` contains ``*`` or ``?``."""
    return "*" in pattern or "?" in pattern


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts = []
    for char in fold(pattern):
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, action: str) -> bool:
    """Whether the IAM action pattern matches the (literal) action, as IAM decides it."""
    if not has_wildcard(pattern):
        return fold(pattern) == fold(action)
    return _compiled(pattern).fullmatch(fold(action)) is not None


def literal_namespace(pattern: str) -> str | None:
    """The one service namespace a pattern can match (lower case), or None when the pattern's
    namespace part has a wildcard (``*``, ``s3*``, ``?3:Get*``: it may match namespaces nobody
    knows yet) or there is no ``namespace:`` part at all."""
    namespace, colon, _ = pattern.partition(":")
    if not colon or not namespace or has_wildcard(namespace):
        return None
    return fold(namespace)


def is_universal(pattern: str) -> bool:
    """Whether the pattern matches every action there is: ``*``, ``*:*`` (and ``**``...).

    Only these obvious spellings count; anything cleverer is treated as a pattern that does
    not cover everything, the conservative side for every caller."""
    if pattern and set(pattern) == {"*"}:
        return True
    namespace, colon, name = pattern.partition(":")
    return bool(colon and namespace and name) and set(namespace) == {"*"} == set(name)


def covers(big: str, small: str) -> bool:
    """Soundly, whether every action ``small`` can match is matched by ``big``.

    A dynamic programme lays ``small``'s tokens under ``big``'s: a ``*`` in ``small`` may only
    be absorbed by a ``*`` in ``big``, a ``?`` by a ``?`` or a ``*``, a letter by the same letter
    (any case) or a wildcard. If the tokens can be laid out so, every string ``small`` matches is
    matched by ``big``; if not, the answer is no (rarely wrongly, never unsafely)."""
    return _covers(fold(big), fold(small))


@lru_cache(maxsize=8192)
def _covers(big: str, small: str) -> bool:
    if not has_wildcard(small):
        return matches(big, small)
    memo: dict[tuple[int, int], bool] = {}

    def fit(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(big):
            result = j == len(small)
        elif big[i] == "*":
            result = fit(i + 1, j) or (j < len(small) and fit(i, j + 1))
        elif j == len(small):
            result = False
        elif big[i] == "?":
            result = small[j] != "*" and fit(i + 1, j + 1)
        else:
            result = small[j] == big[i] and fit(i + 1, j + 1)
        memo[key] = result
        return result

    return fit(0, 0)
