"""Meta catalog rules (META codes) applied to each channel item."""

from __future__ import annotations

import re

from feedsync.channels.base import ChannelItem, Findings, Note, Overlong, Surplus
from feedsync.channels.meta.spec import (
    AVAILABILITY_VALUES,
    CONDITION_VALUES,
    MAX_ADDITIONAL_IMAGES,
    MAX_LENGTH,
    REQUIRED,
    VARIANT_FIELDS,
)
from feedsync.channels.templating.filters import variant_text
from feedsync.checks import feed_price, gtin_problem
from feedsync.diagnostics import Diagnostic

_SEPARATOR = re.compile("[,:]").search
IMAGES = Surplus("additional_image_link", MAX_ADDITIONAL_IMAGES, "META008", "Meta", "images")
"""Meta takes up to 20 additional images."""
TEXTS = tuple(Overlong(name, MAX_LENGTH[name], "META010", "Meta") for name in ("title", "description"))
"""Meta takes a title of up to 200 characters and a description of up to 9,999."""


def prepare_item(item: ChannelItem) -> list[Note]:
    """Additional images past the 20 Meta takes are left out, each item's told (META008); a title or description
    longer than Meta takes is cut at a word (META010); a variant attribute whose ':' or ',' ``variant_pairs`` made a
    space is told (META009)."""
    notes = IMAGES.cut(item)
    for text in TEXTS:
        notes += text.cut(item)
    pairs = item.values.get("additional_variant_attribute")
    if isinstance(pairs, str) and pairs:
        notes += _separators_replaced(item, pairs)
    return notes


def _separators_replaced(item: ChannelItem, pairs: str) -> list[Note]:
    """META009 of each name or value of the product's options and attributes that holds ':' or ',' (the
    separators of ``Key:Value,Key2:Value2``, for which Meta has no escape) and is sent in ``pairs`` as
    ``variant_pairs`` makes it, with spaces for them."""
    sent = set(pairs.split(","))
    notes = []
    product = item.product
    seen = set()
    for source in (product.variant_options, product.attributes):
        for name, value in source.items():  # (every column of a wide catalog: plain ``in`` tests, no regex)
            if not value or (":" not in name and "," not in name and ":" not in value and "," not in value):
                continue
            if (name, value) in seen:
                continue
            seen.add((name, value))
            if f"{variant_text(name)}:{variant_text(value)}" not in sent:
                continue
            for given, of in ((name, None), (value, name)):
                if _SEPARATOR(given):
                    notes.append(separator_note(given, of))
    return notes


def separator_note(given: str, of: str | None) -> Note:
    """META009 of the name (``of`` None) or the value of the attribute ``of`` that ``given`` is, sent with a space
    for each ':' or ','."""
    what = "the name" if of is None else f"the value of {of!r}"
    message = (
        f"additional_variant_attribute: {what} {given!r} is sent as {variant_text(given)!r}: Meta reads ':' and ',' "
        "as its separators (Key:Value,Key2:Value2) and takes no escape for them"
    )
    return Note("META009", "additional_variant_attribute", given, message)


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found = Findings(item, channel)
    report = found.report
    values = item.values

    found.require("META001", REQUIRED)
    for attr, limit in MAX_LENGTH.items():
        value = values.get(attr)
        if isinstance(value, str) and len(value) > limit:
            report("META002", attr, f"{attr} is {len(value)} characters, more than Meta's {limit}", value[:80])
    if not any(k in values for k in ("brand", "gtin", "mpn")):
        report("META003", "brand", "Meta needs a brand, a gtin or an mpn")
    availability = values.get("availability")
    if isinstance(availability, str) and availability not in AVAILABILITY_VALUES:
        report(
            "META004",
            "availability",
            f"availability {availability!r} is not one of Meta's values ({', '.join(sorted(AVAILABILITY_VALUES))})",
            availability,
        )
    condition = values.get("condition")
    if isinstance(condition, str) and condition not in CONDITION_VALUES:
        report("META004", "condition", f"condition {condition!r} is not one of Meta's values", condition)
    for attr in ("price", "sale_price"):
        value = values.get(attr)
        if isinstance(value, str) and feed_price(value) is None:
            report("META005", attr, f"{attr} {value!r} is not an amount with an ISO 4217 currency", value)
    if "item_group_id" in values and not any(a in values for a in VARIANT_FIELDS):
        report(
            "META006", "item_group_id", f"the item is a variant but has no variant field ({', '.join(VARIANT_FIELDS)})"
        )
    gtin = values.get("gtin")
    if isinstance(gtin, str) and (problem := gtin_problem(gtin)):
        report("META007", "gtin", problem, gtin)
    return found
