"""BigCommerce product export, legacy "Bulk Edit" template (``Item Type, Product ID, Product Name, …``).

``Product`` rows are products; the ``SKU`` rows directly below one are its variants (their ``Product Name``
holds the options: ``[RB]Size=Small,[S]Color=Red``), and ``Rule`` rows change a variant's price, weight or
image (``[FIXED]25.00``, ``[ADD]5``, ``[REMOVE]2``). Row order is the only link, so a product is built when
the next ``Product`` row (or the end of the file) arrives: memory holds one product.

No real export was available to the project; the format follows BigCommerce's support articles
("Importing and Exporting Products (v2)", "Complex Attributes", "Importing Product Options").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError
from feedsync.ids import slug
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import (
    PlatformSource,
    Sniff,
    detector,
    merge_duplicates,
    normalize_context,
    register,
    report_left_out,
    report_weights_ignored,
)
from feedsync.sources.normalize import build_product
from feedsync.sources.options import UnmappedOptions, note_option, option_field
from feedsync.sources.tabular import Table, open_table

COLUMNS: dict[str, tuple[str, ...]] = {
    "item_type": ("item type",),
    "product_id": ("product id",),
    "name": ("product name",),
    "sku": ("product code/sku",),
    "brand": ("brand name",),
    "description": ("product description",),
    "price": ("price",),
    "sale_price": ("sale price",),
    "weight": ("product weight",),
    "visible": ("product visible?",),
    "allow_purchases": ("allow purchases?",),
    "track": ("track inventory",),
    "stock": ("current stock level", "stock level"),
    "category": ("category",),
    "condition": ("product condition",),
    "upc": ("product upc/ean",),
    "gtin": ("global trade item number",),
    "mpn": ("manufacturer part number",),
    "url": ("product url",),
    "image_url": ("product image url",),
    "image_path": ("product image path",),
}
FIELD_OF = {
    "product_id": "id",
    "sku": "id",
    "name": "title",
    "description": "description",
    "price": "price",
    "sale_price": "sale_price",
    "stock": "quantity",
    "brand": "brand",
    "upc": "gtin",
    "gtin": "gtin",
    "mpn": "mpn",
    "category": "product_type",
    "condition": "condition",
    "weight": "weight",
    "url": "link",
}
_OPTION = re.compile(r"\[[A-Z]+\]([^=,\[]+)=([^\[]*?)(?=,\s*\[|$)")
_ADJUST = re.compile(r"^\s*\[(FIXED|ADD|REMOVE)\]\s*([-0-9.]+)\s*$", re.IGNORECASE)
_IMAGE = re.compile(r"product image (url|file|is thumbnail|sort) - (\d+)")


def parse_options(text: str) -> list[tuple[str, str]]:
    """``[RB]Size=Small,[S]Color=Red`` -> [("Size", "Small"), ("Color", "Red")]."""
    return [(m.group(1).strip(), m.group(2).strip()) for m in _OPTION.finditer(text)]


def adjust(base: str, rule: str) -> str:
    """Apply a rule's ``[FIXED]x`` / ``[ADD]x`` / ``[REMOVE]x`` (or a plain number) to ``base``."""
    match = _ADJUST.match(rule)
    try:
        if match is None:
            return rule.strip() or base
        amount = Decimal(match.group(2))
        kind = match.group(1).upper()
        if kind == "FIXED":
            return f"{amount}"
        value = Decimal(base) + (amount if kind == "ADD" else -amount)
        return f"{value}"
    except InvalidOperation:
        return rule  # the model reports it with its position


def deepest_category(text: str) -> str | None:
    """``Shop All/Bags;Sale`` -> ``Shop All > Bags`` (``\\/`` is a slash inside a name)."""
    paths = [p for p in text.split(";") if p.strip()]
    if not paths:
        return None
    best = max(paths, key=lambda p: len(re.split(r"(?<!\\)/", p)))
    return " > ".join(part.replace("\\/", "/").strip() for part in re.split(r"(?<!\\)/", best) if part.strip())


@dataclass
class _Group:
    row: int
    cells: list[str]
    skus: list[tuple[int, list[str]]] = field(default_factory=list)
    rules: list[tuple[int, list[str]]] = field(default_factory=list)


class BigCommerceSource(PlatformSource):
    FORMAT = "bigcommerce"

    def products(self, emit: Emit) -> Iterator[Product]:
        self.stats.options_met = set()
        with open_table(self.config, emit) as table:
            self.stats.describe(table)
            yield from _Reader(self, table, emit).run()


class _Reader:
    def __init__(self, source: BigCommerceSource, table: Table, emit: Emit) -> None:
        self.source = source
        self.config = source.config
        self.table = table
        self.emit = emit
        self.unmapped = UnmappedOptions(emit)
        self.idx = {name: table.col(*keys) for name, keys in COLUMNS.items()}
        merged = merge_duplicates(table, self.idx, COLUMNS, FIELD_OF, emit)  # (one pass; never split by rows)
        self.images: dict[int, dict[str, int]] = {}
        for i, m in table.cols(_IMAGE.pattern):
            self.images.setdefault(int(m.group(2)), {})[m.group(1)] = i
        used = merged | {i for i in self.idx.values() if i is not None}
        used |= {i for d in self.images.values() for i in d.values()}
        source.stats.map_columns(
            table, {table.header[i]: FIELD_OF.get(n, n) for n, i in self.idx.items() if i is not None}
        )
        source.stats.unused = [h for i, h in enumerate(table.header) if i not in used]
        self.positions = {
            FIELD_OF[n]: (table.header[i], i + 1) for n, i in self.idx.items() if i is not None and n in FIELD_OF
        }
        self.ctx = normalize_context(source.config)
        self.hidden = 0
        self.weights_ignored = False

    def get(self, cells: list[str], name: str) -> str:
        index = self.idx[name]
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def run(self) -> Iterator[Product]:
        if self.idx["item_type"] is None:
            from feedsync.errors import SourceError

            raise SourceError(f"{self.table.path}: not a BigCommerce Bulk Edit export (no Item Type column)")
        group: _Group | None = None
        for row, cells in self.table.rows:
            self.source.stats.rows += 1
            kind = self.get(cells, "item_type").casefold()
            if kind == "product":
                if group is not None:
                    yield from self.finish(group)
                group = _Group(row, cells)
            elif kind in ("sku", "rule") and group is not None:
                (group.skus if kind == "sku" else group.rules).append((row, cells))
            else:
                self.emit(
                    make(
                        "SRC007" if kind in ("sku", "rule") else "SRC001",
                        f"{kind or 'row'} row without a Product row above it"
                        if kind in ("sku", "rule")
                        else f"unknown Item Type {self.get(cells, 'item_type')!r}",
                        location=Location(self.table.path, row, (self.idx["item_type"] or 0) + 1, "Item Type"),
                    )
                )
        if group is not None:
            yield from self.finish(group)
        report_left_out(self.emit, self.table.path, self.hidden, "hidden")
        if self.weights_ignored:
            report_weights_ignored(self.emit, self.table.path)

    def finish(self, group: _Group) -> Iterator[Product]:
        cells = group.cells
        if self.get(cells, "visible").upper() in ("N", "NO", "FALSE", "0") and not self.config.include_unpublished:
            self.hidden += 1
            self.source.stats.excluded += max(1, len(group.skus))
            for _, sku_cells in group.skus:  # its options are the file's all the same (CFG010)
                for name, _ in parse_options(self.get(sku_cells, "name")):
                    note_option(self.source.stats, name)
            return
        product_key = self.get(cells, "sku") or f"bc-{self.get(cells, 'product_id')}"
        rules = self.rules(group)
        if not group.skus:
            product = self.product(group.row, cells, None, product_key, None)
            if product is not None:
                yield product
            return
        for row, sku_cells in group.skus:
            product = self.product(row, cells, sku_cells, product_key, rules.get(self.get(sku_cells, "sku")))
            if product is not None:
                yield product

    def rules(self, group: _Group) -> dict[str, list[str]]:
        """The product's Rule rows by the SKU of the variant each one changes; a rule that changes none (no SKU, a
        SKU of no SKU row below the product, or a SKU a later rule changes again) is named (SRC007), as its price,
        weight, image or purchasability is not applied."""
        skus = {self.get(cells, "sku") for _, cells in group.skus} - {""}
        name = self.get(group.cells, "name")
        rules: dict[str, tuple[int, list[str]]] = {}
        for row, cells in group.rules:
            sku = self.get(cells, "sku")
            if sku in skus:
                if sku in rules:
                    self._rule_not_applied(rules[sku][0], name, f"a later rule row changes SKU {sku!r} again")
                rules[sku] = (row, cells)
            else:
                why = f"its Product Code/SKU {sku!r} is no SKU row's" if sku else "its Product Code/SKU is empty"
                self._rule_not_applied(row, name, why)
        return {sku: cells for sku, (_, cells) in rules.items()}

    def _rule_not_applied(self, row: int, name: str, why: str) -> None:
        column = self.idx["sku"]
        self.emit(
            make(
                "SRC007",
                f"rule row of product {name!r} is not applied ({why}): the price, weight, image or purchasability "
                "it sets changes no variant",
                location=Location(
                    self.table.path,
                    row,
                    column + 1 if column is not None else None,
                    self.table.header[column] if column is not None else None,
                ),
            )
        )

    def product(
        self, row: int, cells: list[str], sku_cells: list[str] | None, product_key: str, rule: list[str] | None
    ) -> Product | None:
        get = self.get
        raw: dict[str, Any] = {
            "title": get(cells, "name"),
            "description": get(cells, "description"),
            "brand": get(cells, "brand"),
            "condition": get(cells, "condition").casefold(),
            "product_type": deepest_category(get(cells, "category")),
            "sale_price": get(cells, "sale_price"),
        }
        attributes: dict[str, str] = {"bigcommerce_product_id": get(cells, "product_id")}
        unmapped: dict[str, str] = {}
        variant = sku_cells if sku_cells is not None else cells
        raw["gtin"] = get(variant, "gtin") or get(variant, "upc")
        raw["mpn"] = get(variant, "mpn") or (get(cells, "mpn") if sku_cells is None else "")
        price = get(cells, "price")
        weight = get(cells, "weight")
        images = self.product_images(cells)
        if sku_cells is not None:
            options = parse_options(get(sku_cells, "name"))
            for name, value in options:
                note_option(self.source.stats, name)
                target = option_field(name, self.config.options)
                if target and not raw.get(target):
                    raw[target] = value
                else:
                    attributes[name] = value
                    unmapped[name] = value
                    self.unmapped.report(name, product_key, Location(self.table.path, row))
            sku = get(sku_cells, "sku")
            raw["id"] = sku or "-".join([product_key, *(slug(v) for _, v in options)])
            raw["group_id"] = product_key
            if rule is not None:
                if get(rule, "price"):
                    price = adjust(price, get(rule, "price"))
                if get(rule, "weight"):
                    weight = adjust(weight, get(rule, "weight"))
                rule_image = get(rule, "image_url")
                if rule_image:
                    images.insert(0, rule_image)
                if get(rule, "allow_purchases").upper() in ("N", "NO"):
                    raw["availability"] = "out_of_stock"
        else:
            raw["id"] = product_key
        raw["price"] = price
        if sku_cells is not None and raw.get("sale_price") and price != get(cells, "price"):
            raw["sale_price"] = None  # a product-level sale price does not fit a variant with its own price
        track = get(cells, "track").casefold()
        stock = get(variant, "stock") if track == "by option" else get(cells, "stock")
        if track in ("by product", "by option") and stock:
            raw["quantity"] = stock
        if "availability" not in raw:
            if get(cells, "allow_purchases").upper() in ("N", "NO"):
                raw["availability"] = "out_of_stock"
            elif track in ("by product", "by option") and stock:
                raw["availability"] = "in_stock" if _positive(stock) else "out_of_stock"
            else:
                raw["availability"] = "in_stock"
        if weight:
            if self.config.weight_unit:
                raw["weight"] = f"{weight} {self.config.weight_unit}"
            else:
                self.weights_ignored = True
        url = get(cells, "url")
        if url and self.config.base_url:
            raw["link"] = self.config.base_url + "/" + url.lstrip("/")
        if images:
            raw["image_link"], raw["additional_image_links"] = images[0], images[1:]
        ref = SourceRef.model_construct(path=self.table.path, row=row, columns=self.positions)
        return build_product(raw, {k: v for k, v in attributes.items() if v}, ref, self.ctx, self.emit, unmapped)

    def product_images(self, cells: list[str]) -> list[str]:
        found: list[tuple[int, int, str]] = []
        for number, columns in sorted(self.images.items()):
            url = _at(cells, columns.get("url"))
            file_name = _at(cells, columns.get("file"))
            if not url and file_name:  # files uploaded to the store live below /product_images/
                url = file_name if "://" in file_name else f"product_images/{file_name.lstrip('/')}"
            if not url:
                continue
            thumbnail = _at(cells, columns.get("is thumbnail")).upper() in ("Y", "YES", "TRUE", "1")
            sort = _at(cells, columns.get("sort"))
            found.append((0 if thumbnail else 1, int(sort) if sort.isdecimal() else number, url))
        return [url for _, _, url in sorted(found)]


def _at(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _positive(text: str) -> bool:
    try:
        return Decimal(text) > 0
    except InvalidOperation:
        return True


@register("bigcommerce")
def _bigcommerce(config: SourceConfig) -> BigCommerceSource:
    return BigCommerceSource(config)


@detector(rank=110)
def _looks_like_bigcommerce(sniff: Sniff) -> str | None:
    keys = sniff.keys
    if "item type" in keys and ("product code/sku" in keys or "product id" in keys):
        return "bigcommerce"
    if "item" in keys and "options" in keys and "inventory tracking" in keys:
        raise SourceError(
            f"{sniff.path}: BigCommerce's newer Import/Export format is not supported yet; export the "
            "legacy Bulk Edit template (Item Type, Product ID, …) instead"
        )
    return None
