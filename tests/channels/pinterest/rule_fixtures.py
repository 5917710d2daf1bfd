"""A fixture per PIN code for tests/test_rule_fixtures.py, which collects ``FIXTURES`` from every channel's tests:
(fixture, (product_id, field, row, column))."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from feedsync.channels.base import ChannelItem
from feedsync.channels.pinterest.rules import check_item
from feedsync.diagnostics import Diagnostic
from feedsync.model import Money, Product
from feedsync.model.product import SourceRef

Found = list[Diagnostic]
# Each attribute comes from the source column of the same name, at row 5 of "pins.csv".
NAMES = ["id", "title", "description", "link", "image_link", "additional_image_link", "price", "sale_price"]
NAMES += ["availability", "condition", "gender", "gtin"]
REF = SourceRef.model_construct(path="pins.csv", row=5, columns={n: (n, i) for i, n in enumerate(NAMES, start=1)})
PRODUCT = Product(id="P1", title="T", price=Money(amount=Decimal(1), currency="USD"), source=REF)
GOOD: dict[str, Any] = {
    "id": "P1",
    "title": "Linen throw pillow",
    "description": "Stonewashed linen cover with a feather insert.",
    "link": "https://shop.example.com/p/pillow",
    "image_link": "https://shop.example.com/i/pillow.jpg",
    "price": "39.00 USD",
    "availability": "in stock",
}


def item(**changes: Any) -> Callable[[Path], Found]:
    values = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    made = ChannelItem(id="P1", values=values, product=PRODUCT, origins={n: n for n in NAMES})
    return lambda tmp: check_item(made, "pinterest")


FIXTURES: dict[str, tuple[Callable[[Path], Found], tuple[Any, ...]]] = {
    "PIN001": (item(availability=None), ("P1", "availability", 5, 9)),
    "PIN002": (item(title="x" * 501), ("P1", "title", 5, 2)),
    "PIN003": (item(condition="like new"), ("P1", "condition", 5, 10)),
    "PIN004": (item(link="shop.example.com/p/pillow"), ("P1", "link", 5, 4)),
    "PIN005": (item(price="39.00"), ("P1", "price", 5, 7)),
    "PIN006": (item(sale_price="39.00 USD"), ("P1", "sale_price", 5, 8)),
    "PIN007": (item(image_link="https://shop.example.com/i/w_200,h_200/pillow.jpg"), ("P1", "image_link", 5, 5)),
    "PIN009": (item(gtin="4006381333932"), ("P1", "gtin", 5, 12)),
}
