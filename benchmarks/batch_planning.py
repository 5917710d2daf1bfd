"""What a batch's frame operations cost per batch, and what one plan over many batches would save:
``python benchmarks/batch_planning.py DIR [N] [B]``.

DIR holds a catalog written by ``python benchmarks/generate.py N DIR`` (its Google and Meta channels). The first N
variants (default 36,000) are normalized and each channel's ``let`` columns made up to its first asks (the part of
a batch the columnar engine makes without Python), three ways: in eager frame operations batch after batch (B rows a
batch, default 360: as ``feedsync.columnar.gate`` makes a piece), as one lazy plan over the whole frame that Polars'
streaming engine takes B rows at a time (``POLARS_IDEAL_MORSEL_SIZE``: planned once), and as one plan over the whole
frame in memory. Each is run twice and the second run is timed; set ``POLARS_MAX_THREADS=1`` to see one core, as a
share of a row split has. The difference between the first two is the planning of each batch's frame operations;
what the second costs above the third is the work of each expression on each batch, however small.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from feedsync.columnar.channel import Items


def main(args: argparse.Namespace) -> None:
    import polars as pl

    from feedsync.channels.profile import compile_channels
    from feedsync.columnar.channel import items
    from feedsync.columnar.source import normalized
    from feedsync.config import load_config
    from feedsync.sources.base import field_for, normalize_context

    config = load_config(args.folder / "feedsync.yaml")
    channels = [c for c in compile_channels(config) if c.spec.encoder is None]  # Amazon's listings: other stages
    header = pl.read_csv(config.source.path, n_rows=0).columns
    targets = [field_for(name, config.source.columns) or f"__attribute{i}" for i, name in enumerate(header)]
    columns, exact = normalized(
        [t for t in targets if not t.startswith("__attribute")], normalize_context(config.source)
    )
    made = [items(channel, (config.source.currency or "").upper(), {}) for channel in channels]
    raw = pl.read_csv(config.source.path, n_rows=args.variants, infer_schema=False)
    raw = raw.rename(dict(zip(header, targets, strict=True)))
    batches = [raw.slice(start, args.batch) for start in range(0, raw.height, args.batch)]
    steps = [_lets_before_asks(m) for m in made]

    def eager() -> None:
        for batch in batches:
            frame = batch.select(exact=exact, **columns)
            for m, lets in zip(made, steps, strict=True):
                out = m.compiler._categories(frame) if m.compiler.categories else frame
                for step in lets:
                    out = out.with_columns(step)

    def planned(engine: str) -> None:
        frame = raw.lazy().select(exact=exact, **columns)
        outs = []
        for m, lets in zip(made, steps, strict=True):
            out = frame.with_columns(_categories(m, raw)) if m.compiler.categories else frame
            for step in lets:
                out = out.with_columns(step)
            outs.append(out)
        pl.collect_all(outs, engine=engine)  # type: ignore[arg-type]

    print(f"{raw.height} variants of {config.source.path}, {len(batches)} batches of {args.batch} rows")
    runs = (("eager, batch after batch", eager), ("one plan, streaming", lambda: planned("streaming")),
            ("one plan, in memory", lambda: planned("in-memory")))  # fmt: skip
    for name, run in runs:
        run()
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        print(f"{name:26} {time.perf_counter() - wall:6.2f} s wall {time.process_time() - cpu:6.2f} s CPU")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


def _lets_before_asks(made: Items) -> list[list[pl.Expr]]:
    """The compiler's steps of ``let`` columns before its first asks."""
    from feedsync.columnar.fields import _steps

    lets: list[list[pl.Expr]] = []
    for step, asks in _steps(made.compiler.lets, made.compiler.asks):
        if step:
            lets.append(step)
        if asks:
            break
    return lets


def _categories(made: Items, raw: pl.DataFrame) -> list[pl.Expr]:
    """The category map's columns (``Compiler._categories``) as expressions, its lookups made over the whole catalog."""
    import polars as pl

    compiler = made.compiler
    category_map = compiler.channel.category_map
    assert category_map is not None
    entries = {name: category_map.lookup(name) for name in raw["product_type"].drop_nulls().unique().to_list()}
    mapped = {name: entry is not None for name, entry in entries.items()}
    out = [pl.col("product_type").replace_strict(mapped, default=None, return_dtype=pl.Boolean).alias(compiler._mapped)]
    for key, column in compiler.categories.items():
        table = {name: entry.get(key) for name, entry in entries.items() if entry}
        out.append(pl.col("product_type").replace_strict(table, default=None, return_dtype=pl.String).alias(column))
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder holding a feedsync.yaml (benchmarks/generate.py)")
    parser.add_argument("variants", type=int, nargs="?", default=36_000)
    parser.add_argument("batch", type=int, nargs="?", default=360, help="rows a batch (and a morsel)")
    arguments = parser.parse_args()
    os.environ["POLARS_IDEAL_MORSEL_SIZE"] = str(arguments.batch)  # read as Polars is imported (in ``main``)
    main(arguments)
