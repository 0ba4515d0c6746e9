"""Where a scan's principals go as they finish: ndjson and csv write each one at once (a whole
line or rows, flushed); json and the table keep them for one document at the end.

:class:`Writer` makes any sink safe to call from the lookup threads and the main thread at once,
and keeps a signal from landing in the middle of a principal's lines.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, Protocol

from . import documents
from .output import SCAN_CSV, VIEWS, csv_text, emit, ndjson_text, scan_line, scan_rows

if TYPE_CHECKING:
    from .options import Settings
    from .signals import Guard

__all__ = ["CsvSink", "DocumentSink", "NdjsonSink", "Sink", "Writer", "sink_for"]

Doc = dict[str, Any]


class Sink(Protocol):
    """Receives each finished principal, then hears how the scan ended."""

    #: Whether what it writes can be resumed from / is usable when the scan stops early.
    streams: bool

    def principal(self, doc: Doc) -> None:
        """One finished principal (:func:`~iamlast.cli.documents.scan_principal`)."""

    def finished(self) -> None:
        """Every principal is in."""

    def stopped(self) -> None:
        """The scan stopped early; write nothing that is not whole."""


class NdjsonSink:
    """One line per principal, written and flushed as it arrives."""

    streams = True

    def __init__(self, out: IO[str], unused_days: int) -> None:
        self._out = out
        self._unused_days = unused_days

    def principal(self, doc: Doc) -> None:
        self._out.write(ndjson_text(scan_line(doc, self._unused_days)))
        self._out.flush()

    def finished(self) -> None:
        self._out.flush()

    def stopped(self) -> None:
        self._out.flush()


class CsvSink:
    """The header once (with the first principal, or at the end if there is none), then each
    principal's rows, written and flushed as it arrives."""

    streams = True

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._header = False

    def _text(self, rows: Sequence[Sequence[Any]]) -> str:
        head = "" if self._header else csv_text([SCAN_CSV])
        self._header = True
        return head + csv_text(rows)

    def principal(self, doc: Doc) -> None:
        self._out.write(self._text(list(scan_rows(doc))))
        self._out.flush()

    def finished(self) -> None:
        if not self._header:
            self._out.write(self._text([]))
        self._out.flush()

    stopped = finished


class DocumentSink:
    """``--output json`` or the table: one document, printed whole once every principal is in,
    and not at all if the scan stops early."""

    streams = False

    def __init__(
        self,
        settings: Settings,
        unused_days: int,
        types: Sequence[str],
        *,
        print_at_end: bool = True,
    ) -> None:
        self.settings = settings
        self.unused_days = unused_days
        self.types = list(types)
        self.principals: list[Doc] = []
        self._print = print_at_end

    def principal(self, doc: Doc) -> None:
        self.principals.append(doc)

    def finished(self) -> None:
        if self._print:
            doc = documents.scan_doc_of(self.principals, self.unused_days, self.types)
            emit(self.settings, doc, VIEWS["scan"])

    def stopped(self) -> None:
        pass


def sink_for(settings: Settings, unused_days: int, types: Sequence[str]) -> Sink:
    """The sink for ``--output``."""
    if settings.output == "ndjson":
        return NdjsonSink(sys.stdout, unused_days)
    if settings.output == "csv":
        return CsvSink(sys.stdout)
    return DocumentSink(settings, unused_days, types)


class Writer:
    """A sink behind one lock, counting principals and failures. A principal is written whole
    or not at all: a signal that arrives while the main thread writes waits for the end (see
    :class:`~iamlast.cli.signals.Guard`), and a reader that went away (a broken pipe) in any
    thread is remembered for the main thread to act on."""

    def __init__(self, sink: Sink, guard: Guard | None = None) -> None:
        self.sink = sink
        self.lock = threading.Lock()
        self._guard = guard
        self.written = 0
        self.failed = 0
        self.broken: BaseException | None = None

    def principal(self, doc: Doc) -> None:
        """Write one principal (from any thread)."""
        if self._guard is None:
            self._write(doc)
            return
        with self._guard.critical():
            self._write(doc)

    def _write(self, doc: Doc) -> None:
        with self.lock:
            if self.broken is not None:
                return
            try:
                self.sink.principal(doc)
            except (BrokenPipeError, OSError) as exc:
                self.broken = exc
                return
            self.written += 1
            self.failed += 0 if doc["ok"] else 1

    def end(self, *, complete: bool) -> None:
        """Tell the sink how the scan ended (a whole document is not cut by a signal either)."""
        if self._guard is None:
            self._end(complete)
            return
        with self._guard.critical():
            self._end(complete)

    def _end(self, complete: bool) -> None:
        with self.lock:
            if self.broken is not None:
                return
            try:
                self.sink.finished() if complete else self.sink.stopped()
            except (BrokenPipeError, OSError) as exc:
                self.broken = exc
