"""Values a spreadsheet would run as a formula when it opens a CSV/TSV file: a cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return (plain numbers such as ``-5`` or ``+3.5`` excepted, which a spreadsheet
reads as numbers).

Channel feeds keep such values exact: the channel reads the file as text, and a changed value would be a changed
product. ``FormulaTally`` counts them per column so the merchant hears of it once per channel and field (MDL014).
feedsync writes no CSV meant for people to open (order exports are JSON Lines, reports are text, JSON, XML or
HTML), so nothing here rewrites a value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Diagnostic, Location, locate
from feedsync.model.product import SourceRef

_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRST = frozenset(_STARTS)
_HEAD = itemgetter(0)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def formula_like(value: str) -> bool:
    return value.startswith(_STARTS) and not _NUMBER.match(value)


@dataclass
class FormulaTally:
    """Per column of one delimited feed: how many items hold a formula-like value, and the first of them."""

    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, tuple[str, str, Location | None]] = field(default_factory=dict)
    """column -> (item id, value, source position) of the first item with a formula-like value there."""

    def add(
        self,
        item_id: str,
        values: Mapping[str, Any],
        source: SourceRef | None = None,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        """Count the item's formula-like values; ``origins`` (column -> product field) places the first of each
        column in the ``source`` file."""
        first = _FIRST
        try:  # a text's first character, a list's first entry's: most items have none of ``_STARTS``, seen in C
            if first.isdisjoint(map(_HEAD, map(_HEAD, values.values()))):
                return
        except Exception:  # an empty text or list, a group of sub-attributes, another type: value by value
            pass
        for column, value in values.items():
            if type(value) is str and value[:1] not in first:
                continue  # most values: no formula-like start, no call
            cell = value if isinstance(value, str) else (value[0] if value else "")
            if isinstance(cell, str) and formula_like(cell):  # groups of sub-attributes are joined with their names
                self.counts[column] = self.counts.get(column, 0) + 1
                if column not in self.first:
                    self.first[column] = (item_id, cell, locate(source, (origins or {}).get(column)))

    def findings(self, channel: str) -> list[Diagnostic]:
        """One MDL014 warning per column that has formula-like values, saying how many items have one."""
        found = []
        for column, count in self.counts.items():
            item_id, value, location = self.first[column]
            found.append(
                make(
                    "MDL014",
                    f"{count} item(s) have a {column} that a spreadsheet would run as a formula (the first: item "
                    f"{item_id}, {value[:60]!r}); the feed keeps the values exact for the channel, but do not open "
                    "and re-save it in a spreadsheet",
                    channel=channel,
                    product_id=item_id,
                    field=column,
                    value=value[:200],
                    location=location,
                )
            )
        return found
