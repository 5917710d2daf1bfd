"""The Source protocol, the reader registry, and header-to-field mapping shared by the readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit
from feedsync.errors import SourceError
from feedsync.model.product import PRODUCT_FIELDS, Product
from feedsync.sources.normalize import NormalizeContext


class Source(Protocol):
    """A catalog reader. ``products`` streams normalized products and reports problems through ``emit``."""

    path: Path

    def products(self, emit: Emit) -> Iterator[Product]: ...


Factory = Callable[[SourceConfig], Source]
_READERS: dict[str, Factory] = {}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}


def register(*formats: str) -> Callable[[Factory], Factory]:
    def decorate(factory: Factory) -> Factory:
        for name in formats:
            _READERS[name] = factory
        return factory

    return decorate


def resolve_format(config: SourceConfig) -> str:
    if config.format != "auto":
        return config.format
    suffix = config.path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise SourceError(
        f"{config.path}: cannot tell the format from the file name; set source.format ({', '.join(sorted(_READERS))})"
    )


def open_source(config: SourceConfig) -> Source:
    from feedsync.sources import native  # noqa: F401  (registers the built-in readers)

    if not config.path.is_file():
        raise SourceError(f"source file not found: {config.path}")
    fmt = resolve_format(config)
    return _READERS[fmt](config)


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
