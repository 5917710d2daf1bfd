"""The Source protocol, the reader registry, and header-to-field mapping shared by the readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Diagnostic, Location, Severity
from feedsync.errors import SourceError
from feedsync.model.product import PRODUCT_FIELDS, Product
from feedsync.sources.normalize import NormalizeContext
from feedsync.sources.tabular import Table


@dataclass
class SourceStats:
    """What a reader learned about its file, for ``feedsync inspect``. Filled in while ``products`` runs."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    rows: int = 0
    left_out: int = 0
    """Rows named in an error finding and left out (they never became a product): variants read and rejected."""
    excluded: int = 0
    """Variants the reader left out on purpose (unpublished: draft, archived, hidden): read and excluded."""
    columns: dict[str, str] = field(default_factory=dict)
    """Source column -> the model field (or reader role) it feeds."""
    unused: list[str] = field(default_factory=list)

    def describe(self, table: Table) -> None:
        self.encoding, self.delimiter = table.encoding, table.delimiter

    def map_columns(self, table: Table, mapping: dict[str, str]) -> None:
        self.columns = dict(mapping)


class Source(Protocol):
    """A catalog reader. ``products`` streams normalized products and reports problems through ``emit``."""

    path: Path
    stats: SourceStats

    def products(self, emit: Emit) -> Iterator[Product]: ...


class PlatformSource:
    """The shared part of the platform export readers: their config, file and stats (``FORMAT`` names them)."""

    FORMAT = ""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.path = config.path
        self.stats = SourceStats(format=self.FORMAT)


Factory = Callable[[SourceConfig], Source]
_READERS: dict[str, Factory] = {}


def register(*formats: str) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        for name in formats:
            _READERS[name] = factory
        return factory

    return decorate


def resolve_format(config: SourceConfig) -> str:
    if config.format != "auto":
        return config.format
    from feedsync.sources.detect import detect_format

    return detect_format(config.path, config.encoding)


def open_source(config: SourceConfig) -> Source:
    from feedsync.sources import (  # noqa: F401  (registers the built-in readers)
        bigcommerce,
        google_feed,
        magento,
        meta,
        native,
        shopify,
        woocommerce,
    )

    if not config.path.is_file():
        raise SourceError(f"source file not found: {config.path}")
    if config.path.stat().st_size == 0:
        raise SourceError(f"{config.path}: the file is empty")
    fmt = resolve_format(config)
    return NonEmpty(_READERS[fmt](config))


class NonEmpty:
    """A reader that must find at least one data row: a catalog without any (a header alone, ``[]``, a feed
    without items) is a SourceError, never a clean run with nothing in it."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.path = source.path
        self.stats = source.stats

    def products(self, emit: Emit) -> Iterator[Product]:
        named: list[Diagnostic] = []

        def note(diagnostic: Diagnostic) -> None:
            located = diagnostic.location is not None and diagnostic.location.row is not None
            if not named and located and diagnostic.severity is Severity.ERROR:
                named.append(diagnostic)
            emit(diagnostic)

        yield from self.source.products(note)
        if self.source.stats.rows == 0 and not named:  # a row left out with an error is a row
            raise SourceError(f"{self.path}: no data rows (the file holds no products, only a header or an empty list)")


def normalize_context(config: SourceConfig) -> NormalizeContext:
    return NormalizeContext(currency=config.currency, base_url=config.base_url, tz=ZoneInfo(config.timezone))


_FIELD_SET = frozenset(f for f in PRODUCT_FIELDS if f != "attributes")


def field_for(header: str, columns: dict[str, str]) -> str | None:
    """The model field a source column feeds: the ``columns:`` map first, else the field of the same name
    (case-insensitive). None means the column goes to ``attributes``."""
    name = header.strip()
    if name in columns:
        return columns[name]
    lower = name.lower()
    return lower if lower in _FIELD_SET else None


def report_left_out(emit: Emit, path: Path | str, count: int, what: str) -> None:
    """SRC005 once per file: ``count`` products the store does not show (``what``: e.g. "draft or archived")
    were left out."""
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
