"""The columnar engine: a catalog's rows worked a column at a time (Polars expressions over batches of rows), each
step exact where its guard holds, the per-row engine taking the rest.

Why: the per-row engine spends 230-260 µs of CPU per variant on the benchmark's three channels, spread over the
interpreter's calls with no step above a few percent; ``benchmarks/columnar.py``, the same config written by hand
as a Polars plan, writes byte-identical feeds at 55-61 µs (README, Performance). The compiled core's targets need
about 110 µs.

The stages, each held to the per-row engine by property tests (tests/columnar/):

1. **Texts** (:mod:`.text`): the filters and escapes the profiles and writers use (strip tags, collapse, plaintext,
   truncate, name_variant, bullets, XML content, JSON strings), each as an expression and, where the expression is
   not exact for every text, the column of where it is (an entity it does not know, say).
2. **Sources** (:mod:`.source`): a native catalog's cells normalized as the row reader normalizes them (prices,
   dates, links, quantities, weights, enums), with the guard of the rows whose cells take the forms it vouches for;
   a Shopify export's variants made into such cells first (:mod:`.shopify`: a product's rows gathered).
3. **Channels** (:mod:`.fields`, :mod:`.screens`, :mod:`.writers`): a profile's fields compiled from the templates'
   plans (``channels.templating.plan``: the Jinja fence gives a neutral tree), the category map looked up per
   distinct product type, the channel's quick pass as a boolean column, the writer's bytes per row.
   ``benchmarks/columnar_compiled.py`` writes the benchmark's Google and Meta feeds so, byte-identical to feedsync's.
4. **The stream** (:mod:`.gate`): a build or validate (in one process, or in each share of a row split) reads the
   catalog as the per-row engine does, and the gate, told each line, takes every row the columnar stages made whole
   and that the run's state (its ids, groups, variants, each channel's own) leaves as made, writing its bytes and
   counting it; the rest is made per row, in order. Amazon's messages, definition checks and family parents are made
   a column at a time too (:mod:`.amazon`, :mod:`.schema`, :mod:`.listings`).

The per-row reader still reads the file's lines and hands the gate the rows it does not take: a replayed row costs
the main thread a few microseconds (a line compared, the state asked and told, its bytes kept), while its columns
are made on other threads.

The per-row engine stays the reference: ``explain`` runs it, and a property test over generated catalogs is to hold
the two byte-identical, findings included. Polars is imported here only (``tests/test_fences.py``).
"""

import os
import sys

ALLOCATOR = "dirty_decay_ms:30000,muzzy_decay_ms:30000"
"""How long Polars' allocator (its own jemalloc, configured by ``_RJEM_MALLOC_CONF``) keeps the pages a batch's
columns freed before it hands them back to the system, a little at a time: 30 s. Polars itself asks for half a
second and one (``dirty_decay_ms:500,muzzy_decay_ms:1000``, put before these: jemalloc takes an option's last value),
so that its memory goes back quickly; but the batches of a run take about the same memory one after another, and
each page handed back is written anew by the next batch, a page fault each. On 2 cores, 100,000 variants: a third
fewer page faults (258,000 against 385,000), about 0.4 s less system time of 1.7 s, the same peak memory."""


def _allocator() -> None:
    """``ALLOCATOR`` for the Polars this process imports, unless the user configured its allocator (read once, when
    Polars is first imported: this package is imported before any of its modules imports Polars)."""
    if "polars" not in sys.modules:
        os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR)


_allocator()

INHERITED = False
"""Whether this process was forked from one that had imported Polars: the threads Polars started there are not this
one's (a query would wait on them for ever), so it makes its rows per row. A process forked before Polars was
imported (a row split's share, a channel split's worker) imports and starts it anew."""


def _forked() -> None:
    global INHERITED
    INHERITED = INHERITED or "polars" in sys.modules


os.register_at_fork(after_in_child=_forked)
