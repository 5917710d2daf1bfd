"""Where to cut a delimited file into shares for a row split (``feedsync.rows``): at a record boundary (RFC 4180: a
newline ends a record when the count of ``"`` before it is even) between two products of different groups, with
each share's first row number. ``bytes.count`` and one regular expression do the scanning at C speed, a megabyte at a
time: planning holds about as much, whatever the file's size (the workers forked after it inherit what it holds).

A cut found here is a guess the workers check: a share whose records do not end at its end (a quote the csv module
reads otherwise, in a malformed file) or whose row count disagrees makes the run be made as though not split."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from feedsync.sources.tabular import ByteRange, excel_sep, lone_crs

CHUNK = 1 << 20
"""Bytes read at a time."""
WINDOW = 1 << 22
"""How far a cut looks: past the target for a record boundary, past that for a change of group; how far the header
record may reach."""
_FIRST = 1 << 16
"""What is read first of a window (most records end well within it); then the rest, a CHUNK at a time."""
_QUOTED = re.compile(rb'"[^"]*"')
_NEITHER = bytes(byte for byte in range(256) if byte not in b'"\n')
"""The bytes that are neither a quote nor a line feed: deleted from a chunk (``bytes.translate``) before its records
are counted, the search for quoted values then runs over a few hundred thousand bytes rather than 64 MB (a million
variants: the first share's records counted in about half the time)."""


@dataclass
class Header:
    end: int
    """The offset just after the header record."""
    row: int
    """The header's row number (1, or more after blank lines)."""
    lines: int
    """The file's lines up to the end of the header."""
    names: list[str]


def _records(data: bytes) -> int:
    """Records ended in ``data`` (which starts at a record boundary): its newlines outside quoted values."""
    return _QUOTED.sub(b"", data).count(b"\n")


def read_header(path: Path, delimiter: str) -> Header | None:
    """Where the header record ends (after blank lines before it), or None when it cannot be told."""
    with path.open("rb") as handle:
        head = b""
        for head in _window(handle):
            header = _header(head, delimiter)
            if header is not None:
                return header
    return None


def _header(head: bytes, delimiter: str) -> Header | None:
    """The header record of the file that starts with ``head``, or None when it does not end in ``head``."""
    offset, row = 0, 1
    while True:
        end = head.find(b"\n", offset)
        if end < 0:
            return None
        line = head[offset:end].decode("utf-8", "replace")
        if line.replace("\ufeff", "").strip() and not (row == 1 and excel_sep(line) is not None):
            break  # (Excel's ``sep=`` first line is read as the blank lines before a header are: skipped)
        offset, row = end + 1, row + 1
    length = _boundary(head[offset:], 0)
    if length is None:
        return None
    text = head[offset : offset + length].decode("utf-8", "replace").lstrip(" \t\ufeff")
    names = [name.strip() for name in next(csv.reader([text], delimiter=delimiter), [])]
    return Header(offset + length, row, head.count(b"\n", 0, offset + length), names)


def _window(handle: BinaryIO) -> Iterator[bytes]:
    """The bytes from the handle's position: a first few, then more, up to ``WINDOW`` (each longer than the last;
    the caller stops as soon as what it looks for is there)."""
    data = handle.read(_FIRST)
    yield data
    while len(data) < WINDOW:
        more = handle.read(min(CHUNK, WINDOW - len(data)))
        if not more:
            return
        data += more
        yield data


def _boundary(data: bytes, target: int, *, quotes: int = 0) -> int | None:
    """The first offset at or after ``target`` in ``data`` that starts a record, or None when ``data`` has none.
    ``data`` starts at a record boundary, or ``quotes`` quotes after one."""
    quotes, done = quotes + data.count(b'"', 0, target), target
    at = data.find(b"\n", target)
    while at >= 0:
        quotes += data.count(b'"', done, at)
        if quotes % 2 == 0:
            return at + 1
        done, at = at, data.find(b"\n", at + 1)
    return None


@dataclass(frozen=True)
class After:
    """Where a catalog's families end when no column names them: after each record whose cell in ``column`` is not
    ``within`` (a Magento export: a configurable product's children, 'Not Visible Individually', come before it)."""

    column: int
    within: str


Group = int | After | None
"""The column whose value changes where a group of records ends, an ``After``, or None (any record boundary)."""


def _group_change(path: Path, start: int, delimiter: str, column: Group) -> int | None:
    """Bytes from ``start`` (a record boundary) to the first boundary between records of different groups, read
    within ``WINDOW``; None when there is none there, or when the records there do not parse (a stray quote: no
    cut is made there, and the reader of the whole file names the problem)."""
    if column is None:
        return 0
    try:
        if isinstance(column, After):
            return _first_end(path, start, delimiter, column)
        return _first_change(path, start, delimiter, column)
    except csv.Error:
        return None


def _first_end(path: Path, start: int, delimiter: str, after: After) -> int | None:
    lengths: list[int] = []
    with path.open("rb") as handle:
        handle.seek(start)
        reader = csv.reader(_lines(handle, lengths), delimiter=delimiter)
        for cells in reader:
            within = cells[after.column].strip() if after.column < len(cells) else ""
            if within != after.within and any(cell.strip() for cell in cells):
                return sum(lengths[: reader.line_num])
    return None


def _first_change(path: Path, start: int, delimiter: str, column: int) -> int | None:
    lengths: list[int] = []
    with path.open("rb") as handle:
        handle.seek(start)
        reader = csv.reader(_lines(handle, lengths), delimiter=delimiter)
        previous, size, counted = None, 0, 0
        for cells in reader:
            group = cells[column].strip() if column < len(cells) else ""
            if group:  # a variant without a group (or a blank record) does not part a family: the check skips it
                if previous is not None and group != previous:
                    return size
                previous = group
            elif previous is None and counted:  # no family yet: any record boundary will do
                return size
            size += sum(lengths[counted : reader.line_num])
            counted = reader.line_num
    return None


def _lines(handle: BinaryIO, lengths: list[int]) -> Iterator[str]:
    """The whole lines within ``WINDOW`` bytes from the handle's position, decoded, one at a time (each line's
    length, its newline included, appended to ``lengths``)."""
    left = WINDOW
    while left > 0:
        line = handle.readline(left)
        if not line.endswith(b"\n"):
            return
        left -= len(line)
        lengths.append(len(line))
        yield line[:-1].decode("utf-8", "replace") + "\n"


def cut(
    path: Path,
    delimiter: str,
    parts: int,
    *,
    group_of: Callable[[list[str]], Group],
    encoding: str,
    first: float = 1.0,
) -> list[ByteRange]:
    """The file's records in up to ``parts`` shares of about equal size (fewer when no cut is found), each cut
    where the value of the column ``group_of`` finds in the header changes (anywhere without one); the first share
    ``first`` times the size of each other one. The file is read once up to the last cut: each share's records,
    lines and lone CRs are counted (``_Tally``) as the quotes before its cut's place are."""
    header = read_header(path, delimiter)
    if header is None:
        return []
    group = group_of(header.names)
    size = path.stat().st_size
    starts, tallies = [header.end], []
    whole = first + parts - 1
    with path.open("rb") as handle:
        if lone_crs(handle.read(header.end)):
            return []  # (the csv module counts a lone CR as a line, the cut does not: see ``_shares``)
        for part in range(1, parts):
            target = header.end + int((size - header.end) * (first + part - 1) / whole)
            if target <= starts[-1]:
                continue  # the cut before went past this one's place (a family longer than a share): no cut here
            found = _cut_near(handle, path, starts[-1], target, delimiter, group)
            if found is not None and starts[-1] < found[0] < size:
                starts.append(found[0])
                tallies.append(found[1])
    return _shares(path, header, starts, tallies, size, encoding)


def _cut_near(
    handle: BinaryIO, path: Path, previous: int, target: int, delimiter: str, group: Group
) -> tuple[int, _Tally] | None:
    """A record boundary at or after ``target`` between two groups, past ``previous`` (a record boundary), with the
    tally of the records from ``previous`` to it."""
    tally = _Tally()
    handle.seek(previous)
    if not tally.read(handle, target - previous, more=True):  # (the quotes before ``target`` counted with them)
        return None
    boundary = _next_boundary(handle, 1 if tally.inside else 0)
    if boundary is None:
        return None
    step = _group_change(path, target + boundary, delimiter, group)
    if step is None:
        return None
    end = target + boundary + step
    handle.seek(target)
    return (end, tally) if tally.read(handle, end - target, more=False) else None


def _next_boundary(handle: BinaryIO, quotes: int) -> int | None:
    """Bytes from the handle's position to the first record boundary within ``WINDOW`` (``quotes`` quotes were read
    since the last boundary before), read a chunk at a time; None when there is none there."""
    done = 0
    while done < WINDOW:
        data = handle.read(min(CHUNK if done else _FIRST, WINDOW - done))
        if not data:
            return None
        at = _boundary(data, 0, quotes=quotes)
        if at is not None:
            return done + at
        quotes, done = quotes + data.count(b'"'), done + len(data)
    return None


def _shares(
    path: Path, header: Header, starts: list[int], tallies: list[_Tally], size: int, encoding: str
) -> list[ByteRange]:
    """The shares between the cuts, each with its first row and the lines before it (the tallies of the shares
    before it); [] when a CR alone ends a line before the last cut (the csv module counts it as a line, the cut
    does not: the shares' rows would be numbered otherwise than the reader's)."""
    shares: list[ByteRange] = []
    row, lines, lone = header.row + 1, header.lines, 0
    ends = [*starts[1:], size]
    for start, end, tally in zip(starts, ends, [*tallies, None], strict=True):
        shares.append(ByteRange(path, start, end, row, lines, encoding))
        if tally is None:
            break
        records, counted, crs = tally.counted()
        row, lines, lone = row + records, lines + counted, lone + crs
    return [] if lone else shares


class _Tally:
    """The records, lines and lone CRs of a file's bytes from a record boundary, read in order a chunk at a time
    however long a value is (and cut anywhere: a CR at a chunk's end waits for the next byte). A quote still open at
    the end opens no value (as ``_records`` reads it): the newlines after it end records."""

    __slots__ = ("_carry", "inside", "lines", "lone", "pending", "records")

    def __init__(self) -> None:
        self.records = self.lines = self.lone = 0
        self.inside = False
        """Whether a quoted value is open (an odd count of quotes since the last record's end)."""
        self.pending = 0
        """The newlines in the value open since its quote."""
        self._carry = b""

    def read(self, handle: BinaryIO, left: int, *, more: bool) -> bool:
        """The next ``left`` bytes of ``handle`` told (``more``: others follow); False when the file ends before."""
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                return False
            left -= len(data)
            self._feed(data, more or left > 0)
        if not more and self._carry:
            self._feed(b"", False)
        return True

    def counted(self) -> tuple[int, int, int]:
        """The records, lines and lone CRs told."""
        return self.records + (self.pending if self.inside else 0), self.lines, self.lone

    def _feed(self, data: bytes, more: bool) -> None:
        data = self._carry + data
        data, self._carry = (data[:-1], b"\r") if more and data.endswith(b"\r") else (data, b"")
        self.lone += lone_crs(data)
        marks = data.translate(None, _NEITHER)  # its quotes and line feeds alone, in order: all the rest reads
        self.lines += marks.count(b"\n")
        start = 0
        if self.inside:  # the value ends after its next quote
            start = marks.find(b'"') + 1
            if not start:
                self.pending += len(marks)
                return
            self.inside, self.pending = False, 0
        end = len(marks)
        if marks.count(b'"', start) % 2:  # a value starts at the last quote
            end, self.inside = marks.rindex(b'"'), True
            self.pending = marks.count(b"\n", end)
        self.records += _records(marks[start:end])
