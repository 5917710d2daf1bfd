"""Counts in the same words in every command, and a push that never publishes an empty feed unasked: a catalog
whose items all lack a brand gets one finding that says how to set it, and Meta keeps its previous feed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.conftest import HEADER, row, write_config
from tests.sources.realdata import needs_realdata, real

runner = CliRunner(env={"COLUMNS": "200"})
CONFIG = """source:
  path: products.csv
  currency: USD
  base_url: https://shop.example.com
channels:
  google:
    profile: google_merchant
    destination: {type: directory, path: www}
  facebook:
    profile: facebook
    destination: {type: directory, path: www}
"""


@pytest.fixture(autouse=True)
def _catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two products, three variants, no brand and no GTIN: Google warns, Meta rejects every item."""
    monkeypatch.chdir(tmp_path)
    rows = (
        row("A", group_id="G", color="Navy", brand="", gtin="")
        + row("B", group_id="G", color="Red", brand="", gtin="")
        + row("C", brand="", gtin="")
    )
    (tmp_path / "products.csv").write_text(HEADER + rows, encoding="utf-8")
    write_config(tmp_path, CONFIG)


def test_every_command_words_the_counts_the_same() -> None:
    outputs = {
        "build": runner.invoke(app, ["build"]),
        "build --validate": runner.invoke(app, ["build", "--validate"]),
        "validate": runner.invoke(app, ["validate", "--format", "text"]),
        "push": runner.invoke(app, ["push"]),
    }
    for command, result in outputs.items():
        assert result.exit_code != 70 and "2 products, 3 variants read" in result.output, command
        assert "google: 3 items, 0 excluded, 0 rejected" in result.output, command
    for command in ("build --validate", "validate", "push"):
        assert "facebook: 0 items, 0 excluded, 3 rejected" in outputs[command].output, command
    inspected = runner.invoke(
        app, ["inspect", "products.csv", "--currency", "USD", "--base-url", "https://shop.example.com"]
    )
    assert "2 products, 3 variants read" in inspected.stdout


def _meta_rows(tmp_path: Path) -> list[dict[str, str]] | None:
    feed = tmp_path / "www" / "facebook.csv"
    if not feed.exists():
        return None
    with feed.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_push_refuses_an_empty_feed_and_says_which_field_to_set(tmp_path: Path) -> None:
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 1
    assert "DST008 facebook not published: the feed has no items (all 3 variants were excluded or rejected" in (
        result.stderr
    )
    assert "MDL015 all 3 items of facebook lack brand" in result.stderr
    assert 'fields: {brand: "{{ attributes.COLUMN }}"}' in result.stderr and "source.columns:" in result.stderr
    assert result.stderr.count("MDL015") == 1  # once for the channel, not per item
    assert _meta_rows(tmp_path) is None
    assert (tmp_path / "www" / "google.xml").read_text(encoding="utf-8").count("<item>") == 3
    forced = runner.invoke(app, ["push", "--force"])
    assert forced.exit_code == 1 and "DST008" not in forced.stderr
    assert _meta_rows(tmp_path) == []


def test_a_channel_that_allows_an_empty_feed_publishes_it(tmp_path: Path) -> None:
    write_config(tmp_path, CONFIG + "    allow_empty: true\n")
    result = runner.invoke(app, ["push"])
    assert result.exit_code == 1 and "DST008" not in result.stderr
    assert _meta_rows(tmp_path) == []


def test_an_empty_amazon_listings_feed_fails_the_gate_and_is_never_published_as_a_file(tmp_path: Path) -> None:
    """Amazon's listings feed schema requires a message: with every variant excluded, validate and build
    --validate fail (AMZ023), and push publishes no file, allow_empty and --force notwithstanding (DST008)."""
    write_config(
        tmp_path,
        CONFIG.split("channels:")[0] + "channels:\n  amazon:\n    profile: amazon\n    allow_empty: true\n"
        "    settings: {seller_id: A2TEST, marketplace: US}\n    filters: {exclude: ['price > 0']}\n"
        "    destination: {type: directory, path: www}\n",
    )
    for command in (["validate"], ["build", "--validate"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1 and "AMZ023 amazon's feed holds no item (all 3 variants" in result.output
    forced = runner.invoke(app, ["push", "--force"])
    assert forced.exit_code == 1 and "DST008 amazon not published: the feed has no items: Amazon's" in forced.stderr
    assert not (tmp_path / "www" / "amazon.json").exists()


def test_a_field_most_items_have_is_not_reported_as_missing(tmp_path: Path) -> None:
    rows = row("A", brand="", gtin="") + row("B", size="L") + row("C", size="S")
    (tmp_path / "products.csv").write_text(HEADER + rows, encoding="utf-8")
    result = runner.invoke(app, ["validate"])
    assert "META003" in result.stdout and "MDL015" not in result.output
    assert "facebook: 2 items, 0 excluded, 1 rejected" in result.stderr


@needs_realdata
def test_the_missing_field_hint_names_only_fixes_the_source_format_applies(tmp_path: Path) -> None:
    """WooCommerce reads its export's own columns and refuses `source.columns`, so the hint for tgmodz's missing
    brand names the channel's fields only."""
    path = real("woocommerce/tgmodz-wc-product-export.csv")
    (tmp_path / "feedsync.yaml").write_text(
        f"source: {{path: {path}, currency: USD, base_url: 'https://s.example'}}\n"
        "channels:\n  facebook: {profile: facebook}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml")])
    [hint] = [line for line in result.output.splitlines() if " MDL015 " in line]
    assert "lack brand" in hint and "fields: {brand:" in hint and "source.columns" not in hint
