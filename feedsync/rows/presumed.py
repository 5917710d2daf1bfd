"""The ids a later share of a row split made per row reads that the records before it hold too, read before its
rows from the file's bytes: each line's cell in the id column, split at the delimiter, a quoted one unquoted where
no quote is within it (a line of a record over several lines, a cell with the delimiter within quotes, reads
otherwise: none, or one that is no id). The share leaves each such product out
as a duplicate (MDL008), as one process would once the earlier record's product took the id (``Stream.presumed``),
where it would otherwise make it and be made again after the shares. A guess, as
``columnar.ahead``'s of a share made a column at a time: the row split checks that an earlier share's product took
each id a share left a product out for, and that this product ignores no finding (``rows.share.crossing``: else
the share is made again from the state before it). About 0.5-1.5 µs a line of the file; the share's own ids are held
while the lines before it are read (about 77 MB at a million lines, a share the columnar engine does not make)."""

from __future__ import annotations

from collections.abc import Iterator

from feedsync.sources.tabular import ByteRange

_QUOTE = ord('"')


def presumed(shares: list[ByteRange], index: int, column: int, delimiter: str) -> frozenset[str]:
    """The ids in column ``column`` of both share ``index``'s lines and the lines before them (from the first
    share's), ``delimiter`` between the cells; none where the file cannot be read."""
    share = shares[index]
    separator = delimiter.encode()

    def cells(start: int, end: int) -> Iterator[bytes]:
        with share.path.open("rb") as handle:
            handle.seek(start)
            left = end - start
            for line in handle:
                if left <= 0:
                    break
                left -= len(line)
                parts = line.split(separator, column + 1)
                if len(parts) > column and (cell := parts[column].strip()):
                    if cell[0] == _QUOTE:  # (a cell the csv module unquotes, where no quote is within it)
                        cell = cell[1:-1].strip() if len(cell) > 1 and cell[-1] == _QUOTE else b""
                        if not cell or _QUOTE in cell:
                            continue
                    yield cell

    try:
        own = set(cells(share.start, share.end))
        taken = {cell for cell in cells(shares[0].start, share.start) if cell in own}
    except OSError:
        return frozenset()
    return frozenset(cell.decode("utf-8", "replace") for cell in taken)
