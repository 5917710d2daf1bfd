"""The columnar engine's compiled stages on a whole catalog.

``python benchmarks/columnar_compiled.py DIR [--check FEEDS]``:

DIR holds a catalog written by ``python benchmarks/generate.py N DIR``. Unlike ``benchmarks/columnar.py`` (a plan
written by hand), this compiles the config's RSS and delimited channels with ``feedsync.columnar`` (the native
catalog normalized, each channel's fields from its profile's templates, its quick pass, its writer's lines) and
writes their feeds with feedsync's own writers, batch by batch (``--chunk`` MB of the file: flat memory): each row
that every stage is exact for and the quick pass clears is written; the others (rows the per-row engine would take)
are counted. It prints the time and CPU time of each stage. With ``--check FEEDS`` (where ``feedsync build
--validate`` wrote the same catalog's feeds) it compares the bytes: on the benchmark's catalog the rows left out are
exactly the rows the per-row build rejects (bad GTINs), so the feeds are the same. Amazon's JSON is not compiled yet.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from feedsync.channels.profile import compile_channels
from feedsync.columnar.channel import items
from feedsync.columnar.read import batches
from feedsync.columnar.source import normalized
from feedsync.config import load_config
from feedsync.formats import open_writer
from feedsync.sources.base import normalize_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="where to write the feeds (default: DIR/compiled)")
    parser.add_argument("--check", type=Path, default=None, help="feedsync's feeds of the same catalog to compare")
    parser.add_argument("--chunk", type=int, default=16, help="MB of the file a batch holds (default 16)")
    args = parser.parse_args()
    out = args.out or args.dir / "compiled"
    out.mkdir(parents=True, exist_ok=True)
    config = load_config(args.dir / "feedsync.yaml")
    context = normalize_context(config.source)
    channels = [c for c in compile_channels(config) if c.format.writer in ("rss", "delimited")]

    seconds = dict.fromkeys(("read", "normalize", "channels", "write"), 0.0)
    used = dict.fromkeys(seconds, 0.0)

    def tick(stage: str, since: tuple[float, float]) -> tuple[float, float]:
        now = time.perf_counter(), time.process_time()
        seconds[stage] += now[0] - since[0]
        used[stage] += now[1] - since[1]
        return now

    compiled = {channel.name: items(channel, context.currency or "") for channel in channels}  # once a run
    n = 0
    left = dict.fromkeys((c.name for c in channels), 0)
    with ExitStack() as stack:
        writers = {}
        for channel in channels:
            options = {**channel.format.options, **channel.settings}
            handle = stack.enter_context((out / channel.filename).open("wb"))
            writers[channel.name] = stack.enter_context(
                open_writer(channel.format.writer, handle, columns=channel.columns, meta=channel.feed, options=options)
            )
        since = time.perf_counter(), time.process_time()
        for _, raw in batches(config.source.path, args.chunk << 20):
            since = tick("read", since)
            n += raw.height
            columns, exact = normalized(raw.columns, context)
            frame = raw.lazy().select(exact=exact, **columns).collect()
            since = tick("normalize", since)
            made = {}
            for channel in channels:
                made_of = compiled[channel.name]
                frame = made_of.compiler.run(frame)
                made[f"{channel.name}:line"] = made_of.line
                made[f"{channel.name}:ok"] = made_of.exact & made_of.cleared
            lines = frame.lazy().select(**made).collect()
            since = tick("channels", since)
            for channel in channels:
                kept = lines.filter(pl.col(f"{channel.name}:ok"))[f"{channel.name}:line"]
                left[channel.name] += lines.height - kept.len()
                for data in kept.to_list():
                    writers[channel.name].write_rendered(data.encode("utf-8"))
            since = tick("write", since)
    for stage, wall in seconds.items():
        print(f"{stage}: {wall:.2f} s, {used[stage]:.2f} s CPU ({1e6 * used[stage] / n:.1f} µs a variant)")
    print(f"{n:,} variants; left to the per-row engine: {left}")
    if args.check is not None:
        bad = [
            c.filename for c in channels if (out / c.filename).read_bytes() != (args.check / c.filename).read_bytes()
        ]
        print("same bytes as feedsync" if not bad else f"differs from feedsync: {', '.join(bad)}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
