"""Google Merchant Center rules (GMC codes) applied to each channel item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedsync.channels.base import ChannelItem, Findings, Note, Surplus
from feedsync.channels.google.spec import (
    ALLOWED,
    APPAREL_ROOT,
    DATED_AVAILABILITY,
    MAX_ADDITIONAL_IMAGES,
    MAX_LENGTH,
    PROMOTIONAL,
    REQUIRED,
    SIZED_CATEGORIES,
)
from feedsync.checks import (
    feed_price,
    gtin_problem,
    gtin_reserved,
    interval_problem,
    moment_problem,
    url_problem,
)
from feedsync.diagnostics import Diagnostic
from feedsync.taxonomy import google_path, is_google_category


def category_path(value: str | None) -> str | None:
    """The full taxonomy path of an id or path, as Google spells it (a path in another letter case is the same
    category: ``is_google_category``); an unknown path as given, an unknown id None."""
    if not value:
        return None
    text = value.strip()
    return google_path(text) or (None if text.isdigit() else text)


IMAGES = Surplus("additional_image_link", MAX_ADDITIONAL_IMAGES, "GMC021", "Google", "images")
"""Google takes up to 10 additional images (answer/6324370)."""


def prepare_item(item: ChannelItem) -> list[Note]:
    """google_product_category is optional and Google assigns a category itself, only warning about one it does not
    know: an unknown value is left out of the item (GMC017) rather than the item out of the feed. Additional images
    past the 10 Google takes are left out, each item's told (GMC021)."""
    notes = IMAGES.cut(item)
    category = item.values.get("google_product_category")
    if isinstance(category, str) and not is_google_category(category):
        del item.values["google_product_category"]
        message = (
            f"google_product_category {category!r} is not in Google's product taxonomy; it is left out of the item, "
            "which Google then categorizes itself"
        )
        notes.append(Note("GMC017", "google_product_category", category, message))
    return notes


def availability_date_findings(
    availability: str | None, values: Mapping[str, Any]
) -> list[tuple[str, str, str, str | None]]:
    """(code, attribute, message, value): a preorder or backorder without an availability_date (GMC019), an
    availability_date that is no ISO 8601 date and time with an offset (GMC020)."""
    date = values.get("availability_date")
    if date is None:
        if availability in DATED_AVAILABILITY:
            message = (
                f"availability {availability!r} needs availability_date, the day the item ships (Google disapproves "
                "the item without it): map it (fields: {availability_date: \"{{ attributes.get('availability_date', "
                "'') }}\"} for a column availability_date, as 2027-01-15T09:00+0100), or send the item as in_stock or "
                "out_of_stock"
            )
            return [("GMC019", "availability_date", message, None)]
        return []
    problem = moment_problem(date) if isinstance(date, str) else f"{date!r} is not one date and time"
    return [("GMC020", "availability_date", f"availability_date {problem}", str(date)[:80])] if problem else []


def price_findings(price: str | None, sale: str | None) -> list[tuple[str, str, str, str | None]]:
    """What the rules find of an item's price and sale price texts (None: it has none), in order: GMC005 of each
    that is no positive amount with a currency, GMC006 of a sale price not below the price; as (code, attribute,
    message, value)."""
    found: list[tuple[str, str, str, str | None]] = []
    prices = {}
    for attr, value in (("price", price), ("sale_price", sale)):
        if value is None:
            continue
        parsed = feed_price(value)
        if parsed is None or (attr == "price" and parsed[0] <= 0):
            found.append(
                ("GMC005", attr, f"{attr} {value!r} is not a positive amount with an ISO 4217 currency", value)
            )
        else:
            prices[attr] = parsed
    if "price" in prices and "sale_price" in prices:
        (regular, currency), (reduced, sale_currency) = prices["price"], prices["sale_price"]
        if sale_currency != currency or reduced >= regular:
            found.append(("GMC006", "sale_price", f"sale_price {sale} is not below price {price}", sale))
    return found


def apparel_message(attr: str, path: str) -> str:
    """GMC011's message of an apparel item (its category's ``path``) that lacks ``attr``."""
    return f"{attr} is required for apparel ({path})"


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found = Findings(item, channel)
    report = found.report
    values = item.values

    def text(attr: str) -> str | None:
        value = values.get(attr)
        return value if isinstance(value, str) else None

    found.require("GMC001", REQUIRED)
    for attr, limit in MAX_LENGTH.items():
        value = values.get(attr)
        for entry in [value] if isinstance(value, str) else value or []:
            if len(entry) > limit:
                report("GMC002", attr, f"{attr} is {len(entry)} characters, more than Google's {limit}", entry[:80])
    for attr, allowed in ALLOWED.items():
        value = text(attr)
        if value is not None and value not in allowed:
            report("GMC004", attr, f"{attr} {value!r} is not one of: {', '.join(sorted(allowed))}", value)

    for code, attr, message, value in price_findings(text("price"), text("sale_price")):
        report(code, attr, message, value)
    window = text("sale_price_effective_date")
    if window is not None and (problem := interval_problem(window)):
        report("GMC007", "sale_price_effective_date", problem, window)
    for code, attr, message, value in availability_date_findings(text("availability"), values):
        report(code, attr, message, value)

    gtin = text("gtin")
    if gtin is not None and (problem := gtin_problem(gtin) or gtin_reserved(gtin)):
        report("GMC008", "gtin", problem, gtin)
    identifier_exists = (text("identifier_exists") or "").lower()
    if identifier_exists in ("no", "false") and ("gtin" in values or "mpn" in values):
        report(
            "GMC009", "identifier_exists", "identifier_exists is 'no' but the item has a gtin or mpn", identifier_exists
        )
    if (
        "gtin" not in values
        and not ("brand" in values and "mpn" in values)
        and identifier_exists not in ("no", "false")
    ):
        report("GMC003", "gtin", "no gtin, no brand + mpn, and identifier_exists is not 'no'")

    for attr in ("link", "mobile_link", "image_link", "additional_image_link"):
        value = values.get(attr)
        for entry in [value] if isinstance(value, str) else value or []:
            if problem := url_problem(entry):
                report("GMC010", attr, f"{attr}: {problem}", entry)

    category = text("google_product_category")
    if category is not None and not is_google_category(category):
        report(
            "GMC013",
            "google_product_category",
            f"google_product_category {category!r} is not in Google's product taxonomy",
            category,
        )
    path = category_path(category) or ""
    segments = [part.strip() for part in path.split(">")]
    if segments[0] == APPAREL_ROOT:
        needed = ["color", "gender", "age_group"]
        if len(segments) > 1 and segments[1] in SIZED_CATEGORIES:
            needed.append("size")
        for attr in needed:
            if attr not in values:
                report("GMC011", attr, apparel_message(attr, path))

    title = text("title")
    if title is not None:
        letters = [c for c in title if c.isalpha()]
        if len(letters) >= 8 and all(c.isupper() for c in letters):
            report("GMC014", "title", "the title is in capital letters", title)
        lowered = title.lower()
        hits = [p for p in PROMOTIONAL if p in lowered]
        if hits:
            report("GMC015", "title", f"promotional text in the title: {', '.join(hits)}", title)
    return found
