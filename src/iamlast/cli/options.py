"""The options every AWS-facing command takes (after the subcommand), and what they build:
the client, the consoles, logging."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from .errors import UsageProblem

if TYPE_CHECKING:
    from rich.console import Console

    import iamlast
    from iamlast.advisor import Granularity

__all__ = ["GRANULARITY", "OUTPUTS", "Settings", "common_options", "current", "level", "reset"]

OUTPUTS = ("table", "json", "ndjson", "csv")
RetryMode = Literal["standard", "adaptive"]
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
    #: Requests per second, retries included, for the whole command.
    rate_limit: float | None = None
    max_attempts: int | None = None
    retry_mode: RetryMode | None = None

    def client(self) -> iamlast.Client:
        """A client from the options, falling back on the AWS_* environment and config files
        (for retries: --max-attempts / --retry-mode, then AWS_MAX_ATTEMPTS / AWS_RETRY_MODE, then
        the profile's max_attempts / retry_mode, as the AWS CLI reads them)."""
        import iamlast

        try:
            client = iamlast.Client(
                profile=self.profile,
                region=self.region,
                endpoint_url=self.endpoint_url,
                max_attempts=self.max_attempts,
                retry_mode=self.retry_mode,
                max_rate=self.rate_limit,
            )
            # Resolve now (config files included) so a bad setting fails here, clearly.
            endpoint, region = client.endpoint_url, client.region
        except ValueError as exc:
            raise UsageProblem(f"invalid configuration: {exc}{_source(str(exc))}") from exc
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


def _source(message: str) -> str:
    """Where a bad retry setting came from, when it was not an option."""
    for key, variable in (("max_attempts", "AWS_MAX_ATTEMPTS"), ("retry mode", "AWS_RETRY_MODE")):
        if key in message and variable in os.environ:
            return f" (from {variable}={os.environ[variable]!r})"
    return ""


@functools.cache
def _stdout_console() -> type[Console]:
    from rich.console import Console

    class StdoutConsole(Console):
        """rich exits 1 when the reader goes away; let the command end quietly instead."""

        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return StdoutConsole


class _Granularity(click.Choice):  # type: ignore[type-arg]
    """``service`` or ``action``; IAM's ``SERVICE_LEVEL`` / ``ACTION_LEVEL`` are taken too."""

    def __init__(self) -> None:
        super().__init__(["service", "action"], case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value).strip().lower()
        return super().convert(text.removesuffix("_level"), param, ctx)


#: The ``--granularity`` type of ``report`` and ``scan``.
GRANULARITY = _Granularity()


def level(granularity: str) -> Granularity:
    """IAM's name for a ``--granularity`` value."""
    return "ACTION_LEVEL" if granularity == "action" else "SERVICE_LEVEL"


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
    click.option(
        "--rate-limit",
        type=click.FloatRange(min=0, min_open=True),
        metavar="RPS",
        help="At most RPS requests per second to IAM, retries included (default: no limit).",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(min=1),
        metavar="N",
        help="Attempts per request, the first included (default: AWS_MAX_ATTEMPTS, the "
        "profile's max_attempts, 3).",
    ),
    click.option(
        "--retry-mode",
        type=click.Choice(["standard", "adaptive"]),
        help="standard, or adaptive (also slows down when throttled) (default: AWS_RETRY_MODE, "
        "the profile's retry_mode, standard).",
    ),
)


def common_options(func: F) -> F:
    """Add --profile, --region, --endpoint-url, --output, --quiet, --verbose, --rate-limit,
    --max-attempts, --retry-mode to a command and pass them to it as a :class:`Settings` first
    argument."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        profile: str | None,
        region: str | None,
        endpoint_url: str | None,
        output: str,
        quiet: bool,
        verbose: bool,
        rate_limit: float | None,
        max_attempts: int | None,
        retry_mode: RetryMode | None,
        **kwargs: Any,
    ) -> Any:
        global _current
        _current = Settings(
            profile=profile,
            region=region,
            endpoint_url=endpoint_url,
            output=output,
            quiet=quiet,
            verbose=verbose,
            rate_limit=rate_limit,
            max_attempts=max_attempts,
            retry_mode=retry_mode,
        )
        _configure_logging(verbose)
        return func(_current, *args, **kwargs)

    decorated: Any = wrapper
    for option in reversed(_OPTIONS):
        decorated = option(decorated)
    return decorated  # type: ignore[no-any-return]
