"""Every real platform export in ../shared/realdata reads without an unhandled exception; counts and a few exact
values below were checked by hand against the raw files (csv module, row by row)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources.inspect import inspect_source
from tests.sources.realdata import needs_realdata, real

pytestmark = needs_realdata
BASE = "https://shop.example.com"


def config(path: Path, **extra: object) -> SourceConfig:
    return SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": BASE, **extra})


def read_all(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    from feedsync.sources import open_source

    source = open_source(config(path, **extra))
    found: list[Diagnostic] = []
    return list(source.products(found.append)), found


# file, format, rows, products, variants, distinct images, diagnostic codes
CASES = [
    ("shopify/shopifypartners-apparel.csv", "shopify", 22, 20, 22, 20, {}),
    ("shopify/shopifypartners-home-and-garden.csv", "shopify", 21, 20, 21, 21, {}),
    ("shopify/shopifypartners-jewelery.csv", "shopify", 41, 20, 23, 39, {}),
    ("shopify/shopify-product_template-2024.csv", "shopify", 17, 1, 12, 6, {"SRC005": 1}),
    ("shopify/shopify-product_template-2024-excel-resaved.csv", "shopify", 17, 1, 12, 6, {"SRC005": 1, "MDL010": 12}),
    ("shopify/shopify-product_template-2025.csv", "shopify", 15, 2, 15, 1, {"MDL016": 1}),
    ("shopify/bilalithelabel-products_export.csv", "shopify", 194, 48, 130, 129, {"SRC018": 1}),
    (
        "shopify/velofant-products_export_1.csv",
        "shopify",
        48,
        12,
        17,
        46,
        {"SRC018": 1, "SRC005": 1, "MDL016": 1},  # Mounting point (Ramstorlek is the frame's size)
    ),
    ("shopify/yadayada-products_export_1.csv", "shopify", 61, 4, 10, 35, {"SRC005": 1, "MDL016": 1}),
    (
        "woocommerce/woocommerce-sample_products-2018.csv",
        "woocommerce",
        25,
        16,
        21,
        20,
        {"MDL011": 3, "MDL016": 1, "SRC013": 1, "SRC005": 1},  # "Hoodie with Pocket" is hidden from the catalog
    ),
    (
        "woocommerce/classiccommerce-sample_products.csv",
        "woocommerce",
        24,
        13,
        20,
        20,
        {"MDL011": 3, "MDL016": 1, "SRC013": 1, "SRC005": 1},
    ),
    ("woocommerce/classiccommerce-importer-test-sample.csv", "woocommerce", 7, 4, 5, 8, {"SRC013": 1}),
    ("woocommerce/woocommerce-importer-test-sample.csv", "woocommerce", 7, 4, 5, 8, {"SRC013": 1}),
    ("woocommerce/woocommerce-importer-test-sample_update_product.csv", "woocommerce", 3, 1, 1, 0, {"MDL002": 2}),
    (
        "woocommerce/woocommerce-experimental_fashion_sample_9_products.csv",
        "woocommerce",
        9,
        6,
        6,
        6,
        {"SRC006": 2, "MDL001": 1},
    ),
    # two drafts (copies of a product) exported with Published '-1, WooCommerce's escape of -1
    ("woocommerce/artur8800-wc-product-export-ru-localized.csv", "woocommerce", 9, 7, 7, 8, {"SRC005": 1}),
    (
        "woocommerce/vinoteka15milja-woocommerce-products-merchant-generated.csv",
        "woocommerce",
        404,
        393,
        393,
        387,
        {"MDL001": 11},
    ),
    (
        "magento/magento2-sample-data-ConfigurableSampleData-products.csv",
        "magento",
        1994,
        147,
        1847,
        675,
        {"SRC008": 1},
    ),
    ("magento/magento2-test-import_configurable_for_multiple_store_views.csv", "magento", 4, 1, 2, 0, {"MDL016": 1}),
    ("magento/magento2-test-products_to_import_with_non_latin_url_keys.csv", "magento", 4, 4, 4, 0, {}),
]


@pytest.mark.parametrize(
    ("relative", "fmt", "rows", "products", "variants", "images", "codes"),
    CASES,
    ids=[c[0].split("/")[1] for c in CASES],
)
def test_real_export_counts(
    relative: str, fmt: str, rows: int, products: int, variants: int, images: int, codes: dict[str, int]
) -> None:
    result = inspect_source(config(real(relative)))
    assert (result.format, result.stats.rows, result.products, result.variants, result.images) == (
        fmt,
        rows,
        products,
        variants,
        images,
    )
    assert dict(Counter(d.code for d in result.diagnostics)) == codes
    assert all(d.location is not None and d.location.path.endswith(relative.split("/")[1]) for d in result.diagnostics)


# The first product of each file: id, title, price and row, checked against the raw row by hand.
FIRST = [
    ("shopifypartners-apparel.csv", "ocean-blue-shirt", "Ocean Blue Shirt", "50.00 USD", 2),
    ("shopifypartners-home-and-garden.csv", "clay-plant-pot-regular", "Clay Plant Pot", "9.99 USD", 2),
    ("shopifypartners-jewelery.csv", "chain-bracelet-blue", "7 Shakra Bracelet", "44.99 USD", 2),
    ("shopify-product_template-2024.csv", "example-shirt-green-s", "Example T-Shirt", "25.00 USD", 2),
    ("shopify-product_template-2024-excel-resaved.csv", "example-shirt-green-s", "Example T-Shirt", "25.00 USD", 2),
    (
        "shopify-product_template-2025.csv",
        "physical-product-the-band-t-shirt-small-green",
        "Physical Product “The Band” T-Shirt",
        "24.99 USD",
        2,
    ),
    ("bilalithelabel-products_export.csv", "sophie-top-black-black-s", "SOPHIE TOP", "89.00 USD", 2),
    ("velofant-products_export_1.csv", "velofant-wheelset-1", "VELOFANT - Wheelset", "3499.00 USD", 2),
    (
        "yadayada-products_export_1.csv",
        "mustache-wax-1-ounce-pack-of-1-medium-hol-66eb9567",
        "Mustache Wax",
        "15.99 USD",
        2,
    ),
    ("woocommerce-sample_products-2018.csv", "woo-hoodie-with-logo", "Hoodie with Logo", "45.00 USD", 4),
    ("classiccommerce-sample_products.csv", "cc-hoodie-with-logo", "Hoodie with Pocket and  Logo", "45.00 USD", 4),
    ("classiccommerce-importer-test-sample.csv", "WOOLOGO", "Woo Logo", "20.00 USD", 2),
    ("woocommerce-importer-test-sample.csv", "WOOLOGO", "Woo Logo", "20.00 USD", 2),
    ("woocommerce-importer-test-sample_update_product.csv", "wp-pennant", "WordPress Pennant", "20.00 USD", 2),
    ("woocommerce-experimental_fashion_sample_9_products.csv", "woo-fashion-shirt", "Shirt", "20.00 USD", 4),
    ("artur8800-wc-product-export-ru-localized.csv", "wc-40", "КОМБИНЕЗОН С ОSТДЕЛКОЙ ИЗ КРУЖЕВА", "240.00 USD", 3),
    (
        "vinoteka15milja-woocommerce-products-merchant-generated.csv",
        "aleksandrovic-harizma-aleksandrovic",
        "Aleksandrović Harizma",
        "1770.00 USD",
        2,
    ),
    (
        "magento2-sample-data-ConfigurableSampleData-products.csv",
        "MH01-XS-Black",
        "Chaz Kangeroo Hoodie",
        "52.00 USD",
        2,
    ),
    (
        "magento2-test-import_configurable_for_multiple_store_views.csv",
        "Configurable 1-Option 1",
        "Configurable 1",
        "10.00 USD",
        2,
    ),
    (
        "magento2-test-products_to_import_with_non_latin_url_keys.csv",
        "imported-ukrainian-with-url-key",
        "Імпортований продукт з Url Key",
        "50.00 USD",
        2,
    ),
]


@pytest.mark.parametrize(("name", "product_id", "title", "price", "row"), FIRST, ids=[f[0] for f in FIRST])
def test_first_product_of_each_real_export(name: str, product_id: str, title: str, price: str, row: int) -> None:
    relative = next(c[0] for c in CASES if c[0].endswith("/" + name))
    products, _ = read_all(real(relative))
    first = products[0]
    assert (first.id, first.title, str(first.price), first.source.row) == (product_id, title, price, row)


def by_id(products: list[Product]) -> dict[str, Product]:
    return {p.id: p for p in products}


def test_shopify_classic_export_values() -> None:
    products, _ = read_all(real("shopify/velofant-products_export_1.csv"), currency="SEK")
    wheelset = by_id(products)["velofant-wheelset-1"]  # row 2, a "Default Title" single-variant product
    assert wheelset.group_id is None
    assert (str(wheelset.price), str(wheelset.sale_price)) == ("3499.00 SEK", "2999.00 SEK")  # compare-at > price
    assert wheelset.gtin == "7350177880121"  # the leading apostrophe is dropped
    assert str(wheelset.weight) == "2 kg"  # 2000.0 grams shown in kg
    assert wheelset.attributes["sku"] == "WH-FS-700C-BK-V1"
    assert wheelset.link == f"{BASE}/products/velofant-wheelset-1"
    bell = by_id(products)["bell-1-brushed-copper"]  # option "Färg" is Swedish for colour
    assert (bell.color, bell.group_id, bell.source.row) == ("Brushed Copper", "bell-1", 43)
    assert "crescent-chess-28" not in by_id(products)  # archived


def test_shopify_real_export_with_german_metafields_and_bad_grams() -> None:
    products, _ = read_all(real("shopify/bilalithelabel-products_export.csv"), currency="EUR")
    first = products[0]
    assert (first.id, first.title, first.brand) == ("sophie-top-black-black-s", "SOPHIE TOP", "BILALI The Label")
    assert (first.color, first.size, first.google_product_category) == ("BLACK", "S", "166")
    assert first.attributes["meta:shopify.size"] == "l; m; s"  # labelled "Größe (...)" in the header
    assert str(first.weight) == "34 kg"  # the file says 34000.0 grams: read as written, not silently fixed


def test_shopify_export_without_quantities_names_the_tracked_variants_it_sends_in_stock() -> None:
    products, found = read_all(real("shopify/bilalithelabel-products_export.csv"), currency="EUR")
    assert {(p.availability.value, p.quantity) for p in products} == {("in_stock", None)}  # the file holds no stock
    told = [d for d in found if d.code == "SRC018"]
    assert [(d.location.row, d.field) for d in told] == [(None, "quantity")]
    assert "no inventory quantity column" in told[0].message


def test_shopify_2025_template_values() -> None:
    products, _ = read_all(real("shopify/shopify-product_template-2025.csv"))
    shirt = products[0]
    assert shirt.id == "physical-product-the-band-t-shirt-small-green"
    assert (shirt.size, shirt.color, shirt.gender.value, shirt.age_group.value) == ("Small", "green", "unisex", "adult")
    assert (str(shirt.price), str(shirt.sale_price)) == ("24.99 USD", "19.99 USD")
    assert (shirt.quantity, shirt.availability.value, str(shirt.weight)) == (47, "in_stock", "150 g")
    ebook = products[14]
    assert ebook.gtin == "9781987654321"  # ISBN written with dashes
    assert ebook.attributes["Format"] == "Kindle"


def test_shopify_excel_damaged_barcodes_are_reported_not_used() -> None:
    products, found = read_all(real("shopify/shopify-product_template-2024-excel-resaved.csv"))
    assert all(p.gtin is None for p in products)
    first = next(d for d in found if d.code == "MDL010")
    assert (first.value, first.location.row, first.location.column_name) == ("3.65275E+11", 2, "Variant Barcode")


def test_woocommerce_variable_products_and_variations() -> None:
    products, found = read_all(real("woocommerce/woocommerce-sample_products-2018.csv"))
    items = by_id(products)
    red = items["woo-vneck-tee-red"]
    assert (red.group_id, red.title, red.color, red.size) == ("woo-vneck-tee", "V-Neck T-Shirt", "Red", None)
    assert red.product_type == "Clothing > Tshirts"  # from the parent
    assert str(red.weight) == "0.5 lb"  # ".5" under "Weight (lbs)", from the parent
    hoodie = items["woo-hoodie-red"]
    assert (str(hoodie.price), str(hoodie.sale_price), hoodie.attributes["Logo"]) == ("45.00 USD", "42.00 USD", "No")
    assert "logo-collection" not in items  # grouped: not a sellable item
    assert items["wp-pennant"].link == "https://mercantile.wordpress.org/product/wordpress-pennant/"  # external
    assert items["woo-album"].link == f"{BASE}/?p=73"
    any_size = [d for d in found if d.code == "MDL011"]
    assert [d.location.row for d in any_size] == [16, 17, 18]


def test_woocommerce_product_hidden_from_the_catalog_is_left_out_and_counted() -> None:
    path = real("woocommerce/woocommerce-sample_products-2018.csv")
    products, found = read_all(path)
    assert "woo-hoodie-with-pocket" not in by_id(products)  # row 10: Visibility in catalog "hidden"
    assert [d.message for d in found if d.code == "SRC005"] == [
        "1 hidden (catalog visibility 'hidden') products left out (set source.include_unpublished: true to include "
        "them)"
    ]
    listed, _ = read_all(path, include_unpublished=True)
    assert by_id(listed)["woo-hoodie-with-pocket"].source.row == 10


def test_woocommerce_importer_fixture_dates_and_parents_by_sku() -> None:
    products, _ = read_all(real("woocommerce/woocommerce-importer-test-sample.csv"), timezone="UTC")
    items = by_id(products)
    logo = items["WOOLOGO"]
    assert str(logo.sale_price_effective_date) == "2017-01-01T00:00:00+0000/2030-01-01T00:00:00+0000"
    assert logo.product_type == "Clothing > T-shirts"  # the deepest of "Clothing, Clothing > T-shirts"
    album = items["WOOALBUM"]  # "Jul 8, 2023" to unix 1689239400
    assert str(album.sale_price_effective_date) == "2023-07-08T00:00:00+0000/2023-07-13T09:10:00+0000"
    variations = [p for p in products if p.group_id == "WOOIDEA"]
    assert [(p.color, p.size, p.quantity) for p in variations] == [("Black", "M", 6), ("Green", "L", 10)]
    assert all(p.id.startswith("WOOIDEA-") for p in variations)  # no SKU, no ID: parent + options


def test_woocommerce_russian_export_with_junk_before_the_bom() -> None:
    products, _ = read_all(real("woocommerce/artur8800-wc-product-export-ru-localized.csv"), currency="RUB")
    first = products[0]
    assert (first.id, first.title, str(first.price)) == ("wc-40", "КОМБИНЕЗОН С ОSТДЕЛКОЙ ИЗ КРУЖЕВА", "240.00 RUB")
    assert first.product_type == "Женская одежда"
    assert first.source.row == 3  # the header stands on line 2, after the stray newline


def test_magento_configurable_children_take_the_parent() -> None:
    products, _ = read_all(real("magento/magento2-sample-data-ConfigurableSampleData-products.csv"), weight_unit="lb")
    child = products[0]
    assert (child.id, child.group_id, child.title) == ("MH01-XS-Black", "MH01", "Chaz Kangeroo Hoodie")
    assert (child.color, child.size, child.material, child.pattern) == ("Black", "XS", "Wool", "Color-Blocked")
    assert child.image_link == f"{BASE}/media/catalog/product/m/h/mh01-black_main.jpg"
    assert child.link == f"{BASE}/chaz-kangeroo-hoodie.html"
    assert child.product_type == "Men > Tops > Hoodies & Sweatshirts"
    assert (child.quantity, str(child.weight), child.price.amount) == (100, "1 lb", Decimal(52))
    assert child.attributes["climate"] == "All-weather, Cool, Indoor, Spring, Windy"


def test_magento_store_view_rows_override_only_when_asked() -> None:
    path = real("magento/magento2-test-import_configurable_for_multiple_store_views.csv")
    default, _ = read_all(path)
    assert {p.title for p in default} == {"Configurable 1"}
    view, _ = read_all(path, store_view="fixture_second_store")
    assert {p.title for p in view} == {"Configurable 1 Second Store"}
    assert [p.id for p in view] == ["Configurable 1-Option 1", "Configurable 1-Option 2"]


def test_magento_non_latin_url_keys_are_percent_encoded() -> None:
    products, _ = read_all(real("magento/magento2-test-products_to_import_with_non_latin_url_keys.csv"))
    assert (
        products[0].link == f"{BASE}/%D1%96%D0%BC%D0%BF%D0%BE%D1%80%D1%82%D0%BE%D0%B2%D0%B0%D0%BD%D0%B8%D0%B9-"
        "%D0%BF%D1%80%D0%BE%D0%B4%D1%83%D0%BA%D1%82.html"
    )
    assert products[3].title == "Нове ім'я після імпорту що стане url key"
