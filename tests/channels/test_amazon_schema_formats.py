"""``format`` in a definition: date, date-time and uri asserted (RFC 3339 / RFC 3986) by the check closures and
the generated verdict alike, as the reference (jsonschema's format checks) asserts them; other formats are
annotations; the sale dates the feed writes are RFC 3339 date-times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.offers import _utc
from feedsync.channels.amazon.schema_check import compile_schema
from feedsync.channels.amazon.schema_formats import FORMATS
from tests.channels.amazon_reference import FORMATS as REFERENCE_FORMATS
from tests.channels.amazon_reference import error_paths, reference

DATED = {"oneOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
"""How Amazon's definitions declare a sale schedule's start_at/end_at and an offer's start_at.value."""


@lru_cache(maxsize=64)
def _checks(text: str) -> tuple[Any, Any]:
    schema = json.loads(text)
    return compile_schema(schema), reference(schema)


def verdicts(schema: dict[str, Any], value: Any) -> tuple[bool, bool, bool]:
    """The generated verdict, the closures' verdict (no failure listed) and the reference's."""
    compiled, validator = _checks(json.dumps(schema))
    out: list[Any] = []
    compiled._check(value, (), out)
    return compiled.valid(value), not out, validator.is_valid(value)


@pytest.mark.parametrize(
    ("text", "date", "date_time"),
    [
        ("2026-11-27", True, False),
        ("2026-11-27T05:00:00Z", False, True),
        ("2026-11-27t05:00:00.25z", False, True),  # RFC 3339 allows lower case T and Z
        ("2026-11-27T05:00:00-05:30", False, True),
        ("2026-11-27T05:00:00", False, False),  # no offset: not RFC 3339
        ("2026-11-27 05:00:00Z", False, False),
        ("2026-13-01", False, False),
        ("2026-02-29", False, False),
        ("2024-02-29", True, False),
        ("0000-01-01", False, False),
        ("2026-11-27T24:00:00Z", False, False),
        ("2026-11-27T05:00:00+0100", False, False),  # ISO 8601 basic offset: not RFC 3339
        ("2026-11-27T05:00:00Z\n", False, False),
        ("6/30/17", False, False),
        ("", False, False),
        ("２０２６-11-27", False, False),  # digits other than ASCII
    ],
)
def test_dates_and_date_times_as_rfc_3339_says(text: str, date: bool, date_time: bool) -> None:
    assert verdicts({"type": "string", "format": "date"}, text) == (date,) * 3
    assert verdicts({"type": "string", "format": "date-time"}, text) == (date_time,) * 3
    assert verdicts(DATED, text) == (date or date_time,) * 3  # exactly one alternative matches a dated value


@pytest.mark.parametrize(
    ("text", "uri"),
    [
        ("https://shop.example.com/img/lamp-1.jpg", True),
        ("https://shop.example.com/img/a%20b.jpg?w=800#top", True),
        ("http://[::1]:8080/x", True),
        ("http://[v1.fe]/", True),
        ("mailto:shop@example.com", True),
        ("urn:isbn:0451450523", True),
        ("x:", True),
        ("https://shop.example.com/img/a b.jpg", False),  # a space must be percent-encoded
        ("https://shöp.example.com/", False),  # an IRI, not a URI
        ("/img/lamp-1.jpg", False),  # relative
        ("shop.example.com/img.jpg", False),
        ("http://[fe80::1%25eth0]/", False),  # no zone identifier in RFC 3986
        ("http://[1.2.3.4]/", False),
        ("https://a/%zz", False),
        ("1http://a/", False),
        ("", False),
    ],
)
def test_uris_as_rfc_3986_says(text: str, uri: bool) -> None:
    assert verdicts({"type": "string", "format": "uri"}, text) == (uri,) * 3


def test_another_format_stays_an_annotation_and_non_strings_pass() -> None:
    for name in ("email", "hostname", "regex", "uuid"):
        assert verdicts({"format": name}, "not one") == (True, True, True)
    for name in FORMATS:
        for value in (3, None, [], {"a": 1}):
            assert verdicts({"format": name}, value) == (True, True, True)


def test_a_broken_date_is_named_where_it_is_written() -> None:
    schema = {"type": "object", "properties": {"start_at": DATED, "link": {"type": "string", "format": "uri"}}}
    compiled = compile_schema(schema)
    message = {"start_at": "2026-11-27T05:00:00", "link": "https://shop.example.com/a b"}
    assert [(f.where, f.rule) for f in compiled.failures(message)] == [
        ("start_at", "exactly one of several alternatives"),
        ("link", "an absolute URI (RFC 3986: scheme:...)"),
    ]
    assert error_paths(reference(schema), message) == {("start_at",): 1, ("link",): 1}


_TWO = st.sampled_from(["00", "01", "02", "09", "12", "13", "23", "24", "28", "29", "30", "31", "59", "60", "7"])
_YEARS = st.sampled_from(["0000", "0001", "0999", "1999", "2024", "2026", "9999", "999", "20260", "２０２６"])
_OFFSETS = st.sampled_from(["Z", "z", "+00:00", "-05:30", "+23:59", "+24:00", "+01", "+0100", "", ".5Z", ".123+01:00"])
dated = st.one_of(
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", _YEARS, _TWO, _TWO),
    st.builds(
        lambda y, m, d, t, h, mi, s, o: f"{y}-{m}-{d}{t}{h}:{mi}:{s}{o}",
        _YEARS,
        _TWO,
        _TWO,
        st.sampled_from(["T", "t", " ", ""]),
        _TWO,
        _TWO,
        _TWO,
        _OFFSETS,
    ),
    st.sampled_from(["6/30/17", "", "2026-11-27\n", "27.11.2026", "2026-W48", "now"]),
    st.text(st.sampled_from("0123456789-:+.TZ \n"), max_size=26),
)
_URI_PARTS = [
    "https:", "x+y-z.:", "1a:", "//", "/", "a", "[", "]", "::1", "v1.x", "::ffff:1.2.3.4", "fe80::1%25eth0", ":",
    "@", "%2F", "%z", "?", "#", ".", "80", " ", "ü", "\n", "~!$&'()*+,;=",
]  # fmt: skip
uri_like = st.lists(st.sampled_from(_URI_PARTS), max_size=8).map("".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(dated, min_size=1, max_size=6), st.lists(uri_like, min_size=1, max_size=6))
def test_dated_undated_and_malformed_strings_get_the_reference_verdict(texts: list[str], uris: list[str]) -> None:
    for text in texts:
        generated, closures, expected = verdicts(DATED, text)
        assert generated == closures == expected, text
        for name in ("date", "date-time"):
            expected = REFERENCE_FORMATS.conforms(text, name)
            assert FORMATS[name][0](text) == expected, (name, text)
    for text in uris:
        assert FORMATS["uri"][0](text) == REFERENCE_FORMATS.conforms(text, "uri"), text


def test_the_compiled_checks_use_the_shared_predicates() -> None:
    """One predicate per format: the generated verdict calls the very function the closures call."""
    compiled = compile_schema({"type": "string", "format": "date-time"})
    assert "_format_date_time(" in compiled.source
    assert "_format_" not in compile_schema({"type": "string", "format": "email"}).source


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    st.integers(-23 * 60 - 59, 23 * 60 + 59),
)
def test_the_sale_dates_the_feed_writes_are_rfc_3339_date_times(moment: datetime, minutes: int) -> None:
    aware = moment.replace(tzinfo=timezone(timedelta(minutes=minutes)))
    written = _utc(aware.isoformat())
    assert REFERENCE_FORMATS.conforms(written, "date-time") and FORMATS["date-time"][0](written), written
    assert written.endswith("Z") and datetime.fromisoformat(written) == aware.replace(microsecond=0).astimezone(UTC)


def test_a_sale_date_before_the_year_1000_is_written_with_four_digits() -> None:
    assert _utc("0999-03-04T05:06:07+00:00") == "0999-03-04T05:06:07Z"
