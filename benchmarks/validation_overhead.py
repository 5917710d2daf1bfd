"""How much validation adds to a build: ``python benchmarks/validation_overhead.py [N] [REPEAT]``.

Generates an N-variant catalog (default 100,000) with benchmarks/generate.py, then times, in this process,
``build`` (google, facebook and amazon feeds) and ``build --validate`` (the same plus every channel rule),
REPEAT times each (default 3), and prints the median wall times and the overhead.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from feedsync import pipeline
from feedsync.config import load_config


def measure(count: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(generate(count, Path(tmp)))
        times: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(repeat):
            for validate in (False, True):
                start = time.perf_counter()
                report = pipeline.run(config, "build", validate=validate)
                times[validate].append(time.perf_counter() - start)
        build, checked = statistics.median(times[False]), statistics.median(times[True])
        print(f"variants:            {count:,}")
        print(f"channels:            {', '.join(report.channels)}")
        print(f"build:               {build:8.2f} s  ({count / build:,.0f} variants/s)")
        print(f"build --validate:    {checked:8.2f} s  ({len(report.diagnostics):,} findings)")
        print(f"validation overhead: {(checked / build - 1) * 100:8.1f} %")


if __name__ == "__main__":
    measure(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
