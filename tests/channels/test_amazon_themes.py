"""Variation themes chosen from what the variants of a family differ by (the whole catalog is read first), spelled
as each marketplace's definition allows, and every child carrying each attribute its theme names. The written feed
is checked with the independent jsonschema validation (tests/channels/amazon_reference.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedsync.channels.amazon.family import theme_attribute
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, load
from tests.channels.test_amazon_definitions import MARKETS
from tests.channels.test_amazon_families import build, by_sku, family_catalog, rejected, runner

# id, group, title, price, gtin, color, size, pattern, material, condition, weight, quantity, asin
ROWS = [
    ("CUP-RED", "CUP", "Cup", "9.00", "4006381333931", "Red", "One Size", "Plain", "", "new", "300 g", "4", ""),
    ("CUP-BLU", "CUP", "Cup", "9.00", "5901234123457", "Blue", "One Size", "Plain", "", "new", "300 g", "4", ""),
    ("LAMP-S-BLK", "LAMP", "Lamp", "77.99", "4006381333948", "Black", "Small", "", "", "new", "900 g", "5", ""),
    ("LAMP-L-WHT", "LAMP", "Lamp", "89.99", "4006381333955", "White", "Large", "", "", "new", "900 g", "2", ""),
    ("RUG-STRIPE", "RUG", "Rug", "49.00", "", "Blue", "One Size", "Striped", "", "new", "2 lb", "1", ""),
    ("RUG-DOT", "RUG", "Rug", "49.00", "", "Blue", "One Size", "Dotted", "", "new", "2 lb", "1", ""),
]


def _parts(theme: str, market: str) -> set[str]:
    properties = load(DEFINITIONS / MARKETS[market][0])["properties"]
    return {theme_attribute(part, properties) for part in theme.split("/")}


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_the_theme_names_what_the_variants_differ_by(
    market: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    document = build(tmp_path, family_catalog(tmp_path, market, rows=ROWS))
    messages = by_sku(document)
    allowed = load(DEFINITIONS / MARKETS[market][0])["properties"]["variation_theme"]["items"]["properties"]
    themes = {sku: messages[sku]["attributes"]["variation_theme"][0]["name"] for sku in ("CUP", "LAMP", "RUG")}
    assert all(theme in allowed["name"]["enum"] for theme in themes.values())
    # the cups share size and pattern: colour only (today: COLOR/SIZE from what one variant has)
    assert {family: _parts(theme, market) for family, theme in themes.items()} == {
        "CUP": {"color"},
        "LAMP": {"color", "size"},
        "RUG": {"pattern"},
    }
    for sku, message in messages.items():
        if message["attributes"].get("parentage_level", [{}])[0].get("value") == "child":
            theme = message["attributes"]["variation_theme"][0]["name"]
            assert theme == themes[sku.split("-")[0]]  # children carry their parent's theme...
            assert _parts(theme, market) <= set(message["attributes"])  # ...and each attribute it names
    assert rejected(document, load(DEFINITIONS / MARKETS[market][0])) == {}


def test_a_child_without_an_attribute_its_theme_names_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [ROWS[0], ("CUP-ANY", "CUP", "Cup", "9.00", "", "", "One Size", "Plain", "", "new", "300 g", "4", "")]
    config = family_catalog(tmp_path, "US", rows=rows)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ016"]
    assert [(d["product_id"], d["field"], d["value"]) for d in found] == [("CUP-ANY", "color", "COLOR")]
    assert "lacks color" in found[0]["message"]


def test_a_theme_kept_with_the_item_is_the_one_a_push_encodes() -> None:
    """A push encodes the values it sent before: the theme chosen from the family travels in them."""
    encoder = AmazonEncoder({"seller_id": "A1"})
    values = {"sku": "CUP-RED", "parent_sku": "CUP", "product_type": "HOME", "item_name": "Cup", "color": "Red"}
    values |= {"size": "One Size", "variation_theme": "COLOR"}
    messages = encoder.encode_values(values)
    assert [m["attributes"]["variation_theme"] for m in messages] == [[{"name": "COLOR"}]] * 2
    assert "variation_theme" not in {k for m in messages for k in m} - {"attributes"}
