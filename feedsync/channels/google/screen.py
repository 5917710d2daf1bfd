"""The quick pass of the Google rules: True only for an item ``rules.check_item`` finds nothing in.

Most items are clean, and the full check spends most of its time finding that out attribute by attribute. This
pass asks the same questions in bulk (set operations on the item's keys, one look per value, cached answers for
the category) and says False at the first doubt: the full check then runs and writes the findings, so they stay
exactly its own. A pass that says True for an item with a finding is a bug (tests/channels/test_screens.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from itertools import compress, repeat
from operator import gt
from typing import Any

from feedsync.channels.google.rules import category_path
from feedsync.channels.google.spec import ALLOWED, APPAREL_ROOT, MAX_LENGTH, PROMOTIONAL, REQUIRED, SIZED_CATEGORIES
from feedsync.checks import PLAIN_URL, feed_price, gtin_problem, interval_problem
from feedsync.taxonomy import is_google_category

_REQUIRED = frozenset(REQUIRED)
_LIMITED = frozenset(MAX_LENGTH)
_CHOICES = frozenset(ALLOWED)
_URLS = ("link", "mobile_link", "image_link", "additional_image_link")
_PROMOTIONAL = re.compile("|".join(re.escape(p) for p in PROMOTIONAL))
_NO = ("no", "false")
_STR = frozenset((str,))
_TEXTS = frozenset((str, list))


@lru_cache(maxsize=4096)
def _category_needs(category: str | None) -> frozenset[str] | None:
    """The attributes an item of ``category`` needs (apparel), or None for a category Google does not know."""
    if category is not None and not is_google_category(category):
        return None
    segments = [part.strip() for part in (category_path(category) or "").split(">")]
    if segments[0] != APPAREL_ROOT:
        return frozenset()
    sized = len(segments) > 1 and segments[1] in SIZED_CATEGORIES
    return frozenset(("color", "gender", "age_group", "size") if sized else ("color", "gender", "age_group"))


def _title_clean(title: str) -> bool:
    if title.isascii():
        if title.isupper():  # some letter, none lower case: the full check counts them
            return False
    else:
        letters = [c for c in title if c.isalpha()]
        if len(letters) >= 8 and all(c.isupper() for c in letters):
            return False
    return _PROMOTIONAL.search(title.lower()) is None


def _lengths_clean(values: Mapping[str, Any]) -> bool:
    attrs = list(_LIMITED & values.keys())
    found = list(map(values.__getitem__, attrs))
    types = set(map(type, found))
    if not types <= _TEXTS or any(map(gt, map(len, found), map(MAX_LENGTH.__getitem__, attrs))):
        return False
    if types <= _STR:
        return True
    for attr in compress(attrs, map(isinstance, found, repeat(list))):  # repeated: every entry within the limit
        entries = values[attr]
        if not set(map(type, entries)) <= _STR or any(map(gt, map(len, entries), repeat(MAX_LENGTH[attr]))):
            return False
    return True


def _urls_clean(values: Mapping[str, Any]) -> bool:
    """Every link a plain URL (``checks.PLAIN_URL``): one scan of them all for non-ASCII and spaces."""
    urls: list[Any] = []
    for attr in _URLS:
        value = values.get(attr)
        if type(value) is str:
            urls.append(value)
        elif type(value) is list:
            urls += value
        elif value is not None:
            return False
    if not set(map(type, urls)) <= _STR:
        return False
    joined = "".join(urls)
    return joined.isascii() and " " not in joined and all(map(PLAIN_URL.match, urls))


def _prices_clean(values: Mapping[str, Any]) -> bool:
    price, sale = values.get("price"), values.get("sale_price")
    regular = feed_price(price) if type(price) is str else None
    if price is not None and (regular is None or regular[0] <= 0):
        return False
    if sale is None:
        return True
    reduced = feed_price(sale) if type(sale) is str else None
    return reduced is not None and (regular is None or (reduced[1] == regular[1] and reduced[0] < regular[0]))


def clean(values: Mapping[str, Any]) -> bool:
    """True when the Google rules find nothing in an item with ``values``; False when they may."""
    if not values.keys() >= _REQUIRED or not _lengths_clean(values) or not _prices_clean(values):
        return False
    for attr in _CHOICES & values.keys():
        value = values[attr]
        if type(value) is not str or value not in ALLOWED[attr]:
            return False
    window = values.get("sale_price_effective_date")
    if window is not None and (type(window) is not str or interval_problem(window)):
        return False
    gtin = values.get("gtin")
    if gtin is not None and (type(gtin) is not str or gtin_problem(gtin)):
        return False
    exists = values.get("identifier_exists")
    if exists is not None and (type(exists) is not str or exists.lower() in _NO):
        return False
    if gtin is None and not ("brand" in values and "mpn" in values):
        return False
    if not _urls_clean(values):
        return False
    category = values.get("google_product_category")
    if category is not None and type(category) is not str:
        return False
    needs = _category_needs(category)
    if needs is None or not values.keys() >= needs:
        return False
    title = values["title"]
    return type(title) is str and _title_clean(title)
