"""The real Google feed in ../shared/realdata/google_feeds (opispot: 486 items in 23 groups) as a source: every
element of every item reaches the Google feed or is named by a finding; shipping added to each item survives
XML and TSV round trips; the 4 items whose google_product_category is not in the taxonomy stay, without it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lxml import etree

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Report
from tests.conftest import write_config
from tests.sources.realdata import needs_realdata, real

G = "http://base.google.com/ns/1.0"
OPISPOT = "google_feeds/opispot-google_feed.xml"
EXPLAINED = ("GMC017", "GMC018", "SRC012")  # findings that name an attribute not written as it was

pytestmark = needs_realdata


def elements(item: etree._Element) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [
        (
            etree.QName(child).localname,
            "" if len(child) else (child.text or "").strip(),
            tuple((etree.QName(c).localname, (c.text or "").strip()) for c in child),
        )
        for child in item
        if isinstance(child.tag, str)
    ]


def items_by_id(path: Path) -> dict[str, list[tuple[str, str, tuple[tuple[str, str], ...]]]]:
    found = {}
    for item in etree.parse(str(path)).getroot().iter("item"):
        found[item.findtext(f"{{{G}}}id").strip()] = elements(item)
    return found


def build(tmp: Path, source: Path, fmt: str = "xml", command: str = "build") -> Report:
    config = load_config(
        write_config(
            tmp,
            f"source:\n  path: {source}\nchannels:\n  google:\n    profile: google_merchant\n    format: {fmt}\n"
            f"    destination: {{type: directory, path: {tmp / 'published'}}}\n",
        )
    )
    return pipeline.run(config, command, out_dir=tmp / "out")  # type: ignore[arg-type]


def with_shipping(tmp: Path) -> Path:
    """The opispot feed with two g:shipping groups added to each item (the feed the issue saw had them)."""
    tree = etree.parse(str(real(OPISPOT)))
    for number, item in enumerate(tree.getroot().iter("item")):
        for country, service, price in (("ES", "Estándar", f"{number % 7}.95 EUR"), ("PT", "Express", "9.95 EUR")):
            shipping = etree.SubElement(item, f"{{{G}}}shipping")
            for name, text in (("country", country), ("service", service), ("price", price)):
                etree.SubElement(shipping, f"{{{G}}}{name}").text = text
    path = tmp / "opispot-with-shipping.xml"
    tree.write(str(path), encoding="utf-8", xml_declaration=True)
    return path


def test_every_element_of_every_item_is_written_or_named_by_a_finding(tmp_path: Path) -> None:
    report = build(tmp_path, real(OPISPOT))
    source, output = items_by_id(real(OPISPOT)), items_by_id(tmp_path / "out" / "google.xml")
    assert len(source) == 486 and output.keys() == source.keys()
    named = {d.field for d in report.diagnostics if d.code in EXPLAINED}
    assert named == {"identifier_exists", "google_product_category"}
    for item_id, entries in source.items():
        written = {name for name, _, _ in output[item_id]}
        missing = {name for name, _, _ in entries} - written
        assert missing <= named, (item_id, missing)


def test_shipping_of_every_item_survives_xml_and_tsv_round_trips(tmp_path: Path) -> None:
    source = with_shipping(tmp_path)
    build(tmp_path, source)
    expected = {i: [e for e in entries if e[0] == "shipping"] for i, entries in items_by_id(source).items()}
    written = {
        i: [e for e in entries if e[0] == "shipping"]
        for i, entries in items_by_id(tmp_path / "out" / "google.xml").items()
    }
    assert len(expected) == 486 and all(len(e) == 2 for e in expected.values())
    assert written == expected

    build(tmp_path, source, fmt="tsv")
    text = (tmp_path / "out" / "google.tsv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    assert len(rows) == 486
    for row in rows:
        groups = [":".join(value for _, value in e[2]) for e in expected[row["id"]]]
        assert row["shipping(country:service:price)"] == ",".join(groups)


def test_items_with_an_unknown_google_category_stay_without_it(tmp_path: Path) -> None:
    report = build(tmp_path, real(OPISPOT), command="push")
    dropped = {d.value: d.message for d in report.diagnostics if d.code == "GMC017"}
    assert sorted(v.split(" > ")[-1] for v in dropped) == ["Laptop Cases", "Stickers"]
    assert sorted(m.rsplit(" (", 1)[1] for m in dropped.values()) == [
        "1 item(s); the first: 6a17ffae-9f12-4aee-a88e-065550472ff5)",
        "3 item(s); the first: 1449c47c-b692-45fe-9c8e-1243ac51bbc1)",
    ]
    assert not [d for d in report.diagnostics if d.code == "GMC013"]  # the old code: 4 errors, 4 items left out
    source = items_by_id(real(OPISPOT))
    unknown = {
        i
        for i, entries in source.items()
        if any(e[:2] == ("google_product_category", v) for e in entries for v in dropped)
    }
    assert len(unknown) == 4
    errors = {d.product_id for d in report.diagnostics if d.severity.value == "error"}
    published = items_by_id(tmp_path / "published" / "google.xml")
    assert published.keys() == source.keys() - errors and unknown - errors <= published.keys()
    for item_id, entries in published.items():
        categories = [value for name, value, _ in entries if name == "google_product_category"]
        assert categories == (
            [] if item_id in unknown else [e[1] for e in source[item_id] if e[0] == "google_product_category"]
        )
