"""Value checks that several channels' rules share: GTINs, URLs, feed prices, ISO 8601 intervals, variants."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from feedsync.model.money import ISO_4217

GTIN_LENGTHS = (8, 12, 13, 14)
FEED_PRICE = re.compile(r"^([0-9]+(?:\.[0-9]+)?) ([A-Z]{3})$")
"""A feed price's form: ASCII digits (not ``\\d``, which takes other scripts' digits ``float`` reads) and a code."""
_INTERVAL_MOMENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:?[0-9]{2})")
"""A moment of an interval, matched whole (``fullmatch``: no line end after it)."""
PLAIN_URL_PATTERN = r"[Hh][Tt][Tt][Pp][Ss]?://[^/: ]*\."
"""The start of a plain URL: http(s)://, the scheme's letters in either case, and a host name (before any port or
path) with a dot. A URL that is ASCII, has no spaces and begins so is one url_problem passes. The letters are spelled
out, not ``re.IGNORECASE`` (which folds the case of every character the pattern reads: ``K``, the Kelvin sign, is a
``k`` to it); the space in the host is refused so that links joined by spaces can be asked at once."""
PLAIN_URL = re.compile(PLAIN_URL_PATTERN)

_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
"""Unicode categories of characters that show nothing: controls, format characters (the zero-width space, joiner
and non-joiner, the word joiner, the byte order mark, the soft hyphen, direction marks) and spaces."""
UNSEEN_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"
"""Letters and symbols that show as a blank: the Hangul fillers and the blank Braille pattern."""
UNSEEN_PATTERN = "^[\\p{Cc}\\p{Cf}\\p{Z}" + "".join(f"\\x{{{ord(c):04X}}}" for c in UNSEEN_FILLERS) + "]+$"
"""A Rust (Polars) regular expression of a text ``unseen`` says True of (the columnar quick passes'; Unicode versions
may differ at the edges: a doubt only sends the item to the rules)."""


def any_unseen(values: Mapping[str, Any], attributes: Iterable[str]) -> bool:
    """Whether the text of one of ``attributes`` in ``values`` shows nothing (``unseen``; quick passes: most values
    begin with a visible ASCII character, and that one look tells them)."""
    for attr in attributes:
        value = values.get(attr)
        if type(value) is str and value and not ("!" <= value[0] <= "~") and unseen(value):
            return True
    return False


def code_points(text: str, most: int = 8) -> str:
    """The first ``most`` characters of ``text`` as code points (``U+200B U+200C ...``): what a message shows of a
    text that shows nothing."""
    return " ".join(f"U+{ord(c):04X}" for c in text[:most]) + (" ..." if len(text) > most else "")


def unseen(text: str) -> bool:
    """Whether a non-empty ``text`` shows nothing: only invisible characters (``_UNSEEN_CATEGORIES``,
    ``UNSEEN_FILLERS``), as a title of zero-width spaces that Google reads as empty."""
    if text.isascii():
        return all(c <= " " or c == "\x7f" for c in text)
    category = unicodedata.category
    return all(c in UNSEEN_FILLERS or category(c) in _UNSEEN_CATEGORIES for c in text)


def gtin_check_digit(body: str) -> int:
    """GS1 mod-10: weights 3,1,3,… from the right of the body (the digits before the check digit)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


_DIGIT_OFFSETS = {length: 48 * (3 * (length // 2) + (length - 1) // 2 + 1) for length in GTIN_LENGTHS}
"""GTIN length -> what the bytes of its digits, weighted 3, 1, 3... from the right but one, then 1, add to the sum
of the digits so weighted (48 per digit, ``ord("0")``)."""
_valid_gtin: str | None = None
"""The last GTIN found valid: every channel checks the same variant's GTIN, one channel after another."""


def gtin_problem(value: str) -> str | None:
    """Why ``value`` is not a valid GTIN (spaces and dashes are ignored, as Google does), or None."""
    global _valid_gtin
    if value == _valid_gtin:
        return None
    # most GTINs: ASCII digits only (isdigit of ASCII text: 0-9), summed as bytes, the check digit's weight 1: a
    # multiple of 10 (0 only when all are zeros)
    offset = _DIGIT_OFFSETS.get(len(value))
    if offset is not None and value.isdigit() and value.isascii():
        data = value.encode("ascii")
        total = 3 * sum(data[-2::-2]) + sum(data[-3::-2]) + data[-1] - offset
        if total and not total % 10:
            _valid_gtin = value
            return None
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdecimal():  # not isdigit: '²' is a digit int() refuses
        return f"gtin {value!r} has characters other than digits"
    if len(digits) not in GTIN_LENGTHS:
        return f"gtin {value!r} has {len(digits)} digits; a GTIN has 8, 12, 13 or 14"
    if set(digits) == {"0"}:
        return f"gtin {value!r} is all zeros"
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"gtin {value!r} has check digit {digits[-1]}, but its digits give {expected}"
    return None


GTIN_RESERVED = re.compile("2|0[24]|98[1-4]|99|05")
"""The starts of a GTIN's 13-digit form Google refuses (``gtin_reserved``): restricted circulation (2, 02, 04) and
coupons (981 to 984, 99, 05)."""


def gtin_reserved(value: str) -> str | None:
    """Why Google refuses ``value``, a GTIN ``gtin_problem`` passes, for the range its number is in, or None: a number
    for use within a company or a region (its 13-digit form starting 2, 02 or 04: answer/6286293) or a coupon's
    (981 to 984, 99, 05: answer/6286302). The 13-digit form of a GTIN-12 has a 0 before it; that of a GTIN-14 leaves
    its first digit, the packaging level, out. A GTIN-8 is not asked."""
    digits = value.replace(" ", "").replace("-", "")
    form = {12: "0" + digits, 13: digits, 14: digits[1:]}.get(len(digits))
    if form is None or not GTIN_RESERVED.match(form):
        return None
    kind = "a coupon's" if form.startswith(("98", "99", "05")) else "a restricted circulation number's (in-store use)"
    return f"gtin {value!r} is in {kind} range, which Google refuses for a product"


def url_problem(value: str) -> str | None:
    """Why ``value`` is not an absolute http(s) URL a channel can fetch (ASCII, no spaces, tabs, line breaks or other
    control characters: RFC 3986 has none of them), or None."""
    if value.isascii() and value.isprintable() and " " not in value and PLAIN_URL.match(value):
        return None  # most URLs: four scans in C
    lower = value.lower()
    if not lower.startswith(("http://", "https://")):
        return f"{value!r} is not an absolute http(s) URL"
    host = value.split("://", 1)[1].split("/", 1)[0]
    if not host or ("." not in host.split(":")[0] and host.split(":")[0] != "localhost"):
        return f"{value!r} has no host name"
    if " " in value or not value.isascii():
        return f"{value!r} has spaces or non-ASCII characters; percent-encode them"
    if not value.isprintable():
        return f"{value!r} has a tab, a line break or another control character; percent-encode it"
    return None


def feed_price(value: str) -> tuple[float, str] | None:
    """``12.00 USD`` -> (12.0, "USD"); None when the text is not in that form or its code is no ISO 4217 currency."""
    match = FEED_PRICE.match(value)
    return (float(match.group(1)), match.group(2)) if match and match.group(2) in ISO_4217 else None


def interval_problem(value: str) -> str | None:
    """Why ``value`` is not an ISO 8601 interval ``start/end`` with offsets and start before end, or None. The
    answer for a text is kept: sale windows repeat across a catalog (a campaign's dates)."""
    return _interval_problem(value) if type(value) is str else _interval_problem.__wrapped__(value)


@lru_cache(maxsize=4096)  # a str only: a subclass's repr in the message may differ from an equal text's
def _interval_problem(value: str) -> str | None:
    parts = value.split("/")
    if len(parts) != 2 or not all(_INTERVAL_MOMENT.fullmatch(p) for p in parts):
        return f"{value!r} is not an ISO 8601 interval start/end with time zone offsets"
    try:
        start, end = (datetime.fromisoformat(p.replace("Z", "+00:00")) for p in parts)
    except ValueError:  # a month 13, a 25th hour, an offset of a day or more
        return f"{value!r} is not an ISO 8601 interval start/end with time zone offsets"
    if end <= start:
        return f"{value!r} ends before it starts"
    return None


def moment_problem(value: str) -> str | None:
    """Why ``value`` is not an ISO 8601 date and time with a time zone offset (``2027-01-15T00:00+0100``), or None."""
    if not _INTERVAL_MOMENT.fullmatch(value):
        return f"{value!r} is not an ISO 8601 date and time with a time zone offset (2027-01-15T09:00+0100)"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:  # a month 13, a 25th hour, an offset of a day or more
        return f"{value!r} is not an ISO 8601 date and time with a time zone offset (2027-01-15T09:00+0100)"
    return None


class VariantTracker:
    """Finds variants of one group that do not differ in their variant attributes. Groups are compared while
    their members come one after another (as exports write them); memory holds one group at a time."""

    def __init__(self) -> None:
        self._group: str | None = None
        self._seen: dict[Hashable, str] = {}

    def duplicate_of(self, group: str | None, key: Hashable, item_id: str) -> str | None:
        """The id of an earlier variant of ``group`` with the same ``key``, if any."""
        if group is None:
            return None
        if group != self._group:
            self._group, self._seen = group, {}
        earlier = self._seen.get(key)
        if earlier is None:
            self._seen[key] = item_id
        return earlier

    def holds(self, group: str | None, key: Hashable) -> bool:
        """Whether ``duplicate_of(group, key, ...)`` would name an earlier variant (nothing is recorded)."""
        return self.earlier(group, key) is not None

    def earlier(self, group: str | None, key: Hashable) -> str | None:
        """The earlier variant ``duplicate_of(group, key, ...)`` would name, if any (nothing is recorded)."""
        return self._seen.get(key) if group is not None and group == self._group else None
