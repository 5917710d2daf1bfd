"""A batch's fixed cost, and what one plan over many batches would save: ``python benchmarks/batch_planning.py DIR
[N] [B]``.

DIR holds a catalog written by ``python benchmarks/generate.py N DIR``. The first N variants (default 36,000) of its
Google and Meta channels are made a column at a time as ``feedsync.columnar.gate`` makes a piece's items (the
normalized columns, the columns the channels share, each channel's category map, ``let`` steps and asks, then its
item's bytes, whether it is whole, its refused GTIN), three ways:

- eagerly, batch after batch of B rows (default 360), a frame operation per step (as the gate does now);
- as one lazy plan over all N rows, which Polars' streaming engine runs B rows at a time
  (``POLARS_IDEAL_MORSEL_SIZE``), the asks and the category map's lookups batch functions of their columns;
- as that plan over the whole frame in memory.

Each runs twice and the second run is timed (``POLARS_MAX_THREADS=1``: one core, as a share of a row split has). It
then checks that the three made the same columns, value for value, and exits 1 where they do not. The first two
differ by the planning of each batch's frame operations; the second costs more than the third by the work of each
expression on each morsel however small. Amazon's listings are left out: a family's parent is asked of its family's
first row (``Compiler.ask_first``), which a morsel may not hold whole.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from feedsync.columnar.channel import Items


def main(args: argparse.Namespace) -> int:
    import polars as pl

    from feedsync.channels.profile import compile_channels
    from feedsync.columnar.channel import items
    from feedsync.columnar.fields import shared_lets
    from feedsync.columnar.source import normalized
    from feedsync.config import load_config
    from feedsync.sources.base import field_for, normalize_context

    config = load_config(args.folder / "feedsync.yaml")
    channels = [c for c in compile_channels(config) if c.spec.encoder is None]
    header = pl.read_csv(config.source.path, n_rows=0).columns
    targets = [field_for(name, config.source.columns) or f"__attribute{i}" for i, name in enumerate(header)]
    mapped = [t for t in targets if not t.startswith("__attribute")]
    columns, exact = normalized(mapped, normalize_context(config.source))
    made = [items(channel, (config.source.currency or "").upper(), {}) for channel in channels]
    shared = shared_lets([m.compiler for m in made])
    outs = [_out(index, m) for index, m in enumerate(made)]
    raw = pl.read_csv(config.source.path, n_rows=args.variants, infer_schema=False)
    raw = raw.rename(dict(zip(header, targets, strict=True)))
    batches = [raw.slice(start, args.batch) for start in range(0, raw.height, args.batch)]

    def eager() -> pl.DataFrame:
        parts = []
        for batch in batches:
            frame = batch.select(exact=exact, **columns)
            for step in shared:
                frame = frame.with_columns(step)
            picked = [m.compiler.run(frame).select(out) for m, out in zip(made, outs, strict=True)]
            parts.append(pl.concat(picked, how="horizontal"))
        return pl.concat(parts)

    def planned(engine: str) -> pl.DataFrame:
        frame = raw.lazy().select(exact=exact, **columns)
        for step in shared:
            frame = frame.with_columns(step)
        for m in made:
            frame = _run(m, frame)
        return frame.select([e for out in outs for e in out]).collect(engine=engine)  # type: ignore[arg-type]

    print(f"{raw.height} variants of {config.source.path}, {len(batches)} batches of {args.batch} rows")
    runs: list[tuple[str, Callable[[], pl.DataFrame]]] = [
        ("eager, batch after batch", eager),
        ("one plan, streaming", lambda: planned("streaming")),
        ("one plan, in memory", lambda: planned("in-memory")),
    ]
    made_frames = []
    for name, run in runs:
        run()
        wall, cpu = time.perf_counter(), time.process_time()
        made_frames.append(run())
        print(f"{name:26} {time.perf_counter() - wall:6.2f} s wall {time.process_time() - cpu:6.2f} s CPU")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    different = [
        f"{name}: {column}"
        for (name, _), frame in zip(runs[1:], made_frames[1:], strict=True)
        for column in made_frames[0].columns
        if not frame[column].equals(made_frames[0][column], check_names=True)
    ]
    print("the same columns, value for value" if not different else f"DIFFERENT: {', '.join(different)}")
    return 1 if different else 0


def _out(index: int, made: Items) -> list[pl.Expr]:
    """The columns the gate picks of a channel's items (its bytes, whether whole, its refused GTIN)."""
    return [
        made.line.alias(f"line{index}"),
        (made.exact & made.cleared).alias(f"whole{index}"),
        made.refused.alias(f"refused{index}"),
    ]


def _run(made: Items, frame: pl.LazyFrame) -> pl.LazyFrame:
    """``Compiler.run`` as steps of a lazy plan: the category map and the asks batch functions of their columns."""
    import polars as pl

    from feedsync.columnar.fields import _asked, _steps

    compiler = made.compiler
    if compiler.categories:
        category_map = compiler.channel.category_map
        assert category_map is not None
        lookups = [(compiler._mapped, pl.Boolean(), lambda entry: entry is not None)]
        for key, column in compiler.categories.items():
            lookups.append((column, pl.String(), lambda entry, key=key: entry.get(key) if entry else None))
        frame = frame.with_columns(
            pl.col("product_type")
            .map_batches(
                _mapping(lambda value, answer=answer: answer(category_map.lookup(value)), dtype),
                return_dtype=dtype,
                is_elementwise=True,
            )
            .alias(name)
            for name, dtype, answer in lookups
        )
    for lets, asks in _steps(compiler.lets, compiler.asks):
        if lets:
            frame = frame.with_columns(lets)
        if asks:
            assert all(ask.group is None for ask in asks), "a family's parent is not asked here"
            frame = frame.with_columns(
                ask.expr.map_batches(
                    _mapping(lambda value, ask=ask: None, ask.dtype, lambda values, ask=ask: _asked(ask, values)),
                    return_dtype=ask.dtype,
                    is_elementwise=True,
                ).alias(ask.name)
                for ask in asks
            )
    return frame


def _mapping(
    answer: Callable[[Any], Any], dtype: pl.DataType, table: Callable[[list[Any]], dict[Any, Any]] | None = None
) -> Callable[[pl.Series], pl.Series]:
    """A batch function: each distinct value of a column answered (``table``: all of them at once)."""

    def apply(values: pl.Series) -> pl.Series:
        distinct = values.drop_nulls().unique().to_list()
        answers = table(distinct) if table is not None else {value: answer(value) for value in distinct}
        return values.replace_strict(answers, default=None, return_dtype=dtype)

    return apply


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder holding a feedsync.yaml (benchmarks/generate.py)")
    parser.add_argument("variants", type=int, nargs="?", default=36_000)
    parser.add_argument("batch", type=int, nargs="?", default=360, help="rows a batch (and a morsel)")
    arguments = parser.parse_args()
    os.environ["POLARS_IDEAL_MORSEL_SIZE"] = str(arguments.batch)  # read as Polars is imported (in ``main``)
    sys.exit(main(arguments))
