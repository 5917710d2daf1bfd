"""A second product type (PRODUCT on amazon.com, 2023): with its definition the encoder writes only what it allows
(no size, material, pattern: PRODUCT has none; no purchasable_offer.audience: its offer entry is closed without
it), and a fact the definition requires of a parent that no variant carries is one clear finding naming the
fields that set it (AMZ019). The written feed is checked with the independent jsonschema validation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from feedsync.channels.amazon.allowed import Allowed
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, load
from tests.channels.test_amazon_families import build, by_sku, family_catalog, rejected, runner

PRODUCT = "PRODUCT-us-2023.json"
HEADER = "id,group_id,title,description,link,image_link,additional_image_links,price,availability,brand,gtin,"
HEADER += "color,size,pattern,material,condition,weight,quantity,asin\n"
BULLETS = '"<ul><li>Soft</li><li>Cotton</li></ul>"'
CSV = HEADER + "".join(
    f"{i},{g},{t},{BULLETS},/p/{i.lower()},/img/{i.lower()}.jpg,{more},{p},in stock,Acme,{gtin},{rest}\n"
    for i, g, t, more, p, gtin, rest in [
        ("TEE-RED", "TEE", "Tee", "/img/a.jpg", "19.99", "4006381333931", "Red,M,Plain,Cotton,new,200 g,5,"),
        ("TEE-BLU", "TEE", "Tee", "", "19.99", "5901234123457", "Blue,M,Plain,Cotton,new,200 g,3,"),
        ("BOOKEND", "", "Bookend", "", "12.50", "", "Black,Large,,Iron,used,1 kg,1,"),
        ("MUG-OFFER", "", "Mug", "", "9.99", "", "Blue,,,,new,,3,B07N4M94X4"),
    ]
)
FIELDS = {
    "country_of_origin": "CN",
    "item_type_keyword": "home-decor",
    "supplier_declared_dg_hz_regulation": "not_applicable",
}
PARENT_FACTS = {  # PRODUCT requires them of a parent: the variants must carry them for the parent to take
    "batteries_required": '"false"',
    "item_package_dimensions__height__value": '"10"',
    "item_package_dimensions__height__unit": "centimeters",
    "item_package_dimensions__length__value": '"20"',
    "item_package_dimensions__length__unit": "centimeters",
    "item_package_dimensions__width__value": '"5.5"',
    "item_package_dimensions__width__unit": "centimeters",
}


def product_catalog(tmp: Path, fields: dict[str, str]) -> Path:
    (tmp / "defs").mkdir(exist_ok=True)
    shutil.copy(DEFINITIONS / PRODUCT, tmp / "defs" / "product.json")
    (tmp / "products.csv").write_text(CSV, encoding="utf-8")
    mapped = "".join(f"      {k}: {v}\n" for k, v in fields.items())
    (tmp / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD, base_url: https://shop.example.com}\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, marketplace: US, default_product_type: PRODUCT, definitions: defs, "
        f"merchant_shipping_group: legacy-template-id, identifier_exemption: true}}\n    fields:\n{mapped}",
        encoding="utf-8",
    )
    return tmp / "feedsync.yaml"


def validate(config: Path) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code != 70, result.output
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def test_only_what_the_definition_allows_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    document = build(tmp_path, product_catalog(tmp_path, {**FIELDS, **PARENT_FACTS}))
    messages = by_sku(document)
    assert {sku: m["requirements"] for sku, m in messages.items()} == {
        "TEE": "LISTING_PRODUCT_ONLY",
        "TEE-RED": "LISTING",
        "TEE-BLU": "LISTING",
        "BOOKEND": "LISTING",
        "MUG-OFFER": "LISTING_OFFER_ONLY",
    }
    assert rejected(document, load(DEFINITIONS / PRODUCT)) == {}  # today: size and audience are rejected
    for message in messages.values():
        assert not {"size", "material", "pattern"} & set(message["attributes"])
        for offer in message["attributes"].get("purchasable_offer", []):
            assert "audience" not in offer
    assert messages["TEE-RED"]["attributes"]["color"][0]["value"] == "Red"  # PRODUCT has color: written
    assert messages["TEE"]["attributes"]["variation_theme"] == [{"name": "COLOR"}]
    code, found = validate(tmp_path / "feedsync.yaml")
    assert code == 0
    told = [
        (d["product_id"], d["field"]) for d in found if d["code"] == "AMZ018" and "has no attribute" in d["message"]
    ]
    assert told == [("TEE-RED", "size"), ("TEE-RED", "material"), ("TEE-RED", "pattern")]  # once per attribute


def test_a_parent_carries_no_variant_identifier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A variation parent has no barcode of its own: it never takes its first variant's GTIN (the parent would be
    a second listing of that variant's product), so variants' GTINs differing from it is no finding (AMZ015).
    PRODUCT (2023) requires an identifier of a parent too, so its parents declare the exemption; HOME excuses a
    parent, so its parents declare nothing. Both feeds pass their definition by the independent check."""
    monkeypatch.chdir(tmp_path)
    document = build(tmp_path, product_catalog(tmp_path, {**FIELDS, **PARENT_FACTS}))
    parent = by_sku(document)["TEE"]["attributes"]
    assert "externally_assigned_product_identifier" not in parent and "merchant_suggested_asin" not in parent
    assert parent["supplier_declared_has_product_identifier_exemption"] == [
        {"value": True, "marketplace_id": "ATVPDKIKX0DER"}
    ]
    assert rejected(document, load(DEFINITIONS / PRODUCT)) == {}
    code, found = validate(tmp_path / "feedsync.yaml")
    assert code == 0 and not [d for d in found if d["code"] == "AMZ015"]  # TEE-BLU's GTIN is its own
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)
    home_document = build(home, family_catalog(home, "US"))
    lamp = by_sku(home_document)["LAMP"]["attributes"]
    assert not {"externally_assigned_product_identifier", "supplier_declared_has_product_identifier_exemption"} & set(
        lamp
    )
    assert rejected(home_document, load(DEFINITIONS / "HOME-us.json")) == {}


def test_a_definition_requiring_an_identifier_of_a_parent_without_an_exemption_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A definition that requires an identifier of a parent and declares no exemption (PRODUCT without its
    exemption attribute): the parent takes no variant's GTIN, so the family is refused, with a finding that says
    why and what to do (not to map the identifier so that the parent takes it)."""
    monkeypatch.chdir(tmp_path)
    config = product_catalog(tmp_path, {**FIELDS, **PARENT_FACTS})
    definition = load(DEFINITIONS / PRODUCT)
    del definition["properties"]["supplier_declared_has_product_identifier_exemption"]
    (tmp_path / "defs" / "product.json").write_text(json.dumps(definition, default=str), encoding="utf-8")
    code, found = validate(config)
    assert code == 1
    told = [d for d in found if d["code"] == "AMZ019"]
    assert [(d["product_id"], d["field"]) for d in told] == [
        ("TEE-RED", "externally_assigned_product_identifier"),
        ("TEE-BLU", "externally_assigned_product_identifier"),
    ]
    assert "has no identifier of its own" in told[0]["message"] and "current definition" in told[0]["message"]
    assert "map it" not in told[0]["message"]


def test_variants_weighing_otherwise_than_their_parent_are_not_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRODUCT requires a package weight of a parent (a listing without a fulfilment channel): the parent takes
    its first variant's, but a parent is never shipped and a family's variants differ in weight by nature, so a
    variant that weighs otherwise is no AMZ015; one from another country still is."""
    monkeypatch.chdir(tmp_path)
    origin = "\"{{ 'DE' if id == 'TEE-BLU' else 'CN' }}\""
    config = product_catalog(tmp_path, {**FIELDS, **PARENT_FACTS, "country_of_origin": origin})
    (tmp_path / "products.csv").write_text(
        CSV.replace("Blue,M,Plain,Cotton,new,200 g", "Blue,M,Plain,Cotton,new,450 g")
    )
    document = build(tmp_path, config)
    messages = by_sku(document)
    weight = messages["TEE"]["attributes"]["item_package_weight"]
    assert weight == messages["TEE-RED"]["attributes"]["item_package_weight"]
    assert weight != messages["TEE-BLU"]["attributes"]["item_package_weight"]
    code, found = validate(config)
    assert code == 0
    assert [(d["product_id"], d["field"]) for d in found if d["code"] == "AMZ015"] == [("TEE-BLU", "country_of_origin")]


def test_without_a_definition_the_fixed_attributes_are_written_as_before() -> None:
    values = {"sku": "S1", "product_type": "PRODUCT", "item_name": "Tee", "size": "M", "price": "9.99"}
    attributes = AmazonEncoder({"seller_id": "A1"}).encode_values(values)[0]["attributes"]
    assert attributes["size"][0]["value"] == "M"
    assert attributes["purchasable_offer"][0]["audience"] == "ALL"


def test_the_cut_follows_the_definition_at_every_depth() -> None:
    allowed = Allowed(load(DEFINITIONS / PRODUCT))
    attributes: dict[str, Any] = {
        "size": [{"value": "M"}],
        "purchasable_offer": [{"currency": "USD", "audience": "ALL", "our_price": [{"schedule": [{"x": 1}]}]}],
        "color": [{"value": "Red", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}],
    }
    assert allowed.cut(attributes) == ["size"]
    assert attributes == {
        "purchasable_offer": [{"currency": "USD", "our_price": [{"schedule": [{}]}]}],
        "color": [{"value": "Red", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}],
    }
    home = Allowed(load(DEFINITIONS / "HOME-us.json"))
    offer = {"purchasable_offer": [{"currency": "USD", "audience": "ALL"}], "size": [{"value": "M"}]}
    assert home.cut(offer) == [] and offer["purchasable_offer"][0]["audience"] == "ALL"  # HOME allows both


def test_entries_shared_by_messages_are_cut_once() -> None:
    """The same entries again (shared by messages: never changed after) are not cut again; equal entries of another
    object are."""
    allowed = Allowed(load(DEFINITIONS / PRODUCT))
    offer = [{"currency": "USD", "audience": "ALL"}]
    assert allowed.cut({"purchasable_offer": offer}) == [] and offer == [{"currency": "USD"}]
    offer.append({"currency": "USD", "audience": "ALL"})  # changed after it was cut: never done by the encoder
    allowed.cut({"purchasable_offer": offer})
    assert offer[1] == {"currency": "USD", "audience": "ALL"}  # the same object: not cut again
    other = [{"currency": "USD", "audience": "ALL"}]
    allowed.cut({"purchasable_offer": other})
    assert other == [{"currency": "USD"}]


def test_a_parent_fact_no_variant_carries_names_the_fields_that_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, found = validate(product_catalog(tmp_path, FIELDS))
    assert code == 1
    errors = [d for d in found if d["severity"] == "error"]
    assert [(d["code"], d["product_id"], d["field"]) for d in errors] == [
        ("AMZ019", "TEE-RED", "batteries_required"),
        ("AMZ019", "TEE-BLU", "batteries_required"),
    ]  # today: a raw AMZ009 per missing attribute and message
    text = errors[0]["message"]
    assert "batteries_required, item_package_dimensions of parent TEE" in text
    assert "batteries_required (false or true)" in text and "item_package_dimensions__height__unit" in text


def test_a_parent_fact_whose_value_the_definition_does_not_require_names_its_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PRODUCT requires color of a parent, but an entry of it requires only its language and marketplace (not its
    value): the finding still names the field that sets it, as for every attribute of every shared definition."""
    from feedsync.channels.amazon.family import field_keys

    monkeypatch.chdir(tmp_path)
    config = product_catalog(tmp_path, {**FIELDS, **PARENT_FACTS})
    (tmp_path / "products.csv").write_text(CSV.replace("Red,M,", ",M,").replace("Blue,M,", ",L,"), encoding="utf-8")
    code, found = validate(config)
    assert code == 1
    told = [d for d in found if d["code"] == "AMZ019"]
    assert [d["product_id"] for d in told] == ["TEE-RED", "TEE-BLU"]
    assert "requires color of parent TEE" in told[0]["message"]
    assert "the Amazon channel's fields (color)" in told[0]["message"]
    for name in SHARED_FILES:
        properties = load(DEFINITIONS / name)["properties"]
        assert all(field_keys(attribute, properties) for attribute in properties), name


def test_a_home_parent_without_batteries_required_is_told_how_to_map_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    config.write_text("\n".join(line for line in config.read_text().splitlines() if "batteries_required" not in line))
    code, found = validate(config)
    assert code == 1
    told = {(d["product_id"], d["field"]) for d in found if d["code"] == "AMZ019"}
    assert told == {
        (sku, "batteries_required") for sku in ("LAMP-S-BLK", "LAMP-L-BLK", "LAMP-S-WHT", "RUG-STRIPE", "RUG-DOT")
    }
    assert not [d for d in found if d["code"] == "AMZ009" and "batteries_required" in d["field"]]


def _reference_cut(schema: dict[str, Any], attributes: dict[str, Any]) -> list[str]:
    """The cut as the definition says it, attribute by attribute, nothing remembered: what ``Allowed.cut`` gives."""
    from feedsync.channels.amazon.allowed import _cut

    properties = schema.get("properties") or {}
    lacking = (
        [name for name in attributes if name not in properties] if schema.get("additionalProperties") is False else []
    )
    for name in lacking:
        del attributes[name]
    for name, value in attributes.items():
        cut = _cut(properties[name]) if name in properties else None
        if cut is not None:
            cut(value)
    return lacking


@pytest.mark.parametrize("definition", [PRODUCT, "HOME-us.json", "HOME-de.json"])
def test_the_cut_of_each_message_is_the_definitions_whatever_came_before(definition: str) -> None:
    """Messages of random attributes (the definition's and others, entries of its keys and others, one entry or
    several, shared with the message before or new), cut one after another by one ``Allowed``: each is cut as the
    definition says, as if it were the first."""
    import random

    schema = load(DEFINITIONS / definition)
    properties = schema["properties"]
    names = sorted(properties)
    allowed = Allowed(schema)
    chooser = random.Random(definition)
    before: dict[str, Any] = {}
    for _ in range(400):
        message: dict[str, Any] = {}
        for name in chooser.sample([*names, "not_an_attribute"], 8):
            if name in before and chooser.random() < 0.5:
                message[name] = before[name]  # the same entries again (never changed once made)
                continue
            items = properties.get(name, {}).get("items", {})
            keys = sorted((items.get("properties") or {}) if isinstance(items, dict) else {}) or ["value"]
            entries = [
                {key: "x" for key in chooser.sample([*keys, "audience", "extra"], min(3, len(keys) + 2))}
                for _ in range(chooser.choice([1, 1, 1, 2]))
            ]
            message[name] = entries if chooser.random() < 0.9 else entries[0]  # an entry not in a list, now and then
        expected = json.loads(json.dumps(message))
        expected_lacking = _reference_cut(schema, expected)
        assert allowed.cut(message) == expected_lacking
        assert message == expected
        before = message
