"""The Google quick pass asks all of an item's links at once (joined by spaces, one pattern): it answers as the
link by link pass did, on hostile links (spaces, other separators, non-ASCII, empty, wrong types, str subclasses)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.google.screen import _URLS, _urls_clean
from feedsync.checks import PLAIN_URL


class Text(str):
    """A str subclass (as a template's markup): the pass takes plain str only."""


def reference_urls_clean(values: dict[str, Any]) -> bool:
    """The link by link pass it replaces."""
    for attr in _URLS:
        value = values.get(attr)
        if value is None:
            continue
        for entry in (value,) if type(value) is str else value if type(value) is list else (None,):
            if type(entry) is not str or not entry.isascii() or " " in entry or PLAIN_URL.match(entry) is None:
                return False
    return True


_PIECES = st.sampled_from(
    ["https://", "http://", "HTTPS://", "ftp://", "shop", ".", "example.com", "/", ":", ":80", " ", "\n", "\t",
     "ö", "\x00", "", "a b", "?q=1", "localhost", "..", "//"]
)  # fmt: skip
_LINK = st.one_of(
    st.lists(_PIECES, max_size=6).map("".join),
    st.text(max_size=12),
    st.sampled_from(["https://shop.example.com/p/1", "https://a.b https://c.d", "https://x.y/\nhttps://z"]),
)
_VALUE = st.one_of(
    st.none(),
    _LINK,
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
