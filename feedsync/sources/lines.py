"""The line of its file a delimited table's row starts on, for the reports whose format points at lines.

A finding's row is what a spreadsheet shows (the header row 1, a record over several lines one row: ``Location``).
SARIF's region and GitHub's annotations count the file's lines instead, as an editor and GitHub's file view do: a
quoted value over several lines (an export's HTML description) moves every later record down by its further lines,
and an annotation at the row's number would point at another record's text. The lines are worked out when such a
report is rendered, by one read of the file as its reader reads it (encoding, delimiter, the lines before the
header), and only for a file a finding names; only the records over several lines are kept."""

from __future__ import annotations

import csv
from bisect import bisect_left
from dataclasses import dataclass, field

from feedsync.config import Config, SourceConfig
from feedsync.errors import SourceError

_NOT_TABLES = frozenset({"xlsx", "json", "jsonl", "google_xml"})
"""Source formats read otherwise than as a delimited table (their rows are lines already, or no lines at all)."""


@dataclass
class _Spread:
    """A table's records over several lines: the row of each, in order, and the further lines of all of them up
    to and including it."""

    rows: list[int] = field(default_factory=list)
    further: list[int] = field(default_factory=list)

    def line(self, row: int) -> int:
        before = bisect_left(self.rows, row)  # the records over several lines before this row
        return row + (self.further[before - 1] if before else 0)


def spread(config: SourceConfig, delimiter: str | None = None) -> _Spread:
    """The records of the table at ``config.path`` that take more than one line, read as ``tabular.open_table``
    reads them (its encoding, its delimiter or the one it finds, the lines before its header)."""
    from feedsync.sources.tabular import open_table

    with open_table(config, None, delimiter=delimiter) as table:
        header_row, sep, encoding, quoted = table.header_row, table.delimiter, table.encoding, table.quoted
    found = _Spread()
    if not quoted:  # (a TSV written without quoting: a line is a record)
        return found
    with config.path.open(encoding=encoding, newline="") as handle:
        for _ in range(header_row - 1):  # an Excel ``sep=`` line, blank lines before the header
            handle.readline()
        reader = csv.reader(handle, delimiter=sep)
        row, before, further = header_row, 0, 0
        for _ in reader:
            taken = reader.line_num - before
            before = reader.line_num
            if taken > 1:
                further += taken - 1
                found.rows.append(row)
                found.further.append(further)
            row += 1
    return found


class TableLines:
    """The line of its file a row of a table starts on (``Report.line_of``), for the tables a run of ``config``
    read (its source, its supplements), each read once, when a finding first names it; a file that cannot be read
    again as it was (changed, gone) keeps its rows (a path no table of the run has too)."""

    def __init__(self, config: Config) -> None:
        self._config = config
        self._tables: dict[str, tuple[SourceConfig, str | None]] | None = None
        self._spread: dict[str, _Spread] = {}

    def __call__(self, path: str, row: int) -> int:
        known = self._spread.get(path)
        if known is None:
            table = self._known().get(path)
            if table is None:
                return row
            try:
                known = spread(*table)
            except (OSError, UnicodeError, csv.Error, SourceError):
                known = _Spread()
            self._spread[path] = known
        return known.line(row)

    def _known(self) -> dict[str, tuple[SourceConfig, str | None]]:
        """The run's delimited tables by path, with the delimiter their reader is given (None: found)."""
        if self._tables is None:
            from feedsync.sources.base import resolve_format
            from feedsync.sources.meta import _is_xml  # (Meta's XML feed is read as Google's RSS: its rows are lines)

            config, tables = self._config, []
            try:
                fmt = resolve_format(config.source)
            except (OSError, SourceError):
                fmt = "json"
            if fmt not in _NOT_TABLES and not (fmt == "meta" and _is_xml(config.source)):
                tables.append((config.source, "\t" if fmt == "tsv" else None))
            for supplement in config.supplements:
                if supplement.path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
                    tables.append((SourceConfig(path=supplement.path, encoding=supplement.encoding), None))
            self._tables = {str(source.path): (source, delimiter) for source, delimiter in tables}
        return self._tables
