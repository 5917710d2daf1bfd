"""What a later share of a row split reads of the file before its rows (a native catalog's, its shares made a column
at a time): the id column and, where the shares' families are surveyed a family ahead, the group column of its records
and those before it, as Polars reads them, a piece at a time (about 0.2 s of a share's one Polars thread at 100,000
variants, 2.5 s at a million; the run's peak RSS as before).

- The ids of the share's rows that the records before it hold too (``read_ahead``): the share leaves each such
  product out as a duplicate (MDL008), as one process would once the earlier record's product took the id
  (``Stream.presumed``), where it would otherwise make it and be made again after the shares, from their state (the
  benchmark's 100,000 variants with one id given again to a row of the second share: 12.7 s against 6.9 s). A guess:
  the row split checks that an earlier share's product took each id a share left a product out for, and that this
  product ignores no finding (``rows.share.crossing``: else the share is made again from the state before it).
- A family whose rows are in two shares and not one after another (``Unsurveyed``: the run is made as though not
  split, ``rows.Unsplit``) is found here, before the shares make their rows, where it was found only once they were
  made (the benchmark's 100,000 variants with one variant moved to the end, Amazon with its definition: the shares
  made first, 6.8 s). Each later share looks for those in it and a share before it.

Each share's bytes are read apart, in pieces of whole records (``read.pieces``): a file Polars does not read as the
csv module does guesses otherwise, which costs time (a share made again, a run not
split), never what is made."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

import polars as pl

from feedsync import lookahead
from feedsync.channels.base import Unsurveyed
from feedsync.columnar.read import pieces
from feedsync.sources.tabular import ByteRange, range_bytes

PIECE = 8 << 20
"""Bytes of a share read at a time (more holds more memory, no less time: read at once, Polars' reader held about
100 MB more at the run's peak at 100,000 variants, 200 MB at a million)."""


def read_ahead(shares: list[ByteRange], index: int, id_column: int, group_column: int | None) -> frozenset[str]:
    """The ids in column ``id_column`` (of a comma-separated UTF-8 file) of both share ``index``'s records and those
    of the shares before it (none where Polars does not read them). Raises ``Unsurveyed`` (the row split's
    ``lookahead.STOP`` set) where the rows of a group in column ``group_column`` (None: not asked) are in that share
    and one before it, and not one after another. What it holds of the rows read: a hash of each earlier id and
    each group (8 bytes)."""
    columns = sorted({id_column, *([group_column] if group_column is not None else [])})
    names = ["id" if column == id_column else "group" for column in columns]
    before: list[pl.Series] = []
    earlier: pl.Series | None = None  # the earlier ids' hashes, as one list
    taken: list[str] = []
    groups: list[pl.Series] = []
    starts: list[int] = []  # the row (of those read here) each share's first is
    rows = 0
    try:
        for number, frame in _parts(shares, index + 1, columns):
            frame.columns = names  # (by names of its own: a header's may read as a pattern)
            starts += [rows] * (number + 1 - len(starts))
            rows += frame.height
            if group_column is not None:
                groups.append(frame.select(_hashed("group")).to_series())
            if number < index:
                before.append(frame.select(_hashed("id")).to_series())
                continue
            if earlier is None:
                earlier = (pl.concat(before) if before else pl.Series([], dtype=pl.UInt64)).implode()
                before.clear()
            ids = frame.select(pl.col("id").str.strip_chars(), hashed=_hashed("id"))
            taken += ids.filter(pl.col("hashed").is_in(earlier))["id"].to_list()
        if groups:
            _apart(shares, columns, names, pl.concat(groups), starts)
        return frozenset(taken)
    except Unsurveyed:
        raise
    except (Exception, pl.exceptions.PanicException):  # (a guess: none where Polars does not read the file)
        return frozenset()


def _parts(shares: list[ByteRange], count: int, columns: list[int]) -> Iterator[tuple[int, pl.DataFrame]]:
    """The cells of ``columns`` of the first ``count`` shares' records (all text), in frames, each with its share's
    number: each share's bytes a piece of whole records at a time (``read.pieces``; a piece that Polars cannot read
    is left out)."""
    for number, share in enumerate(shares[:count]):
        with share.path.open("rb") as handle:
            for data in pieces(range_bytes(handle, share), PIECE):
                try:
                    frame = pl.read_csv(
                        data, has_header=False, columns=columns, infer_schema=False, truncate_ragged_lines=True
                    )
                except (Exception, pl.exceptions.PanicException):
                    continue
                yield number, frame


def _hashed(name: str) -> pl.Expr:
    """A hash of each value of column ``name``, stripped; null where it is empty."""
    value = pl.col(name).str.strip_chars()
    return pl.when(value != "").then(value.hash())


def _apart(shares: list[ByteRange], columns: list[int], names: list[str], groups: pl.Series, starts: list[int]) -> None:
    """Raise ``Unsurveyed`` (``lookahead.STOP`` set) where a group's rows (``groups``: the hash of each row's, the
    shares' from their rows in ``starts``) are in two shares and not one after another."""
    spans = (
        pl.DataFrame({"group": groups})
        .with_row_index("at")
        .filter(pl.col("group").is_not_null())
        .group_by("group", maintain_order=True)
        .agg(first=pl.col("at").min(), last=pl.col("at").max(), count=pl.len())
        .filter(pl.col("last") - pl.col("first") + 1 > pl.col("count"))
    )
    for hashed, start, end, _ in spans.iter_rows():  # (few: a family's rows are one after another as a rule)
        if bisect_right(starts, start) != bisect_right(starts, end):
            if lookahead.STOP is not None:  # the other shares stop: the run is made as though not split
                lookahead.STOP.set()
            first = shares[0].first_row
            name = next(
                (group for group, found in _groups(shares, len(starts), columns, names) if found == hashed), None
            )
            raise Unsurveyed(f"family {name!r} is in two shares (rows {start + first} and {end + first})")


def _groups(shares: list[ByteRange], count: int, columns: list[int], names: list[str]) -> Iterator[tuple[str, int]]:
    """Each row's group and its hash, of the first ``count`` shares, read again (for the message of a family in two
    shares)."""
    for _, frame in _parts(shares, count, columns):
        frame.columns = names
        yield from frame.select(pl.col("group").str.strip_chars(), _hashed("group").alias("hashed")).iter_rows()
