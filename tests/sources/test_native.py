from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.model import Availability, Product
from feedsync.sources import open_source
from feedsync.sources.tabular import sniff_delimiter
from tests.conftest import HEADER, row
from tests.sources.realdata import needs_realdata, real


def records_file(path: Path, records: list[str]) -> Path:
    """``records`` (JSON objects' texts) written to ``path``: one a line (``.jsonl``), else as a JSON array."""
    path.write_text(
        "\n".join(records) if path.suffix == ".jsonl" else "[" + ",\n".join(records) + "]", encoding="utf-8"
    )
    return path


def read(path: Path, **config: object) -> tuple[list[Product], list[Diagnostic]]:
    source = open_source(
        SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": "https://shop.example.com", **config})
    )
    found: list[Diagnostic] = []
    return list(source.products(found.append)), found


def test_csv_columns_become_model_fields_and_the_rest_attributes(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,title,price,sale_price,quantity,Season,additional_image_links\n"
        'A1,Tee,19.99,15 USD,0,winter,"/a.jpg,https://cdn.example.com/b.jpg"\n',
        encoding="utf-8",
    )
    [product], found = read(path)
    assert found == []
    assert product.price.amount == Decimal("19.99") and product.price.currency == "USD"
    assert str(product.sale_price) == "15.00 USD"
    assert product.availability is Availability.OUT_OF_STOCK  # derived from quantity 0
    assert product.attributes == {"Season": "winter"}
    assert product.additional_image_links == ("https://shop.example.com/a.jpg", "https://cdn.example.com/b.jpg")
    assert (product.source.path, product.source.row) == (str(path), 2)


@pytest.mark.parametrize(("delimiter", "name"), [(";", "p.csv"), ("\t", "p.tsv"), ("|", "p.csv"), ("\t", "p.csv")])
def test_delimiter_is_detected(tmp_path: Path, delimiter: str, name: str) -> None:
    path = tmp_path / name
    path.write_text(
        delimiter.join(["id", "title", "price"]) + "\n" + delimiter.join(["A", "T, one", "1.50"]) + "\n",
        encoding="utf-8",
    )
    [product], found = read(path)
    assert found == []
    assert (product.id, product.title, str(product.price)) == ("A", "T, one", "1.50 USD")


def test_sniff_ignores_delimiters_inside_quotes() -> None:
    assert sniff_delimiter('"a;b;c;d",x,y\n') == ","


def test_columns_map_renames_headers_and_bom_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("\ufeffArtikelnummer;Name;Preis;Farbe\nB-7;Mütze;12.00;Rot\n".encode())
    [product], found = read(path, columns={"Artikelnummer": "id", "Name": "title", "Preis": "price", "Farbe": "color"})
    assert found == []
    assert (product.id, product.title, product.color) == ("B-7", "Mütze", "Rot")
    assert product.source.columns["price"] == ("Preis", 3)


def test_bad_values_are_reported_with_row_and_column_and_the_rest_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        HEADER
        + row("OK-1")
        + row("BAD-PRICE", price="12,3x")
        + row("BAD-AVAIL", availability="sometimes")
        + row("OK-2")
        + "BAD-DATE,G1,Tee,,,,10.00,in stock,,,,\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert [p.id for p in products] == ["OK-1", "OK-2", "BAD-DATE"]
    located = [
        (d.code, d.product_id, d.location.row, d.location.column, d.location.column_name, d.value) for d in found
    ]
    assert located == [
        ("MDL002", "BAD-PRICE", 3, 7, "price", "12,3x"),
        ("MDL004", "BAD-AVAIL", 4, 8, "availability", "sometimes"),
    ]


def test_every_problem_of_a_row_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,title,price,availability,sale_price_effective_date,condition,weight,link\n"
        ",,abc,maybe,2026-02-30/2026-03-01,mint,heavy,ftp://x\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert products == []
    assert sorted((d.code, d.field) for d in found) == [
        ("MDL001", "id"),
        ("MDL001", "title"),
        ("MDL002", "price"),
        ("MDL004", "availability"),
        ("MDL004", "condition"),
        ("MDL005", "sale_price_effective_date"),
        ("MDL006", "weight"),
        ("MDL009", "link"),
    ]
    assert all(d.location.row == 2 for d in found)


def test_dates_without_offset_take_the_source_time_zone(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        "id,title,price,sale_price,sale_price_effective_date\n"
        "A,T,10,8,2026-11-27/2026-12-01\n"
        "B,T,10,8,2026-11-27T09:00:00Z/2026-11-28T09:00+0100\n"
        "C,T,10,8,2026-12-01/2026-11-27\n",
        encoding="utf-8",
    )
    products, found = read(path, timezone="Europe/Berlin")
    assert [str(p.sale_price_effective_date) for p in products] == [
        "2026-11-27T00:00:00+0100/2026-12-01T23:59:59+0100",
        "2026-11-27T09:00:00+0000/2026-11-28T09:00:00+0100",
    ]
    assert [(d.code, d.location.row) for d in found] == [("MDL005", 4)]


def test_currency_must_come_from_somewhere(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title,price\nA,T,10\nB,T,10 EUR\nC,T,10 ABC\n", encoding="utf-8")
    products, found = read(path, currency=None)
    assert [str(p.price) for p in products] == ["10.00 EUR"]
    assert [(d.code, d.product_id) for d in found] == [("MDL003", "A"), ("MDL003", "C")]


def test_ragged_rows_blank_lines_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(
        'id,title,price,description\nA,T,1\n\n"B",T,2,"line one\nline two",extra\nC,T,3,d\n', encoding="utf-8"
    )
    products, found = read(path)
    assert [(d.code, d.location.row, d.location.column, d.value) for d in found] == [("SRC009", 4, 5, "extra")]
    assert [(p.id, p.source.row, p.description) for p in products] == [
        ("A", 2, None),
        ("B", 4, "line one\nline two"),
        ("C", 5, "d"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "utf-8-sig"])
def test_a_file_cut_short_in_its_last_row_is_refused(tmp_path: Path, encoding: str) -> None:
    """A copy that did not finish (``...,/img/95.jpg,1``: the price's first digit, no line break after it) was read
    as a row of price 1.00, its missing cells empty, and published with exit 0. A last line with no line break and
    fewer cells than the header is now refused, naming it; a short row that ends with a line break, a last row of
    every cell without one, and a last record of several lines are read as before."""
    path = tmp_path / "p.csv"
    header = "id,title,price,brand,gtin\n"
    path.write_bytes((header + "A,T,15.00,Acme,\nB,Tée,1").encode(encoding))
    with pytest.raises(SourceError) as info:
        read(path)
    assert str(info.value).startswith(f"{path}: the file ends in the middle of a row: its last line ('B,Tée,1') has 3 ")
    assert "of the header's 5 cells and no line break after it" in str(info.value)
    wholes = ("A,T,15.00,Acme,\nB,T,1\n", "A,T,15.00,Acme,\nB,T,1,Acme,", 'A,T,15.00,Acme,"two\nlines"')
    for whole in (*wholes, "A,T,15.00,Acme,\n   ", "A,T,15.00,Acme,\n,,,", "A,T,15.00,Acme,\n\x1a"):  # blank: no row
        path.write_bytes((header + whole).encode(encoding))
        products, _ = read(path)
        assert [p.id for p in products] == ["A", "B"][: 2 if "B" in whole else 1]


def test_duplicate_column_mapping_is_warned(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title,Title,price\nA,,Second,1\n", encoding="utf-8")
    [product], found = read(path)
    assert product.title == "Second"  # the first non-empty value wins
    assert [(d.code, d.location.column) for d in found] == [("SRC002", 3)]


def test_relative_links_need_a_base_url(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,title,price,link,image_link\nA,T,1,/p/a,https://cdn.example.com/a.jpg\n", encoding="utf-8")
    products, found = read(path, base_url=None)
    assert products == []
    assert [(d.code, d.field, d.location.column) for d in found] == [("MDL009", "link", 4)]


def test_non_utf8_falls_back_to_cp1252_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("id,title,price\nA,Caf\xe9 \u20ac,1\n".encode("cp1252"))
    [product], found = read(path)
    assert product.title == "Café €"
    assert [(d.code, d.severity.value) for d in found] == [("SRC003", "warning")]
    assert "byte 20" in found[0].message  # 15 header bytes + "A,Caf"


def test_an_explicit_encoding_is_trusted_and_its_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes("id,title,price\nA,ok,1\nB,Caf\xe9,1\n".encode("cp1252"))
    with pytest.raises(SourceError, match=r"not valid utf-8 at line 3 \(byte 27, 0xe9\).*source\.encoding"):
        read(path, encoding="utf-8")  # (the text stream decodes a block ahead: its row would be the header's)
    [_, product], found = read(path, encoding="cp1252")
    assert (product.title, found) == ("Café", [])


def test_a_file_neither_utf8_nor_cp1252_names_its_byte_and_another_encoding(tmp_path: Path) -> None:
    """Read as cp1252 (not UTF-8: SRC003), a byte cp1252 leaves undefined: the error names its line and byte, and
    suggests another encoding than the one that failed."""
    path = tmp_path / "p.csv"
    path.write_bytes(b"id,title,price\nA,T,1\nB,T\x81x,2\n")
    with pytest.raises(SourceError, match=r"not valid cp1252 at line 3 \(byte 24, 0x81\).*example latin-1"):
        read(path)


@pytest.mark.parametrize("held", [1, 2])
def test_the_line_of_a_bad_byte_after_a_character_cut_between_two_reads(tmp_path: Path, held: int) -> None:
    """A character of three bytes cut by the end of a read (``_DECODE_CHUNK``), ``held`` of its bytes before it: the
    bytes the decoder held are counted, so the bad byte's line and place are its own."""
    from feedsync.sources.tabular import _DECODE_CHUNK

    body = b"id,title,price\n"
    number = 0
    while len(body) < _DECODE_CHUNK - 40:
        number += 1
        body += b"A%d,T,1\n" % number
    body += b"B," + b"x" * (_DECODE_CHUNK - held - len(body) - 2) + "\u20ac".encode() + b",1\nC,Caf\xe9\nD,z,1\n"
    at = body.index(b"\xe9")
    path = tmp_path / "p.csv"
    path.write_bytes(body)
    line = body.count(b"\n", 0, at) + 1
    with pytest.raises(SourceError, match=rf"not valid utf-8 at line {line} \(byte {at}, 0xe9\)"):
        read(path, encoding="utf-8")


def test_the_line_of_a_bad_character_in_utf16_counts_its_text_s_lines(tmp_path: Path) -> None:
    """UTF-16's bytes of 上 (U+4E0A) hold 0x0a: the lines are counted in the text."""
    text = "id,title,price\nA,\u4e0a\u8863,1\nB,\u4e0a,2\n"
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode("utf-16") + b"\x00\xd8" + "x,3\n".encode("utf-16-le"))
    with pytest.raises(SourceError, match=r"not valid utf-16 at line 4 "):
        read(path)


def test_junk_and_bom_before_the_header_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b"\n\t\xef\xbb\xbfid,title,price\nA,T,1\n")
    [product], found = read(path)
    assert found == []
    assert (product.id, product.source.row) == ("A", 3)  # the header stands on line 2


def test_missing_file_and_formats_told_by_content(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        read(tmp_path / "nope.csv")
    odd = tmp_path / "catalog.dat"
    odd.write_text("id;title;price\nA;T;1\n", encoding="utf-8")
    [product], _ = read(odd)  # content, not the extension, tells it is a delimited file
    assert product.id == "A"
    odd.write_text("just some words\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"set source\.format"):
        read(odd)
    with pytest.raises(SourceError, match=r"catalog\.dat: no data rows"):  # a header alone is no catalog
        read(odd, format="csv")


def test_json_array_streams_objects_with_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    objects = [
        {"id": f"J{i}", "title": "T", "price": 1.5 + i, "additional_image_links": ["/x.jpg"], "specs": {"fit": "slim"}}
        for i in range(3)
    ]
    text = "[\n" + ",\n".join(json.dumps(o, indent=2) for o in objects) + "\n]\n"
    path.write_text(text, encoding="utf-8")
    products, found = read(path)
    assert found == []
    assert [p.id for p in products] == ["J0", "J1", "J2"]
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line == "{"]
    assert [p.source.row for p in products] == starts
    assert products[1].price.amount == Decimal("2.5")
    assert products[0].attributes == {"specs": '{"fit": "slim"}'}


def test_json_array_larger_than_the_read_chunk(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    long = "x" * 200_000  # one object spans several 64 KiB chunks
    path.write_text(
        json.dumps(
            [{"id": "A", "title": "T", "price": "1", "description": long}, {"id": "B", "title": "T", "price": "2"}]
        ),
        encoding="utf-8",
    )
    products, found = read(path)
    assert found == []
    assert [(p.id, len(p.description or "")) for p in products] == [("A", 200_000), ("B", 0)]


def test_json_array_errors(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"id": "A"}', encoding="utf-8")
    with pytest.raises(SourceError, match="expected a JSON array"):
        read(path)
    path.write_text('[\n{"id": "A", "title": "T", "price": 1},\n{"id": "B", "title": \n]', encoding="utf-8")
    with pytest.raises(SourceError, match=r"p.json:4:1: invalid JSON: Expecting value"):
        read(path)
    path.write_text('[{"id": "A", "title": "T", "price": 1}, 7]', encoding="utf-8")
    products, found = read(path)
    assert [p.id for p in products] == ["A"]
    assert [d.code for d in found] == ["SRC001"]


def test_jsonl_reports_a_broken_line_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": "A", "title": "T", "price": "1 EUR"}\n{"id": "B", "title": \n\n'
        '{"id": "C", "title": "T", "price": "x"}\n{"id": "D", "title": "T", "price": 4}\n',
        encoding="utf-8",
    )
    products, found = read(path)
    assert [p.id for p in products] == ["A", "D"]
    assert [(d.code, d.location.row, d.field) for d in found] == [("SRC001", 2, None), ("MDL002", 4, "price")]


def test_a_table_naming_no_catalog_column_is_refused_with_its_header(tmp_path: Path) -> None:
    """A CSV whose header names no id, title or price column (nor maps one with source.columns) is no catalog: it
    was read as one, every row rejected three times (MDL001 id, title and price), with no word of why."""
    path = tmp_path / "carriers.csv"
    path.write_text("Tracking Carrier,Value\nUnited Parcel Service,ups\n", encoding="utf-8")
    config = SourceConfig.model_validate({"path": path, "currency": "USD"})
    with pytest.raises(SourceError, match=r"carriers\.csv:1: the header names no id, title or price column \(it "
                       r"has 'Tracking Carrier', 'Value'\)"):  # fmt: skip
        list(open_source(config).products(lambda d: None))
    mapped = config.model_copy(update={"columns": {"Value": "id"}})  # one mapped: read as a catalog (its findings)
    found: list[Diagnostic] = []
    assert [p.id for p in open_source(mapped).products(found.append)] == [] and found


@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_json_numbers_with_a_fraction_are_the_text_of_the_number_as_a_workbook_s_cell_is(
    tmp_path: Path, name: str
) -> None:
    """``"id": 1001.0`` was read as id ``1001.0``, ``"gtin": 4006381333931.0`` (or ``4.006381333931e12``) as a GTIN
    ``4006381333931.0`` refused, ``"mpn": 1e21`` as ``1e+21``: Python's float text. A whole number is an integer,
    as the Excel reader writes the same floats, and no number has an exponent."""
    from feedsync.sources.xlsx import cell_text
    from feedsync.values import number_text

    records = [
        '{"id": 1001.0, "title": "T", "price": 19.990, "gtin": 4006381333931.0, "mpn": 1e21, "weight_g": 250.0}',
        '{"id": "B", "title": "T", "price": 1e2, "gtin": 4.006381333931e12, "quantity": 3.0, "size": 42.50}',
    ]
    path = records_file(tmp_path / name, records)
    products, found = read(path)
    assert found == []
    first, second = products
    assert (first.id, first.gtin, first.mpn, str(first.price)) == ("1001", "4006381333931", "1" + "0" * 21, "19.99 USD")
    assert first.attributes == {"weight_g": "250"}
    assert (second.gtin, second.quantity, second.size, str(second.price)) == ("4006381333931", 3, "42.5", "100.00 USD")
    for text in ("1001.0", "4006381333931.0", "4.006381333931e12", "1e21", "42.50", "250.0", "-0.0", "1.5e-7"):
        assert cell_text(float(text)) == number_text(Decimal(text))  # a workbook's cell of the same number agrees
    path.write_text('[{"id": "C", "title": "T", "price": 1e400, "mpn": 2.5e-300}]', encoding="utf-8")
    products, found = read(path)  # (digits beyond a hundred places stay as written: a value check names them)
    assert products == [] and [(d.code, d.value) for d in found] == [("MDL002", "1e400")]


def test_a_list_or_an_object_for_a_field_of_one_value_is_an_error_at_the_record(tmp_path: Path) -> None:
    """``"title": ["Yoga", "Mat"]`` reached the feeds as ``['Yoga', 'Mat']``, ``"brand": {"name": "NW"}`` as
    ``{'name': 'NW'}``: Python's text of them, with exit 0. Each is MDL020 at its record and field, naming the value,
    and the record is left out; additional_image_links still takes a list. A Boolean is ``TRUE``/``FALSE``, as the
    Excel reader makes a Boolean cell."""
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"id": "A", "title": ["Yoga", "Mat"], "price": "10.00", "brand": {"name": "NW"}}\n'
        '{"id": "B", "title": "Mat", "price": ["10.00", "12.00"]}\n'
        '{"id": "C", "title": "Mat", "price": "10.00", "additional_image_links": ["/a.jpg", {"url": "/b.jpg"}]}\n'
        '{"id": "D", "title": "Mat", "price": "10.00", "additional_image_links": ["/a.jpg", "/b.jpg"], "size": true,'
        ' "custom_label_0": false, "color": [], "Eco": true}\n'
        '{"id": {"sku": "E"}, "title": "Mat", "price": "10.00"}\n',
        encoding="utf-8",
    )
    products, found = read(path)
    assert [(p.id, p.size, p.custom_label_0, p.color, p.attributes) for p in products] == [
        ("D", "TRUE", "FALSE", None, {"Eco": "TRUE"})
    ]
    assert products[0].additional_image_links == ("https://shop.example.com/a.jpg", "https://shop.example.com/b.jpg")
    assert [(d.code, d.location.row, d.field, d.product_id, d.value) for d in found if d.location] == [
        ("MDL020", 1, "title", "A", '["Yoga", "Mat"]'),
        ("MDL020", 1, "brand", "A", '{"name": "NW"}'),
        ("MDL020", 2, "price", "B", '["10.00", "12.00"]'),
        ("MDL020", 3, "additional_image_links", "C", '["/a.jpg", {"url": "/b.jpg"}]'),
        ("MDL020", 5, "id", None, '{"sku": "E"}'),
    ]
    assert "map the key inside it that holds the value with source.columns (brand.name: brand)" in found[1].message


@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_a_key_twice_in_a_json_record_is_told_and_its_first_non_empty_value_wins_as_in_a_csv(
    tmp_path: Path, name: str
) -> None:
    """``"price": "10.00", ..., "price": "1.00"`` kept the last price without a word; a CSV file with two price
    columns is SRC002 and keeps the first non-empty value. A JSON record now is too."""
    records = [
        '{"id": "A", "title": "T", "price": "10.00", "brand": "", "brand": "Acme", "price": "1.00"}',
        '{"id": "B", "title": "T", "price": 5, "specs": {"fit": "slim", "fit": "wide"}}',
        '{"id": "C", "title": "T", "price": 5}',
    ]
    path = records_file(tmp_path / name, records)
    products, found = read(path)
    assert [(p.id, str(p.price), p.brand, p.attributes) for p in products] == [
        ("A", "10.00 USD", "Acme", {}),
        ("B", "5.00 USD", None, {"specs": '{"fit": "slim"}'}),
        ("C", "5.00 USD", None, {}),
    ]
    assert [(d.code, d.product_id, d.field, d.location.row, d.location.column_name, d.value) for d in found] == [
        ("SRC002", "A", "price", 1, "price", '"10.00"'),
        ("SRC002", "A", "brand", 1, "brand", '"Acme"'),
        ("SRC002", "B", "fit", 2, "fit", '"slim"'),
    ]
    assert found[0].message == (
        'key \'price\' is in the record 2 times ("10.00", "1.00"); the first non-empty value wins ("10.00")'
    )
    assert "an object inside the record" in found[2].message
    csv = tmp_path / "p.csv"
    csv.write_text("id,title,price,brand,brand,price\nA,T,10.00,,Acme,1.00\n", encoding="utf-8")
    [from_csv], _ = read(csv)
    assert (str(from_csv.price), from_csv.brand) == ("10.00 USD", "Acme")


@pytest.mark.parametrize("name", ["p.json", "p.jsonl"])
def test_a_record_with_nested_variants_is_refused_with_what_to_do(tmp_path: Path, name: str) -> None:
    """``"variants": [{"id": "TEE-S", "size": "S", "price": "45.00", ...}, ...]`` was read as one product, the list
    kept in attributes as a text, and the variants were lost with exit 0. The record is left out with SRC016 naming
    the key and how to flatten the file; a list of objects that are no variants (images, specs) stays an attribute,
    and one variant that ``columns:`` reads from is read as mapped."""
    records = [
        '{"id": "TEE", "title": "Tee", "price": "45.00", "variants": [{"id": "TEE-S", "size": "S", "price": "45.00", '
        '"gtin": "4006381333931"}, {"id": "TEE-M", "size": "M", "price": "45.00", "gtin": "4006381333948"}]}',
        '{"id": "MUG", "title": "Mug", "price": "9.00", "images": [{"src": "/m.jpg", "alt": "Mug"}], "variants": []}',
        '{"id": "CAP", "title": "Cap", "price": "9.00", "offers": [{"sku": "CAP-1", "size": "L"}]}',
    ]
    path = records_file(tmp_path / name, records)
    products, found = read(path)
    assert [(p.id, p.attributes) for p in products] == [
        ("MUG", {"images": '[{"src": "/m.jpg", "alt": "Mug"}]', "variants": "[]"})
    ]
    assert [(d.code, d.severity.value, d.product_id, d.field, d.location.row) for d in found] == [
        ("SRC016", "error", "TEE", "variants", 1),
        ("SRC016", "error", "CAP", "offers", 3),
    ]
    assert found[0].message == (
        "key 'variants' holds 2 variant(s) (objects with gtin, id, price): feedsync reads one product per record, so "
        "the record is left out. Flatten the file: one record per variant, with the product's fields and group_id set "
        "to the product's id"
    )
    source = open_source(SourceConfig.model_validate({"path": path, "currency": "USD"}))
    list(source.products(lambda d: None))
    assert (source.stats.rows, source.stats.left_out) == (3, 2)  # each counted a variant read and rejected
    path.write_text(
        '[{"id": "CAP", "title": "Cap", "variants": [{"sku": "CAP-1", "price": "9.00"}]}]', encoding="utf-8"
    )
    [product], found = read(path, format="json", columns={"variants.0.price": "price"})
    assert (found, str(product.price)) == ([], "9.00 USD")


@pytest.mark.parametrize(
    ("first", "header", "record"),
    [
        ("sep=;", "id;title;price", "A;T, one;1.50"),
        ("sep=,", "id,title,price,a;b;c;d", 'A,"T, one",1.50,w;x;y;z'),  # (its header alone sniffs ';')
        ("\ufeffSEP=\t", "id\ttitle\tprice", "A\tT, one\t1.50"),
    ],
)
def test_excel_sep_line_names_the_delimiter_and_the_header_follows_it(
    tmp_path: Path, first: str, header: str, record: str
) -> None:
    """Excel writes and reads a first line ``sep=;`` to name the file's delimiter; it is not shown as a row. Rows
    keep the file's line numbers (the header stands on line 2)."""
    path = tmp_path / "p.csv"
    sep = first[-1]
    bad = record.replace("1.50", "1,5x", 1) if sep != "," else record.replace("1.50", "x1", 1)
    path.write_text(f"{first}\r\n{header}\r\n{record}\r\n{bad.replace('A', 'B', 1)}\r\n", encoding="utf-8")
    products, found = read(path)
    assert [(p.id, p.title, str(p.price), p.source.row) for p in products] == [("A", "T, one", "1.50 USD", 3)]
    assert [(d.code, d.product_id, d.location.row, d.location.column_name) for d in found] == [
        ("MDL002", "B", 4, "price")
    ]


@needs_realdata
def test_an_export_after_excels_sep_line_is_told_and_read_as_it_is_without_it(tmp_path: Path) -> None:
    original = real("shopify/shopify-product_template-2024.csv")
    path = tmp_path / "products_export.csv"
    path.write_bytes(b"sep=,\n" + original.read_bytes())
    (with_line, found), (without, told) = read(path), read(original)
    assert with_line and [(p.model_dump(exclude={"source"}), p.source.row - 1) for p in with_line] == [
        (p.model_dump(exclude={"source"}), p.source.row) for p in without
    ]
    assert [(d.code, d.message) for d in found] == [(d.code, d.message.replace(str(original), str(path))) for d in told]


def test_the_columnar_engine_and_a_row_split_read_the_header_after_excels_sep_line(tmp_path: Path) -> None:
    from feedsync.columnar.read import readable
    from feedsync.rows import _delimiter
    from feedsync.rows.cuts import read_header

    path = tmp_path / "p.csv"
    path.write_text("sep=,\nid,title,price\nA,T,1\n", encoding="utf-8")
    assert not readable(path)  # (Polars would take the sep line for the header: the per-row reader reads it)
    config = SourceConfig.model_validate({"path": path, "currency": "USD"})
    assert _delimiter(config) == ","
    header = read_header(path, ",")
    assert header is not None and (header.row, header.lines, header.names) == (2, 2, ["id", "title", "price"])
    path.write_text("sep=;\nid;title;price,x\nA;T;1\n", encoding="utf-8")
    assert _delimiter(config) == ";"
