"""The columnar engine: a catalog's rows worked a column at a time (Polars expressions over batches of rows), each
step exact where its guard holds, the per-row engine taking the rest.

Why: the per-row engine spends 230-260 µs of CPU per variant on the benchmark's three channels, spread over the
interpreter's calls with no step above a few percent; ``benchmarks/columnar.py``, the same config written by hand
as a Polars plan, writes byte-identical feeds at 45-60 µs (README, Performance). The compiled core's targets need
about 110 µs.

How it is built (each stage lands with property tests that hold it to the per-row engine):

1. **Texts** (:mod:`.text`): the filters and escapes the profiles and writers use (strip tags, collapse, plaintext,
   truncate, XML content, JSON strings), each as an expression and, where the expression is not exact for every
   text, an ``exact`` column saying where it is (an entity it does not know, say). Where it is not, the row goes to
   the per-row engine.
2. **Sources**: a native CSV read in batches that never split a family, each cell normalized as the row reader
   does (prices, dates, links, quantities, weights), with the same guard: a cell the expression cannot vouch for
   sends its row to the row reader, which makes its findings.
3. **Channels**: a profile's fields compiled from the templates' syntax trees into expressions (the code generator's
   shapes; a template it cannot translate keeps its channel per row), the channel's quick pass as a boolean
   column (a row it doubts goes to the full check per row), and the writer's bytes.
4. **The stream**: batches in order, the per-row engine's rows put back in their places, the families a step doubts
   handed over whole (a parent's facts and AMZ015 are a family's), the findings in the order the per-row engine
   gives them, the row cache and the sync's records per item as now.

The per-row engine stays the reference: ``explain`` runs it, and a property test over generated catalogs holds the
two byte-identical, findings included. Polars is imported here only (``tests/test_fences.py``).
"""
