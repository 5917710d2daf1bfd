"""Shared CLI plumbing: finding the config, mapping errors to exit codes, printing reports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import typer

from feedsync.config import DEFAULT_CONFIG_NAME, Config, config_from_flags, load_config
from feedsync.diagnostics import Report, Severity
from feedsync.diagnostics.renderers import render_concise, render_summary
from feedsync.errors import FeedsyncError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REMOTE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def err(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def exit_codes() -> Iterator[None]:
    """Turn feedsync's exceptions into a message on stderr and the documented exit code."""
    try:
        yield
    except FeedsyncError as exc:
        err(f"error: {exc}")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err("interrupted")
        raise typer.Exit(EXIT_INTERRUPTED) from None


@dataclass(frozen=True)
class SourceFlags:
    """``--source PATH`` and its companions: a run without a config file."""

    source: Path
    source_format: str = "auto"
    currency: str | None = None
    base_url: str | None = None
    encoding: str | None = None


def resolve_config(config: Path | None, flags: SourceFlags | None, *, channels: list[str], out: Path | None) -> Config:
    """``-c FILE``; else the flags (``--source`` + ``--channel PROFILE``); else ./feedsync.yaml."""
    if config is not None and flags is not None:
        raise typer.BadParameter("give either --config or --source, not both", param_hint="--source")
    if flags is not None:
        if not channels:
            raise typer.BadParameter(
                "with --source, name at least one built-in profile with --channel", param_hint="--channel"
            )
        return config_from_flags(
            source=flags.source,
            source_format=flags.source_format,
            currency=flags.currency,
            base_url=flags.base_url,
            encoding=flags.encoding,
            channels=channels,
            out=out,
        )
    if config is None:
        config = Path(DEFAULT_CONFIG_NAME)
        if not config.is_file():
            raise typer.BadParameter(
                f"no {DEFAULT_CONFIG_NAME} here; pass -c CONFIG or --source PATH", param_hint="--config"
            )
    return load_config(config)


def print_report(report: Report, *, findings_to_stdout: bool) -> int:
    """Print the findings and a summary; return the exit code the findings call for."""
    for line in render_concise(report.diagnostics):
        typer.echo(line, err=not findings_to_stdout)
    for line in render_summary(report):
        err(line)
    sys.stderr.flush()
    return EXIT_FINDINGS if report.has_at_least(Severity.ERROR) else EXIT_OK
