"""``source.columns`` says what it does: a mapped column the file lacks is a config error at its line, with the
closest names; names match as headers do (case, spacing); dotted paths reach nested JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.config import SourceConfig, load_config
from feedsync.errors import ConfigError
from feedsync.sources import open_source
from tests.sources.realdata import needs_realdata, real

runner = CliRunner(env={"COLUMNS": "200"})


def _config(tmp_path: Path, source: str, columns: dict[str, str], fmt: str = "auto") -> Path:
    lines = ["source:", f"  path: {json.dumps(source)}", f"  format: {fmt}", "  currency: EUR", "  columns:"]
    lines += [f"    {json.dumps(k)}: {v}" for k, v in columns.items()]
    lines += ["channels:", "  google: {profile: google_merchant}"]
    path = tmp_path / "feedsync.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _products(config: Path) -> list:
    return list(open_source(load_config(config).source).products(lambda d: None))


def test_a_mapped_column_missing_from_the_header_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,title,Price Tag,link\nA,Mug,12.00,https://s.example/a\n", encoding="utf-8")
    config = _config(tmp_path, "c.csv", {"Price Tag": "price", "Prise Tag": "sale_price"})
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert f"{config}:7:5: source.columns: column 'Prise Tag' is not in the header of" in result.stderr
    assert "closest: 'Price Tag'" in result.stderr


def test_mapped_columns_match_headers_whatever_their_case_and_spacing(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("id,title,Price  Tag,link\nA,Mug,12.00,https://s.example/a\n", encoding="utf-8")
    [product] = _products(_config(tmp_path, "c.csv", {"price tag": "price"}))
    assert str(product.price) == "12.00 EUR"


def test_dotted_paths_reach_nested_json_values_and_list_items(tmp_path: Path) -> None:
    record = {
        "id": "A1",
        "title": "Mug",
        "priceInfo": {"price": "12.00", "currency": "EUR"},
        "images": [{"uri": "https://s.example/a.jpg"}, {"uri": "https://s.example/b.jpg"}],
        "link": "https://s.example/a",
        "size.eu": "42",  # a key that holds a dot is found whole first
        "size": {"eu": "41"},
    }
    (tmp_path / "c.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    columns = {"priceInfo.price": "price", "images.1.uri": "image_link", "size.eu": "size"}
    [product] = _products(_config(tmp_path, "c.jsonl", columns))
    assert product.size == "42"
    assert str(product.price) == "12.00 EUR"
    assert product.image_link == "https://s.example/b.jpg"
    assert product.source.columns["price"] == ("priceInfo.price", None)


def test_a_json_path_no_record_has_is_an_error_with_the_closest_paths(tmp_path: Path) -> None:
    records = [
        {"id": f"A{i}", "title": "Mug", "priceInfo": {"price": "1.00"}, "link": "https://s.example"} for i in (1, 2)
    ]
    (tmp_path / "c.json").write_text(json.dumps(records), encoding="utf-8")
    config = _config(tmp_path, "c.json", {"priceInfo.prize": "price"})
    with pytest.raises(ConfigError) as caught:
        _products(config)
    assert caught.value.line == 6
    assert "column 'priceInfo.prize' is not in any record of" in str(caught.value)
    assert "closest: 'priceInfo.price'" in str(caught.value)


def test_a_json_path_some_records_lack_is_read_where_it_is(tmp_path: Path) -> None:
    records = [
        {"id": "A1", "title": "Mug", "offer": {"price": "1.00"}, "link": "https://s.example"},
        {"id": "A2", "title": "Cup", "price": "2.00", "link": "https://s.example"},
    ]
    (tmp_path / "c.json").write_text(json.dumps(records), encoding="utf-8")
    products = _products(_config(tmp_path, "c.json", {"offer.price": "price"}))
    assert [str(p.price) for p in products] == ["1.00 EUR", "2.00 EUR"]


@needs_realdata
def test_a_platform_export_refuses_columns_it_would_not_apply(tmp_path: Path) -> None:
    source = str(real("shopify/shopifypartners-apparel.csv"))
    config = _config(tmp_path, source, {"Variant Price": "price"})
    result = runner.invoke(app, ["validate", "-c", str(config)])
    assert result.exit_code == 2, result.output
    assert f"{config}:6:5: source.columns: the shopify reader reads the export's own columns" in result.stderr


def test_google_tsv_checks_the_columns_the_config_maps_not_its_own(tmp_path: Path) -> None:
    text = "id\ttitle\tprice\tlink\titem_group_id\tFarbe\nA\tMug\t12.00 EUR\thttps://s.example\tG\trot\n"
    (tmp_path / "g.tsv").write_text(text, encoding="utf-8")
    [product] = _products(_config(tmp_path, "g.tsv", {"Farbe": "color"}, fmt="google_tsv"))
    assert product.color == "rot" and product.group_id == "G"
    with pytest.raises(ConfigError, match="column 'Muster' is not in the header of"):
        _products(_config(tmp_path, "g.tsv", {"Farbe": "color", "Muster": "pattern"}, fmt="google_tsv"))


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".csv"])
def test_a_mapped_column_and_the_fields_own_name_read_alike_in_every_format(tmp_path: Path, suffix: str) -> None:
    """The first non-empty value wins, as for two columns of a CSV file, and the pair is told once (SRC002): a
    record whose mapped key is empty takes the field's own key; the JSON key not read stays in attributes."""
    records = [
        {"sku": "A1", "id": "OLD-1", "title": "Mug", "price": "5.00"},
        {"sku": "", "id": "OLD-2", "title": "Cup", "price": "6.00"},
        {"sku": "A3", "id": "OLD-3", "title": "Jug", "price": "7.00"},
    ]
    path = tmp_path / f"c{suffix}"
    if suffix == ".csv":
        lines = ["sku,id,title,price"] + [",".join(r.values()) for r in records]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif suffix == ".json":
        path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    found: list = []
    config = load_config(_config(tmp_path, path.name, {"sku": "id"}))
    products = list(open_source(config.source).products(found.append))
    assert [p.id for p in products] == ["A1", "OLD-2", "A3"]
    assert [(d.code, d.field) for d in found] == [("SRC002", "id")]
    assert "'sku'" in found[0].message and "'id'" in found[0].message
    if suffix != ".csv":
        assert [p.attributes.get("id") for p in products] == ["OLD-1", None, "OLD-3"]


def test_two_keys_of_one_field_read_the_first_non_empty_value_as_two_csv_columns_do(tmp_path: Path) -> None:
    """``Price`` empty and ``price`` given: the record's price is ``price``'s (it was the empty one's: MDL001)."""
    records = [
        {"id": "A1", "title": "Tee", "Price": "", "price": "12.00"},
        {"id": "A2", "title": "Tee", "Price": "5.00", "price": "12.00"},
    ]
    (tmp_path / "c.json").write_text(json.dumps(records), encoding="utf-8")
    found: list = []
    source = SourceConfig.model_validate({"path": tmp_path / "c.json", "currency": "EUR"})
    products = list(open_source(source).products(found.append))
    assert [str(p.price) for p in products] == ["12.00 EUR", "5.00 EUR"]
    assert [(d.code, d.field, d.location.row) for d in found] == [("SRC002", "price", 1)]
    assert "('price' here" in found[0].message
    assert products[1].attributes.get("price") == "12.00"
