"""What Amazon's product type definitions require, made from what feedsync knows: parents carrying the facts their
definition requires, variation themes from the allowed ones, merchant_shipping_group, weight units the marketplace
allows, conditions in the definition's enum, the identifier exemption. Checked on the WRITTEN feed with the
independent jsonschema validation (tests/channels/amazon_reference.py), every message, parents included."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, error_paths, load, reference
from tests.channels.test_amazon_definitions import MAPPED, MARKETS

runner = CliRunner(env={"COLUMNS": "200"})

HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size,pattern,"
HEADER += "material,condition,weight,quantity,asin\n"
BULLETS = "<ul><li>Bright light</li><li>Adjustable arm</li></ul>"
# id, group, title, price, gtin, color, size, pattern, material, condition, weight, quantity, asin
ROWS = [
    ("LAMP-S-BLK", "LAMP", "Desk Lamp", "77.99", "4006381333931", "Black", "Small", "", "", "new", "900 g", "5", ""),
    ("LAMP-L-BLK", "LAMP", "Desk Lamp", "89.99", "5901234123457", "Black", "Large", "", "", "new", "1.2 kg", "2", ""),
    ("LAMP-S-WHT", "LAMP", "Desk Lamp", "77.99", "4006381333948", "White", "Small", "", "", "new", "900 g", "0", ""),
    ("RUG-STRIPE", "RUG", "Rug", "49.00", "", "Blue", "One Size", "Striped", "", "used", "2 lb", "1", ""),
    ("RUG-DOT", "RUG", "Rug", "49.00", "", "Blue", "One Size", "Dotted", "", "used", "2 lb", "1", ""),
    ("VASE-1", "", "Glass Vase", "19.00", "", "Clear", "One Size", "", "", "refurbished", "300 g", "12", ""),
    ("MUG-OFFER", "", "Mug", "9.99", "", "Blue", "", "", "", "new", "", "3", "B07N4M94X4"),
]
# What feedsync now makes itself: not mapped as fields.
MADE = ("merchant_shipping_group", "supplier_declared_has_product_identifier_exemption")
SETTINGS = "merchant_shipping_group: legacy-template-id, identifier_exemption: true"


def _price(text: str, currency: str) -> str:
    return str(int(Decimal(text) * 100)) if currency == "JPY" else text  # yen have no cents


def family_catalog(tmp: Path, market: str, rows: list[tuple[str, ...]] = ROWS, settings: str = SETTINGS) -> Path:
    name, money, extra = MARKETS[market]
    defs = tmp / "defs"
    defs.mkdir(exist_ok=True)
    shutil.copy(DEFINITIONS / name, defs / "home.json")
    body = "".join(
        f'{i},{g},{t},"{BULLETS}",/p/{i.lower()},/img/{i.lower()}.jpg,{_price(p, money)},in stock,Acme,{gt},{c},'
        f"{s},{pt},{m},{cond},{w},{q},{a}\n"
        for i, g, t, p, gt, c, s, pt, m, cond, w, q, a in rows
    )
    (tmp / "products.csv").write_text(HEADER + body, encoding="utf-8")
    batteries = {"batteries_required": '"false"'}  # HOME requires it of parents: the variants must have it to give
    mapped = {k: v for k, v in {**MAPPED, **extra, **batteries}.items() if k not in MADE and v is not None}
    fields = "".join(f"      {k}: {v}\n" for k, v in mapped.items())
    (tmp / "feedsync.yaml").write_text(
        f"source: {{path: products.csv, currency: {money}, base_url: https://shop.example.com}}\n"
        f"channels:\n  amazon:\n    profile: amazon\n"
        f"    settings: {{seller_id: A1SELLER, marketplace: {market}, default_product_type: HOME, definitions: defs, "
        f"{settings}}}\n    fields:\n{fields}",
        encoding="utf-8",
    )
    return tmp / "feedsync.yaml"


def rejected(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """SKU -> failing paths of EVERY message (parents and offer-only included), by the independent validation
    of the requirement set feedsync derives (the schema with the required attributes of the other set dropped)."""
    from feedsync.channels.amazon.definitions import OFFER_ATTRIBUTES, derive

    validators = {
        "LISTING": reference(schema),
        "LISTING_PRODUCT_ONLY": reference(derive(schema, lambda n: n not in OFFER_ATTRIBUTES)),
        "LISTING_OFFER_ONLY": reference(derive(schema, lambda n: n in OFFER_ATTRIBUTES)),
    }
    found = {}
    for message in document["messages"]:
        attributes = json.loads(json.dumps(message["attributes"]), parse_float=Decimal)
        paths = error_paths(validators[message["requirements"]], attributes)
        if paths:
            found[message["sku"]] = sorted(paths)
    return found


def build(tmp: Path, config: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["build", "--validate", "-c", str(config), "--out", "feeds"])
    assert result.exit_code == 0, result.output
    return json.loads((tmp / "feeds" / "amazon.json").read_text(encoding="utf-8"))


def by_sku(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["sku"]: m for m in document["messages"]}


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_families_simple_and_offer_only_items_pass_the_definition(
    market: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    document = build(tmp_path, family_catalog(tmp_path, market))
    messages = by_sku(document)
    assert {sku: m["requirements"] for sku, m in messages.items()} == {
        "LAMP": "LISTING_PRODUCT_ONLY",
        "LAMP-S-BLK": "LISTING",
        "LAMP-L-BLK": "LISTING",
        "LAMP-S-WHT": "LISTING",
        "RUG": "LISTING_PRODUCT_ONLY",
        "RUG-STRIPE": "LISTING",
        "RUG-DOT": "LISTING",
        "VASE-1": "LISTING",
        "MUG-OFFER": "LISTING_OFFER_ONLY",
    }
    assert rejected(document, load(DEFINITIONS / MARKETS[market][0])) == {}
    parent = messages["LAMP"]["attributes"]
    for fact in ("bullet_point", "country_of_origin", "product_description", "supplier_declared_dg_hz_regulation"):
        assert parent[fact] == messages["LAMP-S-BLK"]["attributes"][fact]  # the parent carries the product facts
    assert "purchasable_offer" not in parent and "externally_assigned_product_identifier" not in parent


def test_without_the_settings_the_definition_wants_shipping_group_and_identifiers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without settings.merchant_shipping_group every merchant-fulfilled offer lacks it, and without
    settings.identifier_exemption every product without a GTIN lacks an identifier: validate names both."""
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US", settings="identifier_exemption: false")
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ009"]
    shipping = sorted(d["product_id"] for d in found if d["field"] == "merchant_shipping_group")
    assert shipping == ["LAMP-L-BLK", "LAMP-S-BLK", "LAMP-S-WHT", "MUG-OFFER", "RUG-DOT", "RUG-STRIPE", "VASE-1"]
    identifier = {d["product_id"] for d in found if d["field"] == "externally_assigned_product_identifier"}
    assert identifier == {"RUG-DOT", "RUG-STRIPE", "VASE-1"}


@pytest.mark.parametrize(
    ("market", "sku", "weight"),
    [
        ("US", "LAMP-S-BLK", {"unit": "pounds", "value": Decimal("1.98")}),  # 900 g on amazon.com: pounds only
        ("US", "RUG-DOT", {"unit": "pounds", "value": 2}),
        ("DE", "LAMP-S-BLK", {"unit": "grams", "value": 900}),  # amazon.de takes grams as they are
    ],
)
def test_package_weight_in_a_unit_the_marketplace_allows(
    market: str, sku: str, weight: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    document = build(tmp_path, family_catalog(tmp_path, market))
    written = by_sku(json.loads(json.dumps(document), parse_float=Decimal))[sku]["attributes"]
    entry = written["item_package_weight"][0]
    assert {"unit": entry["unit"], "value": entry["value"]} == weight


def test_offer_facts_made_from_settings_and_the_definition(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    messages = by_sku(build(tmp_path, family_catalog(tmp_path, "US")))
    us = "ATVPDKIKX0DER"
    for sku in ("LAMP-S-BLK", "VASE-1", "MUG-OFFER"):
        assert messages[sku]["attributes"]["merchant_shipping_group"] == [
            {"value": "legacy-template-id", "marketplace_id": us}
        ]
    assert "merchant_shipping_group" not in messages["LAMP"]["attributes"]  # a parent has no offer
    conditions = {sku: m["attributes"].get("condition_type", [{}])[0].get("value") for sku, m in messages.items()}
    assert conditions["RUG-DOT"] == "used_good" and conditions["VASE-1"] == "refurbished_refurbished"
    exemption = "supplier_declared_has_product_identifier_exemption"
    assert messages["VASE-1"]["attributes"][exemption] == [{"value": True, "marketplace_id": us}]
    assert exemption not in messages["LAMP-S-BLK"]["attributes"]  # it has a GTIN


@pytest.mark.parametrize("market", ["US", "DE"])
def test_variation_themes_are_allowed_ones_and_children_carry_their_attributes(
    market: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    messages = by_sku(build(tmp_path, family_catalog(tmp_path, market)))
    allowed = load(DEFINITIONS / MARKETS[market][0])["properties"]["variation_theme"]["items"]["properties"]
    allowed_names = allowed["name"]["enum"]
    lamp = messages["LAMP"]["attributes"]["variation_theme"][0]["name"]
    rug = messages["RUG"]["attributes"]["variation_theme"][0]["name"]
    assert lamp in allowed_names and rug in allowed_names
    assert {p.split("_")[0] for p in lamp.split("/")} == {"COLOR", "SIZE"}
    assert {p.split("_")[0] for p in rug.split("/")} == {"PATTERN"}  # the rugs differ by pattern only
    assert messages["RUG-DOT"]["attributes"]["pattern"][0]["value"] == "Dotted"  # the option is not lost
    assert messages["RUG-DOT"]["attributes"]["variation_theme"][0]["name"] == rug


def test_variants_that_disagree_on_a_parent_fact_are_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    origin = "country_of_origin: \"{{ 'DE' if size == 'Large' else 'CN' }}\""
    config.write_text(config.read_text().replace('country_of_origin: "CN"', origin))
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ015"]
    assert [(d["product_id"], d["field"], d["severity"]) for d in found] == [
        ("LAMP-L-BLK", "country_of_origin", "warning")
    ]
    assert "parent LAMP" in found[0]["message"] and "variant LAMP-S-BLK" in found[0]["message"]


def test_a_family_whose_variants_differ_in_no_attribute_is_told_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Variants of one family with no colour, size, material or pattern (a real export's rings that differ only in
    a stone the feed lost): no theme fits, and the finding says what would make one fit."""
    monkeypatch.chdir(tmp_path)
    rows = [
        ("RING-1", "RING", "Ring", "9.00", "", "", "", "", "", "new", "", "1", ""),
        ("RING-2", "RING", "Ring", "9.00", "", "", "", "", "", "new", "", "1", ""),
    ]
    config = family_catalog(tmp_path, "US", rows=rows)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ016"]
    assert sorted(d["product_id"] for d in found) == ["RING-1", "RING-2"]
    text = found[0]["message"]
    assert "(none)" in text and "differ in none of color, size, material, pattern" in text
    assert "source.options" in text and "products of their own" in text


def test_a_family_no_allowed_theme_fits_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [
        ("BOX-1", "BOX", "Box", "9.00", "", "", "", "Plain", "Oak", "new", "", "1", ""),
        ("BOX-2", "BOX", "Box", "9.00", "", "", "", "Dotted", "Pine", "new", "", "1", ""),  # differ by both
    ]
    config = family_catalog(tmp_path, "US", rows=rows)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ016"]
    assert sorted(d["product_id"] for d in found) == ["BOX-1", "BOX-2"]
    assert "(material, pattern)" in found[0]["message"]
