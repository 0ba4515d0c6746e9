"""The ``iamlast`` command: the click group, its subcommands, and the one place errors become
an exit code and a line on stderr."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from iamlast import __version__

from . import fetch
from .errors import EXIT_OK, describe
from .options import GRANULARITY, Settings, common_options, current, reset
from .org_scan import org_scan
from .output import VIEWS, emit, silence_stdout
from .scan_command import UNUSED_DAYS, scan
from .signals import Interrupted
from .validate import check_account_id, check_entity_path, check_namespace, parse_arn

__all__ = ["cli", "main"]

EXIT_INTERRUPTED = 130


def _report_error(exc: BaseException) -> int:
    message, code = describe(exc)
    if current().verbose and not isinstance(exc, click.UsageError):
        traceback.print_exception(exc, file=sys.stderr)
    click.echo(f"iamlast: error: {message}", err=True)
    return code


class IamlastGroup(click.Group):
    """A click group whose ``main`` maps every failure to one line and an exit code (0 ok,
    1 failure, 2 usage), for the console script and test runners alike."""

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        reset()
        try:
            result = super().main(
                args, prog_name or "iamlast", complete_var, standalone_mode=False, **extra
            )
            code = result if isinstance(result, int) else EXIT_OK
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx is not None else str(exc))
            code = EXIT_OK
        except (click.Abort, KeyboardInterrupt) as exc:
            click.echo("iamlast: interrupted", err=True)
            code = exc.exit_code if isinstance(exc, Interrupted) else EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`iamlast scan -o csv | head`): not our failure.
            silence_stdout()
            code = EXIT_OK
        except Exception as exc:
            code = _report_error(exc)
        if standalone_mode:
            sys.exit(code)
        return code


@click.group(
    "iamlast",
    cls=IamlastGroup,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", prog_name="iamlast")
def cli() -> None:
    """iamlast: when did each IAM principal last use each AWS service it is allowed (Access
    Advisor), and which of its permissions can go.

    Credentials and region come from the usual AWS places (environment, ~/.aws, SSO, instance
    roles). Try it with no AWS account at all: `iamlast demo`.

    Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C), 143 terminated
    (SIGTERM).
    """


cli.add_command(scan)
cli.add_command(org_scan)


@cli.command()
@click.argument("arn")
@click.option(
    "--granularity",
    type=GRANULARITY,
    default="service",
    show_default=True,
    help="action: also when each tracked action (s3, ec2, iam, lambda, …) was last used.",
)
@UNUSED_DAYS
@click.option(
    "--entities",
    "with_entities",
    is_flag=True,
    help="Also list, per service, the users and roles that used it.",
)
@common_options
def report(
    settings: Settings, arn: str, granularity: str, unused_days: int, with_entities: bool
) -> int:
    """When ARN (a user, role, group or policy) last used each service it is granted.

    Runs IAM's last-accessed report job, waits for it and prints every service with its status:
    used (in the last N days), unused (used before that) or never used.
    """
    parsed = parse_arn(arn)
    with settings.client() as client:
        doc = fetch.report(
            client,
            settings,
            parsed.arn,
            granularity=granularity,
            unused_days=unused_days,
            with_entities=with_entities,
        )
    emit(settings, doc, VIEWS["report"])
    return EXIT_OK


@cli.command()
@click.argument("arn")
@click.argument("service")
@common_options
def entities(settings: Settings, arn: str, service: str) -> int:
    """Which users and roles behind ARN used SERVICE (a namespace: s3, ec2, …), and when.

    Most useful for groups and policies: who in the group, or which of the policy's users and
    roles, still uses the service.
    """
    parsed = parse_arn(arn)
    namespace = check_namespace(service)
    with settings.client() as client:
        doc = fetch.entities(client, settings, parsed.arn, namespace)
    emit(settings, doc, VIEWS["entities"])
    return EXIT_OK


@cli.command()
@click.argument("arn")
@click.argument("services", nargs=-1, required=True, metavar="SERVICE...")
@common_options
def policies(settings: Settings, arn: str, services: tuple[str, ...]) -> int:
    """Which policies grant each SERVICE (namespaces: s3 ec2 …) to ARN (a user, role or group).

    Managed policies by ARN, inline policies by the user, role or group they are embedded in
    (a user's groups count).
    """
    parsed = parse_arn(arn, kinds=("user", "role", "group"))
    namespaces = [check_namespace(s) for s in services]
    with settings.client() as client:
        doc = fetch.policies(client, settings, parsed, namespaces)
    emit(settings, doc, VIEWS["policies"])
    return EXIT_OK


@cli.command("org-report")
@click.argument("entity_path")
@click.option(
    "--account", metavar="ID", help="Narrow ENTITY_PATH to this member account (12 digits)."
)
@common_options
def org_report(settings: Settings, entity_path: str, account: str | None) -> int:
    """When each service was last used under an AWS Organizations ENTITY_PATH
    (o-ORGID/r-ROOTID[/ou-…]); run it from the management account."""
    path = check_entity_path(entity_path)
    if account is not None:
        path = f"{path}/{check_account_id(account)}"
    with settings.client() as client:
        doc = fetch.org_report(client, settings, path)
    emit(settings, doc, VIEWS["org-report"])
    return EXIT_OK


@cli.command(
    "fake-server",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def fake_server(args: tuple[str, ...]) -> int:
    """Serve iamlast's IAM emulator (a SYNTHETIC account) on loopback until interrupted.

    The same command as `python -m iamlast.testing`, with the same options (port, seed, account
    size, job polls, latency and faults: see `iamlast fake-server --help`). Prints the
    environment variables that point iamlast, boto3 or the AWS CLI at it.
    """
    from iamlast.testing.serve import main as serve

    return serve(list(args), prog="iamlast fake-server", error_name="iamlast")


@cli.command()
def demo() -> int:
    """Run a report and a scan against a built-in SYNTHETIC account (no AWS, no credentials)."""
    from .demo import run_demo

    return run_demo()


def main(argv: list[str] | None = None) -> int:
    """The console script: ``iamlast ...``; returns the exit code."""
    code: int = cli.main(argv, prog_name="iamlast", standalone_mode=False)
    return code


# propose / apply / rollback live in their own module.
from .leastprivilege import register as _register_leastprivilege  # noqa: E402

_register_leastprivilege(cli)
