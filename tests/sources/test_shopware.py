"""A Shopware 6 product export as a source: detected by its own columns, its columns mapped onto the model.

Values of the shared sample (Shopware's own import/export fixture) were checked by hand against the raw file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.sources.detect import detect_format
from tests.sources.realdata import needs_realdata, real

SAMPLE = "shopware/shopware6-test-products_with_variants.csv"


def read(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    source = open_source(SourceConfig.model_validate({"path": path, "currency": "EUR", **extra}))
    found: list[Diagnostic] = []
    return list(source.products(found.append)), found


@needs_realdata
def test_the_shopware_sample_is_detected_and_read_with_gross_prices() -> None:
    assert detect_format(real(SAMPLE)) == "shopware"
    products, found = read(real(SAMPLE))
    assert [d.code for d in found] == []
    assert [p.source.row for p in products] == [2, 3]
    first = products[0]
    assert (first.id, first.title, first.brand, first.quantity) == (
        "e5c8b8f701034e8dbea72ac0fc32521e",
        "Intelligent Marble Vinyl Maid",
        "Huel Inc",
        31,
    )
    assert first.price is not None and (first.price.amount, first.price.currency) == (Decimal("590"), "EUR")
    assert first.description is not None and first.description.startswith("Mollitia amet placeat")
    assert first.attributes["product_number"] == "50702c3eb3244b988b06c7a610b45f52"
    assert first.attributes["tax_rate"] == "19"


def test_variants_take_their_group_from_parent_id(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id;parent_id;product_number;stock;ean;name;description;price_net;price_gross;manufacturer_name;cover_media_url\n"
        "aa01;;SW-1;5;4006381333931;Mug;Stoneware;8.40;10;Acme;https://cdn.example.com/mug.jpg\n"
        "aa02;aa01;SW-1.1;2;;Mug blue;;8.40;10;Acme;\n",
        encoding="utf-8",
    )
    products, _ = read(path, format="shopware")
    assert [(p.id, p.group_id, p.gtin, p.image_link) for p in products] == [
        ("aa01", None, "4006381333931", "https://cdn.example.com/mug.jpg"),
        ("aa02", "aa01", None, None),
    ]
