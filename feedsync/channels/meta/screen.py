"""The quick pass of the Meta rules: True only for an item ``rules.check_item`` finds nothing in (as Google's
``screen``: a doubt means False, and the full check writes the findings)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from feedsync.channels.meta.spec import AVAILABILITY_VALUES, CONDITION_VALUES, MAX_LENGTH, REQUIRED, VARIANT_FIELDS
from feedsync.checks import any_unseen, feed_price, gtin_problem

_REQUIRED = frozenset(REQUIRED)
_LIMITS = tuple(MAX_LENGTH.items())
_IDENTIFIERS = frozenset(("brand", "gtin", "mpn"))
_VARIANT_FIELDS = frozenset(VARIANT_FIELDS)
_CHOICES = (("availability", AVAILABILITY_VALUES), ("condition", CONDITION_VALUES))


def clean(values: Mapping[str, Any]) -> bool:
    """True when the Meta rules find nothing in an item with ``values``; False when they may."""
    keys = values.keys()
    if not keys >= _REQUIRED or _IDENTIFIERS.isdisjoint(keys) or any_unseen(values, REQUIRED):
        return False
    get = values.get
    for attr, limit in _LIMITS:
        value = get(attr)
        if value is not None and (type(value) is not str or len(value) > limit):
            return False
    for attr, allowed in _CHOICES:
        value = get(attr)
        if value is not None and (type(value) is not str or value not in allowed):
            return False
    for attr in ("price", "sale_price"):
        value = get(attr)
        if value is not None and (type(value) is not str or feed_price(value) is None):
            return False
    if "item_group_id" in keys and _VARIANT_FIELDS.isdisjoint(keys):
        return False
    gtin = values.get("gtin")
    return gtin is None or (type(gtin) is str and gtin_problem(gtin) is None)
