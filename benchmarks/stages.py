"""The wall and CPU time of a benchmark's stages, run after run (``benchmarks/columnar_*.py``)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from feedsync.columnar.read import batches
from feedsync.columnar.source import normalized


def arguments(doc: str, chunk: int) -> argparse.ArgumentParser:
    """A columnar benchmark's command line: the catalog's folder (``generate.py N DIR``) and the batches' size."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--chunk", type=int, default=chunk, help=f"MB of the file a batch holds (default {chunk})")
    return parser


class Stages:
    """Time taken by named stages: ``tick(stage)`` adds the time since the last tick to ``stage``."""

    def __init__(self, *names: str) -> None:
        self.seconds = dict.fromkeys(names, 0.0)
        self.used = dict.fromkeys(names, 0.0)
        self._since = time.perf_counter(), time.process_time()

    def tick(self, stage: str) -> None:
        now = time.perf_counter(), time.process_time()
        self.seconds[stage] += now[0] - self._since[0]
        self.used[stage] += now[1] - self._since[1]
        self._since = now

    def report(self, variants: int) -> None:
        """A line per stage: wall time, CPU time, CPU time a variant."""
        for stage, wall in self.seconds.items():
            cpu = self.used[stage]
            print(f"{stage}: {wall:.2f} s, {cpu:.2f} s CPU ({1e6 * cpu / max(variants, 1):.1f} µs a variant)")


def normalized_batches(path: Path, context: Any, chunk: int, stages: Stages) -> Iterator[pl.DataFrame]:
    """The catalog's batches of whole families (``chunk`` MB of the file), normalized; the time goes to the
    ``read`` and ``normalize`` stages."""
    for _, raw in batches(path, chunk << 20):
        stages.tick("read")
        columns, exact = normalized(raw.columns, context)
        frame = raw.lazy().select(exact=exact, **columns).collect()
        stages.tick("normalize")
        yield frame
