"""Google local inventory (local inventory ads and free local listings): one row per product and store.

Attributes as the local inventory data specification names them: id, store_code, quantity, availability,
price/sale_price overrides, pickup_method and pickup_sla (support.google.com/merchants answers 14819809,
14154192 pickup_method, 14154452 pickup_SLA)."""

from feedsync.channels.base import ChannelItem, ChannelSpec, Findings, FormatSpec, register_channel
from feedsync.channels.google.spec import NAMESPACE
from feedsync.checks import feed_price
from feedsync.diagnostics import Diagnostic

REQUIRED = ("id", "store_code", "availability")
AVAILABILITY = frozenset({"in_stock", "limited_availability", "on_display_to_order", "out_of_stock"})
PICKUP_METHODS = frozenset({"buy", "reserve", "ship to store", "not supported"})
PICKUP_SLAS = frozenset(
    {"same_day", "same day", "next_day", "next day", "2-day", "3-day", "4-day", "5-day", "6-day", "7-day", "multi-week"}
)


def check_item(item: ChannelItem, channel: str) -> list[Diagnostic]:
    found = Findings(item, channel)
    report = found.report
    values = item.values

    found.require("GMC001", REQUIRED)
    for attr, allowed in (
        ("availability", AVAILABILITY),
        ("pickup_method", PICKUP_METHODS),
        ("pickup_sla", PICKUP_SLAS),
    ):
        value = values.get(attr)
        if isinstance(value, str) and value not in allowed:
            report("GMC004", attr, f"{attr} {value!r} is not one of: {', '.join(sorted(allowed))}")
    quantity = values.get("quantity")
    if isinstance(quantity, str) and not (quantity.isascii() and quantity.isdigit()):
        report("GMC004", "quantity", f"quantity {quantity!r} is not a whole number of 0 or more", quantity)
    for attr in ("price", "sale_price"):
        value = values.get(attr)
        if isinstance(value, str) and feed_price(value) is None:
            report("GMC005", attr, f"{attr} {value!r} is not a number and a currency (15.00 USD)", value)
    if "pickup_method" in values and values["pickup_method"] != "not supported" and "pickup_sla" not in values:
        report("GMC001", "pickup_sla", "pickup_sla is required with a pickup_method")
    return found


GOOGLE_LOCAL = register_channel(
    ChannelSpec(
        name="google_local",
        formats={
            "tsv": FormatSpec("tsv", "delimited", {"delimiter": "\t", "list_separator": ",", "quoted_entries": True}),
            "xml": FormatSpec("xml", "rss", {"namespace": NAMESPACE, "prefix": "g"}),
        },
        check_item=check_item,
        id_limits={"id": 50},  # the product's id in the primary feed, fitted the same way
    )
)
