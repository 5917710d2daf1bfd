"""Where to cut a delimited file into shares for a row split (``feedsync.rows``): at a record boundary (RFC 4180: a
newline ends a record when the count of ``"`` before it is even) between two products of different groups, with
each share's first row number. ``bytes.count`` and one regular expression do the scanning at C speed.

A cut found here is a guess the workers check: a share whose records do not end at its end (a quote the csv module
reads otherwise, in a malformed file) or whose row count disagrees makes the run fall back to one process."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from feedsync.sources.base import field_for
from feedsync.sources.tabular import ByteRange

CHUNK = 1 << 24
WINDOW = 1 << 22
"""How far past a record boundary a cut looks for a change of group."""
_QUOTED = re.compile(rb'"[^"]*"')


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
        head = handle.read(WINDOW)
    offset, row = 0, 1
    while True:
        end = head.find(b"\n", offset)
        if end < 0:
            return None
        if head[offset:end].decode("utf-8", "replace").replace("\ufeff", "").strip():
            break
        offset, row = end + 1, row + 1
    length = _boundary(head[offset:], 0)
    if length is None:
        return None
    text = head[offset : offset + length].decode("utf-8", "replace").lstrip(" \t\ufeff")
    names = [name.strip() for name in next(csv.reader([text], delimiter=delimiter), [])]
    return Header(offset + length, row, head.count(b"\n", 0, offset + length), names)


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


def _group_change(path: Path, start: int, delimiter: str, column: int | None) -> int | None:
    """Bytes from ``start`` (a record boundary) to the first boundary between records of different groups, read
    within ``WINDOW``; None when there is none there."""
    if column is None:
        return 0
    with path.open("rb") as handle:
        handle.seek(start)
        lines = handle.read(WINDOW).split(b"\n")[:-1]
    reader = csv.reader((line.decode("utf-8", "replace") + "\n" for line in lines), delimiter=delimiter)
    previous, size, counted = None, 0, 0
    for cells in reader:
        group = cells[column].strip() if column < len(cells) else ""
        if group:  # a variant without a group (or a blank record) does not part a family: the variant check skips it
            if previous is not None and group != previous:
                return size
            previous = group
        elif previous is None and counted:  # no family yet: any record boundary will do
            return size
        size += sum(len(line) + 1 for line in lines[counted : reader.line_num])
        counted = reader.line_num
    return None


def cut(path: Path, delimiter: str, parts: int, *, columns: dict[str, str], encoding: str) -> list[ByteRange]:
    """The file's records in up to ``parts`` shares of about equal size (fewer when no cut is found)."""
    header = read_header(path, delimiter)
    if header is None:
        return []
    group = next((i for i, name in enumerate(header.names) if field_for(name, columns) == "group_id"), None)
    size = path.stat().st_size
    starts = [header.end]
    for part in range(1, parts):
        target = header.end + (size - header.end) * part // parts
        found = _cut_near(path, starts[-1], target, delimiter, group)
        if found is not None and found < size:
            starts.append(found)
    return _shares(path, header, starts, size, encoding)


def _cut_near(path: Path, previous: int, target: int, delimiter: str, group: int | None) -> int | None:
    """A record boundary at or after ``target`` between two groups, past ``previous`` (a record boundary)."""
    quotes, left = 0, target - previous
    with path.open("rb") as handle:  # the quotes before ``target`` counted a chunk at a time: memory stays flat
        handle.seek(previous)
        while left > 0 and (chunk := handle.read(min(CHUNK, left))):
            quotes += chunk.count(b'"')
            left -= len(chunk)
        window = handle.read(WINDOW)
    boundary = _boundary(window, 0, quotes=quotes)
    if boundary is None:
        return None
    step = _group_change(path, target + boundary, delimiter, group)
    return None if step is None else target + boundary + step


def _shares(path: Path, header: Header, starts: list[int], size: int, encoding: str) -> list[ByteRange]:
    """The shares between the cuts, each with its first row and the lines before it (one pass over the file up to
    the last cut); [] when a CR alone ends a line there (the csv module counts it as a line, the cut does not)."""
    shares: list[ByteRange] = []
    row, lines, lone = header.row + 1, header.lines, 0
    ends = [*starts[1:], size]
    with path.open("rb") as handle:
        handle.seek(header.end)
        for start, end in zip(starts, ends, strict=True):
            shares.append(ByteRange(path, start, end, row, lines, encoding))
            if end == size:
                break
            left = end - start
            while left > 0:
                data = handle.read(min(CHUNK, left))
                while (data.count(b'"') % 2 or data.endswith(b"\r")) and len(data) < left:
                    data += handle.read(min(CHUNK, left - len(data)))  # a chunk ends outside a value, not in a CRLF
                left -= len(data)
                row += _records(data)
                lines += data.count(b"\n")
                lone += data.count(b"\r") - data.count(b"\r\n")
    return [] if lone else shares
