"""Hostile definitions and catalogs for the facts made from a product type definition: a definition without
theme or unit enums, a zero weight, a family whose first variant is rejected. No internal error, findings named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.channels.test_amazon_families import ROWS, family_catalog

runner = CliRunner(env={"COLUMNS": "200"})


def _validate(config: Path) -> tuple[int, list[dict[str, object]]]:
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code != 70, result.output
    return result.exit_code, json.loads(result.stdout)["diagnostics"] if result.stdout.startswith("{") else []


def test_a_definition_without_theme_and_unit_enums_is_used_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    home = tmp_path / "defs" / "home.json"
    document = json.loads(home.read_text(encoding="utf-8"))
    del document["properties"]["variation_theme"]["items"]["properties"]["name"]["enum"]
    del document["properties"]["item_package_weight"]["items"]["properties"]["unit"]["enum"]
    home.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["build", "--validate", "-c", str(config), "--out", "feeds"])
    assert result.exit_code == 0, result.output
    messages = {m["sku"]: m for m in json.loads((tmp_path / "feeds" / "amazon.json").read_text())["messages"]}
    assert messages["LAMP"]["attributes"]["variation_theme"] == [{"name": "SIZE/COLOR"}]  # the axes, size first
    assert messages["LAMP-S-BLK"]["attributes"]["item_package_weight"][0]["unit"] == "grams"  # not converted


def test_a_zero_weight_is_a_finding_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [(*r[:10], "0 g" if r[0] == "VASE-1" else r[10], *r[11:]) for r in ROWS]
    code, found = _validate(family_catalog(tmp_path, "US", rows=rows))
    assert code == 1
    assert [(d["product_id"], d["field"]) for d in found if d["code"] == "AMZ009"] == [
        ("VASE-1", "item_package_weight[0].value")
    ]


def test_a_family_whose_first_variant_is_rejected_still_gets_its_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = [(*r[:10], "0 g" if r[0] == "LAMP-S-BLK" else r[10], *r[11:]) for r in ROWS]
    config = family_catalog(tmp_path, "US", rows=rows)
    result = runner.invoke(app, ["build", "--validate", "-c", str(config), "--out", "feeds"])
    assert result.exit_code == 1, result.output
    skus = [m["sku"] for m in json.loads((tmp_path / "feeds" / "amazon.json").read_text())["messages"]]
    assert skus[:3] == ["LAMP", "LAMP-L-BLK", "LAMP-S-WHT"] and "LAMP-S-BLK" not in skus
