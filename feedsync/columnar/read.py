"""A native CSV catalog read in batches for the columnar engine: about ``chunk`` bytes each, cut only between two
records (a line break outside quotes: an even number of quotes before it, as RFC 4180 writes them, doubled inside
a quoted field), never inside a family (the rows of the group id the batch ends with go to the next batch, as long
as they follow one another), each batch with the row number of its first record (the header is row 1, as the
per-row reader numbers them).

It reads UTF-8 with a comma between fields, as Polars reads a CSV; the per-row reader also takes other encodings
and delimiters and a BOM: ``readable`` says whether a file is one this reader reads as it does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import polars as pl

from feedsync.sources.tabular import DELIMITERS, ByteRange, excel_sep, range_bytes

CHUNK = 8 << 20
"""Bytes a batch holds, about (a family that goes on holds more)."""


def readable(path: Path) -> bool:
    """Whether the file begins with a header this reader reads as the per-row reader does: no BOM, UTF-8, commas and
    no other delimiter the reader sniffs for (``tabular.DELIMITERS``: a file of pipes whose header holds a comma was
    read with commas here, its columns shifted, where the reader read pipes)."""
    with path.open("rb") as handle:
        head = handle.readline()
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b'"' in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if excel_sep(text) is not None:  # Excel's ``sep=`` line before the header: the per-row reader skips it
        return False
    return "," in text and not any(other in text for other in DELIMITERS if other != ",")


def batches(path: Path, chunk: int = CHUNK) -> Iterator[tuple[int, pl.DataFrame]]:
    """The catalog's records in batches (all columns text, empty cells null) with each batch's first row number."""
    row = 2
    carry: pl.DataFrame | None = None
    with path.open("rb") as handle:
        header = handle.readline()
        for data in pieces(handle, chunk):
            batch = read_piece(header, data)
            frame = batch if carry is None else pl.concat([carry, batch])
            tail = family_tail(frame["group_id"]) if "group_id" in frame.columns else 0
            if frame.height > tail:
                yield row, frame.head(frame.height - tail)
                row += frame.height - tail
            carry = frame.tail(tail) if tail else None
    if carry is not None:
        yield row, carry


@contextmanager
def records(path: Path, share: ByteRange | None) -> Iterator[tuple[bytes, BinaryIO, int]]:
    """The file's header line, a handle of the records to read (those of ``share``, a row split's share of the
    file, or all after the header) and the row number of the first of them (the header is row 1)."""
    with path.open("rb") as handle:
        header = handle.readline()
        if share is not None:
            yield header, range_bytes(handle, share), share.first_row
        else:
            yield header, handle, 2


def read_piece(header: bytes, data: bytes) -> pl.DataFrame:
    """A piece of whole records under the file's header, all cells text (empty: null; cells past the header's are
    left out). PolarsError: not CSV as Polars reads it."""
    return pl.read_csv(header + data, infer_schema=False, truncate_ragged_lines=True)


def pieces(handle: BinaryIO, chunk: int) -> Iterator[bytes]:
    """The bytes after the header in pieces of whole records: each about ``chunk`` bytes, extended to the first
    line break after which the quotes read so far are even."""
    quotes = 0
    while data := handle.read(chunk):
        quotes += data.count(b'"')
        while True:
            line = handle.readline()
            data += line
            quotes += line.count(b'"')
            if not line or (quotes % 2 == 0 and line.endswith(b"\n")):
                break
        yield data


def family_tail(groups: pl.Series, *, among: bool = False) -> int:
    """How many rows at the end of ``groups`` (a piece's group ids) belong to the group its last row belongs to: 0
    when the last row has no group; all of them when the piece is one family. ``among``: the rows of no group count
    as the family's where they come among or after its rows (a family's variants come one after another, with the
    variants of no group among them): the tail is that of the last group any row has."""
    named = groups.drop_nulls() if among else groups
    if named.len() == 0 or named[-1] is None:
        return 0
    same = groups.eq(named[-1]).fill_null(among).reverse()  # a row of no group: the family's where ``among``
    return groups.len() if same.all() else int(same.arg_min() or 0)
