"""Delimited (TSV/CSV) feed writer: a header row of the column names, then one row per item.

With ``extra_columns`` an item may also carry attributes that are not among the columns (attributes kept from a
source feed): they become further columns, in the order they first appear. Their names are known only at the end,
so the rows wait in an anonymous temporary file and the header is written first when the writer closes. A value
that is a group of sub-attributes is written in Google's text form: the header names the sub-attributes,
``shipping(country:service:price)``, and the cell holds their values joined by colons, ``ES:Standard:4.95 EUR``;
repeated values are joined by the list separator."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any, BinaryIO

from feedsync.faults import checkpoint
from feedsync.formats.gathered import write_gathered

_NOTHING: Any = object()
_URL_START = re.compile("[Hh][Tt][Tt][Pp][Ss]?://")


def listed_entry(entry: str, separator: str, separators: str = "", quoted: bool = False) -> str:
    """A repeated value's entry as its cell holds it, the entries joined by ``separator``: a link's own separators
    percent-encoded (a comma in a link joined by commas would make two links of it: Google reads ``a,b`` in a text
    feed's additional_image_link as two, and asks for a comma in a link as ``%2C``; ``separators``: the other
    characters the channel reads as one, Meta's ``;``, space and ``|``); with ``quoted``, another text holding the
    separator in double quotes, a quote in it doubled (Google's quoted attributes: ``"Home, Garden",Kitchen`` is
    two product types, not three); other texts as they are."""
    if not _URL_START.match(entry):
        if quoted and separator in entry:
            return '"' + entry.replace('"', '""') + '"'
        return entry
    for char in link_separators(separator, separators):
        if char in entry:
            entry = entry.replace(char, f"%{ord(char):02X}")
    return entry


def link_separators(separator: str, separators: str = "") -> str:
    """The characters a listed link has percent-encoded: the list separator (one ASCII character) and
    ``separators``."""
    own = separator if len(separator) == 1 and separator.isascii() else ""
    return own + "".join(c for c in separators if c != own and c.isascii())


def _holds_any(text: str, chars: str) -> bool:
    return any(c in text for c in chars)


_END = "\r\n"
"""CRLF line ends (RFC 4180); they also make a value holding a lone CR or LF quoted."""


def line_maker(delimiter: str) -> Callable[[list[str]], str]:
    """The function that makes a row's line, its end included, as ``csv.writer(delimiter=delimiter,
    lineterminator="\\r\\n", quoting=csv.QUOTE_MINIMAL)`` writes it: a value is quoted when it holds the
    delimiter, a quote (doubled) or a CR or LF; a row of one empty value is ``""``. Built with ``str`` scans, which
    look at a row a few times faster than the csv module does (tests/hostile/test_write_rows.py holds the two equal).
    A delimiter that is a quote, CR or LF is left to the csv module itself. A cell that is no ``str`` is a
    TypeError.

    The places of the cells that held the delimiter in the last row that needed a cell by cell look are kept (a
    feed's descriptions hold commas, row after row): those cells are quoted when they hold it (and no quote, CR or
    LF), and the other cells, joined by a character that is none of these, are looked at at once."""
    csv.writer(io.StringIO(), delimiter=delimiter)  # a delimiter the csv module refuses (not one character) is refused
    if delimiter in '"\r\n':
        return _csv_lines(delimiter)
    special = re.compile(f'["\\r\\n{re.escape(delimiter)}]').search
    join = delimiter.join
    apart = ("\x01" if delimiter == "\x00" else "\x00").join  # joins cells to look at them, never the delimiter
    quoting: list[list[Any]] = []  # [place, the cell last quoted there, quoted]

    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    def line(cells: list[str]) -> str:
        if quoting:
            row, rest = cells.copy(), cells.copy()
            for place in quoting:
                at = place[0]
                if at < len(row):
                    cell = row[at]
                    if cell is place[1] or (type(cell) is str and cell == place[1]):  # as in the row before
                        row[at], rest[at] = place[2], ""
                    elif (
                        type(cell) is str
                        and delimiter in cell
                        and '"' not in cell
                        and "\r" not in cell
                        and "\n" not in cell
                    ):
                        place[1], place[2] = cell, f'"{cell}"'
                        row[at], rest[at] = place[2], ""
            others = apart(rest)
            if delimiter not in others and '"' not in others and "\r" not in others and "\n" not in others:
                if len(row) <= 1 and not (row and row[0]):
                    return '""' + _END if row else _END
                row[-1] += _END  # the line end goes with the last cell: the line is not copied again
                return join(row)
        else:
            text = join(cells)
            if (
                '"' not in text
                and "\r" not in text
                and "\n" not in text
                and (delimiter not in text or text.count(delimiter) == len(cells) - 1)  # most rows: nothing to quote
            ):
                return text + _END if text or len(cells) != 1 else '""' + _END
        quoting[:] = [[at, _NOTHING, None] for at, cell in enumerate(cells) if delimiter in cell]
        return join([c if special(c) is None else quoted(c) for c in cells]) + _END

    return line


def _csv_lines(delimiter: str) -> Callable[[list[str]], str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=_END, quoting=csv.QUOTE_MINIMAL)

    def line(cells: list[str]) -> str:
        if not all(isinstance(cell, str) for cell in cells):  # the csv module would write str(cell)
            raise TypeError("a cell that is no text")
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    return line


class DelimitedWriter:
    """Each row's line is made as text (``line_maker``) and written to ``handle`` as UTF-8 at once."""

    def __init__(
        self,
        handle: BinaryIO,
        *,
        columns: list[str],
        delimiter: str,
        list_separator: str,
        extra_columns: bool = False,
        link_separators: str = "",
        quoted_entries: bool = False,
    ) -> None:
        self._handle = handle
        self._columns = columns
        self._blanks = [""] * len(columns)
        self._sep = list_separator
        self._others = link_separators.replace(list_separator, "")
        """The characters other than the separator that the channel reads as one in a list (``listed_entry``)."""
        self._quoted = quoted_entries
        self._line = line_maker(delimiter)
        self._listed: tuple[int, ...] = ()
        """The places of the repeated values (lists) in the last row that had one where the one before had none."""
        self._spool: Any = None
        self._extra: dict[str, list[str]] = {}  # extra column -> its sub-attributes (empty: plain values)
        if extra_columns:
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 (__exit__)

    def __enter__(self) -> DelimitedWriter:
        if self._spool is None:
            self._handle.write(self._line(self._columns).encode("utf-8"))
        return self

    def _cell(self, value: Any, parts: list[str] | None = None) -> str:
        if isinstance(value, str):
            return value
        sep = self._sep
        if type(value) is list:
            try:
                joined = sep.join(value)  # most: entries that are texts, none holding the separator
            except TypeError:
                pass
            else:
                if joined.count(sep) == len(value) - 1 and not (self._others and _holds_any(joined, self._others)):
                    return joined
        others = self._others
        cells = [
            listed_entry(v, sep, others, self._quoted)
            if isinstance(v, str)
            else ":".join(v.get(k, "") for k in parts or ())
            for v in value
        ]
        return sep.join(cells)

    def _text(self, values: Mapping[str, Any]) -> str:
        """The line of the row of ``values``: its repeated values joined, at the places they had in the last row
        that had one elsewhere (the line refuses a cell that is no text; then each is looked at)."""
        row = [*map(values.get, self._columns, self._blanks)]
        try:
            for at in self._listed:
                value = row[at]
                if type(value) is not str:
                    row[at] = self._cell(value)
            return self._line(row)
        except Exception:  # a value elsewhere that is no text (or one that fails as it did, below)
            row = [*map(values.get, self._columns, self._blanks)]
            self._listed = tuple([at for at, value in enumerate(row) if type(value) is not str])
            return self._line([value if type(value) is str else self._cell(value) for value in row])

    def write(self, values: Mapping[str, Any]) -> None:
        if self._spool is None:
            self._handle.write(self._text(values).encode("utf-8"))
            return
        for name, value in values.items():
            if name in self._columns:
                continue
            parts = self._extra.setdefault(name, [])
            for entry in () if isinstance(value, str) else value:
                if isinstance(entry, Mapping):
                    parts.extend(k for k in entry if k not in parts)
        self._spool.write(json.dumps(values, ensure_ascii=False) + "\n")

    @property
    def renders(self) -> bool:
        """Whether ``render`` can make an item's row (not when extra columns wait for the header)."""
        return self._spool is None

    def render(self, values: Mapping[str, Any]) -> bytes:
        """The row ``write`` writes for ``values`` (a row cache keeps it); only when ``renders``."""
        return self._text(values).encode("utf-8")

    def write_rendered(self, data: bytes) -> int:
        """A row as ``render`` made it; the number of bytes written."""
        self._handle.write(data)
        return len(data)

    def write_many(self, rendered: Sequence[bytes]) -> None:
        """Rows as ``render`` made them, in order, by one gathered write (a batch's thousands)."""
        write_gathered(self._handle, rendered)

    def write_bytes(self, data: bytes) -> None:
        """A row's bytes as an earlier feed has them (a row cache copies them; only when ``renders``)."""
        self._handle.write(data)

    def position(self) -> int:
        """Where the next row starts in the file (only when ``renders``)."""
        return self._handle.tell()

    def _finish(self) -> None:
        spool = self._spool
        extra = list(self._extra)
        header = self._columns + [f"{n}({':'.join(self._extra[n])})" if self._extra[n] else n for n in extra]
        write, line = self._handle.write, self._line
        write(line(header).encode("utf-8"))
        checkpoint("delimited.header-written")  # the rows are in the spool; the feed file holds the header only
        spool.seek(0)
        for text in spool:
            values = json.loads(text)
            row = [self._cell(values.get(name, "")) for name in self._columns]
            row += [self._cell(values.get(name, ""), self._extra[name]) for name in extra]
            write(line(row).encode("utf-8"))

    def __exit__(self, *exc: object) -> None:
        if self._spool is not None:
            try:
                if exc[0] is None:
                    self._finish()
            finally:
                self._spool.close()
