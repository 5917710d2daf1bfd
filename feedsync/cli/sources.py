"""``feedsync inspect`` (what feedsync makes of a source file) and ``feedsync init`` (a first config for it)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer
from pydantic import ValidationError

from feedsync.atomic import atomic_write
from feedsync.cli.common import err, exit_codes
from feedsync.config import DEFAULT_CONFIG_NAME, SourceConfig, source_formats
from feedsync.diagnostics import Severity
from feedsync.diagnostics.renderers import render_line
from feedsync.diagnostics.renderers.summary import counts_line
from feedsync.errors import ConfigError
from feedsync.init import config_text
from feedsync.sources.inspect import inspect_source


def inspect(
    source: Path = typer.Argument(..., help="The catalog file to look at.", dir_okay=False),
    source_format: str = typer.Option("auto", "--format", help=f"Source format: {', '.join(source_formats())}."),
    encoding: str | None = typer.Option(None, "--encoding", help="Text encoding (default: UTF-8, else cp1252)."),
    currency: str | None = typer.Option(None, "--currency", help="ISO 4217 currency for prices without one."),
    base_url: str | None = typer.Option(None, "--base-url", help="Shop URL that completes relative links."),
    show: int = typer.Option(20, "--show", help="How many diagnostics to print in full (all are counted)."),
) -> None:
    """Show the detected format, encoding, delimiter, counts and column mapping of a source file.

    Example: feedsync inspect products_export.csv --currency EUR --base-url https://shop.example.com
    """
    with exit_codes():
        try:
            config = SourceConfig.model_validate(
                {
                    "path": source,
                    "format": source_format,
                    "encoding": encoding,
                    "currency": currency,
                    "base_url": base_url,
                }
            )
        except ValidationError as exc:
            raise ConfigError(_option_problems(exc)) from None
        result = inspect_source(config)
    stats = result.stats
    echo = typer.echo
    echo(f"source:     {source}")
    echo(f"format:     {result.format}{' (detected)' if result.detected else ''}")
    echo(f"encoding:   {stats.encoding or '-'}")
    echo(f"delimiter:  {stats.delimiter!r}" if stats.delimiter else "delimiter:  -")
    echo(f"rows:       {stats.rows}")
    echo(f"read:       {counts_line(result.products, result.variants_read)}")
    echo(f"images:     {result.images}")
    if stats.columns:
        echo("columns:")
        width = max(len(c) for c in stats.columns)
        for column, target in stats.columns.items():
            echo(f"  {column:<{width}}  -> {target}")
    if stats.unused:
        echo(f"unused columns ({len(stats.unused)}): {', '.join(stats.unused)}")
    counts = Counter((d.code, d.severity) for d in result.diagnostics)
    echo(
        f"diagnostics: {len(result.diagnostics)}"
        + (
            " (" + ", ".join(f"{code} {severity.value} x{n}" for (code, severity), n in sorted(counts.items())) + ")"
            if counts
            else ""
        )
    )
    for diagnostic in result.diagnostics[:show]:
        echo(f"  {render_line(diagnostic)}")
    if len(result.diagnostics) > show:
        echo(f"  … {len(result.diagnostics) - show} more (use --show)")
    if currency is None and any(d.code == "MDL003" for d in result.diagnostics):
        err("hint: prices name no currency; pass --currency")
    has_errors = any(d.severity is Severity.ERROR for d in result.diagnostics)
    raise typer.Exit(1 if has_errors else 0)


def init(
    source: Path = typer.Argument(
        ..., help="The catalog file the config reads (a platform export or native CSV).", dir_okay=False
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing feedsync.yaml."),
) -> None:
    """Write a commented feedsync.yaml for a catalog file, with TODO lines to fill in.

    The config (in the current directory) has SOURCE's detected format, the three channels (Google, Meta,
    Amazon) publishing into public/, and TODO lines for what only you know (currency, shop address, Amazon
    seller id, marketplace and default product type, a Magento or BigCommerce store's weight unit; credentials go
    in environment variables). feedsync refuses a value that still reads TODO, so
    edit those lines, then run feedsync validate and feedsync push.

    Example: feedsync init products_export.csv
    """
    target = Path.cwd() / DEFAULT_CONFIG_NAME
    with exit_codes():
        if target.exists() and not force:
            raise ConfigError(f"{DEFAULT_CONFIG_NAME} exists already; pass --force to overwrite it")
        # counted with a stand-in for the shop's address (relative links); prices without a currency are counted
        # too, and the config says whether they need one
        result = inspect_source(SourceConfig(path=source.resolve(), base_url="https://shop.example.com"))
        with atomic_write(target) as handle:
            handle.write(config_text(source, result, relative_to=Path.cwd()).encode("utf-8"))
    typer.echo(
        f"wrote {DEFAULT_CONFIG_NAME}: {result.format} catalog, {counts_line(result.products, result.variants_read)}"
    )
    lines = target.read_text(encoding="utf-8").splitlines()
    todo = [number for number, line in enumerate(lines, 1) if "TODO:" in line]
    currency = next(number for number, line in enumerate(lines, 1) if "currency:" in line)
    if result.unnamed_prices:
        typer.echo(f"prices in the file name no currency: set `currency:` (line {currency})")
    elif result.currencies:
        typer.echo(f"prices in the file name their currency ({', '.join(sorted(result.currencies))})")
    typer.echo(f"edit the TODO lines ({', '.join(map(str, todo))}), then: feedsync validate && feedsync push")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(inspect)


_OPTIONS = {"path": "SOURCE", "format": "--format", "encoding": "--encoding", "currency": "--currency"}


def _option_problems(exc: ValidationError) -> str:
    """What is wrong with ``inspect``'s options, each named as typed (``--currency 'XX': 'XX' is not an ISO 4217
    currency code``), not pydantic's report of the model."""
    problems = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        option = _OPTIONS.get(field, "--" + field.replace("_", "-"))
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{option} {error.get('input')!r}: {message}")
    return "; ".join(problems)
