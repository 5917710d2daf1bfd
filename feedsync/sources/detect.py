"""``format: auto``: tell the source format from the file's first bytes and header (research notes §6), by asking
the detectors the reader modules register; and the peeks they share."""

from __future__ import annotations

from pathlib import Path

from feedsync.errors import SourceError
from feedsync.sources.tabular import excel_sep, header_key, sniff_delimiter, sniff_encoding

_PEEK = 1 << 16


def header_keys(path: Path, encoding: str | None = None) -> list[str]:
    """The normalized names of the first non-blank line, split on its sniffed delimiter."""
    return [header_key(h) for h in header_names(path, encoding)]


def header_names(path: Path, encoding: str | None = None) -> list[str]:
    """The names of the first non-blank line as written (trimmed), split on its sniffed delimiter (after Excel's
    ``sep=`` line: on the delimiter it names; of an Excel workbook: its first sheet's header)."""
    import csv

    from feedsync.sources.xlsx import is_workbook, sheet_header

    if is_workbook(path):
        return sheet_header(path)
    text = _peek_text(path, encoding)
    lines = text.splitlines()
    named = excel_sep(lines[0]) if lines else None
    for line in lines[1:] if named is not None else lines:
        line = line.lstrip(" \t\ufeff")
        if line.strip():
            return [h.strip() for h in next(csv.reader([line], delimiter=named or sniff_delimiter(line)), [])]
    return []


def _peek_text(path: Path, configured: str | None = None) -> str:
    try:
        with path.open("rb") as handle:
            data = handle.read(_PEEK)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    encoding = configured or sniff_encoding(path, data)
    if encoding is not None:  # UTF-16/32: a character cut by the peek is dropped
        return data.decode(encoding, errors="ignore")
    try:
        return data.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:  # a character cut by the peek
            return data[: exc.start].decode("utf-8-sig")
        return data.decode("cp1252", errors="replace")


def detect_format(path: Path, encoding: str | None = None) -> str:
    """The reader for ``path`` (in ``encoding``, else the one its BOM or bytes tell): the first registered detector
    (in rank order: content first, then header columns, then the extension) that recognises it."""
    from feedsync.sources.base import Sniff, detectors
    from feedsync.sources.xlsx import is_workbook

    if is_workbook(path):  # binary: told by its bytes, before any text is peeked
        _native_sheet(path)
        return "xlsx"
    sniff = Sniff(path, _peek_text(path, encoding).lstrip(" \t\r\n\ufeff")[:1], encoding)
    for detect in detectors():
        found = detect(sniff)
        if found is not None:
            return found
    raise SourceError(f"{path}: cannot tell the format; set source.format")


def _native_sheet(path: Path) -> None:
    """A workbook is read as the native catalog: one whose header is a platform export's (a Shopify export opened
    and saved in Excel) is refused with what to do, not read as native columns it does not have."""
    from feedsync.sources.base import Sniff, detectors

    sniff = Sniff(path, "")
    for detect in detectors():
        found = detect(sniff)
        if found is not None and found not in ("csv", "tsv", "json", "jsonl"):
            raise SourceError(
                f"{path}: looks like a {found} export saved as an Excel workbook; feedsync reads {found} exports as "
                "the CSV file the platform exports (save the sheet as CSV UTF-8)"
            )
        if found is not None:
            return
