"""A reader says whether its products may carry attributes of a feed they were read from (``Product.feed_attributes``,
which a delimited feed writes as columns its header learns at its end): a reader that says they cannot has none on
any real catalog, and a Google feed's reader says they may."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.config import SourceConfig
from feedsync.sources.base import NonEmpty, feed_attributes_possible, open_source
from feedsync.sources.shopify import ShopifySource
from tests.sources.realdata import REALDATA, names_no_catalog_column, needs_realdata

FOLDERS = ("shopify", "woocommerce", "magento", "bigcommerce", "prestashop", "shopware", "google_feeds", "meta")


def _catalogs() -> list[Path]:
    return [
        path
        for folder in FOLDERS
        for path in sorted((REALDATA / folder).glob("*"))
        if path.suffix in {".csv", ".xml", ".tsv", ".json"}
        and "orders" not in path.name
        and "mapping" not in path.name
        and not names_no_catalog_column(path)  # (refused: test_accounting)
    ]


@needs_realdata
@pytest.mark.parametrize("path", _catalogs(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_a_reader_that_says_its_products_carry_no_feeds_attributes_carries_none(path: Path) -> None:
    source = NonEmpty(open_source(SourceConfig.model_validate({"path": path, "currency": "USD"})))
    products = list(source.products(lambda _: None))
    if not feed_attributes_possible(source):
        assert not any(product.feed_attributes for product in products)
    if path.parent.name == "google_feeds":
        assert feed_attributes_possible(source) and any(product.feed_attributes for product in products)


def test_a_wrapped_reader_says_what_it_wraps_and_an_unknown_one_may(tmp_path: Path) -> None:
    config = SourceConfig.model_validate({"path": tmp_path / "products_export.csv", "format": "shopify"})
    assert not feed_attributes_possible(NonEmpty(ShopifySource(config)))
    assert feed_attributes_possible(object())  # (a plugin's reader that says nothing: its feeds wait for a header)
