"""The channels' quick passes (``screen.clean``) never pass an item the full checks (``rules.check_item``) find
anything in, so the checks a run makes (``Screened``) report exactly the full checks' findings: item by item on the
demo and on every catalog in ../shared/realdata, and on generated items with hostile values."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from feedsync import pipeline
from feedsync.channels import base
from feedsync.channels.amazon import rules as amazon_rules
from feedsync.channels.amazon import screen as amazon_screen
from feedsync.channels.base import ChannelItem, channel_spec
from feedsync.channels.google import rules as google_rules
from feedsync.channels.google import screen as google_screen
from feedsync.channels.meta import rules as meta_rules
from feedsync.channels.meta import screen as meta_screen
from feedsync.config import load_config
from tests.conftest import DEMO, SHARED
from tests.sources.realdata import names_no_catalog_column

SCREENS: dict[str, tuple[Callable[[Any], bool], Callable[[ChannelItem, str], list[Any]]]] = {
    "google": (google_screen.clean, google_rules.check_item),
    "meta": (meta_screen.clean, meta_rules.check_item),
    "amazon": (amazon_screen.clean, amazon_rules.check_item),
}
REALDATA = SHARED / "realdata"
CATALOGS = ("shopify", "woocommerce", "magento", "bigcommerce", "prestashop", "google_feeds", "meta")
CONFIG = """source: {{path: {path}, currency: USD, base_url: https://shop.example.com}}
channels:
  google: {{profile: google_merchant}}
  facebook: {{profile: facebook}}
  amazon: {{profile: amazon, settings: {{seller_id: A2SCREEN0000, default_product_type: SHIRT}}}}
"""


def _catalogs() -> list[Path]:
    found = []
    for folder in CATALOGS:
        for path in sorted((REALDATA / folder).glob("*")):
            named = "google_category_to_attribute" not in path.name
            catalog = path.suffix in {".csv", ".xml", ".tsv", ".json"} and named
            if catalog and not names_no_catalog_column(path):  # (a file refused: tests/test_accounting.py)
                found.append(path)
    return found


@pytest.fixture
def both_checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[int]]]:
    """Every channel item a run checks is checked twice, by the channel's checks as a run makes them and by its
    full checks alone: they must give the same findings. Yields channel -> [items checked, items screened clean]."""
    counts: dict[str, list[int]] = {}
    for name, (clean, full) in SCREENS.items():
        spec = channel_spec(name)
        screened = spec.check_item

        def check(item: ChannelItem, channel: str, clean: Any = clean, full: Any = full, run: Any = screened) -> Any:
            found, expected = run(item, channel), full(item, channel)
            assert found == expected, (item.values, found, expected)
            seen = counts.setdefault(channel, [0, 0])
            seen[0] += 1
            seen[1] += bool(clean(item.values))
            return found

        monkeypatch.setitem(base._CHANNELS, name, dataclasses.replace(spec, check_item=check))
    yield counts


def test_demo_items_get_the_full_checks_findings(both_checks: dict[str, list[int]], tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo, ignore=shutil.ignore_patterns("expected", ".feedsync"))
    report = pipeline.run(load_config(demo / "feedsync.yaml"), "validate")
    assert report.variants > 0
    assert {"google", "facebook", "amazon"} <= set(both_checks)
    assert all(clean > 0 for _, clean in both_checks.values())  # the quick pass did pass items


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
def test_real_catalog_items_get_the_full_checks_findings(both_checks: dict[str, list[int]], tmp_path: Path) -> None:
    checked = {}
    for path in _catalogs():
        workdir = tmp_path / path.stem
        workdir.mkdir()
        (workdir / "feedsync.yaml").write_text(CONFIG.format(path=json.dumps(str(path))), encoding="utf-8")
        pipeline.run(load_config(workdir / "feedsync.yaml"), "validate")
        checked[path.name] = {name: list(seen) for name, seen in both_checks.items()}
    assert len(checked) >= 25
    totals = checked[_catalogs()[-1].name]
    # Thousands of real items went through both; the real exports are messy: many are not clean at all.
    assert all(items > 2000 for items, _ in totals.values()), totals
    assert all(0 < clean < items for items, clean in totals.values()), totals


@pytest.mark.parametrize("exists", [None, "no", "No", "false", "yes", "true", "no "])
@pytest.mark.parametrize("identifiers", [(), ("gtin",), ("brand",), ("mpn",), ("brand", "mpn"), ("gtin", "mpn")])
def test_googles_pass_clears_an_item_by_its_identifiers_as_its_rules_find_it(
    exists: str | None, identifiers: tuple[str, ...]
) -> None:
    """Without a GTIN or a brand and MPN, an item saying ``identifier_exists: no`` is one Google's rules find nothing
    in (GMC003 is told where it does not say so; GMC009 where it says so and has a GTIN or an MPN): the quick pass
    clears exactly the items they find nothing in."""
    values = {
        "id": "T-1", "title": "Tee", "description": "A soft tee", "link": "https://shop.example.com/tee",
        "image_link": "https://shop.example.com/tee.jpg", "availability": "in_stock", "price": "19.99 USD",
        "condition": "new",
    }  # fmt: skip
    values |= {name: {"gtin": "4006381333931", "brand": "Acme", "mpn": "MPN-1"}[name] for name in identifiers}
    if exists is not None:
        values["identifier_exists"] = exists
    product = SimpleNamespace(source=None)  # (where a finding is located: nowhere)
    found = google_rules.check_item(ChannelItem("T-1", values, product), "google")  # type: ignore[arg-type]
    assert google_screen.clean(values) is (found == [])
    assert found or exists in ("no", "No", "false") or "gtin" in identifiers or {"brand", "mpn"} <= set(identifiers)


@pytest.mark.parametrize("availability", ["in_stock", "out_of_stock", "preorder", "backorder"])
@pytest.mark.parametrize("date", [None, "2027-01-15T09:00+0100", "2027-01-15", "2027-13-01T00:00Z"])
def test_googles_pass_leaves_a_dated_availability_to_the_rules(availability: str, date: str | None) -> None:
    """A preorder or a backorder needs an availability_date (GMC019), and one given must be a date and time with
    an offset (GMC020): the pass clears an item only where the rules find neither."""
    values = {
        "id": "T-1", "title": "Tee", "description": "A soft tee", "link": "https://shop.example.com/tee",
        "image_link": "https://shop.example.com/tee.jpg", "availability": availability, "price": "19.99 USD",
        "gtin": "4006381333931",
    }  # fmt: skip
    if date is not None:
        values["availability_date"] = date
    product = SimpleNamespace(source=None)
    found = [d.code for d in google_rules.check_item(ChannelItem("T-1", values, product), "google")]  # type: ignore[arg-type]
    dated = availability in ("preorder", "backorder")
    assert found == (["GMC019"] if dated and date is None else ["GMC020"] if date and not date.endswith("0100") else [])
    assert not google_screen.clean(values) or found == []
    assert google_screen.clean(values) is (not dated and date is None)
