"""The pieces the hostile-file suite (tests/hostile/test_readers.py) relies on, one at a time."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedsync import values as v
from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.model import Product
from feedsync.model.product import format_datetime
from feedsync.sources import open_source
from feedsync.sources.tabular import sniff_encoding


def read(path: Path, **config: object) -> tuple[list[Product], list[Diagnostic]]:
    source = open_source(
        SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": "https://shop.example.com", **config})
    )
    found: list[Diagnostic] = []
    return list(source.products(found.append)), found


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (codecs.BOM_UTF32_LE + "id".encode("utf-32-le"), "utf-32"),
        (codecs.BOM_UTF16_LE + "id".encode("utf-16-le"), "utf-16"),
        (codecs.BOM_UTF16_BE + "id".encode("utf-16-be"), "utf-16"),
        (codecs.BOM_UTF8 + b"id,title", None),
        (b"id,title\nA,\x00B\n", None),  # one NUL is a value to clean, not a binary file
    ],
)
def test_sniff_encoding_reads_byte_order_marks(head: bytes, encoding: str | None) -> None:
    assert sniff_encoding(Path("x.csv"), head) == encoding


def test_sniff_encoding_refuses_utf16_without_a_bom_and_binary_data() -> None:
    with pytest.raises(SourceError, match=r"x\.csv: byte 2: looks like UTF-16 without a byte order mark"):
        sniff_encoding(Path("x.csv"), "id,title\n".encode("utf-16-le"))
    with pytest.raises(SourceError, match=r"x\.csv: byte 3: looks like a binary file"):
        sniff_encoding(Path("x.csv"), b"PK\x03\x04\x14\x00\x06\x00" * 20)


def test_a_quote_closed_rows_later_is_reported_with_the_lines_it_took(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('id,title,price\nA,T,1\nB,"T,2\nC,T,3\nD,T "4,4\nE,T,5\n', encoding="utf-8")
    products, found = read(path)
    assert [(p.id, p.source.row) for p in products] == [("A", 2), ("E", 4)]
    assert [(d.code, d.location.row) for d in found] == [("SRC010", 3)]
    assert "lines 3-5" in found[0].message


def test_a_value_with_line_breaks_is_no_broken_quote(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('id,title,price,description\nA,T,1,"one, two\nthree ""3"", four"\nB,T,2,\n', encoding="utf-8")
    products, found = read(path)
    assert [p.description for p in products] == ['one, two\nthree "3", four', None] and found == []


@pytest.mark.parametrize("sep", [",", "\t", ";"])
def test_a_quoted_value_with_text_after_its_quote_is_told_where_it_is(tmp_path: Path, sep: str) -> None:
    """Read as a spreadsheet reads it (its quotes gone), and told with its row, column and the text as written;
    quotes that belong where they are (a quoted value with a delimiter or doubled quotes, a quote inside an
    unquoted value) are no finding."""
    path = tmp_path / ("p.tsv" if sep == "\t" else "p.csv")
    rows = [
        ["id", "title", "price", "description"],
        ["A", '"Best" Tee', "1", '"a{sep} b"'],
        ["B", '5" screen', "2", '"say ""hi"""'],
        ["C", "T", "3", '"ends" '],
    ]
    path.write_text("".join(sep.join(row).replace("{sep}", sep) + "\n" for row in rows), encoding="utf-8")
    products, found = read(path)
    assert [(p.title, p.description) for p in products] == [
        ("Best Tee", f"a{sep} b"),
        ('5" screen', 'say "hi"'),
        ("T", "ends"),
    ]
    assert [(d.code, d.location.row, d.location.column, d.value) for d in found] == [
        ("SRC017", 2, 2, "Best Tee"),
        ("SRC017", 4, 4, "ends "),
    ]
    assert "'\"Best\" Tee'" in found[0].message and '("""Best"" Tee")' in found[0].message


def test_a_tsv_written_without_quoting_keeps_its_quotes(tmp_path: Path) -> None:
    """A TSV whose values start with a quote they do not close at their end (``"Best" Tee``, which a writer that
    quotes never writes) and whose every line holds the header's cells split at its tabs was written without
    quoting (a Google Sheets TSV download): its quotes are its values' own, all read as written."""
    path = tmp_path / "p.tsv"
    lines = ["id\ttitle\tprice\tdescription", 'A\t"Quoted"\t1\tx', 'B\t"Best" Tee\t2\tsay "hi"', 'C\t5" screen\t3\t""']
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    products, found = read(path)
    assert [(p.id, p.title, p.description, p.source.row) for p in products] == [
        ("A", '"Quoted"', "x", 2),
        ("B", '"Best" Tee', 'say "hi"', 3),
        ("C", '5" screen', '""', 4),
    ]
    assert found == []
    source = open_source(SourceConfig.model_validate({"path": path, "currency": "USD"}))
    list(source.products(lambda _: None))
    assert source.stats.quoted is False


@pytest.mark.parametrize(
    "rest",
    [
        ['A\t"Quoted"\t1\t"say ""hi"""'],  # every quote where a writer that quotes puts it
        ['A\t"Best" Tee\t1\tx', 'B\tT\t2\t"a\tb"'],  # a quoted tab: quoting is used
        ['A\t"Best" Tee\t1\tx', 'B\tT\t2\t"two', 'lines"'],  # a quoted line break: quoting is used
    ],
)
def test_a_tsv_that_may_be_quoted_is_read_with_quoting(tmp_path: Path, rest: list[str]) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("\n".join(["id\ttitle\tprice\tdescription", *rest]) + "\n", encoding="utf-8")
    source = open_source(SourceConfig.model_validate({"path": path, "currency": "USD"}))
    products = list(source.products(lambda _: None))
    assert source.stats.quoted is True
    assert products[0].title in ("Quoted", "Best Tee")


def test_the_row_cache_tells_a_tsv_read_without_quoting_apart() -> None:
    from feedsync.rowcache.fingerprint import with_header

    header = ["id", "title"]
    assert with_header("b", header, "utf-8", "\t") != with_header("b", header, "utf-8", "\t", quoted=False)


def test_a_quote_never_closed_is_a_source_error_at_its_row(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('id,title,price\nA,T,1\nB,"T,2\nC,T,3\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"p\.csv:3: a quoted field that starts in this row is never closed.*line 4"):
        read(path)


def test_control_and_broken_characters_are_removed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "A\\u0000", "title": "T\\ud800x", "price": "1", "note": "\\u001b[1m"}\n', encoding="utf-8")
    [product], found = read(path)
    assert (product.id, product.title, product.attributes) == ("A", "T\ufffdx", {"note": "[1m"})
    assert [(d.code, d.location.row, d.message) for d in found] == [
        ("SRC011", 1, "control or broken characters removed from id, title, note")
    ]


def test_json_keeps_numbers_it_cannot_hold_as_written(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('[{"id": "A", "title": "T", "price": NaN, "quantity": 1e999}]', encoding="utf-8")
    products, found = read(path)
    assert products == []
    assert [(d.code, d.value) for d in found] == [("MDL002", "NaN"), ("MDL006", "1e999")]


def test_values_out_of_range_are_value_problems() -> None:
    tz = UTC
    with pytest.raises(v.ValueProblem, match="unix time out of range"):
        v.parse_loose_datetime("1" + "0" * 30, tz)
    with pytest.raises(v.ValueProblem, match="cannot be told in UTC"):
        v.parse_datetime("9999-12-31T23:59:59-05:00", tz)
    with pytest.raises(v.ValueProblem, match="too large"):
        v.parse_int("3000000000", what="quantity")
    with pytest.raises(v.ValueProblem, match="too large"):
        v.parse_money("9" * 16, "USD")
    assert v.parse_money("9" * 15, "USD").amount == int("9" * 15)


def test_years_before_1000_keep_four_digits() -> None:
    assert format_datetime(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00+0000"


def test_an_unknown_shopify_status_is_reported_not_taken_for_a_draft(tmp_path: Path) -> None:
    path = tmp_path / "products_export.csv"
    path.write_text(
        "Handle,Title,Variant SKU,Variant Price,Status\ntee,Tee,T1,10,activ\nhat,Hat,H1,10,draft\n", encoding="utf-8"
    )
    products, found = read(path)
    assert products == []
    assert [(d.code, d.location.row, d.location.column) for d in found] == [("MDL004", 2, 5), ("SRC005", None, None)]


def test_unlisted_shopify_products_are_told_as_unlisted_not_as_drafts(tmp_path: Path) -> None:
    """Shopify's ``unlisted`` status (2025-10): active, but on no sales channel and shown only by a direct link."""
    path = tmp_path / "products_export.csv"
    path.write_text(
        "Handle,Title,Variant SKU,Variant Price,Status\n"
        "tee,Tee,T1,10,active\nhat,Hat,H1,10,unlisted\ncap,Cap,C1,10,Unlisted\nmug,Mug,M1,10,draft\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert [p.title for p in products] == ["Tee"]
    assert [(d.code, d.message) for d in found] == [
        ("SRC005", "1 draft or archived products left out (set source.include_unpublished: true to include them)"),
        ("SRC005", "2 unlisted products left out (set source.include_unpublished: true to include them)"),
    ]
    products, found = read(path, include_unpublished=True)
    assert ([p.title for p in products], found) == (["Tee", "Hat", "Cap", "Mug"], [])


@pytest.mark.parametrize("grams", ["NaN", "Infinity", "-inf", "sNaN"])
def test_a_shopify_weight_that_is_no_number_is_reported_not_a_crash(tmp_path: Path, grams: str) -> None:
    path = tmp_path / "products_export.csv"
    path.write_text(f"Handle,Title,Variant SKU,Variant Price,Variant Grams\ntee,Tee,T1,10,{grams}\n", encoding="utf-8")
    products, found = read(path)
    assert products == []
    assert [(d.code, d.field, d.value, d.location.row) for d in found] == [
        ("MDL006", "weight", grams, 2)
    ]  # as any weight not a number


MAGENTO = "sku,store_view_code,attribute_set_code,product_type,name,price\n"


def test_magento_rows_of_no_product_are_named(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        MAGENTO + "A,,Default,simple,Tee,10\nB,de,Default,simple,T-Shirt,10\nC,,Default,kit,Kit,10\n"
        "D,,Default,bundle,Set,10\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert [p.id for p in products] == ["A", "B"]  # B has only a store view row: its values are read from it
    assert [(d.code, d.location.row) for d in found] == [("SRC014", None), ("MDL004", 4), ("SRC013", 5)]
