"""Shared CLI plumbing: finding the config, mapping errors to exit codes, printing reports."""

from __future__ import annotations

import errno
import functools
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import typer

from feedsync.atomic import atomic_write
from feedsync.cli.entry import stopped
from feedsync.cli.output import MODE, say, say_encoded
from feedsync.config import DEFAULT_CONFIG_NAME, Config, config_from_flags, load_config
from feedsync.diagnostics import Report
from feedsync.diagnostics.gate import Gate
from feedsync.diagnostics.renderers import encoded_concise, render_concise, render_summary
from feedsync.errors import FeedsyncError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_REMOTE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 70, 130
EXIT_TERMINATED = 143
EXIT_CODES = {
    EXIT_OK: "clean",
    EXIT_FINDINGS: "the validation gate failed (by default: any finding at error level), push refused to publish a "
    "channel, an order was held, a shipment was not confirmed, diff found changes, or status needs attention",
    EXIT_USAGE: "unusable input, config or usage (bad YAML, unknown key, a TODO placeholder, missing file, bad "
    "option), an output that cannot be written (a full disk, a path that is a file: the previous file stays), or "
    "another push holds the lock",
    EXIT_REMOTE: "a destination or store failed (the feed could not be published, an API refused the run)",
    EXIT_INTERNAL: "internal error: a bug in feedsync (the message names it; rerun with -vv for the traceback and "
    "report it); no half-written feed is left behind",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); no half-written feed is left behind",
    EXIT_TERMINATED: "terminated (SIGTERM: a cron's timeout, a container stopped), as Ctrl-C stops a run: no "
    "half-written feed is left behind, and the next push finishes what it left",
}
"""What each exit code means (the README and docs/exit-codes.md list these)."""


def err(message: str, *, level: str = "info") -> None:
    """A line on stderr (see ``feedsync.cli.output``: quiet, JSON)."""
    say(message, level=level)


_LINES_AT_ONCE = 256
_BYTES_AT_ONCE = 1 << 20


def say_lines(texts: Iterable[bytes], *, level: str = "info", shown: bool = False) -> None:
    """Lines on stderr as ``err`` says each, given as texts of one line or more in UTF-8 (``say_encoded``: a batch of
    findings rendered together, as it lies on disk), told ``_LINES_AT_ONCE`` texts or about ``_BYTES_AT_ONCE`` bytes
    at a time: one write (and flush) for each batch, not for each line (a run with many findings prints a line for
    each)."""
    batch: list[bytes] = []
    size = 0
    for text in texts:
        batch.append(text)
        size += len(text)
        if len(batch) == _LINES_AT_ONCE or size >= _BYTES_AT_ONCE:
            say_encoded(b"\n".join(batch), level=level, shown=shown)
            batch.clear()
            size = 0
    if batch:
        say_encoded(b"\n".join(batch), level=level, shown=shown)


@contextmanager
def exit_codes() -> Iterator[None]:
    """Turn feedsync's exceptions into a message on stderr and the documented exit code; anything unexpected
    into a one-line internal error (exit 70), with the traceback only under -vv."""
    try:
        yield
    except FeedsyncError as exc:
        err(f"error: {exc}", level="error")
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        said, code = stopped(exc)
        err(said, level="error")
        raise typer.Exit(code) from None
    except Exception as exc:
        if type(exc).__module__.partition(".")[0] in ("typer", "click"):
            raise  # typer's own ways out: an exit code, a usage error
        if isinstance(exc, OSError) and exc.errno == errno.EPIPE:
            raise  # the reader of stdout went away: typer ends quietly
        internal_error(exc)
        raise typer.Exit(EXIT_INTERNAL) from None


def internal_error(exc: BaseException) -> None:
    """Report an exception feedsync did not expect: one line, or the traceback with -vv."""
    if MODE.verbose >= 2:
        err("".join(traceback.format_exception(exc)).rstrip("\n"), level="error")
        err(f"internal error: {type(exc).__name__}: {exc}; please report it", level="error")
    else:
        err(
            f"internal error: {type(exc).__name__}: {exc}; rerun with -vv for the traceback, and report it",
            level="error",
        )


def guarded(command: F) -> F:
    """``command`` run under ``exit_codes``: no exception leaves a command as a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with exit_codes():
            return command(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@dataclass(frozen=True)
class SourceFlags:
    """``--source PATH`` and its companions: a run without a config file."""

    source: Path
    source_format: str = "auto"
    currency: str | None = None
    base_url: str | None = None
    encoding: str | None = None


def resolve_config(
    config: Path | None, flags: SourceFlags | None, *, channels: list[str], out: Path | None, sourced: bool = False
) -> Config:
    """``-c FILE``; else the flags (``--source`` + ``--channel PROFILE``); else ./feedsync.yaml. ``sourced``: the
    command takes ``--source`` (build and validate), which the hint names where there is no config."""
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
            also = " or --source PATH" if sourced else " (feedsync init CATALOG writes one)"
            raise typer.BadParameter(f"no {DEFAULT_CONFIG_NAME} here; pass -c CONFIG{also}", param_hint="--config")
    return load_config(config)


REPORT_FORMATS = ("text", "concise", "json", "junit", "github", "sarif")


def print_report(
    report: Report,
    *,
    findings_to_stdout: bool,
    gate: Gate | None = None,
    fmt: str = "concise",
    output: Path | None = None,
) -> int:
    """Print (or write to ``output``) the findings in ``fmt`` and a summary on stderr; return the exit code the
    gate gives."""
    gate = gate or Gate()
    failed, reason = gate.verdict(report)
    refused = any(r.refused for r in report.channels.values())
    least = shown_from(fmt, output, gate.fail_on)
    if fmt == "concise" and output is None and not findings_to_stdout:  # messages on stderr, one per finding
        level = "error" if least == "error" else "info"  # (--quiet's errors, as errors: a log's filter keeps them)
        say_lines(encoded_concise(report.diagnostics, least=least), level=level, shown=MODE.quiet)
    else:  # written as rendered: a finding, or a line, at a time (a long run's findings are many)
        color = output is None and sys.stdout.isatty()
        chunks = _render(
            report, fmt, failed=failed or refused, reason=reason, color=color, least=least, summed=output is not None
        )
        if output is not None:
            with atomic_write(output) as handle:
                for chunk in chunks:
                    handle.write(chunk.encode("utf-8"))
        else:
            for chunk in chunks:
                typer.echo(chunk, nl=False)
    for line in render_summary(report):  # (on stderr always: a report on stdout stays the report alone)
        err(line)
    if failed:
        err(f"failed: {reason}", level="error")
    sys.stderr.flush()
    return EXIT_FINDINGS if failed or refused else EXIT_OK


def shown_from(fmt: str, output: Path | None, fail_on: str = "error") -> str:
    """The least severity of the findings a report prints as lines: every one's (``info``), but with ``--quiet``
    and the findings as lines on a stream (``concise``), those that fail the run: at or above ``--fail-on``'s level
    (errors where it never fails). A report in another format, or written to a file, is whole."""
    if not (MODE.quiet and fmt == "concise" and output is None):
        return "info"
    return "warning" if fail_on == "warning" else "error"


def _render(
    report: Report, fmt: str, *, failed: bool, reason: str, color: bool, least: str = "info", summed: bool = True
) -> Iterable[str]:
    """The report in ``fmt``, in chunks (concise lines, JSON and SARIF are written one finding at a time;
    ``least``: the concise lines of the findings at or above that severity; ``summed``: a text report ends with
    the summary, as a file holds it)."""
    if fmt == "concise":
        return (line + "\n" for line in render_concise(report.diagnostics, least=least))
    if fmt == "text":
        from feedsync.diagnostics.renderers.text import render_text  # rich: only for this format

        return [render_text(report, color=color, summed=summed)]
    from feedsync.diagnostics.renderers import machine

    if fmt == "json":
        return machine.render_json(report, failed=failed, reason=reason)
    if fmt == "junit":
        return [machine.render_junit(report)]
    if fmt == "github":
        return [machine.render_github(report)]
    if fmt == "sarif":
        return machine.render_sarif(report)
    raise typer.BadParameter(f"unknown format {fmt!r}", param_hint="--format")  # pragma: no cover - typer checks
