"""The RSS writer fills an item's layout with its texts looked at at once (``render``) and leaves anything else to
``_render_each``: for items of printable texts with ``&<>``, the joining character ``¤`` and ``%``, repeated
attributes and groups, layouts met again, and values of other types (tuples, ``str`` subclasses, mappings that are
not dicts), the feed has the bytes lxml's ``xmlfile`` wrote (tests/hostile/rss_reference.py)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.formats.xml_rss import RssWriter
from tests.hostile.rss_reference import LxmlRssWriter
from tests.hostile.test_writer_rss_bytes import direct, render

PIECES = ["&", "<", ">", "¤", "%", "%s", "&amp;", "a", "Tee 5", "é", "€", "\U0001f600", " ", "", "\t", "\n", "\r"]
PIECES += ["\x00", "\ud800", "\u00a0", "\u200b"]
texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=5).map("".join)
names = st.sampled_from(["id", "title", "image", "shipping", "country", "price", "a%b", "é"])
entries = st.one_of(texts, st.dictionaries(names, texts, max_size=3))
values = st.one_of(texts, texts, st.lists(entries, max_size=3))
items = st.lists(st.dictionaries(names, values, max_size=6), max_size=6)


class Marked(str):
    """A ``str`` subclass, as a template library may hand one."""


def feed(writer_class: type, rows: list[Any]) -> Any:
    """The bytes written (one feed title), or the type of the error raised (and on which item)."""
    return render(writer_class, {"title": "T"}, rows)


@settings(max_examples=300, deadline=None)
@given(items)
def test_items_filled_into_layouts_give_the_bytes_lxml_wrote(rows: list[dict[str, Any]]) -> None:
    rows = rows + rows  # every layout met again
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


def test_printable_items_with_groups_go_through_layouts_and_each_layout_is_made_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[tuple[str, ...]] = []
    layout = RssWriter._layout

    def counted(self: RssWriter, names: tuple[str, ...], shape: Any) -> str:
        made.append(names)
        return layout(self, names, shape)

    def refused(self: RssWriter, values: Any) -> str:
        raise AssertionError(f"value by value: {values!r}")

    monkeypatch.setattr(RssWriter, "_layout", counted)
    monkeypatch.setattr(RssWriter, "_render_each", refused)
    rows = [
        {"id": f"A{n}", "title": f"Tee & <b>{n}</b> ¤ 100%", "image": [f"https://x/{n}.jpg?a=1&b=2", "y"]}
        for n in range(3)
    ]
    rows.append({"id": "B", "shipping": [{"country": "ES", "price": "4.95 EUR"}, {}], "title": "%s%%"})
    rows.append({"id": "C", "shipping": [{"country": "F&R", "price": "<5>"}, {}], "title": "¤ 100%"})
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)
    assert made == [("id", "shipping", "title")]  # the items of texts and lists of texts go into frames


@pytest.mark.parametrize(
    "row",
    [
        {"id": Marked("A&B"), "title": "T"},
        {"id": "A", "image": ("x", "y&z")},
        {"id": "A", "image": [Marked("x<")]},
        {"id": "A", "shipping": [OrderedDict(country="ES", price="1 & 2")]},
        {"id": "A", "shipping": [{"country": Marked("E&S")}]},
        {"id": "A", "title": "tab\there", "image": ["line\r\nend", "¤"]},
        {"id": "A", "image": [5]},
        {"id": "A", "title": None},
        {"id": "A", "": []},
        {"id": "A", "": ["x"]},
    ],
)
def test_other_values_give_the_bytes_lxml_wrote_or_fail_as_it_did(row: dict[str, Any]) -> None:
    assert feed(direct, [row, row]) == feed(LxmlRssWriter, [row, row])


FRAMED = ["&", "<", ">", "&amp;", "a", "Women > Dresses", "¤", "%s", "é", "€", "\U0001f600", " ", "", "x&y<z>w"]
framed_texts = st.lists(st.one_of(st.sampled_from(FRAMED), st.text(max_size=4)), max_size=4).map("".join)
framed_values = st.one_of(framed_texts, framed_texts, st.lists(framed_texts, max_size=3))
framed_items = st.lists(st.dictionaries(names, framed_values, max_size=7), max_size=6)


@settings(max_examples=300, deadline=None)
@given(framed_items)
def test_items_of_texts_and_lists_of_texts_put_into_frames_give_the_bytes_lxml_wrote(rows: list[Any]) -> None:
    rows = rows + rows  # every frame met again
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


def test_printable_texts_and_lists_of_them_go_into_frames_not_the_shaped_path(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: RssWriter, values: Any) -> str:
        raise AssertionError(f"shaped: {values!r}")

    monkeypatch.setattr(RssWriter, "_render_shaped", refused)
    rows = [
        {"id": "A1", "title": "Tee & co", "image": ["https://x/1.jpg?a=1&b=2", "y"], "price": "5 EUR"},
        {"id": "A2", "title": "Women > Dresses <b>", "image": [], "price": "100%"},
        {"id": "A3", "title": "", "image": ["<&>"], "price": "¤ é €"},
        {"id": "A4", "image": "one", "title": "T"},
    ]
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)
