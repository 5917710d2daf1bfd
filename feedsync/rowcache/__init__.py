"""The row cache of a push: what each channel made of each source row last time (its feed text, findings,
counts and content hash), keyed by the row's raw line (a record of one line: replayed before the csv reader reads
it) or by its cells (a record over several lines), so a push computes only the rows that changed.

``open_row_cache`` decides whether a push can use one (a native CSV/TSV source, channels without an encoder);
the cache is a ``RowHook`` of the stream and a ``RowGate`` of the source; ``RowCache.save`` writes it after the
stream. What spans rows is never taken from the cache on trust: duplicate ids, SKUs and variants, and once-per-run
findings are checked against this run's earlier rows, and a row whose cached result they would change is computed
again, as is a row whose item the destination does not hold as cached."""

from feedsync.rowcache.cache import RowCache, open_row_cache

__all__ = ["RowCache", "open_row_cache"]
