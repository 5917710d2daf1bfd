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


def test_a_message_failing_a_derived_set_says_the_set_was_derived(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US", settings="identifier_exemption: true")  # no merchant_shipping_group
    offer = [d for d in findings(config) if d["product_id"] == "MUG-OFFER"]
    assert [d["field"] for d in offer] == ["merchant_shipping_group"]
    assert "(US, LISTING_OFFER_ONLY as feedsync derives it from LISTING)" in offer[0]["message"]


def test_parents_are_held_to_the_product_only_set_amazon_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    assert not [d for d in findings(config) if d["code"] == "AMZ019"]
    strict = served("LISTING_PRODUCT_ONLY", ["brand", "item_name", "warranty_description"])
    (tmp_path / "defs" / "parents.json").write_text(json.dumps(strict), encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    parents = [d for d in json.loads(result.stdout)["diagnostics"] if d["code"] == "AMZ019"]
    assert {d["field"] for d in parents} == {"warranty_description"}
    assert {"parent LAMP" in d["message"] or "parent RUG" in d["message"] for d in parents} == {True}
