"""The RSS writer puts an item of printable texts and lists of them into its frame, its texts looked at at once
(``render``), and leaves anything else to ``_render_each``: for items of printable texts with ``&<>``, the joining
character (a backquote) and ``%``, repeated attributes and groups, frames and texts met again, values whose types differ
from those the frame was made for, and values of other types (tuples, ``str`` subclasses, mappings that are not
dicts), the feed has the bytes lxml's ``xmlfile`` wrote (tests/hostile/rss_reference.py)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync.formats.xml_rss import RssWriter
from tests.hostile.rss_reference import LxmlRssWriter
from tests.hostile.test_writer_rss_bytes import direct, render

PIECES = [
    "&",
    "<",
    ">",
    "¤",
    "`",
    "a`b",
    "%",
    "%s",
    "&amp;",
    "a",
    "Tee 5",
    "é",
    "€",
    "\U0001f600",
    " ",
    "",
    "\t",
    "\n",
    "\r",
]
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
def test_any_items_met_again_give_the_bytes_lxml_wrote(rows: list[dict[str, Any]]) -> None:
    rows = rows + rows  # every frame and text met again
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


def test_items_are_put_into_frames_made_once_per_set_of_names(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[tuple[str, ...]] = []
    frame = RssWriter._frame

    def counted(self: RssWriter, names: tuple[str, ...], texts: list[Any]) -> Any:
        made.append(names)
        return frame(self, names, texts)

    def refused(self: RssWriter, values: Any) -> bytes:
        raise AssertionError(f"value by value: {values!r}")

    monkeypatch.setattr(RssWriter, "_frame", counted)
    monkeypatch.setattr(RssWriter, "_render_each", refused)
    rows = [
        {"id": f"A{n}", "title": f"Tee & <b>{n}</b> ¤ 100%", "image": [f"https://x/{n}.jpg?a=1&b=2", "y"]}
        for n in range(3)
    ]
    rows += [{"id": "B", "image": [], "title": "%s%% > ¤"}, {"id": "C", "title": "Women > Dresses"}]
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)
    assert made == [("id", "title", "image"), ("id", "image", "title"), ("id", "title")]


def test_a_text_met_again_is_escaped_once_and_its_escape_goes_to_no_other_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from feedsync.formats import xml_rss

    escaped: list[str] = []
    escape = xml_rss._escaped_printable

    def counted(value: str) -> str:
        escaped.append(value)
        return escape(value)

    monkeypatch.setattr(xml_rss, "_escaped_printable", counted)
    shared = "Ships in 2 days & free returns"
    rows = [
        {"id": f"A{n}", "description": shared, "title": f"T&{n}", "product_type": "Women > Dresses"} for n in range(4)
    ]
    rows.append({"id": "B", "description": "Ships in 2 days &amp; free returns", "title": "T&0"})
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)
    assert escaped.count(shared) == 1 and escaped.count("Women > Dresses") == 1 and escaped.count("T&0") == 1


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
        {"id": "A`", "title": "a & b", "image": ["`<"]},
        {"id": "A", "title": "a\u00a0& b"},
    ],
)
def test_other_values_give_the_bytes_lxml_wrote_or_fail_as_it_did(row: dict[str, Any]) -> None:
    assert feed(direct, [row, row]) == feed(LxmlRssWriter, [row, row])


FRAMED = ["&", "<", ">", "&amp;", "a", "Women > Dresses", "¤", "`", "%s", "é", "€", "\U0001f600", " ", "", "x&y<z>w"]
framed_texts = st.lists(st.one_of(st.sampled_from(FRAMED), st.text(max_size=4)), max_size=4).map("".join)
framed_values = st.one_of(framed_texts, framed_texts, st.lists(framed_texts, max_size=3))
framed_items = st.lists(st.dictionaries(names, framed_values, max_size=7), max_size=6)


@settings(max_examples=300, deadline=None)
@given(framed_items)
def test_items_of_texts_and_lists_of_texts_put_into_frames_give_the_bytes_lxml_wrote(rows: list[Any]) -> None:
    rows = rows + rows  # every frame met again
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


LONG = "Made from responsibly sourced fibres, finished by hand. " * 2
long_texts = st.builds(lambda piece, text: LONG + piece + text, st.sampled_from(PIECES + FRAMED), texts)
long_values = st.one_of(
    long_texts, long_texts.map(Marked), st.lists(long_texts, max_size=2), texts, st.none(), st.integers()
)
long_items = st.lists(
    st.fixed_dictionaries({"id": texts, "description": long_values}, optional={"title": long_values}), max_size=8
)


@settings(max_examples=300, deadline=None)
@given(long_items, st.randoms(use_true_random=False))
def test_long_texts_met_again_give_the_bytes_lxml_wrote(rows: list[dict[str, Any]], random: Any) -> None:
    rows = rows + [dict(row) for row in rows] + random.sample(rows, len(rows))  # each long text met again, in turn
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


ascii_texts = st.lists(
    st.one_of(
        st.sampled_from(["&", "<", ">", "`", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "a b"]),
        st.text(st.characters(max_codepoint=127), max_size=5),
    ),
    max_size=5,
).map("".join)
ascii_items = st.lists(
    st.dictionaries(names, st.one_of(ascii_texts, ascii_texts, st.lists(ascii_texts, max_size=3)), max_size=6),
    max_size=6,
)


@settings(max_examples=150, deadline=None)
@given(ascii_items)
@example([{"id": "a\rb", "title": "x"}, {"id": "a\tb\nc", "title": "x\x00"}, {"id": "a\x7f", "title": "x > y"}])
def test_ascii_items_looked_at_as_bytes_give_the_bytes_lxml_wrote(rows: list[dict[str, Any]]) -> None:
    rows = rows + rows
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


def test_a_str_subclass_where_the_frame_had_a_text_is_escaped_as_a_text() -> None:
    rows: list[dict[str, Any]] = [{"id": "", "description": LONG + "&"}] * 3
    rows += [{"id": "", "description": []}, {"id": "", "description": Marked(LONG + "&")}]
    rows += [{"id": "`", "title": Marked("a & b"), "description": Marked("<")}, {"id": "", "title": Marked("c > d")}]
    assert feed(direct, rows) == feed(LxmlRssWriter, rows)


def test_a_markup_text_is_escaped_as_its_plain_text_and_no_other_text_takes_its_escape() -> None:
    # markupsafe's Markup (what ``|e`` or ``|safe`` gives) escapes what its own ``replace`` puts in
    from markupsafe import Markup

    rows: list[dict[str, Any]] = [{"id": "0", "title": "t", "description": LONG}]  # the frame: texts
    rows += [{"id": "1", "title": Markup("a & b"), "description": Markup(LONG + "<&>")}]
    rows += [
        {"id": "2", "title": "a & b", "description": LONG + "<&>"},
        {"id": "3", "title": Markup("x<y"), "description": LONG},
    ]
    rows += [{"id": "4", "title": "x<y", "description": Markup(LONG + "<&>")}]
    ours = feed(direct, rows)
    assert ours == feed(LxmlRssWriter, rows)
    assert b"&amp;amp;" not in ours and b"a &amp; b" in ours
