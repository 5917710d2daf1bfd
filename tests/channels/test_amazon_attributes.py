"""Any attribute a merchant maps in an Amazon channel's fields reaches the output, shaped by the definition, or is
told of: a typo is a config error naming the closest attributes, an attribute only some product types have is left
out for the others with one warning per type, enum values are checked (AMZ017), parts are set with NAME__SUB and
NAME__SUB__PART, and without definitions the mapped attributes are said to be unchecked (AMZ018)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.extra import extra_attributes, unknown_fields
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, load, reference
from tests.channels.test_amazon_definitions import MARKETS, catalog, rejected_by_reference, written

runner = CliRunner(env={"COLUMNS": "200"})
HOME_US = load(DEFINITIONS / "HOME-us.json")["properties"]


def _add_fields(config: Path, lines: str) -> None:
    config.write_text(config.read_text(encoding="utf-8") + lines, encoding="utf-8")


def _report(config: Path, expect: int) -> dict[str, Any]:
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == expect, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("field", "named", "closest"),
    [
        ("bulet_point", "bulet_point is not an attribute of product type HOME", "did you mean bullet_point"),
        ("modle_name", "modle_name is not an attribute of product type HOME", "model_name"),
        ("list_price__curency", "list_price has no part curency", "currency"),
    ],
)
def test_a_mapped_field_no_product_type_has_is_a_config_error_naming_the_closest(
    field: str, named: str, closest: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    _add_fields(config, f'      {field}: "x"\n')
    line = config.read_text(encoding="utf-8").splitlines().index(f'      {field}: "x"') + 1
    for command in (["validate"], ["build", "--out", "feeds"]):
        result = runner.invoke(app, [*command, "-c", str(config)])
        assert result.exit_code == 2, result.output
        assert named in result.output and closest in result.output
        assert f"feedsync.yaml:{line}" in result.output


def test_an_attribute_only_some_product_types_have_is_left_out_for_the_others_with_one_warning_per_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    shutil.copy(DEFINITIONS / "PRODUCT-us-2023.json", tmp_path / "defs" / "second.json")
    products = tmp_path / "products.csv"
    lines = products.read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",amazon_product_type"] + [f"{row}," for row in lines[1:]]
    lines += [row.replace("LAMP-", "GEN-") + "PRODUCT" for row in lines[1:3]]  # two items of type PRODUCT
    products.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = _report(config, 0)  # PRODUCT's messages pass (the size it has no attribute for is left out)
    told = [
        d
        for d in report["diagnostics"]
        if d["code"] == "AMZ018" and "offer-only" not in d["message"] and "does not allow it" not in d["message"]
    ]
    assert len(told) == 1 and told[0]["severity"] == "warning"
    assert told[0]["message"].startswith("product type PRODUCT has no attribute ")
    assert "manufacturer" in told[0]["message"] and "model_name" in told[0]["message"]
    assert not any(d["code"] == "AMZ009" and d["field"].startswith("manufacturer") for d in report["diagnostics"])
    # what the encoder writes for each type (PRODUCT's items are rejected above for attributes not mapped here)
    product = load(DEFINITIONS / "PRODUCT-us-2023.json")["properties"]
    values = {"manufacturer": "Acme", "country_of_origin": "CN", "sku": "GEN-1"}
    assert extra_attributes(values, product, "ATVPDKIKX0DER", "en_US") == {
        "country_of_origin": [{"value": "CN", "marketplace_id": "ATVPDKIKX0DER"}]
    }
    assert "manufacturer" in extra_attributes(values, HOME_US, "ATVPDKIKX0DER", "en_US")


def test_a_mapped_value_outside_the_definition_enum_names_the_allowed_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(
            'supplier_declared_dg_hz_regulation: "not_applicable"', 'supplier_declared_dg_hz_regulation: "none"'
        )
    )
    report = _report(config, 1)
    found = [d for d in report["diagnostics"] if d["code"] == "AMZ017"]
    assert sorted(d["product_id"] for d in found) == ["LAMP-1", "LAMP-2", "VASE-1"]
    assert all(d["field"] == "supplier_declared_dg_hz_regulation" and d["value"] == "none" for d in found)
    assert "allowed: ghs, not_applicable, other, storage, transportation, unknown, waste" in found[0]["message"]
    # the same failure is not told twice as AMZ009
    assert not [d for d in report["diagnostics"] if d["code"] == "AMZ009"]
    assert report["channels"]["amazon"]["rejected"] == 3
    # and the definition itself rejects exactly those messages (independent validation of the written feed)
    runner.invoke(app, ["build", "-c", str(config), "--out", "feeds"])
    config.write_text(config.read_text(encoding="utf-8").replace(", definitions: defs", ""))
    assert runner.invoke(app, ["build", "-c", str(config), "--out", "feeds"]).exit_code == 0
    rejected = rejected_by_reference(written(tmp_path), load(DEFINITIONS / "HOME-us.json"))
    assert sorted(rejected) == ["LAMP-1", "LAMP-2", "VASE-1"]


def test_without_definitions_mapped_attributes_are_written_and_said_unchecked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US", definitions=False)
    _add_fields(config, '      bulet_point: "typo kept"\n')
    report = _report(config, 0)
    told = [d for d in report["diagnostics"] if d["code"] == "AMZ018" and "offer-only" not in d["message"]]
    assert len(told) == 1 and "written unchecked" in told[0]["message"] and "bulet_point" in told[0]["message"]
    assert runner.invoke(app, ["build", "-c", str(config), "--out", "feeds"]).exit_code == 0
    first = written(tmp_path)["messages"][0]["attributes"]
    assert first["bulet_point"] == [{"value": "typo kept", "marketplace_id": "ATVPDKIKX0DER"}]


def test_nested_parts_are_set_with_double_underscores_and_shaped_by_the_definition() -> None:
    values = {
        "item_display_dimensions__length__value": "12.5",
        "item_display_dimensions__length__unit": "centimeters",
        "unit_count": "3",
        "unit_count__type__value": "count",
        "batteries_required": "yes",
        "number_of_items": "2",
    }
    attributes = extra_attributes(values, HOME_US, "ATVPDKIKX0DER", "en_US")
    assert attributes["item_display_dimensions"] == [
        {"length": {"value": 12.5, "unit": "centimeters"}, "marketplace_id": "ATVPDKIKX0DER"}
    ]
    assert attributes["unit_count"] == [
        {"value": 3, "type": {"value": "count", "language_tag": "en_US"}, "marketplace_id": "ATVPDKIKX0DER"}
    ]
    assert attributes["batteries_required"][0]["value"] is True and attributes["number_of_items"][0]["value"] == 2
    validator = reference({**load(DEFINITIONS / "HOME-us.json"), "required": [], "allOf": []})
    assert (
        list(
            validator.iter_errors(
                {k: attributes[k] for k in ("item_display_dimensions", "unit_count", "batteries_required")}
            )
        )
        == []
    )


def test_unknown_fields_checks_every_product_type_in_use() -> None:
    product = load(DEFINITIONS / "PRODUCT-us-2023.json")["properties"]
    refused = unknown_fields(
        ["sku", "item_name", "manufacturer", "manufactuer", "list_price__currency"],
        {"HOME": HOME_US, "PRODUCT": product},
    )
    assert list(refused) == ["manufactuer"]  # sku/item_name are the encoder's own; manufacturer is HOME's
    assert "did you mean manufacturer" in refused["manufactuer"]
    assert MARKETS  # the shared catalog helper is the one test_amazon_definitions uses


def test_a_mapped_yes_or_no_is_a_boolean_and_any_other_text_stays_text_for_the_check() -> None:
    """A boolean attribute mapped from a column of ``ja``/``nein`` or ``oui`` was sent false (any text but true,
    yes, 1 or y was false), a compliance answer turned without a word: it now stays text, which the definition
    check refuses naming it (AMZ017)."""
    from feedsync.channels.amazon.extra import _shaped

    boolean = {"type": "boolean"}
    assert [_shaped(text, boolean) for text in ("true", " Yes", "1", "Y")] == [True] * 4
    assert [_shaped(text, boolean) for text in ("FALSE", "no", "0", "n ")] == [False] * 4
    assert [_shaped(text, boolean) for text in ("ja", "oui", "vrai", "nien")] == ["ja", "oui", "vrai", "nien"]
