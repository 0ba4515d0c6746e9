"""The options every AWS-facing command takes (after the subcommand), and what they build:
the client, the consoles, logging."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import UsageProblem

if TYPE_CHECKING:
    from rich.console import Console

    import iamlast

__all__ = ["OUTPUTS", "Settings", "common_options", "current", "reset"]

OUTPUTS = ("table", "json", "ndjson", "csv")
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """What the common options said."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: str = "table"
    quiet: bool = False
    verbose: bool = False

    def client(self) -> iamlast.Client:
        """A client from the options, falling back on the AWS_* environment and config files."""
        import iamlast

        try:
            client = iamlast.Client(
                profile=self.profile, region=self.region, endpoint_url=self.endpoint_url
            )
            # Resolve now (config files included) so a bad setting fails here, clearly.
            endpoint, region = client.endpoint_url, client.region
        except ValueError as exc:
            raise UsageProblem(f"invalid configuration: {exc}") from exc
        if self.verbose:
            click.echo(f"iamlast: endpoint {endpoint} (signing region {region})", err=True)
        return client

    def stdout(self) -> Console:
        """The console that tables go to."""
        width = None
        if not sys.stdout.isatty():
            try:
                width = int(os.environ.get("COLUMNS", "") or 120)
            except ValueError:
                width = 120
        return _stdout_console()(file=sys.stdout, width=width, highlight=False, soft_wrap=False)

    def stderr(self) -> Console:
        """The console that progress goes to."""
        from rich.console import Console

        return Console(file=sys.stderr, stderr=True, highlight=False)

    @property
    def show_progress(self) -> bool:
        """Progress bars only for a person watching: stderr a terminal and not --quiet."""
        try:
            return not self.quiet and sys.stderr.isatty()
        except (AttributeError, ValueError):
            return False


@functools.cache
def _stdout_console() -> type[Console]:
    from rich.console import Console

    class StdoutConsole(Console):
        """rich exits 1 when the reader goes away; let the command end quietly instead."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return StdoutConsole


_current = Settings()


def current() -> Settings:
    """The settings of the command running now (defaults before options are parsed)."""
    return _current


def reset() -> None:
    """Forget the last command's settings (each run of the command starts clean)."""
    global _current
    _current = Settings()


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def _configure_logging(verbose: bool) -> None:
    logger = logging.getLogger("iamlast")
    for handler in [h for h in logger.handlers if isinstance(h, _StderrHandler)]:
        logger.removeHandler(handler)
    if verbose:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("iamlast: %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    else:
        logger.setLevel(logging.NOTSET)


_OPTIONS = (
    click.option(
        "--profile",
        metavar="NAME",
        help="AWS profile from the config files (default: AWS_PROFILE).",
    ),
    click.option(
        "--region",
        metavar="REGION",
        help="AWS region; picks the partition (default: AWS_REGION, the profile, us-east-1).",
    ),
    click.option(
        "--endpoint-url",
        metavar="URL",
        help="Send requests here instead of IAM (default: AWS_ENDPOINT_URL_IAM / AWS_ENDPOINT_URL).",
    ),
    click.option(
        "--output",
        "-o",
        type=click.Choice(OUTPUTS),
        default="table",
        show_default=True,
        help="table (for people) or json, ndjson, csv (stable schemas, see the README).",
    ),
    click.option("--quiet", "-q", is_flag=True, help="No progress bars or notes on stderr."),
    click.option(
        "--verbose", "-v", is_flag=True, help="Log requests and show tracebacks on errors."
    ),
)


def common_options(func: F) -> F:
    """Add --profile, --region, --endpoint-url, --output, --quiet, --verbose to a command and
    pass them to it as a :class:`Settings` first argument."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        profile: str | None,
        region: str | None,
        endpoint_url: str | None,
        output: str,
        quiet: bool,
        verbose: bool,
        **kwargs: Any,
    ) -> Any:
        global _current
        _current = Settings(profile, region, endpoint_url, output, quiet, verbose)
        _configure_logging(verbose)
        return func(_current, *args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]
