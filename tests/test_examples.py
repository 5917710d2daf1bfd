"""The bundled examples build exactly their golden files (``pytest --update-golden`` rewrites them)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from lxml import etree

from feedsync import pipeline
from feedsync.config import load_config
from tests.conftest import DEMO

G = "{http://base.google.com/ns/1.0}"
REQUIRED = ("id", "title", "description", "link", "image_link", "price", "availability", "condition")


def build_demo(demo_copy: Path, out: Path) -> Path:
    report = pipeline.run(load_config(demo_copy / "feedsync.yaml"), "build", out_dir=out)
    assert report.diagnostics == []
    return out / "google.xml"


def test_demo_matches_its_golden_file(demo_copy: Path, tmp_path: Path, update_golden: bool) -> None:
    built = build_demo(demo_copy, tmp_path / "out").read_bytes()
    golden = DEMO / "expected" / "google.xml"
    if update_golden:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(built)
    assert built == golden.read_bytes()


def test_building_twice_gives_identical_bytes(demo_copy: Path, tmp_path: Path) -> None:
    first = build_demo(demo_copy, tmp_path / "one").read_bytes()
    second = build_demo(demo_copy, tmp_path / "two").read_bytes()
    assert first == second


def test_demo_feed_satisfies_googles_required_attributes(demo_copy: Path, tmp_path: Path) -> None:
    items = etree.parse(str(build_demo(demo_copy, tmp_path / "out"))).getroot().findall("channel/item")
    assert len(items) == 88
    groups: dict[str, list[etree._Element]] = defaultdict(list)
    for item in items:
        for attr in REQUIRED:
            assert item.findtext(f"{G}{attr}"), (item.findtext(f"{G}id"), attr)
        has_gtin = bool(item.findtext(f"{G}gtin"))
        has_mpn_brand = bool(item.findtext(f"{G}mpn")) and bool(item.findtext(f"{G}brand"))
        no_identifier = item.findtext(f"{G}identifier_exists") == "no"
        assert has_gtin or has_mpn_brand or no_identifier, item.findtext(f"{G}id")
        assert item.findtext(f"{G}price").endswith(" USD")
        if item.findtext(f"{G}item_group_id"):
            groups[item.findtext(f"{G}item_group_id")].append(item)
    assert len(groups) == 16 and all(len(members) >= 2 for members in groups.values())
    for members in groups.values():  # variants differ in what makes them variants
        keys = {(m.findtext(f"{G}color"), m.findtext(f"{G}size")) for m in members}
        assert len(keys) == len(members)
    dress = next(i for i in items if i.findtext(f"{G}id") == "NW-DRESS-SAG-S")
    assert dress.findtext(f"{G}sale_price") == "64.00 USD"
    assert dress.findtext(f"{G}sale_price_effective_date") == "2026-11-27T00:00:00-0500/2026-12-01T23:59:59-0500"
    availabilities = {i.findtext(f"{G}availability") for i in items}
    assert availabilities == {"in_stock", "out_of_stock", "preorder", "backorder"}
    bowl = next(i for i in items if i.findtext(f"{G}id") == "NW-BOWL")
    assert bowl.findtext(f"{G}identifier_exists") == "no"


def test_demo_config_is_what_the_readme_promises() -> None:
    config = load_config(DEMO / "feedsync.yaml")
    assert list(config.channels) == ["google"]
    destination = config.channels["google"].destination
    assert destination is not None and destination.type == "directory"
