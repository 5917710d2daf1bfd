"""An Amazon product type that is not a product type name is an error that leaves the item out (AMZ021), with
the name it may have meant; a well-formed name the definitions folder lacks is a warning (AMZ008) that points
to a close name the folder has."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.channels.test_amazon_definitions import catalog
from tests.sources.realdata import needs_realdata

pytestmark = needs_realdata
runner = CliRunner(env={"COLUMNS": "200"})


def validate(config: Path, product_type: str) -> tuple[int, list[dict[str, str]]]:
    text = config.read_text(encoding="utf-8").replace(
        "default_product_type: HOME", f"default_product_type: {product_type}"
    )
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    return result.exit_code, json.loads(result.stdout)["diagnostics"]


def test_a_name_that_is_no_product_type_name_is_an_error_with_the_name_meant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, found = validate(catalog(tmp_path, "US"), "'Home decor'")
    assert code == 1
    named = [d for d in found if d["code"] == "AMZ021"]
    assert named and len(named) == len({d["product_id"] for d in named})  # every item, once
    assert "'Home decor' is not an Amazon product type name (did you mean HOME_DECOR?)" in named[0]["message"]
    built = runner.invoke(app, ["build", "--validate", "-c", "feedsync.yaml", "--out", "feeds"])
    assert f"amazon: 0 items, 0 excluded, {len(named)} rejected" in built.output


def test_a_type_the_folder_lacks_points_to_a_close_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, found = validate(catalog(tmp_path, "US"), "HOMES")
    assert code == 0
    [warning] = [d for d in found if d["code"] == "AMZ008"]
    assert "no definition of product type HOMES for amazon US" in warning["message"]
    assert "did you mean HOME?" in warning["message"]
