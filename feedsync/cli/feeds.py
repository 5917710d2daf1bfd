"""``feedsync build``, ``validate`` and ``push``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from feedsync import pipeline, tidy
from feedsync.atomic import atomic_write
from feedsync.cli.common import (
    EXIT_REMOTE,
    REPORT_FORMATS,
    SourceFlags,
    err,
    exit_codes,
    print_report,
    resolve_config,
    shown_from,
)
from feedsync.cli.output import Progress
from feedsync.config import Config, NotifyConfig, source_formats
from feedsync.diagnostics import Report
from feedsync.diagnostics.findings import Render
from feedsync.diagnostics.gate import Gate, Selection
from feedsync.diagnostics.renderers.concise import SHOWN_FROM
from feedsync.errors import FeedsyncError

ConfigOpt = typer.Option(
    None, "--config", "-c", help="feedsync.yaml to use (default: ./feedsync.yaml).", exists=False, dir_okay=False
)
ChannelOpt = typer.Option(
    None,
    "--channel",
    help="Only these channels (repeatable). With --source: the built-in profile to build, e.g. google_merchant.",
)
PushChannelOpt = typer.Option(None, "--channel", help="Only these channels (repeatable).")
OutOpt = typer.Option(
    None, "--out", help="Directory for the built feeds (default: output_dir of the config).", file_okay=False
)
SourceOpt = typer.Option(None, "--source", help="Build from this catalog file without a config file.", dir_okay=False)
FormatOpt = typer.Option("auto", "--source-format", help=f"Source format: {', '.join(source_formats())}.")
CurrencyOpt = typer.Option(None, "--currency", help="ISO 4217 currency of prices that do not name one.")
EncodingOpt = typer.Option(None, "--encoding", help="Text encoding of the source (default: UTF-8, else cp1252).")
BaseUrlOpt = typer.Option(None, "--base-url", help="Shop URL that completes relative links and image paths.")


SelectOpt = typer.Option(
    None,
    "--select",
    help="Only these findings: codes, prefixes (GMC), names or tags (identifiers); repeatable or comma-separated "
    "(one that selects no code is exit 2).",
)
IgnoreOpt = typer.Option(
    None, "--ignore", help="Drop these findings: codes, prefixes, names or tags (one that selects no code is exit 2)."
)
FailOnOpt = typer.Option("error", "--fail-on", help="Which findings fail the run: error, warning or never.")
FAIL_ON = ("error", "warning", "never")
JobsOpt = typer.Option(
    0,
    "--jobs",
    "-j",
    min=0,
    help="Processes to build in (0: one per core; 1: one): each takes a share of the rows of a native CSV/TSV or a "
    "Shopify, WooCommerce or Magento export (at least 1,000 rows a share), else some of the channels (a source of "
    "1 MB or more). A native CSV whose channels are Google's, Meta's and Amazon's without rules is made a column at "
    "a time, on threads: in one process from 4 MB, in each share of the rows from 32 MB. The feeds are the same "
    "either way.",
)


def _choice(value: str, allowed: tuple[str, ...], option: str) -> None:
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(allowed)}", param_hint=option)


def _selection(select: list[str] | None, ignore: list[str] | None) -> Selection:
    """--select and --ignore, refused (exit 2) where a pattern selects no code: a typo would make a gate pass."""
    for option, values in (("--select", select), ("--ignore", ignore)):
        unknown = Selection.parse(values or []).unknown()
        if unknown:
            raise typer.BadParameter(f"{unknown} (`feedsync rules` lists them)", param_hint=option)
    return Selection.parse(select or [], ignore or [])


def _flags(
    source: Path | None, source_format: str, currency: str | None, base_url: str | None, encoding: str | None
) -> SourceFlags | None:
    return SourceFlags(source, source_format, currency, base_url, encoding) if source is not None else None


def build(
    config: Path | None = ConfigOpt,
    channel: list[str] | None = ChannelOpt,
    out: Path | None = OutOpt,
    source: Path | None = SourceOpt,
    source_format: str = FormatOpt,
    currency: str | None = CurrencyOpt,
    base_url: str | None = BaseUrlOpt,
    encoding: str | None = EncodingOpt,
    check: bool = typer.Option(
        False, "--validate", help="Also check each channel's rules and leave out the items with errors, as push does."
    ),
    jobs: int = JobsOpt,
) -> None:
    """Build each channel's feed into <out>/<channel>.<ext>, atomically.

    Example: feedsync build -c examples/demo/feedsync.yaml --channel google
    """
    with tidy.deferred():  # a row split's scratch folder and the feeds replaced: removed as the report is printed
        with exit_codes():
            flags = _flags(source, source_format, currency, base_url, encoding)
            cfg = resolve_config(config, flags, channels=channel or [], out=out, sourced=True)
            report = _run(
                cfg, "build", channels=None if flags else channel, out_dir=out, validate=check, jobs=jobs,
                lines=_lines(),
            )  # fmt: skip
        code = print_report(report, findings_to_stdout=False)
    raise typer.Exit(code)


def validate(
    config: Path | None = ConfigOpt,
    channel: list[str] | None = ChannelOpt,
    source: Path | None = SourceOpt,
    source_format: str = FormatOpt,
    currency: str | None = CurrencyOpt,
    base_url: str | None = BaseUrlOpt,
    encoding: str | None = EncodingOpt,
    fmt: str = typer.Option("concise", "--format", help=f"Report format: {', '.join(REPORT_FORMATS)}."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report to this file.", dir_okay=False),
    select: list[str] | None = SelectOpt,
    ignore: list[str] | None = IgnoreOpt,
    fail_on: str = FailOnOpt,
    max_errors: int | None = typer.Option(None, "--max-errors", min=0, help="Tolerate up to N counted findings."),
    max_error_rate: float | None = typer.Option(
        None, "--max-error-rate", min=0, max=100, help="Tolerate findings on up to P percent of the variants read."
    ),
    jobs: int = JobsOpt,
    html: Path | None = typer.Option(
        None,
        "--html",
        help="Also write a self-contained HTML report (summary, findings chart, worst items, changes since the "
        "last push). Example: feedsync validate --html report.html",
        dir_okay=False,
    ),
) -> None:
    """Check the catalog against each channel's rules: a CI gate with stable codes and exit codes.

    Exit 1 when findings at --fail-on level exceed the limits. Examples:
    feedsync validate -c examples/demo/feedsync.yaml --format sarif -o feedsync.sarif;
    feedsync validate --ignore GMC014,promotional --fail-on warning
    """
    _choice(fmt, REPORT_FORMATS, "--format")
    _choice(fail_on, FAIL_ON, "--fail-on")
    selection = _selection(select, ignore)
    with exit_codes():
        flags = _flags(source, source_format, currency, base_url, encoding)
        cfg = resolve_config(config, flags, channels=channel or [], out=None, sourced=True)
        report = _run(
            cfg,
            "validate",
            channels=None if flags else channel,
            selection=selection,
            record_items=fmt == "junit",
            jobs=jobs,
            changes=html is not None,
            lines=SHOWN_FROM[shown_from(fmt, output, fail_on)] if fmt == "concise" else None,
        )
    gate = Gate(fail_on=fail_on, max_errors=max_errors, max_error_rate=max_error_rate)  # type: ignore[arg-type]
    if html is not None:
        _write_html(html, report, gate)
    raise typer.Exit(print_report(report, findings_to_stdout=True, gate=gate, fmt=fmt, output=output))


def push(
    config: Path | None = ConfigOpt,
    channel: list[str] | None = PushChannelOpt,
    select: list[str] | None = SelectOpt,
    ignore: list[str] | None = IgnoreOpt,
    fail_on: str = FailOnOpt,
    force: bool = typer.Option(False, "--force", help="Publish even when the item count fell past max_drop_percent."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Build and check, then say what would be published."),
    report_file: Path | None = typer.Option(
        None, "--report", help="Write a JSON run report to this file.", dir_okay=False
    ),
    report_html: Path | None = typer.Option(
        None,
        "--report-html",
        help="Write a self-contained HTML report of the run (with the changes since the last push). "
        "Example: feedsync push --report-html public/feedsync.html",
        dir_okay=False,
    ),
    no_cache: bool = typer.Option(
        False,
        "--no-cache",
        help="Compute every row, not only those changed since the last push (the row cache beside the state is "
        "written anew).",
    ),
    reconcile: bool = typer.Option(
        False,
        "--reconcile",
        help="Read what each API destination holds first (after the state was restored from an older copy or "
        "lost): items it lacks are sent again, and items neither the catalog nor the state knows are deleted "
        "(a Google data source) or named (a Meta catalog, Amazon), DST013.",
    ),
) -> None:
    """Build, validate and deliver each channel's feed to its destination; record the run in the state.

    Items with errors are left out of the published feed and reported (exit 1). A channel whose item count fell
    by more than max_drop_percent since the last push, or below the largest count of its last guardrail_history
    pushes, is not published (exit 1) unless --force. A destination that fails keeps its previous feed while the
    other channels are published (exit 3). Only one push runs at a time per state file. A push of a CSV/TSV
    source computes only the rows changed since the last push (a row cache beside the state); the feeds are the
    same as without it.
    Example: feedsync push -c examples/demo/feedsync.yaml --dry-run
    """
    from feedsync.lock import Busy, run_lock
    from feedsync.state import State

    _choice(fail_on, FAIL_ON, "--fail-on")
    selection = _selection(select, ignore)
    with tidy.deferred():  # the feeds replaced, removed while the report is printed (``atomic``)
        with exit_codes():
            cfg = resolve_config(config, None, channels=[], out=None)
            try:
                with run_lock(cfg.state_path), State(cfg.state_path) as state:
                    state.mark_interrupted()  # under the lock: a run still marked running was killed
                    report = _run(
                        cfg,
                        "push",
                        channels=channel,
                        state=state,
                        force=force,
                        dry_run=dry_run,
                        selection=selection,
                        changes=report_html is not None,
                        fresh_cache=no_cache,
                        reconcile=reconcile,
                    )
            except (FeedsyncError, OSError) as exc:
                if not isinstance(exc, Busy):
                    _notify(cfg.notify, None, failed=True, reason=str(exc))
                raise
        gate = Gate(fail_on=fail_on)  # type: ignore[arg-type]
        code = print_report(report, findings_to_stdout=False, gate=gate)
        refused = [f"{r.channel}: {r.refused}" for r in report.channels.values() if r.refused]
        if refused and not dry_run:
            _notify(cfg.notify, report, failed=False, reason="; ".join(refused))
        failed = [f"{r.channel}: {r.failed}" for r in report.channels.values() if r.failed]
        if failed:
            _notify(cfg.notify, report, failed=True, reason="; ".join(failed))
            for line in failed:
                err(f"not published: {line}", level="error")
            code = EXIT_REMOTE
        if report_html is not None:
            _write_html(report_html, report, gate)
        if report_file is not None:
            from feedsync.diagnostics.renderers.machine import render_json

            _, reason = gate.verdict(report)
            with atomic_write(report_file) as handle:
                for chunk in render_json(report, failed=code != 0, reason=reason):
                    handle.write(chunk.encode("utf-8"))
        raise typer.Exit(code)


def _lines() -> Render:
    """How a build's findings are rendered as lines on stderr (``pipeline.run``'s ``lines``): the errors' alone
    with --quiet (``common.print_report``: a build fails on errors)."""
    return SHOWN_FROM[shown_from("concise", None)]


def _run(config: Config, command: pipeline.Command, **options: Any) -> Report:
    """``pipeline.run`` with progress bars on a terminal."""
    with Progress().shown() as progress:
        return pipeline.run(config, command, progress=progress, **options)


def _notify(config: NotifyConfig | None, report: Report | None, *, failed: bool, reason: str) -> None:
    """``feedsync.notify.notify``, imported when a push has something to tell (it builds an HTTP client)."""
    from feedsync.notify import notify

    notify(config, report, failed=failed, reason=reason)


def _write_html(path: Path, report: Report, gate: Gate) -> None:
    from feedsync.diagnostics.renderers.html import render_html

    failed, reason = gate.verdict(report)
    refused = [f"{r.channel} not published" for r in report.channels.values() if r.refused]
    with atomic_write(path) as handle:
        page = render_html(report, failed=failed or bool(refused), reason=reason or "; ".join(refused) or None)
        handle.write(page.encode("utf-8"))


def register(app: typer.Typer) -> None:
    app.command()(build)
    app.command()(validate)
    app.command()(push)
