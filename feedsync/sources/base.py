"""The Source protocol, the registry of readers and format detectors (each reader module registers its own), and
header-to-field mapping shared by the readers."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from feedsync import values as v
from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Diagnostic, Location, Severity
from feedsync.errors import SourceError
from feedsync.model.product import PRODUCT_FIELDS, Product
from feedsync.plugins import discover
from feedsync.sources.normalize import NormalizeContext
from feedsync.sources.tabular import Table, header_key


@dataclass
class SourceStats:
    """What a reader learned about its file, for ``feedsync inspect``. Filled in while ``products`` runs."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    quoted: bool = True
    """Its values were read with CSV quoting (False: a TSV written without it, ``tabular.unquoted_tsv``)."""
    rows: int = 0
    left_out: int = 0
    """Rows named in an error finding and left out (they never became a product): variants read and rejected."""
    excluded: int = 0
    """Variants the reader left out on purpose (unpublished: draft, archived, hidden): read and excluded."""
    columns: dict[str, str] = field(default_factory=dict)
    """Source column -> the model field (or reader role) it feeds."""
    unused: list[str] = field(default_factory=list)
    unpublished: dict[str, int] = field(default_factory=dict)
    """Products the reader left out because the store does not show them, by what it calls them ("draft or
    archived"): SRC005 says how many, once the rows are read (``report_left_out``)."""
    with_parent: dict[str, int] = field(default_factory=dict)
    """Of those, the variants left out because their parent is (a WooCommerce variation of an unpublished parent,
    whatever its own status): SRC005 says so (``left_out_what``)."""
    told: set[tuple[str, str]] = field(default_factory=set)
    """(code, key) of the findings the reader tells once per file (MDL016: once per option name): a row split's
    later share leaves out its finding for a key an earlier share told (``rows.merge``)."""
    after_rows: list[Diagnostic] = field(default_factory=list)
    """Findings one reader tells once the rows are read, before SRC005, that a row split's first share makes of what
    its first pass found (Magento's configurable products without children: SRC006): the merge tells them there."""
    not_listed: list[str] = field(default_factory=list)
    """Products the reader names together once the rows are read, as not listed (Magento's products not visible
    on their own that no configurable product names: SRC013), in row order."""
    weights_ignored: bool = False
    """The export has weights but no unit to read them in (SRC008, once the rows are read)."""
    options_met: set[str] | None = None
    """The names (``header_key``) of the variant options the reader met, where it notes them (the platform exports'
    readers): a name of ``source.options`` none of them matches maps nothing (CFG010, ``options.unmet_options``)."""
    attributes_met: set[str] | None = None
    """The attribute names the source's products can have, where its header tells them all (a native CSV, TSV or
    workbook: its columns that map to no field); None where it cannot tell (JSON records, platform exports): a key
    of ``attributes`` that feedsync.yaml reads and no column has is CFG011 (``Stream._close``)."""
    attributes_seen: set[str] | None = None
    """The attribute names the products read had (``NonEmpty`` notes each product's; a reader notes those of the
    rows the columnar engine makes instead, ``note_attributes``), None before the first product: where the header
    does not tell them (``attributes_met`` None), a key feedsync.yaml reads that no product had is CFG011 once the
    rows are read."""
    together: set[str] = field(default_factory=set)
    """The keys of the groups of rows the reader read as one product each (a Shopify handle), kept while it reads a
    share of a row split: one process tells a group whose rows are apart (SRC004), so a key in two shares makes
    the run be made as though not split (``rows.Unsplit``)."""

    def describe(self, table: Table) -> None:
        self.encoding, self.delimiter, self.quoted = table.encoding, table.delimiter, table.quoted

    def map_columns(self, table: Table, mapping: dict[str, str]) -> None:
        self.columns = dict(mapping)


class Source(Protocol):
    """A catalog reader. ``products`` streams normalized products and reports problems through ``emit``."""

    path: Path
    stats: SourceStats

    def products(self, emit: Emit) -> Iterator[Product]: ...


def feed_attributes_possible(source: Source) -> bool:
    """Whether ``source``'s products may carry attributes of a feed they were read from (``Product.feed_attributes``,
    written back as columns a feed's header learns only at its end): a reader says it has none by
    ``FEED_ATTRIBUTES = False`` (a reader that says nothing may)."""
    inner: Any = source
    while not hasattr(inner, "FEED_ATTRIBUTES") and hasattr(inner, "source"):  # a reader a run wraps (a share's)
        inner = inner.source
    return bool(getattr(inner, "FEED_ATTRIBUTES", True))


class PlatformSource:
    """The shared part of the platform export readers: their config, file and stats (``FORMAT`` names them)."""

    FORMAT = ""
    FEED_ATTRIBUTES = False
    """Its products carry no attributes of a feed (``feed_attributes_possible``)."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.path = config.path
        self.stats = SourceStats(format=self.FORMAT)


Factory = Callable[[SourceConfig], Source]
_READERS: dict[str, Factory] = {}
_MAPS_COLUMNS: dict[str, Literal["header", "records"]] = {}


@dataclass
class Sniff:
    """What ``format: auto`` sees of a file: its path, the first character of its text and its header's names
    (normalized, read only when a detector asks)."""

    path: Path
    start: str
    encoding: str | None = None

    @cached_property
    def keys(self) -> set[str]:
        from feedsync.sources.detect import header_keys

        return set(header_keys(self.path, self.encoding))


Detector = Callable[[Sniff], str | None]
_DETECTORS: list[tuple[int, Detector]] = []


def register(*formats: str, columns: Literal["header", "records"] | None = None) -> Callable[[Factory], Factory]:
    """Register a reader for ``formats``. ``columns`` says whether it applies ``source.columns``: ``header`` (a
    delimited file: every mapped column must be in its header, checked when the source opens) or ``records``
    (JSON: the reader checks that each mapped path is in some record). Without it ``columns:`` is refused."""

    def decorate(factory: Factory) -> Factory:
        for name in formats:
            _READERS[name] = factory
            if columns is not None:
                _MAPS_COLUMNS[name] = columns
        return factory

    return decorate


def detector(rank: int) -> Callable[[Detector], Detector]:
    """Register a detector for ``format: auto``: it names the format of a file it recognises (or raises a
    SourceError for a file it knows it cannot read), else returns None. Detectors run by ``rank``, lowest first:
    the file's first character (below 100), then header columns that only one export has (100-899), then
    fallbacks (900 and up)."""

    def decorate(function: Detector) -> Detector:
        _DETECTORS.append((rank, function))
        _DETECTORS.sort(key=lambda entry: entry[0])
        return function

    return decorate


def load_sources() -> None:
    """Import every module under ``feedsync/sources/``: each reader registers its formats and its detector. A
    format is added by adding its module, not by naming it here."""
    import feedsync.sources

    discover(feedsync.sources, packages=False)


def source_formats() -> list[str]:
    """The names ``source.format`` takes: ``auto`` and every registered reader's formats (A-Z)."""
    load_sources()
    return ["auto", *sorted(_READERS)]


def detectors() -> list[Detector]:
    load_sources()
    return [function for _, function in _DETECTORS]


def resolve_format(config: SourceConfig) -> str:
    if config.format != "auto":
        return config.format
    from feedsync.sources.detect import detect_format

    return detect_format(config.path, config.encoding)


def open_source(config: SourceConfig) -> Source:
    load_sources()
    if not config.path.is_file():
        raise SourceError(f"{config._path_at}source file not found: {config.path}")
    if config.path.stat().st_size == 0:
        raise SourceError(f"{config.path}: the file is empty")
    fmt = resolve_format(config)
    if config.columns:
        _check_columns(config, fmt)
    return NonEmpty(_READERS[fmt](config))


def quiet_read(config: SourceConfig) -> Iterator[Product]:
    """The source's products once more, its findings unsaid (the run's own read says them)."""
    return open_source(config).products(lambda diagnostic: None)


def maps_columns(fmt: str) -> bool:
    """Whether the ``fmt`` reader applies ``source.columns`` (formats that read an export's own columns do not)."""
    return fmt in _MAPS_COLUMNS


def _check_columns(config: SourceConfig, fmt: str) -> None:
    """Refuse a ``columns:`` map the reader would not apply: a format that reads its own columns, or (delimited
    files) a column that is not in the header, named with the closest header names."""
    mode = _MAPS_COLUMNS.get(fmt)
    if mode is None:
        first = next(iter(config.columns))
        applies = ", ".join(sorted(_MAPS_COLUMNS))
        raise config.column_error(
            first,
            f"the {fmt} reader reads the export's own columns and does not apply `columns:` (it does for {applies}); "
            "remove the map, or set source.format to one of those",
        )
    if mode != "header":
        return
    from feedsync.sources.detect import header_names

    header = header_names(config.path, config.encoding)
    keys = {header_key(name) for name in header}
    for column in config.columns:
        if header_key(column) not in keys:
            raise config.column_error(column, missing_column(column, header, "the header of " + str(config.path)))


def missing_column(column: str, names: Iterable[str], where: str) -> str:
    """The message for a mapped column that ``where`` lacks, with the closest of ``names``."""
    candidates = list(dict.fromkeys(names))
    close = difflib.get_close_matches(column, candidates, n=3, cutoff=0.5)
    if not close:
        folded = {name.casefold(): name for name in candidates}
        close = [folded[m] for m in difflib.get_close_matches(column.casefold(), list(folded), n=3, cutoff=0.5)]
    hint = f"; closest: {', '.join(repr(c) for c in close)}" if close else ""
    return f"column {column!r} is not in {where}{hint}"


class NonEmpty:
    """A reader that must find at least one data row: a catalog without any (a header alone, ``[]``, a feed
    without items) is a SourceError, never a clean run with nothing in it. It also counts the rows the reader
    named in an error finding and did not turn into a product (``stats.left_out``): each is a variant read that
    every channel counts as rejected."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.path = source.path
        self.stats = source.stats

    def products(self, emit: Emit) -> Iterator[Product]:
        named: list[Diagnostic] = []
        pending: set[tuple[str, int]] = set()
        """Rows named in an error finding that no product has come from (yet)."""

        def note(diagnostic: Diagnostic) -> None:
            location = diagnostic.location
            if location is not None and location.row is not None and diagnostic.severity is Severity.ERROR:
                if not named:
                    named.append(diagnostic)
                pending.add((location.path, location.row))
            emit(diagnostic)

        seen: set[str] = set()
        note_attributes = seen.update  # (0.3 µs a product of 7 attributes)
        product = None
        for product in self.source.products(note):
            if pending:
                pending.discard((product.source.path, product.source.row))
            note_attributes(product.attributes)
            yield product
        if product is not None:  # (a reader notes the rows the columnar engine made there too)
            self.stats.attributes_seen = seen | (self.stats.attributes_seen or set())
        self.stats.left_out = len(pending)
        if self.source.stats.rows == 0 and not named:  # a row left out with an error is a row
            raise SourceError(f"{self.path}: no data rows (the file holds no products, only a header or an empty list)")


def normalize_context(config: SourceConfig) -> NormalizeContext:
    return NormalizeContext(currency=config.currency, base_url=config.base_url, tz=ZoneInfo(config.timezone))


_FIELD_SET = frozenset(f for f in PRODUCT_FIELDS if f != "attributes")


def merge_duplicates(
    table: Table,
    found: dict[str, int | None],
    names: dict[str, tuple[str, ...]],
    fields: dict[str, str],
    emit: Emit | None,
) -> set[int]:
    """A platform export's columns that one of the reader's own columns is found in more than once (``found``: the
    column it reads for each of its names; ``names``: the header names each may have; the same name twice, or two of
    its names): SRC002 for each other one (``emit``; ``fields``: the model field each feeds, for the message), and
    the table's rows made to hold in the column read the first non-empty value of them (that one first, then the
    others in the header's order), as the native reader reads two columns of one field. Returns those other
    columns (read too: ``inspect`` does not call them unused)."""
    groups: list[tuple[int, list[int]]] = []
    for name, first in found.items():
        if first is None:
            continue
        keys = {header_key(key) for key in names.get(name, (name,))}
        others = [index for index, key in enumerate(table.keys) if key in keys and index != first]
        if not others:
            continue
        groups.append((first, others))
        field = fields.get(name, name)
        for other in others if emit is not None else ():
            emit(
                make(
                    "SRC002",
                    f"columns {table.header[first]!r} and {table.header[other]!r} both map to {field}; the first "
                    "non-empty value wins",
                    field=field,
                    location=Location(table.path, table.header_row, other + 1, table.header[other]),
                )
            )
    if groups:
        table.rows = _merged(table.rows, groups)
    return {other for _, others in groups for other in others}


def _merged(
    rows: Iterator[tuple[int, list[str]]], groups: list[tuple[int, list[int]]]
) -> Iterator[tuple[int, list[str]]]:
    """``rows`` with each group's first column holding the first non-empty value of the group's columns."""
    for row, cells in rows:
        for first, others in groups:
            if first < len(cells) and cells[first].strip():
                continue
            value = next((cells[other] for other in others if other < len(cells) and cells[other].strip()), None)
            if value is not None:
                cells = cells if first < len(cells) else [*cells, *[""] * (first + 1 - len(cells))]
                cells[first] = value
        yield row, cells


def field_columns(header: list[str], targets: list[str | None]) -> dict[str, tuple[str, int | None]]:
    """Model field -> (the column that feeds it, its 1-based number), as a ``SourceRef`` holds them: the first column
    of a field (``targets``: each column's field, or None)."""
    found: dict[str, tuple[str, int | None]] = {}
    for index, (name, target) in enumerate(zip(header, targets, strict=True), start=1):
        if target is not None:
            found.setdefault(target, (name, index))
    return found


def field_for(header: str, columns: dict[str, str]) -> str | None:
    """The model field a source column feeds: the ``columns:`` map first (its names compared as headers are:
    case and spacing do not matter), else the field of the same name (case-insensitive). None means the column
    goes to ``attributes``."""
    name = header.strip()
    if name in columns:
        return columns[name]
    key = header_key(name)
    for column, target in columns.items():
        if header_key(column) == key:
            return target
    lower = name.lower()
    return lower if lower in _FIELD_SET else None


def on_sale(sale: str, price: str) -> bool:
    """Whether a sale price the export holds is one the store charges: below the regular ``price`` (WooCommerce and
    Magento charge the regular price when the sale price is not lower). True where either is no number, for
    ``build_product`` to report."""
    try:
        return v.parse_decimal(sale, what="sale price") < v.parse_decimal(price, what="price")
    except v.ValueProblem:
        return True


def left_out_what(what: str, with_parent: int) -> str:
    """What SRC005 calls the products left out (``what``: "unpublished (draft, private or pending)", or "disabled"),
    saying how many of them were left out with their parent."""
    if not with_parent:
        return what
    kind = what.split(" (", 1)[0]  # "unpublished", "hidden", "disabled"
    parent = f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind} parent"
    if not what.endswith(")"):
        return f"{what} ({with_parent} of them variations of {parent})"
    return f"{what[:-1]}; {with_parent} of them variations of {parent})"


def report_left_out(emit: Emit, path: Path | str, count: int, what: str) -> None:
    """SRC005 once per file: ``count`` products the store does not show (``what``: e.g. "draft or archived")
    were left out. (A row split's shares keep their counts in ``SourceStats.unpublished`` instead: the merge tells
    the sum.)"""
    if count:
        emit(
            make(
                "SRC005",
                f"{count} {what} products left out (set source.include_unpublished: true to include them)",
                location=Location(str(path)),
            )
        )


def report_weights_ignored(emit: Emit, path: Path | str) -> None:
    """SRC008 once per file: the export has weights but no unit to read them in."""
    emit(
        make(
            "SRC008",
            "weights are not used: set source.weight_unit to the store's unit",
            location=Location(str(path)),
        )
    )
