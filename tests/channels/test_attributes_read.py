"""CFG011: an attribute that feedsync.yaml reads by name and no column of a native catalog has."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from tests.conftest import HEADER, make_config, row
from tests.rows_compare import build_both

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
