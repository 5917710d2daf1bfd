"""Parents and offer-only messages are checked against the document Amazon served for their requirement set
(LISTING_PRODUCT_ONLY, LISTING_OFFER_ONLY) when the definitions folder has one, as `feedsync amazon definitions
pull` stores them; otherwise against the set feedsync derives from LISTING, and the finding says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.definitions import DefinitionIndex
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS
from tests.channels.test_amazon_families import family_catalog
from tests.sources.realdata import needs_realdata

pytestmark = needs_realdata
runner = CliRunner(env={"COLUMNS": "200"})


def served(requirements: str, required: list[str]) -> dict[str, Any]:
    """HOME on amazon.com as served for another requirement set: the same attributes, its own ``required``."""
    document = json.loads((DEFINITIONS / "HOME-us.json").read_text(encoding="utf-8"))
    document["required"] = required
    document["allOf"] = []
    return {"x-feedsync-pulled": {"requirements": requirements, "productTypeVersion": "v1"}, **document}


def findings(config: Path) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ009"]


def test_the_index_keeps_each_served_set_beside_the_listing_definition(tmp_path: Path) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "a.json").write_text((DEFINITIONS / "HOME-us.json").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.json").write_text(json.dumps(served("LISTING_OFFER_ONLY", ["condition_type"])), encoding="utf-8")
    definition = DefinitionIndex(folder).find("HOME", "ATVPDKIKX0DER")
    assert definition is not None and definition.path.name == "a.json"  # LISTING stays the definition
    assert definition.served_for("LISTING") and definition.served_for("LISTING_OFFER_ONLY")
    assert not definition.served_for("LISTING_PRODUCT_ONLY")
    assert definition.checker("LISTING_OFFER_ONLY").valid({}) is False  # condition_type is required
    assert definition.checker("LISTING_OFFER_ONLY").valid({"condition_type": [{"value": "new_new"}]})


def test_an_offer_only_message_is_checked_against_the_offer_only_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    assert findings(config) == []  # the derived offer-only set asks nothing the catalog lacks
    strict = served("LISTING_OFFER_ONLY", ["condition_type", "max_order_quantity"])
    (tmp_path / "defs" / "HOME.ATVPDKIKX0DER.LISTING_OFFER_ONLY.json").write_text(json.dumps(strict), encoding="utf-8")
    found = findings(config)
    assert [(d["product_id"], d["field"]) for d in found] == [("MUG-OFFER", "max_order_quantity")]
    assert "HOME (US, LISTING_OFFER_ONLY) definition" in found[0]["message"]


def test_a_parent_failing_the_derived_set_is_said_to_be_checked_against_a_derived_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('      country_of_origin: "CN"\n', ""), encoding="utf-8")
    parents = [d for d in findings(config) if d["message"].startswith(("sku LAMP:", "sku RUG:"))]
    assert parents and all(d["field"] == "country_of_origin" for d in parents)
    assert all("(US, LISTING_PRODUCT_ONLY as feedsync derives it from LISTING)" in d["message"] for d in parents)
    lenient = served("LISTING_PRODUCT_ONLY", ["brand", "item_name"])  # Amazon's own parent set, say, asks less
    (tmp_path / "defs" / "parents.json").write_text(json.dumps(lenient), encoding="utf-8")
    assert not [d for d in findings(config) if d["message"].startswith(("sku LAMP:", "sku RUG:"))]
