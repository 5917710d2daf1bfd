"""Parsers for the text values of catalog files and profile rules; each raises ``ValueProblem`` with a code.

Readers and rules share them, so a price or a date means the same thing everywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar
from urllib.parse import urljoin

from feedsync.model.construct import construct, maker
from feedsync.model.money import ISO_4217, Money
from feedsync.model.product import DateRange, Weight, WeightUnit

E = TypeVar("E", bound=StrEnum)


class ValueProblem(ValueError):
    def __init__(
        self,
        code: str,
        message: str,
        *,
        out_of_range: bool = False,
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.out_of_range = out_of_range
        """The value is well formed but beyond what any real one can be (too many digits, a year no clock tells)."""
        self.field = field
        self.value = value
        """The field and value at fault, where the message is about one of a record's many (an order's amounts)."""


MAX_DIGITS = 15
"""Digits before the decimal point a number may have: more is no price, weight or quantity, and breaks rounding."""
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_MONEY = re.compile(r"^\s*(?:(?P<cur1>[A-Za-z]{3})\s*)?(?P<num>[^\sA-Za-z]+)\s*(?:(?P<cur2>[A-Za-z]{3}))?\s*$")


def number_text(value: float | Decimal) -> str:
    """A number read from a typed source (an Excel cell, a JSON number) as the text a CSV file saved from it holds,
    so every reader of the catalog makes the same text of it: a whole number as an integer (``1001``, never
    ``1001.0``), never an exponent (``4006381333931``, ``1000000000000000000000``), no trailing zeros after the point
    (``19.9``). A float to 15 significant digits, Excel's precision (``19.99``, never ``19.989999999999998``); a
    Decimal with every digit it has. (A float that is no number, ``nan``, is its Python text.)"""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        shown = f"{value:.15g}"
        return format(Decimal(shown), "f") if "e" in shown else shown
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_decimal(text: str, *, what: str, code: str = "MDL006") -> Decimal:
    value = text.strip()
    if not _NUMBER.match(value):
        hint = " (use a dot as the decimal separator, no thousands separators)" if "," in value else ""
        raise ValueProblem(code, f"{what} {text!r} is not a number{hint}")
    if len(value) > MAX_DIGITS and len(value.lstrip("+-").split(".")[0].lstrip("0")) > MAX_DIGITS:
        raise ValueProblem(
            code, f"{what} {text[:40]!r}... is too large (more than {MAX_DIGITS} digits)", out_of_range=True
        )
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise ValueProblem(code, f"{what} {text!r} is not a number") from None


def parse_money(text: str, default_currency: str | None, *, what: str = "price") -> Money:
    """``12.00``, ``12.00 USD``, ``USD 12.00`` -> Money. The currency falls back to ``default_currency``."""
    match = _MONEY.match(text)
    if not match:
        raise ValueProblem("MDL002", f"{what} {text!r} is not an amount such as '12.00' or '12.00 USD'")
    if match["cur1"] and match["cur2"]:
        raise ValueProblem("MDL002", f"{what} {text!r} names two currencies")
    amount = parse_decimal(match["num"], what=what, code="MDL002")
    if amount < 0:
        raise ValueProblem("MDL002", f"{what} {text!r} is negative")
    currency = (match["cur1"] or match["cur2"] or default_currency or "").upper()
    if not currency:
        raise ValueProblem("MDL003", f"{what} {text!r} has no currency and source.currency is not set")
    if currency not in ISO_4217:
        raise ValueProblem("MDL003", f"{what} {text!r}: {currency!r} is not an ISO 4217 currency code")
    return construct(Money, amount=amount, currency=currency)


MAX_INT = 2**31 - 1
"""The largest quantity a channel takes (Google's and Meta's are 32-bit)."""


def parse_int(text: str, *, what: str) -> int:
    digits = text.strip()
    if len(digits) < 10 and digits.isdecimal():  # the common case: what the rules below make of it
        return int(digits)
    value = parse_decimal(text, what=what)
    if value != value.to_integral_value():
        raise ValueProblem("MDL006", f"{what} {text[:40]!r} is not a whole number")
    if abs(value) > MAX_INT:
        raise ValueProblem("MDL006", f"{what} {text[:40]!r} is too large (at most {MAX_INT})", out_of_range=True)
    return int(value)


_TOKENS: dict[str, str] = {}
"""Enum texts already normalized: an enum column holds few distinct values (short ones kept, and a bounded number)."""
_SEPARATORS = re.compile(r"[\s_-]+")


def _normalize_token(text: str) -> str:
    token = _TOKENS.get(text)
    if token is None:
        token = _SEPARATORS.sub("_", text.strip().lower())
        if len(text) <= 64 and len(_TOKENS) < 4096:
            _TOKENS[text] = token
    return token


def parse_enum(text: str, enum: type[E], *, what: str, aliases: dict[str, str] | None = None) -> E:
    """Case-insensitive; spaces, dashes and underscores are the same (``In Stock`` = ``in_stock``)."""
    token = _normalize_token(text)
    if aliases:
        token = aliases.get(token, token)
    try:
        return enum(token)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValueProblem("MDL004", f"{what} {text!r} is not one of: {allowed}") from None


def parse_datetime(text: str, tz: tzinfo, *, end_of_day: bool = False, what: str = "date") -> datetime:
    """ISO 8601 date or date-time. A value without an offset is taken in ``tz``; a bare date is the start
    of that day (or its last second with ``end_of_day``)."""
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueProblem(
            "MDL005", f"{what} {text!r} is not an ISO 8601 date or date-time (e.g. 2026-11-27T09:00:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return _in_range(moment, text, what)


def _in_range(moment: datetime, text: str, what: str) -> datetime:
    """``moment`` if it can be told in UTC (the feeds do); year 1 or 9999 with an offset cannot."""
    try:
        moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueProblem(
            "MDL005", f"{what} {text!r} is out of range (it cannot be told in UTC)", out_of_range=True
        ) from None
    return moment


_LOOSE_FORMATS = ("%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%b %d, %Y", "%B %d, %Y", "%d.%m.%Y", "%d.%m.%Y %H:%M")


def parse_loose_datetime(text: str, tz: tzinfo, *, end_of_day: bool = False, what: str = "date") -> datetime:
    """The date forms stores export (WooCommerce's importer takes all of them): ISO 8601 with or without
    time (``2030-01-01 0:00:00``), ``2023/07/13``, ``Jul 8, 2023``, ``08.07.2023``, unix seconds."""
    value = text.strip()
    if value.isascii() and value.isdigit() and len(value) >= 9:
        try:
            if len(value) > 12:  # past the year 33658: no date anyone means
                raise OverflowError
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueProblem("MDL005", f"{what} {text[:40]!r}: unix time out of range", out_of_range=True) from None
    iso = re.sub(r"(?<=[ T])(\d):", r"0\1:", value)  # 0:00:00 -> 00:00:00
    try:
        return parse_datetime(iso, tz, end_of_day=end_of_day, what=what)
    except ValueProblem:
        pass
    for fmt in _LOOSE_FORMATS:
        try:
            moment = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if end_of_day and "%H" not in fmt:
            moment = moment.replace(hour=23, minute=59, second=59)
        return _in_range(moment.replace(tzinfo=tz), text, what)
    raise ValueProblem("MDL005", f"{what} {text!r} is not a date feedsync can read")


def open_range(start: datetime | None, end: datetime | None) -> DateRange:
    """A sale window with one side missing: open-ended as far as the channels are concerned."""
    first = start or datetime(2000, 1, 1, tzinfo=UTC)
    last = end or datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC)
    if last <= first:
        raise ValueProblem("MDL005", f"the sale ends ({last:%Y-%m-%d}) before it starts ({first:%Y-%m-%d})")
    return construct(DateRange, start=first, end=last)


def parse_date_range(text: str, tz: tzinfo, *, what: str = "date range") -> DateRange:
    parts = text.split("/")
    if len(parts) != 2 or not all(p.strip() for p in parts):
        raise ValueProblem("MDL005", f"{what} {text!r} is not an ISO 8601 interval 'start/end'")
    start = parse_datetime(parts[0], tz, what=f"{what} start")
    end = parse_datetime(parts[1], tz, end_of_day=True, what=f"{what} end")
    if end <= start:
        raise ValueProblem("MDL005", f"{what} {text!r} ends before it starts")
    return construct(DateRange, start=start, end=end)


_WEIGHT = re.compile(r"^\s*(?P<num>[0-9.]+)\s*(?P<unit>[A-Za-z]+)\s*$")
_UNITS = {
    "g": WeightUnit.G, "gram": WeightUnit.G, "grams": WeightUnit.G, "kg": WeightUnit.KG, "kgs": WeightUnit.KG,
    "lb": WeightUnit.LB, "lbs": WeightUnit.LB, "oz": WeightUnit.OZ,
}  # fmt: skip
"""The unit names a weight may be written with (in lower case)."""
_weight = maker(Weight)


def parse_weight(text: str) -> Weight:
    match = _WEIGHT.match(text)
    unit = _UNITS.get(match["unit"].lower()) if match else None
    if not match or unit is None:
        raise ValueProblem("MDL006", f"weight {text!r} is not a number with a unit (g, kg, lb, oz)")
    return _weight({"value": parse_decimal(match["num"], what="weight"), "unit": unit})


def parse_url(text: str, base_url: str | None, *, what: str) -> str:
    """An absolute http(s) URL, or a path completed by ``base_url``."""
    value = text.strip()
    if value[:1] == "/" and value[1:2] != "/" and base_url is not None and " " not in value and "://" not in value:
        return base_url + value  # the common case of a path, without urljoin's parsing
    lower = value.lower()
    if lower.startswith(("http://", "https://")):
        if " " in value or len(value) <= len("https://"):
            raise ValueProblem("MDL009", f"{what} {text!r} is not a valid URL")
        return value
    if "://" in value or lower.startswith(("javascript:", "data:", "mailto:")):
        raise ValueProblem("MDL009", f"{what} {text!r} is not an http(s) URL")
    if base_url is None:
        raise ValueProblem("MDL009", f"{what} {text!r} is relative and source.base_url is not set")
    return urljoin(base_url + "/", value.lstrip("/"))
