"""The catalog-scale benchmark: ``python benchmarks/run.py [N ...] [--jobs J] [--data DIR]``.

For each size N (default 10,000, 100,000 and 1,000,000 variants) it generates a catalog with
benchmarks/generate.py (native CSV, or with ``--source-format shopify``, ``woocommerce`` or ``magento`` the same
catalog as such an export; kept in DIR between runs), or with ``--source-format realistic`` benchmarks/realistic.py's
catalog of real exports' rows, then runs, each in its own process:

- **feedsync**: ``feedsync build --validate`` for the google, facebook and amazon channels (``--jobs J``,
  default 0: one process per core);
- **floor**: Python's csv module reading the same file, plus writing as many bytes as feedsync wrote;
- **baseline**: a straightforward pandas script (``read_csv``, then a Google XML with ``DataFrame.to_xml`` and a
  Meta CSV with ``to_csv``): what a Python user would write instead of feedsync.

It prints, per size: wall time, variants per second, peak RSS (summed over a run's processes, sampled every
20 ms from /proc) and output bytes, then the ratios feedsync/floor and feedsync/baseline. Below a million variants
each of the three runs ``--repeat`` times (3 by default), in rounds (feedsync, floor, pandas, then again), so that
the three see the same minutes of the machine: the median wall time is printed (with the range beside feedsync's),
and the highest peak RSS. Then it runs
benchmarks/incremental.py (``--incremental N`` variants, 1 % changed, ``--incremental-runs`` times: the target is
judged by the median; 0 skips it) and prints the compiled-core
targets beside what it measured, as a Markdown table. Needs pandas
(``pip install -e '.[bench]'``). Timings vary with the machine's load: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bytecode import compile_package
from generate import configure, generate
from realistic import build as realistic

FLOOR = r"""
import csv, sys
path, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = 0
with open(path, encoding="utf-8", newline="") as handle:
    for row in csv.reader(handle):
        rows += 1
chunk = b"x" * 65536
with open(out, "wb") as handle:
    left = size
    while left > 0:
        handle.write(chunk[: min(left, len(chunk))])
        left -= len(chunk)
"""

BASELINE = r"""
import sys
import pandas as pd
path, out = sys.argv[1], sys.argv[2]
df = pd.read_csv(path, dtype=str, keep_default_na=False)
df["price"] = df["price"] + " USD"
df["sale_price"] = df["sale_price"].where(df["sale_price"] == "", df["sale_price"] + " USD")
df["availability"] = df["quantity"].astype(int).map(lambda q: "in_stock" if q > 0 else "out_of_stock")
df["link"] = "https://shop.example.com" + df["link"]
df["image_link"] = "https://shop.example.com" + df["image_link"]
df = df.rename(columns={"group_id": "item_group_id", "additional_image_links": "additional_image_link"})
google = df[["id", "item_group_id", "title", "description", "link", "image_link", "additional_image_link", "price",
             "sale_price", "availability", "brand", "gtin", "mpn", "condition", "product_type",
             "google_product_category", "color", "size", "gender", "age_group"]]
google.to_xml(out + "/google.xml", root_name="channel", row_name="item", index=False, encoding="utf-8")
meta = df[["id", "item_group_id", "title", "description", "availability", "condition", "price", "link",
           "image_link", "brand", "sale_price", "gtin", "color", "size", "gender", "age_group"]]
meta.to_csv(out + "/facebook.csv", index=False)
"""


@dataclass
class Measure:
    wall: float
    peak_rss: int  # bytes, summed over the process tree
    output_bytes: int


def median(runs: list[Measure]) -> Measure:
    """The run of the median wall time (the upper one of an even count), with the highest peak RSS of the runs."""
    middle = sorted(runs, key=lambda m: m.wall)[len(runs) // 2]
    return Measure(middle.wall, max(m.peak_rss for m in runs), middle.output_bytes)


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as children:
                todo.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


FEED_BYTES = 8_500
"""About the bytes each variant's three feeds take (7,997 MB at a million), for the room a run needs."""


def room(folder: Path, variants: int) -> None:
    """Stop where the disk under ``folder`` has too little room for a run of ``variants`` (its feeds, the floor's or
    the pandas script's copy, the shares' documents before the stitch, with 2 GB to spare): a disk nearly full writes
    several times slower (seen: 100,000 variants in 35-40 s against 8 s, with 0.9 GB free), which the table would
    report as feedsync's time."""
    need, free = 2 * FEED_BYTES * variants + (2 << 30), shutil.disk_usage(folder).free
    if free < need:
        raise SystemExit(f"{folder}: {free / 1e9:.1f} GB free, about {need / 1e9:.1f} GB needed to measure "
                         f"{variants:,} variants; make room first")  # fmt: skip


def emptied(folder: Path) -> Path:
    """``folder``, made where it is not, without the files of the runs before (their room counts)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    return folder


def measure(command: list[str], outputs: Path) -> Measure:
    emptied(outputs)
    peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):  # 1: findings (the generated catalog has invalid GTINs on purpose)
        raise SystemExit(f"{command[:4]} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    size = sum(path.stat().st_size for path in outputs.iterdir())
    return Measure(wall, peak, size)


def catalog(data: Path, count: int, source_format: str) -> Path:
    folder = data / (f"{count}" if source_format == "native" else f"{count}-{source_format}")
    if source_format == "realistic":  # (made again each time: its category map is the catalog's own)
        return realistic(count, folder)
    source = folder / ("products.csv" if source_format == "native" else "products_export.csv")
    if not source.exists():
        return generate(count, folder, source_format)
    return configure(folder, source_format)  # a catalog made earlier: its config as this version writes it


def mb(value: int) -> str:
    return f"{value / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, default=0, help="feedsync build --jobs (0: one per core)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "feedsync-bench")
    parser.add_argument(
        "--source-format",
        choices=("native", "shopify", "woocommerce", "magento", "realistic"),
        default="native",
        help="the generator's catalog as native CSV or as an export; realistic: benchmarks/realistic.py's (native)",
    )
    parser.add_argument(
        "--incremental",
        type=int,
        default=100_000,
        metavar="N",
        help="also time benchmarks/incremental.py on N variants with 1 %% changed (0: skip)",
    )
    parser.add_argument(
        "--incremental-runs",
        type=int,
        default=3,
        metavar="R",
        help="run it R times and judge the target by the median ratio (the machine's speed drifts between pushes)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=0,
        metavar="R",
        help="runs of each command per size, the median wall time kept (0: 3 below a million variants, else 1)",
    )
    args = parser.parse_args()
    compile_package()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; feedsync build --validate --jobs {args.jobs} "
        f"(google, facebook, amazon) from {args.source_format} CSV"
    )
    header = (
        f"{'variants':>10} | {'feedsync':>9} | {'variants/s':>10} | {'peak RSS':>9} | {'output':>9} | "
        f"{'floor':>7} | {'pandas':>8} | {'pandas RSS':>10} | {'/floor':>6} | {'/pandas':>7} | {'feedsync runs':>13}"
    )
    print(header)
    print("-" * len(header))
    native = args.source_format in ("native", "realistic")
    rows: list[Row] = []
    for count in args.sizes:
        config = catalog(args.data, count, args.source_format)
        source = config.parent / ("products.csv" if native else "products_export.csv")
        out = config.parent / "out"
        room(emptied(out), count)
        build = [sys.executable, "-m", "feedsync", "build", "-c", str(config), "--validate", "--out", str(out)]
        build += ["--jobs", str(args.jobs)]
        repeat = args.repeat or (3 if count < 1_000_000 else 1)
        runs: tuple[list[Measure], list[Measure], list[Measure]] = ([], [], [])
        for _ in range(repeat):  # in rounds: the three commands see the same minutes of the machine
            runs[0].append(measure(build, out))
            written = runs[0][-1].output_bytes
            runs[1].append(measure([sys.executable, "-c", FLOOR, str(source), str(written), str(out / "floor")], out))
            # the pandas script reads the native columns; a Shopify export would need its own script
            if native:
                runs[2].append(measure([sys.executable, "-c", BASELINE, str(source), str(out)], out))
        ours, floor = median(runs[0]), median(runs[1])
        pandas = median(runs[2]) if runs[2] else None
        walls = sorted(m.wall for m in runs[0])
        spread = f" | {f'{walls[0]:.1f}-{walls[-1]:.1f} s' if repeat > 1 else '1 run':>13}"
        baseline = (
            f"{pandas.wall:>6.1f} s | {mb(pandas.peak_rss):>10} | {ours.wall / floor.wall:>5.1f}x | "
            f"{ours.wall / pandas.wall:>6.2f}x"
            if pandas is not None
            else f"{'-':>8} | {'-':>10} | {ours.wall / floor.wall:>5.1f}x | {'-':>7}"
        )
        print(
            f"{count:>10,} | {ours.wall:>7.1f} s | {count / ours.wall:>10,.0f} | {mb(ours.peak_rss):>9} | "
            f"{mb(ours.output_bytes):>9} | {floor.wall:>5.1f} s | {baseline}{spread}",
            flush=True,
        )
        rows.append(Row(count, ours, floor, pandas))
    incremental = None
    if args.incremental:
        ratios = [incremental_ratio(args.incremental) for _ in range(max(1, args.incremental_runs))]
        measured = sorted(r for r in ratios if r is not None)
        incremental = statistics.median(measured) if measured else None
        if len(measured) > 1:
            print(f"incremental / full over {len(measured)} runs: {', '.join(f'{r * 100:.0f} %' for r in measured)}")
    print()
    for line in targets(rows, incremental):
        print(line)


@dataclass
class Row:
    count: int
    ours: Measure
    floor: Measure
    pandas: Measure | None


def incremental_ratio(count: int) -> float | None:
    """The incremental push's time as a share of the full push's (benchmarks/incremental.py, 1 % changed)."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("incremental.py")), str(count), "1"],
        capture_output=True,
        text=True,
    )
    print(done.stdout.rstrip())
    found = re.search(r"incremental / full: ([\d.]+) %", done.stdout)
    return float(found[1]) / 100 if found else None


def targets(rows: list[Row], incremental: float | None) -> list[str]:
    """The issue's targets beside what this run measured, as a Markdown table."""
    by_count = {row.count: row for row in rows}
    lines = ["| target | goal | measured | met |", "|---|---|---|---|"]

    def line(name: str, goal: str, value: float | None, shown: str, met: bool) -> None:
        lines.append(f"| {name} | {goal} | {shown if value is not None else '-'} | {'yes' if met else 'no'} |")

    for count, limit in ((1_000_000, 60.0), (100_000, 6.0)):
        row = by_count.get(count)
        wall = row.ours.wall if row else None
        line(
            f"{count:,} variants, wall",
            f"<= {limit:.0f} s",
            wall,
            f"{wall:.1f} s" if wall else "",
            bool(wall and wall <= limit),
        )
    if rows:
        slowest = min(row.count / row.ours.wall for row in rows)
        line("variants/s, every size", ">= 16,700", slowest, f"{slowest:,.0f}", slowest >= 16_700)
        peak = max(row.ours.peak_rss for row in rows)
        line("peak RSS, every size", "<= 300 MB", peak, mb(peak), peak <= 300e6)
        worst = max(row.ours.wall / row.floor.wall for row in rows)
        line("feedsync / floor, every size", "<= 5x", worst, f"{worst:.1f}x", worst <= 5)
        against = [row.ours.wall / row.pandas.wall for row in rows if row.pandas is not None]
        if against:
            line("feedsync / pandas, every size", "< 1", max(against), f"{max(against):.2f}x", max(against) < 1)
    big, small = by_count.get(1_000_000), by_count.get(100_000)
    growth = big.ours.peak_rss / small.ours.peak_rss if big and small else None
    line("peak RSS, 1M / 100k", "<= 1.3", growth, f"{growth:.2f}" if growth else "", bool(growth and growth <= 1.3))
    shown = f"{incremental * 100:.0f} % (median)" if incremental is not None else ""
    line(
        "incremental push, 1 % changed", "<= 10 % of full", incremental, shown, bool(incremental and incremental <= 0.1)
    )
    return lines


if __name__ == "__main__":
    main()
