"""Shopware 6 product export (the default product profile of Administration > Settings > Import/Export): a
``;``-delimited CSV with hex UUID ids, ``parent_id`` for variants, net and gross prices, and the cover image's URL.
Its columns are mapped onto the model; every other column (``product_number``, ``tax_rate``, the JSON cells, …) is
kept in ``attributes``."""

from __future__ import annotations

from feedsync.config import SourceConfig
from feedsync.sources.base import Sniff, detector, register
from feedsync.sources.native import DelimitedSource

COLUMNS = {
    "parent_id": "group_id",
    "name": "title",
    "stock": "quantity",
    "ean": "gtin",
    "price_gross": "price",  # what a shopper pays: feeds show prices with tax
    "manufacturer_name": "brand",
    "cover_media_url": "image_link",
}
"""Shopware column -> model field (``id`` and ``description`` have the model's names)."""
OWN_COLUMNS = frozenset({"parent_id", "product_number", "price_gross", "cover_media_url"})


@register("shopware", columns="header")
def _shopware(config: SourceConfig) -> DelimitedSource:
    return DelimitedSource(config.model_copy(update={"columns": {**COLUMNS, **config.columns}}), None, "shopware")


@detector(rank=160)
def _looks_like_shopware(sniff: Sniff) -> str | None:
    return "shopware" if sniff.keys >= OWN_COLUMNS else None
