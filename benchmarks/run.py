"""The catalog-scale benchmark: ``python benchmarks/run.py [N ...] [--jobs J] [--data DIR]``.

For each size N (default 10,000, 100,000 and 1,000,000 variants) it generates a catalog with
benchmarks/generate.py (native CSV, or with ``--source-format shopify`` the same catalog as a Shopify export;
kept in DIR between runs), then runs, each in its own process:

- **feedsync**: ``feedsync build --validate`` for the google, facebook and amazon channels (``--jobs J``,
  default 0: one process per core);
- **floor**: Python's csv module reading the same file, plus writing as many bytes as feedsync wrote;
- **baseline**: a straightforward pandas script (``read_csv``, then a Google XML with ``DataFrame.to_xml`` and a
  Meta CSV with ``to_csv``): what a Python user would write instead of feedsync.

It prints, per size: wall time, variants per second, peak RSS (summed over a run's processes, sampled every
20 ms from /proc) and output bytes, then the ratios feedsync/floor and feedsync/baseline. Needs pandas
(``pip install -e '.[bench]'``). Timings vary with the machine's load: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

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


def measure(command: list[str], outputs: Path) -> Measure:
    outputs.mkdir(parents=True, exist_ok=True)
    for old in outputs.iterdir():
        old.unlink()
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
    config = folder / "feedsync.yaml"
    if not config.exists():
        generate(count, folder, source_format)
    return config


def mb(value: int) -> str:
    return f"{value / 1e6:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, default=0, help="feedsync build --jobs (0: one per core)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "feedsync-bench")
    parser.add_argument("--source-format", choices=("native", "shopify"), default="native")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; feedsync build --validate --jobs {args.jobs} "
        f"(google, facebook, amazon) from {args.source_format} CSV"
    )
    header = (
        f"{'variants':>10} | {'feedsync':>9} | {'variants/s':>10} | {'peak RSS':>9} | {'output':>9} | "
        f"{'floor':>7} | {'pandas':>8} | {'pandas RSS':>10} | {'/floor':>6} | {'/pandas':>7}"
    )
    print(header)
    print("-" * len(header))
    native = args.source_format == "native"
    for count in args.sizes:
        config = catalog(args.data, count, args.source_format)
        source = config.parent / ("products.csv" if args.source_format == "native" else "products_export.csv")
        out = config.parent / "out"
        ours = measure(
            [
                sys.executable,
                "-m",
                "feedsync",
                "build",
                "-c",
                str(config),
                "--validate",
                "--out",
                str(out),
                "--jobs",
                str(args.jobs),
            ],
            out,
        )
        floor = measure([sys.executable, "-c", FLOOR, str(source), str(ours.output_bytes), str(out / "floor")], out)
        # the pandas script reads the native columns; a Shopify export would need its own script
        pandas = measure([sys.executable, "-c", BASELINE, str(source), str(out)], out) if native else None
        baseline = (
            f"{pandas.wall:>6.1f} s | {mb(pandas.peak_rss):>10} | {ours.wall / floor.wall:>5.1f}x | "
            f"{ours.wall / pandas.wall:>6.2f}x"
            if pandas is not None
            else f"{'-':>8} | {'-':>10} | {ours.wall / floor.wall:>5.1f}x | {'-':>7}"
        )
        print(
            f"{count:>10,} | {ours.wall:>7.1f} s | {count / ours.wall:>10,.0f} | {mb(ours.peak_rss):>9} | "
            f"{mb(ours.output_bytes):>9} | {floor.wall:>5.1f} s | {baseline}",
            flush=True,
        )


if __name__ == "__main__":
    main()
