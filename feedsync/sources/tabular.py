"""Opening delimited text files as they really come: encoding detection (UTF-8, with or without BOM, else
cp1252 with a warning), junk before the header, delimiter sniffing, quoted newlines, ragged rows.

Every CSV/TSV reader (native, Shopify, WooCommerce, BigCommerce, Magento, Google TSV) reads through here.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError

csv.field_size_limit(1 << 26)

_DELIMITERS = (",", ";", "\t", "|")
_SCAN_CHUNK = 1 << 20


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line (outside quotes) into the most fields."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_key(name: str) -> str:
    """How headers are compared: BOM dropped, whitespace collapsed, case folded."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


def detect_encoding(path: Path, configured: str | None, emit: Emit | None) -> str:
    """``configured`` if set; else UTF-8 when the whole file decodes as UTF-8, else cp1252 (with a warning)."""
    if configured:
        return configured
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    offset = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_SCAN_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        if emit is not None:
            emit(
                make(
                    "SRC003",
                    f"not valid UTF-8 (byte {offset + exc.start}); read as cp1252. Set source.encoding if "
                    "that is wrong",
                    location=Location(str(path)),
                )
            )
        return "cp1252"
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    return "utf-8"


@dataclass
class Table:
    """A delimited file opened for reading: its header and a stream of (row number, cells)."""

    path: str
    header: list[str]
    delimiter: str
    encoding: str
    header_row: int
    rows: Iterator[tuple[int, list[str]]]
    keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.keys = [header_key(h) for h in self.header]

    def col(self, *names: str) -> int | None:
        """0-based index of the first header matching any of ``names`` (compared as ``header_key``)."""
        wanted = [header_key(n) for n in names]
        for name in wanted:
            if name in self.keys:
                return self.keys.index(name)
        return None

    def cols(self, pattern: str) -> list[tuple[int, re.Match[str]]]:
        """Headers whose key fully matches the regular expression ``pattern``."""
        regex = re.compile(pattern)
        return [(i, m) for i, key in enumerate(self.keys) if (m := regex.fullmatch(key))]


@contextmanager
def open_table(config: SourceConfig, emit: Emit | None = None, *, delimiter: str | None = None) -> Iterator[Table]:
    path = config.path
    encoding = detect_encoding(path, config.encoding, emit)
    try:
        handle = path.open("r", encoding=encoding, newline="")
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc.strerror}") from None
    with handle:
        try:
            header_row = 1
            first = handle.readline()
            # Junk before the header (blank lines, stray whitespace printed before a BOM) is skipped.
            while first and not first.replace("\ufeff", "").strip():
                header_row += 1
                first = handle.readline()
            first = first.lstrip(" \t\ufeff")
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc, 1) from None
        sep = delimiter or sniff_delimiter(first)
        reader = csv.reader(chain([first], handle), delimiter=sep)
        try:
            header = [h.strip() for h in next(reader, [])]
        except csv.Error as exc:
            raise SourceError(f"{path}:{header_row}: unreadable header ({exc})") from None
        yield Table(str(path), header, sep, encoding, header_row, _rows(reader, path, encoding, header_row))


def _rows(reader: Iterator[list[str]], path: Path, encoding: str, header_row: int) -> Iterator[tuple[int, list[str]]]:
    row = header_row
    try:
        for row, cells in enumerate(reader, start=header_row + 1):
            if any(cell.strip() for cell in cells):
                yield row, cells
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc, row + 1) from None
    except csv.Error as exc:
        raise SourceError(f"{path}:{row + 1}: unreadable CSV ({exc})") from None


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError, row: int) -> SourceError:
    return SourceError(
        f"{path}: not valid {encoding} near row {row} ({exc.reason}); set source.encoding (for example cp1252)"
    )
