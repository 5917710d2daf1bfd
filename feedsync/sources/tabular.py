"""Opening delimited text files as they really come: encoding detection (UTF-8, with or without BOM, UTF-16/32
with a BOM, else cp1252 with a warning; binary files refused), junk before the header, delimiter sniffing (or the
delimiter Excel's ``sep=`` first line names), quoted newlines, ragged rows, and quotes that are never closed.

Every CSV/TSV reader (native, Shopify, WooCommerce, BigCommerce, Magento, Google TSV) reads through here.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO, TypeVar

from feedsync.config import SourceConfig
from feedsync.decoding import undecodable
from feedsync.diagnostics import Diagnostic, Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError
from feedsync.sources.normalize import utf8_clean

T = TypeVar("T")

csv.field_size_limit(1 << 26)

DELIMITERS = (",", ";", "\t", "|")
"""The delimiters a header is sniffed for (``sniff_delimiter``)."""
_SCAN_CHUNK = 1 << 20
_DECODE_CHUNK = 1 << 16
"""The UTF-8 check decodes a file in pieces this size: a larger one decodes slower (its text outgrows the cache)."""


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line (outside quotes) into the most fields."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


_EXCEL_SEP = re.compile(r"sep=([^\r\n\"])\r?\n?", re.IGNORECASE)


def excel_sep(line: str) -> str | None:
    """The delimiter a file's first line names as Excel writes and reads it (``sep=;``: Excel takes that delimiter
    and does not show the line), or None when the line is not one."""
    match = _EXCEL_SEP.fullmatch(line.lstrip(" \ufeff"))
    return match[1] if match else None


def header_key(name: str) -> str:
    """How headers are compared: BOM dropped, whitespace collapsed, case folded."""
    return " ".join(name.replace("\ufeff", "").split()).casefold()


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM starts it
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_MAX_CONTROL_SHARE = 0.05


_LONE_CR = re.compile(rb"\r(?!\n)")


def lone_crs(data: bytes) -> int:
    """The CRs in ``data`` that no line feed follows (the csv module ends a line at each), found by one search and
    counted only where there is one: counting a catalog's CRs and CRLFs took about three times the search."""
    if b"\r" not in data or _LONE_CR.search(data) is None:
        return 0
    return data.count(b"\r") - data.count(b"\r\n")


def sniff_encoding(path: Path, head: bytes) -> str | None:
    """The encoding a byte order mark names (UTF-16 or UTF-32), else None. Refuses (SourceError) a file whose
    first bytes are not text: UTF-16 without a BOM, or binary data such as a spreadsheet or an image."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    if head.startswith((b"\xd0\xcf", b"PK")):  # an encrypted, legacy or damaged workbook: told as one
        from feedsync.sources.xlsx import unreadable_workbook

        problem = unreadable_workbook(path, head)
        if problem is not None:
            raise SourceError(problem)
    nul = head.find(b"\x00")
    if nul != -1 and max(head[1::2].count(0), head[0::2].count(0)) > len(head) // 4:
        raise SourceError(
            f"{path}: byte {nul + 1}: looks like UTF-16 without a byte order mark; set source.encoding "
            "(utf-16-le or utf-16-be)"
        )
    controls = _CONTROL_BYTES.findall(head)
    if len(controls) > max(8, len(head) * _MAX_CONTROL_SHARE):
        first = _CONTROL_BYTES.search(head)
        raise SourceError(
            f"{path}: byte {first.start() + 1 if first else 1}: looks like a binary file, not text "
            f"({len(controls)} control bytes in the first {len(head)}); export the catalog as CSV, JSON or XML, or "
            "save it as an Excel workbook (.xlsx)"
        )
    return None


SOURCE_ENCODING = "source.encoding"


def detect_encoding(
    path: Path, configured: str | None, emit: Emit | None, encoding_key: str | None = SOURCE_ENCODING
) -> str:
    """``configured`` if set; else the encoding a BOM names (UTF-16/32); else UTF-8 when the whole file decodes
    as UTF-8, else cp1252 (with a warning). A file that is not text at all is a SourceError. ``encoding_key``: the
    setting that gives this file's encoding, which the warning names (None: the file has none)."""
    return scan_encoding(path, configured, emit, encoding_key)[0]


def scan_encoding(
    path: Path, configured: str | None, emit: Emit | None, encoding_key: str | None = SOURCE_ENCODING
) -> tuple[str, bool]:
    """``detect_encoding``, and whether the file is UTF-8 text that ``normalize.is_clean`` passes whole (no control
    or broken character: then no value of it has one). False when that is not known (another encoding)."""
    if configured:
        return configured, False
    offset = 0  # of ``pending``'s first byte in the file
    clean = True
    try:
        with path.open("rb") as handle:
            bom_encoding = sniff_encoding(path, handle.read(_SCAN_CHUNK))
            if bom_encoding is not None:
                return bom_encoding, False
            handle.seek(0)
            pending = b""  # a character cut at the end of a chunk
            while chunk := handle.read(_DECODE_CHUNK):
                pending += chunk
                _, used = codecs.utf_8_decode(pending, "strict", False)
                offset += used
                clean = clean and utf8_clean(pending[:used])  # whole characters
                pending = pending[used:]
            codecs.utf_8_decode(pending, "strict", True)
    except UnicodeDecodeError as exc:
        if emit is not None:
            emit(
                make(
                    "SRC003",
                    f"not valid UTF-8 (byte {offset + exc.start}); read as cp1252. "
                    + (
                        f"Set {encoding_key} if that is wrong" if encoding_key else "If that is wrong, save it as UTF-8"
                    ),
                    location=Location(str(path)),
                )
            )
        return "cp1252", False
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    return "utf-8", clean


@dataclass
class Table:
    """A delimited file opened for reading: its header and a stream of (row number, cells)."""

    path: str
    header: list[str]
    delimiter: str
    encoding: str
    header_row: int
    rows: Iterator[tuple[int, list[str]]]
    keys: list[str] = field(default_factory=list)
    clean: bool = False
    """Every cell of every row is text ``normalize.is_clean`` passes (False: not known; each row is to be asked)."""
    quoted: bool = True
    """Its values are read with CSV quoting; False: a TSV the file shows was written without it (``unquoted_tsv``)."""

    def __post_init__(self) -> None:
        self.keys = [header_key(h) for h in self.header]

    def col(self, *names: str) -> int | None:
        """0-based index of the first header matching any of ``names`` (compared as ``header_key``)."""
        wanted = [header_key(n) for n in names]
        for name in wanted:
            if name in self.keys:
                return self.keys.index(name)
        return None

    def cols(self, pattern: str) -> list[tuple[int, re.Match[str]]]:
        """Headers whose key fully matches the regular expression ``pattern``."""
        regex = re.compile(pattern)
        return [(i, m) for i, key in enumerate(self.keys) if (m := regex.fullmatch(key))]


@dataclass(frozen=True)
class ByteRange:
    """A share of a delimited file for one process of a row split (``feedsync.rows``): the records from byte
    ``start`` (a record's first byte) to ``end``, the first of them row ``first_row``, its first line the file's
    line ``lines_before + 1``."""

    path: Path
    start: int
    end: int
    first_row: int
    lines_before: int
    encoding: str
    read: list[int] = field(default_factory=list, compare=False)
    """Filled in by the reader: the row number of the share's last record (blank or not), once all are read."""

    def first(self, header_row: int) -> bool:
        """Whether it is the first share of the file whose header is at row ``header_row`` (as the reader counts)."""
        return self.first_row == header_row + 1


READ_RANGE: ContextVar[ByteRange | None] = ContextVar("READ_RANGE", default=None)
"""Set in a row-split worker: ``open_table`` of that file reads the header, then only the records of the range."""


def share_of(path: Path | str) -> ByteRange | None:
    """The share of the file at ``path`` this process reads in a row split (``READ_RANGE``), or None: all of it."""
    share = READ_RANGE.get()
    return share if share is not None and share.path == path else None


def whole_file_pass(path: Path, emit: Emit, read: Callable[[Emit], tuple[T, int]]) -> T:
    """What ``read`` (a reader's first pass: what it found and the row of the header) makes of the whole file at
    ``path``, in a share of a row split too (``READ_RANGE`` set aside), where only the first share tells what it
    finds: one reader tells it before any product."""
    share = share_of(path)
    if share is None:
        return read(emit)[0]
    found: list[Diagnostic] = []
    token = READ_RANGE.set(None)
    try:
        made, header_row = read(found.append)
    finally:
        READ_RANGE.reset(token)
    if share.first(header_row):
        for finding in found:
            emit(finding)
    return made


class _Slice(io.RawIOBase):
    """Bytes ``start`` to ``end`` of an open binary file."""

    def __init__(self, handle: io.BufferedReader, start: int, end: int) -> None:
        handle.seek(start)
        self._handle, self._left = handle, end - start

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._handle.close()
        super().close()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            return 0
        view = memoryview(buffer)[: self._left]
        count = self._handle.readinto(view)
        self._left -= count
        return count


def range_bytes(handle: io.BufferedReader, share: ByteRange) -> BinaryIO:
    """The bytes of ``share`` in ``handle`` (an open binary file of its path), read from its start to its end."""
    return io.BufferedReader(_Slice(handle, share.start, share.end))


def _range_clean(share: ByteRange) -> bool:
    """Whether the bytes of ``share`` (UTF-8: a row split reads no other encoding) are text ``is_clean`` passes."""
    if share.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return False
    try:
        with _Slice(share.path.open("rb"), share.start, share.end) as raw:
            pending = b""
            while chunk := raw.read(_DECODE_CHUNK):
                pending += chunk
                cut = len(pending) - _partial_tail(pending)
                if not utf8_clean(pending[:cut]):
                    return False
                pending = pending[cut:]
            return utf8_clean(pending)
    except OSError:
        return False  # the reader says why it cannot read the file


def _partial_tail(data: bytes) -> int:
    """How many bytes at the end of ``data`` may be the start of a UTF-8 character cut off (kept for the next
    piece, so a character checked is whole)."""
    for back in range(1, min(3, len(data)) + 1):
        byte = data[-back]
        if byte >= 0xC0:  # a lead byte: cut when its character needs more bytes than follow it
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if need > back else 0
        if byte < 0x80:
            return 0
    return 0


def _range_lines(share: ByteRange) -> io.TextIOWrapper:
    """The lines of ``share`` as text, split where the whole file opened as text splits them."""
    return io.TextIOWrapper(range_bytes(share.path.open("rb"), share), encoding=share.encoding, newline="")


LineOffer = Callable[[str, int], Sequence[str]]
"""Offered each raw line of a table's records before the csv reader reads it, with the row number of the record it
starts (0 for a further line of a record over several lines). For a line that starts a record, the lines it takes,
this one first, each a record of its own (a row cache replayed the record it made last time, the columnar gate a run
of records it made), or the lines of fewer records (``TakenLines``): the reader never sees them. Empty: the reader
reads the line."""


class TakenLines(list[str]):
    """The lines an offer took that are the lines of fewer records (``records``: some are over several lines)."""

    __slots__ = ("records",)

    def __init__(self, lines: list[str], records: int) -> None:
        super().__init__(lines)
        self.records = records


class _Changed(Exception):
    """The lines after one an offer took are not those it took with it: the file changed while it was read."""


@dataclass
class _Taken:
    """The offer of a table's lines, the row number of the last record (read, or taken by the offer) and the lines
    the offer took."""

    offer: LineOffer | None
    row: int = 0
    lines: int = 0


@contextmanager
def open_table(
    config: SourceConfig,
    emit: Emit | None = None,
    *,
    delimiter: str | None = None,
    offer: LineOffer | None = None,
    encoding_key: str | None = SOURCE_ENCODING,
) -> Iterator[Table]:
    """``offer``: see ``LineOffer`` (never told the header's lines). ``encoding_key``: the setting that gives the
    file's encoding, for the messages of a file not in it (None: the file has none; a supplement's is its own)."""
    path = config.path
    share = share_of(path)
    if share is None:
        encoding, clean = scan_encoding(path, config.encoding, emit, encoding_key)
    else:
        encoding, clean = share.encoding, _range_clean(share)
    try:
        handle = path.open("r", encoding=encoding, newline="")
    except OSError as exc:
        raise SourceError(f"cannot open {path}: {exc.strerror}") from None
    with handle:
        try:
            header_row = 1
            first = handle.readline()
            named = excel_sep(first)
            if named is not None:  # Excel's ``sep=`` line: its delimiter, the header on the next line
                delimiter = delimiter or named
                header_row += 1
                first = handle.readline()
            # Junk before the header (blank lines, stray whitespace printed before a BOM) is skipped.
            while first and not first.replace("\ufeff", "").strip():
                header_row += 1
                first = handle.readline()
            first = first.lstrip(" \t\ufeff")
        except UnicodeDecodeError as exc:
            raise _decode_error(path, encoding, exc, 1, encoding_key) from None
        if not first:
            raise SourceError(f"{path}: the file is empty")
        sep = delimiter or sniff_delimiter(first)
        ended: list[bool] = []
        seen: list[str] = []
        taken = _Taken(None)  # no offer for the header
        reader = csv.reader(_recorded(chain([first], handle, _end_of(ended)), seen, taken), delimiter=sep)
        try:
            header = [h.strip() for h in next(reader, [])]
        except csv.Error as exc:
            raise SourceError(f"{path}:{header_row}: unreadable header ({exc})") from None
        if ended:
            raise _unclosed(path, header_row, header_row + reader.line_num - 1)
        short = _cut_short(path, encoding, sep, len(header))
        if short is not None:
            raise short
        seen.clear()
        taken.offer = offer
        header_end = header_row - 1 + reader.line_num
        quoted = sep != "\t" or not unquoted_tsv(path, encoding, header_end, len(header))
        quoting = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
        if share is None:
            if not quoted:  # (the header's lines are read: the rest of the file is read without quoting)
                text = _recorded(chain(handle, _end_of(ended)), seen, taken)
                reader = csv.reader(text, delimiter=sep, quoting=quoting)
                lines = _Lines(str(path), reader, sep, len(header), header_row, ended, seen, emit, taken)
                lines.line_base, lines.quoted = header_end, False
            else:
                lines = _Lines(str(path), reader, sep, len(header), header_row, ended, seen, emit, taken)
            rows = _rows(lines, encoding, encoding_key)
            yield Table(str(path), header, sep, encoding, header_row, rows, clean=clean, quoted=quoted)
            return
        if share.first(header_row) and header_row - 1 + reader.line_num != share.lines_before:
            raise SourceError(f"{path}: the first share of the rows does not start after the header")
        with _range_lines(share) as text:
            reader = csv.reader(_recorded(chain(text, _end_of(ended)), seen, taken), delimiter=sep, quoting=quoting)
            lines = _Lines(str(path), reader, sep, len(header), header_row, ended, seen, emit, taken)
            lines.first_row, lines.line_base, lines.done = share.first_row, share.lines_before, share.read
            lines.quoted = quoted
            rows = _rows(lines, encoding, encoding_key)
            yield Table(str(path), header, sep, encoding, header_row, rows, clean=clean, quoted=quoted)


TAIL = 1 << 16
"""Bytes of a file's end read to tell whether it was cut short (``_cut_short``)."""


def _cut_short(path: Path, encoding: str | None, sep: str, width: int) -> SourceError | None:
    """Why the file at ``path`` looks cut short (a copy or download that did not finish), or None: its last line has
    no line break after it and fewer cells than the header's ``width`` (the row of ``...,/img/95.jpg,1`` was read
    as a price of 1.00, its missing cells empty, and published). A last line with an odd number of quotes (the end
    of a record of several lines), one longer than ``TAIL`` bytes, or a file in an encoding whose line break is not
    the byte of ASCII's, is not judged."""
    codec = encoding or "utf-8"
    try:
        if "\n".encode(codec) != b"\n":
            return None
        with path.open("rb") as raw:
            size = raw.seek(0, 2)
            raw.seek(max(0, size - TAIL))
            tail = raw.read()
    except (LookupError, OSError):
        return None
    if not tail or tail[-1:] in (b"\n", b"\r"):
        return None
    cut = max(tail.rfind(b"\n"), tail.rfind(b"\r"))
    if cut < 0 and size > len(tail):
        return None
    text = tail[cut + 1 :].decode(codec, errors="replace").lstrip("\ufeff")
    if text.count('"') % 2:
        return None
    cells = next(csv.reader([text.rstrip("\x1a")], delimiter=sep), [])
    if len(cells) >= width or not any(cell.strip() for cell in cells):  # (a blank line is no row: never read)
        return None
    shown = text if len(text) <= 80 else text[:77] + "..."
    return SourceError(
        f"{path}: the file ends in the middle of a row: its last line ({shown!r}) has {len(cells)} of the header's "
        f"{width} cells and no line break after it, so the file looks cut short (a copy or export that did not "
        "finish); nothing of it is used. Copy or export the file again (or end its last row with a line break)"
    )


def _end_of(ended: list[bool]) -> Iterator[str]:
    """An empty iterator that notes when it is reached: the csv reader asked for a line past the end of the file
    in the middle of a record, so a quoted field was never closed."""
    ended.append(True)
    yield from ()


def _recorded(lines: Iterable[str], seen: list[str], taken: _Taken) -> Iterator[str]:
    """``lines``, each also appended to ``seen`` (the reader clears it after each record: its raw lines), except
    those its offer takes (``LineOffer``; a line starts a record when ``seen`` is empty)."""
    lines = iter(lines)
    for line in lines:
        offer = taken.offer
        if offer is not None:
            if seen:
                offer(line, 0)
            else:
                took = offer(line, taken.row + 1)
                if took:
                    count = len(took)
                    if count > 1 and list(islice(lines, count - 1)) != took[1:]:
                        raise _Changed
                    taken.row += took.records if type(took) is TakenLines else count
                    taken.lines += count
                    continue
        seen.append(line)
        yield line


@dataclass
class _Lines:
    """The csv reader of a file and what its rows are checked against."""

    path: str
    reader: Iterator[list[str]]
    sep: str
    width: int
    header_row: int
    ended: list[bool]
    seen: list[str]
    emit: Emit | None
    taken: _Taken
    first_row: int = 0
    """The row number of the first record read (0: the one after the header)."""
    line_base: int = -1
    """Lines of the file before the reader's first line (-1: the header's first line is the reader's first)."""
    done: list[int] | None = None
    """Where to note the last row number once every record is read (a share of a row split)."""
    quoted: bool = True
    """The reader reads quotes (False: ``QUOTE_NONE``, a quote is a character of its value: no SRC017)."""

    def line(self) -> int:
        """The file's line number of the reader's last line read."""
        base = self.header_row - 1 if self.line_base < 0 else self.line_base
        return base + self.reader.line_num + self.taken.lines  # type: ignore[attr-defined, no-any-return]


def _rows(lines: _Lines, encoding: str, encoding_key: str | None) -> Iterator[tuple[int, list[str]]]:
    """(row, cells) of each non-blank record. A record over several lines whose quotes do not pair up cleanly (a
    quote not closed until a later row) is reported and left out; one whose quote runs to the end of the file is
    a SourceError; cells beyond the header's width are reported."""
    reader, path, width, seen, ended = lines.reader, lines.path, lines.width, lines.seen, lines.ended
    strip = str.strip
    taken = lines.taken
    taken.row = (lines.first_row or lines.header_row + 1) - 1
    try:
        for cells in reader:
            row = taken.row = taken.row + 1
            if ended:
                raise _unclosed(path, row, lines.line())
            if len(seen) > 1:
                if _broken_quote(lines, row, cells):
                    seen.clear()
                    continue
            elif seen and lines.emit is not None and lines.quoted:
                _stray_quote(lines, row, seen[0], cells)
            seen.clear()
            if len(cells) > width and lines.emit is not None and any(c.strip() for c in cells[width:]):
                lines.emit(
                    make(
                        "SRC009",
                        f"row has {len(cells)} cells but the header {width}: the cells after column {width} are "
                        "not read (an unquoted delimiter inside a value?)",
                        value=next(c for c in cells[width:] if c.strip())[:80],
                        location=Location(path, row, width + 1),
                    )
                )
            if any(map(strip, cells)):
                yield row, cells
        if lines.done is not None:
            lines.done.append(taken.row)
    except UnicodeDecodeError as exc:
        raise _decode_error(Path(path), encoding, exc, taken.row + 1, encoding_key) from None
    except csv.Error as exc:
        raise SourceError(f"{path}:{taken.row + 1}: unreadable CSV ({exc})") from None
    except _Changed:
        raise SourceError(f"{path}:{taken.row + 1}: the file changed while it was read") from None


def stray_lines(cells: Iterable[str], sep: str, width: int) -> int:
    """The lines of a record's cells after their first that look like rows of their own (as many delimiters as a
    header of ``width`` columns, no quotes): a record over several lines that takes any in is a quote left open."""
    return sum(
        1
        for cell in cells
        if "\n" in cell or "\r" in cell
        for part in cell.splitlines()[1:]
        if part.count(sep) == width - 1 and '"' not in part
    )


def _broken_quote(lines: _Lines, row: int, cells: list[str]) -> bool:
    """Whether a record over several lines is a quote left open until a later row rather than a value with line
    breaks: a quote in it is followed by more text (so it closes nothing), or it takes in lines that look like rows
    of their own (as many delimiters as the header, no quotes). Reports it (SRC010) and returns True."""
    try:
        for _ in csv.reader(lines.seen, delimiter=lines.sep, strict=True):
            pass
    except csv.Error:
        reason = "a quote in it is followed by more text, so it was not closed where the value ends"
    else:
        taken = stray_lines(cells, lines.sep, lines.width)
        if not taken:
            return False
        reason = f"it takes in {taken} line(s) that look like rows of their own"
    if lines.emit is not None:
        last = lines.line()
        lines.emit(
            make(
                "SRC010",
                f"a quoted value in this row runs over lines {last - len(lines.seen) + 1}-{last} and {reason}: a "
                "quote is not closed. The row is left out; close the quote (or double a quote inside a value)",
                location=Location(lines.path, row),
            )
        )
    return True


_SHOWN = tuple(re.compile(before + r'"[^"\t\r\n]*(?:""[^"\t\r\n]*)*"[^"\t\r\n]') for before in ("\t", "\n", "\r"))
"""A cell of a tab-separated line (after a tab, or first on its line) that starts with a quoted part more text
follows (``unquoted_tsv``; three searches, each quick for the character it starts with)."""


def unquoted_tsv(path: Path, encoding: str, header_lines: int, width: int) -> bool:
    """Whether the tab-separated file at ``path`` shows it was written without CSV quoting (as a Google Sheets or a
    database's TSV export is), so its quotes are characters of its values: a value after its header's
    ``header_lines`` starts with a quoted part that more text follows (``"Best" Tee``), which a writer that quotes
    never writes, and every line after the header holds the header's ``width`` cells split at its tabs (so no value
    holds a tab or a line break, which only quoting would allow). Read with CSV quoting, such a value loses its
    quotes (SRC017), and a value that is all quoted (``"Best"``) would too. (A quote never closed is no such sign: a
    quote left open by mistake reads so too, and is told as it is.)"""
    tabs = width - 1
    try:
        with path.open("r", encoding=encoding, newline="") as text:  # (most files show none: searched quickly)
            for _ in range(header_lines):
                text.readline()
            carry = "\n"  # (the start of a line, a cell's start for the searches)
            for chunk in iter(lambda: text.read(_SCAN_CHUNK), ""):
                piece = carry + chunk
                if any(search.search(piece) for search in _SHOWN):
                    break
                carry = piece[max(piece.rfind("\n"), piece.rfind("\r")) :]  # (its last line, perhaps cut)
            else:
                return False
        with path.open("r", encoding=encoding, newline="") as text:
            for _ in range(header_lines):
                text.readline()
            for lines in iter(lambda: text.readlines(_SCAN_CHUNK), []):
                if any(line.count("\t") != tabs and line.strip() for line in lines):
                    return False
        return True
    except (OSError, UnicodeError, LookupError):
        return False  # (the reader tells why it cannot read the file)


def _well_quoted(sep: str) -> re.Pattern[str]:
    """A record of one line whose quoted values each end where the value does (quick: a regular expression)."""
    pattern = _WELL_QUOTED.get(sep)
    if pattern is None:
        s = re.escape(sep)
        value = f'(?:"[^"]*(?:""[^"]*)*"|[^"{s}\\r\\n][^{s}\\r\\n]*|)'
        pattern = _WELL_QUOTED[sep] = re.compile(f"{value}(?:{s}{value})*\\r?\\n?")
    return pattern


_WELL_QUOTED: dict[str, re.Pattern[str]] = {}


def quote_then_text(line: str, sep: str) -> bool:
    """Whether a record of one line has a value that starts with a quote closed before the value ends (SRC017)."""
    if '"' not in line or _well_quoted(sep).fullmatch(line):
        return False
    try:  # the csv reader's own word, which the expression may not match for other reasons
        for _ in csv.reader((line,), delimiter=sep, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _stray_quote(lines: _Lines, row: int, line: str, cells: list[str]) -> None:
    """Tells (SRC017) of a one-line record whose value starts with a quote that closes before the value ends
    (`"Best" Tee`): the csv reader reads it as a spreadsheet does (`Best Tee`), its quotes gone."""
    sep = lines.sep
    if not quote_then_text(line, sep):
        return
    end, at = len(line.rstrip("\r\n")), 0
    for column, cell in enumerate(cells):
        for raw in (_quoted(cell), cell):
            after = at + len(raw)
            if line.startswith(raw, at) and (after >= end or line[after] == sep):
                at = after + 1
                break
        else:  # the cell its raw text does not write back as: the quoted value with text after it
            written = line[at:end].split(sep, 1)[0] if cell.count(sep) == 0 else line[at:end]
            assert lines.emit is not None
            lines.emit(
                make(
                    "SRC017",
                    f"{written[:80]!r} starts with a quoted value that has more text after its closing quote: read "
                    f"as {cell[:80]!r}, without its quotes. To keep them, quote the whole value and double each "
                    f"quote in it ({_quoted(written)[:90]}); else remove them",
                    value=cell[:80],
                    location=Location(lines.path, row, column + 1),
                )
            )
            return


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _unclosed(path: Path | str, row: int, last_line: int) -> SourceError:
    return SourceError(
        f"{path}:{row}: a quoted field that starts in this row is never closed: it runs to the end of the file "
        f"(line {last_line}), taking in every row after it. Close the quote (or double a quote inside a value)"
    )


def _decode_error(
    path: Path, encoding: str, exc: UnicodeDecodeError, row: int, encoding_key: str | None = SOURCE_ENCODING
) -> SourceError:
    """Where the file stops being ``encoding`` (its line, found by decoding its bytes again: the text stream decodes
    a block ahead of the row it reads, so ``row`` may be rows before it), and an encoding to set other than the one
    that failed (cp1252 is what a file that is not UTF-8 is read as)."""
    found = undecodable(path, encoding)
    where = f"at {found}" if found is not None else f"near row {row}"
    other = "latin-1, or the file's own" if _codec(encoding) == "cp1252" else "cp1252"
    what = f"set {encoding_key} (for example {other})" if encoding_key else "save it as UTF-8"
    return SourceError(f"{path}: not valid {encoding} {where} ({exc.reason}); {what}")


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()
