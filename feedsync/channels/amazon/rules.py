"""Amazon rules (AMZ codes) applied to each flat channel item before it becomes a feed message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from feedsync.channels.amazon.spec import (
    MAX_DESCRIPTION_BYTES,
    MAX_ITEM_NAME,
    MAX_OTHER_IMAGES,
    MAX_SKU_LENGTH,
    WEIGHT_UNITS,
)
from feedsync.channels.base import ChannelItem, Findings, Note, Overlong, Surplus
from feedsync.checks import gtin_problem
from feedsync.diagnostics import Diagnostic
from feedsync.model.money import minor_units

_ASIN = re.compile(r"^[0-9A-Z]{10}$")
PRODUCT_TYPE_NAME = re.compile(r"^[A-Z0-9_]{1,100}$")


TEXTS = (
    Overlong("item_name", MAX_ITEM_NAME, "AMZ024", "Amazon"),
    Overlong("parent_name", MAX_ITEM_NAME, "AMZ024", "Amazon"),
    Overlong("product_description", MAX_DESCRIPTION_BYTES, "AMZ024", "Amazon", utf8=True),
)
"""Amazon takes an item name (a family's parent's too) of up to 200 characters and a description of up to 10,000
bytes in UTF-8."""
IMAGES = Surplus("other_images", MAX_OTHER_IMAGES, "AMZ025", "Amazon", "images")
"""Amazon's listings have eight other image slots (other_product_image_locator_1 to _8)."""


def prepare_item(item: ChannelItem) -> list[Note]:
    """Mends the offer before it is checked and written: a name or description longer than Amazon takes is cut at
    a word (AMZ024), images past the eight slots are left out (AMZ025), a negative quantity becomes 0 (AMZ013);
    tells of untracked stock sent without a quantity (AMZ012) and of a sale without dates sent as the price
    (AMZ014)."""
    notes: list[Note] = []
    for text in TEXTS:
        notes += text.cut(item)
    notes += IMAGES.cut(item)
    values = item.values
    quantity = values.get("quantity")
    if isinstance(quantity, str) and quantity.lstrip().startswith("-"):
        values["quantity"] = "0"
        notes.append(negative_quantity(quantity))
    if item.product.inventory_tracked is False and "quantity" not in values:
        notes.append(untracked_stock(""))
    if "sale_price" in values and not ("sale_start" in values and "sale_end" in values) and "price" in values:
        notes.append(undated_sale(""))
    return notes


def negative_quantity(quantity: str) -> Note:
    """AMZ013 of a negative ``quantity`` (sent as 0)."""
    return Note("AMZ013", "quantity", quantity, f"quantity {quantity} is negative: Amazon gets 0 (never a negative)")


def untracked_stock(_: str) -> Note:
    """AMZ012 of a variant whose stock the shop does not track, sent without a quantity."""
    return Note(
        "AMZ012",
        "quantity",
        "",
        "the shop does not track this variant's stock (it is always sellable there): no quantity is sent "
        "(settings.untracked_quantity: skip); set settings.untracked_quantity to the number Amazon should get",
    )


def undated_sale(_: str) -> Note:
    """AMZ014 of a sale price without dates (sent as the price)."""
    return Note(
        "AMZ014",
        "sale_price",
        "",
        "a sale price without dates is the price the shop sells at: Amazon gets it as the price (our_price) "
        "and the regular price as list_price",
    )


@lru_cache(maxsize=4096)  # prices and quantities repeat across a catalog
def not_a_number(text: str, whole: bool) -> bool:
    """Whether ``text`` is not the number the encoder writes of it: a whole number (``whole``: a quantity), else a
    finite decimal (a price, a weight)."""
    if whole:
        try:
            int(text)
        except ValueError:
            return True
        return False
    try:
        return not Decimal(text).is_finite()
    except ArithmeticError:  # not a decimal at all
        return True


def number_problem(values: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first of an offer's numbers (price, sale price, quantity, a weight in a unit feedsync converts) that is
    not one the listing can carry (a template made it "abc", "NaN" or "Infinity"), else a sale price not below the
    price: (field, what it must be)."""
    for attr, whole in (("price", False), ("sale_price", False), ("quantity", True), ("weight_value", False)):
        value = values.get(attr)
        if value is None or (attr == "weight_value" and values.get("weight_unit") not in WEIGHT_UNITS):
            continue
        text = value if type(value) is str else str(value)
        if not_a_number(text, whole):
            return attr, "a whole number such as 5" if whole else "a finite decimal such as 12.99"
        if attr in ("price", "sale_price") and not_above_zero(text):
            return attr, "above 0: Amazon takes no offer at 0.00 (at least 0.01, its smallest unit)"
        currency = values.get("currency")
        if attr in ("price", "sale_price") and type(currency) is str and not in_minor_units(text, currency):
            places = minor_units(currency)
            return attr, f"a whole amount: {currency} has no decimals" if not places else (
                f"an amount of at most {places} decimals, as {currency} has"
            )
    price, sale = values.get("price"), values.get("sale_price")
    if price is not None and sale is not None and Decimal(str(sale)) >= Decimal(str(price)):
        return "sale_price", (
            f"below the price ({price}): Amazon would sell at it (our_price, or discounted_price within its dates) "
            "above the list price"
        )
    return None


def not_above_zero(text: str) -> bool:
    """Whether the finite decimal ``text`` is 0 or less (``0.00``, ``-1``): no digit but 0 before its exponent, or
    a minus sign."""
    text = text.strip()
    return text.startswith("-") or not text.lstrip("+0.") or text.lstrip("+0.")[0] in "eE"


def in_minor_units(text: str, currency: str) -> bool:
    """Whether the amount ``text`` is a multiple of ``currency``'s smallest unit, as Amazon's definitions ask of an
    offer's prices (JPY whole, USD in cents: ``multipleOf``); 1580.50 JPY is not, 19.990 USD is."""
    places = minor_units(currency)
    dot = text.find(".")
    if (dot < 0 or len(text.rstrip()) - dot - 1 <= places) and "e" not in text and "E" not in text:
        return True  # most prices: their decimals counted (19.99 USD), no Decimal made
    _, digits, exponent = Decimal(text).as_tuple()  # (no quantize: 1e400 is past any context's precision)
    if not isinstance(exponent, int):  # (not finite: the callers ask finite amounts only)
        return False
    if not any(digits):  # zero (0.00, 0E-10): a multiple of any unit
        return True
    zeros = len(digits) - len(bytes(digits).rstrip(b"\0"))  # trailing zeros: 19.990 is 19.99
    return exponent + zeros >= -places


def sku_problem(sku: str) -> str | None:
    """What is wrong with a SKU Amazon would reject, or None."""
    if len(sku) > MAX_SKU_LENGTH:
        return f"is {len(sku)} characters, more than Amazon's {MAX_SKU_LENGTH}"
    if not (sku and sku.isascii() and sku.isprintable()):  # printable ASCII, U+0020..U+007E (no regex: per item)
        bad = sorted({c for c in sku if not ("\x20" <= c <= "\x7e")})
        return "holds characters Amazon does not take in a SKU (printable ASCII only): " + " ".join(
            f"{c!r} (U+{ord(c):04X})" for c in bad[:5]
        )
    return None


NO_PRODUCT_TYPE = (
    "no Amazon product type: map the product_type in the category map (amazon_product_type) or set "
    "settings.default_product_type"
)
LISTING_NEEDS: tuple[tuple[str, str, str], ...] = (
    ("AMZ003", "sku", "sku is required"),
    ("AMZ001", "product_type", NO_PRODUCT_TYPE),
    ("AMZ003", "item_name", "item_name is required for a listing"),
    ("AMZ003", "brand", "brand is required for a listing"),
    ("AMZ003", "price", "price is required for a listing"),
    ("AMZ006", "main_image", "a listing needs a main image"),
)
"""What :func:`check_item` tells a listing (an item without an ASIN) that lacks each field, in the order it tells
them: (code, field, message)."""


_NEEDED = {attr: (code, attr, message) for code, attr, message in LISTING_NEEDS}


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found = Findings(item, channel)
    report = found.report
    values = item.values

    sku = values.get("sku")
    if not isinstance(sku, str):
        report(*_NEEDED["sku"])
    for attr in ("sku", "parent_sku"):
        value = values.get(attr)
        if isinstance(value, str) and (problem := sku_problem(value)):
            report("AMZ002", attr, f"{attr} {value!r} {problem}", value)
    offer_only = "asin" in values
    if "product_type" not in values and not offer_only:
        report(*_NEEDED["product_type"])
    product_type = values.get("product_type")
    if isinstance(product_type, str) and not PRODUCT_TYPE_NAME.match(product_type):
        spelled = re.sub(r"[^A-Z0-9]+", "_", product_type.upper()).strip("_")
        hint = f" (did you mean {spelled}?)" if spelled and PRODUCT_TYPE_NAME.match(spelled) else ""
        report(
            "AMZ021",
            "product_type",
            f"{product_type!r} is not an Amazon product type name{hint}: Amazon's are upper-case letters, digits "
            "and _ (`feedsync amazon definitions search KEYWORDS` lists them)",
            product_type,
        )
    if not offer_only:
        for attr in ("item_name", "brand", "price"):
            if attr not in values:
                report(*_NEEDED[attr])
    elif "price" not in values:
        report("AMZ003", "price", "price is required for an offer")
    asin = values.get("asin")
    if isinstance(asin, str) and not _ASIN.match(asin):
        report("AMZ005", "asin", f"asin {asin!r} is not 10 upper-case letters and digits", asin)
    if not offer_only and "main_image" not in values:
        report(*_NEEDED["main_image"])
    gtin = values.get("gtin")
    if isinstance(gtin, str) and (problem := gtin_problem(gtin)):
        report("AMZ007", "gtin", problem, gtin)
    number = number_problem(values)
    if number is not None:
        attr, must = number
        report(
            "AMZ022",
            attr,
            f"{attr} {values[attr]!r} is not a number Amazon takes: it must be {must}",
            str(values[attr]),
        )
    name = values.get("item_name")
    if isinstance(name, str) and len(name) > MAX_ITEM_NAME:
        report("AMZ004", "item_name", f"item_name is {len(name)} characters, more than {MAX_ITEM_NAME}", name[:80])
    return found
