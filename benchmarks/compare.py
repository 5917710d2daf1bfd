"""Two commits side by side: ``python benchmarks/compare.py OLD NEW [N] [--jobs J] [--rounds R] [--data DIR]``.

Each commit is copied out of git into a folder of its own and compiled to bytecode there (as ``pip install`` leaves
a package: with ``PYTHONDONTWRITEBYTECODE`` set, a copy that is not compiled spends 0.1-0.15 s a process compiling
its modules, which would be charged to it alone), then ``feedsync build --validate`` runs on the benchmark's
catalog of N variants (``benchmarks/generate.py``, kept in DIR) with each commit in turn, the order alternating from
round to round. It prints each commit's best and mean wall time and CPU time (the build's processes, user and
system) over the rounds. Run it on a quiet machine; a difference smaller than the spread of the rounds is none.
"""

from __future__ import annotations

import argparse
import compileall
import io
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import catalog

REPO = Path(__file__).resolve().parent.parent


def checkout(commit: str, into: Path) -> Path:
    """The project at ``commit`` in ``into``, its package compiled to bytecode."""
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    if not compileall.compile_dir(into / "feedsync", quiet=1):
        raise SystemExit(f"{commit}: the package does not compile")
    return into


def build(tree: Path, config: Path, out: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of one build with the package of ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    command = [sys.executable, "-m", "feedsync", "build", "-c", str(config), "--validate", "--out", str(out)]
    done = subprocess.run(
        [*command, "--jobs", str(jobs), "--quiet"],
        env={**os.environ, "PYTHONPATH": str(tree)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: findings (the generated catalog has invalid GTINs on purpose)
        raise SystemExit(f"{tree.name}: build failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("variants", nargs="?", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=1, help="feedsync build --jobs (1: one process)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "feedsync-bench")
    args = parser.parse_args()
    config = catalog(args.data, args.variants, "native")
    with tempfile.TemporaryDirectory(prefix="feedsync-compare-") as scratch:
        folder = Path(scratch)
        trees = {name: checkout(name, folder / f"tree{n}") for n, name in enumerate((args.old, args.new))}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
        for round_number in range(args.rounds):
            order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
            for name in order:
                times[name].append(build(trees[name], config, folder / "out", args.jobs))
    print(f"{args.variants:,} variants, build --validate --jobs {args.jobs}, {args.rounds} rounds each")
    for name, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        print(
            f"{name:>12}: wall best {min(walls):.2f} s, mean {statistics.mean(walls):.2f} s; "
            f"CPU best {min(cpus):.2f} s, mean {statistics.mean(cpus):.2f} s"
        )


if __name__ == "__main__":
    main()
