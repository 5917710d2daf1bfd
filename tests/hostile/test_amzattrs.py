"""Hostile Amazon field mappings: odd keys, a typo in the merchant's own profile, a definitions folder without the
channel's marketplace, a value that is no text. Each ends in a named refusal or finding, never exit 70."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.extra import unknown_fields
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS, load
from tests.channels.test_amazon_definitions import catalog

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.mark.parametrize("key", ["__", "list_price__", "list_price____currency", "__value", "brand__valeu"])
def test_odd_field_keys_are_refused_with_their_line_not_a_crash(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    config.write_text(config.read_text(encoding="utf-8") + f'      {key}: "x"\n', encoding="utf-8")
    line = len(config.read_text(encoding="utf-8").splitlines())
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert f"feedsync.yaml:{line}" in result.output and f"fields.{key}:" in result.output


def test_a_typo_in_the_merchants_own_profile_points_at_the_profile_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    profile = tmp_path / "my_amazon.yaml"
    shipped = Path(__file__).resolve().parents[2] / "channel_profiles" / "amazon.yaml"
    profile.write_text(shipped.read_text(encoding="utf-8") + '  countyr_of_origin: "CN"\n', encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace("profile: amazon", "profile: my_amazon.yaml"))
    line = len(profile.read_text(encoding="utf-8").splitlines())
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert f"my_amazon.yaml:{line}" in result.output and "did you mean country_of_origin" in result.output


def test_a_folder_without_the_marketplace_refuses_nothing_at_compile_time_and_tells_amz008(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "DE")
    (tmp_path / "defs" / "first.json").unlink()
    shutil.copy(DEFINITIONS / "HOME-us.json", tmp_path / "defs" / "us.json")  # another marketplace only
    config.write_text(config.read_text(encoding="utf-8") + '      bulet_point: "x"\n', encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    codes = [d["code"] for d in json.loads(result.stdout)["diagnostics"]]
    assert codes.count("AMZ008") == 1


def test_a_list_value_for_an_enum_attribute_is_a_definition_finding_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "US")
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('country_of_origin: "CN"', "country_of_origin: {value: \"['CN', 'DE']\"}"))
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)["diagnostics"]
    found = [d for d in found if not (d["code"] == "AMZ018" and "offer-only" in d["message"])]  # said once, apart
    assert {d["code"] for d in found} == {"AMZ009"} and all("country_of_origin" in d["field"] for d in found)


def test_the_encoders_own_fields_are_never_refused() -> None:
    assert (
        unknown_fields(
            ["brand", "sku", "weight_unit", "sale_start"], {"HOME": load(DEFINITIONS / "HOME-us.json")["properties"]}
        )
        == {}
    )
