"""inspect counts a valid export whose prices name no currency (one finding, not 0 products); init says the truth
about currencies: a TODO line when prices name none, the currency they name otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.sources.realdata import needs_realdata, real

runner = CliRunner(env={"COLUMNS": "200"})


@pytest.fixture(autouse=True)
def _chdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _counts(output: str) -> dict[str, str]:
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in output.splitlines()[:9])}


@needs_realdata
def test_inspect_without_currency_counts_the_products_of_a_shopify_export() -> None:
    path = str(real("shopify/rosarose-products_export_1.csv"))
    bare = runner.invoke(app, ["inspect", path, "--show", "50"])
    priced = runner.invoke(app, ["inspect", path, "--currency", "EUR"])
    assert bare.exit_code != 70 and priced.exit_code != 70
    bare_counts, priced_counts = _counts(bare.stdout), _counts(priced.stdout)
    assert bare_counts["read"] == "155 products, 1477 variants read"  # 285 of them draft or archived
    assert [bare_counts[k] for k in ("rows", "read", "images")] == [
        priced_counts[k] for k in ("rows", "read", "images")
    ]
    missing = [line for line in bare.stdout.splitlines() if " MDL003 " in line]
    assert len(missing) == 1 and "1779 price(s) name no currency (the first: '129.99')" in missing[0]
    assert "hint: prices name no currency; pass --currency" in bare.stderr


def test_inspect_keeps_a_currency_code_that_is_not_iso_4217_as_its_own_finding(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,title,price\nA,Mug,12.00\nB,Cup,3.00 XYZ\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", "c.csv"])
    assert result.exit_code == 1
    assert _counts(result.stdout)["read"] == "1 product, 2 variants read"  # B is read, and rejected
    assert "1 price(s) name no currency (the first: '12.00')" in result.stdout
    assert "'XYZ' is not an ISO 4217 currency code" in result.stdout


def test_init_writes_a_currency_todo_when_a_native_csv_names_no_currency(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,title,price\nA,Mug,12.00\nB,Cup,3.00\n", encoding="utf-8")
    made = runner.invoke(app, ["init", "c.csv"])
    assert made.exit_code == 0, made.output
    assert "csv catalog, 2 products, 2 variants" in made.stdout
    text = (tmp_path / "feedsync.yaml").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if "currency:" in line]
    assert line.startswith("  currency: TODO ") and "2 price(s) in the file name no currency" in line
    assert "prices in the file name no currency: set `currency:` (line 9)" in made.stdout
    assert "edit the TODO lines (9, " in made.stdout


def test_init_names_the_currency_the_prices_name(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,title,price\nA,Mug,12.00 EUR\n", encoding="utf-8")
    made = runner.invoke(app, ["init", "c.csv"])
    assert made.exit_code == 0, made.output
    text = (tmp_path / "feedsync.yaml").read_text(encoding="utf-8")
    assert "  # currency: EUR              # prices in the file name their currency" in text
    assert "prices in the file name their currency (EUR)" in made.stdout
