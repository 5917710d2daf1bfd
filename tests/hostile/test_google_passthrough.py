"""Hostile Google feeds as the source: elements that are no Google attributes, column names no attribute can
have, values Google's text form cannot carry, odd structures; and a TSV feed (whose rows wait in a spool until
the header is known) killed at each step of writing."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Diagnostic
from feedsync.faults import KILLED
from tests.conftest import write_config
from tests.hostile.killing import points_passed, run_feedsync

G = "http://base.google.com/ns/1.0"
ITEM = (
    "<item><g:id>{id}</g:id><title>Tee {id}</title><link>https://s.example/{id}</link><description>D</description>"
    "<g:image_link>https://s.example/{id}.jpg</g:image_link><g:price>5.00 EUR</g:price>"
    "<g:availability>in stock</g:availability><g:gtin>4006381333931</g:gtin>{extra}</item>\n"
)
CONFIG = "source:\n  path: {name}\nchannels:\n  google:\n    profile: google_merchant\n    format: {fmt}\n"


def feed(extras: list[str], head: str = "") -> str:
    items = "".join(ITEM.format(id=f"A{n}", extra=extra) for n, extra in enumerate(extras))
    return f'<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="{G}" {head}><channel>\n{items}</channel></rss>\n'


def build(tmp: Path, text: str, name: str = "feed.xml", fmt: str = "xml") -> list[Diagnostic]:
    (tmp / name).write_text(text, encoding="utf-8")
    config = load_config(write_config(tmp, CONFIG.format(name=name, fmt=fmt)))
    return pipeline.run(config, "build", out_dir=tmp / "out").diagnostics


def shape(elements: list[etree._Element]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (etree.QName(e).localname, (e.text or "").strip(), [(etree.QName(c).localname, c.text or "") for c in e])
        for e in elements
    ]


def written(tmp: Path) -> list[list[str]]:
    items = etree.parse(str(tmp / "out" / "google.xml")).getroot().findall("channel/item")
    return [[etree.QName(c).localname for c in item] for item in items]


def test_elements_outside_googles_namespace_are_named_once_each_with_their_count(tmp_path: Path) -> None:
    extra = "<guid>g1</guid><pubDate>Mon, 01 Dec 2026</pubDate><x:note>internal</x:note>"
    found = build(tmp_path, feed([extra, extra, "<guid>g3</guid>"], 'xmlns:x="urn:x"'))
    assert [(d.code, d.field, d.location.row if d.location else None) for d in found] == [
        ("SRC012", "guid", 3),
        ("SRC012", "pubDate", 3),
        ("SRC012", "x:note", 3),
    ]
    assert [d.message.split(" have ")[0] for d in found] == ["3 item(s)", "2 item(s)", "2 item(s)"]
    assert all(not {"guid", "pubDate", "note"} & set(names) for names in written(tmp_path))


def test_tsv_columns_no_attribute_can_have_are_named_and_the_run_does_not_crash(tmp_path: Path) -> None:
    tsv = (
        "id\titem_group_id\ttitle\tdescription\tlink\timage_link\tprice\tavailability\tgtin\tNotes (internal)\t"
        "shipping(country:the price)\tg:energy_efficiency_class\n"
        "A1\tG\tTee\tD\thttps://s.example/a\thttps://s.example/a.jpg\t5.00 EUR\tin stock\t4006381333931\tx\t"
        "ES:4 EUR\tA+\n"
    )
    found = build(tmp_path, tsv, name="feed.txt")
    assert [(d.code, d.field) for d in found] == [
        ("SRC012", "Notes (internal)"),
        ("SRC012", "shipping(country:the price)"),
    ]
    assert written(tmp_path) == [
        [
            *("id", "item_group_id", "title", "description", "link", "image_link", "availability", "price"),
            *("gtin", "condition", "energy_efficiency_class"),
        ]
    ]


@pytest.mark.parametrize(
    ("extra", "fmt", "codes"),
    [
        # An empty sub-element is kept empty; so is the group around it.
        ("<g:shipping><g:country>ES</g:country><g:region/><g:price>1 EUR</g:price></g:shipping>", "xml", []),
        # A sub-attribute holding the text form's separators: fine in XML, named when written as TSV.
        ("<g:shipping><g:country>ES</g:country><g:service>A:B</g:service></g:shipping>", "xml", []),
        ("<g:shipping><g:country>ES</g:country><g:service>A:B</g:service></g:shipping>", "tsv", ["GMC018"]),
        ("<g:shipping><g:country>ES</g:country><g:service>A,B</g:service></g:shipping>", "tsv", ["GMC018"]),
        # Five hundred highlights: every one is written.
        ("<g:product_highlight>h</g:product_highlight>" * 500, "xml", []),
        # Markup-looking text and escaped entities come back as the same text.
        (
            "<g:product_detail><g:attribute_value>&lt;b&gt; &amp; \u85cd</g:attribute_value></g:product_detail>",
            "xml",
            [],
        ),
    ],
)
def test_odd_structures_are_written_as_they_were_or_named(
    tmp_path: Path, extra: str, fmt: str, codes: list[str]
) -> None:
    found = build(tmp_path, feed([extra]), fmt=fmt)
    assert [d.code for d in found] == codes
    out = tmp_path / "out" / f"google.{fmt}"
    if fmt == "xml":
        source = etree.fromstring(feed([extra]).encode()).find("channel/item")
        [item] = etree.parse(str(out)).getroot().findall("channel/item")
        assert shape(list(item)[-(len(source) - 8) :]) == shape(list(source)[8:])
    else:
        assert "A:B" in out.read_text(encoding="utf-8") or "A,B" in out.read_text(encoding="utf-8")


KILL_POINTS = ["delimited.header-written", "atomic.written"]


def test_a_tsv_feed_killed_at_each_step_leaves_the_last_feed_whole_and_a_rerun_writes_it(tmp_path: Path) -> None:
    shipping = "<g:shipping><g:country>ES</g:country><g:price>{n}.00 EUR</g:price></g:shipping>"
    (tmp_path / "feed.xml").write_text(feed([shipping.format(n=n) for n in range(40)]), encoding="utf-8")
    write_config(tmp_path, CONFIG.format(name="feed.xml", fmt="tsv"))
    args = ("build", "-c", "feedsync.yaml", "--out", "out")
    assert [p for p in points_passed(*args, cwd=tmp_path) if p in KILL_POINTS] == KILL_POINTS
    good = (tmp_path / "out" / "google.tsv").read_bytes()
    assert b"shipping(country:price)" in good and b"ES:39.00 EUR" in good
    (tmp_path / "feed.xml").write_text(feed([shipping.format(n=n + 1) for n in range(41)]), encoding="utf-8")
    for point in KILL_POINTS:
        result = run_feedsync(*args, cwd=tmp_path, fault=point)
        assert result.returncode == KILLED, result.stderr
        assert (tmp_path / "out" / "google.tsv").read_bytes() == good  # the last feed, whole
    result = run_feedsync(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rerun = (tmp_path / "out" / "google.tsv").read_bytes()
    assert rerun.count(b"\r\n") == 42 and b"ES:41.00 EUR" in rerun
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["google.tsv"]  # no temporary file left
