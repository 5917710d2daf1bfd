"""The ``feedsync`` typer app: global options and the command modules."""

from __future__ import annotations

import sys

import typer

from feedsync import __version__
from feedsync.cli.common import EXIT_INTERNAL, guarded, internal_error
from feedsync.cli.output import output_options

app = typer.Typer(
    name="feedsync",
    help="Turn one product catalog into the feeds that sales channels demand, and keep them in sync.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"feedsync {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """feedsync: product feed syndication from the command line."""


from feedsync.cli import amazon, channels, feeds, orders, rules, sources  # noqa: E402  (registers the commands on ``app``)

feeds.register(app)
sources.register(app)
channels.register(app)
rules.register(app)
orders.register(app)
amazon.register(app)


def _with_output_options(group: typer.Typer) -> None:
    """Every command takes --quiet, --verbose and --log-format after its name, and runs under ``exit_codes``
    (an unexpected exception is a one-line internal error, exit 70)."""
    for command in group.registered_commands:
        if command.callback is not None:
            command.callback = output_options(guarded(command.callback))
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _with_output_options(sub.typer_instance)


_with_output_options(app)


def main() -> None:
    try:
        app()
    except Exception as exc:  # raised outside a command (a group's callback): still no traceback
        internal_error(exc)
        sys.exit(EXIT_INTERNAL)
