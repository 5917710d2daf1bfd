"""Shopify product CSV, both header dialects: the classic export (``Handle, Body (HTML), Variant SKU, …``) and
the 2025 template (``URL handle, Description, SKU, …``).

Rows sharing a handle are one product: the first row carries the product-level columns, the following rows
carry variants or only an extra image. Shopify files keep a handle's rows together, so products are built
one handle at a time and memory holds a single product. A row split (``feedsync.rows``) cuts the file where the
handle changes (``handle_column``); a handle whose rows are in two shares makes the run be made as though not split.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from feedsync import values as v
from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.ids import fit_id, slug
from feedsync.model.construct import construct
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import (
    PlatformSource,
    Sniff,
    detector,
    merge_duplicates,
    normalize_context,
    register,
    report_left_out,
)
from feedsync.sources.normalize import build_product
from feedsync.sources.options import UnmappedOptions, note_option, option_field
from feedsync.sources.tabular import Table, header_key, open_table, share_of

# Canonical name -> header keys (classic first, then the 2025 template); compared with tabular.header_key.
COLUMNS: dict[str, tuple[str, ...]] = {
    "handle": ("handle", "url handle"),
    "title": ("title",),
    "body": ("body (html)", "description"),
    "vendor": ("vendor",),
    "category": ("product category",),
    "type": ("type",),
    "tags": ("tags",),
    "status": ("status",),
    "sku": ("variant sku", "sku"),
    "grams": ("variant grams", "weight value (grams)"),
    "tracker": ("variant inventory tracker", "inventory tracker"),
    "qty": ("variant inventory qty", "inventory quantity"),
    "policy": ("variant inventory policy", "continue selling when out of stock"),
    "price": ("variant price", "price"),
    "compare": ("variant compare at price", "compare-at price"),
    "barcode": ("variant barcode", "barcode"),
    "image": ("image src", "product image url"),
    "position": ("image position",),
    "variant_image": ("variant image", "variant image url"),
    "unit": ("variant weight unit", "weight unit for display"),
    "gift_card": ("gift card",),
    "google_category": ("google shopping / google product category",),
    "gender": ("google shopping / gender",),
    "age_group": ("google shopping / age group",),
    "mpn": ("google shopping / mpn", "google shopping / manufacturer part number (mpn)"),
    "condition": ("google shopping / condition",),
    **{f"label{i}": (f"google shopping / custom label {i}",) for i in range(5)},
}
UNPUBLISHED = "draft or archived"
"""What SRC005 calls the products whose status the store does not show (``include_unpublished`` keeps them)."""
UNLISTED = "unlisted"
"""What SRC005 calls the products whose status is ``unlisted``: active but on no sales channel, shown only by a
direct link (Shopify's ``ProductStatus.UNLISTED``), told apart from drafts and archived ones."""
GROUP = COLUMNS["handle"]
"""The header keys of the column whose value groups rows into a product (``handle_column``)."""
_OPTION_FIELDS = frozenset({"color", "size", "material", "pattern"})
"""The variant fields an option fills that no product's value fills before it."""
PRODUCT_LEVEL = (
    "title",
    "body",
    "vendor",
    "category",
    "type",
    "tags",
    "status",
    "google_category",
    "gender",
    "age_group",
    "condition",
    *(f"label{i}" for i in range(5)),
)
# Model field fed by a canonical column, for source positions.
FIELD_OF = {
    "title": "title",
    "body": "description",
    "vendor": "brand",
    "price": "price",
    "barcode": "gtin",
    "mpn": "mpn",
    "qty": "quantity",
    "grams": "weight",
    "image": "image_link",
    "google_category": "google_product_category",
    "gender": "gender",
    "age_group": "age_group",
    "condition": "condition",
    "type": "product_type",
    **{f"label{i}": f"custom_label_{i}" for i in range(5)},
}

GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237"), "oz": Decimal("28.349523125")}
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+-]?\d+$")
_METAFIELD = re.compile(r".*\((product|variant)\.metafields\.([^)]+)\)$")
_METAFIELD_KEY = re.compile(r".*\((?:product|variant)\.metafields\.[^)]+\)")
_STATUS_LIVE = {"", "active"}
_STATUSES = {"", "active", "draft", "archived", "unlisted"}


def variant_id(handle: str, options: list[str]) -> str:
    """A stable offer id from the handle and the option values (in any script: see ``ids.slug``); at most 50
    characters (Google's limit)."""
    key = "-".join(p for p in [handle, *(slug(o) for o in options)] if p)
    return fit_id(key, 50)


def _default_title(name: str, value: str) -> bool:
    """Whether an option is Shopify's stand-in of a product without options (``Title`` = ``Default Title``)."""
    return value == "Default Title" and name.casefold() in ("title", "")


@dataclass
class _Product:
    handle: str
    first_row: int
    values: dict[str, str]
    option_names: list[str]
    variants: list[tuple[int, list[str], list[str]]] = field(default_factory=list)  # (row, cells, option values)
    images: list[tuple[int, int, str]] = field(default_factory=list)  # (position, order, url)
    records: list[tuple[int, list[str]]] | None = None
    """Its rows and their cells, where a columnar gate may take the product (``columnar.gate.Gate.take``)."""


class ShopifySource(PlatformSource):
    FORMAT = "shopify"
    gate: Any = None
    """The columnar engine's gate (``columnar.gate``): offered each product, it makes those whose variants it made
    whole a column at a time."""

    def products(self, emit: Emit) -> Iterator[Product]:
        self.stats.options_met = set()
        with open_table(self.config, emit) as table:
            self.stats.describe(table)
            idx, option_cols, metafields = layout(table.keys)
            if idx["handle"] is None:
                raise_missing(table, "Handle / URL handle")
            merged = merge_duplicates(table, idx, COLUMNS, FIELD_OF, emit)  # (a later share drops the header's)
            used = (
                merged
                | {i for i in idx.values() if i is not None}
                | {i for pair in option_cols for i in pair if i is not None}
            )
            used |= set(metafields)
            mapping = {table.header[i]: FIELD_OF.get(n, n) for n, i in idx.items() if i is not None}
            if idx["compare"] is not None:
                mapping[table.header[idx["compare"]]] = "price (when above the price, which becomes sale_price)"
            for name_col, value_col in option_cols:
                for i in (name_col, value_col):
                    if i is not None:
                        mapping[table.header[i]] = "options (color, size, material, pattern or attributes)"
            mapping.update({table.header[i]: f"attributes[meta:{key}]" for i, key in metafields.items()})
            self.stats.map_columns(table, mapping)
            self.stats.unused = [h for i, h in enumerate(table.header) if i not in used]
            columns = {FIELD_OF[n]: (table.header[i], i + 1) for n, i in idx.items() if i is not None and n in FIELD_OF}
            reader = _Reader(self, table, idx, option_cols, metafields, columns, emit)
            yield from reader.run()


class Layout(NamedTuple):
    """Where a Shopify export's columns are: each canonical column's index (``COLUMNS``), each option's name and
    value columns, and the metafield columns with their keys."""

    idx: dict[str, int | None]
    options: list[tuple[int | None, int | None]]
    metafields: dict[int, str]


def layout(keys: list[str]) -> Layout:
    """The columns of a header whose names are ``keys`` (``header_key``), as the reader finds them."""

    def col(*names: str) -> int | None:
        return next((keys.index(name) for name in names if name in keys), None)

    metafields = {
        i: m.group(2)
        for i, key in enumerate(keys)
        if _METAFIELD_KEY.fullmatch(key)
        for m in [_METAFIELD.match(key)]
        if m
    }
    options = [(col(f"option{n} name"), col(f"option{n} value")) for n in (1, 2, 3)]
    return Layout({name: col(*names) for name, names in COLUMNS.items()}, options, metafields)


def duplicated(keys: list[str]) -> list[str]:
    """The export's own columns found in more than one column of a header whose names are ``keys`` (``header_key``):
    the reader reads the first non-empty value of them (``base.merge_duplicates``, SRC002)."""
    return [name for name, names in COLUMNS.items() if sum(key in names for key in keys) > 1]


def handle_column(header: list[str]) -> int | None:
    """The index of the handle column in ``header`` (as ``Table.col`` finds it), or None: the rows of one handle are
    one product, so a row split cuts the file only where the handle changes (``rows.cuts``)."""
    keys = [header_key(name) for name in header]
    return next((keys.index(key) for key in GROUP if key in keys), None)


def raise_missing(table: Table, what: str) -> None:
    from feedsync.errors import SourceError

    raise SourceError(f"{table.path}:{table.header_row}: not a Shopify product CSV (no {what} column)")


class _Reader:
    def __init__(
        self,
        source: ShopifySource,
        table: Table,
        idx: dict[str, int | None],
        option_cols: list[tuple[int | None, int | None]],
        metafields: dict[int, str],
        columns: dict[str, tuple[str, int | None]],
        emit: Emit,
    ) -> None:
        self.source = source
        self.config = source.config
        self.table = table
        self.idx = idx
        self.option_cols = option_cols
        self.metafields = metafields
        self.columns = columns
        self.emit = emit
        self.ctx = normalize_context(source.config)
        self.unpublished = dict.fromkeys((UNPUBLISHED, UNLISTED), 0)
        """The products left out for their status (SRC005), by what SRC005 calls them."""
        self.stock_told = False
        """Whether SRC018 was told (variants whose stock is tracked, in an export without their quantities)."""
        self.unmapped = UnmappedOptions(emit, source.stats.told)
        self.fields: dict[str, str | None] = {}
        """Option name -> the variant field it fills (``option_field``), or None."""
        self.attribute_options: dict[tuple[str, ...], frozenset[str]] = {}
        """``_attribute_options``'s answers, by list of option names."""
        self.share = share_of(source.path) is not None
        """Whether it reads a share of a row split (``feedsync.rows``): the findings it tells once the rows are read
        are the merge's to tell, and it keeps the handles it read."""

    def cell(self, cells: list[str], name: str) -> str:
        index = self.idx[name]
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def run(self) -> Iterator[Product]:
        gate = self.source.gate
        if gate is not None:
            gate.start(list(self.table.header), clean=self.table.clean)
        yield from self._products()
        if gate is not None:
            gate.end()

    def _products(self) -> Iterator[Product]:
        current: _Product | None = None
        seen: set[str] = set()
        for row, cells in self.table.rows:
            self.source.stats.rows += 1
            handle = self.cell(cells, "handle")
            if not handle:
                self.emit(make("SRC001", "row has no handle", location=Location(self.table.path, row)))
                continue
            if current is None or handle != current.handle:
                if current is not None:
                    yield from self.finish(current)
                if handle in seen:
                    self.emit(
                        make(
                            "SRC004",
                            f"rows of handle {handle!r} are not together; this group is read as another product",
                            location=Location(self.table.path, row),
                        )
                    )
                seen.add(handle)
                current = _Product(
                    handle,
                    row,
                    {n: self.cell(cells, n) for n in PRODUCT_LEVEL},
                    [cells[n].strip() if n is not None and n < len(cells) else "" for n, _ in self.option_cols],
                    records=[] if self.source.gate is not None else None,
                )
                for name in current.option_names:
                    note_option(self.source.stats, name)
                current.values.update(
                    {
                        f"meta:{key}": cells[i].strip()
                        for i, key in self.metafields.items()
                        if i < len(cells) and cells[i].strip()
                    }
                )
            if current.records is not None:
                current.records.append((row, cells))
            image = self.cell(cells, "image")
            if image:
                position = self.cell(cells, "position")
                current.images.append((int(position) if position.isdecimal() else 10**6, len(current.images), image))
            options = self.option_values(cells)
            if any(options) or self.cell(cells, "sku") or self.cell(cells, "price"):
                current.variants.append((row, cells, options))
        if current is not None:
            yield from self.finish(current)
        if self.share:
            self.source.stats.together = seen
            for what, count in self.unpublished.items():
                if count:
                    self.source.stats.unpublished[what] = count
        else:
            for what, count in self.unpublished.items():
                report_left_out(self.emit, self.table.path, count, what)

    def finish(self, product: _Product) -> Iterator[Product]:
        status = product.values["status"].casefold()
        if status not in _STATUSES:
            column = self.idx["status"]
            self.emit(
                make(
                    "MDL004",
                    f"Status {product.values['status']!r} is not one of: {', '.join(sorted(_STATUSES - {''}))}; "
                    f"the product is left out",
                    value=product.values["status"],
                    location=Location(
                        self.table.path,
                        product.first_row,
                        column + 1 if column is not None else None,
                        self.table.header[column] if column is not None else None,
                    ),
                )
            )
            return
        if status not in _STATUS_LIVE and not self.config.include_unpublished:
            self.unpublished[UNLISTED if status == "unlisted" else UNPUBLISHED] += 1
            self.source.stats.excluded += len(product.variants)
            return
        if self.idx["qty"] is None and self.idx["tracker"] is not None and not self.stock_told:
            self._tell_stock_unknown(product)
        images = [url for _, _, url in sorted(product.images)]
        multi = len(product.variants) > 1
        differing = {
            n for n in range(len(self.option_cols)) if len({options[n] for _, _, options in product.variants}) > 1
        }
        variants = product.variants
        gate = self.source.gate
        if gate is not None and product.records is not None and variants:
            told = None
            if self._may_tell(product, differing):

                def told(index: int, variants: list[Any] = variants) -> None:  # MDL016, as a variant is made
                    row, cells, options = variants[index]
                    self._options(product, row, options, differing, self._head(product, cells), {})

            taken = gate.take(product.records, [row for row, _, _ in variants], told)
            self._note_taken(product, variants[:taken], differing)
            variants = variants[taken:]
        for row, cells, options in variants:
            item = self.variant(product, row, cells, options, images, multi, differing)
            if item is not None:
                yield item

    def _note_taken(self, product: _Product, taken: list[Any], differing: set[int]) -> None:
        """The attribute names ``variant`` would have given the variants the columnar engine made instead
        (``SourceStats.attributes_seen``: the others are noted as products). Their options are asked only while a
        name of them is not noted yet (an option's name recurs on every product); told of as they were made, they
        tell nothing again (MDL016 is told once a name)."""
        if not taken:
            return
        stats = self.source.stats
        seen = stats.attributes_seen
        if seen is None:
            seen = stats.attributes_seen = set()
        values = product.values
        seen.add("handle")
        seen.update(key for key in ("tags", "category", "type", "gift_card") if values.get(key))
        seen.update(key for key in values if key.startswith("meta:"))
        if "sku" not in seen and any(self.cell(cells, "sku") for _, cells, _ in taken):
            seen.add("sku")
        names = product.option_names
        missing = self._attribute_options(tuple(names)) - seen
        asked = [n for n, name in enumerate(names) if (name or "option") in missing]
        for row, _, options in taken:
            if not any(options[n] and not _default_title(names[n], options[n]) for n in asked):
                continue  # (no option of a name not noted yet has a value here)
            attributes: dict[str, str] = {}
            self._options(product, row, options, differing, {}, attributes)
            seen.update(attributes)

    def _attribute_options(self, names: tuple[str, ...]) -> frozenset[str]:
        """The options of ``names`` that ``_options`` keeps as attributes (a name of no variant field, or of a field
        an option before it fills already), worked out once for each list of option names."""
        known = self.attribute_options.get(names)
        if known is None:
            filled: set[str] = set()
            kept = set()
            for name in names:
                target = self._field(name)
                if target and target not in filled:
                    filled.add(target)
                else:
                    kept.add(name or "option")
            known = self.attribute_options[names] = frozenset(kept)
        return known

    def _tell_stock_unknown(self, product: _Product) -> None:
        """SRC018 once per file, at the first product with a variant whose stock Shopify tracks, in an export
        without their quantities (a store with several locations): they are sent in stock (``variant``). A row
        split's later shares leave theirs out (``SourceStats.told``)."""
        if not any(self.cell(cells, "tracker") for _, cells, _ in product.variants):
            return
        self.stock_told = True
        self.source.stats.told.add(("SRC018", "quantity"))
        self.emit(
            make(
                "SRC018",
                "the export has no inventory quantity column (Shopify leaves 'Variant Inventory Qty' out of the "
                "export of a store with several locations): the variants whose stock Shopify tracks are sent in "
                "stock without a quantity; give them their stock from a supplement",
                field="quantity",
                location=Location(self.table.path),
            )
        )

    def option_values(self, cells: list[str]) -> list[str]:
        return [cells[v].strip() if v is not None and v < len(cells) else "" for _, v in self.option_cols]

    def _may_tell(self, product: _Product, differing: set[int]) -> bool:
        """Whether making a variant of ``product`` may tell of an option of no variant field (MDL016, once a
        name): an option whose values differ, of a name not told of yet, that names no variant field, or one its
        product's value or another option may have filled first."""
        names = product.option_names
        reported = self.unmapped.reported
        targets = [self._field(name) for name in names]
        for n in differing:
            if header_key(names[n] or "option") in reported:
                continue
            target = targets[n]
            if target not in _OPTION_FIELDS or targets.count(target) > 1:
                return True
        return False

    def _field(self, name: str) -> str | None:
        """The variant field the option ``name`` fills (``option_field``), looked up once a name."""
        if name not in self.fields:  # (an option's name recurs on every product)
            self.fields[name] = option_field(name, self.config.options)
        return self.fields[name]

    def _head(self, product: _Product, cells: list[str]) -> dict[str, Any]:
        """The variant's raw fields its options may fill (``_options``): its product's, and its MPN."""
        values = product.values
        raw: dict[str, Any] = {
            "title": values["title"],
            "description": values["body"],
            "brand": values["vendor"],
            "product_type": values["type"] or values["category"],
            "google_product_category": values["google_category"],
            "condition": values["condition"].casefold(),
            "gender": values["gender"]
            or from_taxonomy("meta:shopify.target-gender", values.get("meta:shopify.target-gender", "")),
            "age_group": _age_group(values["age_group"])
            or from_taxonomy("meta:shopify.age-group", values.get("meta:shopify.age-group", "")),
            "mpn": self.cell(cells, "mpn"),
        }
        for i in range(5):
            raw[f"custom_label_{i}"] = values[f"label{i}"]
        return raw

    def _options(
        self,
        product: _Product,
        row: int,
        options: list[str],
        differing: set[int],
        raw: dict[str, Any],
        attributes: dict[str, str],
    ) -> tuple[list[str], dict[str, str]]:
        """The variant's options put into ``raw``'s fields they name (while a field is empty), the rest into
        ``attributes`` by their names; its real options' values, and those of no field that differ among its
        product's variants (its variant options, each told once a name: MDL016)."""
        real_options: list[str] = []
        unmapped: dict[str, str] = {}
        for n, (name, value) in enumerate(zip(product.option_names, options, strict=True)):
            if not value or _default_title(name, value):
                continue
            real_options.append(value)
            target = self._field(name)
            if target and not raw.get(target):
                raw[target] = value
                continue
            attributes[name or "option"] = value
            if n in differing:
                unmapped[name or "option"] = value
                column = self.option_cols[n][1]
                self.unmapped.report(
                    name or "option",
                    product.handle,
                    Location(self.table.path, row, (column or 0) + 1, self.table.header[column] if column else None),
                )
        return real_options, unmapped

    def variant(
        self,
        product: _Product,
        row: int,
        cells: list[str],
        options: list[str],
        images: list[str],
        multi: bool,
        differing: set[int],
    ) -> Product | None:
        get = self.cell
        raw = self._head(product, cells)
        values = product.values
        attributes: dict[str, str] = {"handle": product.handle}
        for key in ("sku", "tags", "category", "type", "gift_card"):
            value = get(cells, key) if key == "sku" else values.get(key, "")
            if value:
                attributes[key] = value
        attributes.update({k: v for k, v in values.items() if k.startswith("meta:")})
        real_options, unmapped = self._options(product, row, options, differing, raw, attributes)
        raw["id"] = variant_id(product.handle, real_options if multi or real_options else [])
        raw["group_id"] = product.handle if multi else None
        if self.config.base_url:
            raw["link"] = f"{self.config.base_url}/products/{product.handle}"

        variant_image = get(cells, "variant_image")
        main = variant_image or (images[0] if images else "")
        raw["image_link"] = main
        raw["additional_image_links"] = [u for u in images if u != main]

        price, compare = get(cells, "price"), get(cells, "compare")
        raw["price"] = price
        if compare and price and self._marked_down(compare, price, row, raw["id"]):
            raw["price"], raw["sale_price"] = compare, price

        qty_text = get(cells, "qty")
        tracked = bool(get(cells, "tracker")) and self.idx["qty"] is not None
        policy = get(cells, "policy").casefold()
        if qty_text:
            raw["quantity"] = qty_text
        if self.idx["tracker"] is not None:
            raw["inventory_tracked"] = tracked
        if tracked and qty_text:
            try:
                quantity = int(Decimal(qty_text))
            except (InvalidOperation, ValueError):
                quantity = None
            if quantity is not None:
                raw["availability"] = (
                    "in_stock" if quantity > 0 else "backorder" if policy == "continue" else "out_of_stock"
                )
        else:
            raw["availability"] = "in_stock"  # inventory not tracked: always sellable

        raw["weight"] = _weight(get(cells, "grams"), get(cells, "unit"))
        raw["gtin"] = self._gtin(get(cells, "barcode"), row)

        ref = construct(SourceRef, path=self.table.path, row=row, columns=self.columns)
        return build_product(raw, attributes, ref, self.ctx, self.emit, unmapped)

    def _marked_down(self, compare: str, price: str, row: int, item: str) -> bool:
        """Whether a variant's compare-at price is above its price: Shopify then shows the price as a markdown of it,
        and the feeds the compare-at price as the price and the price as the sale price. A compare-at price that is
        no amount (``1,299.00``, ``29,99``, ``€29.99``) while the price is one shows no markdown and is told
        (MDL022): the variant keeps its price, which is what Shopify charges. A price that is no amount is
        ``build_product``'s to tell."""
        stand_in = self.config.currency or "USD"  # (the amounts alone: build_product tells a missing currency)
        try:
            charged = v.parse_money(price, stand_in)
        except v.ValueProblem:
            return False
        try:
            regular = v.parse_money(compare, stand_in, what="compare-at price")
        except v.ValueProblem as problem:
            why = problem.message
        else:
            ours, theirs = _currency_of(price, self.config.currency), _currency_of(compare, self.config.currency)
            if ours == theirs:  # (the same, or neither names one and none is set)
                return regular.amount > charged.amount
            why = (
                f"compare-at price {compare!r} is in {theirs or 'no currency'}, the price {price!r} in "
                f"{ours or 'no currency'}"
            )
        index = self.idx["compare"]
        assert index is not None  # (the cell was read)
        self.emit(
            make(
                "MDL022",
                f"{why}: the variant is written at its price, {price!r}, with no sale price",
                product_id=item,
                field="price",
                value=compare,
                location=Location(self.table.path, row, index + 1, self.table.header[index]),
            )
        )
        return False

    def _gtin(self, barcode: str, row: int) -> str:
        value = barcode[1:] if barcode.startswith("'") else barcode
        if _SCIENTIFIC.match(value):
            column = self.columns.get("gtin")
            self.emit(
                make(
                    "MDL010",
                    f"barcode {barcode!r} was turned into scientific notation (by Excel?); its "
                    "digits are lost, so it is not used",
                    field="gtin",
                    value=barcode,
                    location=Location(
                        self.table.path, row, column[1] if column else None, column[0] if column else None
                    ),
                )
            )
            return ""
        return value


def _currency_of(text: str, default: str | None) -> str | None:
    """The currency an amount's text names (``29.99 EUR``), else ``default`` (``source.currency``, or None)."""
    try:
        return v.parse_money(text, None).currency
    except v.ValueProblem:
        return default


def _age_group(text: str) -> str:
    """``Adult (13+ years old)`` (2025 template) -> ``adult``."""
    return text.split("(")[0].strip().casefold()


TAXONOMY: dict[str, tuple[str, dict[str, str]]] = {
    "meta:shopify.target-gender": (
        "gender",
        {"female": "female", "weiblich": "female", "male": "male", "männlich": "male", "mannlich": "male",
         "maennlich": "male", "unisex": "unisex"},
    ),
    "meta:shopify.age-group": (
        "age_group",
        {"adults": "adult", "adult": "adult", "erwachsene": "adult", "teens": "adult", "jugendliche": "adult",
         "kids": "kids", "kinder": "kids", "toddlers": "toddler", "kleinkinder": "toddler", "babies": "infant",
         "babys": "infant", "newborn": "newborn", "neugeborene": "newborn"},
    ),
}  # fmt: skip
"""Shopify's category metafields (its product taxonomy) that say what Google's gender and age group say, by the
values a store's export writes (the handles of the taxonomy's entries, in the store's language: English and
German here): read where the export's "Google Shopping / Gender" or "Age Group" column is empty."""


def from_taxonomy(key: str, text: str) -> str:
    """The value of ``TAXONOMY``'s field a metafield's text says: one value, or several (``female; male``) that
    agree, a woman's and a man's being unisex; "" where a value is not in the table or they disagree."""
    table = TAXONOMY[key][1]
    said = {table.get(part.strip().lower(), "?") for part in text.split(";") if part.strip()}
    if "?" in said or not said:
        return ""
    if len(said) > 1 and said <= {"female", "male", "unisex"}:
        return "unisex"
    return said.pop() if len(said) == 1 else ""


def _weight(grams: str, unit: str) -> str:
    """Shopify stores grams and a display unit. Zero grams means unknown weight, not weightless."""
    try:
        value = Decimal(grams) if grams else Decimal(0)
    except InvalidOperation:
        return grams  # let the model report it
    if not value.is_finite():  # NaN, Infinity: no weight either (the model reports it)
        return grams
    if value <= 0:
        return ""
    unit = unit.casefold() if unit.casefold() in GRAMS_PER else "g"
    converted = (value / GRAMS_PER[unit]).quantize(Decimal("0.001")).normalize()
    return f"{converted:f} {unit}"


@register("shopify")
def _shopify(config: SourceConfig) -> ShopifySource:
    return ShopifySource(config)


@detector(rank=100)
def _looks_like_shopify(sniff: Sniff) -> str | None:
    keys = sniff.keys
    if ({"handle", "url handle"} & keys) and ({"variant sku", "option1 name", "sku", "variant price", "price"} & keys):
        return "shopify"
    return None
