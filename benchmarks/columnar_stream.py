"""The columnar stream beside the per-row engine: ``python benchmarks/columnar_stream.py N [N ...] [--data DIR]``.

For each size, the benchmark's catalog (``benchmarks/generate.py``) is built with its Google and Meta channels (its
Amazon channel left out: a run with Amazon is made per row) three ways, each in a process of its own:

- per row in one process (the columnar side declined: ``feedsync.columnar.gate.MIN_BYTES`` raised);
- a column at a time in one process (``--jobs 1``);
- per row with the rows split over the cores (``--jobs 0``).

It prints each run's wall time, CPU time (user and system) and peak RSS (the largest process), and checks that the
three runs wrote the same feeds and told the same number of findings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUN = """
import json, sys
from pathlib import Path
import feedsync.columnar.gate as gate
from feedsync import pipeline
from feedsync.config import load_config

config, out, jobs, per_row = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
if per_row:
    gate.MIN_BYTES = 1 << 62
report = pipeline.run(
    load_config(Path(config)), "build", channels=["google", "facebook"], out_dir=out, validate=True, jobs=jobs
)
import resource
rss = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
items = {n: r.items for n, r in report.channels.items()}
print(json.dumps({"findings": len(report.diagnostics), "items": items, "rss": rss // 1024}))
"""


def measure(config: Path, out: Path, jobs: int, per_row: bool) -> dict[str, float | int | dict[str, int]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(config), str(out), str(jobs), "1" if per_row else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    told = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "wall": wall,
        "user": after.ru_utime - before.ru_utime,
        "system": after.ru_stime - before.ru_stime,
        **told,  # the run's own peak RSS (the largest of its processes, MB)
    }


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "feedsync-bench")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; Google and Meta of the benchmark's catalog, built with --validate")
    print(f"{'variants':>10} | {'run':<26} | {'wall':>8} | {'user':>7} | {'system':>7} | {'peak RSS':>9}")
    for count in args.sizes:
        directory = args.data / str(count)
        if not (directory / "feedsync.yaml").is_file():
            subprocess.run([sys.executable, str(HERE / "generate.py"), str(count), str(directory)], check=True)
        config = directory / "feedsync.yaml"
        runs = {
            "per row, one process": (1, True),
            "columnar, one process": (1, False),
            "per row, rows split": (0, True),
        }
        feeds: dict[str, dict[str, str]] = {}
        told: dict[str, object] = {}
        for name, (jobs, per_row) in runs.items():
            out = directory / f"stream-{jobs}-{int(per_row)}"
            got = measure(config, out, jobs, per_row)
            print(
                f"{count:>10,} | {name:<26} | {got['wall']:>6.1f} s | {got['user']:>5.1f} s | "
                f"{got['system']:>5.1f} s | {got['rss']:>6} MB",
                flush=True,
            )
            feeds[name] = {path.name: _digest(path) for path in sorted(out.iterdir()) if path.is_file()}
            told[name] = (got["findings"], got["items"])
        same = (
            len({repr(sorted(f.items())) for f in feeds.values()}) == 1 and len({repr(t) for t in told.values()}) == 1
        )
        print(f"{'':>10} | {'same feeds and findings' if same else 'THE RUNS DIFFER'}")
        if not same:
            sys.exit(1)


if __name__ == "__main__":
    main()
