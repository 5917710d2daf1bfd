"""explain checks and encodes an item with the stream's own per-item step, so what it shows is what push writes."""

from __future__ import annotations

from pathlib import Path

from feedsync.explain import explain
from tests.conftest import HEADER, row
from tests.destinations.test_amazon_feeds import amazon_config


def test_explain_shows_the_records_push_writes_and_none_for_an_item_it_leaves_out(tmp_path: Path) -> None:
    broken = row("C", gtin="4006381333932", image_link="")  # a wrong check digit and no image: AMZ006, AMZ007
    config = amazon_config(tmp_path, HEADER + row("A", group_id="G") + broken)
    kept = explain(config, "A", "amazon")
    assert [(m["sku"], m["requirements"]) for m in kept.records] == [("G", "LISTING_PRODUCT_ONLY"), ("A", "LISTING")]
    left_out = explain(config, "C", "amazon")
    assert [d.code for d in left_out.left_out_by] == ["AMZ006", "AMZ007"]
    assert [item.id for item in left_out.items] == ["C"] and left_out.records == []  # push writes no record of it


def test_explain_finds_a_product_by_the_sku_amazon_was_sent(tmp_path: Path) -> None:
    """An id longer than Amazon's 40 characters is sent shortened (MDL017); the SKU Seller Central shows (on a
    listing or an order) was "no product with id ..." to explain."""
    long_id = "evelyn-pareo-anthracite-anthracite-extra-long-x1"
    config = amazon_config(tmp_path, HEADER + row(long_id) + row("B"))
    sent = explain(config, long_id, "amazon")
    [sku] = {m["sku"] for m in sent.records}
    assert sku != long_id and len(sku) == 40
    found = explain(config, sku, "amazon")
    assert found.product is not None and found.product.id == long_id
    assert [m["sku"] for m in found.records] == [sku]
