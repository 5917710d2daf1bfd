"""``feedsync rules [CODE]``: the diagnostic codes and what each one means."""

from __future__ import annotations

import textwrap

import typer

from feedsync.cli.common import err
from feedsync.diagnostics import CODES
from feedsync.diagnostics.gate import Selection


def rules(
    code: str | None = typer.Argument(None, help="A code (GMC008), a prefix (GMC), a name or a tag."),
) -> None:
    """List the diagnostic codes, or explain the ones a code, prefix, name or tag selects.

    Examples: feedsync rules; feedsync rules GMC008; feedsync rules identifiers
    """
    if code is None:
        for info in CODES.values():
            tags = f"  [{', '.join(info.tags)}]" if info.tags else ""
            typer.echo(f"{info.code:<8} {info.severity.value:<8} {info.name}{tags}")
        return
    selection = Selection.parse(select=[code])
    chosen = [info for info in CODES.values() if selection.keeps(info.code)]
    if not chosen:
        err(f"error: no diagnostic code matches {code!r}; `feedsync rules` lists them", level="error")
        raise typer.Exit(2)
    for number, info in enumerate(chosen):
        if number:
            typer.echo("")
        typer.echo(
            f"{info.code} {info.name} ({info.severity.value})" + (f" tags: {', '.join(info.tags)}" if info.tags else "")
        )
        typer.echo(textwrap.fill(info.doc, width=100, initial_indent="  ", subsequent_indent="  "))


def register(app: typer.Typer) -> None:
    app.command()(rules)
