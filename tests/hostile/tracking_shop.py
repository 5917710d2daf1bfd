"""A shop for the push-tracking hostile tests: 15 imported Amazon orders and 40 shipments (packages) over them,
confirmed into upload files; ``tally`` reads every upload file back and counts each package."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.orders.test_import import COLUMNS, line

CONFIG = """\
source: {path: products.csv}
channels: {amazon: {profile: amazon}}
orders:
  sku_map: sku_map.csv
  sink: {type: directory, path: incoming}
  confirmations_dir: outgoing
"""
SHIPMENTS = "order_id,carrier,tracking_number,ship_date,shipping_method,items\n"
runner = CliRunner()


def order_id(number: int) -> str:
    return f"111-{number:07d}-0000001"


def packages(count: int = 40, orders: int = 15) -> list[tuple[str, str, str]]:
    """(order id, tracking number, items) of ``count`` packages over ``orders`` orders: package p of an order ships
    its line p (orders take 3, 3, ... packages until ``count`` is reached, then 2)."""
    per_order = [3 if n < count - 2 * orders else 2 for n in range(orders)]
    return [(order_id(n), f"1Z{n:03d}{p}TRK", f"SKU-{p}:1") for n in range(orders) for p in range(1, per_order[n] + 1)]


def make_shop(folder: Path) -> Path:
    """The shop folder with its orders imported; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedsync.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / "sku_map.csv").write_text(
        "marketplace_sku,catalog_id\n" + "".join(f"SKU-{p},CAT-{p}\n" for p in (1, 2, 3)), encoding="utf-8"
    )
    lines = [line(order_id(n), f"{n:05d}{p}", f"SKU-{p}") for n in range(15) for p in (1, 2, 3)]
    (folder / "orders.txt").write_text(COLUMNS + "".join(lines), encoding="utf-8")
    config = str(folder / "feedsync.yaml")
    imported = runner.invoke(app, ["import-orders", "-c", config, "--from-file", str(folder / "orders.txt")])
    assert imported.exit_code == 0, imported.output
    return folder / "feedsync.yaml"


def write_shipments(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    text = "".join(f"{order},UPS,{tracking},2026-11-21T10:00:00Z,Ground,{items}\n" for order, tracking, items in rows)
    path.write_text(SHIPMENTS + text, encoding="utf-8")
    return path


def copy_shop(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def upload_files(folder: Path) -> list[Path]:
    """The finished upload files (not a killed run's hidden temp file)."""
    return sorted(p for p in (folder / "outgoing").glob("*.txt") if not p.name.startswith("."))


def tally(folder: Path, expected: list[tuple[str, str, str]]) -> tuple[int, int]:
    """(packages lost, packages duplicated) over every upload file: a package is duplicated when two files hold
    it or a file holds one of its order items twice. Each row is checked to be the header's width."""
    seen: Counter[tuple[str, str]] = Counter()
    twice: set[tuple[str, str]] = set()
    for path in upload_files(folder):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        assert all(len(row) == len(rows[0]) == 8 for row in rows), path
        items = Counter((row[0], row[6], row[1]) for row in rows[1:])
        twice.update((order, tracking) for (order, tracking, _), count in items.items() if count > 1)
        seen.update({(row[0], row[6]) for row in rows[1:]})
    wanted = {(order, tracking) for order, tracking, _ in expected}
    assert set(seen) <= wanted, set(seen) - wanted
    return len(wanted - set(seen)), sum(1 for key in wanted if seen[key] > 1 or key in twice)
