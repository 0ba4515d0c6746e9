"""Progress on stderr while report jobs run and scans go — only for a person watching (stderr
a terminal, no --quiet), and gone once the result is printed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, ProgressColumn

    from iamlast.advisor import ScanProgress

    from .options import Settings

__all__ = ["scan_bar", "spinner"]


def _progress(settings: Settings, *, bar: bool) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}")]
    if bar:
        columns += [BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]}")]
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=settings.stderr(), transient=True)


@contextmanager
def spinner(settings: Settings, description: str) -> Iterator[Callable[[str], None]]:
    """A spinner with ``description`` while the block runs; yields a function to change it."""
    if not settings.show_progress:
        yield lambda _text: None
        return
    with _progress(settings, bar=False) as progress:
        task = progress.add_task(description, total=None)
        yield lambda text: progress.update(task, description=text)


@contextmanager
def scan_bar(settings: Settings) -> Iterator[Callable[[ScanProgress], None]]:
    """A bar over a scan; yields the ``progress=`` callback for ``client.scan``."""
    if not settings.show_progress:
        yield lambda _p: None
        return
    with _progress(settings, bar=True) as progress:
        task = progress.add_task("Listing principals", total=None, failed="")

        def update(p: ScanProgress) -> None:
            progress.update(
                task,
                description="Reading last-accessed reports",
                total=p.total,
                completed=p.done,
                failed=f"{p.failed} failed" if p.failed else "",
            )

        yield update
