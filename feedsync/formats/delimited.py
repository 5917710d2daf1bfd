"""Delimited (TSV/CSV) feed writer: a header row of the column names, then one row per item."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import BinaryIO


class DelimitedWriter:
    def __init__(self, handle: BinaryIO, *, columns: list[str], delimiter: str, list_separator: str) -> None:
        self._text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
        self._columns = columns
        self._sep = list_separator
        # CRLF line ends (RFC 4180) also make the csv module quote any value holding a lone CR or LF.
        self._writer = csv.writer(self._text, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def __enter__(self) -> DelimitedWriter:
        self._writer.writerow(self._columns)
        return self

    def write(self, values: Mapping[str, str | list[str]]) -> None:
        row = []
        for name in self._columns:
            value = values.get(name, "")
            row.append(value if isinstance(value, str) else self._sep.join(value))
        self._writer.writerow(row)

    def __exit__(self, *exc: object) -> None:
        self._text.flush()
        self._text.detach()
