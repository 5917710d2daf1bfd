"""The Google quick pass asks all of an item's links at once (joined by spaces, one pattern, or the start the last
plain link had): it answers as the link by link pass did, on hostile links (spaces, other separators, non-ASCII,
empty, too long, wrong types, str subclasses), item after item."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync.channels.google import screen
from feedsync.channels.google.screen import _URLS, _urls_clean
from feedsync.channels.google.spec import MAX_LENGTH
from feedsync.checks import PLAIN_URL

OLD_PLAIN_URL = re.compile(r"https?://[^/:]*\.", re.IGNORECASE)
"""``checks.PLAIN_URL`` as it was (asked of ASCII text without spaces)."""


class Text(str):
    """A str subclass (as a template's markup): the pass takes plain str only."""


def reference_urls_clean(values: dict[str, Any]) -> bool:
    """The link by link pass it replaces."""
    for attr in _URLS:
        value = values.get(attr)
        if value is None:
            continue
        for entry in (value,) if type(value) is str else value if type(value) is list else (None,):
            if type(entry) is not str or not entry.isascii() or not entry.isprintable():  # (a tab, a line break)
                return False
            if " " in entry or OLD_PLAIN_URL.match(entry) is None:
                return False
            if len(entry) > MAX_LENGTH[attr]:
                return False
    return True


_PIECES = st.sampled_from(
    ["https://", "http://", "HTTPS://", "ftp://", "shop", ".", "example.com", "/", ":", ":80", " ", "\n", "\t",
     "ö", "\x00", "", "a b", "?q=1", "localhost", "..", "//", "K", "\u212a", "x" * 1990]
)  # fmt: skip
_LINK = st.one_of(
    st.lists(_PIECES, max_size=6).map("".join),
    st.text(max_size=12),
    st.sampled_from(["https://shop.example.com/p/1", "https://a.b https://c.d", "https://x.y/\nhttps://z"]),
)
_SHARED = st.builds(
    str.__add__,
    st.sampled_from(["https://shop.example.com/", "https://shop", "HTTPS://shop.example.", "https://shop.ex:80/"]),
    st.lists(_PIECES, max_size=3).map("".join),
)
"""Links that begin as others do (the start the last plain link had is asked first)."""
_VALUE = st.one_of(
    st.none(),
    _LINK,
    _SHARED,
    st.lists(_SHARED, max_size=3),
    st.lists(_LINK, max_size=4),
    st.lists(st.one_of(_LINK, st.builds(Text, _LINK), st.just({"a": "b"}), st.integers()), max_size=3),
    st.builds(Text, _LINK),
    st.integers(),
)


@settings(max_examples=800, deadline=None)
@given(st.fixed_dictionaries({}, optional={attr: _VALUE for attr in _URLS}))
def test_links_asked_at_once_answer_as_link_by_link(values: dict[str, Any]) -> None:
    assert _urls_clean(values) == reference_urls_clean(values)


def test_a_link_with_a_space_is_not_two_links() -> None:
    assert not _urls_clean({"link": "https://a.b https://c.d"})
    assert not _urls_clean({"link": "https://a.b", "additional_image_link": ["https://c.d https://e.f"]})
    assert _urls_clean({"link": "https://a.b", "additional_image_link": ["https://c.d", "HTTP://e.f/x"]})
    assert _urls_clean({"additional_image_link": []}) and not _urls_clean({"additional_image_link": [""]})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.fixed_dictionaries({}, optional={attr: _VALUE for attr in _URLS}), max_size=8))
@example([{"link": "https://shop.example.com/a"}, {"link": "https://shop.example.com/a b"}])
@example([{"link": "https://shop.example.com/a"}, {"link": "https://shop.example.com/" + "x" * 2000}])
@example([{"link": "https://shop.example.com/a"}, {"image_link": "https://shop.example.", "link": "https://shop.ex"}])
@example([{"link": "https://shop.example.com/a"}, {"link": "https://shop.example.cöm/"}])
@example([{"link": "https://shop.example.com/a"}, {"link": "https://shopnodot/a"}])
def test_items_one_after_another_answer_as_link_by_link(items: list[dict[str, Any]]) -> None:
    for values in items:
        assert _urls_clean(values) == reference_urls_clean(values), (values, screen._start)


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.lists(_PIECES, max_size=8).map("".join), st.text(max_size=16)))
def test_the_one_url_pattern_answers_as_the_case_folding_one_did(value: str) -> None:
    plain = value.isascii() and " " not in value
    assert (plain and PLAIN_URL.match(value) is not None) == (plain and OLD_PLAIN_URL.match(value) is not None)


def reference_title_clean(title: str) -> bool:
    """The title pass as it was (letter by letter)."""
    if title.isascii():
        if title.isupper():
            return False
    else:
        letters = [c for c in title if c.isalpha()]
        if len(letters) >= 8 and all(c.isupper() for c in letters):
            return False
    return screen._PROMOTIONAL.search(title.lower()) is None


_TITLE_PIECES = st.sampled_from(["ÉCLAIR", "CRÈME", "Crème", "ⅰ", "Ⅰ", "ǅ", "ß", "ẞ", "ª", "中", "TEE", " ", "-", "9"])


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(_TITLE_PIECES, max_size=6).map("".join), st.text(max_size=12)))
@example("ABCDEFGHⅰ")
@example("ÉÉÉÉÉÉÉÉ")
def test_titles_answer_as_letter_by_letter(title: str) -> None:
    assert screen._title_clean(title) == reference_title_clean(title)
