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

import sys
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from feedsync.channels.profile import compile_channels
from feedsync.columnar.channel import items
from feedsync.config import load_config
from feedsync.formats import open_writer
from feedsync.sources.base import normalize_context

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stages import Stages, arguments, normalized_batches


def main() -> None:
    parser = arguments(__doc__, 16)
    parser.add_argument("--out", type=Path, default=None, help="where to write the feeds (default: DIR/compiled)")
    parser.add_argument("--check", type=Path, default=None, help="feedsync's feeds of the same catalog to compare")
    args = parser.parse_args()
    out = args.out or args.dir / "compiled"
    out.mkdir(parents=True, exist_ok=True)
    config = load_config(args.dir / "feedsync.yaml")
    context = normalize_context(config.source)
    channels = [c for c in compile_channels(config) if c.format.writer in ("rss", "delimited")]

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
        stages = Stages("read", "normalize", "channels", "write")
        for frame in normalized_batches(config.source.path, context, args.chunk, stages):
            n += frame.height
            made = {}
            for channel in channels:
                made_of = compiled[channel.name]
                frame = made_of.compiler.run(frame)
                made[f"{channel.name}:line"] = made_of.line
                made[f"{channel.name}:ok"] = made_of.exact & made_of.cleared
            lines = frame.lazy().select(**made).collect()
            stages.tick("channels")
            for channel in channels:
                kept = lines.filter(pl.col(f"{channel.name}:ok"))[f"{channel.name}:line"]
                left[channel.name] += lines.height - kept.len()
                for data in kept.to_list():
                    writers[channel.name].write_rendered(data.encode("utf-8"))
            stages.tick("write")
    stages.report(n)
    print(f"{n:,} variants; left to the per-row engine: {left}")
    if args.check is not None:
        bad = [
            c.filename for c in channels if (out / c.filename).read_bytes() != (args.check / c.filename).read_bytes()
        ]
        print("same bytes as feedsync" if not bad else f"differs from feedsync: {', '.join(bad)}")
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
