"""The value checks' fast paths (plain GTINs summed as bytes, plain URLs by one pattern) answer exactly as the
checks did before them: the earlier code is kept here as the reference, with one intended change: a digit that
``int()`` does not read (a superscript such as ``²``) is a character other than a digit, where it used to crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.checks import GTIN_LENGTHS, gtin_check_digit, gtin_problem, interval_problem, url_problem


def reference_gtin_problem(value: str) -> str | None:
    digits = value.replace(" ", "").replace("-", "")
    if not digits.isdecimal():  # was isdigit(): int() raised ValueError on '²' (exit 70)
        return f"gtin {value!r} has characters other than digits"
    if len(digits) not in GTIN_LENGTHS:
        return f"gtin {value!r} has {len(digits)} digits; a GTIN has 8, 12, 13 or 14"
    if set(digits) == {"0"}:
        return f"gtin {value!r} is all zeros"
    expected = gtin_check_digit(digits[:-1])
    if int(digits[-1]) != expected:
        return f"gtin {value!r} has check digit {digits[-1]}, but its digits give {expected}"
    return None


def reference_url_problem(value: str) -> str | None:
    lower = value.lower()
    if not lower.startswith(("http://", "https://")):
        return f"{value!r} is not an absolute http(s) URL"
    host = value.split("://", 1)[1].split("/", 1)[0]
    if not host or ("." not in host.split(":")[0] and host.split(":")[0] != "localhost"):
        return f"{value!r} has no host name"
    if " " in value or not value.isascii():
        return f"{value!r} has spaces or non-ASCII characters; percent-encode them"
    if any(c < " " or c == "\x7f" for c in value):
        return f"{value!r} has a tab, a line break or another control character; percent-encode it"
    return None


def _answer(check: object, value: str) -> object:
    return check(value)  # type: ignore[operator]  # never raises: '²' is a finding, not a ValueError


@settings(max_examples=600, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=7, max_size=15),
        st.text(alphabet="0123456789 -", max_size=16),
        st.text(alphabet="0123456789\u0661\u00b2x\n", max_size=14),
        st.text(max_size=16),
    )
)
def test_gtin_problem_as_before(value: str) -> None:
    assert _answer(gtin_problem, value) == _answer(reference_gtin_problem, value)


_VALID = ("4006381333931", "036000291452", "96385074", "10012345678902")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(_VALID),
            st.sampled_from(_VALID).map(lambda v: v + "\n"),
            st.sampled_from(_VALID).map(lambda v: " " + v),
            st.sampled_from(_VALID).map(lambda v: v[:-1] + str((int(v[-1]) + 1) % 10)),
            st.text(alphabet="0123456789 -", max_size=15),
        ),
        max_size=12,
    )
)
def test_gtin_problem_one_after_another_as_before(values: list[str]) -> None:
    # the channels check a variant's GTIN one after another: the valid one remembered answers for no other value
    for value in values:
        assert gtin_problem(value) == reference_gtin_problem(value)


def test_gtin_problem_on_known_numbers() -> None:
    for good in ("4006381333931", "036000291452", "96385074", "10012345678902", "4006 3813-33931", "١٢٣٤٥٦٧٠"):
        assert gtin_problem(good) is None is reference_gtin_problem(good)
    for bad in ("4006381333932", "00000000", "12345678", "4006381333931\n", "١٢٣٤٥٦٧١"):
        assert gtin_problem(bad) == reference_gtin_problem(bad) is not None


_URL_PARTS = st.sampled_from(
    [
        "http",
        "https",
        "HTTPS",
        "hTtP",
        "ftp",
        "://",
        ":",
        "/",
        ".",
        "..",
        "shop",
        "example",
        "com",
        "localhost",
        " ",
        "\t",
        "\n",
        "é",
        "K",
        "?a=b",
        "#x",
        "80",
        "@",
        "",
    ]
)


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.lists(_URL_PARTS, max_size=9).map("".join), st.text(max_size=20)))
def test_url_problem_as_before(value: str) -> None:
    assert url_problem(value) == reference_url_problem(value)


def test_url_problem_on_known_urls() -> None:
    for value in (
        "https://shop.example.com/p/1",
        "HTTP://a.b",
        "https://shop.example.com:8080/x",
        "http://localhost/",
        "https://nodot/x",
        "https://:80.example.com/",
        "https://shop.example.com/a b",
        "https://shöp.example.com/",
        "https://\u212a.example.com/",
        "https://a.b/\u212a",
        "http://",
        "https://shop.example.com/a\tb",
        "https://shop.example.com/a\nb",
        "https://shop.example.com/a\x7f",
        "https://shop.example.com/a\x00",
    ):
        assert url_problem(value) == reference_url_problem(value), value


@pytest.mark.parametrize(
    "window",
    [
        "2026-13-01T00:00:00+00:00/2026-12-01T00:00:00+00:00",  # a month 13
        "2026-11-01T25:00:00+00:00/2026-12-01T00:00:00+00:00",  # a 25th hour
        "2026-11-01T00:00:00+24:00/2026-12-01T00:00:00+00:00",  # an offset of a day
        "2026-11-01T00:00:00+00:00/2026-12-01T00:00:00+00:00\n",  # a line end after it
        "٢٠٢٦-11-01T00:00:00+00:00/2026-12-01T00:00:00+00:00",  # digits of another script
    ],
)
def test_a_window_no_date_time_reads_is_a_problem_not_a_failure(window: str) -> None:
    """A sale window a template made can hold anything: what ``datetime`` cannot read is told (GMC007), never
    raised."""
    assert interval_problem(window) == f"{window!r} is not an ISO 8601 interval start/end with time zone offsets"
