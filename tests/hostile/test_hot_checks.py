"""Hostile items through the channels' checks: the good item with every single attribute set to each hostile value
(empty, blank, NUL, unicode letters and digits, huge, number-like, wrong types, lists, groups) or dropped, the
identifiers dropped together, and generated combinations. The checks a run makes (the quick pass, then the full
checks) give exactly the full checks' findings, or break alike."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.channels.base import ChannelItem, channel_spec
from feedsync.model.money import Money
from feedsync.model.product import Product, SourceRef
from tests.channels.test_screens import SCREENS

# Values as channel items hold them (text, lists of text, groups), and the hostile ones: empty, blank, NUL,
# unicode letters and digits, huge, numbers-like, wrong types.
_WORD_LIST = [
    "",
    " ",
    "\x00",
    "in_stock",
    "in stock",
    "new",
    "no",
    "FALSE",
    "yes",
    "male",
    "adult",
    "SHIRT",
    "shirt",
    "12.00 USD",
    "0.00 USD",
    "9.99 EUR",
    "12 USD",
    "-1.00 USD",
    "١٢.٠٠ USD",
    "4006381333931",
    "4006381333932",
    "036000291452",
    "00000000",
    "96385074",
    "4006 3813-33931",
    "١٢٣٤٥٦٧٨",
    "https://shop.example.com/p/1",
    "HTTPS://Shop.Example.COM/p?a=b",
    "http://localhost/x",
    "https://nodot/x",
    "https://shop.example.com/a b",
    "https://shöp.example.com/",
    "https://:80.example.com/",
    "ftp://shop.example.com/",
    "2271",
    "212",
    "Apparel & Accessories > Clothing",
    "Apparel & Accessories > Handbags, Wallets & Cases",
    "Home & Garden",
    "99999999",
    "MERINO WOOL TEE",
    "Merino Wool Tee",
    "ÉTÉ ÇA VA BIEN",
    "ⓐBCDEFGHIJ",
    "FREE SHIPPING tee",
    "Tee 50% off",
    "2026-11-27T00:00-05:00/2026-11-30T23:59-05:00",
    "2026-11-30T00:00Z/2026-11-27T00:00Z",
    "SKU-1",
    "SKU\u00e9",
    "G-1",
    "B0123456789",
    "B012345678",
    "=SUM(A1)",
    "x" * 51,
    "y" * 201,
    "z" * 5001,
]
_ODD_VALUES = [None, 0, 1, 3.5, True, ("a",), b"x"]
_WORDS = st.sampled_from(_WORD_LIST)
_VALUES = st.one_of(
    _WORDS,
    st.text(max_size=12),
    st.lists(_WORDS, max_size=3),
    st.lists(st.dictionaries(st.sampled_from(["country", "price"]), _WORDS, max_size=2), max_size=2),
    st.sampled_from(_ODD_VALUES),
)
_ATTRIBUTE_NAMES = [
    "id",
    "sku",
    "parent_sku",
    "asin",
    "title",
    "item_name",
    "description",
    "link",
    "mobile_link",
    "image_link",
    "main_image",
    "additional_image_link",
    "availability",
    "condition",
    "price",
    "sale_price",
    "sale_price_effective_date",
    "brand",
    "gtin",
    "mpn",
    "identifier_exists",
    "google_product_category",
    "product_type",
    "item_group_id",
    "color",
    "size",
    "gender",
    "age_group",
    "material",
    "custom_label_0",
    "adult",
]
_ATTRIBUTES = st.sampled_from(_ATTRIBUTE_NAMES)
_GOOD_ITEM = {
    "id": "SKU-1",
    "sku": "SKU-1",
    "title": "Merino Tee",
    "item_name": "Merino Tee",
    "description": "Soft",
    "link": "https://shop.example.com/p/1",
    "image_link": "https://shop.example.com/i/1.jpg",
    "main_image": "https://shop.example.com/i/1.jpg",
    "availability": "in_stock",
    "condition": "new",
    "price": "12.00 USD",
    "brand": "Acme",
    "mpn": "M-1",
    "gtin": "4006381333931",
    "product_type": "SHIRT",
}
_GOOD = {
    "google": _GOOD_ITEM,
    "meta": {**_GOOD_ITEM, "availability": "in stock"},
    "amazon": {**_GOOD_ITEM, "price": "12.00"},  # the Amazon profile's price is the amount alone
}
REF = SourceRef.model_construct(path="products.csv", row=2, columns={"title": ("title", 2), "gtin": ("ean", 5)})
_PRODUCT = Product(id="SKU-1", title="Merino Tee", price=Money(amount=Decimal(12), currency="USD"), source=REF)


def _same_findings(changes: dict[str, Any], dropped: set[str] | frozenset[str] = frozenset()) -> None:
    """Each channel's checks as a run makes them give the full checks' findings for the channel's good item with
    ``changes`` and without ``dropped`` (or the same exception), and its quick pass passes the item only when the
    full checks find nothing in it."""
    for name, (clean, full) in SCREENS.items():
        values = {key: value for key, value in {**_GOOD[name], **changes}.items() if key not in dropped}
        item = ChannelItem(id="SKU-1", values=dict(values), product=_PRODUCT, origins={"title": "title"})
        try:
            expected: Any = full(item, name)
        except Exception as exc:
            expected = type(exc)
        try:
            found: Any = channel_spec(name).check_item(item, name)
        except Exception as exc:
            found = type(exc)
        assert found == expected, (name, values)
        if expected != [] and not isinstance(expected, type):
            assert not clean(values), (name, values, expected)


def test_the_good_item_is_clean() -> None:
    for name, (clean, full) in SCREENS.items():
        assert full(ChannelItem(id="SKU-1", values=dict(_GOOD[name]), product=_PRODUCT), name) == []
        assert clean(_GOOD[name]), name


@pytest.mark.parametrize("attribute", _ATTRIBUTE_NAMES)
def test_every_value_of_every_attribute(attribute: str) -> None:
    """The good item with one attribute set to each of the values (or dropped): every single change."""
    _same_findings({}, {attribute})
    for value in [*_WORD_LIST, *_ODD_VALUES, _WORD_LIST, [{"country": "ES", "price": "1.00 EUR"}]]:
        _same_findings({attribute: value})


@pytest.mark.parametrize("size", [2, 3])
def test_identifiers_dropped_together(size: int) -> None:
    """No brand, gtin or mpn at all (META003), or only one of them (GMC003), with identifier_exists or not."""
    for dropped in itertools.combinations(("brand", "gtin", "mpn"), size):
        for exists in ({}, {"identifier_exists": "no"}, {"identifier_exists": "yes"}):
            _same_findings(exists, set(dropped))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.dictionaries(_ATTRIBUTES, _VALUES, max_size=4),
    dropped=st.sets(st.sampled_from(sorted(_GOOD["google"])), max_size=2),
)
def test_generated_items_get_the_full_checks_findings(changes: dict[str, Any], dropped: set[str]) -> None:
    """Near-valid items with a few attributes changed or dropped together."""
    _same_findings(changes, dropped)
