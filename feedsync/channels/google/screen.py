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
from itertools import repeat
from typing import Any

from feedsync.channels.google.rules import category_path
from feedsync.channels.google.spec import (
    ALLOWED,
    APPAREL_ROOT,
    DATED_AVAILABILITY,
    MAX_LENGTH,
    PROMOTIONAL,
    REQUIRED,
    SIZED_CATEGORIES,
)
from feedsync.checks import (
    PLAIN_URL,
    PLAIN_URL_PATTERN,
    any_unseen,
    feed_price,
    gtin_problem,
    gtin_reserved,
    interval_problem,
)
from feedsync.taxonomy import is_google_category

_REQUIRED = frozenset(REQUIRED)
_URLS = ("link", "mobile_link", "image_link", "additional_image_link")
_URL_LIMIT = min(MAX_LENGTH[attr] for attr in _URLS if attr in MAX_LENGTH)
"""The links' lengths are asked with the links, against the shortest of their limits (a doubt is a False)."""
_LIMITS = tuple((attr, limit) for attr, limit in MAX_LENGTH.items() if attr not in _URLS)
_CHOICES = tuple(ALLOWED.items())
_PROMOTIONAL = re.compile("|".join(re.escape(p) for p in PROMOTIONAL))
_NO = ("no", "false")
_TEXT_ONLY = {str}
_PLAIN_URLS = re.compile(rf"{PLAIN_URL_PATTERN}[^ ]*+(?: {PLAIN_URL_PATTERN}[^ ]*+)*+")
"""Plain URLs (``PLAIN_URL``) joined by single spaces; the links it is asked of have no space of their own (nothing
given back once a link's end is reached: a shorter link would end before a character that is no space)."""
_start = "\uffff"
"""The start ``PLAIN_URL`` found in the last link it was asked of (a shop's links share it: a link that begins with
it is a plain one, when ASCII without spaces); at first a text no ASCII link begins with."""


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
        letters = [*filter(str.isalpha, title)]
        if len(letters) >= 8 and all(map(str.isupper, letters)):
            return False
    return _PROMOTIONAL.search(title.lower()) is None


def _lengths_clean(values: Mapping[str, Any]) -> bool:
    get = values.get  # a plain loop: faster than set operations and maps over a score of attributes
    for attr, limit in _LIMITS:
        value = get(attr)
        if value is None:
            continue
        if type(value) is str:
            if len(value) > limit:
                return False
        elif type(value) is list:
            for entry in value:
                if type(entry) is not str or len(entry) > limit:
                    return False
        else:
            return False
    return True


def _urls_clean(values: Mapping[str, Any]) -> bool:
    """Every link a plain URL (``checks.PLAIN_URL``: printable ASCII, no spaces, a dot in the host name) within its
    length, asked of all the item's links at once: joined by spaces, with as many spaces as joins (so no link has
    one), each beginning as the last link asked did (or each a plain URL)."""
    get = values.get
    links: list[str] = []
    for attr in _URLS:
        value = get(attr)
        if value is None:
            continue
        if type(value) is str:
            links.append(value)
        elif type(value) is list:
            if value and {*map(type, value)} != _TEXT_ONLY:
                return False
            links += value
        else:
            return False
    if not links:
        return True
    global _start
    joined = " ".join(links)
    if not joined.isascii() or not joined.isprintable() or joined.count(" ") != len(links) - 1:
        return False
    if len(joined) > _URL_LIMIT and max(map(len, links)) > _URL_LIMIT:
        return False
    if all(map(str.startswith, links, repeat(_start))):
        return True
    if _PLAIN_URLS.fullmatch(joined) is None:
        return False
    _start = PLAIN_URL.match(joined).group()  # type: ignore[union-attr]
    return True


def _prices_clean(values: Mapping[str, Any]) -> bool:
    price, sale = values.get("price"), values.get("sale_price")
    if (price is None or type(price) is str) and (sale is None or type(sale) is str):
        return _known_prices_clean(price, sale)  # prices repeat across a catalog
    return _pair_clean(price, sale)


def _pair_clean(price: Any, sale: Any) -> bool:
    regular = feed_price(price) if type(price) is str else None
    if price is not None and (regular is None or regular[0] <= 0):
        return False
    if sale is None:
        return True
    reduced = feed_price(sale) if type(sale) is str else None
    return reduced is not None and (regular is None or (reduced[1] == regular[1] and reduced[0] < regular[0]))


_known_prices_clean = lru_cache(maxsize=4096)(_pair_clean)


def clean(values: Mapping[str, Any]) -> bool:
    """True when the Google rules find nothing in an item with ``values``; False when they may."""
    if not values.keys() >= _REQUIRED or not _lengths_clean(values) or not _prices_clean(values):
        return False
    if any_unseen(values, REQUIRED):  # GMC001 of a text of invisible characters only
        return False
    get = values.get
    for attr, allowed in _CHOICES:
        value = get(attr)
        if value is not None and (type(value) is not str or value not in allowed):
            return False
    window = values.get("sale_price_effective_date")
    if window is not None and (type(window) is not str or interval_problem(window) is not None):
        return False
    if "availability_date" in values or get("availability") in DATED_AVAILABILITY:  # GMC019, GMC020
        return False
    gtin = values.get("gtin")
    if gtin is not None and (type(gtin) is not str or gtin_problem(gtin) or gtin_reserved(gtin)):
        return False
    exists = values.get("identifier_exists")
    if exists is not None and type(exists) is not str:
        return False
    no = exists is not None and exists.lower() in _NO
    if no and ("gtin" in values or "mpn" in values):  # GMC009
        return False
    if "gtin" not in values and not ("brand" in values and "mpn" in values) and not no:  # GMC003
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
