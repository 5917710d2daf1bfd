"""The native catalog kept as an Excel workbook: its first sheet read as the CSV saved from it would be (typed
cells as Excel shows them), its rows numbered as Excel numbers them, and the feeds byte for byte those of the
CSV."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from feedsync import pipeline
from feedsync.config import SourceConfig, load_config
from feedsync.diagnostics import Diagnostic
from feedsync.errors import SourceError
from feedsync.sources import open_source
from feedsync.sources.base import resolve_format
from feedsync.sources.xlsx import cell_text, is_workbook
from tests.conftest import REPO

HEADER = ["id", "group_id", "title", "description", "link", "image_link", "price", "sale_price",
          "sale_price_effective_date", "availability", "quantity", "brand", "gtin", "color", "size"]  # fmt: skip


def workbook(path: Path, rows: list[list[Any]], *, sheets: tuple[str, ...] = ()) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Catalog"
    for row in rows:
        sheet.append(row)
    for name in sheets:
        book.create_sheet(name)
    book.save(path)
    return path


def typed_rows() -> list[list[Any]]:
    """Rows as a spreadsheet user types them: numbers as numbers, dates as dates."""
    return [
        HEADER,
        ["TEE-S", "TEE", "Tee", "Soft & warm", "/tee", "/tee.jpg", 19.99, 14.5, None, "in stock", 7, "Acme",
         4006381333931, "Navy", "S"],
        ["TEE-M", "TEE", "Tee", "Soft & warm", "/tee", "/tee.jpg", 0.1 + 0.2, None, None, "in stock", 0, "Acme",
         None, "Navy", "M"],
        [],  # (a blank row: Excel's row numbers go on)
        ["MUG", None, "Mug", "A mug", "/mug", "/mug.jpg", 12, 9.99, None, "in stock", 3, "Acme", 4006381333931.0,
         None, None],
    ]  # fmt: skip


def as_csv(rows: list[list[Any]]) -> str:
    """The CSV Excel saves of ``rows`` (its general form: ``cell_text``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if row:
            writer.writerow([cell_text(value) for value in row] + [""] * (len(HEADER) - len(row)))
    return out.getvalue()


def config(directory: Path, source: str) -> Path:
    text = (
        f"source: {{path: {source}, currency: USD, base_url: 'https://shop.example.com', timezone: Europe/Berlin}}\n"
        "channels:\n  google: {profile: google_merchant}\n  facebook: {profile: facebook}\n"
        "  amazon: {profile: amazon, settings: {seller_id: A2TEST, marketplace: US}}\n"
    )
    path = directory / f"{source}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def build(directory: Path, source: str) -> tuple[dict[str, bytes], list[Diagnostic]]:
    out = directory / f"out-{source}"
    report = pipeline.run(load_config(config(directory, source)), "build", out_dir=out, validate=True)
    feeds = {path.name: path.read_bytes() for path in sorted(out.iterdir()) if path.is_file()}
    return feeds, list(report.diagnostics)


def test_a_workbook_of_typed_cells_builds_the_feeds_of_its_csv(tmp_path: Path) -> None:
    rows = typed_rows()
    rows[1][8] = f"{date(2026, 11, 20).isoformat()}/{date(2026, 12, 24).isoformat()}"
    workbook(tmp_path / "products.xlsx", rows)
    (tmp_path / "products.csv").write_text(as_csv(rows), encoding="utf-8")
    assert resolve_format(SourceConfig(path=tmp_path / "products.xlsx")) == "xlsx"
    from_sheet, sheet_found = build(tmp_path, "products.xlsx")
    from_csv, csv_found = build(tmp_path, "products.csv")
    assert from_sheet == from_csv and set(from_sheet) == {"google.xml", "facebook.csv", "amazon.json"}
    google = from_sheet["google.xml"].decode()
    assert "<g:price>19.99 USD</g:price>" in google and "<g:price>0.30 USD</g:price>" in google
    assert google.count("<g:gtin>4006381333931</g:gtin>") == 2  # an integer typed as a number, and as a float
    sheet_rows = {d.product_id: d.location.row for d in sheet_found if d.location and d.location.row}
    csv_rows = {d.product_id: d.location.row for d in csv_found if d.location and d.location.row}
    assert sheet_rows == {"TEE-S": 2, "TEE-M": 3, "MUG": 5}  # the blank row 4 is a row of the sheet
    assert csv_rows == {"TEE-S": 2, "TEE-M": 3, "MUG": 4}  # (and no line of the CSV)
    assert [(d.code, d.location.path if d.location else None) for d in sheet_found if d.code == "SRC015"] == []


def test_cells_are_the_text_excel_shows() -> None:
    assert cell_text(19.989999999999998) == "19.99" and cell_text(0.1 + 0.2) == "0.3"
    assert cell_text(4006381333931) == "4006381333931" and cell_text(4006381333931.0) == "4006381333931"
    assert cell_text(1e16) == "10000000000000000" and cell_text(-2.5e-7) == "-0.00000025"
    assert (cell_text(True), cell_text(False), cell_text(None), cell_text(" x ")) == ("TRUE", "FALSE", "", " x ")
    midnight = datetime(2026, 11, 20)
    assert cell_text(midnight, "yyyy-mm-dd") == "2026-11-20"
    assert cell_text(midnight, "yyyy-mm-dd h:mm") == "2026-11-20T00:00:00"
    assert cell_text(datetime(2026, 11, 20, 10, 30, 5, 999), "General") == "2026-11-20T10:30:05"
    assert cell_text(time(9, 15)) == "09:15:00" and cell_text("#N/A") == "#N/A"


def test_findings_name_the_row_excel_shows_and_other_sheets_are_named(tmp_path: Path) -> None:
    rows = typed_rows()
    rows[4][6] = "twelve"  # row 5 of the sheet (after the blank row 4)
    rows[2] += ["", "stray"]  # a value beyond the header's columns
    path = workbook(tmp_path / "p.xlsx", rows, sheets=("Notes", "Old prices"))
    found: list[Diagnostic] = []
    source = open_source(SourceConfig(path=path, currency="USD", base_url="https://s.example"))
    products = list(source.products(found.append))
    assert [p.id for p in products] == ["TEE-S", "TEE-M"]
    located = {(d.code, d.location.row if d.location else None, d.location.column if d.location else None)
               for d in found}  # fmt: skip
    assert ("MDL002", 5, 7) in located and ("SRC009", 3, 16) in located
    [sheets] = [d for d in found if d.code == "SRC015"]
    assert "the first, 'Catalog', is read ('Notes', 'Old prices' not)" in sheets.message


def test_an_empty_sheet_a_broken_workbook_and_a_workbook_read_as_csv_are_clear_errors(tmp_path: Path) -> None:
    empty = workbook(tmp_path / "empty.xlsx", [])
    with pytest.raises(SourceError, match="the sheet 'Catalog' is empty"):
        list(open_source(SourceConfig(path=empty, currency="USD")).products(pytest.fail))
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    assert is_workbook(broken)
    with pytest.raises(SourceError, match="not an Excel workbook feedsync can read"):
        list(open_source(SourceConfig(path=broken, currency="USD")).products(pytest.fail))
    sheet = workbook(tmp_path / "p.xlsx", typed_rows())
    with pytest.raises(SourceError, match=r"looks like a binary file.*save it as an Excel workbook \(\.xlsx\)"):
        list(open_source(SourceConfig(path=sheet, currency="USD", format="csv")).products(pytest.fail))


def test_a_workbook_is_never_split_by_rows_read_a_column_at_a_time_or_cached_by_lines(tmp_path: Path) -> None:
    """Those read a text file's bytes: a workbook is a zip."""
    from feedsync.rows import _unsplittable

    workbook(tmp_path / "products.xlsx", typed_rows())
    loaded = load_config(config(tmp_path, "products.xlsx"))
    from feedsync.channels.profile import compile_channels

    assert _unsplittable(loaded, compile_channels(loaded)) == "the xlsx reader is not split by rows"
    from feedsync.columnar.gate import _refused

    source = open_source(loaded.source)
    assert (
        _refused(loaded, compile_channels(loaded), source) == "the source is not a native CSV file or a Shopify export"
    )
    assert (REPO / "feedsync" / "sources" / "xlsx.py").is_file()


def test_a_platform_export_saved_as_a_workbook_is_refused_with_what_to_do(tmp_path: Path) -> None:
    header = ["Handle", "Title", "Body (HTML)", "Vendor", "Option1 Name", "Option1 Value", "Variant SKU",
              "Variant Price", "Variant Inventory Policy", "Image Src", "Status"]  # fmt: skip
    path = workbook(
        tmp_path / "export.xlsx", [header, ["tee", "Tee", "", "Acme", "Size", "S", "T-S", 20, "deny", "", "active"]]
    )
    with pytest.raises(SourceError, match=r"looks like a shopify export saved as an Excel workbook.*CSV UTF-8"):
        resolve_format(SourceConfig(path=path))
    assert resolve_format(SourceConfig(path=workbook(tmp_path / "native.xlsx", typed_rows()))) == "xlsx"


def test_rows_and_columns_beyond_the_size_a_workbook_claims_are_read(tmp_path: Path) -> None:
    """A workbook whose stored size (its sheet's ``dimension``) says two columns and two rows, as some programs
    write it wrongly: every row and column with a value is read."""
    import re

    path = workbook(tmp_path / "claims.xlsx", typed_rows())
    wrong = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(wrong, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', data)
                assert b'<dimension ref="A1:B2"/>' in data
            target.writestr(item, data)
    source = open_source(SourceConfig(path=wrong, currency="USD", base_url="https://s.example"))
    products = list(source.products(pytest.fail))
    assert [p.id for p in products] == ["TEE-S", "TEE-M", "MUG"]
    assert products[2].gtin == "4006381333931" and str(products[0].price.amount) == "19.99"


def test_a_number_in_a_format_of_zeros_keeps_its_leading_zeros_as_excel_s_csv_does(tmp_path: Path) -> None:
    """A UPC-A typed as 012345678905 in a cell formatted ``000000000000`` (how Excel keeps its leading zero) was read
    as 12345678905, a GTIN of 11 digits; Excel shows it, and saves it to CSV, as 012345678905. Every other format
    keeps the general form."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "title", "price", "gtin", "mpn", "quantity"])
    sheet.append(["A", "T", 19.99, 12345678905, 7.0, 3])
    sheet.append(["B", "T", 20, 4006381333931, 7.5, 3])
    for row, formats in ((2, ("0", "000000000000", "0000", "0.00")), (3, ("0", "0000000000000", "0000", "0"))):
        for column, number_format in zip((3, 4, 5, 6), formats, strict=True):
            sheet.cell(row, column).number_format = number_format
    book.save(tmp_path / "p.xlsx")
    products, found = read_products(tmp_path / "p.xlsx")
    assert found == []
    assert [(p.gtin, p.mpn, str(p.price), p.quantity) for p in products] == [
        ("012345678905", "0007", "19.99 USD", 3),
        ("4006381333931", "7.5", "20.00 USD", 3),  # (a fraction in a format of zeros: as in the general form)
    ]
    assert (cell_text(12345678905, "000000000000"), cell_text(-5.0, "000"), cell_text(5, "0")) == (
        "012345678905",
        "-005",
        "5",
    )
    assert (cell_text(12345678905, "0.00"), cell_text(12345678905, "General"), cell_text(True, "000")) == (
        "12345678905",
        "12345678905",
        "TRUE",
    )


def read_products(path: Path) -> tuple[list[Any], list[Diagnostic]]:
    found: list[Diagnostic] = []
    products = list(open_source(SourceConfig(path=path, currency="USD")).products(found.append))
    return products, found


def _damaged(path: Path, rows: list[list[Any]], damage: Any) -> Path:
    """A workbook of ``rows`` whose first sheet's XML is ``damage(xml)``."""
    whole = workbook(path.with_name("whole.xlsx"), rows)
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            archive.writestr(name, damage(data) if name == "xl/worksheets/sheet1.xml" else data)
    return path


def test_a_damaged_sheet_is_a_source_error_naming_the_file_and_the_sheet_not_an_internal_error(
    tmp_path: Path,
) -> None:
    """A sheet whose XML is cut short inside the zip, or that names a shared string the workbook lacks, raised
    openpyxl's error while the rows were read (only opening the workbook was guarded): exit 70, "internal error".
    It is a source error (exit 2) naming the file, the sheet and the last row read."""
    rows = [["id", "title", "price"], *[[f"A{n}", "Tee " * 20, 19.99] for n in range(400)]]
    cut = _damaged(tmp_path / "cut.xlsx", rows, lambda xml: xml[: len(xml) // 2])
    with pytest.raises(SourceError, match=r"cut\.xlsx: the sheet 'Catalog' is damaged after row \d+ \(ParseError: "):
        list(open_source(SourceConfig(path=cut, currency="USD")).products(lambda d: None))
    missing = _damaged(
        tmp_path / "strings.xlsx",
        [["id", "title", "price"], ["A", "Tee", 1]],
        lambda xml: xml.replace(b'<c r="B2" t="inlineStr"><is><t>Tee</t></is></c>', b'<c r="B2" t="s"><v>99</v></c>'),
    )
    with pytest.raises(SourceError, match=r"strings\.xlsx: the sheet 'Catalog' is damaged after row 1 \(IndexError"):
        list(open_source(SourceConfig(path=missing, currency="USD")).products(lambda d: None))
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: cut.xlsx, currency: USD}\nchannels:\n  g: {profile: google_merchant}\n", encoding="utf-8"
    )
    from typer.testing import CliRunner

    from feedsync.cli.app import app

    result = CliRunner().invoke(app, ["validate", "-c", str(tmp_path / "feedsync.yaml")])
    assert result.exit_code == 2 and "the sheet 'Catalog' is damaged" in result.output + result.stderr


@pytest.mark.parametrize("fmt", ["auto", "csv", "xlsx"])
def test_an_encrypted_or_legacy_workbook_and_a_cut_one_are_told_as_such(tmp_path: Path, fmt: str) -> None:
    """A workbook cut short (its zip unreadable) and an encrypted (password-protected) one, a Compound File as a
    legacy .xls is, were told "looks like a binary file, not text ... save it as an Excel workbook (.xlsx)": to a
    user who had. Each is now told what it is and what to do."""
    whole = workbook(tmp_path / "whole.xlsx", typed_rows()).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    encrypted = tmp_path / "locked.xlsx"  # (the first bytes of a Compound File, then its sectors)
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"\xff" * 3000 + bytes(range(256)) * 8)
    with pytest.raises(SourceError, match=r"cut\.xlsx: a damaged zip file, as a damaged Excel workbook \(\.xlsx\) is"):
        list(open_source(SourceConfig(path=cut, currency="USD", format=fmt)).products(pytest.fail))
    with pytest.raises(
        SourceError,
        match=r"locked\.xlsx: an encrypted \(password-protected\) Excel workbook, or a legacy Excel 97-2003",
    ):
        list(open_source(SourceConfig(path=encrypted, currency="USD", format=fmt)).products(pytest.fail))


@pytest.mark.parametrize("piece", [1 << 20, 40])
def test_formulas_no_program_computed_are_told_per_column_and_excel_s_empty_text_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    """A workbook a script wrote (openpyxl) holds its formulas without values: a sale price of ``=C2*0.8`` was read
    empty, the sale lost with no finding. Each column with such cells is told once (SRC019: how many, the first
    row); a formula Excel computed to the empty text (``t="str"``, an empty value) and the header's cells are not.
    The sheet's XML is read a piece at a time (40 bytes: every cell across pieces)."""
    import re

    monkeypatch.setattr("feedsync.sources.xlsx._PIECE", piece)
    rows = [
        ["id", "title", "price", "sale_price", "custom_label_0", "=1+1"],
        ["A", "Tee", 10, "=C2*0.8", '=IF(C2>100,"big","")', ""],
        ["B", "Cap", 5, 4, '=IF(C3>100,"big","")', ""],
        ["C", "Hat", 20, "=C4*0.8", "x", ""],
    ]
    path = workbook(tmp_path / "script.xlsx", rows)
    computed = tmp_path / "computed.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(computed, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):  # (as Excel saves an IF giving "")
                data = re.sub(rb'<c r="E([23])"><f>', rb'<c r="E\1" t="str"><f>', data)
                # a text formula with no value at all (nothing computed it), its end tags spaced
                data = data.replace(
                    b'<c r="B4" t="inlineStr"><is><t>Hat</t></is></c>', b'<c r="B4" t="str"><f>"Hat"</f ></c >'
                )
                assert b'<c r="B4" t="str"><f>"Hat"</f ></c >' in data
            target.writestr(item, data)
    found: list[Diagnostic] = []
    source = open_source(SourceConfig(path=computed, currency="USD", base_url="https://s.example"))
    products = list(source.products(found.append))
    assert [(p.id, p.sale_price and str(p.sale_price)) for p in products] == [("A", None), ("B", "4.00 USD")]
    assert [(d.code, d.location.row) for d in found if d.code == "MDL001"] == [("MDL001", 4)]  # (C: its title)
    told = [(d.code, d.location.row, d.location.column, d.location.column_name) for d in found if d.code == "SRC019"]
    assert told == [("SRC019", 4, 2, "title"), ("SRC019", 2, 4, "sale_price")]
    assert [d for d in found if d.code == "SRC019"][1].message.startswith(
        "2 cell(s) of column 'sale_price' hold a formula with no value saved (the first in row 2)"
    )
