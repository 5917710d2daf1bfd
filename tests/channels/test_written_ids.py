"""Each channel keys its items on the id it writes (Google's, Meta's, Pinterest's ``id``; Amazon's ``sku``, and the
parent SKU its family's parent message is written with): two items written with one id are MDL021, the later left
out and counted rejected, so items + excluded + rejected still equal the variants read (``channels.written``)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Report
from feedsync.diagnostics.gate import Selection
from tests.conftest import DEMO, HEADER, row, write_config

SOURCE = "source:\n  path: products.csv\n  currency: USD\n  base_url: https://shop.example.com\n"
AMAZON = "  amazon:\n    profile: amazon\n    settings: {seller_id: A1WRITTEN, default_product_type: SHIRT}\n"


def _run(folder: Path, channels: str, command: str = "validate") -> Report:
    config = load_config(write_config(folder, SOURCE + "channels:\n" + channels))
    out = folder / "out" if command == "build" else None
    return pipeline.run(config, command, out_dir=out, validate=True)  # type: ignore[arg-type]


def _told(report: Report) -> list[tuple[str | None, str | None, str | None, object, int | None, str | None]]:
    return [
        (d.channel, d.product_id, d.field, d.value, d.location.row if d.location else None,
         d.location.column_name if d.location else None)
        for d in report.diagnostics
        if d.code == "MDL021"
    ]  # fmt: skip


def _balanced(report: Report) -> None:
    for name, result in report.channels.items():
        assert result.items + result.excluded + result.rejected == report.variants, name


@pytest.mark.parametrize("command", ["validate", "build"])
def test_an_id_field_that_makes_one_id_of_a_family_tells_each_later_variant(tmp_path: Path, command: str) -> None:
    """The demo's catalog with Meta's id made of the group id (as reproduced): its T-shirt's eight variants were all
    written as NW-TEE, and Meta kept one of them with no word. Now the seven later ones are MDL021 at their rows (the
    group_id column the id is made of), naming their own id and the id written, and left out."""
    shutil.copy(DEMO / "products.csv", tmp_path / "products.csv")
    report = _run(tmp_path, '  facebook:\n    profile: facebook\n    fields: {id: "{{ group_id }}"}\n', command)
    told = _told(report)
    tee = [t for t in told if t[3] == "NW-TEE"]
    assert [t[1] for t in tee] == [
        "NW-TEE-NAV-M", "NW-TEE-NAV-L", "NW-TEE-NAV-XL", "NW-TEE-HEA-S", "NW-TEE-HEA-M", "NW-TEE-HEA-L", "NW-TEE-HEA-XL"
    ]  # fmt: skip
    assert tee[0] == ("facebook", "NW-TEE-NAV-M", "id", "NW-TEE", 3, "group_id")
    message = next(d.message for d in report.diagnostics if d.code == "MDL021")
    assert "'NW-TEE'" in message and "'NW-TEE-NAV-M'" in message
    assert report.channels["facebook"].rejected >= len(told)
    _balanced(report)
    if command == "build":
        with (tmp_path / "out" / "facebook.csv").open(encoding="utf-8", newline="") as handle:
            ids = Counter(record["id"] for record in csv.DictReader(handle))
        assert ids["NW-TEE"] == 1 and max(ids.values()) == 1


def test_ids_apart_in_letter_case_alone_are_two_ids_to_every_channel(tmp_path: Path) -> None:
    """Google's, Meta's and Amazon's ids are case-sensitive (Google's help only warns that Ads filters read them as
    one): SKU-A and sku-a are two items everywhere, and nothing is told."""
    (tmp_path / "products.csv").write_text(HEADER + row("SKU-A") + row("sku-a", color="Red"), encoding="utf-8")
    channels = "  google:\n    profile: google_merchant\n  facebook:\n    profile: facebook\n" + AMAZON
    report = _run(tmp_path, channels)
    assert _told(report) == []
    assert {name: result.items for name, result in report.channels.items()} == {
        "google": 2, "facebook": 2, "amazon": 2
    }  # fmt: skip


def test_a_profile_that_folds_letter_case_makes_one_id_of_two(tmp_path: Path) -> None:
    """``{{ id | lower }}`` writes SKU-A and sku-a as one id: the later is told, in the channel that folds alone."""
    (tmp_path / "products.csv").write_text(HEADER + row("SKU-A") + row("sku-a", color="Red"), encoding="utf-8")
    channels = "  google:\n    profile: google_merchant\n  facebook:\n    profile: facebook\n"
    report = _run(tmp_path, channels + "    fields: {id: '{{ id | lower }}'}\n")
    assert _told(report) == [("facebook", "sku-a", "id", "sku-a", 3, "id")]
    assert (report.channels["google"].items, report.channels["facebook"].items) == (2, 1)
    _balanced(report)


@pytest.mark.parametrize("command", ["validate", "build"])
def test_an_amazon_parent_sku_another_item_has_as_its_sku_is_told(tmp_path: Path, command: str) -> None:
    """Amazon writes a family's parent once, with the parent SKU (``{{ group_id }}``): a lone product whose SKU is
    that parent SKU is one listing with it. The later of the two is MDL021: a parent SKU an earlier item has as its
    SKU (every variant of that family: the parent is never written), or a SKU an earlier parent was written with."""
    lines = [
        row("FAM-A"),  # a lone product whose SKU is family FAM-A's parent SKU
        row("A-1", group_id="FAM-A", color="Red"),
        row("A-2", group_id="FAM-A", color="Blue"),
        row("B-1", group_id="FAM-B", color="Red"),
        row("B-2", group_id="FAM-B", color="Blue"),
        row("FAM-B"),  # after family FAM-B's parent
        row("C-1", group_id="C-1", color="Red"),  # a variant whose SKU is its own parent's
    ]
    (tmp_path / "products.csv").write_text(HEADER + "".join(lines), encoding="utf-8")
    report = _run(tmp_path, AMAZON, command)
    assert _told(report) == [
        ("amazon", "A-1", "parent_sku", "FAM-A", 3, "group_id"),
        ("amazon", "A-2", "parent_sku", "FAM-A", 4, "group_id"),
        ("amazon", "FAM-B", "sku", "FAM-B", 7, "id"),
        ("amazon", "C-1", "parent_sku", "C-1", 8, "group_id"),
    ]
    amazon = report.channels["amazon"]
    assert (amazon.items, amazon.rejected) == (3, 4)
    _balanced(report)
    if command == "build":
        messages = (tmp_path / "out" / "amazon.json").read_text(encoding="utf-8")
        assert messages.count('"sku":"FAM-A"') + messages.count('"sku": "FAM-A"') == 1
        assert messages.count('"sku":"FAM-B"') + messages.count('"sku": "FAM-B"') == 1


def test_an_ignored_mdl021_keeps_the_item(tmp_path: Path) -> None:
    """A run that ignores MDL021 (``--ignore MDL021``) keeps the later item, as it keeps any item of an ignored
    error its channel can still write."""
    (tmp_path / "products.csv").write_text(HEADER + row("SKU-A") + row("sku-a", color="Red"), encoding="utf-8")
    text = SOURCE + "channels:\n  facebook:\n    profile: facebook\n    fields: {id: '{{ id | lower }}'}\n"
    config = load_config(write_config(tmp_path, text))
    report = pipeline.run(config, "validate", selection=Selection.parse(ignore=["MDL021"]))
    assert _told(report) == [] and report.channels["facebook"].items == 2
