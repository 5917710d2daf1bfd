"""WooCommerce product CSV (the built-in exporter's format, and hand-made files in the importer's format).

``simple`` and ``external`` rows are products; ``variation`` rows are variants of the ``variable`` row named by
``Parent`` (its SKU, or ``id:NN``), in any row order; ``grouped`` rows only bundle other products and are not
listed (SRC013 names them). Parents can come after their children, so the file is read twice: the first pass
indexes the variable parents (and decides the decimal separator), the second emits products. Memory holds the
parents only. Unpublished (draft, private, pending) products, and the variations of an unpublished parent whatever
their own status, are left out and counted (SRC005, ``stats.excluded``) unless ``include_unpublished``; so are the
products hidden from the store's catalog (``Visibility in catalog``: hidden) and their variations.

A row split (``feedsync.rows``) cuts the file where ``Parent`` changes (``parent_column``: a parent's variations
stay in one share). Each share indexes the parents of the whole file, as one reader does, and emits the products of
its own rows; the first share alone tells what the first pass finds (it is told before any product, as one reader
tells it), and SRC005 is told by the merge, with the shares' counts.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from feedsync import lookahead
from feedsync import values as v
from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.ids import slug
from feedsync.model.construct import construct
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import (
    PlatformSource,
    Sniff,
    detector,
    left_out_what,
    merge_duplicates,
    normalize_context,
    on_sale,
    register,
    report_left_out,
)
from feedsync.sources.normalize import build_product
from feedsync.sources.options import UnmappedOptions, note_option, option_field
from feedsync.sources.tabular import Table, header_key, open_table, share_of, whole_file_pass
from feedsync.sources.wpslug import wordpress_slug

# Canonical name -> header keys: English, then the Russian admin's translations seen in a real export.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "type": ("type", "тип"),
    "sku": ("sku", "артикул"),
    "gtin": ("gtin, upc, ean, or isbn", "gtin, upc, ean или isbn"),
    "name": ("name", "имя"),
    "published": ("published", "опубликован"),
    "visibility": ("visibility in catalog", "catalog visibility", "видимость в каталоге"),
    "short_description": ("short description", "короткое описание"),
    "description": ("description", "описание"),
    "sale_from": ("date sale price starts", "дата начала действия цены распродажи"),
    "sale_to": ("date sale price ends", "дата окончания действия цены распродажи"),
    "in_stock": ("in stock?", "в наличии?"),
    "stock": ("stock", "запасы"),
    "backorders": ("backorders allowed?", "возможен ли предзаказ?"),
    "sale_price": ("sale price", "цена распродажи"),
    "regular_price": ("regular price", "базовая цена"),
    "categories": ("categories", "категории"),
    "tags": ("tags", "метки"),
    "images": ("images", "изображения"),
    "parent": ("parent", "родительский"),
    "external_url": ("external url", "внешний url"),
    # "Brands": WooCommerce 9.6+ (the product_brand taxonomy), and its translations; "Brand" from plugins.
    "brands": ("brands", "marken", "marques", "marcas", "marche", "marchi", "merken", "marki", "бренды", "brand"),
    # Product identifier columns that SEO plugins (e.g. Yoast WooCommerce SEO) add to the exporter.
    "mpn": ("mpn",),
    "gtin13": ("gtin13 / ean",),
    "gtin12": ("gtin12 / upc",),
    "gtin14": ("gtin14 / itf-14",),
    "gtin8": ("gtin8",),
    "isbn": ("isbn",),
}
_GTIN_COLUMNS = ("gtin", "gtin13", "gtin12", "gtin14", "gtin8", "isbn")
FIELD_OF = {
    "id": "id",
    "sku": "id",
    "name": "title",
    "description": "description",
    "regular_price": "price",
    "sale_price": "sale_price",
    "sale_from": "sale_price_effective_date",
    "sale_to": "sale_price_effective_date",
    "in_stock": "availability",
    "stock": "quantity",
    "categories": "product_type",
    "images": "image_link",
    "gtin": "gtin",
    "weight": "weight",
    "brands": "brand",
    "mpn": "mpn",
}
_WEIGHT_HEADER = re.compile(r"(?:weight|вес) \((.+)\)")
_WEIGHT_UNITS = {"lbs": "lb", "lb": "lb", "kg": "kg", "кг": "kg", "g": "g", "г": "g", "oz": "oz"}
_ATTRIBUTE = re.compile(r"attribute (\d+) (name|value\(s\))")
_META = re.compile(r"meta: ?(.+)")
_ESCAPE = re.compile(r"\\\\n|\\n")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_DECIMAL_COMMA = re.compile(r"^-?(\d+|\d{1,3}(\.\d{3})+),\d{1,2}$")
"""A price written with a decimal comma, and dots between its thousands or none (``12,50``, ``1.234,50``)."""
_BRAND_NAMES = {"brand", "marke", "marque", "marca", "бренд", "manufacturer", "hersteller"}
_GTIN_META = re.compile(r"_?(wpm_)?(gtin|ean|upc|isbn)(_code)?\d*")
_MPN_META = re.compile(r"_?(wpm_)?mpn")
_UNPUBLISHED = {"0", "-1", "2"}
LEFT_OUT = "unpublished (draft, private or pending)"
"""What SRC005 calls the products the store does not show (``include_unpublished`` keeps them)."""
HIDDEN = "hidden (catalog visibility 'hidden')"
"""What SRC005 calls the published products the store hides from its catalog, whose pages only a link reaches: the
store's own Google and Meta extensions do not list them either (``include_unpublished`` keeps them)."""


def parent_column(header: list[str]) -> int | None:
    """The index of the ``Parent`` column in ``header`` (as ``Table.col`` finds it), or None: a parent's variations
    name it there, so a row split cuts the file only where it changes (``rows.cuts``)."""
    keys = [header_key(name) for name in header]
    return next((keys.index(key) for key in COLUMNS["parent"] if key in keys), None)


def looks_like_woocommerce(keys: set[str]) -> bool:
    """A header WooCommerce's exporter or importer would write (English or translated)."""
    has_type = bool(set(COLUMNS["type"]) & keys)
    has_price = bool((set(COLUMNS["regular_price"]) | set(COLUMNS["sale_price"])) & keys)
    has_identity = bool((set(COLUMNS["sku"]) | set(COLUMNS["parent"]) | set(COLUMNS["name"])) & keys)
    has_attributes = any(_ATTRIBUTE.fullmatch(k) for k in keys)
    return (has_type and (has_price or has_attributes) and has_identity) or (
        has_price and has_identity and "id" not in keys and "title" not in keys and "price" not in keys
    )


def unescape_description(text: str) -> str:
    """The exporter writes newlines as the two characters ``\\n`` and a literal ``\\n`` as ``\\\\n``."""
    return _ESCAPE.sub(lambda m: "\\n" if m.group() == "\\\\n" else "\n", text)


def unescape_entities(text: str) -> str:
    """A name as the shop shows it: WordPress stores product names and term names (categories, tags, brands, an
    attribute's terms) HTML-escaped (``Tom &amp; Jerry``) and the exporter writes them so. Each entity is decoded
    once, as the shop's page is (``&amp;amp;`` is the text ``&amp;``), and only a whole one, ending in ``;``
    (``AT&T``, ``&copy 2024`` stay as they are)."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


def _split_list(text: str) -> list[str]:
    """Comma-separated values with ``\\,`` for a literal comma."""
    parts = re.split(r"(?<!\\),", text)
    return [p.replace("\\,", ",").strip() for p in parts if p.strip()]


@dataclass
class _Columns:
    idx: dict[str, int | None]
    weight: tuple[int, str] | None
    attributes: dict[int, tuple[int | None, int | None]]
    meta: dict[int, str]
    positions: dict[str, tuple[str, int | None]] = field(default_factory=dict)


def _columns(table: Table) -> _Columns:
    idx = {name: table.col(*keys) for name, keys in COLUMNS.items()}
    weight = next(((i, _WEIGHT_UNITS.get(m.group(1), m.group(1))) for i, m in table.cols(_WEIGHT_HEADER.pattern)), None)
    attributes: dict[int, tuple[int | None, int | None]] = {}
    for i, m in table.cols(_ATTRIBUTE.pattern):
        name_col, value_col = attributes.get(int(m.group(1)), (None, None))
        attributes[int(m.group(1))] = (i, value_col) if m.group(2) == "name" else (name_col, i)
    meta = {i: m.group(1).strip() for i, m in table.cols(_META.pattern)}
    cols = _Columns(idx, weight, dict(sorted(attributes.items())), meta)
    for name, i in idx.items():
        if i is not None and name in FIELD_OF and FIELD_OF[name] not in cols.positions:
            cols.positions[FIELD_OF[name]] = (table.header[i], i + 1)
    if weight is not None:
        cols.positions["weight"] = (table.header[weight[0]], weight[0] + 1)
    return cols


@dataclass
class _Parent:
    key: str
    row: int
    cells: list[str]
    variations: int = 0
    first: int = 0
    """The row of its first variation the reader lists (and ``last``, of its last), or 0."""
    last: int = 0


class WooCommerceSource(PlatformSource):
    FORMAT = "woocommerce"

    def products(self, emit: Emit) -> Iterator[Product]:
        parents, comma_decimal = self._index(emit)
        if share_of(self.path) is not None:  # a family in two shares of a row split, told before any product
            unique = {id(parent): parent for parent in parents.values() if parent.first}
            lookahead.apart((parent.key, parent.first, parent.last) for parent in unique.values())
        self.stats.options_met = set()
        with open_table(self.config) as table:
            cols = _columns(table)
            merge_duplicates(table, cols.idx, COLUMNS, FIELD_OF, None)  # (told by the first pass)
            reader = _Reader(self, table, cols, parents, comma_decimal, emit)
            yield from reader.run()

    def _index(self, emit: Emit) -> tuple[dict[str, _Parent], bool]:
        """First pass: variable parents by ``id:NN`` and SKU, the variation count of each, the decimal mark (over
        the whole file, in a share of a row split too)."""
        return whole_file_pass(self.path, emit, self._indexed)

    def _indexed(self, emit: Emit) -> tuple[tuple[dict[str, _Parent], bool], int]:
        """The first pass over the whole file, and the row of its header."""
        parents: dict[str, _Parent] = {}
        references: list[str] = []
        saw_comma = saw_dot = False
        with open_table(self.config, emit) as table:
            header_row = table.header_row
            self.stats.describe(table)
            cols = _columns(table)
            merged = merge_duplicates(table, cols.idx, COLUMNS, FIELD_OF, emit)
            used = merged | {i for i in cols.idx.values() if i is not None} | set(cols.meta)
            used |= {i for pair in cols.attributes.values() for i in pair if i is not None}
            if cols.weight:
                used.add(cols.weight[0])
            self.stats.map_columns(
                table, {table.header[i]: FIELD_OF.get(n, n) for n, i in cols.idx.items() if i is not None}
            )
            self.stats.unused = [h for i, h in enumerate(table.header) if i not in used]
            for row, cells in table.rows:
                kind = _cell(cells, cols.idx["type"]).casefold()
                for name in ("regular_price", "sale_price"):
                    price = _cell(cells, cols.idx[name]).lstrip("'")
                    if "," in price and _DECIMAL_COMMA.match(price):
                        saw_comma = True
                    elif "." in price:
                        saw_dot = True
                if "variable" in kind:
                    parent = _Parent(_product_key(cells, cols), row, cells)
                    for key in _parent_keys(cells, cols):
                        parents[key] = parent
                elif "variation" in kind:
                    unpublished = _cell(cells, cols.idx["published"]) in _UNPUBLISHED
                    references.append((_cell(cells, cols.idx["parent"]), row, unpublished))
        listed = self.config.include_unpublished
        for ref, row, unpublished in references:
            parent = parents.get(ref) or parents.get(ref.casefold())
            if parent is not None:
                parent.variations += 1
                shown = not (_cell(parent.cells, cols.idx["published"]) in _UNPUBLISHED or _hidden(parent.cells, cols))
                if listed or (shown and not unpublished):
                    parent.first = parent.first or row  # (a variation the reader lists: ``_Reader.run``)
                    parent.last = row
        return (parents, saw_comma and not saw_dot), header_row


_ESCAPED = ("'=", "'+", "'-", "'@", "'\t", "'\r")
"""How WooCommerce's exporter writes a value that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
(``WC_CSV_Exporter::escape_data``: a ``'`` before it, so that a spreadsheet does not run it as a formula); its
importer takes the ``'`` off again (``unescape_data``). A draft's ``Published`` is exported ``'-1``, a negative stock
``'-3``."""


def _cell(cells: list[str], index: int | None) -> str:
    """The cell's text as the store holds it: stripped, without the ``'`` WooCommerce's exporter put before it."""
    if index is None or index >= len(cells):
        return ""
    text = cells[index].strip()
    return text[1:].strip() if text.startswith(_ESCAPED) else text


def _hidden(cells: list[str], cols: _Columns) -> bool:
    """Whether the product of the row is hidden from the store's catalog (``Visibility in catalog``: hidden)."""
    return _cell(cells, cols.idx["visibility"]).casefold() == "hidden"


def _product_key(cells: list[str], cols: _Columns) -> str:
    """The offer id: the SKU (unique in a WooCommerce store), else ``wc-<ID>``, else a slug of the name."""
    sku = _cell(cells, cols.idx["sku"])
    if sku:
        return sku
    post_id = _cell(cells, cols.idx["id"])
    if post_id:
        return f"wc-{post_id}"
    return "wc-" + slug(_cell(cells, cols.idx["name"]))


def _parent_keys(cells: list[str], cols: _Columns) -> list[str]:
    keys = []
    post_id = _cell(cells, cols.idx["id"])
    if post_id:
        keys.append(f"id:{post_id}")
    sku = _cell(cells, cols.idx["sku"])
    if sku:
        keys += [sku, sku.casefold()]
    return keys


class _Reader:
    def __init__(
        self,
        source: WooCommerceSource,
        table: Table,
        cols: _Columns,
        parents: dict[str, _Parent],
        comma_decimal: bool,
        emit: Emit,
    ) -> None:
        self.source = source
        self.config = source.config
        self.table = table
        self.cols = cols
        self.parents = parents
        self.comma_decimal = comma_decimal
        self.emit = emit
        self.unmapped = UnmappedOptions(emit, source.stats.told)
        self.ctx = normalize_context(source.config)
        self.tz = ZoneInfo(source.config.timezone)
        self.unpublished = 0
        self.of_unpublished_parent = 0
        self.hidden = 0
        self.of_hidden_parent = 0
        self.names: set[str] = set()
        """The attribute names met (``SourceStats.options_met``)."""
        self.share = share_of(source.path) is not None
        """Whether it reads a share of a row split (``feedsync.rows``): SRC005 is then the merge's to tell."""

    def get(self, cells: list[str], name: str) -> str:
        return _cell(cells, self.cols.idx[name])

    def loc(self, row: int, name: str | None = None) -> Location:
        index = self.cols.idx.get(name) if name else None
        if index is None:
            return Location(self.table.path, row)
        return Location(self.table.path, row, index + 1, self.table.header[index])

    def run(self) -> Iterator[Product]:
        for row, cells in self.table.rows:
            self.source.stats.rows += 1
            for name_col, _ in self.cols.attributes.values():
                name = _cell(cells, name_col)
                if name not in self.names:  # (an attribute's name recurs on every row)
                    self.names.add(name)
                    note_option(self.source.stats, unescape_entities(name))
            kind = {k.strip() for k in self.get(cells, "type").casefold().split(",")}
            published = self.get(cells, "published")
            if published in _UNPUBLISHED and not self.config.include_unpublished:
                self.unpublished += 1
                self.source.stats.excluded += "variable" not in kind and "grouped" not in kind
                continue
            if "variation" in kind and not self.config.include_unpublished:
                parent = self.parent_of(cells)
                if parent is not None and self.get(parent.cells, "published") in _UNPUBLISHED:
                    self.unpublished += 1
                    self.of_unpublished_parent += 1
                    self.source.stats.excluded += 1
                    continue
                if parent is not None and _hidden(parent.cells, self.cols):
                    self.hidden += 1
                    self.of_hidden_parent += 1
                    self.source.stats.excluded += 1
                    continue
            elif _hidden(cells, self.cols) and not self.config.include_unpublished:
                self.hidden += 1
                self.source.stats.excluded += "variable" not in kind and "grouped" not in kind
                continue
            if "variable" in kind:
                parent = self.parents.get(f"id:{self.get(cells, 'id')}") or self.parents.get(self.get(cells, "sku"))
                if parent is not None and parent.variations == 0:
                    self.emit(
                        make(
                            "SRC006",
                            f"variable product {self.get(cells, 'name')!r} has no variation rows, "
                            "so there is nothing to list",
                            location=self.loc(row, "type"),
                        )
                    )
                continue
            if "grouped" in kind:
                self.emit(
                    make(
                        "SRC013",
                        f"grouped product {self.get(cells, 'name')!r} is not listed: it has no price of its own "
                        "(its products are listed on their own rows)",
                        product_id=self.get(cells, "sku") or None,
                        location=self.loc(row, "type"),
                    )
                )
                continue
            product = self.variation(row, cells) if "variation" in kind else self.product(row, cells, None)
            if product is not None:
                yield product
        if self.share:
            stats = self.source.stats
            if self.unpublished or self.hidden:  # (both, in this order: the merge tells them in one reader's order)
                stats.unpublished[LEFT_OUT] = self.unpublished
                stats.unpublished[HIDDEN] = self.hidden
            if self.of_unpublished_parent:
                stats.with_parent[LEFT_OUT] = self.of_unpublished_parent
            if self.of_hidden_parent:
                stats.with_parent[HIDDEN] = self.of_hidden_parent
        else:
            what = left_out_what(LEFT_OUT, self.of_unpublished_parent)
            report_left_out(self.emit, self.table.path, self.unpublished, what)
            report_left_out(self.emit, self.table.path, self.hidden, left_out_what(HIDDEN, self.of_hidden_parent))

    def parent_of(self, cells: list[str]) -> _Parent | None:
        reference = self.get(cells, "parent")
        return self.parents.get(reference) or self.parents.get(reference.casefold())

    def variation(self, row: int, cells: list[str]) -> Product | None:
        reference = self.get(cells, "parent")
        parent = self.parent_of(cells)
        if parent is None:
            self.emit(
                make(
                    "SRC007",
                    f"variation's parent {reference!r} is not in the file (by SKU or id:NN)",
                    value=reference,
                    location=self.loc(row, "parent"),
                )
            )
            return None
        return self.product(row, cells, parent)

    def product(self, row: int, cells: list[str], parent: _Parent | None) -> Product | None:
        def own_or_parent(name: str) -> str:
            value = self.get(cells, name)
            return value or (self.get(parent.cells, name) if parent else "")

        raw: dict[str, Any] = {}
        attributes: dict[str, str] = {}
        sku = self.get(cells, "sku")
        if sku:
            attributes["sku"] = sku
        post_id = self.get(cells, "id")
        if post_id:
            attributes["woocommerce_id"] = post_id
        raw["title"] = unescape_entities((self.get(parent.cells, "name") if parent else "") or self.get(cells, "name"))
        description = own_or_parent("description") or own_or_parent("short_description")
        raw["description"] = unescape_description(description)
        raw["gtin"] = next((g for g in (self.get(cells, name) for name in _GTIN_COLUMNS) if g), "")
        brands = [unescape_entities(brand) for brand in _split_list(own_or_parent("brands"))]
        if brands:  # "Parent brand > Brand, Other": the first brand, as the shop names it
            raw["brand"] = brands[0].split(">")[-1].strip()
        raw["mpn"] = self.get(cells, "mpn")

        categories = [unescape_entities(category) for category in _split_list(own_or_parent("categories"))]
        if categories:
            raw["product_type"] = max(categories, key=lambda c: (c.count(">"), len(c)))
            attributes["categories"] = ", ".join(categories)
        tags = unescape_entities(own_or_parent("tags"))
        if tags:
            attributes["tags"] = tags

        images = [u.strip() for u in self.get(cells, "images").split(",") if u.strip()]
        if parent is not None:
            images += [
                u.strip() for u in self.get(parent.cells, "images").split(",") if u.strip() and u.strip() not in images
            ]
        if images:
            raw["image_link"] = images[0]
            raw["additional_image_links"] = images[1:]

        try:
            self.prices(cells, raw)
        except v.ValueProblem as problem:
            start_bad = problem.message.startswith("Date sale price starts")
            self.emit(
                make(
                    problem.code,
                    problem.message,
                    product_id=sku or None,
                    field="sale_price_effective_date",
                    value=self.get(cells, "sale_from" if start_bad else "sale_to"),
                    location=self.loc(row, "sale_from" if start_bad else "sale_to"),
                )
            )
            return None
        self.stock(cells, parent, raw)
        if self.cols.weight is not None:
            index, unit = self.cols.weight
            weight = _cell(cells, index) or (_cell(parent.cells, index) if parent else "")
            if weight:
                weight = self.number(weight)
                raw["weight"] = f"{'0' if weight.startswith('.') else ''}{weight} {unit}"

        option_values: list[str] = []
        unmapped: dict[str, str] = {}
        for name_col, value_col in self.cols.attributes.values():
            name = unescape_entities(_cell(cells, name_col) or (_cell(parent.cells, name_col) if parent else ""))
            value = unescape_entities(_cell(cells, value_col))
            if not name:
                continue
            if parent is not None and not value:
                self.emit(
                    make(
                        "MDL011",
                        f"variation leaves attribute {name!r} empty (any {name}); a feed needs one "
                        "value per variant, so the field stays empty",
                        field=option_field(name, self.config.options) or name,
                        location=Location(
                            self.table.path,
                            row,
                            (value_col or 0) + 1,
                            self.table.header[value_col] if value_col is not None else None,
                        ),
                    )
                )
                continue
            if not value:
                continue
            target = option_field(name, self.config.options)
            if header_key(name) in _BRAND_NAMES:
                raw["brand"] = raw.get("brand") or value
            elif target and parent is not None:
                raw[target] = value
                option_values.append(value)
            elif target and "," not in value:
                raw[target] = value
            else:
                attributes[name] = value
                if parent is not None:  # a variation axis that maps to no variant field
                    unmapped[name] = value
                    self.unmapped.report(name, parent.key, Location(self.table.path, row))
        for index, key in self.cols.meta.items():
            value = _cell(cells, index)
            if not value:
                continue
            if not raw.get("gtin") and _GTIN_META.fullmatch(key.casefold()):
                raw["gtin"] = value
            elif _MPN_META.fullmatch(key.casefold()):
                raw["mpn"] = raw.get("mpn") or value
            else:
                attributes[f"meta:{key}"] = value

        if parent is not None:
            raw["group_id"] = parent.key
            raw["id"] = sku or (
                f"wc-{post_id}" if post_id else "-".join([parent.key, *(slug(o) for o in option_values)])
            )
        else:
            raw["id"] = _product_key(cells, self.cols)
        external = self.get(cells, "external_url")
        if external:
            raw["link"] = external
        elif self.config.base_url:
            target_id = self.get(parent.cells, "id") if parent else post_id
            if target_id:
                raw["link"] = f"{self.config.base_url}/?p={target_id}"
            else:  # the page WordPress made of the title (none of symbols alone: no link, named as missing)
                page = wordpress_slug(raw["title"])  # (a variation's: its product's name, its page)
                raw["link"] = f"{self.config.base_url}/product/{page}/" if page else ""
        ref = construct(SourceRef, path=self.table.path, row=row, columns=self.cols.positions)
        return build_product(raw, attributes, ref, self.ctx, self.emit, unmapped)

    def number(self, text: str) -> str:
        value = text.strip().lstrip("'")
        if self.comma_decimal:
            value = value.replace(".", "").replace(",", ".")
        return value

    def prices(self, cells: list[str], raw: dict[str, Any]) -> None:
        regular = self.number(self.get(cells, "regular_price"))
        sale = self.number(self.get(cells, "sale_price"))
        raw["price"] = regular or sale
        if not (sale and regular and on_sale(sale, regular)):  # (not lower: WooCommerce charges the regular price)
            return
        raw["sale_price"] = sale
        start_text, end_text = self.get(cells, "sale_from"), self.get(cells, "sale_to")
        if start_text or end_text:
            start = v.parse_loose_datetime(start_text, self.tz, what="Date sale price starts") if start_text else None
            end = (
                v.parse_loose_datetime(end_text, self.tz, end_of_day=True, what="Date sale price ends")
                if end_text
                else None
            )
            raw["sale_price_effective_date"] = str(v.open_range(start, end))

    def stock(self, cells: list[str], parent: _Parent | None, raw: dict[str, Any]) -> None:
        stock = self.get(cells, "stock")
        if stock == "parent" and parent is not None:
            stock = self.get(parent.cells, "stock")
        stock = stock.lstrip("'")
        in_stock = (self.get(cells, "in_stock") or (self.get(parent.cells, "in_stock") if parent else "")).casefold()
        backorders = self.get(cells, "backorders").casefold()
        if stock:
            raw["quantity"] = stock
        if in_stock == "backorder":
            raw["availability"] = "backorder"
        elif in_stock in ("0", "no", "false"):
            raw["availability"] = "out_of_stock"
        elif stock and _is_non_positive(stock):
            raw["availability"] = "backorder" if backorders in ("1", "notify", "yes") else "out_of_stock"
        else:
            raw["availability"] = "in_stock"


def _is_non_positive(text: str) -> bool:
    try:
        return float(text) <= 0
    except ValueError:
        return False


@register("woocommerce")
def _woocommerce(config: SourceConfig) -> WooCommerceSource:
    return WooCommerceSource(config)


@detector(rank=130)
def _detect(sniff: Sniff) -> str | None:
    return "woocommerce" if looks_like_woocommerce(sniff.keys) else None
