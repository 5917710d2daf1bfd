"""The native source format: CSV/TSV (delimiter detected), JSON (array of objects) and JSONL, whose
column names are the model's field names. Every other column is kept in ``attributes``.

Readers stream: rows are read one at a time and never all held in memory.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Protocol

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError
from feedsync.model.construct import construct
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import (
    Sniff,
    SourceStats,
    detector,
    field_for,
    missing_column,
    normalize_context,
    register,
    resolve_format,
)
from feedsync.sources.normalize import NormalizeContext, build_product, scalar_text, shown
from feedsync.sources.rowreader import RowReader, compile_reader, reference_reader
from feedsync.sources.tabular import SOURCE_ENCODING, LineOffer, Table, detect_encoding, open_table


def open_text(config: SourceConfig, emit: Emit, encoding_key: str | None = SOURCE_ENCODING) -> tuple[IO[str], str]:
    """The file opened as text in its encoding (as delimited files are: a BOM's UTF-16/32, UTF-8, else cp1252
    with a warning), and that encoding."""
    encoding = detect_encoding(config.path, config.encoding, emit, encoding_key)
    try:
        return config.path.open("r", encoding=encoding, newline=""), encoding
    except OSError as exc:
        raise SourceError(f"cannot open {config.path}: {exc.strerror}") from None


def _int(text: str) -> int | str:
    """JSON integers; one too long for Python's int conversion stays text (a value check reports it)."""
    return int(text) if len(text) < 4000 else text


def _float(text: str) -> float | str:
    """JSON numbers with a fraction or exponent; one beyond a float's range (``1e400``) stays text."""
    value = float(text)
    return value if math.isfinite(value) else text


_MAX_EXPONENT = 100


def _decimal(text: str) -> Decimal | str:
    """A catalog's JSON numbers with a fraction or exponent, exactly as written (``1001.0``, ``4.006381333931e12``,
    ``19.99``: no float's rounding), for ``values.number_text``; one whose digits would run beyond a hundred places
    (``1e400``) stays text, as written."""
    value = Decimal(text)
    return value if abs(value.adjusted()) <= _MAX_EXPONENT else text


# NaN and Infinity (which Python's json accepts) stay text too, so a value check names them as written.
_DECODER = json.JSONDecoder(parse_int=_int, parse_float=_float, parse_constant=str)

Repeats = list[tuple[dict[str, Any], dict[str, list[Any]]]]
"""The objects a catalog's decoder found a key twice in, each with the values of each such key (in the file's
order)."""


def _empty(value: Any) -> bool:
    """No value, as an empty cell of a CSV file is none: null, a blank text, an empty list or object."""
    return value is None or (value.strip() == "" if isinstance(value, str) else value in ([], {}))


def catalog_decoder() -> tuple[json.JSONDecoder, Repeats]:
    """A catalog's decoder: its numbers as written (``_decimal``, where ``_DECODER``'s are floats: a shipments
    file's), and a key an object has twice read as two columns of one field are (the first non-empty value wins),
    each such object added to the list returned with it (for the reader to tell, SRC002)."""
    repeats: Repeats = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) == len(items):  # the common case: each key once
            return obj
        values: dict[str, list[Any]] = {}
        for key, value in items:
            values.setdefault(key, []).append(value)
        repeated = {key: found for key, found in values.items() if len(found) > 1}
        for key, found in repeated.items():
            obj[key] = next((value for value in found if not _empty(value)), found[0])
        repeats.append((obj, repeated))
        return obj

    decoder = json.JSONDecoder(parse_int=_int, parse_float=_decimal, parse_constant=str, object_pairs_hook=pairs)
    return decoder, repeats


_TOO_DEEP = "nested too deeply (more levels than feedsync reads)"


def _no_catalog(path: str, table: Table) -> SourceError:
    """A table whose header names no id, title or price column (nor one ``source.columns`` maps to them)."""
    shown = ", ".join(repr(name) for name in table.header[:6]) + (", ..." if len(table.header) > 6 else "")
    return SourceError(
        f"{path}:{table.header_row}: the header names no id, title or price column (it has {shown}): not a "
        "product catalog in feedsync's format. Name those columns, map yours to them with source.columns, or set "
        "source.format to the platform that exported the file"
    )


def _decode_error(path: Path, encoding: str | None, exc: UnicodeDecodeError) -> SourceError:
    return SourceError(f"{path}: not valid {encoding or 'UTF-8'} ({exc.reason}); set source.encoding")


class RowGate(Protocol):
    """Told a delimited file's header, then each row's cells before the row is normalized: ``skip`` answers
    True for a row it has dealt with itself (a row cache that replayed what the row made last time). ``line`` is
    offered each raw line first (``tabular.LineOffer``): a record it takes is never read into cells (and counted
    in the source's rows by the gate)."""

    def start(self, header: list[str], *, clean: bool = False) -> None:
        """The header was read; ``clean``: the reader found the whole file (or share) of no control or broken
        character (``Table.clean``), so is every record of it."""

    def line(self, text: str, row: int) -> Sequence[str]: ...

    def skip(self, row: int, cells: list[str]) -> bool: ...

    def end(self) -> None:
        """The last row was read (what the gate dealt with itself is complete)."""


class DelimitedSource:
    """CSV or TSV with a header row. Row numbers are what a spreadsheet shows (header = row 1)."""

    gate: RowGate | None = None
    FEED_ATTRIBUTES = False
    """Its products carry no attributes of a feed (``base.feed_attributes_possible``; Google's TSV's do)."""

    def __init__(self, config: SourceConfig, delimiter: str | None = None, fmt: str = "csv") -> None:
        self.config = config
        self.path = config.path
        self._delimiter = delimiter
        self.stats = SourceStats(format=fmt)

    def products(self, emit: Emit) -> Iterator[Product]:
        ctx = normalize_context(self.config)
        gate = self.gate
        offer = gate.line if gate is not None else None
        with self._table(emit, offer) as table:
            self.stats.describe(table)
            path = table.path
            targets = [field_for(name, self.config.columns) for name in table.header]
            columns: dict[str, tuple[str, int | None]] = {}
            for index, (name, target) in enumerate(zip(table.header, targets, strict=True), start=1):
                if target is None:
                    continue
                if target in columns:
                    emit(
                        make(
                            "SRC002",
                            f"columns {columns[target][0]!r} and {name!r} both map to {target}; the first "
                            "non-empty value wins",
                            field=target,
                            location=Location(path, table.header_row, index, name),
                        )
                    )
                else:
                    columns[target] = (name, index)
            unnamed = not {"id", "title", "price"} & set(columns)  # no catalog: refused at its first row
            names = table.header
            width = len(names)
            self.stats.map_columns(table, {name: target for target, (name, _) in columns.items()})
            self.stats.unused = []  # every other column is kept in attributes
            if type(self).prepare is DelimitedSource.prepare:  # (a format's hook may make attributes of its own)
                self.stats.attributes_met = {name for name, target in zip(names, targets, strict=True) if not target}
            read = self._reader(path, names, targets, columns, ctx, clean=table.clean)
            padding = [""] * width
            if gate is not None:
                gate.start(list(names), clean=table.clean)
            for row, cells in table.rows:
                if unnamed:
                    raise _no_catalog(path, table)
                self.stats.rows += 1
                if gate is not None and gate.skip(row, cells):
                    continue
                if len(cells) < width:  # a short row: its missing cells are empty ones
                    cells = cells + padding[len(cells) :]
                product = read(row, cells, emit)
                if product is not None:
                    yield product
            if gate is not None:
                gate.end()

    def _table(self, emit: Emit, offer: LineOffer | None) -> AbstractContextManager[Table]:
        """The file opened as a table of rows (``offer``: see ``tabular.LineOffer``)."""
        return open_table(self.config, emit, delimiter=self._delimiter, offer=offer)

    def _reader(
        self, path: str, names: list[str], targets: list[str | None], columns: dict[str, tuple[str, int | None]],
        ctx: NormalizeContext, *, clean: bool = False,
    ) -> RowReader:  # fmt: skip
        """The reader of a row: compiled once for this header (``clean``: the file has no control or broken
        character), or (a format that adjusts rows, ``prepare``, or reads variant options, ``options``) the
        reference reader calling the hooks."""
        if type(self).prepare is DelimitedSource.prepare and type(self).options is DelimitedSource.options:
            return compile_reader(path, names, targets, columns, ctx, clean=clean)
        return reference_reader(path, names, targets, columns, ctx, self.prepare, self.options)

    def prepare(self, raw: dict[str, Any], attributes: dict[str, str], ref: SourceRef, emit: Emit) -> bool:
        """A hook for formats built on this reader: adjust a row's values before they are normalized; False
        leaves the row out (the hook reports why)."""
        return True

    def options(self, raw: dict[str, Any], attributes: dict[str, str], ref: SourceRef) -> dict[str, str] | None:
        """A hook for formats built on this reader: the variant options of a prepared row (none here)."""
        return None


_MISSING = object()


def _at_path(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` (``priceInfo.price``, ``images.0.uri``: a number indexes a list) in
    ``obj``, or ``_MISSING``. A key that itself holds a dot (``{"a.b": 1}``) is found whole first."""
    if path in obj:
        return obj[path]
    current: Any = obj
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdecimal() and int(part) < len(current):
            current = current[int(part)]
        else:
            return _MISSING
    return current


def _record_to_product(
    obj: Any,
    line: int,
    path: str,
    config: SourceConfig,
    ctx: Any,
    emit: Emit,
    found: set[str] | None = None,
    told: set[str] | None = None,
) -> Product | None:
    """One JSON object -> a Product. The ``columns:`` paths come first (each one found is added to ``found``),
    then the object's own keys named as model fields, the first non-empty value of a field winning, as of two
    columns of a CSV file that map to it (SRC002, once a file for each key in ``told``); every other key, and one
    whose field a value was read for already, goes to ``attributes``."""
    if not isinstance(obj, dict):
        emit(make("SRC001", f"expected a JSON object, found {type(obj).__name__}", location=Location(path, line)))
        return None
    raw: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    columns: dict[str, tuple[str, int | None]] = {}
    for column, target in config.columns.items():
        value = _at_path(obj, column)
        if value is _MISSING:
            continue
        if found is not None:
            found.add(column)
        if target not in columns and value is not None and value != "":
            columns[target] = (column, None)
            raw[target] = value
    for key, value in obj.items():
        name = str(key)
        if name in config.columns:
            continue
        target = field_for(name, {})
        given = value is not None and value != ""
        if target is not None and target not in columns:
            columns[target] = (name, None)
            raw[target] = value
        elif target is not None and given and (raw[target] is None or raw[target] == ""):  # an earlier key empty
            _tell_both(told, columns[target][0], name, target, name, value, obj, line, path, config, emit)
            columns[target] = (name, None)
            raw[target] = value
        elif given:
            if target is not None:
                _tell_both(told, columns[target][0], name, target, columns[target][0], raw[target], obj, line, path,
                           config, emit)  # fmt: skip
            if type(value) is list and _nested_variants(name, value, config, obj, line, path, emit):
                return None
            attributes[name] = value if isinstance(value, str) else attribute_text(value)
    ref = construct(SourceRef, path=path, row=line, columns=columns)
    return build_product(raw, attributes, ref, ctx, emit)


def _tell_both(
    told: set[str] | None,
    first: str,
    second: str,
    target: str,
    read: str,
    value: Any,
    obj: Any,
    line: int,
    path: str,
    config: SourceConfig,
    emit: Emit,
) -> None:
    """SRC002, once a file for each key in ``told``: keys ``first`` and ``second`` both map to ``target``, and the
    first non-empty value, ``read``'s, is read (the other key, if not empty, is kept in attributes)."""
    if told is None or second in told:
        return
    told.add(second)
    other = second if read == first else first
    emit(
        make(
            "SRC002",
            f"keys {first!r} and {second!r} both map to {target}; the first non-empty value wins ({read!r} here, "
            f"{shown(value)}), and {other!r} is kept in attributes if it has a value (told once for the file)",
            product_id=_id_of(obj, config),
            field=target,
            value=shown(value),
            location=Location(path, line, None, second),
        )
    )


_OFFER_KEYS = frozenset({"id", "sku", "price", "sale_price", "gtin", "mpn", "quantity", "availability"})
"""Keys of an object that make it a sellable variant (an offer) rather than, say, an image or a spec."""


def _nested_variants(
    key: str, value: list[Any], config: SourceConfig, obj: dict[str, Any], line: int, path: str, emit: Emit
) -> bool:
    """Whether the record's ``key`` (feeding no field) holds variants: a list of objects with an id, price, GTIN or
    the like. feedsync reads one product per record, so the record is refused (SRC016, an error naming the key and
    what to do) rather than read as one product with its variants kept as a text in attributes. A single one the
    ``columns:`` map reads from (``variants.0.price: price``) is read as mapped."""
    if not value or not all(isinstance(element, dict) for element in value):
        return False
    if len(value) == 1 and any(column.startswith(f"{key}.") for column in config.columns):
        return False
    keys = sorted({str(k) for element in value for k in element if str(k).strip().lower() in _OFFER_KEYS})
    if not keys:
        return False
    emit(
        make(
            "SRC016",
            f"key {key!r} holds {len(value)} variant(s) (objects with {', '.join(keys)}): feedsync reads one product "
            "per record, so the record is left out. Flatten the file: one record per variant, with the product's "
            "fields and group_id set to the product's id",
            product_id=_id_of(obj, config),
            field=key,
            value=shown(value),
            location=Location(path, line, None, key),
        )
    )
    return True


def attribute_text(value: Any) -> str:
    """The text a record's key that feeds no field keeps in ``attributes``: a number or a Boolean as a field's
    (``normalize.scalar_text``: ``1001``, ``TRUE``), a list or an object as JSON (its numbers as floats: ``19.99``)."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=float)
    return scalar_text(value)


def _tell_repeats(obj: Any, repeats: Repeats, line: int, path: str, config: SourceConfig, emit: Emit) -> None:
    """SRC002 for each key that an object of the record at ``line`` has twice (``repeats``, emptied), as for two
    columns of a CSV file that map to one field: the first non-empty value was kept. (An object of a line that is no
    JSON, or decoded twice while a record was read across two chunks, is not part of the record: not told.)"""
    inside = _objects(obj)
    for found, repeated in repeats:
        if id(found) not in inside:
            continue
        where = "the record" if found is obj else "an object inside the record"
        for key, values in repeated.items():
            field = field_for(key, config.columns) if found is obj else None
            kept = found[key]
            written = ", ".join(shown(value) for value in values)
            emit(
                make(
                    "SRC002",
                    f"key {key!r} is in {where} {len(values)} times ({written}); the first non-empty value wins "
                    f"({shown(kept)})",
                    product_id=_id_of(obj, config),
                    field=field or key,
                    value=shown(kept),
                    location=Location(path, line, None, key),
                )
            )
    repeats.clear()


def _objects(value: Any) -> set[int]:
    """The ids of ``value``'s objects, itself and those nested in it."""
    found: set[int] = set()
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            found.add(id(current))
            pending.extend(current.values())
        elif isinstance(current, list):
            pending.extend(current)
    return found


def _id_of(obj: Any, config: SourceConfig) -> str | None:
    """The record's id as its text, for a finding before the record is read (None: none a finding can name)."""
    if not isinstance(obj, dict):
        return None
    value = next((_at_path(obj, column) for column, target in config.columns.items() if target == "id"), obj.get("id"))
    return (scalar_text(value).strip() or None) if isinstance(value, (str, int, Decimal)) else None


def _keys_near(obj: Any, column: str, into: set[str]) -> None:
    """Add to ``into`` the dotted paths beside where ``column`` stops matching in ``obj`` (for suggestions)."""
    current: Any = obj
    prefix = ""
    for part in column.split("."):
        if isinstance(current, dict):
            if part not in current:
                into.update(f"{prefix}{key}" for key in list(current)[:200])
                return
            current = current[part]
        elif isinstance(current, list) and part.isdecimal() and int(part) < len(current):
            current = current[int(part)]
        else:
            return
        prefix += f"{part}."


class JsonSource:
    """JSON objects, one per product: a top-level array (``row`` = the line where the object starts) or
    JSON Lines (``row`` = the line; a broken line is reported and skipped)."""

    FEED_ATTRIBUTES = False
    """Its products carry no attributes of a feed (``base.feed_attributes_possible``)."""

    def __init__(self, config: SourceConfig, *, lines: bool) -> None:
        self.config = config
        self.path = config.path
        self._lines = lines
        self.stats = SourceStats(format="jsonl" if lines else "json", encoding=config.encoding or "utf-8")

    def products(self, emit: Emit) -> Iterator[Product]:
        ctx = normalize_context(self.config)
        path = str(self.path)
        handle, self.stats.encoding = open_text(self.config, emit)
        decoder, repeats = catalog_decoder()
        with handle:
            if self._lines:
                objects = iter_json_lines(handle, path, emit, decoder)
            else:
                objects = iter_json_array(handle, path, decoder)
            found: set[str] = set()
            told: set[str] = set()
            near: dict[str, set[str]] = {column: set() for column in self.config.columns}
            try:
                for line, obj in objects:
                    self.stats.rows += 1
                    if repeats:
                        _tell_repeats(obj, repeats, line, path, self.config, emit)
                    product = _record_to_product(obj, line, path, self.config, ctx, emit, found, told)
                    for column, names in near.items():
                        if column not in found and isinstance(obj, dict) and len(names) < 1000:
                            _keys_near(obj, column, names)
                    if product is not None:
                        yield product
            except UnicodeDecodeError as exc:
                raise _decode_error(self.path, self.stats.encoding, exc) from None
        self._check_columns(found, near)

    def _check_columns(self, found: set[str], near: dict[str, set[str]]) -> None:
        """A ``columns:`` path that no record of the file has is a config error (a typo maps nothing)."""
        for column in self.config.columns:
            if column not in found and self.stats.rows:
                where = f"any record of {self.path}"
                raise self.config.column_error(column, missing_column(column, sorted(near[column]), where))


def iter_json_lines(
    handle: IO[str], path: str, emit: Emit, decoder: json.JSONDecoder = _DECODER
) -> Iterator[tuple[int, Any]]:
    """Yield (line, value) for each non-blank line; report a line that is not JSON and go on."""
    for line_no, line in enumerate(handle, start=1):
        if line_no == 1:
            line = line.lstrip("\ufeff")
        if not line.strip():
            continue
        try:
            yield line_no, decoder.decode(line)
        except json.JSONDecodeError as exc:
            problem, column = f"invalid JSON: {exc.msg}", exc.colno
        except RecursionError:
            problem, column = f"invalid JSON: {_TOO_DEEP}", None
        else:
            continue
        emit(make("SRC001", problem, value=line.strip()[:80], location=Location(path, line_no, column)))


_CHUNK = 1 << 16
_MAX_OBJECT = 64 << 20
_WS = " \t\r\n\ufeff"  # a BOM may open the file


def iter_json_array(handle: IO[str], path: str, decoder: json.JSONDecoder = _DECODER) -> Iterator[tuple[int, Any]]:
    """Yield (line, value) for each element of a top-level JSON array, reading the file in chunks."""
    buf = ""
    pos = 0
    line = 1  # line number at buf[pos]
    eof = False

    def more() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = handle.read(max(_CHUNK, len(buf) - pos))
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    def skip_ws() -> str | None:
        nonlocal pos, line
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                if buf[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not more():
                return None

    def fail(message: str) -> SourceError:
        return SourceError(f"{path}:{line}: {message}")

    start = skip_ws()
    if start is None:
        raise SourceError(f"{path}: the file is empty")
    if start != "[":
        raise fail("expected a JSON array of objects ('[' ...)")
    pos += 1
    expect_value = True
    first = True
    while True:
        char = skip_ws()
        if char is None:
            raise fail("unexpected end of file inside the JSON array")
        if char == "]" and (first or not expect_value):
            pos += 1
            if skip_ws() is not None:
                raise fail(f"data after the JSON array ({buf[pos : pos + 20]!r}...): a second array or a stray value")
            return
        if not expect_value:
            if char != ",":
                raise fail(f"expected ',' or ']' between array elements, found {char!r}")
            pos += 1
            expect_value = True
            continue
        while True:
            try:
                value, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as exc:
                if len(buf) - pos > _MAX_OBJECT or not more():
                    err_line = line + buf.count("\n", pos, exc.pos)
                    err_col = exc.pos - buf.rfind("\n", 0, exc.pos)
                    raise SourceError(f"{path}:{err_line}:{err_col}: invalid JSON: {exc.msg}") from None
            except RecursionError:
                column = pos - buf.rfind("\n", 0, pos)
                raise SourceError(f"{path}:{line}:{column}: invalid JSON: {_TOO_DEEP}") from None
        yield line, value
        line += buf.count("\n", pos, end)
        pos = end
        expect_value = False
        first = False


@register("csv", "tsv", columns="header")
def _delimited(config: SourceConfig) -> DelimitedSource:
    fmt = resolve_format(config)
    return DelimitedSource(config, "\t" if fmt == "tsv" else None, fmt)


class XlsxSource(DelimitedSource):
    """The native catalog as an Excel workbook: its first sheet (``sources.xlsx``), read as its CSV would be."""

    def _table(self, emit: Emit, offer: LineOffer | None) -> AbstractContextManager[Table]:
        from feedsync.sources.xlsx import open_sheet

        return open_sheet(self.config, emit)


@register("xlsx", columns="header")
def _xlsx(config: SourceConfig) -> XlsxSource:
    return XlsxSource(config, None, "xlsx")


@register("json", columns="records")
def _json(config: SourceConfig) -> JsonSource:
    return JsonSource(config, lines=False)


@register("jsonl", columns="records")
def _jsonl(config: SourceConfig) -> JsonSource:
    return JsonSource(config, lines=True)


@detector(rank=20)
def _json_content(sniff: Sniff) -> str | None:
    if sniff.start == "[":
        return "json"
    if sniff.start == "{":  # JSON Lines, unless the name says .json (then a lone object gets a clear error)
        return "json" if sniff.path.suffix.lower() == ".json" else "jsonl"
    return None


_DELIMITED_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv"}


@detector(rank=900)
def _delimited_fallback(sniff: Sniff) -> str | None:
    """Last: a delimited file named by its extension, else a header of several columns is the native CSV."""
    suffix = sniff.path.suffix.lower()
    if suffix in _DELIMITED_EXTENSIONS:
        return _DELIMITED_EXTENSIONS[suffix]
    return "csv" if len(sniff.keys) > 1 else None
