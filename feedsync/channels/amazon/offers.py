"""An Amazon message's offer attributes: its condition, shipping group, list price and offer (the price the shop
sells at, a dated sale) and stock; and the number a price or weight is written as.

Prices, conditions and quantities repeat across a catalog: the entries of each are made once and shared by the
messages that carry them (messages are never changed once made): by every message without a definition, and by the
messages of one product type with a definition (its cut changes the entries in place, alike for each of them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from feedsync.channels.amazon.family import condition_in
from feedsync.channels.amazon.spec import CONDITION_TYPES, AmazonSettings
from feedsync.formats.json_listings import plain_number

Entries = list[dict[str, Any]]
Room = Callable[[dict[Any, Any]], dict[Any, Any]]
"""A cache with room for one more answer (the encoder's bound: it starts over when full)."""
_ABSENT = object()  # a field the item does not have (in a key of a cache)


def number(value: Any) -> tuple[float | int, bool]:
    """The number a price or weight is written as, and whether orjson writes it as ``json`` does (``plain_number``).
    It depends on the value's text alone (``Decimal(str(value))``; ``1`` and ``1.0`` print differently): prices
    and weights repeat across a catalog, the number of a text is read once."""
    return number_of_text(value if type(value) is str else str(value))


@lru_cache(maxsize=4096)
def number_of_text(text: str) -> tuple[float | int, bool]:
    value = Decimal(text)
    written = int(value) if value == value.to_integral_value() and "." not in text else float(value)
    return written, plain_number(written)


@lru_cache(maxsize=1024)  # sale dates repeat across a catalog
def _utc(text: str) -> str:
    """RFC 3339 in UTC, as the definitions' ``date-time`` format asks (``%Y`` does not pad years before 1000)."""
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%SZ")


class Offers:
    """The offer attributes of one run's messages."""

    def __init__(self, settings: AmazonSettings, room: Room) -> None:
        self._market = settings.marketplace_id
        self._channel = settings.fulfillment_channel_code
        group = settings.merchant_shipping_group
        self._group = group if group and self._channel == "DEFAULT" else None  # merchant-fulfilled offers only
        self._room = room
        # Per product type with a definition (None: every one without), the entries it shares: (product type,
        # condition) -> condition_type's; the shipping group's; the list price's and offer's (and whether their
        # numbers are plain) by the prices, sale dates and currency; quantity -> fulfillment_availability's
        self._conditions: dict[tuple[str, str], Entries] = {}
        self._shipping: dict[str | None, Entries] = {}
        self._offers: dict[tuple[Any, ...], tuple[Entries, Entries, bool]] = {}
        self._quantities: dict[tuple[str | None, str], Entries] = {}

    def _plain(self, value: Any) -> Entries:
        return [{"value": value, "marketplace_id": self._market}]

    def attributes(
        self, values: Mapping[str, Any], properties: Mapping[str, Any] | None, product_type: str
    ) -> tuple[dict[str, Any], bool]:
        """The item's offer attributes, and whether their numbers are plain and their currency a text."""
        pool = product_type if properties is not None else None  # whose entries the item shares
        condition = str(values.get("condition", "new"))
        written = self._conditions.get((product_type, condition))
        if written is None:
            mapped = condition_in(CONDITION_TYPES.get(condition, "new_new"), condition, properties)
            written = self._room(self._conditions)[(product_type, condition)] = self._plain(mapped)
        attributes: dict[str, Any] = {"condition_type": written}
        if self._group is not None:
            shipping = self._shipping.get(pool)
            if shipping is None:
                shipping = self._room(self._shipping)[pool] = self._plain(self._group)
            attributes["merchant_shipping_group"] = shipping
        plain = True
        if "price" in values:
            attributes["list_price"], attributes["purchasable_offer"], plain = self._offer(values, pool)
        quantity = values.get("quantity")
        if quantity is not None:
            shared = type(quantity) is str
            found = self._quantities.get((pool, quantity)) if shared else None
            if found is None:
                # never negative (prepare_item tells of it: AMZ013)
                found = [{"fulfillment_channel_code": self._channel, "quantity": max(0, int(str(quantity)))}]
                if shared:
                    self._room(self._quantities)[(pool, quantity)] = found
            attributes["fulfillment_availability"] = found
        return attributes, plain

    def _offer(self, values: Mapping[str, Any], pool: str | None) -> tuple[Entries, Entries, bool]:
        """The list price's and the offer's entries; shared by ``pool``'s messages, made once per prices, sale dates
        and currency (texts: the numbers are those of their texts)."""
        currency = values.get("currency", "USD")
        dated_sale = "sale_price" in values and "sale_start" in values and "sale_end" in values
        price, sale = values["price"], values.get("sale_price", _ABSENT)
        start, end = (values["sale_start"], values["sale_end"]) if dated_sale else (_ABSENT, _ABSENT)
        key = (pool, price, sale, start, end, currency)
        texts = (
            type(price) is str
            and type(currency) is str
            and (type(sale) is str or sale is _ABSENT)
            and (type(start) is str or start is _ABSENT)
            and (type(end) is str or end is _ABSENT)
        )
        found = self._offers.get(key) if texts else None
        if found is None:
            found = self._make_offer(values, currency, dated_sale)
            if texts:
                self._room(self._offers)[key] = found
        return found

    def _make_offer(self, values: Mapping[str, Any], currency: Any, dated_sale: bool) -> tuple[Entries, Entries, bool]:
        # A sale without dates is the price the shop sells at now: Amazon's price (our_price), not the regular
        # price; discounted_price needs start and end dates.
        selling, plain = number(values["sale_price"] if "sale_price" in values and not dated_sale else values["price"])
        listed, plain_listed = number(values["price"])
        plain = plain and plain_listed and type(currency) is str
        offer: dict[str, Any] = {
            "marketplace_id": self._market,
            "currency": currency,
            "audience": "ALL",
            "our_price": [{"schedule": [{"value_with_tax": selling}]}],
        }
        if dated_sale:
            start, end = _utc(str(values["sale_start"])), _utc(str(values["sale_end"]))
            sale, plain_sale = number(values["sale_price"])
            plain = plain and plain_sale
            offer["discounted_price"] = [{"schedule": [{"start_at": start, "end_at": end, "value_with_tax": sale}]}]
        return [{"value": listed, "currency": currency, "marketplace_id": self._market}], [offer], plain
