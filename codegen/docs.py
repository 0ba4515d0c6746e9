"""The model's HTML documentation → short plain-text docstrings."""

from __future__ import annotations

import re
import textwrap
from html.parser import HTMLParser

_BREAK_TAGS = frozenset({"p", "li", "ul", "ol", "note", "important", "br", "dd", "dt", "dl", "pre"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._current)).strip()
        if text:
            self.paragraphs.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAK_TAGS:
            self._flush()
        if tag == "li":
            self._current.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._current.append(data)


def paragraphs(html: str | None) -> list[str]:
    if not html:
        return []
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser._flush()
    return parser.paragraphs


def summary(html: str | None, limit: int = 400) -> str:
    """The first paragraph, cut at a sentence end near ``limit`` characters."""
    paras = paragraphs(html)
    if not paras:
        return ""
    text = paras[0]
    if len(text) > limit:
        cut = text.rfind(". ", 0, limit)
        text = text[: cut + 1] if cut > 40 else text[:limit].rstrip() + "…"
    return text


def first_sentence(html: str | None, limit: int = 160) -> str:
    text = summary(html, limit=limit * 2)
    match = re.search(r"(?<=[.!?])\s", text)
    if match and match.start() <= limit:
        return text[: match.start()]
    if len(text) > limit:
        return text[:limit].rstrip() + "…"
    return text


def docstring(text: str, indent: str, width: int = 92) -> str:
    """A triple-quoted docstring literal, wrapped and safe to embed."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if not text:
        text = "(No documentation in the service model.)"
    lines = textwrap.wrap(text, width=width - len(indent)) or [""]
    if len(lines) == 1 and len(lines[0]) + len(indent) + 6 <= width:
        body = lines[0]
        if body.endswith('"'):
            body += " "
        return f'{indent}"""{body}"""\n'
    inner = "\n".join(f"{indent}{line}" for line in lines)
    return f'{indent}"""\n{inner}\n{indent}"""\n'
