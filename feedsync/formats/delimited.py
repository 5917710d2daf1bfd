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
import tempfile
from collections.abc import Mapping
from typing import Any, BinaryIO

from feedsync.faults import checkpoint

_TEXT = frozenset((str,))


class DelimitedWriter:
    def __init__(
        self,
        handle: BinaryIO,
        *,
        columns: list[str],
        delimiter: str,
        list_separator: str,
        extra_columns: bool = False,
    ) -> None:
        self._text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
        self._columns = columns
        self._sep = list_separator
        # CRLF line ends (RFC 4180) also make the csv module quote any value holding a lone CR or LF.
        self._writer = csv.writer(self._text, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._spool: Any = None
        self._row: io.StringIO | None = None
        self._text_pending = True
        """The text layer may hold what ``write`` wrote: flushed before bytes are written to the file itself."""
        self._row_writer: Any = None
        self._extra: dict[str, list[str]] = {}  # extra column -> its sub-attributes (empty: plain values)
        if extra_columns:
            self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115 (__exit__)

    def __enter__(self) -> DelimitedWriter:
        if self._spool is None:
            self._writer.writerow(self._columns)
        return self

    def _cell(self, value: Any, parts: list[str] | None = None) -> str:
        if isinstance(value, str):
            return value
        cells = [v if isinstance(v, str) else ":".join(v.get(k, "") for k in parts or ()) for v in value]
        return self._sep.join(cells)

    def _cells(self, values: Mapping[str, Any]) -> list[str]:
        get = values.get
        row = [get(name, "") for name in self._columns]
        if not set(map(type, row)) <= _TEXT:  # repeated values joined (the other cells are text already)
            row = [value if type(value) is str else self._cell(value) for value in row]
        return row

    def write(self, values: Mapping[str, Any]) -> None:
        if self._spool is None:
            self._writer.writerow(self._cells(values))
            self._text_pending = True
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

    def render(self, values: Mapping[str, Any]) -> str:
        """The row ``write`` writes for ``values``, as text (a row cache keeps it); only when ``renders``."""
        if self._row is None:
            self._row = io.StringIO()
            self._row_writer = csv.writer(self._row, dialect=self._writer.dialect)
        self._row.seek(0)
        self._row.truncate()
        self._row_writer.writerow(self._cells(values))
        return self._row.getvalue()

    def write_rendered(self, text: str) -> int:
        """A row as ``render`` made it; the number of bytes written."""
        data = text.encode("utf-8")
        self.write_bytes(data)
        return len(data)

    def write_bytes(self, data: bytes) -> None:
        """A row's bytes as an earlier feed has them (a row cache copies them): written to the file itself, after
        what the text layer holds (only when ``renders``)."""
        if self._text_pending:
            self._text.flush()
            self._text_pending = False
        self._text.buffer.write(data)

    def position(self) -> int:
        """Where the next row starts in the file (only when ``renders``)."""
        self._text.flush()
        self._text_pending = False
        return self._text.buffer.tell()

    def _finish(self) -> None:
        spool = self._spool
        extra = list(self._extra)
        header = self._columns + [f"{n}({':'.join(self._extra[n])})" if self._extra[n] else n for n in extra]
        self._writer.writerow(header)
        checkpoint("delimited.header-written")  # the rows are in the spool; the feed file holds the header only
        spool.seek(0)
        for line in spool:
            values = json.loads(line)
            row = [self._cell(values.get(name, "")) for name in self._columns]
            row += [self._cell(values.get(name, ""), self._extra[name]) for name in extra]
            self._writer.writerow(row)

    def __exit__(self, *exc: object) -> None:
        try:
            if self._spool is not None and exc[0] is None:
                self._finish()
        finally:
            if self._spool is not None:
                self._spool.close()
        self._text.flush()
        self._text.detach()
