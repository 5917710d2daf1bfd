"""The bytes of a channel's items, a column at a time: what the RSS and delimited writers write for each item's
values (``formats.xml_rss.RssWriter.render``, ``formats.delimited.DelimitedWriter.render``), as one text per row.

``values`` are the fields' columns in the channel's order, each a text or a list of texts (null: no value), as
:class:`feedsync.columnar.fields.Compiler` makes them. tests/columnar/test_writers.py holds the texts to the
writers' bytes for the same values.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from feedsync.columnar.fields import NotColumnar
from feedsync.columnar.text import INVALID_XML_CHARS, holds_any, xml_escaped
from feedsync.formats.delimited import link_separators

_NAME = re.compile("[A-Za-z_][A-Za-z0-9_.-]*")
"""An attribute name lxml writes as it is after the namespace's prefix."""


def rss_item(values: Mapping[str, pl.Expr], lists: set[str], tag: Callable[[str], tuple[str, str]]) -> pl.Expr:
    """An item: ``  <item>``, a line per value (a list: a line per entry) ``    <prefix:name>text</prefix:name>``,
    ``  </item>``, each line ended (exact where :func:`rss_exact` holds of it). ``tag``: the writer's tags of a name
    (``RssWriter.tag``: lxml's, which leaves the prefix out of an empty namespace's)."""
    pieces = [pl.lit("  <item>\n")]
    for name, value in values.items():
        if not _NAME.fullmatch(name):
            raise NotColumnar(f"the attribute name {name!r}")
        opening, closing = tag(name)
        start, end = f"    {opening}", f"{closing}\n"
        if name in lists:
            lines = value.list.eval(pl.concat_str([pl.lit(start), xml_escaped(pl.element()), pl.lit(end)]))
            pieces.append(lines.list.join(""))
        else:
            pieces.append(pl.concat_str([pl.lit(start), xml_escaped(value), pl.lit(end)]))
    pieces.append(pl.lit("  </item>\n"))
    return pl.concat_str(pieces, ignore_nulls=True)


def rss_exact(item: pl.Expr) -> pl.Expr:
    """Whether an item's text holds no character XML cannot carry (the writer drops them: such an item is written
    per row)."""
    return ~holds_any(item, INVALID_XML_CHARS)


def _listed(value: pl.Expr, separator: str, separators: str = "", quoted: bool = False) -> pl.Expr:
    """A list's entries as ``formats.delimited.listed_entry`` gives them: a link's own separators percent-encoded,
    (``quoted``) another text holding the separator in quotes."""
    chars = link_separators(separator, separators)
    if not chars:
        return value
    entry = pl.element()
    link = entry.str.contains("^[Hh][Tt][Tt][Pp][Ss]?://")
    encoded = entry
    for char in chars:
        encoded = encoded.str.replace_all(char, f"%{ord(char):02X}", literal=True)
    other = entry
    if quoted:
        within = pl.concat_str([pl.lit('"'), entry.str.replace_all('"', '""', literal=True), pl.lit('"')])
        other = pl.when(entry.str.contains(separator, literal=True)).then(within).otherwise(entry)
    return value.list.eval(pl.when(link).then(encoded).otherwise(other))


def delimited_line(values: Mapping[str, pl.Expr], lists: set[str], options: Mapping[str, Any]) -> pl.Expr:
    """A row's line as ``csv.writer`` writes it (minimal quoting, CRLF), a list's entries joined by the list
    separator."""
    delimiter, separator = options.get("delimiter", ","), options.get("list_separator", ",")
    if len(delimiter) != 1 or delimiter in '"\r\n':  # (extra columns: the writer does not render, ``open_gate``)
        raise NotColumnar("the delimited writer's options")
    cells = []
    for name, value in values.items():
        quoted = bool(options.get("quoted_entries"))
        listed = _listed(value, separator, options.get("link_separators", ""), quoted) if name in lists else None
        cell = (value if listed is None else listed.list.join(separator)).fill_null("")
        special = cell.str.contains(f'["\\r\\n{re.escape(delimiter)}]')
        quoted = pl.concat_str([pl.lit('"'), cell.str.replace_all('"', '""', literal=True), pl.lit('"')])
        cells.append(pl.when(special).then(quoted).otherwise(cell))
    if len(cells) == 1:  # a row of one empty value is "" (the csv module's)
        cells = [pl.when(cells[0] == "").then(pl.lit('""')).otherwise(cells[0])]
    return pl.concat_str([pl.concat_str(cells, separator=delimiter), pl.lit("\r\n")])
