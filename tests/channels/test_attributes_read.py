"""CFG011 (CFG012 where learnt from the products): an attribute that feedsync.yaml reads by name and no column
of a native catalog has, nor any product of
a JSON catalog or a platform export once its rows are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from tests.columnar.test_gate import assert_alike
from tests.columnar.test_gate_shopify import _run
from tests.conftest import HEADER, make_config, row, write_config
from tests.rows_compare import build_both
from tests.sources.realdata import needs_realdata, real

SEASONAL = HEADER.rstrip("\n") + ",season\n"


def _rows(count: int, season: str = "Winter") -> str:
    return "".join(row(f"P{i}", size=str(i)).rstrip("\n") + f",{season}\n" for i in range(count))


def _found(report: object, code: str = "CFG011") -> list[object]:
    return [d for d in report.diagnostics if d.code == code]  # type: ignore[attr-defined]


def test_a_field_reading_an_attribute_no_column_has_is_an_error_at_its_line(tmp_path: Path) -> None:
    """``custom_label_0: "{{ attributes.get('Season', '') }}"`` over a file whose column is ``season`` gave an empty
    label on every item with exit 0: what was mapped never reached the feed. It is CFG011 at the field's line in
    feedsync.yaml, naming the column of that name in another case."""
    extra = "    fields:\n      custom_label_0: \"{{ attributes.get('Season', '') }}\"\n"
    config = make_config(tmp_path, SEASONAL + _rows(3), channel_extra=extra)
    report = pipeline.run(config, "validate")
    [told] = _found(report)
    assert (told.severity, told.channel, told.value) == ("error", "google", "Season")
    assert told.location.path.endswith("feedsync.yaml") and told.location.row == 9
    assert told.message == (
        "fields.custom_label_0 reads attributes 'Season', but the source has no column of that name, nor does a "
        "supplement add one (closest: 'season'): it is empty on every item"
    )
    assert report.channels["google"].items == 3  # (told once, not per item)


@pytest.mark.parametrize(
    "template",
    ["{{ attributes.get('season', '') }}", "{{ attributes['season'] }}", "{{ attributes.season | upper }}"],
)
def test_an_attribute_a_column_has_reaches_the_feed_with_no_finding(tmp_path: Path, template: str) -> None:
    extra = f'    fields:\n      custom_label_0: "{template}"\n'
    config = make_config(tmp_path, SEASONAL + _rows(2), channel_extra=extra)
    report = pipeline.run(config, "build", out_dir=tmp_path / "out")
    assert not _found(report)
    assert (tmp_path / "out" / "google.xml").read_text(encoding="utf-8").lower().count("winter") == 2


def test_an_attribute_a_supplement_adds_is_read(tmp_path: Path) -> None:
    """A one-to-one supplement's column is an attribute of the products it joins: no CFG011."""
    (tmp_path / "extra.csv").write_text("id,Margin\nP0,high\n", encoding="utf-8")
    extra = "    fields:\n      custom_label_1: \"{{ attributes.get('Margin', '') }}\"\n"
    make_config(tmp_path, HEADER + row("P0"), channel_extra=extra)
    path = tmp_path / "feedsync.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "supplements:\n  - {path: extra.csv, key: id}\n")
    report = pipeline.run(load_config(path), "build", out_dir=tmp_path / "out")
    assert not _found(report)
    assert "high" in (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")


def test_a_filter_reading_an_attribute_no_column_has_is_an_error(tmp_path: Path) -> None:
    extra = "    filters:\n      exclude: [\"attributes.get('discontinued') == 'yes'\"]\n"
    config = make_config(tmp_path, SEASONAL + _rows(1), channel_extra=extra)
    [told] = _found(pipeline.run(config, "validate"))
    assert told.message.startswith("filters.exclude.0 reads attributes 'discontinued'")


def test_the_builtin_profiles_optional_attributes_are_not_asked_of_the_source(tmp_path: Path) -> None:
    """The profiles' own reads (Amazon's ``attributes.get('asin', '')``) are optional by design: only what
    feedsync.yaml maps is held to the source's columns."""
    make_config(tmp_path, HEADER + row("P0"))
    path = tmp_path / "feedsync.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "  google:\n    profile: google_merchant\n",
        "  amazon:\n    profile: amazon\n    settings: {seller_id: A2TEST, marketplace: US, "
        "default_product_type: SHIRT}\n",
    )
    path.write_text(text, encoding="utf-8")
    assert not _found(pipeline.run(load_config(path), "validate"))


@pytest.mark.parametrize("key", ["sesaon", "color"])
def test_split_by_rows_it_is_told_once_as_one_process_tells_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    extra = f"    fields:\n      custom_label_0: \"{{{{ attributes.get('{key}', '') }}}}\"\n"
    (tmp_path / "catalog").mkdir()
    config = make_config(tmp_path / "catalog", SEASONAL + _rows(40), channel_extra=extra)
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3)
    assert events[-1]["split"]
    assert [d.value for d in _found(serial)] == [key]  # (and the split run's findings are the same: build_both)


def test_an_attribute_named_as_a_column_read_as_a_field_says_to_read_the_field(tmp_path: Path) -> None:
    """The column ``color`` is read as the field color, not kept as an attribute: ``attributes.get('color')`` is
    empty, and CFG011 says which field to read instead."""
    extra = "    fields:\n      custom_label_0: \"{{ attributes.get('color', '') }}\"\n"
    config = make_config(tmp_path, HEADER + row("P0"), channel_extra=extra)
    [told] = _found(pipeline.run(config, "validate"))
    assert "the source's column 'color' is read as the field color (read it as {{ color }})" in told.message


JSONL = "".join(
    json.dumps({"id": f"J{i}", "title": "Tee", "link": "/t", "image_link": "/t.jpg", "price": "9.00", **extra}) + "\n"
    for i, extra in enumerate([{"Season": "Winter"}, {"Season": "Summer", "fit": "slim"}, {}])
)


def _json_config(tmp_path: Path, template: str) -> Path:
    (tmp_path / "products.jsonl").write_text(JSONL, encoding="utf-8")
    extra = f'    fields:\n      custom_label_0: "{template}"\n'
    make_config(tmp_path, HEADER, channel_extra=extra)
    path = tmp_path / "feedsync.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("products.csv", "products.jsonl"), encoding="utf-8")
    return path


def test_a_json_catalog_is_held_to_the_attributes_its_records_had_once_they_are_read(tmp_path: Path) -> None:
    """A JSON catalog names its attributes record by record: ``attributes.get('season')`` over records whose key is
    ``Season`` was empty on every item with exit 0. It is CFG012 once the rows are read (a warning: a record may simply
    lack it this time), at the field's line, naming the key the records had; the feed is written whole."""
    config = load_config(_json_config(tmp_path, "{{ attributes.get('season', '') }}"))
    report = pipeline.run(config, "build", out_dir=tmp_path / "out")
    [told] = _found(report, "CFG012")
    assert (told.severity, told.value, told.location.row) == ("warning", "season", 9)
    assert told.message == (
        "fields.custom_label_0 reads attributes 'season', but no product read has an attribute of that name, nor "
        "does a supplement add one (closest: 'Season'): it is empty on every item"
    )
    assert report.channels["google"].items == 3
    assert (tmp_path / "out" / "google.xml").read_text(encoding="utf-8").count("<item>") == 3


@pytest.mark.parametrize("key", ["Season", "fit"])
def test_a_key_any_record_of_a_json_catalog_has_is_no_finding(tmp_path: Path, key: str) -> None:
    """One record having the key is enough: the others' items are empty there as their records are."""
    config = load_config(_json_config(tmp_path, f"{{{{ attributes.get('{key}', '') }}}}"))
    report = pipeline.run(config, "build", out_dir=tmp_path / "out")
    assert not _found(report, "CFG012")
    assert report.channels["google"].items == 3


ROSAROSE = real("shopify/rosarose-products_export_1.csv")


def _export_config(directory: Path, keys: list[str]) -> Path:
    """The real export whose option 'Choose Initial' names no variant field (an attribute of its name): a field
    reading each of ``keys``."""
    fields = "".join(
        f"      custom_label_{n}: \"{{{{ attributes.get('{key}', '') }}}}\"\n" for n, key in enumerate(keys)
    )
    text = (
        f"source:\n  path: {ROSAROSE}\n  format: shopify\n  currency: USD\n  base_url: https://shop.example.com\n"
        f"channels:\n  google_merchant:\n    profile: google_merchant\n    fields:\n{fields}"
    )
    return write_config(directory, text)


@needs_realdata
def test_a_platform_export_is_held_to_its_options_and_metafields_in_both_engines(tmp_path: Path) -> None:
    """A Shopify export's attributes are its options of no variant field and its own columns, met product by
    product: the per-row engine and the columnar one (whose variants the reader never makes) tell the same CFG011
    of a name no product had, with the closest names, and none of one some product had."""
    config = _export_config(tmp_path, ["Choose Initial", "choose initials", "Tags", "Handle"])
    columnar, documents, taken = _run(config, tmp_path / "columnar", columnar=True, chunk=8192)
    per_row, expected, none = _run(config, tmp_path / "per-row", columnar=False, chunk=8192)
    assert taken > 900 and none == -1  # (of 1,186 variants)
    assert_alike(columnar, documents, per_row, expected)
    told = {d.value: d.message for d in _found(per_row, "CFG012")}
    assert sorted(told) == ["Handle", "Tags", "choose initials"]
    assert "(closest: 'Choose Initial', 'Choose Initials Amount')" in told["choose initials"]
    assert "(closest: 'handle')" in told["Handle"] and "(closest: 'tags')" in told["Tags"]
    assert b"<g:custom_label_0>A</g:custom_label_0>" in expected["google_merchant.xml"]


@needs_realdata
def test_a_platform_export_split_by_rows_tells_it_as_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(_export_config(tmp_path, ["Choose Initial", "Choose Initals"]))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=2)
    assert events[-1]["split"]
    assert [d.value for d in _found(serial, "CFG012")] == ["Choose Initals"]


@needs_realdata
def test_an_export_option_read_as_a_field_says_to_read_the_field(tmp_path: Path) -> None:
    """rosarose's 'Choose Ring Size' fills the variant's size (an attribute of that name before): a config that
    still reads the attribute is told to read the field, in both engines."""
    config = _export_config(tmp_path, ["Choose Ring Size"])
    columnar, documents, _ = _run(config, tmp_path / "columnar", columnar=True, chunk=8192)
    per_row, expected, _ = _run(config, tmp_path / "per-row", columnar=False, chunk=8192)
    assert_alike(columnar, documents, per_row, expected)
    [told] = _found(per_row, "CFG012")
    assert "the source's option 'Choose Ring Size' is read as the field size (read it as {{ size }})" in told.message
