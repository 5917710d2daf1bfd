"""Hostile ``columns:`` maps and JSON shapes: paths through text, out-of-range and negative indexes, values that are
objects or lists, records that are not objects, BOM and UTF-16 headers. Each ends in a value, a finding or a config
error (exit 2), never an internal error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app

runner = CliRunner(env={"COLUMNS": "200"})
RECORD = {
    "id": "A1",
    "title": "Mug",
    "price": "20.00",  # a mapped path wins over the key of the same field
    "offer": {"price": 12, "prices": ["3.00", "4.00"], "flag": True, "none": None},
    "images": [{"uri": "https://s.example/a.jpg"}],
    "link": "https://s.example/a",
}


def _validate(tmp_path: Path, name: str, data: str | bytes, columns: dict[str, str]) -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    mapping = "".join(f"\n    {json.dumps(k)}: {v}" for k, v in columns.items())
    (tmp_path / "feedsync.yaml").write_text(
        f"source:\n  path: {name}\n  currency: EUR\n  columns:{mapping}\n"
        "channels:\n  g: {profile: google_merchant}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml"), "--format", "json"])
    assert result.exit_code != 70, result.output
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "path",
    ["title.0", "images.99999999999999999999.uri", "images.-1.uri", "offer..price", "offer.price.deeper", ".", ""],
)
def test_a_path_that_leads_nowhere_is_a_config_error(tmp_path: Path, path: str) -> None:
    code, _, err = _validate(tmp_path, "c.jsonl", json.dumps(RECORD), {path: "mpn"})
    assert code == 2 and f"column {path!r} is not in any record of" in err


@pytest.mark.parametrize(
    ("path", "field", "expected"),
    [
        ("offer.price", "price", "12.00 EUR"),
        ("offer.prices.1", "sale_price", "4.00 EUR"),
        ("offer.flag", "mpn", "TRUE"),  # (as the Excel reader reads a Boolean cell)
    ],
)
def test_numbers_and_booleans_at_a_path_are_read_as_values(
    tmp_path: Path, path: str, field: str, expected: str
) -> None:
    from feedsync.config import load_config
    from feedsync.sources import open_source

    _validate(tmp_path, "c.json", json.dumps([RECORD]), {path: field})
    [product] = open_source(load_config(tmp_path / "feedsync.yaml").source).products(lambda d: None)
    assert str(getattr(product, field)) == expected


def test_an_object_where_a_link_belongs_is_a_finding_on_that_record(tmp_path: Path) -> None:
    code, out, _ = _validate(tmp_path, "c.json", json.dumps([RECORD]), {"images.0": "image_link"})
    assert code == 1
    [finding] = [d for d in json.loads(out)["diagnostics"] if d["field"] == "image_link"]
    assert finding["severity"] == "error" and finding["location"]["row"] == 1
    assert finding["code"].startswith("MDL") and "https://s.example/a.jpg" in finding["value"]  # read, not ignored


def test_records_that_are_not_objects_make_a_mapped_path_an_error(tmp_path: Path) -> None:
    code, _, err = _validate(tmp_path, "c.json", json.dumps(["a", 1, None]), {"offer.price": "price"})
    assert code == 2 and "column 'offer.price' is not in any record" in err


def test_suggestions_stay_bounded_for_records_with_many_keys(tmp_path: Path) -> None:
    wide = {f"key{i}": "x" for i in range(5000)}
    lines = "\n".join(json.dumps({**RECORD, "id": f"A{n}", "offer": wide}) for n in range(50))
    code, _, err = _validate(tmp_path, "c.jsonl", lines, {"offer.kye1": "mpn"})
    assert code == 2 and "closest:" in err and len(err) < 2000


def test_a_bom_before_the_header_does_not_hide_the_first_column(tmp_path: Path) -> None:
    data = "\ufeffSKU,title,price,link\nA1,Mug,12.00,https://s.example/a\n"
    code, out, _ = _validate(tmp_path, "c.csv", data, {" sku": "id"})
    assert code in (0, 1) and json.loads(out)["summary"]["products"] == 1


def test_a_utf16_header_is_checked_in_its_encoding(tmp_path: Path) -> None:
    data = "Artikel\ttitle\tprice\tlink\nA1\tMug\t12.00\thttps://s.example/a\n".encode("utf-16")
    code, out, _ = _validate(tmp_path, "c.tsv", data, {"Artikel": "id"})
    assert code in (0, 1) and json.loads(out)["summary"]["products"] == 1
    code, _, err = _validate(tmp_path, "c.tsv", data, {"Artikle": "id"})
    assert code == 2 and "closest: 'Artikel'" in err
