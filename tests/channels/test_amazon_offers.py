"""Amazon offers right: the price the shop sells at is Amazon's price, the regular price its list_price; untracked
stock follows settings.untracked_quantity instead of its meaningless number; a negative quantity is never sent."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from feedsync import pipeline
from feedsync.config import Config, load_config
from feedsync.errors import ConfigError
from tests.conftest import HEADER, row, write_config
from tests.sources.realdata import REALDATA, needs_realdata, real

ROSAROSE = "shopify/rosarose-products_export_1.csv"


def amazon_config(tmp_path: Path, source: str, settings: str = "") -> Config:
    text = (
        f"source:\n  path: {source}\n  currency: USD\n  base_url: https://shop.example.com\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, default_product_type: HOME" + settings + "}\n"
    )
    return load_config(write_config(tmp_path, text))


def build(config: Config) -> tuple[Any, dict[str, dict[str, Any]]]:
    report = pipeline.run(config, "build", validate=True)
    written = json.loads((config.base_dir / "out" / "amazon.json").read_text(encoding="utf-8"))["messages"]
    return report, {m["sku"]: m["attributes"] for m in written}


def offer_schema() -> dict[str, Any]:
    """Amazon's HOME (amazon.com) definition of the offer attributes, for an independent check."""
    text = (REALDATA / "amazon/product_types/HOME-us.json").read_text(encoding="utf-8")
    home = json.loads(text, parse_float=Decimal)  # numbers as decimals: 70.99 is a multiple of 0.01
    names = ("purchasable_offer", "list_price", "fulfillment_availability")
    return {
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$defs": home["$defs"],
        "type": "object",
        "properties": {n: home["properties"][n] for n in names},
        "additionalProperties": False,
    }


def offer_of(attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        k: attributes[k] for k in ("purchasable_offer", "list_price", "fulfillment_availability") if k in attributes
    }


@needs_realdata
def test_rosarose_sale_without_dates_is_the_price_amazon_gets(tmp_path: Path) -> None:
    config = amazon_config(tmp_path, str(real(ROSAROSE)))
    report, messages = build(config)
    clover = messages["rosa-clover-jewelry-set-gold-set"]  # Variant Price 59.99, Compare At Price 129.99, no dates
    [offer] = clover["purchasable_offer"]
    assert offer["our_price"] == [{"schedule": [{"value_with_tax": 59.99}]}]  # before: 129.99
    assert "discounted_price" not in offer
    assert clover["list_price"] == [{"value": 129.99, "currency": "USD", "marketplace_id": "ATVPDKIKX0DER"}]
    [sale] = [d for d in report.diagnostics if d.code == "AMZ014"]
    assert sale.message.startswith("a sale price without dates is the price the shop sells at") and (
        "(587 item(s); the first: rosa-clover-jewelry-set-gold-set)" in sale.message
    )
    validator = jsonschema.Draft201909Validator(offer_schema())
    written = (config.base_dir / "out" / "amazon.json").read_text(encoding="utf-8")
    exact = json.loads(written, parse_float=Decimal)["messages"]
    offers = [offer_of(m["attributes"]) for m in exact if "purchasable_offer" in m["attributes"]]
    # and 341 at 0.00 (Variant Price 0.00), which Amazon takes no offer at (AMZ022); 7 whose SKU is an earlier
    # family's parent SKU (MDL021)
    assert len(offers) == 844
    zero = [d for d in report.diagnostics if d.code == "AMZ022"]
    assert len(zero) == 341 and {d.value for d in zero} == {"0.00"}
    assert [e.message for o in offers for e in validator.iter_errors(o)] == []


@needs_realdata
def test_rosarose_untracked_stock_sends_no_raw_quantity(tmp_path: Path) -> None:
    report, messages = build(amazon_config(tmp_path, str(real(ROSAROSE))))
    # Variant Inventory Tracker empty, Variant Inventory Qty -4 (Google and Meta: in stock)
    assert "fulfillment_availability" not in messages["personalized-name-necklace-gold-gold"]  # before: -4
    assert "fulfillment_availability" not in messages["rosa-clover-jewelry-set-gold-set"]  # before: 0
    [untracked] = [d for d in report.diagnostics if d.code == "AMZ012"]
    assert "settings.untracked_quantity" in untracked.message and "(85 item(s);" in untracked.message
    quantities = [
        a["fulfillment_availability"][0]["quantity"] for a in messages.values() if "fulfillment_availability" in a
    ]
    assert quantities and min(quantities) >= 0


@needs_realdata
def test_rosarose_untracked_stock_gets_the_quantity_the_setting_names(tmp_path: Path) -> None:
    report, messages = build(amazon_config(tmp_path, str(real(ROSAROSE)), ", untracked_quantity: 5"))
    for sku in ("personalized-name-necklace-gold-gold", "rosa-clover-jewelry-set-gold-set"):
        assert messages[sku]["fulfillment_availability"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 5}]
    assert not [d for d in report.diagnostics if d.code == "AMZ012"]
    tracked = messages["initial-clover-necklace-a"]  # tracked by Shopify: its own number
    assert tracked["fulfillment_availability"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 20}]


def test_a_negative_quantity_is_sent_as_zero_with_a_finding(tmp_path: Path) -> None:
    header = HEADER.rstrip("\n") + ",quantity\n"
    catalog = (
        header + row("A").rstrip("\n") + ",-3\n" + row("B").rstrip("\n") + ",-3\n" + row("C").rstrip("\n") + ",7\n"
    )
    (tmp_path / "p.csv").write_text(catalog, encoding="utf-8")
    report, messages = build(amazon_config(tmp_path, "p.csv"))
    assert [messages[s]["fulfillment_availability"][0]["quantity"] for s in "ABC"] == [0, 0, 7]
    [negative] = [d for d in report.diagnostics if d.code == "AMZ013"]
    assert (negative.value, negative.product_id) == ("-3", "A") and "(2 item(s);" in negative.message
    assert report.channels["amazon"].rejected == 0


def test_a_dated_sale_is_a_discounted_price_schedule_beside_the_regular_price(tmp_path: Path) -> None:
    header = HEADER.rstrip("\n") + ",sale_price,sale_price_effective_date\n"
    dates = "2026-12-01T00:00:00+01:00/2026-12-24T00:00:00+01:00"
    (tmp_path / "p.csv").write_text(header + row("A").rstrip("\n") + f",15.00,{dates}\n", encoding="utf-8")
    report, messages = build(amazon_config(tmp_path, "p.csv"))
    [offer] = messages["A"]["purchasable_offer"]
    assert offer["our_price"] == [{"schedule": [{"value_with_tax": 20.0}]}]
    assert offer["discounted_price"] == [
        {"schedule": [{"start_at": "2026-11-30T23:00:00Z", "end_at": "2026-12-23T23:00:00Z", "value_with_tax": 15.0}]}
    ]
    assert messages["A"]["list_price"] == [{"value": 20.0, "currency": "USD", "marketplace_id": "ATVPDKIKX0DER"}]
    assert not [d for d in report.diagnostics if d.code == "AMZ014"]


def test_untracked_quantity_must_be_a_number_or_skip(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(HEADER + row("A"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"untracked_quantity.*greater than or equal to 0"):
        pipeline.run(amazon_config(tmp_path, "p.csv", ", untracked_quantity: -1"), "build")
