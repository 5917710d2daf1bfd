"""Magento 2 / Adobe Commerce ``catalog_product`` export.

``configurable`` rows are parents; their ``configurable_variations`` cell names the ``simple`` children and
their axis values (``sku=MH01-XS-Black,size=XS,color=Black|…``). Children usually come *before* their parent,
so the file is read twice: the first pass indexes parents (and the configured store view's override rows), the
second emits the sellable rows.

Scopes: a row with an empty ``store_view_code`` holds a SKU's default values; a row naming a store view (``default``
is the default store view's code) holds that view's values. A SKU is read from its default-scope row, else from the
configured ``source.store_view``'s row, else from its first row (SRC014); the configured view's values override
(its ``product_online`` and ``visibility`` too: both are store view attributes, and the export writes a store view
row's value only where it differs from the default scope's).
``simple``, ``virtual`` and ``downloadable`` rows are products (the last two without shipping weight), a
fixed-price ``bundle`` is one too; grouped products, dynamic-price bundles, gift cards and rows 'Not Visible
Individually' that no configurable names are named in an SRC013 finding, disabled ones counted in SRC005.

A row split (``feedsync.rows``) cuts the file after a row that is not a child ('Not Visible Individually': a
family's children come before their parent, ``family_ends``). Each share indexes the whole file first, as one reader
does (children usually come before their parent), and emits the products of its own rows; the first share alone
tells what the first pass finds (SRC014) and makes what the index alone knows once the rows are read (SRC006,
``stats.after_rows``), and the merge tells what one reader tells at its end, in its order, from the shares' counts
(SRC006, SRC005, then ``told_after_rows``: SRC013, SRC008).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from feedsync import lookahead
from feedsync import values as v
from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import (
    PlatformSource,
    Sniff,
    SourceStats,
    detector,
    left_out_what,
    merge_duplicates,
    normalize_context,
    on_sale,
    register,
    report_left_out,
    report_weights_ignored,
)
from feedsync.sources.normalize import build_product
from feedsync.sources.options import UnmappedOptions, note_option, option_field
from feedsync.sources.tabular import Table, header_key, open_table, share_of, whole_file_pass

if TYPE_CHECKING:
    from feedsync.rows.cuts import After

FIELD_OF = {
    "sku": "id",
    "name": "title",
    "description": "description",
    "price": "price",
    "special_price": "sale_price",
    "special_price_from_date": "sale_price_effective_date",
    "qty": "quantity",
    "is_in_stock": "availability",
    "base_image": "image_link",
    "categories": "product_type",
    "weight": "weight",
    "url_key": "link",
}
USED = (
    *FIELD_OF,
    "store_view_code",
    "product_type",
    "visibility",
    "product_online",
    "short_description",
    "additional_attributes",
    "additional_images",
    "configurable_variations",
    "special_price_to_date",
    "allow_backorders",
    "use_config_backorders",
    "manage_stock",
    "use_config_manage_stock",
    "bundle_price_type",
)
_BRAND_CODES = {"manufacturer", "brand"}
_GTIN_CODES = {"gtin", "ean", "upc", "isbn", "barcode"}
_SLUG = re.compile(r"[^\w]+")
_TYPES = {"simple", "virtual", "downloadable", "configurable", "grouped", "bundle", "giftcard", ""}
_SHIPPED = {"simple", "bundle", ""}  # virtual and downloadable products have no shipping weight
_DISABLED = {"2", "0"}  # product_online: 1 enabled, 2 (the status attribute's value) or 0 disabled
_VARIANTS = {"simple", "virtual", "downloadable", ""}
"""The product types a configurable's child is listed as (``_Reader.read_row``; a fixed-price bundle too, which a
row split's first pass leaves out of its families: its shares find it in two once they are made)."""
_COUNTED = _VARIANTS
"""The product types whose own ``qty`` Magento counts (its ``is_qty`` types): a bundle's stock is its options'."""
_ISO_DAY_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(?::\d{2})?")
_SHORT_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


def family_ends(header: list[str]) -> After | None:
    """Where a row split may cut the file (``rows.cuts``): after any row but a configurable product's child ('Not
    Visible Individually'), which comes before its parent; None (anywhere) without a ``visibility`` column."""
    from feedsync.rows.cuts import After

    keys = [header_key(name) for name in header]
    return After(keys.index("visibility"), "Not Visible Individually") if "visibility" in keys else None


def _some(skus: list[str], shown: int = 5) -> str:
    more = len(skus) - shown
    return ", ".join(skus[:shown]) + (f" and {more} more" if more > 0 else "")


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def parse_pairs(text: str) -> dict[str, str]:
    """``code=value,code=a|b`` -> {code: value, code: "a, b"} (multiselect values joined for display)."""
    pairs: dict[str, str] = {}
    for part in re.split(r",(?=[^,=]+=)", text):
        if "=" in part:
            code, _, value = part.partition("=")
            pairs[code.strip()] = ", ".join(x for x in value.split("|") if x)
    return pairs


def deepest_category(text: str) -> str | None:
    """``Default Category/Men/Tops,Default Category`` -> ``Men > Tops`` (the root category dropped)."""
    paths = [p.strip() for p in re.split(r",(?=[^,/]*/)|,(?=Default Category)", text) if p.strip()]
    best = max(paths, key=lambda p: p.count("/"), default="")
    parts = [x for x in best.split("/")[1:] if x]
    return " > ".join(parts) or None


def bundle_sale_price(price: str, percent: str) -> str:
    """A bundle's ``special_price`` is a percentage of its price (``Magento\\Bundle\\Pricing\\Price\\SpecialPrice``:
    regular price x special price / 100), rounded to cents half away from zero as ``PriceCurrency::round`` does;
    "" when there is no sale (0, or 100 % and more: Magento charges the lower of the two). Text that is not a number
    is given back as it is, for ``build_product`` to report."""
    try:
        regular = v.parse_decimal(price, what="price")
        share = v.parse_decimal(percent, what="special_price")
    except v.ValueProblem:
        return percent
    amount = (regular * share / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:f}" if share > 0 and amount < regular else ""


def sale_day(text: str, tz: tzinfo, *, end: bool = False, what: str) -> datetime:
    """A special price date as the day it is: Magento's ``special_from_date`` and ``special_to_date`` are days (the
    export writes ``2027-06-30 00:00:00``, and ``isScopeDateInInterval`` counts the to-date's whole day), read as
    the start of that day or (``end``) its last second in ``tz``. The export's admin locale short form (``6/30/27``,
    ``30/06/2027``) is read when a number above 12 tells the day from the month, else it is MDL005."""
    value = text.strip()
    if match := _ISO_DAY_TIME.fullmatch(value):
        value = match[1]
    elif match := _SHORT_DATE.fullmatch(value):
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first != second and first <= 12 and second <= 12:
            raise v.ValueProblem(
                "MDL005",
                f"{what} {text!r} may be day/month or month/day (the export writes the admin locale's short date); "
                "write it as YYYY-MM-DD",
            )
        month, day = (first, second) if second > 12 else (second, first)
        try:
            value = date(year + 2000 if len(match[3]) == 2 else year, month, day).isoformat()
        except ValueError:
            raise v.ValueProblem("MDL005", f"{what} {text!r} is not a date feedsync can read") from None
    return v.parse_loose_datetime(value, tz, end_of_day=end, what=what)


@dataclass
class _Parent:
    sku: str
    row: int
    cells: list[str]
    children: int = 0
    """How many of the children its configurable_variations name are in the file."""


@dataclass
class _Index:
    """What the first pass learns: the row each SKU's values come from, the configurable parents and their
    children, the configured store view's override rows."""

    base: dict[str, int] = field(default_factory=dict)
    parents: dict[str, _Parent] = field(default_factory=dict)
    children: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    listed: set[str] = field(default_factory=set)
    """The SKUs whose row the reader lists as a variant where a configurable names it (enabled, or
    ``include_unpublished``, and of a ``_VARIANTS`` type)."""


def _spans(index: _Index) -> Iterator[tuple[str, int, int]]:
    """Each configurable family with children the reader lists: its SKU and the first and last rows their values
    are read from."""
    spans: dict[str, tuple[int, int]] = {}
    for child, (parent, _) in index.children.items():
        row = index.base.get(child)
        if row is not None and child in index.listed:
            first, last = spans.get(parent, (row, row))
            spans[parent] = (min(first, row), max(last, row))
    for parent, (first, last) in spans.items():
        yield parent, first, last


class MagentoSource(PlatformSource):
    FORMAT = "magento"

    def products(self, emit: Emit) -> Iterator[Product]:
        self.stats.options_met = set()
        index = self._index(emit)
        if share_of(self.path) is not None:  # a family in two shares of a row split, told before any product
            lookahead.apart(_spans(index))
        with open_table(self.config) as table:
            yield from _Reader(self, table, index, emit).run()

    def told_after_rows(self, emit: Emit, stats: SourceStats) -> None:
        """What one reader tells once the rows are read, after SRC005 (a row split's merge asks it of the shares'
        merged ``stats``): the products not visible on their own (SRC013), the weights without a unit (SRC008)."""
        if stats.not_listed:
            skus = stats.not_listed
            emit(
                make(
                    "SRC013",
                    f"{len(skus)} products 'Not Visible Individually' that no configurable product in the file names "
                    f"({_some(skus)}) have no page of their own; they are not listed",
                    product_id=skus[0] if len(skus) == 1 else None,
                    location=Location(str(self.path)),
                )
            )
        if stats.weights_ignored:
            report_weights_ignored(emit, self.path)

    def _index(self, emit: Emit) -> _Index:
        """The first pass over the whole file (in a share of a row split too)."""
        return whole_file_pass(self.path, emit, self._indexed)

    def _indexed(self, emit: Emit) -> tuple[_Index, int]:
        """The default scope is the row with an empty store_view_code; a SKU without one (every row names a store
        view, e.g. ``default``) is read from the configured store view's row, else from its first row. And the row
        of the header."""
        index = _Index()
        listed = self.config.include_unpublished
        rank: dict[str, int] = {}
        candidates: dict[str, _Parent] = {}
        with open_table(self.config, emit) as table:
            header_row = table.header_row
            self.stats.describe(table)
            col = {name: table.col(name) for name in USED}
            merged = merge_duplicates(table, col, {}, FIELD_OF, emit)
            self.stats.map_columns(
                table, {table.header[i]: FIELD_OF.get(n, n) for n, i in col.items() if i is not None}
            )
            self.stats.unused = [h for i, h in enumerate(table.header) if i not in col.values() and i not in merged]
            if col["sku"] is None:
                from feedsync.errors import SourceError

                raise SourceError(f"{table.path}:{table.header_row}: not a Magento catalog_product export (no sku)")
            views: dict[str, str] = {}
            variants: set[str] = set()
            for row, cells in table.rows:
                sku = _cell(cells, col["sku"])
                view = _cell(cells, col["store_view_code"])
                if view and view == self.config.store_view:
                    kept = index.overrides[sku] = {}  # (a name twice: its first non-empty value, as the rows'
                    for name, cell in zip(table.header, cells, strict=False):  # columns are read, SRC002)
                        if cell.strip():
                            kept.setdefault(name, cell.strip())
                order = 0 if not view else 1 if view == self.config.store_view else 2
                if sku in rank and rank[sku] <= order:
                    continue
                rank[sku], index.base[sku] = order, row
                if view:
                    views[sku] = view
                else:
                    views.pop(sku, None)
                kind = _cell(cells, col["product_type"])
                if kind in _VARIANTS:
                    variants.add(sku)
                else:
                    variants.discard(sku)
                if kind in _VARIANTS and (listed or _cell(cells, col["product_online"]) not in _DISABLED):
                    index.listed.add(sku)
                else:
                    index.listed.discard(sku)
                if kind == "configurable":
                    candidates[sku] = _Parent(sku, row, cells)
                else:
                    candidates.pop(sku, None)
            for sku, kept in index.overrides.items():  # the configured store view's status wins (``_Reader.get``)
                if "product_online" in kept and sku in variants and not listed:
                    if kept["product_online"] in _DISABLED:
                        index.listed.discard(sku)
                    else:
                        index.listed.add(sku)
            for sku, parent in candidates.items():
                index.parents[sku] = parent
                online = index.overrides.get(sku, {}).get("product_online") or _cell(
                    parent.cells, col["product_online"]
                )
                disabled = not listed and online in _DISABLED
                for child in _cell(parent.cells, col["configurable_variations"]).split("|"):
                    pairs = parse_pairs(child)
                    child_sku = pairs.pop("sku", "")
                    pairs.pop("default", None)  # marks the variation shown first (import extensions), not an axis
                    if child_sku:
                        index.children[child_sku] = (sku, pairs)
                        parent.children += child_sku in index.base
                        if disabled:  # (its children are not sold either: ``_Reader.read_row``)
                            index.listed.discard(child_sku)
        if views:
            codes = ", ".join(sorted(set(views.values())))
            emit(
                make(
                    "SRC014",
                    f"{len(views)} SKUs have no default-scope row (empty store_view_code), only store view rows "
                    f"({codes}); their values are read from those rows",
                    location=Location(str(self.path)),
                )
            )
        return index, header_row


class _Reader:
    def __init__(self, source: MagentoSource, table: Table, index: _Index, emit: Emit) -> None:
        self.source = source
        self.config = source.config
        self.table = table
        self.col = {name: table.col(name) for name in USED}
        merge_duplicates(table, self.col, {}, FIELD_OF, None)  # (told by the first pass)
        self.positions = {
            FIELD_OF[n]: (table.header[i], i + 1) for n, i in self.col.items() if i is not None and n in FIELD_OF
        }
        self.index = index
        self.parents = index.parents
        self.children = index.children
        self.overrides = index.overrides
        self.emit = emit
        self.unmapped = UnmappedOptions(emit, source.stats.told)
        self.ctx = normalize_context(source.config)
        self.tz = ZoneInfo(source.config.timezone)
        base = source.config.base_url
        self.media = source.config.media_base_url or (f"{base}/media/catalog/product" if base else None)
        self.unpublished = 0
        self.of_disabled_parent = 0
        self.codes: set[str] = set()
        """The attribute codes met (``SourceStats.options_met``)."""
        self.not_visible: list[str] = []
        self.weights_ignored = False
        self.share = share_of(source.path)
        """The share of a row split it reads (``feedsync.rows``), or None: what one reader tells at its end is then
        the merge's to tell (``stats.after_rows``, SRC005, ``told_after_rows``)."""

    def get(self, cells: list[str], name: str, sku: str | None = None) -> str:
        """A cell, with the configured store view's value for ``sku`` when it has one."""
        if sku is not None and sku in self.overrides and name in self.overrides[sku]:
            return self.overrides[sku][name]
        return _cell(cells, self.col.get(name))

    def loc(self, row: int, name: str | None = None) -> Location:
        index = self.col.get(name) if name else None
        if index is None:
            return Location(self.table.path, row)
        return Location(self.table.path, row, index + 1, self.table.header[index])

    def run(self) -> Iterator[Product]:
        for row, cells in self.table.rows:
            self.source.stats.rows += 1
            sku = self.get(cells, "sku")
            if self.get(cells, "store_view_code") and self.index.base.get(sku) != row:
                continue  # another store view's values of a product read from its default-scope row
            product = self.read_row(row, cells, sku)
            if product is not None:
                yield product
            else:  # its option codes are the file's all the same (CFG010 judges source.options by them)
                self.note_codes(parse_pairs(self.get(cells, "additional_attributes", sku)))
                link = self.children.get(sku)
                if link:
                    self.note_codes(link[1])
        childless = [
            make(
                "SRC006",
                f"configurable product {parent.sku!r} has none of its variations in the file, "
                "so there is nothing to list",
                product_id=parent.sku or None,
                location=self.loc(parent.row, "configurable_variations"),
            )
            for parent in self.parents.values()
            if parent.children == 0
        ]
        stats = self.source.stats
        stats.not_listed, stats.weights_ignored = self.not_visible, self.weights_ignored
        share = self.share
        if share is not None:  # the merge tells it all, after every share's rows, from the shares' stats
            if share.first(self.table.header_row):  # (every share indexed the whole file: the first tells)
                stats.after_rows = childless
            if self.unpublished:
                stats.unpublished["disabled"] = self.unpublished
            if self.of_disabled_parent:
                stats.with_parent["disabled"] = self.of_disabled_parent
            return
        for finding in childless:
            self.emit(finding)
        what = left_out_what("disabled", self.of_disabled_parent)
        report_left_out(self.emit, self.table.path, self.unpublished, what)
        self.source.told_after_rows(self.emit, stats)

    def read_row(self, row: int, cells: list[str], sku: str) -> Product | None:
        """The product of one default-scope row, or None with the reason counted or reported."""
        kind = self.get(cells, "product_type")
        if kind not in _TYPES:
            self.emit(
                make(
                    "MDL004",
                    f"product_type {kind!r} is not a Magento product type; the row is left out",
                    product_id=sku or None,
                    value=kind,
                    location=self.loc(row, "product_type"),
                )
            )
            return None
        if kind == "configurable":
            return None  # its children are the variants
        if self.get(cells, "product_online", sku) in _DISABLED and not self.config.include_unpublished:
            self.unpublished += 1
            self.source.stats.excluded += 1
            return None
        if kind == "grouped":
            self.not_listed(sku, f"grouped product {sku!r} is not listed: it has no price of its own", row)
            return None
        if kind == "bundle" and self.get(cells, "bundle_price_type") != "fixed":
            self.source.stats.excluded += 1
            self.not_listed(
                sku,
                f"bundle {sku!r} is not listed: its price is not fixed (bundle_price_type is not 'fixed'), so it is "
                "the sum of the options a shopper picks",
                row,
            )
            return None
        if kind == "giftcard":
            self.source.stats.excluded += 1
            self.not_listed(sku, f"gift card {sku!r} is not listed: its amount is the shopper's choice", row)
            return None
        link = self.children.get(sku)
        parent = self.parents.get(link[0]) if link else None
        if (
            parent is not None
            and self.get(parent.cells, "product_online", parent.sku) in _DISABLED
            and not self.config.include_unpublished
        ):  # a disabled configurable's children are not sold on their own ('Not Visible Individually')
            self.unpublished += 1
            self.of_disabled_parent += 1
            self.source.stats.excluded += 1
            return None
        if parent is None and self.get(cells, "visibility", sku) == "Not Visible Individually":
            self.not_visible.append(sku)
            self.source.stats.excluded += 1
            return None
        return self.product(row, cells, sku, parent, link[1] if link else {}, kind=kind)

    def note_codes(self, pairs: dict[str, str]) -> None:
        """Note the attribute codes of a row met for the first time (``SourceStats.options_met``)."""
        for code in pairs.keys() - self.codes:  # (a code recurs on every row)
            self.codes.add(code)
            note_option(self.source.stats, code)

    def not_listed(self, sku: str | None, message: str, row: int | None) -> None:
        """SRC013 (the callers count a sellable product left out, all but grouped ones, in stats.excluded)."""
        location = self.loc(row, "product_type") if row is not None else Location(self.table.path)
        self.emit(make("SRC013", message, product_id=sku or None, location=location))

    def product(
        self, row: int, cells: list[str], sku: str, parent: _Parent | None, axes: dict[str, str], *, kind: str
    ) -> Product | None:
        p_cells, p_sku = (parent.cells, parent.sku) if parent else (cells, sku)
        raw: dict[str, Any] = {"id": sku, "group_id": parent.sku if parent else None}
        raw["title"] = self.get(p_cells, "name", p_sku) or self.get(cells, "name", sku)
        raw["description"] = (
            self.get(cells, "description", sku)
            or self.get(p_cells, "description", p_sku)
            or self.get(p_cells, "short_description", p_sku)
        )
        raw["price"] = self.get(cells, "price", sku)  # its own: a configurable's price is not what a child costs
        special = self.get(cells, "special_price", sku)
        if special and kind == "bundle":
            special = bundle_sale_price(raw["price"], special)
        elif special and raw["price"] and not on_sale(special, raw["price"]):
            special = ""  # Magento charges the lower of the two: the price
        if special:
            raw["sale_price"] = special
            start, end = self.get(cells, "special_price_from_date", sku), self.get(cells, "special_price_to_date", sku)
            if start or end:
                try:
                    raw["sale_price_effective_date"] = str(
                        v.open_range(
                            sale_day(start, self.tz, what="special_price_from_date") if start else None,
                            sale_day(end, self.tz, end=True, what="special_price_to_date") if end else None,
                        )
                    )
                except v.ValueProblem as problem:
                    self.emit(
                        make(
                            problem.code,
                            problem.message,
                            product_id=sku,
                            field="sale_price_effective_date",
                            location=Location(self.table.path, row),
                        )
                    )
                    return None
        self.stock(cells, kind, raw)
        url_key = _SLUG.sub("-", (self.get(p_cells, "url_key", p_sku) or raw["title"]).casefold()).strip("-")
        if self.config.base_url:
            raw["link"] = f"{self.config.base_url}/{quote(url_key)}.html"
        images = [
            self.get(cells, "base_image", sku),
            *self.get(cells, "additional_images", sku).split(","),
            self.get(p_cells, "base_image", p_sku),
            *self.get(p_cells, "additional_images", p_sku).split(","),
        ]
        urls: list[str] = []
        for path in images:
            path = path.strip()
            if path and path != "no_selection":
                url = (
                    path
                    if path.startswith(("http://", "https://")) or self.media is None
                    else f"{self.media}/{path.lstrip('/')}"
                )
                if url not in urls:
                    urls.append(url)
        if urls:
            raw["image_link"], raw["additional_image_links"] = urls[0], urls[1:]
        category = deepest_category(self.get(cells, "categories", sku) or self.get(p_cells, "categories", p_sku))
        raw["product_type"] = category
        weight = self.get(cells, "weight", sku) if kind in _SHIPPED else ""
        if weight:
            if self.config.weight_unit:
                raw["weight"] = f"{weight} {self.config.weight_unit}"
            else:
                self.weights_ignored = True

        attributes: dict[str, str] = {"is_bundle": "yes"} if kind == "bundle" else {}
        unmapped: dict[str, str] = {}
        pairs = parse_pairs(self.get(p_cells, "additional_attributes", p_sku)) if parent else {}
        pairs.update(parse_pairs(self.get(cells, "additional_attributes", sku)))
        pairs.update(axes)
        self.note_codes(pairs)
        for code, value in pairs.items():
            if code in ("has_options", "required_options", "quantity_and_stock_status") or not value:
                continue
            target = option_field(code, self.config.options)
            if code in _BRAND_CODES:
                raw["brand"] = value
            elif code in _GTIN_CODES:
                raw["gtin"] = value
            elif code == "mpn":
                raw["mpn"] = value
            elif target and not raw.get(target) and ("," not in value or code in axes):
                raw[target] = value
            else:
                attributes[code] = value
                if code in axes and parent is not None:  # a variation axis that maps to no variant field
                    unmapped[code] = value
                    self.unmapped.report(code, parent.sku, Location(self.table.path, row))
        ref = SourceRef.model_construct(path=self.table.path, row=row, columns=self.positions)
        return build_product(raw, attributes, ref, self.ctx, self.emit, unmapped)

    def stock(self, cells: list[str], kind: str, raw: dict[str, Any]) -> None:
        """``quantity`` and ``availability`` as Magento sells the row. Its ``is_in_stock`` is Magento's own word (it
        sets it to 0 when a product whose backorders are off runs out), so it is trusted: a product marked out of
        stock is out of stock, and one marked in stock is sold. Beyond it: a product whose stock Magento does not
        manage is in stock with its stock untracked; one with nothing left (``qty`` <= 0, of a type whose own qty
        counts) whose own setting allows backorders is on backorder. A ``use_config_*`` setting (the store's, which
        the export does not hold) tells nothing beyond ``is_in_stock``."""
        qty = self.get(cells, "qty")
        if qty:
            raw["quantity"] = qty.split(".")[0] if re.fullmatch(r"-?\d+\.0+", qty) else qty
        if self.setting(cells, "manage_stock", "use_config_manage_stock") is False:
            raw["availability"], raw["inventory_tracked"] = "in_stock", False
            return
        if self.get(cells, "is_in_stock") == "0":
            raw["availability"] = "out_of_stock"
            return
        try:
            left = v.parse_decimal(qty, what="qty") if qty and kind in _COUNTED else None
        except v.ValueProblem:
            left = None  # (build_product reports the quantity)
        backorders = self.setting(cells, "allow_backorders", "use_config_backorders")
        raw["availability"] = "backorder" if left is not None and left <= 0 and backorders else "in_stock"

    def setting(self, cells: list[str], name: str, use_config: str) -> bool | None:
        """A stock setting of the row's own (``1``, or ``2`` for backorders with a notice, is yes); None where the
        row takes the store's (``use_config`` 1, or no value), which the export does not hold."""
        value = self.get(cells, name)
        if not value or self.get(cells, use_config) == "1":
            return None
        return value in ("1", "2")


@register("magento")
def _magento(config: SourceConfig) -> MagentoSource:
    return MagentoSource(config)


@detector(rank=120)
def _looks_like_magento(sniff: Sniff) -> str | None:
    return "magento" if {"sku", "product_type", "attribute_set_code"} <= sniff.keys else None
