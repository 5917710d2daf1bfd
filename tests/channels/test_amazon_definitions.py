"""Amazon messages checked against real product type definitions: a catalog with the needed attributes mapped
passes (the WRITTEN feed checked by the independent jsonschema validation), and one attribute left unmapped makes
``feedsync validate`` exit 1 naming it for exactly the messages jsonschema rejects."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync import pipeline
from feedsync.cli.app import app
from feedsync.config import load_config
from tests.channels.amazon_reference import DEFINITIONS, error_paths, load, reference
from tests.conftest import DEMO

runner = CliRunner(env={"COLUMNS": "200"})

HEADER = "id,title,description,link,image_link,price,availability,brand,gtin,color,size,quantity,asin\n"
BULLETS = "<ul><li>Bright light</li><li>Adjustable arm</li></ul>"
ROWS = [
    ("LAMP-1", "Desk Lamp", "77.99", "4006381333931", "Black", "5", ""),
    ("LAMP-2", "Floor Lamp Ünïcødé", "129.50", "5901234123457", "White", "0", ""),
    ("VASE-1", "Glass Vase", "19.00", "", "Clear", "12", ""),
    ("MUG-OFFER", "Mug", "9.99", "", "Blue", "3", "B07N4M94X4"),
]
# Attributes HOME requires that the built-in profile does not write: mapped in feedsync.yaml.
MAPPED = {
    "country_of_origin": '"CN"',
    "item_type_keyword": '"desk-lamps"',
    "supplier_declared_dg_hz_regulation": '"not_applicable"',
    "model_number": '"{{ id }}"',
    "model_name": '"{{ title }}"',
    "generic_keyword": '"lamp"',
    "manufacturer": '"{{ brand }}"',
    "list_price": "{value: price.amount}",
    "list_price__currency": '"{{ price.currency }}"',
    "merchant_shipping_group": '"legacy-template-id"',
    "number_of_items": '"1"',
    "part_number": '"{{ id }}"',
    "supplier_declared_has_product_identifier_exemption": "\"{{ 'false' if gtin else 'true' }}\"",
}
EUROPE = {
    "item_type_keyword": None,  # not an attribute of HOME on amazon.de / .co.uk / .co.jp
    "recommended_browse_nodes": '"3731934031"',
    "list_price": None,
    "list_price__value_with_tax": "{value: price.amount}",
    "is_fragile": '"false"',
    "power_plug_type": '"type_f_2pin_de"',
    "accepted_voltage_frequency": '"100v_240v_50hz_60hz"',
}
MARKETS: dict[str, tuple[str, str, dict[str, str | None]]] = {
    "US": ("HOME-us.json", "USD", {"required_product_compliance_certificate": '"Not Applicable"'}),
    "DE": ("HOME-de.json", "EUR", EUROPE),
    "GB": ("HOME-gb.json", "GBP", {**EUROPE, "power_plug_type": '"type_g_3pin_uk"'}),
    "JP": (
        "HOME-jp.json",
        "JPY",
        {
            "item_type_keyword": None,
            "recommended_browse_nodes": '"2378086051"',
            "distribution_designation": '"default"',
            "is_exclusive_product": '"false"',
        },
    ),
}


def catalog(tmp: Path, market: str, *, drop: str = "", definitions: bool = True, currency: str = "") -> Path:
    name, money, extra = MARKETS[market]
    defs = tmp / "defs"
    defs.mkdir(exist_ok=True)
    shutil.copy(DEFINITIONS / name, defs / "first.json")  # found by content, not by name
    body = "".join(
        f'{i},{t},"{BULLETS}",/p/{i.lower()},/img/{i.lower()}.jpg,{_price(p, money)},in stock,Acme,{g},{c},One Size,'
        f"{q},{a}\n"
        for i, t, p, g, c, q, a in ROWS
    )
    (tmp / "products.csv").write_text(HEADER + body, encoding="utf-8")
    fields = "".join(f"      {k}: {v}\n" for k, v in {**MAPPED, **extra}.items() if k != drop and v is not None)
    settings = f"seller_id: A1SELLER, marketplace: {market}, default_product_type: HOME"
    settings += ", definitions: defs" if definitions else ""
    (tmp / "feedsync.yaml").write_text(
        f"source: {{path: products.csv, currency: {currency or money}, base_url: https://shop.example.com}}\n"
        f"channels:\n  amazon:\n    profile: amazon\n    settings: {{{settings}}}\n    fields:\n{fields}",
        encoding="utf-8",
    )
    return tmp / "feedsync.yaml"


def _price(text: str, currency: str) -> str:
    return str(int(Decimal(text) * 100)) if currency == "JPY" else text  # yen have no cents


def written(tmp: Path) -> dict[str, Any]:
    return json.loads((tmp / "feeds" / "amazon.json").read_text(encoding="utf-8"))


def rejected_by_reference(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """SKU -> failing paths, for the LISTING messages of a written feed, by the independent validation."""
    validator = reference(schema)
    found = {}
    for message in document["messages"]:
        if message.get("requirements") == "LISTING":
            attributes = json.loads(json.dumps(message["attributes"]), parse_float=Decimal)
            paths = error_paths(validator, attributes)
            if paths:
                found[message["sku"]] = sorted(paths)
    return found


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_mapped_catalog_passes_the_definition(market: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = catalog(tmp_path, market)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "--validate", "-c", str(config), "--out", "feeds"])
    assert result.exit_code == 0, result.output
    document = written(tmp_path)
    market_id = {"US": "ATVPDKIKX0DER", "DE": "A1PA6795UKMFR9", "GB": "A1F83G8C2ARO7P", "JP": "A1VC38T7YXB528"}
    tag = {"US": "en_US", "DE": "de_DE", "GB": "en_GB", "JP": "ja_JP"}[market]
    assert document["header"]["issueLocale"] == tag
    listings = [m for m in document["messages"] if m["requirements"] == "LISTING"]
    assert [m["sku"] for m in listings] == ["LAMP-1", "LAMP-2", "VASE-1"]
    assert listings[0]["attributes"]["item_name"][0] == {
        "value": "Acme Desk Lamp Black One Size",
        "language_tag": tag,
        "marketplace_id": market_id[market],
    }
    assert listings[0]["attributes"]["number_of_items"][0]["value"] == 1  # an integer, as the definition declares
    assert rejected_by_reference(document, load(DEFINITIONS / MARKETS[market][0])) == {}
    offer = [m for m in document["messages"] if m["requirements"] == "LISTING_OFFER_ONLY"]
    assert [m["sku"] for m in offer] == ["MUG-OFFER"]
    assert "list_price" in offer[0]["attributes"] and "model_name" not in offer[0]["attributes"]


def test_a_product_type_without_definition_is_written_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "DE")
    config.write_text(config.read_text().replace("default_product_type: HOME", "default_product_type: LAMP"))
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    warnings = [d for d in report["diagnostics"] if d["code"] == "AMZ008"]
    assert len(warnings) == 1 and warnings[0]["severity"] == "warning"
    assert "run `feedsync amazon definitions pull LAMP --marketplace DE`" in warnings[0]["message"]
    assert report["channels"]["amazon"]["items"] == 4


@pytest.mark.parametrize("market", ["US", "DE"])
@pytest.mark.parametrize("drop", ["country_of_origin", "number_of_items"])
def test_an_unmapped_required_attribute_is_named_for_every_message_the_definition_rejects(
    market: str, drop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # Written without definitions (as before): the independent validation says which messages Amazon rejects.
    config = catalog(tmp_path, market, drop=drop, definitions=False)
    result = runner.invoke(app, ["build", "-c", str(config), "--out", "feeds"])
    assert result.exit_code == 0, result.output
    rejected = rejected_by_reference(written(tmp_path), load(DEFINITIONS / MARKETS[market][0]))
    assert sorted(rejected) == ["LAMP-1", "LAMP-2", "VASE-1"]
    # With the definitions, validate names the attribute for exactly those messages and exits 1.
    config = catalog(tmp_path, market, drop=drop)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    found = [d for d in report["diagnostics"] if d["code"] == "AMZ009"]
    assert {d["product_id"] for d in found} == set(rejected)
    assert all(d["field"] == drop and drop in d["message"] and "was not written" in d["message"] for d in found)
    assert all(d["location"]["row"] >= 2 for d in found)
    assert report["channels"]["amazon"]["rejected"] == 3


@pytest.mark.parametrize(
    ("market", "currency", "sells"),
    [("DE", "USD", "amazon.de) sells in EUR"), ("US", "CZK", "amazon.com) sells in USD")],
)
def test_an_offer_in_another_currency_is_an_error_not_an_amazon_com_offer(
    market: str, currency: str, sells: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, market, currency=currency)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ010"]
    assert sorted(d["product_id"] for d in found) == ["LAMP-1", "LAMP-2", "MUG-OFFER", "VASE-1"]
    assert f"in {currency} but amazon {market} ({sells}" in found[0]["message"]


def test_mapped_product_attributes_left_out_of_offer_only_messages_are_said_once(tmp_path: Path) -> None:
    report = pipeline.run(load_config(catalog(tmp_path, "US")), "validate")
    told = [d for d in report.diagnostics if d.code == "AMZ018"]
    assert len(told) == 1 and "offer-only messages" in told[0].message and "country_of_origin" in told[0].message


def test_definitions_that_cannot_be_used_are_not_taken_for_missing_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A definitions folder that could not be listed, or a file named as ``pull`` names a definition that is none
    (``HOME.ATVPDKIKX0DER.json`` holding ``[1, 2]``), was taken for no definition: AMZ008, a warning saying "run
    pull", exit 0, and no listing checked. Both are config errors naming the folder or file now; other JSON beside
    the definitions (a meta-schema) is still passed over."""
    import os

    from feedsync.channels.amazon.definitions import DefinitionIndex
    from feedsync.errors import ConfigError

    folder = tmp_path / "defs"
    folder.mkdir()
    shutil.copy(DEFINITIONS / "meta-schema-v1.json", folder)
    assert len(DefinitionIndex(folder)) == 0
    (folder / "HOME.ATVPDKIKX0DER.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"HOME\.ATVPDKIKX0DER\.json: named as a product type definition"):
        DefinitionIndex(folder)
    (folder / "HOME.ATVPDKIKX0DER.json").unlink()
    scandir = os.scandir

    def refused(path: Any = ".") -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refused)
    with pytest.raises(ConfigError, match=rf"settings\.definitions: cannot list {folder}: Permission denied"):
        DefinitionIndex(folder)


@pytest.mark.parametrize("command", ["search", "pull"])
def test_definitions_without_an_sp_api_channel_say_what_to_add(tmp_path: Path, command: str) -> None:
    """The demo (directory destinations only) was told "pass --channel: ... the config has 0 such channel(s)
    (none)", which --channel cannot mend."""
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    result = runner.invoke(app, ["amazon", "definitions", command, "HOME", "-c", str(demo / "feedsync.yaml")])
    assert result.exit_code == 2
    assert "no channel of the config has one: give the Amazon channel an amazon_sp_api destination" in result.stderr
    assert "--channel" not in result.stderr
