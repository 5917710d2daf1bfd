"""What ``feedsync inspect`` reports about a source file: the detected format and dialect, counts, the column
mapping, and every diagnostic of a full read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from feedsync import values
from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Location
from feedsync.sources.base import SourceStats, open_source, resolve_format

STAND_IN_CURRENCY = "USD"
"""What prices that name no currency are read in to count the products when no currency is given."""


@dataclass
class Inspection:
    format: str
    detected: bool
    stats: SourceStats
    products: int = 0
    variants: int = 0
    images: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    currencies: Counter[str] = field(default_factory=Counter)
    """The currencies that prices name in the file (read without a currency given)."""
    unnamed_prices: int = 0
    """Prices that name no currency, when none was given (source.currency / --currency)."""

    @property
    def variants_read(self) -> int:
        """The variants read as validate and push count them: those the source yielded, plus the rows left out
        with an error and the unpublished variants."""
        return self.variants + self.stats.left_out + self.stats.excluded


def inspect_source(config: SourceConfig) -> Inspection:
    """Read the whole source once. ``products`` counts variant groups, ``images`` distinct image URLs.

    Without a currency, prices that name none do not hide the products: the file is read again with a stand-in
    currency for the counts, and the missing currency is one finding (MDL003) instead of one per row."""
    detected = config.format == "auto"
    config = config.model_copy(update={"format": resolve_format(config)})
    result = _read(config, detected)
    if config.currency is not None:
        return result
    unnamed = [d for d in result.diagnostics if _names_no_currency(d)]
    if not unnamed:
        return result
    counted = _read(config.model_copy(update={"currency": STAND_IN_CURRENCY}), detected)
    counted.currencies = result.currencies
    counted.unnamed_prices = len(unnamed)
    first = unnamed[0]
    counted.diagnostics.insert(
        0,
        make(
            "MDL003",
            f"{len(unnamed)} price(s) name no currency (the first: {first.value!r}); set source.currency (or pass "
            "--currency). The counts here read them in a stand-in currency",
            field=first.field,
            value=first.value,
            location=first.location or Location(str(config.path)),
        ),
    )
    return counted


def _read(config: SourceConfig, detected: bool) -> Inspection:
    source = open_source(config)
    result = Inspection(format=config.format, detected=detected, stats=source.stats)
    groups: set[str] = set()
    images: set[str] = set()
    for product in source.products(result.diagnostics.append):
        result.variants += 1
        groups.add(product.group_id or product.id)
        if product.image_link:
            images.add(product.image_link)
        images.update(product.additional_image_links)
        if config.currency is None:
            result.currencies[product.price.currency] += 1
    result.products = len(groups)
    result.images = len(images)
    return result


def _names_no_currency(diagnostic: Diagnostic) -> bool:
    """Whether an MDL003 is a price without a currency (rather than one naming a code that is not ISO 4217)."""
    if diagnostic.code != "MDL003" or not diagnostic.value:
        return False
    try:
        values.parse_money(diagnostic.value, STAND_IN_CURRENCY)
    except values.ValueProblem:
        return False
    return True
