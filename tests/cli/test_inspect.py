from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.conftest import DEMO
from tests.sources.realdata import needs_realdata, real

runner = CliRunner(env={"COLUMNS": "200"})


def test_inspect_reports_format_counts_columns_and_diagnostics(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    text = (DEMO / "products.csv").read_text(encoding="utf-8").replace(",45.00,", ",4x.00,", 1)
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(path), "--currency", "USD", "--base-url", "https://s.example"])
    assert result.exit_code == 1  # one row has an error
    out = result.stdout
    for line in (
        "format:     csv (detected)",
        "encoding:   utf-8",
        "delimiter:  ','",
        "rows:       88",
        "read:       30 products, 88 variants read",  # the row with an error is a variant read, as validate counts
        "  price                      -> price",
        "diagnostics: 1 (MDL002 error x1)",
    ):
        assert line in out, line
    assert f"{path}:2:8: MDL002 price '4x.00'" in out


@needs_realdata
def test_inspect_a_shopify_export_lists_unused_columns(tmp_path: Path) -> None:
    path = tmp_path / "products_export.csv"
    shutil.copy(real("shopify/shopifypartners-jewelery.csv"), path)
    result = runner.invoke(app, ["inspect", str(path), "--currency", "USD"])
    assert result.exit_code == 0, result.output
    assert "format:     shopify (detected)" in result.stdout
    assert (
        "rows:       41" in result.stdout
        and "read:       20 products, 23 variants read" in result.stdout
        and "images:     39" in result.stdout
    )
    assert "  Variant Price" in result.stdout
    assert "unused columns (" in result.stdout and "SEO Title" in result.stdout


@needs_realdata
def test_the_demo_switches_to_a_shopify_export_by_changing_only_the_source(demo_copy: Path) -> None:
    config = (demo_copy / "feedsync.yaml").read_text(encoding="utf-8")
    shopify = real("shopify/shopifypartners-apparel.csv")
    switched = config.replace("path: products.csv", f"path: {shopify}")
    assert switched != config
    (demo_copy / "feedsync.yaml").write_text(switched, encoding="utf-8")
    result = runner.invoke(app, ["validate", "-c", str(demo_copy / "feedsync.yaml"), "--channel", "google"])
    assert result.exit_code == 0, result.output
    assert "google: 22 items" in result.stderr
    # The sample has no product types, so Amazon (which needs one) reports each item; Google gets all of them.
    result = runner.invoke(app, ["push", "-c", str(demo_copy / "feedsync.yaml")])
    assert result.exit_code == 1, result.output
    assert result.stdout.count("AMZ001") == 0 and result.stderr.count("AMZ001") == 22
    feed = (demo_copy / "public" / "google.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 22
    assert "<g:link>https://shop.example.com/products/ocean-blue-shirt</g:link>" in feed


def test_a_bad_option_is_named_as_typed(tmp_path: Path) -> None:
    """``--currency XX`` printed pydantic's report of the model (``1 validation error for SourceConfig ...
    [type=value_error, ...] For further information visit https://errors.pydantic.dev``); each bad option is now
    named as typed, with why, exit 2."""
    path = tmp_path / "p.csv"
    path.write_text("id,title,price\nA,T,1\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(path), "--currency", "XX", "--base-url", "x"])
    assert result.exit_code == 2
    assert "--currency 'XX': 'XX' is not an ISO 4217 currency code" in result.stderr
    assert "--base-url 'x': 'x' is not an absolute http(s) URL" in result.stderr
    assert "pydantic" not in result.stderr and "SourceConfig" not in result.stderr
