"""The ``format`` values a product type definition asserts: one predicate per format, used by both the check
closures (:mod:`~feedsync.channels.amazon.schema_check`) and the generated verdict (:mod:`.schema_codegen`).

Amazon's meta-schema turns the 2019-09 format vocabulary on, and its definitions rely on it: sale schedules and
offer dates are ``oneOf`` a ``date`` and a ``date-time`` string, which only one of them may match. Asserted here:

- ``date``: RFC 3339 full-date, ``YYYY-MM-DD``, a day that exists (year 0001 on).
- ``date-time``: RFC 3339 date-time, ``YYYY-MM-DDThh:mm:ss[.frac]`` and an offset (``Z`` or ``+hh:mm``) that
  is required; ``T`` and ``Z`` in either case. Leap seconds (``:60``) are refused: a feed never writes one, and
  the ``jsonschema`` check the tests compare with refuses them too.
- ``uri``: RFC 3986 absolute URI, ``scheme ":" hier-part ["?" query] ["#" fragment]`` in ASCII (a space or a
  non-ASCII character must be percent-encoded).

Any other ``format`` value stays an annotation (:data:`FORMATS` has no predicate for it). A predicate answers
only for strings; the keyword passes any other type, as JSON Schema says.
"""

from __future__ import annotations

import calendar
import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:[Zz]|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


def _day_exists(year: str, month: str, day: str) -> bool:
    y, m, d = int(year), int(month), int(day)
    return y >= 1 and 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


@lru_cache(maxsize=1024)  # sale dates repeat across a catalog
def is_date(text: str) -> bool:
    found = _DATE.fullmatch(text)
    return found is not None and _day_exists(*found.groups())


@lru_cache(maxsize=1024)
def is_date_time(text: str) -> bool:
    found = _DATE_TIME.fullmatch(text)
    return found is not None and _day_exists(*found.group(1, 2, 3))


# RFC 3986 section 3, from its ABNF. A host is an IP literal or a reg-name (an IPv4 address is a reg-name too).
_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED_SUB}:@]|{_PCT})"
_SEGMENT_NZ = rf"{_PCHAR}+"
_AUTHORITY = (
    rf"(?:(?:[{_UNRESERVED_SUB}:]|{_PCT})*@)?"  # userinfo
    rf"(?:\[(?P<literal>[^\]]*)\]|(?:[{_UNRESERVED_SUB}]|{_PCT})*)"  # IP-literal / reg-name
    r"(?::\d*)?"  # port
)
_HIER_PART = (
    rf"(?://{_AUTHORITY}(?:/{_PCHAR}*)*"  # "//" authority path-abempty
    rf"|/(?:{_SEGMENT_NZ}(?:/{_PCHAR}*)*)?"  # path-absolute
    rf"|{_SEGMENT_NZ}(?:/{_PCHAR}*)*"  # path-rootless
    r"|)"  # path-empty
)
_QUERY = rf"(?:{_PCHAR}|[/?])*"
_URI = re.compile(rf"[A-Za-z][A-Za-z0-9+\-.]*:{_HIER_PART}(?:\?{_QUERY})?(?:#{_QUERY})?", re.ASCII)
_IP_FUTURE = re.compile(rf"[vV][0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+", re.ASCII)


def _ip_literal(text: str) -> bool:
    if _IP_FUTURE.fullmatch(text):
        return True
    if "%" in text or not text.isascii():  # no zone identifier in RFC 3986
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=4096)
def is_uri(text: str) -> bool:
    found = _URI.fullmatch(text)
    if found is None:
        return False
    literal = found.group("literal")
    return literal is None or _ip_literal(literal)


FORMATS: dict[str, tuple[Callable[[str], bool], str]] = {
    "date": (is_date, "an RFC 3339 date (YYYY-MM-DD)"),
    "date-time": (is_date_time, "an RFC 3339 date-time with its offset (YYYY-MM-DDThh:mm:ssZ)"),
    "uri": (is_uri, "an absolute URI (RFC 3986: scheme:...)"),
}
"""Asserted format -> its predicate (for a string) and the rule a failure names."""
