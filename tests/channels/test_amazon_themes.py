"""Variation themes chosen from what the variants of a family differ by (the whole catalog is read first), spelled
as each marketplace's definition allows, and every child carrying each attribute its theme names. The written feed
is checked with the independent jsonschema validation (tests/channels/amazon_reference.py)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from feedsync.channels.amazon.family import allowed_themes, theme_attribute
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, load
from tests.channels.test_amazon_definitions import MAPPED, MARKETS
from tests.channels.test_amazon_families import MADE, SETTINGS, build, by_sku, family_catalog, rejected, runner
from tests.conftest import SHARED

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


def _initials(tmp: Path, options: str) -> Path:
    """Three variants of a real Shopify product told apart only by the option "Choose Initial"."""
    export = SHARED / "realdata" / "shopify" / "rosarose-products_export_1.csv"
    with export.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [r for r in reader if r[0] == "initial-clover-necklace"][:3]
    with (tmp / "export.csv").open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *rows])
    (tmp / "defs").mkdir()
    shutil.copy(DEFINITIONS / "HOME-us.json", tmp / "defs" / "home.json")
    mapped = {**MAPPED, **MARKETS["US"][2], "batteries_required": '"false"', "color": '"Gold"'}
    mapped["bullet_point"] = '"{{ title }}"'  # its description has no list to take bullets from
    fields = "".join(f"      {k}: {v}\n" for k, v in mapped.items() if k not in MADE)
    (tmp / "feedsync.yaml").write_text(
        f"source: {{path: export.csv, currency: USD, base_url: https://shop.example.com{options}}}\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        f"    settings: {{seller_id: A1SELLER, default_product_type: HOME, definitions: defs, {SETTINGS}}}\n"
        f"    fields:\n{fields}",
        encoding="utf-8",
    )
    return tmp / "feedsync.yaml"


def test_a_family_told_apart_by_an_unmapped_option_is_one_finding_per_variant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "-c", str(_initials(tmp_path, "")), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ016"]
    assert len(found) == 3  # one per variant: not a second one for the attribute of a theme none fits
    assert all("differs by (none)" in d["message"] and "Choose Initial" in d["message"] for d in found)


def test_an_option_mapped_in_the_config_is_the_theme_and_every_child_carries_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = _initials(tmp_path, ', options: {"Choose Initial": pattern}')
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert not [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ016"], result.output
    document = build(tmp_path, config)
    assert rejected(document, load(DEFINITIONS / "HOME-us.json")) == {}
    written = by_sku(document)
    children = [m for m in written.values() if m["attributes"].get("parentage_level", [{}])[0].get("value") == "child"]
    assert len(children) == 3
    for child in children:
        assert _parts(child["attributes"]["variation_theme"][0]["name"], "US") == {"pattern"}
    assert sorted(c["attributes"]["pattern"][0]["value"] for c in children) == ["A", "B", "C"]


def test_the_themes_amz016_lists_are_those_of_the_family_s_own_axes() -> None:
    """Listed once per product type and axes (a definition allows hundreds), each family's own."""
    properties = load(DEFINITIONS / "HOME-us.json")["properties"]
    encoder = AmazonEncoder({"seller_id": "A1"})
    listed = {}
    for axes in (["color"], ["size"], ["flavor"], ["color"], ["no_such_attribute"]):
        listed[tuple(axes)] = encoder._close_themes("HOME", axes, properties)
        assert listed[tuple(axes)] == (", ".join(allowed_themes(properties, axes)) or "none")
    assert len(set(listed.values())) == 4 and listed[("no_such_attribute",)] == "none"


@pytest.mark.parametrize("market", sorted(MARKETS))
@pytest.mark.parametrize("axes", [["color", "material"], ["color", "pattern"], ["size", "material"], ["color", "size"]])
def test_a_theme_the_definition_deprecates_is_chosen_only_where_no_other_fits(market: str, axes: list[str]) -> None:
    """Amazon's definitions list deprecated theme names (``$lifecycle.enumDeprecated``: "will be removed") among
    the current ones, in an order that differs between marketplaces: a family of colour and material was given
    MATERIAL_TYPE/COLOR_NAME in DE, GB and JP, where COLOR/MATERIAL fits."""
    from feedsync.channels.amazon.family import choose_theme

    properties = load(DEFINITIONS / MARKETS[market][0])["properties"]
    name = properties["variation_theme"]["items"]["properties"]["name"]
    deprecated = set(name.get("$lifecycle", {}).get("enumDeprecated", []))
    fitting = [t for t in name["enum"] if {theme_attribute(p, properties) for p in t.split("/")} == set(axes)]
    chosen = choose_theme(axes, properties)
    assert chosen in fitting
    if any(theme not in deprecated for theme in fitting):
        assert chosen not in deprecated, (market, fitting)
