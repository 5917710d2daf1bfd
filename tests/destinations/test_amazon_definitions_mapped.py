"""Pulling a definition works while the channel maps an attribute only that (not yet pulled) product type has:
``validate`` refuses the field until the definition is there, ``pull`` does not."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.destinations.test_amazon_definitions import DEFINITION, HOME_DE, SCHEMA_URL, answers, config, mock_lwa
from tests.sources.realdata import needs_realdata

runner = CliRunner()
pytestmark = needs_realdata
LAMP = {
    "$id": "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/LAMP",
    "$defs": {"marketplace_id": {"default": "A1PA6795UKMFR9"}},
    "type": "object",
    "properties": {"item_name": {"type": "array", "items": {"type": "object", "properties": {"value": {}}}}},
}


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@respx.mock
def test_pull_is_not_refused_for_a_field_only_the_pulled_type_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "lamp.json").write_text(json.dumps(LAMP), encoding="utf-8")
    path = config(tmp_path, ", definitions: d, default_product_type: HOME")
    path.write_text(path.read_text(encoding="utf-8") + '    fields: {model_name: "{{ title }}"}\n', encoding="utf-8")
    refused = runner.invoke(app, ["validate", "-c", str(path)])
    assert refused.exit_code == 2 and "model_name is not an attribute of product type LAMP" in refused.output
    raw = HOME_DE.read_bytes()
    mock_lwa(respx.mock)
    respx.get(DEFINITION).mock(side_effect=answers(raw))
    respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    pulled = runner.invoke(app, ["amazon", "definitions", "pull", "HOME", "-c", str(path)])
    assert pulled.exit_code == 0, pulled.output
    checked = runner.invoke(app, ["validate", "-c", str(path)])
    assert checked.exit_code != 2 and checked.exit_code != 70, checked.output
    assert "model_name" not in checked.output or "not an attribute" not in checked.output
