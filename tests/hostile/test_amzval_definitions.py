"""Hostile definitions folders: broken files, a missing folder, a definition feedsync cannot check, and files
named like another product type. Each is a config error (exit 2) or read by content, never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.channels.amazon.definitions import DefinitionIndex, identify
from feedsync.cli.app import app
from tests.channels.amazon_reference import DEFINITIONS
from tests.channels.test_amazon_definitions import catalog

runner = CliRunner(env={"COLUMNS": "200"})


def test_indexed_by_content_not_by_file_name(tmp_path: Path) -> None:
    (tmp_path / "HOME-de.json").write_bytes((DEFINITIONS / "HOME-us.json").read_bytes())  # misleading name
    (tmp_path / "meta.json").write_bytes((DEFINITIONS / "meta-schema-v1.json").read_bytes())
    (tmp_path / "response.json").write_text('{"productType": "HOME", "schema": {"link": {}}}')
    index = DefinitionIndex(tmp_path)
    assert len(index) == 1
    assert index.find("HOME", "ATVPDKIKX0DER") is not None and index.find("HOME", "A1PA6795UKMFR9") is None
    assert identify(json.loads((DEFINITIONS / "HOME-jp.json").read_text())) == ("HOME", "A1VC38T7YXB528")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "unreadable product type definition"),
        (None, "is not a folder"),
        (
            json.dumps(
                {
                    "$id": "https://schemas.amazon.com/selling-partners/definitions/product-types/schema/v1/HOME",
                    "$defs": {"marketplace_id": {"default": "A1PA6795UKMFR9"}},
                    "properties": {"brand": {"dependentRequired": {"a": ["b"]}}},
                }
            ),
            "cannot be checked: keyword 'dependentRequired' is not supported",
        ),
    ],
)
def test_a_bad_definitions_folder_is_a_config_error(
    content: str | None, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = catalog(tmp_path, "DE")
    (tmp_path / "defs" / "first.json").unlink()
    if content is None:
        (tmp_path / "defs").rmdir()
    else:
        (tmp_path / "defs" / "x.json").write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert expected in result.output


def test_definitions_path_is_relative_to_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = catalog(tmp_path, "US", drop="country_of_origin")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 1 and "country_of_origin is required by the HOME (US, LISTING)" in result.output
