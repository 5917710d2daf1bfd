"""The Pinterest catalog channel: its profile writes Pinterest's attributes from the demo catalog and a real
WooCommerce export, in CSV, TSV and XML, and its rules take Pinterest's values in either case."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Report
from tests.channels.pinterest.rule_fixtures import item
from tests.conftest import DEMO, SHARED, write_config

CONFIG = """source:
  path: {path}
  currency: USD
  base_url: https://shop.example.com
channels:
  pinterest: {{profile: pinterest, format: {format}, destination: {{type: directory, path: www}}}}
output_dir: out
state_path: state.sqlite
"""


def run(tmp: Path, path: Path, command: str = "build", format: str = "csv") -> Report:
    config = load_config(write_config(tmp, CONFIG.format(path=path, format=format)))
    return pipeline.run(config, command)


def rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_the_demo_catalog_becomes_a_pinterest_csv_with_its_attributes(tmp_path: Path) -> None:
    report = run(tmp_path, DEMO / "products.csv", "validate")
    assert [d.code for d in report.diagnostics if d.code.startswith("PIN")] == []
    run(tmp_path, DEMO / "products.csv")
    written = rows(tmp_path / "out" / "pinterest.csv")
    assert len(written) == 88
    first = written[0]
    assert list(first)[:7] == [
        "id",
        "item_group_id",
        "title",
        "description",
        "link",
        "image_link",
        "additional_image_link",
    ]
    assert (first["id"], first["item_group_id"], first["price"], first["availability"], first["condition"]) == (
        "NW-TEE-NAV-S",
        "NW-TEE",
        "45.00 USD",
        "in stock",
        "new",
    )
    assert first["additional_image_link"].split(",") == [
        "https://shop.example.com/cdn/images/merino-crew-tee-navy-back.jpg",
        "https://shop.example.com/cdn/images/merino-crew-tee-detail.jpg",
    ]
    assert {r["availability"] for r in written} <= {"in stock", "out of stock", "preorder"}


def test_a_backorder_is_a_preorder_and_html_descriptions_become_plain_text(tmp_path: Path) -> None:
    catalog = tmp_path / "p.csv"
    catalog.write_text(
        "id,title,description,link,image_link,price,availability\n"
        'B1,Lamp,"<p>Warm <b>light</b></p>",https://s.example.com/l,https://s.example.com/l.jpg,10,backorder\n',
        encoding="utf-8",
    )
    run(tmp_path, catalog)
    [written] = rows(tmp_path / "out" / "pinterest.csv")
    assert (written["availability"], written["description"], written["price"]) == (
        "preorder",
        "Warm light",
        "10.00 USD",
    )


@pytest.mark.parametrize(("format", "name"), [("tsv", "pinterest.tsv"), ("xml", "pinterest.xml")])
def test_tsv_and_xml_are_written_too(tmp_path: Path, format: str, name: str) -> None:
    run(tmp_path, DEMO / "products.csv", format=format)
    text = (tmp_path / "out" / name).read_text(encoding="utf-8")
    if format == "tsv":
        assert text.splitlines()[0].startswith("id\titem_group_id\ttitle\t") and len(text.splitlines()) == 89
    else:
        assert text.count("<item>") == 88 and "<g:availability>in stock</g:availability>" in text


def test_a_real_woocommerce_export_is_accounted_for_and_its_product_without_image_is_named(tmp_path: Path) -> None:
    path = SHARED / "realdata" / "woocommerce" / "classiccommerce-importer-test-sample.csv"
    report = run(tmp_path, path, "validate")
    result = report.channels["pinterest"]
    assert (result.items, result.excluded, result.rejected) == (4, 0, 1)
    [missing] = [d for d in report.diagnostics if d.code.startswith("PIN")]
    assert (missing.code, missing.product_id, missing.field) == (
        "PIN001",
        "wc-woocommerce-product-csv-suite",
        "image_link",
    )
    assert missing.location is not None and (missing.location.row, missing.location.column_name) == (4, "Images")


def test_enumerated_values_are_taken_in_either_case() -> None:
    assert item(availability="In Stock", condition="NEW", gender="Female")(Path()) == []
    assert [d.code for d in item(availability="available")(Path())] == ["PIN003"]


def test_a_sale_price_in_another_currency_is_not_compared() -> None:
    assert item(sale_price="45.00 EUR")(Path()) == []
    assert [d.code for d in item(sale_price="45.00 USD")(Path())] == ["PIN006"]


def test_texts_and_images_past_pinterest_s_limits_are_cut_and_named(tmp_path: Path) -> None:
    """Pinterest takes a title of 500 characters, a description of 10,000 (its product data source specification)
    and uses 10 additional images: the profile no longer cuts them untold; the channel cuts a longer text at a word
    (PIN010) and leaves the images past the tenth out (PIN008), each told naming the item, the length or count and
    the limit."""
    words = ("Pillow " * 2000)[:11_000]
    images = ",".join(f"https://shop.example.com/i/{n}.jpg" for n in range(12))
    catalog = tmp_path / "products.csv"
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["id", "title", "description", "link", "image_link", "additional_image_links", "price"])
        out.writerow(["LONG", words[:640], words[:10_500], "/p/long", "/i/long.jpg", images, "20.00"])
        out.writerow(["SHORT", "Linen pillow", "Soft", "/p/short", "/i/short.jpg", images.split(",")[0], "20.00"])
    report = run(tmp_path, catalog)
    found = {(d.code, d.product_id, d.field): d for d in report.diagnostics if d.code in ("PIN008", "PIN010")}
    assert sorted(found) == [
        ("PIN008", "LONG", "additional_image_link"),
        ("PIN010", "LONG", "description"),
        ("PIN010", "LONG", "title"),
    ]
    assert found["PIN010", "LONG", "title"].message.startswith("title is 640 characters, more than the 500 Pinterest")
    assert (
        "holds 12 images, more than the 10 Pinterest takes: 2 left out"
        in found["PIN008", "LONG", "additional_image_link"].message
    )
    assert all(d.severity.value == "warning" for d in found.values())
    written = {line["id"]: line for line in rows(tmp_path / "out" / "pinterest.csv")}
    assert written["LONG"]["title"] == words[:501].rsplit(" ", 1)[0]
    assert written["LONG"]["description"] == words[:10_001].rsplit(" ", 1)[0]
    assert written["LONG"]["additional_image_link"].split(",") == images.split(",")[:10]
    assert report.channels["pinterest"].items == 2
