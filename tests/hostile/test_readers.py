"""Hostile files for every reader, run through ``feedsync validate`` (in process): each case states the exit code,
and no case may end in a traceback or lose a row unnamed — every data row becomes an item of each channel or is
named by its row in a finding; a file refused as a whole (exit 2) says where (row, line or byte)."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.hostile.catalogs import (
    WRITERS,
    XML_HEAD,
    file_name,
    goods,
    google_xml,
    json_array,
    json_lines,
    native_csv,
    rows_of,
    unaccounted,
    woocommerce_csv,
    write_catalog,
    xml_item,
)

runner = CliRunner()
TABLES = ("csv", "tsv", "shopify", "woocommerce", "magento", "bigcommerce", "google_tsv")


@dataclass(frozen=True)
class Case:
    id: str
    fmt: str
    data: bytes
    exit: int
    rows: tuple[int, ...] = ()
    """Data rows that must each be an item or be named in a finding (checked when the exit code is not 2)."""
    codes: tuple[str, ...] = ()
    """Codes that must be among the findings."""
    error: str = ""
    """With exit 2: a regular expression the error message must match (it names the position)."""
    detect: bool = False
    extra: str = ""


def catalog(fmt: str, changes: dict[int, dict[str, str]] | None = None, count: int = 3) -> str:
    return WRITERS[fmt](goods(count, changes))


def _rows(fmt: str, count: int = 3) -> tuple[int, ...]:
    return tuple(rows_of(fmt, count))


GARBAGE = bytes((i * 37 + 11) % 256 for i in range(4096))


def _generic(fmt: str) -> list[Case]:
    """The same damage done to a clean three-product catalog of each delimited format."""
    text = catalog(fmt)
    header = text.split("\n", 1)[0] + "\n"
    lines = text.split("\n")
    ragged = "\n".join([*lines[:2], lines[2] + ",\t"[fmt in ("tsv", "google_tsv")] + "surplus", *lines[3:]])
    rows = _rows(fmt)
    unterminated = Case(
        f"{fmt}-unterminated-quote",
        fmt,
        text.replace("Merino Tee 2", '"Merino Tee 2').encode(),
        2,
        error=r"catalog\.\w+:3: a quoted field .* never closed",
    )
    if fmt == "magento":  # its quoted visibility ("Catalog, Search") closes the quote in the same row
        unterminated = Case(f"{fmt}-stray-quote", fmt, unterminated.data, 1, rows)
    return [
        Case(f"{fmt}-empty-file", fmt, b"", 2, error=r"catalog\.\w+: the file is empty"),
        Case(f"{fmt}-blank-lines-only", fmt, b"\n \r\n\t\n", 2, error=r"catalog\.\w+: the file is empty"),
        Case(f"{fmt}-header-only", fmt, header.encode(), 2, error=r"catalog\.\w+: no data rows"),
        Case(f"{fmt}-utf8-bom", fmt, codecs.BOM_UTF8 + text.encode(), 0, rows),
        Case(f"{fmt}-utf16-le-bom", fmt, text.encode("utf-16-le").join([codecs.BOM_UTF16_LE, b""]), 0, rows),
        Case(f"{fmt}-utf16-be-bom", fmt, codecs.BOM_UTF16_BE + text.encode("utf-16-be"), 0, rows),
        Case(f"{fmt}-utf32-bom", fmt, text.encode("utf-32"), 0, rows),
        Case(
            f"{fmt}-utf16-no-bom",
            fmt,
            text.encode("utf-16-le"),
            2,
            error=r"catalog\.\w+: byte \d+: .*UTF-16 without a byte order mark",
        ),
        Case(f"{fmt}-cp1252", fmt, text.replace("Tee 2", "Tée 2").encode("cp1252"), 0, rows, ("SRC003",)),
        Case(f"{fmt}-crlf", fmt, text.replace("\n", "\r\n").encode(), 0, rows),
        Case(f"{fmt}-cr", fmt, text.replace("\n", "\r").encode(), 0, rows),
        Case(f"{fmt}-nul-in-title", fmt, text.replace("Tee 2", "Tee\x002").encode(), 0, rows, ("SRC011",)),
        unterminated,
        Case(f"{fmt}-surplus-cell", fmt, ragged.encode(), 0, rows, ("SRC009",)),
        Case(f"{fmt}-binary-garbage", fmt, GARBAGE, 2, error=r"catalog\.\w+: .*(binary|byte \d+)"),
    ]


def _swallowing_quote() -> Case:
    """A quote opened in row 3 and closed by a stray quote in row 5: rows 3-5 become one record."""
    text = native_csv(goods(5)).replace("Merino Tee 2", '"Merino Tee 2').replace("Merino Tee 4", 'Merino "Tee 4')
    return Case("csv-quote-closed-rows-later", "csv", text.encode(), 1, (2, 3, 4), ("SRC010",))


def _json_cases() -> list[Case]:
    body = json_array(goods(3))
    deep = "[" * 100_000 + "]" * 100_000
    deep_value = body.replace('"Soft merino wool tee"', "[" * 50_000 + "]" * 50_000, 1)
    return [
        Case("json-empty-file", "json", b"", 2, error=r"catalog\.json: the file is empty"),
        Case("json-empty-array", "json", b"[]\n", 2, error=r"catalog\.json: no data rows"),
        Case("json-deep-nesting", "json", deep.encode(), 2, error=r"catalog\.json:1:\d+: .*nested too deeply"),
        Case("json-deep-value", "json", deep_value.encode(), 2, error=r"catalog\.json:2:\d+: .*nested too deeply"),
        Case("json-scalar", "json", b"42\n", 2, error=r"catalog\.json:1: expected a JSON array"),
        Case("json-object", "json", b'{"id": "A"}\n', 2, error=r"catalog\.json:1: expected a JSON array"),
        Case("json-array-of-scalars", "json", b'[\n1,\n"x",\nnull\n]', 1, (2, 3, 4), ("SRC001",)),
        Case("json-two-arrays", "json", (body + body).encode(), 2, error=r"catalog\.json:6: .*after the JSON array"),
        Case("json-trailing-garbage", "json", (body + "garbage").encode(), 2, error=r"catalog\.json:6: .*after"),
        Case("json-trailing-comma", "json", body.replace("\n]", ",\n]").encode(), 2, error=r"catalog\.json:\d+"),
        Case("json-unterminated-string", "json", body.replace('"SKU-2"', '"SKU-2').encode(), 2, error=r":\d+:\d+"),
        Case("json-truncated", "json", body[: len(body) // 2].encode(), 2, error=r"catalog\.json:\d+"),
        Case("json-utf16-bom", "json", body.encode("utf-16"), 0, _rows("json")),
        Case("json-utf32-bom", "json", body.encode("utf-32"), 0, _rows("json")),
        Case("json-utf8-bom", "json", codecs.BOM_UTF8 + body.encode(), 0, _rows("json")),
        Case("json-cp1252", "json", body.replace("Tee 2", "Tée 2").encode("cp1252"), 0, _rows("json"), ("SRC003",)),
        Case("json-nan-literal", "json", body.replace('"20.00"', "NaN", 1).encode(), 1, _rows("json"), ("MDL002",)),
        Case("json-1e400", "json", body.replace('"20.00"', "1e400", 1).encode(), 1, _rows("json"), ("MDL002",)),
        Case("json-infinity", "json", body.replace('"20.00"', "-Infinity", 1).encode(), 1, _rows("json")),
        Case("json-huge-int", "json", body.replace('"20.00"', "9" * 5000, 1).encode(), 1, _rows("json")),
        Case("json-binary-garbage", "json", GARBAGE, 2, error=r"catalog\.json: .*(binary|byte \d+)"),
        Case("json-nul-escape", "json", body.replace("Tee 2", "Tee\\u00002").encode(), 0, _rows("json"), ("SRC011",)),
        Case("json-lone-surrogate", "json", body.replace("Tee 2", "Tee \\ud8002").encode(), 0, _rows("json")),
    ]


def _jsonl_cases() -> list[Case]:
    lines = json_lines(goods(3)).splitlines(keepends=True)
    rows = _rows("jsonl")
    deep = "[" * 100_000 + "]" * 100_000 + "\n"
    return [
        Case("jsonl-empty-file", "jsonl", b"", 2, error=r"catalog\.jsonl: the file is empty"),
        Case("jsonl-bad-line-in-middle", "jsonl", "".join([lines[0], "{oops\n", *lines[1:]]).encode(), 1, (1, 2, 3, 4)),
        Case("jsonl-deep-line", "jsonl", "".join([lines[0], deep, *lines[1:]]).encode(), 1, (1, 2, 3, 4), ("SRC001",)),
        Case("jsonl-scalar-line", "jsonl", "".join([lines[0], "42\n", *lines[1:]]).encode(), 1, (1, 2, 3, 4)),
        Case("jsonl-huge-int", "jsonl", "".join([lines[0], "9" * 5000 + "\n", *lines[1:]]).encode(), 1, (1, 2, 3, 4)),
        Case("jsonl-utf16-bom", "jsonl", "".join(lines).encode("utf-16"), 0, rows),
        Case("jsonl-crlf", "jsonl", "".join(lines).replace("\n", "\r\n").encode(), 0, rows),
        Case("jsonl-no-final-newline", "jsonl", "".join(lines).rstrip("\n").encode(), 0, rows),
        Case("jsonl-binary-garbage", "jsonl", GARBAGE, 2, error=r"catalog\.jsonl: .*(binary|byte \d+)"),
    ]


def _xml(items: str, head: str = XML_HEAD) -> bytes:
    return (head + "<channel>" + items + "</channel>\n</rss>\n").encode()


def _xml_cases() -> list[Case]:
    items = "".join(xml_item(p) for p in goods(3))
    rows = _rows("google_xml")
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    entities = '<!ENTITY l0 "lol"><!ENTITY x SYSTEM "file:///etc/passwd">'
    dtd = f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n'
    rss = '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'
    hostile = items.replace("Merino Tee 1", "Merino Tee 1 &l0;").replace("Merino Tee 2", "Merino Tee 2 &x;")
    bomb = dtd.replace(entities, entities + laughs) + rss
    half = items.replace("</g:mpn></item>", "</g:mpx></item>", 1)
    wrong_ns = XML_HEAD.replace("base.google.com/ns/1.0", "example.com/not-google")
    atom = '<?xml version="1.0"?>\n<feed xmlns:g="http://base.google.com/ns/1.0">\n<entry><g:id>A</g:id></entry>\n'
    return [
        Case("xml-empty-file", "google_xml", b"", 2, error=r"catalog\.xml: the file is empty"),
        Case("xml-no-items", "google_xml", _xml(""), 2, error=r"catalog\.xml: no data rows"),
        Case("xml-entities-not-expanded", "google_xml", _xml(hostile, dtd + rss), 0, (4, 5, 6)),
        Case("xml-billion-laughs", "google_xml", _xml(hostile.replace("&l0;", "&l9;"), bomb), 2, error=r"xml:\d+:\d+"),
        Case("xml-not-well-formed-halfway", "google_xml", _xml(half), 2, error=r"catalog\.xml:3:\d+: not well-formed"),
        Case("xml-wrong-namespace", "google_xml", _xml(items, wrong_ns), 1, rows, ("MDL001",)),
        Case("xml-atom-without-namespace", "google_xml", (atom + "</feed>\n").encode(), 2, error=r"no data rows"),
        Case("xml-utf16", "google_xml", google_xml(goods(3)).replace("UTF-8", "UTF-16").encode("utf-16"), 0, rows),
        Case("xml-nul-byte", "google_xml", _xml(items.replace("Tee 2", "Tee\x002")), 2, error=r"catalog\.xml:\d+:\d+"),
        Case("xml-control-char-ref", "google_xml", _xml(items.replace("Tee 2", "Tee&#1;2")), 2, error=r":\d+:\d+"),
        Case("xml-truncated", "google_xml", _xml(items)[:300], 2, error=r"catalog\.xml:\d+:\d+"),
        Case("xml-deep-nesting", "google_xml", _xml("<x>" * 5000 + "</x>" * 5000), 2, error=r"catalog\.xml:\d+:\d+"),
        Case("xml-binary-garbage", "google_xml", GARBAGE, 2, error=r"catalog\.xml:1:1: not well-formed"),
    ]


def _value_cases() -> list[Case]:
    """Hostile values, each in product 2 (row 3 of a delimited file)."""

    def one(name: str, fmt: str, exit: int, codes: tuple[str, ...] = (), **values: str) -> Case:
        return Case(name, fmt, catalog(fmt, {1: values}).encode(), exit, _rows(fmt), codes)

    big = str(10**30)
    return [
        one("csv-price-nan", "csv", 1, ("MDL002",), price="NaN"),
        one("csv-price-infinity", "csv", 1, ("MDL002",), price="Infinity"),
        one("csv-price-1e400", "csv", 1, ("MDL002",), price="1e400"),
        one("csv-price-minus-zero", "csv", 1, price="-0"),
        one("csv-price-huge-integer", "csv", 1, price="9" * 5000),
        one("json-price-huge-integer", "json", 1, price="9" * 5000),
        one("shopify-price-nan", "shopify", 1, ("MDL002",), price="NaN", sale_price="nan"),
        one("shopify-qty-huge", "shopify", 1, quantity="9" * 5000),
        one("bigcommerce-price-infinity", "bigcommerce", 1, ("MDL002",), price="Infinity"),
        one("bigcommerce-stock-nan", "bigcommerce", 1, quantity="NaN"),
        one("magento-price-1e400", "magento", 1, ("MDL002",), price="1e400"),
        one("woocommerce-sale-unix-1e30", "woocommerce", 1, ("MDL005",), sale_price="10", sale_from=big),
        one("woocommerce-sale-year-0", "woocommerce", 1, ("MDL005",), sale_price="10", sale_to="0000-01-01"),
        one("woocommerce-sale-year-1", "woocommerce", 0, sale_price="10", sale_from="0001-01-01"),
        one("woocommerce-sale-year-9999", "woocommerce", 0, sale_price="10", sale_to="9999-12-31"),
        one("woocommerce-sale-year-10000", "woocommerce", 1, ("MDL005",), sale_price="10", sale_to="10000-01-01"),
        one("woocommerce-stock-nan", "woocommerce", 1, quantity="NaN"),
        one("magento-sale-unix-1e30", "magento", 1, ("MDL005",), sale_price="10", sale_to=big),
        one("magento-sale-year-9999", "magento", 0, sale_price="10", sale_to="9999-12-31 23:59:59"),
        one("id-with-control-characters", "csv", 0, ("SRC011",), id="SKU-\x01\x1b[31m-2"),
        one("title-100k-chars", "csv", 1, title="T" * 100_000),
        one("description-10MB", "csv", 1, description="d" * (10 << 20)),
        one("shopify-title-100k-chars", "shopify", 1, title="T" * 100_000),
        one("google-tsv-price-nan", "google_tsv", 1, ("MDL002",), price="NaN"),
    ]


def _native_sale_dates() -> list[Case]:
    def dated(name: str, window: str, exit: int, codes: tuple[str, ...] = ()) -> Case:
        return Case(
            name, "csv", catalog("csv", {1: {"sale_price": "10", "window": window}}).encode(), exit, _rows("csv"), codes
        )

    return [
        dated("csv-sale-year-0", "0000-01-01/2030-01-01", 1, ("MDL005",)),
        dated("csv-sale-year-1-with-offset", "0001-01-01T00:00:00+05:00/2030-01-01", 1),
        dated("csv-sale-year-9999-with-offset", "2020-01-01/9999-12-31T23:59:59-05:00", 1),
        dated("csv-sale-year-10000", "2020-01-01/10000-01-01", 1, ("MDL005",)),
    ]


def _platform_cases() -> list[Case]:
    woo_dup = woocommerce_csv(goods(3)).replace("Regular price,Sale price", "Regular price,Regular price", 1)
    shop = catalog("shopify")
    rows = _rows("csv")
    return [
        Case(
            "csv-duplicate-header",
            "csv",
            native_csv(goods(3)).replace(",brand,", ",title,", 1).encode(),
            1,
            rows,
            ("SRC002",),
        ),
        Case("woocommerce-duplicate-header", "woocommerce", woo_dup.encode(), 0, _rows("woocommerce")),
        Case(
            "shopify-row-without-handle", "shopify", shop.replace("\nsku-2,", "\n,", 1).encode(), 1, rows, ("SRC001",)
        ),
        Case("shopify-no-handle-column", "shopify", shop.replace("Handle,", "Nothing,", 1).encode(), 2, error=":1:"),
        Case(
            "magento-no-sku-column", "magento", catalog("magento").replace("sku,", "xku,", 1).encode(), 2, error=":1:"
        ),
        Case(
            "bigcommerce-unknown-item-type",
            "bigcommerce",
            catalog("bigcommerce").replace("\nProduct,1", "\nX,1", 1).encode(),
            1,
            _rows("bigcommerce"),
            ("SRC001",),
        ),
    ]


def _detect_cases() -> list[Case]:
    text = catalog("shopify")
    return [
        Case("auto-empty-file", "csv", b"", 2, error=r"catalog\.csv: the file is empty", detect=True),
        Case("auto-binary-garbage", "csv", GARBAGE, 2, error=r"catalog\.csv: .*(binary|byte \d+)", detect=True),
        Case("auto-shopify-utf16", "shopify", text.encode("utf-16"), 0, _rows("shopify"), detect=True),
        Case("auto-json-utf16", "json", json_array(goods(3)).encode("utf-16"), 0, _rows("json"), detect=True),
        Case("auto-jsonl-utf32", "jsonl", json_lines(goods(3)).encode("utf-32"), 0, _rows("jsonl"), detect=True),
        Case(
            "auto-xml-utf16",
            "google_xml",
            google_xml(goods(3)).replace("UTF-8", "UTF-16").encode("utf-16"),
            0,
            _rows("google_xml"),
            detect=True,
        ),
        Case("auto-utf16-no-bom", "csv", catalog("csv").encode("utf-16-le"), 2, error=r"UTF-16", detect=True),
        Case("auto-json-deep", "json", b"[" * 100_000, 2, error=r"catalog\.json:1:\d+", detect=True),
    ]


CASES = [
    *(case for fmt in TABLES for case in _generic(fmt)),
    _swallowing_quote(),
    *_json_cases(),
    *_jsonl_cases(),
    *_xml_cases(),
    *_value_cases(),
    *_native_sale_dates(),
    *_platform_cases(),
    *_detect_cases(),
]


def validate(config: Path) -> tuple[int, dict | None, str]:
    """Run ``feedsync validate --format json``; (exit code, the JSON report or None, stderr). A traceback (an
    exception other than the exit) fails the test."""
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("unhandled exception") from result.exception
    assert "Traceback" not in result.output and result.exit_code != 70
    report = json.loads(result.stdout) if result.stdout.startswith("{") else None
    return result.exit_code, report, result.stderr


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file(tmp_path: Path, case: Case) -> None:
    config = write_catalog(tmp_path, case.fmt, case.data, detect=case.detect, extra=case.extra)
    code, report, stderr = validate(config)
    assert code == case.exit, stderr + json.dumps(report, indent=1)[:3000]
    if code == 2:
        assert re.search(case.error, stderr), stderr
        return
    assert report is not None
    found = {d["code"] for d in report["diagnostics"]}
    assert set(case.codes) <= found, found
    assert report["summary"]["variants"] <= len(case.rows) or not case.rows
    assert unaccounted(report, tmp_path / file_name(case.fmt), case.rows) == {}


def test_the_table_covers_every_reader_with_sixty_cases() -> None:
    per_reader: dict[str, int] = {}
    for case in CASES:
        per_reader[case.fmt] = per_reader.get(case.fmt, 0) + 1
    assert set(per_reader) == set(WRITERS) and len(CASES) >= 60
    assert any(case.detect for case in CASES)
