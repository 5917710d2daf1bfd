"""Pinterest catalog rules (PIN codes) applied to each channel item."""

from __future__ import annotations

from feedsync.channels.base import ChannelItem, Findings, Note, Overlong, Surplus, Value
from feedsync.channels.pinterest.spec import IMAGES as IMAGE_LINKS
from feedsync.channels.pinterest.spec import LINKS, MAX_ADDITIONAL_IMAGES, MAX_LENGTH, REQUIRED, VALUES
from feedsync.checks import feed_price, gtin_problem, url_problem
from feedsync.diagnostics import Diagnostic

IMAGES = Surplus("additional_image_link", MAX_ADDITIONAL_IMAGES, "PIN008", "Pinterest", "images")
"""Pinterest uses up to 10 additional images."""
TEXTS = tuple(Overlong(name, MAX_LENGTH[name], "PIN010", "Pinterest") for name in ("title", "description"))
"""Pinterest takes a title of up to 500 characters and a description of up to 10,000."""


def prepare_item(item: ChannelItem) -> list[Note]:
    """Additional images past the 10 Pinterest uses are left out (PIN008), a title or description longer than it
    takes is cut at a word (PIN010): each item's told."""
    notes = IMAGES.cut(item)
    for text in TEXTS:
        notes += text.cut(item)
    return notes


def _entries(value: Value | None) -> list[str]:
    """An attribute's text values: one for a single value, each for a repeated one."""
    if isinstance(value, str):
        return [value]
    return [v for v in value or [] if isinstance(v, str)]


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found = Findings(item, channel)
    report = found.report
    values = item.values

    found.require("PIN001", REQUIRED)
    for attr, limit in MAX_LENGTH.items():
        for entry in _entries(values.get(attr)):
            if len(entry) > limit:
                report("PIN002", attr, f"{attr} is {len(entry)} characters, more than Pinterest's {limit}", entry[:80])
    for attr, allowed in VALUES.items():
        value = values.get(attr)
        if isinstance(value, str) and value.lower() not in allowed:
            report("PIN003", attr, f"{attr} {value!r} is not one of Pinterest's values ({', '.join(sorted(allowed))})")
    for attr in LINKS:
        for entry in _entries(values.get(attr)):
            if problem := url_problem(entry):
                report("PIN004", attr, f"{attr}: {problem}", entry)
            elif attr in IMAGE_LINKS and "," in entry:
                report("PIN007", attr, f"{attr} holds a comma, which Pinterest cannot process", entry)
    _check_prices(found)
    gtin = values.get("gtin")
    if isinstance(gtin, str) and (problem := gtin_problem(gtin)):
        report("PIN009", "gtin", problem, gtin)
    return found


def _check_prices(found: Findings) -> None:
    values = found.item.values
    parsed = {}
    for attr in ("price", "sale_price"):
        value = values.get(attr)
        if isinstance(value, str):
            parsed[attr] = feed_price(value)
            if parsed[attr] is None:
                found.report("PIN005", attr, f"{attr} {value!r} is not an amount with an ISO 4217 currency", value)
    price, sale = parsed.get("price"), parsed.get("sale_price")
    if price and sale and sale[1] == price[1] and sale[0] >= price[0]:
        found.report("PIN006", "sale_price", f"sale_price {values['sale_price']} is not below price {values['price']}")
