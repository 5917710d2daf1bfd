"""A channel's items a column at a time: its fields compiled (:mod:`.fields`), made columns once, its writer's
bytes per row (:mod:`.writers`), and where they stand in for the per-row engine's item (``exact``: every stage
exact) and where its quick pass clears the item (``cleared``: the channel's rules find nothing in it)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from feedsync.channels.compiled import CompiledChannel
from feedsync.columnar.fields import Compiler, NotColumnar
from feedsync.columnar.screens import SCREENS
from feedsync.columnar.writers import delimited_line, rss_exact, rss_item


@dataclass(frozen=True, slots=True)
class Items:
    compiler: Compiler
    line: pl.Expr
    """The item's bytes as the writer writes them (a text per row)."""
    exact: pl.Expr
    cleared: pl.Expr
    """The channel's quick pass says True of the item (false for a channel without one)."""


def items(channel: CompiledChannel, currency: str) -> Items:
    """The channel's items, compiled once: their expressions read a batch's normalized columns (``exact`` among
    them) as ``compiler.run`` leaves them. NotColumnar: a channel or writer not translated."""
    writer = channel.format.writer
    if writer not in ("rss", "delimited"):
        raise NotColumnar(f"the {writer} writer")
    compiler = Compiler(channel, currency)
    values = compiler.columns(compiler.fields())
    options = {**channel.format.options, **channel.settings}
    if writer == "rss":
        line = rss_item(values, compiler.lists, options["prefix"])
        exact = pl.col("exact") & compiler.exact() & rss_exact(line)
    else:
        line = delimited_line(values, compiler.lists, options)
        exact = pl.col("exact") & compiler.exact()
    screen = SCREENS.get(channel.spec.name)
    cleared = screen(values, compiler.lists, compiler.ask) if screen is not None else pl.lit(False)
    return Items(compiler, line, exact, cleared)
