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
   dates, links, quantities, weights, enums), with the guard of the rows whose cells take the forms it vouches for.
3. **Channels** (:mod:`.fields`, :mod:`.screens`, :mod:`.writers`): a profile's fields compiled from the templates'
   plans (``channels.templating.plan``: the Jinja fence gives a neutral tree), the category map looked up per
   distinct product type, the channel's quick pass as a boolean column, the writer's bytes per row.
   ``benchmarks/columnar_compiled.py`` writes the benchmark's Google and Meta feeds so, byte-identical to feedsync's.
4. **The stream** (next): batches in order, and within a batch the rows in order, as the per-row stream takes
   them. A row every channel's items are exact and cleared for is first *asked* of the run's state without changing
   it (its id not seen, ``IdSet.__contains__``; no earlier variant alike, ``VariantTracker.holds``, the product's
   and each channel's group); if anything would be told of it, or a guard refused it, the row reader makes its
   product from the row's cells and the per-row stream takes it (``_admit``, ``_fan_out``: its findings, in their
   order). Else the state takes the row as the per-row stream would (ids, groups, variants, counts) and each
   writer its bytes (``write_rendered``); the row cache and the sync's observers are told of its item. A family a
   step doubts goes whole (a parent's facts and AMZ015 are a family's); Amazon's messages and definition checks
   come a column at a time after Google's and Meta's.

The stream comes columnar-first, not as a shortcut inside the per-row stream: used there (the per-row reader, the
admission, the items, their findings and observers kept; only the fields, quick passes and bytes of Google and Meta
taken from the columns) it would trade the 36 µs per variant those take per row (``benchmarks/channel_steps.py``)
for the 41 µs of CPU the columnar stages take for them: the per-row costs it leaves are most of the time.

The per-row engine stays the reference: ``explain`` runs it, and a property test over generated catalogs is to hold
the two byte-identical, findings included. Polars is imported here only (``tests/test_fences.py``).
"""
