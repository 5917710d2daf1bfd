"""The quick pass of the Amazon rules: True only for an item ``rules.check_item`` finds nothing in (as Google's
``screen``: a doubt means False, and the full check writes the findings). Offer-only items (with an asin) always
go through the full check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedsync.channels.amazon.rules import PRODUCT_TYPE_NAME, number_problem, sku_problem
from feedsync.channels.amazon.spec import MAX_ITEM_NAME
from feedsync.checks import gtin_problem

_LISTING = frozenset(("sku", "product_type", "item_name", "brand", "price", "main_image"))


def clean(values: Mapping[str, Any]) -> bool:
    """True when the Amazon rules find nothing in an item with ``values``; False when they may."""
    if not values.keys() >= _LISTING or "asin" in values:
        return False
    sku, name, product_type = values["sku"], values["item_name"], values["product_type"]
    if type(sku) is not str or sku_problem(sku) or type(name) is not str or len(name) > MAX_ITEM_NAME:
        return False
    if type(product_type) is not str or not PRODUCT_TYPE_NAME.match(product_type):
        return False
    parent = values.get("parent_sku")
    if parent is not None and (type(parent) is not str or sku_problem(parent)):
        return False
    gtin = values.get("gtin")
    if gtin is not None and (type(gtin) is not str or gtin_problem(gtin) is not None):
        return False
    return number_problem(values) is None
