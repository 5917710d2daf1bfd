from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from feedsync.formats import open_writer
from feedsync.formats.xml_rss import xml_text

G = "http://base.google.com/ns/1.0"
META = {"title": "Shop & Co <feed>", "link": "https://shop.example.com", "description": "All products"}


def rss(items: list[dict[str, str | list[str]]]) -> bytes:
    buffer = io.BytesIO()
    with open_writer("rss", buffer, columns=[], meta=META, options={"namespace": G, "prefix": "g"}) as writer:
        for values in items:
            writer.write(values)
    return buffer.getvalue()


def test_rss_document_parses_back_with_namespace_repeats_and_escaping() -> None:
    data = rss(
        [
            {"id": "A&1", "title": 'Tee <b>"5"</b>', "additional_image_link": ["https://x/1.jpg", "https://x/2.jpg"]},
            {"id": "B", "title": "Caf\u00e9 \u85cd"},
        ]
    )
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n<rss xmlns:g=\"" + G.encode())
    root = etree.fromstring(data)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert [channel.findtext(t) for t in ("title", "link", "description")] == list(META.values())
    items = channel.findall("item")
    assert [i.findtext(f"{{{G}}}id") for i in items] == ["A&1", "B"]
    assert items[0].findtext(f"{{{G}}}title") == 'Tee <b>"5"</b>'
    assert [e.text for e in items[0].findall(f"{{{G}}}additional_image_link")] == ["https://x/1.jpg", "https://x/2.jpg"]
    assert items[1].findtext(f"{{{G}}}title") == "Caf\u00e9 \u85cd"
    assert data.count(b"xmlns:g") == 1  # declared once on <rss>, not per item


def test_rss_output_is_deterministic_and_empty_feed_is_valid() -> None:
    items = [{"id": str(i), "title": f"T{i}"} for i in range(50)]
    assert rss(items) == rss(items)
    assert etree.fromstring(rss([])).find("channel").findall("item") == []


def test_characters_xml_cannot_carry_are_dropped() -> None:
    data = rss([{"id": "A", "title": "bad\x00\x08\x0b bytes\ufffe ok\t\n"}])
    assert etree.fromstring(data).find("channel/item").findtext(f"{{{G}}}title") == "bad bytes ok\t\n"


@given(st.text())
def test_any_text_round_trips_through_rss_after_cleaning(text: str) -> None:
    data = rss([{"id": "A", "description": text}])
    parsed = etree.fromstring(data).find("channel/item").findtext(f"{{{G}}}description") or ""
    assert parsed == xml_text(text)  # lxml writes CR as &#13;, so even line ends survive


def test_delimited_writer_header_order_lists_and_quoting() -> None:
    buffer = io.BytesIO()
    columns = ["id", "title", "additional_image_link", "price"]
    with open_writer(
        "delimited", buffer, columns=columns, meta={}, options={"delimiter": "\t", "list_separator": ","}
    ) as writer:
        writer.write({"price": "1.00 USD", "id": "A", "additional_image_link": ["https://x/1.jpg", "https://x/2.jpg"]})
        writer.write({"id": "B", "title": 'tab\there "quoted"\nnext line'})
    text = buffer.getvalue().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows == [
        columns,
        ["A", "", "https://x/1.jpg,https://x/2.jpg", "1.00 USD"],
        ["B", 'tab\there "quoted"\nnext line', "", ""],
    ]
    assert text.startswith("id\ttitle\tadditional_image_link\tprice\r\nA\t\t")


SHIPPING = [{"country": "ES", "service": "Estándar", "price": "4.95 EUR"}, {"country": "PT", "price": "9.95 EUR"}]


def test_rss_writes_groups_of_sub_attributes_as_child_elements_in_order() -> None:
    data = rss([{"id": "A", "shipping": SHIPPING, "product_highlight": ["Soft", "Warm"]}])
    item = etree.fromstring(data).find("channel/item")
    shippings = item.findall(f"{{{G}}}shipping")
    assert [[(etree.QName(c).localname, c.text) for c in s] for s in shippings] == [
        [("country", "ES"), ("service", "Estándar"), ("price", "4.95 EUR")],
        [("country", "PT"), ("price", "9.95 EUR")],
    ]
    assert [e.text for e in item.findall(f"{{{G}}}product_highlight")] == ["Soft", "Warm"]


def test_delimited_extra_columns_follow_in_first_seen_order_with_googles_sub_attribute_header() -> None:
    buffer = io.BytesIO()
    options = {"delimiter": "\t", "list_separator": ",", "extra_columns": True}
    with open_writer("delimited", buffer, columns=["id", "price"], meta={}, options=options) as writer:
        writer.write({"id": "A", "price": "1.00 EUR", "shipping": SHIPPING[:1]})
        writer.write({"id": "B", "tax": [{"country": "ES", "rate": "21"}], "shipping": SHIPPING})
        writer.write({"id": "C", "unit_pricing_measure": "200g"})
    rows = list(csv.reader(io.StringIO(buffer.getvalue().decode("utf-8")), delimiter="\t"))
    assert rows == [
        ["id", "price", "shipping(country:service:price)", "tax(country:rate)", "unit_pricing_measure"],
        ["A", "1.00 EUR", "ES:Estándar:4.95 EUR", "", ""],
        ["B", "", "ES:Estándar:4.95 EUR,PT::9.95 EUR", "ES:21", ""],
        ["C", "", "", "", "200g"],
    ]


def test_delimited_feed_with_extra_columns_that_fails_midway_writes_nothing() -> None:
    buffer = io.BytesIO()
    options = {"delimiter": "\t", "list_separator": ",", "extra_columns": True}
    try:
        with open_writer("delimited", buffer, columns=["id"], meta={}, options=options) as writer:
            writer.write({"id": "A"})
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    assert buffer.getvalue() == b""  # the rows waited in the spool, which is gone; the atomic file is discarded


_ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": st.text(min_size=1)},
        optional={
            "price": st.text(),
            "image_link": st.text(),
            "additional_image_link": st.lists(st.text(), max_size=3),
            "shipping": st.lists(st.fixed_dictionaries({"country": st.text(), "price": st.text()}), max_size=2),
        },
    ),
    max_size=6,
)


@given(_ROWS)
def test_a_delimited_feed_without_extra_columns_is_the_one_that_waits_for_them(rows: list[dict[str, object]]) -> None:
    """Items of the feed's own columns alone (a source that carries no feed's attributes: ``open_writer`` is told
    ``extra_columns: False``) are written with the header first, row by row, as the same bytes the writer that
    waits for extra columns writes at its end."""
    columns = ["id", "price", "image_link", "additional_image_link", "shipping"]
    feeds = []
    for extra in (True, False):
        buffer = io.BytesIO()
        options = {"delimiter": "\t", "list_separator": ",", "extra_columns": extra}
        with open_writer("delimited", buffer, columns=columns, meta={}, options=options) as writer:
            for row in rows:
                writer.write(row)
        feeds.append(buffer.getvalue())
    assert feeds[0] == feeds[1]


def test_a_comma_in_a_listed_link_is_percent_encoded_so_the_links_stay_apart() -> None:
    import polars as pl

    from feedsync.columnar.writers import delimited_line

    links = ["https://c.example/upload/w_500,h_500/a.jpg", "HTTP://c.example/b.jpg", "https://c.example/c,d.jpg"]
    texts = ["Men, Women", "Kids"]
    lines = []
    for extra in ({}, {"extra_columns": True}):
        buffer = io.BytesIO()
        options = {"delimiter": "\t", "list_separator": ",", **extra}
        with open_writer("delimited", buffer, columns=["link", "type"], meta={}, options=options) as writer:
            writer.write({"link": links, "type": texts})
        lines.append(buffer.getvalue().decode("utf-8").split("\r\n")[1])
    expected = "https://c.example/upload/w_500%2Ch_500/a.jpg,HTTP://c.example/b.jpg,https://c.example/c%2Cd.jpg"
    expected += "\tMen, Women,Kids"  # (a text is as it was)
    assert lines == [expected, expected]
    frame = pl.DataFrame({"link": [links], "type": [texts]})
    values = {"link": pl.col("link"), "type": pl.col("type")}
    made = frame.select(delimited_line(values, {"link", "type"}, {"delimiter": "\t", "list_separator": ","}))
    assert made.item() == expected + "\r\n"


def test_a_link_in_metas_csv_list_has_each_separator_meta_reads_percent_encoded() -> None:
    """Meta reads a CSV feed's additional_image_link as URLs separated by a comma, a semicolon, a space or a
    vertical bar: a listed link holding one of them has it percent-encoded (the engines alike), or Meta would read
    two links, neither the image."""
    import polars as pl

    from feedsync.channels.base import channel_spec, load_channels
    from feedsync.columnar.writers import delimited_line

    load_channels()
    options = channel_spec("meta").formats["csv"].options
    links = ["https://c.example/a;v=2/b.jpg", "https://c.example/x|y.jpg", "https://c.example/w_5,h_5/c.jpg"]
    buffer = io.BytesIO()
    with open_writer("delimited", buffer, columns=["additional_image_link"], meta={}, options=options) as writer:
        writer.write({"additional_image_link": links})
    line = buffer.getvalue().decode("utf-8").split("\r\n")[1]
    expected = '"https://c.example/a%3Bv=2/b.jpg,https://c.example/x%7Cy.jpg,https://c.example/w_5%2Ch_5/c.jpg"'
    assert line == expected
    frame = pl.DataFrame({"links": [links]})
    made = frame.select(delimited_line({"additional_image_link": pl.col("links")}, {"additional_image_link"}, options))
    assert made.item() == expected + "\r\n"


def test_a_text_entry_holding_googles_list_separator_is_quoted_in_googles_tsv() -> None:
    """Google's text feeds read a repeated attribute's values as separated by commas, and a value in quotes as
    one (quoted attributes, a quote in it doubled): a plain-text entry holding a comma (a product_type
    ``Home, Garden``) is written in quotes, or Google reads two values; a link's comma stays ``%2C`` (the engines
    alike)."""
    import polars as pl

    from feedsync.channels.base import channel_spec, load_channels
    from feedsync.columnar.writers import delimited_line

    load_channels()
    options = channel_spec("google").formats["tsv"].options | {"extra_columns": False}
    types = ['Home, Garden > 12" Pots', "Kitchen", 'Say "hi"']
    buffer = io.BytesIO()
    with open_writer("delimited", buffer, columns=["product_type"], meta={}, options=options) as writer:
        writer.write({"product_type": types})
    line = buffer.getvalue().decode("utf-8").split("\r\n")[1]
    expected = '"""Home, Garden > 12"""" Pots"",Kitchen,Say ""hi"""'
    assert line == expected
    cell = next(csv.reader([line], delimiter="\t"))[0]
    assert cell == '"Home, Garden > 12"" Pots",Kitchen,Say "hi"'  # what Google reads after the field's own quotes
    frame = pl.DataFrame({"types": [types]})
    made = frame.select(delimited_line({"product_type": pl.col("types")}, {"product_type"}, options))
    assert made.item() == expected + "\r\n"
