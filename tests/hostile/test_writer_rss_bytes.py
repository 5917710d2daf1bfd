"""The RSS writer writes each item's bytes itself: for any items (unicode, characters XML cannot carry, ``&<>"'``,
``]]>``, lone surrogates, CR, very long and empty values, repeated attributes, sub-attributes, odd names) it writes
exactly the bytes lxml's ``xmlfile`` wrote element by element (tests/hostile/rss_reference.py), or fails the same
way."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feedsync.formats import open_writer
from tests.hostile.rss_reference import LxmlRssWriter

G = "http://base.google.com/ns/1.0"
NASTY = ["&", "<", ">", '"', "'", "]]>", "\r", "\r\n", "\n", "\t", "\x00", "\x1f", "\x7f", "\x85", "\u2028"]
NASTY += ["`", "\ud800", "\udfff", "\ufffe", "\uffff", "\U0001f600", "\u85cd", "é", "&amp;", "<![CDATA[", " ", ""]

# Any code point, lone surrogates included, with the characters that need escaping or dropping made likely.
texts = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(st.characters(min_codepoint=0, exclude_categories=()), max_size=12)),
    max_size=8,
).map("".join)
names = st.one_of(st.sampled_from(["id", "title", "price", "shipping", "country", "g", "x-y.z_1", "é", "a b"]), texts)
entries = st.one_of(texts, st.dictionaries(names, texts, max_size=4))
values = st.one_of(texts, st.lists(entries, max_size=4))
items = st.lists(st.dictionaries(names, values, max_size=6), max_size=4)
metas = st.fixed_dictionaries({}, optional={"title": texts, "link": texts, "description": texts})


def render(writer_class: type, metadata: Mapping[str, str], rows: list[dict[str, Any]], prefix: str = "g") -> Any:
    """The bytes written, or the type of the error raised (and on which item)."""
    buffer = io.BytesIO()
    written = 0
    try:
        with writer_class(buffer, meta=metadata, namespace=G, prefix=prefix) as writer:
            for row in rows:
                writer.write(row)
                written += 1
    except Exception as exc:  # the failure itself is what is compared
        return type(exc), written
    return buffer.getvalue()


def direct(buffer: io.BytesIO, *, meta: Mapping[str, str], namespace: str, prefix: str) -> Any:
    return open_writer("rss", buffer, columns=[], meta=meta, options={"namespace": namespace, "prefix": prefix})


@settings(max_examples=200, deadline=None)
@given(metas, items)
def test_any_items_give_the_bytes_lxml_wrote(metadata: dict[str, str], rows: list[dict[str, Any]]) -> None:
    assert render(direct, metadata, rows) == render(LxmlRssWriter, metadata, rows)


@pytest.mark.parametrize("prefix", ["g", "p", "ns0"])
def test_very_long_values_and_many_repeats_give_the_same_bytes(prefix: str) -> None:
    long = ("x" * 9_999 + "&<>\r\x00\ud800]]>\U0001f600") * 100  # about a megabyte
    rows = [
        {"id": "A", "description": long, "additional_image_link": [f"https://x/{i}.jpg?a=1&b=2" for i in range(500)]},
        {"id": "B", "shipping": [{"country": "ES", "price": "4.95 EUR"}, {}, {"country": long}], "title": ""},
        {},
    ]
    data = render(direct, {"title": long}, rows, prefix)
    assert data == render(LxmlRssWriter, {"title": long}, rows, prefix)
    item = etree.fromstring(data).find("channel/item")
    assert len(item.findall(f"{{{G}}}additional_image_link")) == 500


def test_an_empty_attribute_name_fails_as_before_and_no_end_tags_follow_a_failure() -> None:
    assert render(direct, {}, [{"id": "A"}, {"": "x"}]) == (ValueError, 1)
    buffer = io.BytesIO()
    with pytest.raises(ValueError, match="Empty tag name"):  # noqa: SIM117 (the writer is what is left open)
        with direct(buffer, meta={}, namespace=G, prefix="g") as writer:
            writer.write({"id": "A"})
            writer.write({"title": "T", "": "x"})
    assert buffer.getvalue().endswith(b"<g:id>A</g:id>\n  </item>\n")  # nothing of the failed item, no </rss>
