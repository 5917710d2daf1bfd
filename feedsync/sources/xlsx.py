"""The native catalog as an Excel workbook (``.xlsx``, ``.xlsm``): its first worksheet read as a CSV file saved from
it would be, through openpyxl (read-only, streaming; the cells' values as Excel last computed them).

- The header is the sheet's first row with a value; each later row with a value is a record, numbered as Excel
  numbers it (the header is row 1 of a sheet that starts at the top), so findings point at the cell a user sees.
- A cell is the text Excel shows in its general form: a number to 15 significant digits (Excel's precision:
  ``19.99``, never ``19.989999999999998``; ``4006381333931`` as an integer, without an exponent; a whole number in a
  format made only of zeros, ``000000000000``, padded with leading zeros to its width, as Excel shows it and saves
  it to CSV: ``012345678905``), a date formatted without a time of day as ``YYYY-MM-DD``, another date-time as
  ``YYYY-MM-DDTHH:MM:SS`` (read in ``source.timezone``, as the native CSV's), a Boolean as ``TRUE``/``FALSE``, an
  error as its code (``#N/A``).
- A formula's value is the one Excel saved with the file (a formula no spreadsheet program computed, in a workbook
  a script wrote, has none: its cell is empty, told per column, SRC019, and a value every product needs is told
  missing, MDL001).
- Other sheets are not read; a workbook of several says which one was (SRC015, info).

The workbook is a zip of XML: it is never split by rows, nor read a column at a time, nor cached by its raw lines
(those read the bytes of a text file).
"""

from __future__ import annotations

import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError
from feedsync.sources.tabular import Table
from feedsync.values import number_text

SUFFIXES = (".xlsx", ".xlsm")
_ZIP = b"PK\x03\x04"
_TIME_TOKENS = ("h", "s", "am/pm", "a/p")


def is_workbook(path: Path) -> bool:
    """Whether ``path`` is an Excel workbook (a zip holding ``xl/workbook.xml``), whatever its name."""
    try:
        with path.open("rb") as handle:
            if handle.read(4) != _ZIP:
                return False
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""The first bytes of a Compound File: an encrypted (password-protected) workbook, or a legacy .xls workbook."""


def unreadable_workbook(path: Path, head: bytes) -> str | None:
    """What to tell of a file whose first bytes (``head``) are those of a workbook feedsync cannot read (None: they
    are not): an encrypted (password-protected) or legacy .xls workbook, or a zip file that is damaged (a workbook cut
    short). A readable zip (a workbook, or another one) is None: the caller tells it."""
    if head.startswith(_OLE2):
        return (
            f"{path}: an encrypted (password-protected) Excel workbook, or a legacy Excel 97-2003 (.xls) one, which "
            "feedsync cannot read. Open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt "
            "with Password) and save it as an Excel workbook (.xlsx), or save the sheet as CSV UTF-8"
        )
    if head.startswith(_ZIP):
        try:
            with zipfile.ZipFile(path):
                return None
        except OSError:  # (not read: the caller tells what it can of its bytes)
            return None
        except (zipfile.BadZipFile, EOFError) as exc:
            return (
                f"{path}: a damaged zip file, as a damaged Excel workbook (.xlsx) is ({exc}): cut short by a copy or a "
                "save that did not finish. Save the workbook again from Excel (or save the sheet as CSV UTF-8)"
            )
    return None


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(len(_OLE2))
    except OSError:
        return b""


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A cell's value as the text Excel shows in its general form (see the module's docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if number_format and isinstance(value, (int, float)) and _zero_padded(number_format):
        padded = _padded(value, len(number_format))
        if padded is not None:
            return padded
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, datetime):
        timed = any(token in (number_format or "").lower() for token in _TIME_TOKENS)
        if not timed and value.time() == time(0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _zero_padded(number_format: str) -> bool:
    """Whether a number format is made only of ``0`` characters (``000000000000``, the usual way to keep a UPC-A's
    leading zero in Excel): Excel shows (and saves to CSV) a whole number with at least as many digits, padded with
    leading zeros."""
    return number_format.strip("0") == ""


def _padded(value: float, width: int) -> str | None:
    """A whole number's digits padded with leading zeros to ``width`` (None: not a whole number, which is shown as
    in the general form)."""
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        return None
    digits = str(abs(int(value))).zfill(width)
    return f"-{digits}" if value < 0 else digits


def sheet_header(path: Path) -> list[str]:
    """The names of the first sheet's header, as written (trimmed)."""
    with open_sheet(SourceConfig.model_construct(path=path)) as table:
        return table.header


@contextmanager
def open_sheet(config: SourceConfig, emit: Emit | None = None) -> Iterator[Table]:
    """The workbook's first worksheet as a ``Table`` of text cells (``cell_text``)."""
    try:
        from openpyxl import load_workbook
    except ImportError:  # (a dependency: only a broken install lacks it)
        raise SourceError(f"{config.path}: reading an Excel workbook needs openpyxl: pip install openpyxl") from None
    path = config.path
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except _DAMAGED as exc:
        problem = unreadable_workbook(path, _head(path))
        if problem is not None:
            raise SourceError(problem) from None
        raise SourceError(f"{path}: not an Excel workbook feedsync can read ({type(exc).__name__}: {exc})") from None
    try:
        if not workbook.worksheets:
            raise SourceError(f"{path}: the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        if len(workbook.sheetnames) > 1 and emit is not None:
            others = ", ".join(repr(name) for name in workbook.sheetnames[1:])
            emit(
                make(
                    "SRC015",
                    f"the workbook has {len(workbook.sheetnames)} sheets: the first, {sheet.title!r}, is read "
                    f"({others} not)",
                    location=Location(str(path)),
                )
            )
        rows = _rows(sheet, str(path), emit)
        try:
            header_row, header = next(rows)
        except StopIteration:
            raise SourceError(f"{path}: the sheet {sheet.title!r} is empty") from None
        while header and not header[-1].strip():
            header.pop()
        if emit is not None:
            _tell_unsaved(workbook, sheet, header_row, header, str(path), emit)
        records = _records(rows, len(header), str(path), emit)
        yield Table(str(path), [h.strip() for h in header], "", "xlsx", header_row, records)
    finally:
        workbook.close()


_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, IndexError, ValueError, SyntaxError)
"""What openpyxl raises reading a damaged sheet: its XML cut short or broken (``ParseError``, a ``SyntaxError``),
its compressed data broken (``zlib.error``, ``EOFError``, a bad CRC), a shared string it names missing
(``IndexError``)."""


def _rows(sheet: Any, path: str, emit: Emit | None) -> Iterator[tuple[int, list[str]]]:
    """(Excel's row number, its cells as text) of every row with a value. A sheet that breaks off (a damaged
    workbook) is a SourceError naming the file, the sheet and the last row read."""
    number = 0
    sheet.reset_dimensions()  # (read-only, openpyxl reads no further than the size the file claims, which some
    # programs that write workbooks get wrong: a row or a column beyond it was lost without a word)
    rows = sheet.iter_rows()
    while True:
        try:
            cells = next(rows, None)
        except _DAMAGED as exc:
            where = f"after row {number}" if number else "at its start"
            raise SourceError(
                f"{path}: the sheet {sheet.title!r} is damaged {where} ({type(exc).__name__}: {exc}): the workbook "
                "cannot be read. Open it in Excel and save it again (Excel repairs what it can), or save the sheet "
                "as CSV UTF-8"
            ) from None
        if cells is None:
            return
        number = next((cell.row for cell in cells if getattr(cell, "row", None)), number + 1)
        texts = [cell_text(cell.value, getattr(cell, "number_format", None)) for cell in cells]
        if any(text.strip() for text in texts):
            yield number, texts


def _records(
    rows: Iterator[tuple[int, list[str]]], width: int, path: str, emit: Emit | None
) -> Iterator[tuple[int, list[str]]]:
    """The records after the header; cells beyond the header's are told (SRC009), as the CSV reader tells them."""
    for number, cells in rows:
        if len(cells) > width:
            extra = next((c for c in cells[width:] if c.strip()), None)
            if extra is not None and emit is not None:
                emit(
                    make(
                        "SRC009",
                        f"row has a value in column {width + 1 + cells[width:].index(extra)} but the header {width} "
                        "columns: the cells after its last are not read",
                        value=extra[:80],
                        location=Location(path, number, width + 1),
                    )
                )
            cells = cells[:width]
        yield number, cells


_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
"""Where a cell begins in a sheet's XML (``<c r=...>``, with a namespace's prefix or not)."""
_UNSAVED = re.compile(
    rb"<(?:\w+:)?c(\s[^>]*)?>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f\s*>)\s*"
    rb"(<(?:\w+:)?v\b[^>]*?/>|<(?:\w+:)?v\b[^>]*>\s*</(?:\w+:)?v\s*>)?\s*</(?:\w+:)?c\s*>"
)
"""A cell holding a formula and no value (none, or an empty one: group 2). Cells without an ``r`` attribute (which
a writer may leave out) are not told."""
_REF = re.compile(rb'\br\s*=\s*["\']([A-Z]{1,3})([0-9]{1,7})["\']')
_STRING = re.compile(rb'\bt\s*=\s*["\']str["\']')
_PIECE = 1 << 20
_LONGEST_CELL = 16 << 20


def _tell_unsaved(workbook: Any, sheet: Any, header_row: int, header: list[str], path: str, emit: Emit) -> None:
    """SRC019 for each column of the header whose cells hold a formula with no value saved (a workbook a program
    wrote that computes no formulas: openpyxl, a script): openpyxl reads them empty, as Excel would show nothing
    there until it computed them. A formula whose value is the empty text (``t="str"``, an ``IF`` giving ``""``) is
    one Excel computed. The sheet's XML is scanned once as it is decompressed (its zip entry: what openpyxl named
    it; a workbook whose entry cannot be found is not scanned)."""
    from openpyxl.utils.cell import column_index_from_string

    member = getattr(sheet, "_worksheet_path", None)
    archive = getattr(workbook, "_archive", None)
    if not isinstance(member, str) or not isinstance(archive, zipfile.ZipFile):
        return
    found: dict[int, list[int]] = {}  # column -> [cells, first row]
    try:
        with archive.open(member) as source:
            carry = b""
            while True:
                piece = source.read(_PIECE)
                text = carry + piece
                if not piece:
                    cut = len(text)
                else:  # (up to the last cell's start: that cell may go on in the next piece)
                    starts = [m.start() for m in _CELL.finditer(text, max(0, len(text) - (1 << 16)))]
                    cut = starts[-1] if starts else (len(text) if len(text) > _LONGEST_CELL else 0)
                formulas = b"<f" in text or b":f" in text  # (most sheets hold none: no scan of their cells)
                for match in _UNSAVED.finditer(text, 0, cut) if formulas else ():
                    attributes = match.group(1) or b""
                    ref = _REF.search(attributes)
                    computed_empty = match.group(2) is not None and _STRING.search(attributes)  # (Excel's "")
                    if ref is None or computed_empty or int(ref.group(2)) <= header_row:
                        continue
                    column = column_index_from_string(ref.group(1).decode("ascii"))
                    row = int(ref.group(2))
                    entry = found.setdefault(column, [0, row])
                    entry[0] += 1
                    entry[1] = min(entry[1], row)
                carry = text[cut:]
                if not piece:
                    break
    except _DAMAGED:  # (the rows' read tells a damaged sheet)
        return
    for column in sorted(found):
        if column > len(header):
            continue
        cells, first = found[column]
        name = header[column - 1].strip()
        emit(
            make(
                "SRC019",
                f"{cells} cell(s) of column {name!r} hold a formula with no value saved (the first in row {first}): "
                "the workbook was written by a program that computes no formulas, so they are read empty. Open it "
                "in Excel or LibreOffice and save it (or write the values instead of formulas)",
                location=Location(path, first, column, name),
            )
        )
