"""An existing Google feed as the source: every attribute the model does not name is kept with its structure
(repeated elements, sub-elements) and written back to the Google feed as it was, in XML and TSV; an unknown
google_product_category is left out of the item with one warning per value, and the item stays."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lxml import etree

from feedsync import pipeline
from feedsync.config import SourceConfig, load_config
from feedsync.diagnostics import Diagnostic
from feedsync.model.product import FeedAttribute
from feedsync.sources import open_source
from feedsync.sources.google_feed import tsv_attribute
from tests.conftest import write_config

G = "http://base.google.com/ns/1.0"

ITEM = """  <item>
    <g:id>{id}</g:id>
    <g:item_group_id>TEE</g:item_group_id>
    <title>Merino Tee {id}</title>
    <link>https://shop.example.com/tee?v={id}</link>
    <description>Soft and warm</description>
    <g:image_link>https://shop.example.com/tee.jpg</g:image_link>
    <g:price>20.00 EUR</g:price>
    <g:availability>in stock</g:availability>
    <g:brand>Acme</g:brand>
    <g:gtin>4006381333931</g:gtin>
    <g:color>Navy</g:color>
    <g:size>{id}</g:size>
    <g:google_product_category>{category}</g:google_product_category>
    <g:shipping>
      <g:country>ES</g:country>
      <g:service>Estándar</g:service>
      <g:price>4.95 EUR</g:price>
    </g:shipping>
    <g:shipping>
      <g:country>PT</g:country>
      <g:region>Madeira</g:region>
      <g:service>Express</g:service>
      <g:price>9.95 EUR</g:price>
      <g:max_handling_time>3</g:max_handling_time>
    </g:shipping>
    <g:tax>
      <g:country>ES</g:country>
      <g:rate>21</g:rate>
      <g:tax_ship>yes</g:tax_ship>
    </g:tax>
    <g:product_detail>
      <g:section_name>General</g:section_name>
      <g:attribute_name>Fabric</g:attribute_name>
      <g:attribute_value>Merino: 100%</g:attribute_value>
    </g:product_detail>
    <g:product_highlight>Machine washable</g:product_highlight>
    <g:product_highlight>Made in Portugal</g:product_highlight>
    <g:certification>
      <g:certification_authority>EC</g:certification_authority>
      <g:certification_name>EPREL</g:certification_name>
      <g:certification_code>123456</g:certification_code>
    </g:certification>
    <g:excluded_destination>Display_ads</g:excluded_destination>
    <g:unit_pricing_measure>200g</g:unit_pricing_measure>
  </item>
"""
SHIPPINGS = [
    [("country", "ES"), ("service", "Estándar"), ("price", "4.95 EUR")],
    [
        ("country", "PT"),
        ("region", "Madeira"),
        ("service", "Express"),
        ("price", "9.95 EUR"),
        ("max_handling_time", "3"),
    ],
]
KEPT = {  # attribute -> every occurrence, as (text, sub-elements)
    "shipping": [("", SHIPPINGS[0]), ("", SHIPPINGS[1])],
    "tax": [("", [("country", "ES"), ("rate", "21"), ("tax_ship", "yes")])],
    "product_detail": [
        ("", [("section_name", "General"), ("attribute_name", "Fabric"), ("attribute_value", "Merino: 100%")])
    ],
    "product_highlight": [("Machine washable", []), ("Made in Portugal", [])],
    "certification": [
        ("", [("certification_authority", "EC"), ("certification_name", "EPREL"), ("certification_code", "123456")])
    ],
    "excluded_destination": [("Display_ads", [])],
    "unit_pricing_measure": [("200g", [])],
}


def feed(*ids: str, category: str = "212") -> str:
    items = "".join(ITEM.format(id=i, category=category) for i in ids)
    return f'<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="{G}"><channel>\n{items}</channel></rss>\n'


def occurrences(item: etree._Element) -> dict[str, list[tuple[str, list[tuple[str, str]]]]]:
    found: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for child in item:
        parts = [(etree.QName(c).localname, (c.text or "").strip()) for c in child]
        text = "" if parts else (child.text or "").strip()
        found.setdefault(etree.QName(child).localname, []).append((text, parts))
    return found


def run(
    tmp: Path, source: str, *, fmt: str = "xml", command: str = "build", name: str = "feed.xml"
) -> list[Diagnostic]:
    (tmp / name).write_text(source, encoding="utf-8")
    config = load_config(
        write_config(
            tmp, f"source:\n  path: {name}\nchannels:\n  google:\n    profile: google_merchant\n    format: {fmt}\n"
        )
    )
    report = pipeline.run(config, command, out_dir=tmp / "out")  # type: ignore[arg-type]
    return report.diagnostics


def test_reader_keeps_unmodelled_attributes_with_their_structure(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_text(feed("S"), encoding="utf-8")
    [product] = open_source(SourceConfig.model_validate({"path": path})).products(lambda d: None)
    kept = [(a.name, a.value, list(a.parts)) for a in product.feed_attributes]
    assert kept == [(name, text, parts) for name, entries in KEPT.items() for text, parts in entries]
    assert product.attributes["product_highlight"] == "Machine washable"  # templates still see a flat text
    assert product.google_product_category == "212" and product.size == "S"


def test_every_attribute_of_the_source_survives_an_xml_round_trip(tmp_path: Path) -> None:
    found = run(tmp_path, feed("S", "M"))
    assert [d.code for d in found] == []
    items = etree.parse(str(tmp_path / "out" / "google.xml")).getroot().findall("channel/item")
    assert len(items) == 2
    for item in items:
        got = occurrences(item)
        for name, entries in KEPT.items():
            assert got[name] == entries, name
        assert got["google_product_category"] == [("212", [])]


def test_every_attribute_survives_a_tsv_round_trip_in_googles_text_form(tmp_path: Path) -> None:
    found = run(tmp_path, feed("S", "M"), fmt="tsv")
    # 'Merino: 100%' cannot be told from a separator in Google's text form: said once, for both items.
    assert [(d.code, d.field) for d in found] == [("GMC018", "product_detail")]
    assert "(2 item(s); the first: S)" in found[0].message and "format: xml" in found[0].message
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "google.tsv").read_text(encoding="utf-8")), delimiter="\t"))
    header, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[-7:] == [
        "shipping(country:service:price:region:max_handling_time)",
        "tax(country:rate:tax_ship)",
        "product_detail(section_name:attribute_name:attribute_value)",
        "product_highlight",
        "certification(certification_authority:certification_name:certification_code)",
        "excluded_destination",
        "unit_pricing_measure",
    ]
    assert first["shipping(country:service:price:region:max_handling_time)"] == (
        "ES:Estándar:4.95 EUR::,PT:Express:9.95 EUR:Madeira:3"
    )
    assert first["tax(country:rate:tax_ship)"] == "ES:21:yes"
    assert first["product_highlight"] == "Machine washable,Made in Portugal"
    assert len(rows) == 3
    # ... and read back as a Google TSV source, the shipping groups are the same as in the XML feed.
    tsv = tmp_path / "again.txt"
    tsv.write_text((tmp_path / "out" / "google.tsv").read_text(encoding="utf-8"), encoding="utf-8")
    source = open_source(SourceConfig.model_validate({"path": tsv, "format": "google_tsv"}))
    product = next(iter(source.products(lambda d: None)))
    shippings = [list(a.parts) for a in product.feed_attributes if a.name == "shipping"]
    assert shippings == [
        [("country", "ES"), ("service", "Estándar"), ("price", "4.95 EUR")],
        [
            ("country", "PT"),
            ("service", "Express"),
            ("price", "9.95 EUR"),
            ("region", "Madeira"),
            ("max_handling_time", "3"),
        ],
    ]


def test_google_tsv_columns_in_text_form_are_written_back_to_xml(tmp_path: Path) -> None:
    tsv = (
        "id\titem_group_id\ttitle\tdescription\tlink\timage_link\tprice\tavailability\tgtin\tshipping\tshipping_label\n"
        "A1\tTEE\tTee\tSoft\thttps://s.example/a\thttps://s.example/a.jpg\t20.00 USD\tin stock\t4006381333931\t"
        "US:CA:Overnight:16.00 USD,US::Ground:5.00 USD\tbulky\n"
    )
    found = run(tmp_path, tsv, name="feed.txt")
    assert [d.code for d in found] == []
    [item] = etree.parse(str(tmp_path / "out" / "google.xml")).getroot().findall("channel/item")
    got = occurrences(item)
    assert got["shipping"] == [
        ("", [("country", "US"), ("region", "CA"), ("service", "Overnight"), ("price", "16.00 USD")]),
        ("", [("country", "US"), ("service", "Ground"), ("price", "5.00 USD")]),
    ]
    assert got["shipping_label"] == [("bulky", [])]


def test_tsv_attribute_forms() -> None:
    assert tsv_attribute("shipping(country:postal_code:price)", "DE:80*:4.95 EUR") == [
        FeedAttribute(name="shipping", parts=(("country", "DE"), ("postal_code", "80*"), ("price", "4.95 EUR")))
    ]
    assert tsv_attribute("g:tax", "US:CA:8.25:yes") == [
        FeedAttribute(name="tax", parts=(("country", "US"), ("region", "CA"), ("rate", "8.25"), ("tax_ship", "yes")))
    ]
    # A value not in the form the header names is kept as its text, not cut to pieces.
    assert tsv_attribute("shipping", "US:CA:16.00 USD") == [FeedAttribute(name="shipping", value="US:CA:16.00 USD")]
    assert tsv_attribute("Notes (internal)", "x") is None and tsv_attribute("shipping(country:the price)", "x") is None
    assert tsv_attribute("energy_efficiency_class", "A+") == [FeedAttribute(name="energy_efficiency_class", value="A+")]


def test_a_mapping_in_fields_wins_and_the_replaced_source_value_is_told_once(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(feed("S", "M", "L"), encoding="utf-8")
    config = load_config(
        write_config(
            tmp_path,
            "source:\n  path: feed.xml\nchannels:\n  google:\n    profile: google_merchant\n"
            "    fields:\n      tax: 'US:CA:8.25:yes'\n",
        )
    )
    found = pipeline.run(config, "build", out_dir=tmp_path / "out").diagnostics
    assert [(d.code, d.field) for d in found] == [("GMC018", "tax")]
    assert "(3 item(s); the first: S)" in found[0].message and "fields: tax" in found[0].message
    items = etree.parse(str(tmp_path / "out" / "google.xml")).getroot().findall("channel/item")
    assert [occurrences(i)["tax"] for i in items] == [[("US:CA:8.25:yes", [])]] * 3


def test_unknown_google_category_is_dropped_with_one_warning_per_value_and_the_item_stays(tmp_path: Path) -> None:
    source = feed("S", "M", category="Apparel > Made Up > Category")
    found = run(tmp_path, source, command="validate")
    assert [(d.code, d.severity.value, d.field, d.value) for d in found] == [
        ("GMC017", "warning", "google_product_category", "Apparel > Made Up > Category")
    ]
    assert "(2 item(s); the first: S)" in found[0].message
    report = pipeline.run(load_config(tmp_path / "feedsync.yaml"), "build", out_dir=tmp_path / "out")
    assert report.channels["google"].items == 2 and report.channels["google"].rejected == 0
    items = etree.parse(str(tmp_path / "out" / "google.xml")).getroot().findall("channel/item")
    assert len(items) == 2
    assert all(i.find(f"{{{G}}}google_product_category") is None for i in items)


def test_explain_shows_kept_attributes_and_the_dropped_category(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from feedsync.cli.app import app

    (tmp_path / "feed.xml").write_text(feed("S", category="Made Up"), encoding="utf-8")
    write_config(tmp_path, "source:\n  path: feed.xml\nchannels:\n  google:\n    profile: google_merchant\n")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        app, ["explain", "S", "--channel", "google", "-c", str(tmp_path / "feedsync.yaml")]
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "  shipping              country=ES;service=Estándar;price=4.95 EUR | country=PT;region=Madeira;" in out
    assert "  product_highlight     Machine washable | Made in Portugal" in out
    assert "GMC017 google_product_category 'Made Up' is not in Google's product taxonomy" in out
    assert "  google_product_category  " not in out


def test_a_change_inside_a_kept_group_is_a_changed_item_for_validate_changes(tmp_path: Path) -> None:
    from feedsync.diff import compare

    run(tmp_path, feed("S", "M"))
    before = tmp_path / "before.xml"
    before.write_bytes((tmp_path / "out" / "google.xml").read_bytes())
    run(tmp_path, feed("S", "M").replace("9.95 EUR", "10.95 EUR", 1))
    found = compare("google", before, tmp_path / "out" / "google.xml")
    assert (len(found.added), len(found.removed), len(found.changed)) == (0, 0, 1)


def test_kept_groups_go_to_the_merchant_api_as_custom_attributes_with_group_values() -> None:
    from types import SimpleNamespace

    from feedsync.destinations.google_merchant import product_input

    destination = SimpleNamespace(content_language="es", feed_label="ES")
    values = {"id": "S", "shipping": [{"country": "ES", "price": "4.95 EUR"}], "product_highlight": ["A", "B"]}
    body = product_input(values, destination)  # type: ignore[arg-type]
    assert body["customAttributes"] == [
        {
            "name": "shipping",
            "groupValues": [{"name": "country", "value": "ES"}, {"name": "price", "value": "4.95 EUR"}],
        },
        {"name": "product_highlight", "value": "A"},  # one a value, as the feed file repeats the attribute
        {"name": "product_highlight", "value": "B"},
    ]
