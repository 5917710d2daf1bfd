"""A Meta catalog feed as a source: detected ahead of google_tsv, its own columns and values read.

Values of the two shared samples were checked by hand against the raw files (csv module)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import SourceConfig, load_config
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.sources.detect import detect_format
from tests.conftest import REPO, write_config
from tests.sources.realdata import needs_realdata, real


def read(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    source = open_source(SourceConfig.model_validate({"path": path, **extra}))
    found: list[Diagnostic] = []
    return list(source.products(found.append)), found


@needs_realdata
@pytest.mark.parametrize("name", ["dpa_product_catalog_sample_feed.csv", "da_sales_training_products.csv"])
def test_both_meta_samples_are_detected_as_meta(name: str) -> None:
    assert detect_format(real(f"meta/{name}")) == "meta"


@needs_realdata
def test_advantage_plus_sample_feed() -> None:
    products, found = read(real("meta/dpa_product_catalog_sample_feed.csv"))
    # DB_1 and DB_2 of DB_GROUP_1 differ only by additional_variant_attribute (cover:LED, cover:LCD)
    assert [(d.code, d.field, d.product_id, d.location.row, d.location.column) for d in found] == [
        ("MDL016", "cover", "DB_GROUP_1", 2, 45)
    ]
    assert [p.id for p in products] == [f"DB_{n}" for n in range(1, 10)]
    first = products[0]
    assert (first.group_id, products[1].group_id, first.title, str(first.price)) == (
        "DB_GROUP_1",
        "DB_GROUP_1",
        "title DB_1",
        "1.00 USD",
    )
    assert (first.brand, first.gtin, first.mpn, first.google_product_category) == (
        "brand1",
        "4011200000000",
        "100020003",
        "503735",
    )
    assert first.product_type == "Bowls & Dining > Food & Water Bowls"
    assert first.image_link.endswith("/91123916-a12eb400-e6d0-11ea-8041-a07095220918.png")
    # image[0].url … image[9].url, after the image_link
    assert len(first.additional_image_links) == 10
    assert first.additional_image_links[0].endswith("/65377772-4e819680-dcce-11e9-97fa-66849603da78.png")
    assert first.attributes["additional_variant_attribute"] == "cover:LED"
    assert [p.variant_options for p in products[:2]] == [{"cover": "LED"}, {"cover": "LCD"}]
    assert first.attributes["ios_url"] == "example-ios://electronic/db_1"


@needs_realdata
def test_legacy_feed_with_a_currency_column() -> None:
    products, found = read(real("meta/da_sales_training_products.csv"))  # no source.currency
    assert found == []
    assert [(p.id, str(p.price)) for p in products][:3] == [("1", "3.99 USD"), ("2", "1.99 USD"), ("3", "2.50 USD")]
    assert products[0].google_product_category == "Food, Beverages & Tobacco > Beverages > Coffee"
    assert (products[0].brand, products[0].availability, products[0].condition) == ("FBCoffee Ltd.", "in_stock", "new")


def test_meta_columns_and_values(tmp_path: Path) -> None:
    path = tmp_path / "catalog.tsv"
    path.write_text(
        "id\ttitle\tdescription\trich_text_description\tavailability\tcondition\tprice\tlink\tbrand\t"
        "quantity_to_sell_on_facebook\tage_group\tstatus\tfb_product_category\timage[0].url\n"
        "A\tTee\t\t<p>Soft</p>\tavailable for order\tused_like_new\t10 EUR\thttps://s.example/a\tAcme\t3\tall ages"
        "\tactive\tclothing\thttps://s.example/a.jpg\n"
        "B\tCap\tA cap\t\tdiscontinued\tcpo\t5 EUR\thttps://s.example/b\tAcme\t0\tteen\tarchived\tclothing\t\n"
        "C\tHat\tA hat\t\tin stock\tnew\t7 EUR\thttps://s.example/c\tAcme\t1\tall ages\t\tclothing\t\n",
        encoding="utf-8",
    )
    assert detect_format(path) == "meta"
    source = open_source(SourceConfig(path=path))
    found: list[Diagnostic] = []
    products = list(source.products(found.append))
    assert ([p.id for p in products], source.stats.excluded) == (["A", "C"], 1)
    tee = products[0]
    assert (tee.availability, tee.condition, tee.quantity, tee.age_group) == ("backorder", "used", 3, None)
    assert (tee.description, tee.image_link, tee.attributes["age_group"]) == (
        "<p>Soft</p>",
        "https://s.example/a.jpg",
        "all ages",
    )
    assert Counter(d.code for d in found) == {"MDL018": 1, "SRC005": 1}  # "all ages" reported once
    assert [p.id for p in read(path, include_unpublished=True)[0]] == ["A", "B", "C"]
    cap = read(path, include_unpublished=True)[0][1]
    assert (cap.availability, cap.condition, cap.age_group) == ("out_of_stock", "refurbished", "adult")


def test_detection_tells_meta_from_google(tmp_path: Path) -> None:
    google = tmp_path / "feed.txt"
    google.write_text("id\ttitle\tprice\titem_group_id\tshipping\nA\tTee\t5 USD\tG\tUS:::0 USD\n", encoding="utf-8")
    meta = tmp_path / "catalog.txt"
    meta.write_text(
        "id\ttitle\tprice\titem_group_id\tfb_product_category\nA\tTee\t5 USD\tG\tclothing\n", encoding="utf-8"
    )
    assert (detect_format(google), detect_format(meta)) == ("google_tsv", "meta")


def test_feedsyncs_own_meta_feed_reads_back() -> None:
    path = REPO / "examples" / "demo" / "expected" / "facebook.csv"
    assert detect_format(path) == "meta"
    products, found = read(path)
    assert found == []
    assert len(products) == 88
    first = products[0]
    assert (first.id, first.group_id, first.color, first.size, first.quantity) == (
        "NW-TEE-NAV-S",
        "NW-TEE",
        "Navy",
        "S",
        4,
    )
    assert str(first.weight) == "0.18 kg"


def test_meta_xml_is_read_as_googles_rss(tmp_path: Path) -> None:
    path = tmp_path / "catalog.xml"
    path.write_text(
        '<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0" version="2.0"><channel><item>'
        "<g:id>A</g:id><g:title>Tee</g:title><g:price>5 USD</g:price><g:fb_product_category>clothing"
        "</g:fb_product_category></item></channel></rss>",
        encoding="utf-8",
    )
    products, found = read(path, format="meta")
    assert found == []
    assert (products[0].id, str(products[0].price), products[0].attributes["fb_product_category"]) == (
        "A",
        "5.00 USD",
        "clothing",
    )


@needs_realdata
def test_variants_told_apart_by_additional_variant_attribute_stay_apart(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f"source:\n  path: {real('meta/dpa_product_catalog_sample_feed.csv')}\n  format: meta\n"
        "channels:\n  google:\n    profile: google_merchant\n  meta:\n    profile: facebook\n",
    )
    report = pipeline.run(load_config(config), "build", validate=True, out_dir=tmp_path / "out")
    assert [d for d in report.diagnostics if d.code == "MDL013"] == []
    with (tmp_path / "out" / "meta.csv").open(encoding="utf-8") as handle:
        meta = {row["id"]: row for row in csv.DictReader(handle)}
    pairs = [meta[f"DB_{n}"]["additional_variant_attribute"] for n in (1, 2, 3)]
    assert pairs == ["cover:LED", "cover:LCD", "cover:LCD"]  # DB_3, alone in DB_GROUP_2, keeps its own


def test_additional_variant_attribute_pairs(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "id,title,price,item_group_id,color,additional_variant_attribute\n"
        'A,Candle,5 USD,G,,"Scent:Fruity, sweet,Colour:Red"\n'
        'B,Candle,5 USD,G,Blue,"Scent:Woody,color:Green"\n'
        "C,Lamp,9 USD,,,cover:LED\n",  # no group: nothing to tell apart
        encoding="utf-8",
    )
    products, found = read(path, format="meta")
    assert [(p.id, p.color, p.variant_options) for p in products] == [
        ("A", "Red", {"Scent": "Fruity, sweet"}),
        ("B", "Blue", {"Scent": "Woody"}),  # the color column wins
        ("C", None, {}),
    ]
    assert [(d.code, d.field) for d in found] == [("MDL016", "Scent")]
    mapped, found = read(path, format="meta", options={"Scent": "pattern"})
    assert [(p.pattern, p.variant_options) for p in mapped] == [("Fruity, sweet", {}), ("Woody", {}), (None, {})]
    assert found == []
