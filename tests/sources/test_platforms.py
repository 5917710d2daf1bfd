"""BigCommerce (hand-written fixture), Google feeds as sources, detection, and broken copies of every format."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.model import Product
from feedsync.sources import open_source
from feedsync.sources.detect import detect_format
from tests.conftest import DEMO, REPO
from tests.sources.realdata import needs_realdata, real

BIGCOMMERCE = REPO / "tests" / "fixtures" / "bigcommerce" / "bulk-edit-export.csv"
BASE = "https://shop.example.com"


def read(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    config = SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": BASE, **extra})
    found: list[Diagnostic] = []
    return list(open_source(config).products(found.append)), found


def test_bigcommerce_products_skus_and_rules() -> None:
    products, found = read(BIGCOMMERCE, weight_unit="kg")
    assert [(p.id, p.group_id) for p in products] == [
        ("TOTE-01", None),
        ("BEANIE-RED", "BEANIE"),
        ("BEANIE-NAVY", "BEANIE"),
        ("JKT-S-YEL", "bc-104"),
        ("JKT-L-YEL", "bc-104"),
    ]
    tote, red, navy, small, large = products
    assert (str(tote.price), str(tote.sale_price), tote.quantity) == ("24.95 USD", "19.95 USD", 12)
    assert tote.image_link == "https://cdn11.example.com/tote-front.jpg"  # the thumbnail comes first
    assert tote.product_type == "Shop All > Bags" and tote.gtin == "012345678905"
    assert (red.color, red.quantity, red.availability.value, red.mpn) == ("Red", 5, "in_stock", "NW-B-R")
    assert (str(navy.price), str(navy.weight), navy.availability.value) == ("33.00 USD", "0.15 kg", "out_of_stock")
    assert red.image_link == f"{BASE}/product_images/b/beanie__21.jpg"
    assert (small.size, small.color, str(small.price)) == ("Small", "Yellow", "79.00 USD")
    assert (str(large.price), str(large.weight)) == ("89.00 USD", "0.7 kg")  # [FIXED] rule
    assert large.product_type == "Outerwear > Jackets/Coats"  # "\/" is a slash inside a name
    assert [(d.code, d.message) for d in found] == [
        ("SRC005", "1 hidden products left out (set source.include_unpublished: true to include them)")
    ]
    assert detect_format(BIGCOMMERCE) == "bigcommerce"


def test_bigcommerce_rule_rows_that_change_no_variant_are_named(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "Item Type,Product ID,Product Name,Product Code/SKU,Price,Track Inventory\n"
        "Product,1,Mug,MUG,10.00,none\n"
        "SKU,,[S]Color=Red,MUG-R,,\n"
        "SKU,,[S]Color=Blue,MUG-B,,\n"
        "Rule,,[S]Color=Red,,[ADD]2.00,\n"  # a rule of an option, no SKU
        "Rule,,,MUG-X,[FIXED]5.00,\n"  # the SKU of no variant
        "Rule,,,MUG-B,[ADD]1.00,\n"
        "Rule,,,MUG-B,[ADD]3.00,\n"  # the same variant again: the last rule is applied
        "Product,2,Cap,CAP,8.00,none\n"
        "Rule,,,CAP,[FIXED]6.00,\n",  # a product without variants
        encoding="utf-8",
    )
    products, found = read(path)
    assert [(p.id, str(p.price)) for p in products] == [
        ("MUG-R", "10.00 USD"),
        ("MUG-B", "13.00 USD"),
        ("CAP", "8.00 USD"),
    ]
    assert [(d.code, d.location.row, d.location.column_name) for d in found] == [
        ("SRC007", row, "Product Code/SKU") for row in (5, 6, 7, 10)
    ]
    assert [d.message.split(":")[0] for d in found] == [
        "rule row of product 'Mug' is not applied (its Product Code/SKU is empty)",
        "rule row of product 'Mug' is not applied (its Product Code/SKU 'MUG-X' is no SKU row's)",
        "rule row of product 'Mug' is not applied (a later rule row changes SKU 'MUG-B' again)",
        "rule row of product 'Cap' is not applied (its Product Code/SKU 'CAP' is no SKU row's)",
    ]
    assert found[0].message.endswith("the price, weight, image or purchasability it sets changes no variant")


def test_bigcommerce_without_a_weight_unit_leaves_weights_out() -> None:
    products, found = read(BIGCOMMERCE)
    assert all(p.weight is None for p in products)
    assert "SRC008" in [d.code for d in found]


GOOGLE_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel><title>Shop</title><link>https://shop.example.com</link><description>feed</description>
<item>
  <g:id>A1</g:id><title>Plain &amp; simple</title><g:description>Desc</g:description>
  <link>https://shop.example.com/a1</link><g:image_link>https://shop.example.com/a1.jpg</g:image_link>
  <g:additional_image_link>https://shop.example.com/a1-2.jpg</g:additional_image_link>
  <g:additional_image_link>https://shop.example.com/a1-3.jpg</g:additional_image_link>
  <g:price>15.00 EUR</g:price><g:sale_price>12.00 EUR</g:sale_price>
  <g:sale_price_effective_date>2026-11-27T00:00+0100/2026-12-01T23:59+0100</g:sale_price_effective_date>
  <g:availability>in stock</g:availability><g:item_group_id>G1</g:item_group_id><g:size>M</g:size>
  <g:shipping_weight>0.5 kg</g:shipping_weight>
  <g:shipping><g:country>DE</g:country><g:price>4.95 EUR</g:price></g:shipping>
  <g:identifier_exists>no</g:identifier_exists>
</item>
<item>
  <g:id>A2</g:id><g:title>Broken</g:title><g:price>12,3x</g:price>
</item>
<item><g:id>A3</g:id><g:title>Third</g:title><g:price>3 EUR</g:price></item>
</channel></rss>
"""


def test_google_rss_feed_as_a_source(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(GOOGLE_RSS, encoding="utf-8")
    assert detect_format(path) == "google_xml"
    products, found = read(path)
    first = products[0]
    assert (first.id, first.group_id, first.title, first.size) == ("A1", "G1", "Plain & simple", "M")
    assert first.additional_image_links == ("https://shop.example.com/a1-2.jpg", "https://shop.example.com/a1-3.jpg")
    assert (str(first.price), str(first.sale_price), str(first.weight)) == ("15.00 EUR", "12.00 EUR", "0.5 kg")
    assert str(first.sale_price_effective_date) == "2026-11-27T00:00:00+0100/2026-12-01T23:59:00+0100"
    assert first.attributes == {"shipping": "country=DE;price=4.95 EUR", "identifier_exists": "no"}
    assert [p.id for p in products] == ["A1", "A3"]
    assert [(d.code, d.product_id, d.location.row) for d in found] == [("MDL002", "A2", 16)]


def test_google_atom_feed_as_a_source(tmp_path: Path) -> None:
    path = tmp_path / "feed.atom"
    path.write_text(
        """<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
  <title>Shop</title>
  <entry>
    <g:id>E1</g:id><title>Atom item</title><summary>Short</summary>
    <link href="https://shop.example.com/e1"/><g:price>9.99 USD</g:price><g:availability>out_of_stock</g:availability>
  </entry>
</feed>""",
        encoding="utf-8",
    )
    [product], found = read(path)
    assert found == []
    assert (product.id, product.title, product.description, product.link, product.availability.value) == (
        "E1",
        "Atom item",
        "Short",
        "https://shop.example.com/e1",
        "out_of_stock",
    )


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
        '<!DOCTYPE rss [<!ENTITY d SYSTEM "file:///etc/passwd">]>',
    ],
    ids=["entity-expansion", "external-entity"],
)
def test_hostile_xml_entities_are_never_expanded(tmp_path: Path, doctype: str) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(
        f"""<?xml version="1.0"?>{doctype}
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>X</g:id><g:title>T&d;</g:title><g:price>1 USD</g:price></item></channel></rss>""",
        encoding="utf-8",
    )
    products, _ = read(path)
    assert [p.title for p in products] == ["T"]  # the entity is left unexpanded: neither 10,000 a's nor a file


def test_malformed_xml_is_a_source_error_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(
        '<rss xmlns:g="http://base.google.com/ns/1.0"><channel>\n<item><g:id>A</g:id></channel>', encoding="utf-8"
    )
    with pytest.raises(SourceError, match=r"feed.xml:2:\d+: not well-formed XML"):
        read(path)


def test_google_tsv_as_a_source(tmp_path: Path) -> None:
    path = tmp_path / "feed.txt"
    path.write_text(
        "id\ttitle\tprice\titem_group_id\tadditional_image_link\tshipping_weight\tidentifier_exists\n"
        "T1\tTee\t10.00 USD\tG\thttps://x.example/1.jpg,https://x.example/2.jpg\t200 g\tno\n",
        encoding="utf-8",
    )
    assert detect_format(path) == "google_tsv"
    [product], found = read(path)
    assert found == []
    assert (product.group_id, str(product.weight), product.attributes) == ("G", "200 g", {"identifier_exists": "no"})
    assert product.additional_image_links == ("https://x.example/1.jpg", "https://x.example/2.jpg")


def test_the_native_demo_catalog_is_detected_as_native_csv() -> None:
    assert detect_format(DEMO / "products.csv") == "csv"


def _break(src: Path, dst: Path, row: int, header: str, value: str) -> None:
    """Copy ``src`` with the cell at spreadsheet ``row`` (header = 1) in column ``header`` replaced."""
    text = src.read_text(encoding="utf-8-sig")
    delimiter = "\t" if "\t" in text.splitlines()[0] else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows[row - 1][rows[0].index(header)] = value
    with dst.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\n").writerows(rows)


BROKEN = [
    ("shopify/shopifypartners-jewelery.csv", 3, "Variant Price", {}),
    ("woocommerce/woocommerce-sample_products-2018.csv", 4, "Regular price", {}),
    ("magento/magento2-sample-data-ConfigurableSampleData-products.csv", 5, "price", {}),
]


@needs_realdata
@pytest.mark.parametrize(("relative", "row", "header", "extra"), BROKEN, ids=["shopify", "woocommerce", "magento"])
def test_a_broken_copy_reports_the_cell_and_loses_no_other_row(
    tmp_path: Path, relative: str, row: int, header: str, extra: dict[str, str]
) -> None:
    broken_copy(tmp_path, real(relative), row, header, extra)


def test_a_broken_bigcommerce_copy(tmp_path: Path) -> None:
    broken_copy(tmp_path, BIGCOMMERCE, 2, "Price", {"weight_unit": "kg"})


def test_a_broken_native_copy(tmp_path: Path) -> None:
    broken_copy(tmp_path, DEMO / "products.csv", 6, "price", {})


def test_a_broken_google_tsv_copy(tmp_path: Path) -> None:
    source = tmp_path / "google.tsv"
    source.write_text(
        "id\ttitle\tprice\titem_group_id\n" + "".join(f"T{i}\tTee\t10.00 USD\tG\n" for i in range(5)), encoding="utf-8"
    )
    broken_copy(tmp_path, source, 3, "price", {})


def broken_copy(tmp_path: Path, source: Path, row: int, header: str, extra: dict[str, str]) -> None:
    good, _ = read(source, **extra)
    target = tmp_path / ("broken" + source.suffix)
    _break(source, target, row, header, "12,3x")
    products, found = read(target, **extra)
    price_problems = [d for d in found if d.code == "MDL002"]
    assert [(d.location.row, d.location.column_name, d.value) for d in price_problems] == [(row, header, "12,3x")]
    lost = {p.id for p in good} - {p.id for p in products}
    assert len(lost) == 1 and len(products) == len(good) - 1
    assert price_problems[0].product_id in lost


def test_unreadable_header_and_a_folder_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        read(tmp_path)
    shopify_like = tmp_path / "x.csv"
    shopify_like.write_text("Title,Variant Price\nA,1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="not a Shopify product CSV"):
        read(shopify_like, format="shopify")


def test_shopify_category_metafields_say_gender_and_age_group_where_google_s_columns_do_not() -> None:
    """Shopify's product taxonomy (``Zielgeschlecht (product.metafields.shopify.target-gender)``: ``weiblich``) says
    what Google's gender and age group say; a store that fills those metafields and not the "Google Shopping /
    Gender" column had every apparel item refused by Google for want of a gender (GMC011: all 130 of a real one)."""
    from feedsync.sources.shopify import from_taxonomy

    gender, age = "meta:shopify.target-gender", "meta:shopify.age-group"
    assert [from_taxonomy(gender, t) for t in ("weiblich", "Female", "male; female", "unisex", "frau", "")] == [
        "female",
        "female",
        "unisex",
        "unisex",
        "",
        "",
    ]
    assert [from_taxonomy(age, t) for t in ("erwachsene", "kids", "adults; teens", "kids; adults")] == [
        "adult",
        "kids",
        "adult",
        "",
    ]


@needs_realdata
def test_a_real_export_s_category_metafields_give_its_variants_gender_and_age_group() -> None:
    config = SourceConfig.model_validate(
        {"path": real("shopify/bilalithelabel-products_export.csv"), "currency": "EUR", "base_url": "https://s.ex"}
    )
    products = list(open_source(config).products(lambda d: None))
    assert {(p.gender, p.age_group) for p in products} >= {("female", "adult")}
    assert sum(1 for p in products if p.gender == "female") >= 100


def test_a_shopify_compare_at_price_that_is_no_amount_is_named_and_shows_no_sale(tmp_path: Path) -> None:
    path = tmp_path / "products_export.csv"
    path.write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Compare At Price\n"
        'tee,Tee,Size,S,T-S,999.00,"1,299.00"\n'
        'tee,,,M,T-M,25.00,"29,99"\n'
        "tee,,,L,T-L,25.00,€29.99\n"
        "tee,,,XL,T-XL,25.00,29.99\n"
        "tee,,,XXL,T-XXL,25.00,29.99 EUR\n"
        "tee,,,3XL,T-3XL,25.00,29.99 USD\n",
        encoding="utf-8",
    )
    products, found = read(path, format="shopify")
    assert [(p.attributes["sku"], str(p.price), p.sale_price and str(p.sale_price)) for p in products] == [
        ("T-S", "999.00 USD", None),  # what Shopify charges, no markdown
        ("T-M", "25.00 USD", None),
        ("T-L", "25.00 USD", None),
        ("T-XL", "29.99 USD", "25.00 USD"),
        ("T-XXL", "25.00 USD", None),
        ("T-3XL", "29.99 USD", "25.00 USD"),
    ]
    told = [(d.code, d.severity, d.location.row, d.location.column_name, d.value) for d in found]
    assert told == [
        ("MDL022", "warning", 2, "Variant Compare At Price", "1,299.00"),
        ("MDL022", "warning", 3, "Variant Compare At Price", "29,99"),
        ("MDL022", "warning", 4, "Variant Compare At Price", "€29.99"),
        ("MDL022", "warning", 6, "Variant Compare At Price", "29.99 EUR"),
    ]
    assert "no thousands separators" in found[0].message and "written at its price, '999.00'" in found[0].message
    assert "in EUR, the price '25.00' in USD" in found[3].message


def test_without_a_currency_set_a_compare_at_price_in_another_currency_than_the_price_is_named(tmp_path: Path) -> None:
    """With no source.currency, a price '25.00 EUR' and a compare-at price '29.99' (no currency): the variant is
    listed at its price, the compare-at price named (MDL022: in no currency), not made a price of no currency."""
    path = tmp_path / "products_export.csv"
    path.write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Compare At Price\n"
        "tee,Tee,Size,S,T-S,25.00 EUR,29.99\ntee,,,M,T-M,25.00 EUR,29.99 EUR\ntee,,,L,T-L,25.00 USD,29.99 EUR\n",
        encoding="utf-8",
    )
    config = SourceConfig.model_validate({"path": path, "format": "shopify", "base_url": BASE})
    found: list[Diagnostic] = []
    products = list(open_source(config).products(found.append))
    assert [(p.attributes["sku"], str(p.price), p.sale_price and str(p.sale_price)) for p in products] == [
        ("T-S", "25.00 EUR", None),
        ("T-M", "29.99 EUR", "25.00 EUR"),
        ("T-L", "25.00 USD", None),
    ]
    told = [(d.code, d.location.row, d.message.split(":")[0]) for d in found]
    assert told == [
        ("MDL022", 2, "compare-at price '29.99' is in no currency, the price '25.00 EUR' in EUR"),
        ("MDL022", 4, "compare-at price '29.99 EUR' is in EUR, the price '25.00 USD' in USD"),
    ]
