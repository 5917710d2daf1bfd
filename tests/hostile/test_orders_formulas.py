"""Spreadsheet formula values (``=``, ``+``, ``-``, ``@``, tab, CR at the start of a cell) in delimited channel
feeds: written exactly, reported once per channel and field (MDL014) with the number of items."""

from __future__ import annotations

import csv
from pathlib import Path

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Severity
from tests.conftest import HEADER, row, write_config

PRODUCTS = (
    HEADER
    + row("A", title='=HYPERLINK("http://x.example","click")')
    + row("B", title="+1+2", brand="@SUM(A1:A9)")
    + row("C", title="-2+3 Tee")
    + row("D", title="Plain Tee", brand="-5")  # a plain number is not a formula
    + row("E", title="@risk Tee", color="=red")
)
STOCK = "store_code,id,quantity\n=cmd|' /C calc'!A0,A,3\nSHOP-1,B,2\n-SHOP-2,C,1\n"
CONFIG = """\
source: {path: products.csv, currency: USD, base_url: "https://shop.example.com"}
supplements:
  - {path: stock.csv, key: id, as: stores}
channels:
  google_tsv: {profile: google_merchant, format: tsv}
  google_xml: {profile: google_merchant}
  facebook: {profile: facebook}
  local: {profile: google_local_inventory, settings: {pickup_method: buy, pickup_sla: same_day}}
"""


def _feed(path: Path, delimiter: str) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {r["id"] + r.get("store_code", ""): r for r in csv.DictReader(handle, delimiter=delimiter)}


def test_formula_like_values_stay_exact_and_are_reported_once_per_channel_and_field(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(PRODUCTS, encoding="utf-8")
    (tmp_path / "stock.csv").write_text(STOCK, encoding="utf-8")
    config = load_config(write_config(tmp_path, CONFIG))
    report = pipeline.run(config, "build", validate=True)
    found = sorted(
        (d.channel, d.field, d.message.split(" item(s)")[0], d.product_id)
        for d in report.diagnostics
        if d.code == "MDL014"
    )
    assert found == [
        ("facebook", "brand", "1", "B"),
        ("facebook", "color", "1", "E"),
        ("facebook", "title", "4", "A"),
        ("google_tsv", "brand", "1", "B"),
        ("google_tsv", "color", "1", "E"),
        ("google_tsv", "title", "4", "A"),
        ("local", "store_code", "2", "A"),
    ]
    tsv = _feed(tmp_path / "out" / "google_tsv.tsv", "\t")
    assert tsv["A"]["title"].startswith('=HYPERLINK("http://x.example","click")')
    assert (tsv["B"]["title"][:4], tsv["B"]["brand"], tsv["D"]["brand"]) == ("+1+2", "@SUM(A1:A9)", "-5")
    meta = _feed(tmp_path / "out" / "facebook.csv", ",")
    assert (meta["C"]["title"][:8], meta["E"]["color"]) == ("-2+3 Tee", "=red")
    local = _feed(tmp_path / "out" / "local.tsv", "\t")
    assert "A=cmd|' /C calc'!A0" in local and "C-SHOP-2" in local
    assert all(d.severity is Severity.WARNING for d in report.diagnostics if d.code == "MDL014")

    # validate reports the same, and an XML feed (no spreadsheet opens it) nothing
    again = pipeline.run(config, "validate")
    assert sorted((d.channel, d.field) for d in again.diagnostics if d.code == "MDL014") == [f[:2] for f in found]
