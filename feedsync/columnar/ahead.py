"""What a later share of a row split reads of the file before its rows (a native catalog's, its shares made a column
at a time): the id column and, where the shares' families are surveyed a family ahead, the group column of its records
and those before it, as Polars reads them (0.16 s of a share's one Polars thread at 100,000 variants, about 1 s at a
million, when its peak RSS grew by 76 MB).

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

The records before a share's first row are taken as those Polars reads before it: a file whose records Polars counts
otherwise (blank lines, a quote the csv module reads otherwise) guesses otherwise, which costs time (a share made
again, a run not split), never what is made; a file Polars cannot read leaves the guess empty. (Read a piece at a
time instead, the memory stays flat but the read takes half as long again: 100,000 variants 0.25 s more a run.)"""

from __future__ import annotations

from bisect import bisect_right

import polars as pl

from feedsync import lookahead
from feedsync.channels.base import Unsurveyed
from feedsync.sources.tabular import ByteRange


def read_ahead(shares: list[ByteRange], index: int, id_column: int, group_column: int | None) -> frozenset[str]:
    """The ids in column ``id_column`` (of a comma-separated UTF-8 file under its header) of both share ``index``'s
    records and those before it (none where Polars does not read the file). Raises ``Unsurveyed`` (the row split's
    ``lookahead.STOP`` set) where the rows of a group in column ``group_column`` (None: not asked) are in two shares
    and not one after another."""
    first = shares[0].first_row  # (the rows before a share's, by the records Polars reads)
    starts = [share.first_row - first for share in shares]
    start = starts[index]
    end = starts[index + 1] if index + 1 < len(shares) else None
    columns = sorted({id_column, *([group_column] if group_column is not None else [])})
    try:
        frame = pl.read_csv(shares[0].path, columns=columns, infer_schema=False, truncate_ragged_lines=True, n_rows=end)
        frame.columns = ["id" if column == id_column else "group" for column in columns]  # (a header's name may
        if group_column is not None:  # read as a pattern: the columns by names of their own)
            _apart(frame.get_column("group"), starts, first)
        ids = frame.get_column("id").str.strip_chars()
        own = ids.slice(start)
        own = own.filter(own.is_not_null() & (own != ""))
        return frozenset(own.filter(own.is_in(ids.head(start).implode())).to_list())
    except Unsurveyed:
        raise
    except (Exception, pl.exceptions.PanicException):  # (a guess: none where Polars does not read the file)
        return frozenset()


def _apart(groups: pl.Series, starts: list[int], first: int) -> None:
    """Raise ``Unsurveyed`` (``lookahead.STOP`` set) where a group's rows (``groups``, each share's from its row in
    ``starts``) are in two shares and not one after another; ``first``: the first row's number, for the message."""
    rows = pl.DataFrame({"group": groups.str.strip_chars()}).with_row_index("at")
    spans = (
        rows.filter(pl.col("group").is_not_null() & (pl.col("group") != ""))
        .group_by("group", maintain_order=True)
        .agg(first=pl.col("at").min(), last=pl.col("at").max(), count=pl.len())
        .filter(pl.col("last") - pl.col("first") + 1 > pl.col("count"))
    )
    for name, start, end, _ in spans.iter_rows():  # (few: a family's rows are one after another as a rule)
        if bisect_right(starts, start) != bisect_right(starts, end):
            if lookahead.STOP is not None:  # the other shares stop: the run is made as though not split
                lookahead.STOP.set()
            raise Unsurveyed(f"family {name!r} is in two shares (rows {start + first} and {end + first})")
