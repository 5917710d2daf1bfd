"""Meta's quantity_to_sell_on_facebook is the stock Facebook and Instagram sell with checkout, and 0 marks an item
out of stock there: stock the shop does not track is not sent as its meaningless number (settings.untracked_quantity),
and a negative (oversold) stock is sent as 0."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.errors import ConfigError
from tests.conftest import HEADER, row, write_config
from tests.sources.realdata import needs_realdata, real

ROSAROSE = "shopify/rosarose-products_export_1.csv"


def meta_feed(tmp_path: Path, source: str, settings: str = "") -> dict[str, dict[str, str]]:
    text = (
        f"source:\n  path: {source}\n  currency: USD\n  base_url: https://shop.example.com\n"
        f"channels:\n  facebook:\n    profile: facebook\n{settings}"
    )
    config = load_config(write_config(tmp_path, text))
    pipeline.run(config, "build")
    with (config.base_dir / "out" / "facebook.csv").open(encoding="utf-8", newline="") as handle:
        return {r["id"]: r for r in csv.DictReader(handle)}


@needs_realdata
def test_untracked_stock_is_not_sent_as_zero_or_below(tmp_path: Path) -> None:
    items = meta_feed(tmp_path, str(real(ROSAROSE)))
    # Variant Inventory Tracker empty: Variant Inventory Qty 0 and -4, both in stock
    for sku in ("rosa-clover-jewelry-set-gold-set", "personalized-name-necklace-gold-gold"):
        assert (items[sku]["availability"], items[sku]["quantity_to_sell_on_facebook"]) == ("in stock", "")
    assert items["initial-clover-necklace-a"]["quantity_to_sell_on_facebook"] == "20"  # tracked: its own number
    sent = [int(i["quantity_to_sell_on_facebook"]) for i in items.values() if i["quantity_to_sell_on_facebook"]]
    assert sent and min(sent) >= 0


@needs_realdata
def test_untracked_stock_gets_the_quantity_the_setting_names(tmp_path: Path) -> None:
    items = meta_feed(tmp_path, str(real(ROSAROSE)), "    settings: {untracked_quantity: 5}\n")
    assert items["rosa-clover-jewelry-set-gold-set"]["quantity_to_sell_on_facebook"] == "5"
    assert items["initial-clover-necklace-a"]["quantity_to_sell_on_facebook"] == "20"


def test_a_negative_quantity_is_sent_as_zero(tmp_path: Path) -> None:
    header = HEADER.rstrip("\n") + ",quantity\n"
    lines = [row(sku).rstrip("\n") + f",{quantity}\n" for sku, quantity in (("A", -3), ("B", 7), ("C", ""))]
    (tmp_path / "p.csv").write_text(header + "".join(lines), encoding="utf-8")
    items = meta_feed(tmp_path, "p.csv")
    assert [items[s]["quantity_to_sell_on_facebook"] for s in "ABC"] == ["0", "7", ""]


@pytest.mark.parametrize("setting", ["lots", "-5", "2.5"])
def test_an_untracked_quantity_meta_would_refuse_is_a_config_error(tmp_path: Path, setting: str) -> None:
    (tmp_path / "p.csv").write_text(HEADER + row("A"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"feedsync\.yaml:\d+:\d+: settings\.untracked_quantity"):
        meta_feed(tmp_path, "p.csv", f"    settings: {{untracked_quantity: {setting}}}\n")
