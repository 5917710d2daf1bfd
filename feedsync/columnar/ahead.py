"""What a later share of a row split reads of the whole file before its rows (a native catalog's, its shares made
a column at a time): the id column and, where the shares' families are surveyed a family ahead, the group column, as
Polars reads them (about 0.16 s of a share's one Polars thread at 100,000 variants).

- The ids of the share's rows that the records before it hold too (``presumed``): the share leaves each such product
  out as a duplicate (MDL008), as one process would once the earlier record's product took the id
  (``Stream.presumed``), where it would otherwise make it and be made again after the shares, from their state (the
  benchmark's 100,000 variants with one id given again to a row of the second share: 12.7 s against 6.9 s). A guess:
  the row split checks that an earlier share's product took each id a share left a product out for, and that this
  product ignores no finding (``rows.share.crossing``: else the share is made again from the state before it).
- A family whose rows are in two shares (``lookahead.apart``: the run is made as though not split, ``rows.Unsplit``)
  is found here, before the shares make their rows, where it was found only once they were made (the benchmark's
  100,000 variants with one variant moved to the end, Amazon with its definition: the shares made first, 6.8 s).

The records before a share's first row are taken as those Polars reads before it: a file whose records Polars counts
otherwise (blank lines) guesses otherwise, which costs time (a share made again, a run not split), never what is
made."""

from __future__ import annotations

import polars as pl

from feedsync import lookahead
from feedsync.channels.base import Unsurveyed
from feedsync.sources.tabular import ByteRange


def read_ahead(shares: list[ByteRange], index: int, id_column: int, group_column: int | None) -> frozenset[str]:
    """The ids in column ``id_column`` (of a comma-separated UTF-8 file under its header) of both share ``index``'s
    records and those before it (none where Polars does not read the file). Raises ``Unsurveyed`` (the row split's
    ``lookahead.STOP`` set) where the rows of a group in column ``group_column`` (None: not asked) are in two shares
    and not one after another."""
    share = shares[index]
    first = shares[0].first_row  # (the rows before a share's, by the records Polars reads)
    start = share.first_row - first
    end = shares[index + 1].first_row - first if index + 1 < len(shares) else None
    columns = sorted({id_column, *([group_column] if group_column is not None else [])})
    try:
        frame = pl.read_csv(share.path, columns=columns, infer_schema=False, truncate_ragged_lines=True)
    except (pl.exceptions.PolarsError, OSError):
        return frozenset()
    named = dict(zip(columns, frame.columns, strict=True))
    if group_column is not None:
        _families_apart(frame, named[group_column], first)
    ids = frame[named[id_column]].str.strip_chars()
    own = ids.slice(start, None if end is None else end - start)
    own = own.filter(own.is_not_null() & (own != ""))
    return frozenset(own.filter(own.is_in(ids.head(start).implode())).to_list())


def _families_apart(frame: pl.DataFrame, group: str, first: int) -> None:
    """``lookahead.apart`` of the groups whose rows (numbered from ``first``) are not one after another."""
    rows = frame.select(pl.col(group).str.strip_chars().alias("group")).with_row_index("at")
    spans = (
        rows.filter(pl.col("group").is_not_null() & (pl.col("group") != ""))
        .group_by("group", maintain_order=True)
        .agg(first=pl.col("at").min(), last=pl.col("at").max(), count=pl.len())
        .filter(pl.col("last") - pl.col("first") + 1 > pl.col("count"))
    )
    try:
        lookahead.apart((name, start + first, end + first) for name, start, end, _ in spans.iter_rows())
    except Unsurveyed:
        if lookahead.STOP is not None:  # the other shares stop: the run is made as though not split
            lookahead.STOP.set()
        raise
