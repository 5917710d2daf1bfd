"""The registry of diagnostic codes. Codes are stable and never reused; each has a kebab name and a doc text.

Prefixes: CFG config/profiles, SRC reading, MDL normalization, DST destinations, ORD orders; each channel
package registers its own prefix (GMC Google, META Meta, AMZ Amazon) in its ``codes.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from feedsync.diagnostics.diagnostic import Diagnostic, Location, Severity, new_diagnostic


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    name: str
    severity: Severity
    doc: str
    tags: tuple[str, ...] = ()


_CORE_FIRST = ("CFG", "SRC", "MDL")
_CORE_LAST = ("DST", "ORD")


def _order(code: str) -> tuple[int, str, int]:
    """Listing order: config, source and model codes, then each channel's prefix (A-Z), then destinations and
    orders; by number within a prefix."""
    prefix = code.rstrip("0123456789")
    if prefix in _CORE_FIRST:
        rank = _CORE_FIRST.index(prefix)
    elif prefix in _CORE_LAST:
        rank = len(_CORE_FIRST) + 1 + _CORE_LAST.index(prefix)
    else:
        rank = len(_CORE_FIRST)
    return rank, prefix, int(code[len(prefix) :] or 0)


class CodeRegistry(Mapping[str, CodeInfo]):
    """Every diagnostic code: the core ones registered below, and each channel's, which its package registers
    (``channels/<name>/codes.py``). Looking a code up, or listing them, first discovers the channel packages, so
    the registry is complete whichever module asks."""

    def __init__(self) -> None:
        self._codes: dict[str, CodeInfo] = {}
        self._complete = False

    def add(self, info: CodeInfo) -> None:
        prefix = info.code.rstrip("0123456789")
        if info.code in self._codes or any(
            other.name == info.name and other.code.rstrip("0123456789") == prefix for other in self._codes.values()
        ):
            raise RuntimeError(f"diagnostic code {info.code} / {info.name} registered twice")
        self._codes[info.code] = info

    def _discover(self) -> None:
        if not self._complete:
            self._complete = True  # a lookup made while the channels import does not import them again
            from feedsync.channels.base import load_channels

            try:
                load_channels()
            except BaseException:
                self._complete = False
                raise

    def __getitem__(self, code: str) -> CodeInfo:
        if code not in self._codes:
            self._discover()
        return self._codes[code]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(sorted(self._codes, key=_order))

    def __len__(self) -> int:
        self._discover()
        return len(self._codes)


CODES = CodeRegistry()


def register(code: str, name: str, severity: Severity, doc: str, tags: tuple[str, ...] = ()) -> None:
    """Register a diagnostic code (a channel package does so for its own prefix in its ``codes.py``)."""
    CODES.add(CodeInfo(code, name, severity, doc, tags))


_register = register


E, W = Severity.ERROR, Severity.WARNING

_register(
    "CFG001",
    "template-render-failed",
    E,
    "A field template of the channel profile failed for this product (for example it names a value the "
    "product does not have). The item is left out of the feed. Fix the template in the profile or the "
    "override in feedsync.yaml, or give the product the missing value.",
)
_register(
    "CFG002",
    "filter-failed",
    E,
    "An include/exclude filter expression of the channel profile raised an error for this product. "
    "The item is left out. Fix the expression.",
)

_register(
    "CFG003",
    "invalid-override",
    E,
    "A per-product override column (for example amazon_price) holds a value its field cannot take. The item is "
    "left out of that channel. Fix the value in the source.",
)
_register(
    "CFG004",
    "unmapped-category",
    W,
    "The product's product_type matches no entry of the channel's category map, so the channel gets no mapped "
    "category for it. Add the path (or a shorter prefix of it) to the map. Reported once per product_type.",
)
_register(
    "CFG005",
    "margin-below-minimum",
    W,
    "After the channel's price rules, the price would sell below the configured minimum margin over cost. A sale "
    "price that breaks it is dropped; when the regular price breaks it, the item is left out of the channel.",
)
_register(
    "CFG006",
    "rule-failed",
    E,
    "A profile rule could not be applied to this product (for example a calculate expression failed or set a "
    "value the field cannot take). The item is left out. Fix the rule or the data.",
)
_register(
    "CFG007",
    "template-limit-exceeded",
    E,
    "A field template, filter or calculate expression tried to build more than a template may for one product: "
    "a value of more than 1,000,000 characters or list items, an integer of more than 10,000 bits, or more than "
    "100,000 loop iterations and calls (for example `{{ 'x' * 10**10 }}`). It is stopped before it can hang or "
    "exhaust the run, and the item is left out. Fix the template.",
)
_register(
    "CFG008",
    "rule-regex-timeout",
    E,
    "A rule's regular expression (matches or regex_replace) took more than 0.1 s on this product's value: "
    "the pattern backtracks catastrophically on it (for example `(a+)+$` against 'aaaa…b'). The match is "
    "abandoned and the item is left out. Rewrite the pattern without nested repetition.",
)
_register(
    "CFG009",
    "excluded-by-profile",
    Severity.INFO,
    "The channel's profile leaves items out of the channel, as written: a rule's `exclude: true` fired, a "
    "`filters.include` expression was false or a `filters.exclude` expression true, or the profile's `expand` "
    "list was empty for them. One finding a cause, with how many items it left out and the first of them (at its "
    "row); the items are counted as excluded, and nothing is wrong with them. `feedsync explain ID` tells what "
    "left any one out. To keep the finding out of a report: `--ignore CFG009`, or the channel's "
    "`validation: {ignore: [CFG009]}`.",
)
_register(
    "CFG010",
    "option-not-in-source",
    E,
    "`source.options` maps an option name that no product of the platform export has (a name mistyped, or "
    "an option the store renamed), so it maps nothing: the values it was to put in colour, size, material or "
    "pattern are not there. The finding names the closest option names the file has. Fix the name, or remove it.",
)
_register(
    "CFG011",
    "attribute-not-in-source",
    E,
    "A field or filter of the channel in feedsync.yaml reads a product attribute by name (`attributes.get('season', "
    "'')`, `attributes['season']`) that the source's products do not have, and no supplement adds: the value it "
    "was to give is empty on every item, so what was mapped never reaches the feed. A native CSV, TSV or workbook "
    "is held to its columns that are no field (a JSON catalog or a platform export: CFG012). The finding names "
    "the closest names (one differing only in case first). Fix the name, or remove the field.",
)
_register(
    "CFG012",
    "attribute-no-product-had",
    W,
    "As CFG011, for a JSON catalog or a platform export, whose attributes are its records' keys, or the export's "
    "options, metafields and attribute columns: no product read had an attribute of the name a field or filter of "
    "the channel in feedsync.yaml reads, so its value is empty on every item. Known only once the rows are read "
    "(the feeds are written whole), and an export may simply hold no product with it this time (a seasonal "
    "attribute, one only drafts have), so it is a warning: `--fail-on warning` makes it fail the gate. The "
    "finding names the closest names the products had (one differing only in case first).",
)
_register(
    "SRC001",
    "unparsable-record",
    E,
    "A record of the source file cannot be parsed at all (broken JSON, a row that is not an object). "
    "It is skipped; the rest of the file is read.",
)
_register(
    "SRC002",
    "duplicate-column",
    W,
    "Two header columns map to the same field, or a record of a JSON catalog has the same key twice "
    '(`"price": "10.00", ..., "price": "1.00"`); the first non-empty value wins. Rename or drop one.',
)

_register(
    "SRC003",
    "encoding-fallback",
    W,
    "The file is not valid UTF-8, so it was read as Windows-1252 (cp1252), the usual encoding of files saved by "
    "Excel on Windows. If accented letters look wrong, set the file's real encoding where the message says: "
    "source.encoding for the catalog, the supplement's own encoding for a supplement (supplements[0].encoding); a "
    "shipments file takes none, so save it as UTF-8.",
)
_register(
    "SRC004",
    "rows-not-grouped",
    W,
    "Rows of one product (for example a Shopify handle) do not stand together in the file, so the later rows are "
    "read as another product and may repeat ids. Sort the file by the product key.",
)
_register(
    "SRC005",
    "unpublished-products-skipped",
    Severity.INFO,
    "Products the store marks as draft, archived, private or offline are left out of the feeds, as the store does "
    "not sell them; so are products it hides (a BigCommerce product not visible, a WooCommerce product whose "
    "catalog visibility is hidden, a Shopify product unlisted: on no sales channel). Set "
    "source.include_unpublished: true to include them.",
)
_register(
    "SRC006",
    "variable-product-without-variations",
    W,
    "A variable (parent) product has no variation rows in the file, so there is no sellable variant to list. "
    "Export its variations too, or make it a simple product.",
)
_register(
    "SRC007",
    "orphan-variation",
    E,
    "A variation names a parent (by SKU or id:NN) that is not in the file. The variation is left out. Export the "
    "parent product together with its variations. Of a BigCommerce export: a SKU or Rule row with no Product row "
    "above it is left out, and a Rule row whose Product Code/SKU is no SKU row of its product (or a SKU a later "
    "rule changes again) is not applied: the variants keep the product's price, weight and image.",
)
_register(
    "SRC008",
    "weight-unit-unknown",
    Severity.INFO,
    "The file has weights but not their unit (Magento and BigCommerce keep it in the store settings), so the "
    "weights are not used. Set source.weight_unit (g, kg, lb or oz).",
)
_register(
    "SRC009",
    "surplus-cells",
    W,
    "A row has more cells than the header, and the extra ones are not empty. They are not read; usually a value "
    "holds the delimiter without quotes, which also shifts the cells before it. Quote the value or drop the cells.",
)
_register(
    "SRC010",
    "unclosed-quote",
    E,
    "A quoted value runs over line breaks and takes in lines that look like rows of their own: a quote was opened "
    "and not closed until a later row. That row is left out (the rows it took in are part of it). Close the "
    'quote, or double a quote that belongs to the value (""). A quote that is never closed at all makes the '
    "file unreadable (exit 2).",
)
_register(
    "SRC011",
    "invalid-characters",
    W,
    "A value holds control characters (NUL, escape codes) or broken Unicode (lone surrogates) that no feed "
    "format can carry. They are removed (a broken character becomes U+FFFD) and the rest is kept; fix the source.",
)
_register(
    "SRC018",
    "stock-not-in-export",
    W,
    "The export says a variant's stock is tracked (Shopify's `Variant Inventory Tracker`) but has no column with "
    "its quantity: Shopify leaves `Variant Inventory Qty` out of the export of a store with several locations. "
    "The variants are sent in stock, whatever they hold, and without a quantity. Told once per file. Give them "
    "their stock from a supplement (columns `quantity` or `availability`), or export the file where Shopify "
    "writes the quantities.",
)
_register(
    "SRC019",
    "formula-without-value",
    W,
    "Cells of an Excel workbook's sheet hold a formula with no value saved: the workbook was written by a program "
    "that computes no formulas (openpyxl, a script), and feedsync reads the value Excel saved, so those cells are "
    "read empty (a sale price, a label left out of the feeds). Told once per column, with the number of cells and "
    "the first row. Open the workbook in Excel or LibreOffice and save it, or write values instead of formulas.",
)
_register(
    "SRC013",
    "product-not-listed",
    Severity.INFO,
    "A product of the export is not listed, and the finding says why: a Magento grouped product has no price of "
    "its own (its members are listed when the store shows them individually), a bundle with a dynamic price costs "
    "what the shopper's choices cost (no one price to list), and a product 'Not Visible Individually' that no "
    "configurable product in the file names has no page of its own. List such a product by exporting it as a "
    "simple product, or give the bundle a fixed price.",
)
_register(
    "SRC014",
    "store-view-rows-only",
    Severity.INFO,
    "The Magento export has no default-scope row (empty store_view_code) for these products, only store view rows "
    "(for example store_view_code = default, the default store view's code). Their values are read from the store "
    "view row: the configured source.store_view when it has one, else the first.",
)
_register(
    "SRC015",
    "other-sheets-not-read",
    Severity.INFO,
    "The Excel workbook has several sheets; its first is the catalog, and the others are not read. Move the "
    "catalog to the first sheet if it is elsewhere.",
)
_register(
    "SRC016",
    "nested-variants",
    E,
    'A record of a JSON catalog holds its variants nested in a list (`"variants": [{"id": "TEE-S", "size": '
    '"S", "price": "45.00"}, ...]`): objects with an id, price, GTIN or the like. feedsync reads one product, one '
    "sellable variant, per record, so the record is left out rather than read as one product with its variants "
    "lost. Flatten the file: one record per variant, with the product's fields (title, link, brand, ...) and "
    "`group_id` set to the product's id. (A list of objects with none of those keys, images or specs, is kept in "
    "the product's attributes as JSON.)",
)
_register(
    "SRC017",
    "quote-then-text",
    W,
    'A value starts with a quote that closes before the value ends (`"Best" Tee`, or a space after the closing '
    "quote). The row is read as a spreadsheet reads it: the quoted part without its quotes and the text after it "
    "(`Best Tee`), so the quotes are not in the feeds. To keep them, quote the whole value and double each quote "
    'in it (`"""Best"" Tee"`); to drop them, remove them from the file.',
)
_register(
    "MDL001",
    "missing-required-value",
    E,
    "A value every product needs (id, title, price) is empty. The product is left out.",
)
_register(
    "MDL002",
    "invalid-price",
    E,
    "A price is not a number with an optional ISO 4217 currency (`12.00`, `12.00 USD`). The product is "
    "left out: a wrong price is worse than a missing product, since channels suspend for price mismatches.",
)
_register(
    "MDL003",
    "invalid-currency",
    E,
    "The currency is not an ISO 4217 code, or no currency is given in the value or in `source.currency`.",
)
_register(
    "MDL004",
    "invalid-enum-value",
    E,
    "The value is not one of the values this field takes (availability, condition, gender, age_group).",
)
_register(
    "MDL005",
    "invalid-date",
    E,
    "A date or date range cannot be read. Use ISO 8601: `2026-11-27`, `2026-11-27T09:00:00+01:00`, and "
    "`start/end` for a range whose end comes after its start.",
)
_register(
    "MDL006", "invalid-number", E, "A number (quantity, weight) cannot be read, or is negative where it must not be."
)
_register(
    "MDL007",
    "invalid-product",
    E,
    "The values of the row cannot make a consistent product (for example a sale price in another "
    "currency than the price). The product is left out.",
)
_register(
    "MDL008",
    "duplicate-id",
    E,
    "Two products have the same id. Channels key items on the id, so the second one is left out. "
    "Ids apart only by a run of whitespace (`A B`, `A  B`, `A<TAB>B`) are the same: Google reads a run of "
    "whitespace in an id as one space. Ids must be unique and stable across runs.",
)
_register(
    "MDL009",
    "invalid-url",
    E,
    "A link or image link is neither an absolute http(s) URL nor a path that `source.base_url` can complete.",
)

_register(
    "MDL010",
    "gtin-in-scientific-notation",
    W,
    "The barcode looks like `3.65275E+11`: a spreadsheet turned the number into scientific notation and its digits "
    "are lost. The GTIN is left out; re-export the file without opening it in a spreadsheet, or format the column "
    "as text.",
)
_register(
    "MDL011",
    "variation-attribute-any",
    W,
    "A variation leaves one of its attributes empty, which the store reads as 'any value'. A feed lists one "
    "concrete variant per item, so the channel cannot tell this variant apart by that attribute. Give the "
    "variation a value, or create one variation per value.",
)
_register(
    "MDL018",
    "value-without-equivalent",
    W,
    "A value of the source format has no equivalent among feedsync's values (Meta's age_group 'all ages'), so the "
    "field is left empty and the value kept in the product's attributes, where a profile template can still use "
    "it. Reported once per value. Set the field to one of feedsync's values if a channel needs it.",
)


_register(
    "MDL019",
    "price-rounded",
    W,
    "A price or sale price has more decimals than its currency has (`19.999 USD`, `1500.5 JPY`). Google and Meta "
    "take the currency's decimals, so their feeds carry it rounded half up (`20.00 USD`); Amazon's definitions ask "
    "an offer's prices in the currency's units (`multipleOf`), so the item is left out of Amazon (AMZ022). A channel "
    "suspends items whose price differs from the product page's: give the catalog the price the page shows.",
)
_register(
    "MDL020",
    "value-not-single",
    E,
    "A field that holds one value (title, brand, size, price, …) has a list or an object in a JSON catalog "
    '(`"title": ["Yoga", "Mat"]`, `"brand": {"name": "NW"}`), which no feed can carry as it is. The product is left '
    "out. Give the field one value (text or a number); to read a value inside an object, map its path with "
    "`source.columns` (`brand.name: brand`). A list is read only for additional_image_links, as a list of texts. "
    "(A Boolean is read as `TRUE` or `FALSE`, as the Excel reader reads one.)",
)


_register(
    "MDL012",
    "duplicate-sku",
    W,
    "Two products share a SKU. SKUs are not unique in real exports (sizes sharing one SKU, two products with the "
    "same one), so feedsync keys items on their ids; but marketplaces and order imports match on SKU, so a "
    "shared SKU maps orders to the wrong variant. Give each variant its own SKU.",
    ("source", "identifiers"),
)
_register(
    "MDL013",
    "variants-do-not-differ",
    W,
    "Two variants of one product (same group_id) have the same colour, size, material, pattern, gender and age "
    "group, so no channel can tell them apart. Give them a differing variant attribute, or split the group.",
    ("source", "variants"),
)

_register(
    "DST001",
    "publish-refused",
    E,
    "push did not publish this channel's feed: items had errors and the channel says on_error: fail, or more "
    "of its items had errors than its max_error_rate allows. The previous feed stays in place.",
    ("publish",),
)

_register(
    "DST002",
    "item-count-dropped",
    E,
    "push did not publish this channel: its item count fell by more than max_drop_percent (default 20) since "
    "the last push, which usually means a partial or broken source export. The last good feed stays. Check "
    "the source; when the drop is real, push --force.",
    ("publish", "guardrails"),
)

_register(
    "DST003",
    "item-rejected",
    E,
    "The channel's API rejected this item (the message is the channel's own). It is recorded in the state and "
    "sent again on the next push once its data changes.",
    ("publish",),
)
_register(
    "DST004",
    "too-many-deletes",
    E,
    "push did not sync or publish this channel: it would take more of the items published before off the "
    "channel (an API's deletes, the items a feed file leaves out) than the channel's max_deletes allows, or more "
    "than max_delete_percent (default 50) of them, though the item count may not have fallen: a partial export, or "
    "a source of other ids (another store's file, ids renamed). The feed published before stays. Check the source; "
    "when the change is real, push --force.",
    ("publish", "guardrails"),
)

_register(
    "DST005",
    "channel-warning",
    W,
    "The channel accepted the item but reported a warning about it (for example an Amazon processing-report "
    "WARNING). The message is the channel's own.",
    ("publish",),
)

_register(
    "DST006",
    "publish-failed",
    E,
    "push could not deliver this channel's feed: the destination failed (a full disk, a permission, an "
    "unreachable server; the message is the destination's). The feed published before stays in place, the run "
    "is recorded as failed, the other channels are still published, and push exits 3. The next push retries.",
    ("publish",),
)

_register(
    "DST007",
    "item-count-eroded",
    E,
    "push did not publish this channel: its item count is more than max_drop_percent below the largest count of "
    "its last guardrail_history pushes (default 5), though no single push fell that far (a source losing items "
    "a little every run). The last good feed stays. Check the source; when the drop is real, push --force.",
    ("publish", "guardrails"),
)

_register(
    "DST009",
    "row-cache-rebuilt",
    W,
    "push could not use this channel's row cache (the file beside the state database that lets a push skip the "
    "rows unchanged since the last one): it was unreadable, truncated, changed after it was written or not a "
    "feedsync row cache. Every row "
    "was computed again and a new cache written, so the feed is exactly what a push without the cache makes; "
    "only the time saved is lost. Nothing to fix unless it recurs (then look at what else writes that folder).",
    ("publish",),
)

_register(
    "DST010",
    "refusals-not-named",
    E,
    "The channel's API counted more refusals in a batch than it named items for (Meta's batch status lists only "
    "a sample of its errors; `errors_total_count` counts them all), so any item of the batch may be among them. "
    "The items it refused by name are reported (DST003); none of the batch's other items is recorded as sent, "
    "and the next push sends them again (its upserts are idempotent). Commerce Manager lists the catalog's item "
    "errors by item.",
    ("publish",),
)

_register(
    "DST011",
    "open-feed-given-up",
    W,
    "A feed an earlier push sent (Amazon) and left open, its outcome unknown, is given up: Amazon no longer knows "
    "it (it keeps feeds at most 90 days), or has not finished it open_feed_hours (default 24) after it was created. "
    "A feed still IN_QUEUE is cancelled first. Nothing of it is recorded, and this push sends its listings again "
    "with its own changes, so the channel is not stuck behind it. A feed Amazon was already processing cannot be "
    "cancelled: should Amazon still finish it, it may replace what was sent since (the next change of a listing, "
    "or refresh_days, sends it again).",
    ("publish",),
)
_register(
    "DST012",
    "items-left-behind",
    W,
    "The channel now sends its items to another destination than the one it sent them to before (another Google "
    "Merchant Center account, another Meta catalog, another Amazon region), and the items recorded there stay "
    "there: feedsync no longer updates or deletes them, so one gone from the catalog stays live at the old "
    "destination. Told at the first push to the new destination. Remove them there if they should leave the "
    "channel (a new data source, feed label or language of the same Google account is not this: those items are "
    "deleted).",
    ("publish",),
)
_register(
    "DST013",
    "held-unknown-to-state",
    W,
    "push --reconcile read what the API destination holds, and it holds items that neither the catalog nor the "
    "state knows (the state was restored from an older copy, or lost, or another tool sent them). Where the items "
    "are the channel's alone (a Google API data source no other channel of the config sends to), they are "
    "deleted, within the guardrails of max_delete_percent and max_deletes; where the destination may hold another "
    "source's items (a Meta catalog, an Amazon seller's listings), they are named and left there: delete them in "
    "the channel's own tool if they should leave it. Items the state recorded that the destination no longer holds "
    "are sent again.",
    ("publish",),
)

# Tags of the codes registered without their own.
_register(
    "ORD001",
    "order-report-invalid-value",
    E,
    "A row of the order report file has a value feedsync cannot read (an empty order-id, order-item-id or sku, "
    "a quantity that is not a positive whole number, a purchase-date that is not ISO 8601, an amount that is not "
    "a number, an order-item-id on two rows with different values). The whole order is left out of this run, not "
    "imported in part; it is read again once the file is fixed.",
)
_register(
    "ORD002",
    "order-sku-unmapped",
    E,
    "An order line's marketplace SKU maps to no catalog item: feedsync did not publish it to the marketplace's "
    "channel, or it was published for several items. The order is held, not imported half-mapped, and retried "
    "on every run. Push the catalog, or map the SKU in orders.sku_map (CSV marketplace_sku,catalog_id); or, "
    "having entered the order in the store by hand, mark it with `import-orders --handled ORDER_ID`.",
)
_register(
    "ORD003",
    "order-change-not-applied",
    W,
    "An order already imported changed on the marketplace (for example it was cancelled) and the order sink "
    "cannot apply the change, or the store refused it (an error then, with the store's answer: a store order "
    "deleted or cancelled by hand); the other orders go on. A change other than its status (a line added or "
    "removed, a line's SKU or units ordered, the ship-to address) is passed on by no sink: the message names the "
    "order and what changed, on each read of the order while it differs, and nothing is imported again. Units of "
    "a line cancelled on the marketplace after the import (Amazon: an order item's units neither fulfilled nor "
    "unfulfilled; the order report's quantity-purchased beyond quantity-shipped and quantity-to-ship) are an "
    "error naming the order, the line, its SKU and the units, told once: the run that reads it records it in "
    "the stored order at once (push-tracking confirms none of those units) and keeps it to tell until it was "
    "printed (a run ended in between tells it again, though the marketplace lists the order no more); an order "
    "cancelled whole goes to the sink as its status. An order marked handled (`import-orders --handled`: entered "
    "in the store by hand) is told alike, its cancellation whole an error on every read of it (no sink holds it). "
    "Change the store order by hand.",
)


_register(
    "ORD004",
    "shipment-invalid-value",
    E,
    "A shipment of the shipments file lacks order_id, carrier, tracking_number or ship_date, or has a ship_date "
    "that is not ISO 8601 or items that are not IDs with positive quantities. That shipment is not confirmed; "
    "the others are.",
)
_register(
    "ORD005",
    "shipment-not-confirmable",
    E,
    "A shipment cannot be matched to its order: feedsync did not import the order (name the order item ids in "
    "items), feedsync holds the order (it is not in the store: import it first), an item is neither an order item "
    "id nor a SKU of the order, more units shipped than ordered, or the marketplace fulfils the order itself. "
    "Nothing is sent for it.",
)
_register(
    "ORD006",
    "shipment-confirmation-failed",
    E,
    "The marketplace refused or did not answer a shipment confirmation (its error is in the message). The "
    "package is recorded as failed and sent again, with the same package reference, on the next run.",
)
_register(
    "ORD008",
    "store-shipments-unreadable",
    E,
    "push-tracking without a shipments file could not read an order's shipments from the store (its answer is "
    "in the message). Nothing is confirmed for that order this run; it is asked again on the next run.",
)
_register(
    "ORD007",
    "order-rejected-by-store",
    E,
    "The store refused an order (a catalog item it has no product or variant for, a field it will not take; "
    "its answer is in the message). Nothing was created; the order is held and tried again on the next run, "
    "and the other orders go on (`import-orders --handled ORDER_ID` marks one entered in the store by hand).",
)

_register(
    "ORD009",
    "duplicate-shipment-row",
    W,
    "Two shipments name the same order and tracking number: they are one package, confirmed once (the message "
    "names both rows). Rows with the same items are a repeat and add nothing; rows with other items put the "
    "items of both into that one package (an item in both with both quantities; a row without items makes it the "
    "whole order). Remove the repeat, or give each package its own tracking number.",
)
_register(
    "ORD010",
    "order-value-out-of-range",
    E,
    "An order holds a value no real order has: a purchase date before 2000-01-01 or more than one day in the "
    "future, more than 10,000 units on one line, an amount of 10^12 or more, an amount with more decimal places "
    "than its currency's minor unit (1.2345 KWD, 10.5 JPY, 20.005 USD; or an order report's item-price that is no "
    "unit price times the units, 10.00 USD for 3), or no item at all in an order to ship. No amount is rounded: "
    "the finding names the field and the value. The export or the marketplace's "
    "answer is broken. That order is not imported, the other orders are: an amount finer than its currency holds "
    "it, as does any such value in an SP-API answer (read again with getOrder on every run); another value in an "
    "order report leaves it out of that run. A held order that ops entered in the store by hand is marked so with "
    "`import-orders --handled ORDER_ID`: never imported then, no longer retried.",
)
_register(
    "ORD011",
    "order-line-repeated",
    W,
    "The order report has the same order line (order-id and order-item-id) twice, cell for cell: it is read once, "
    "so its units are not doubled. Rows that share an order-item-id but differ are an ORD001 error instead.",
)
_register(
    "ORD012",
    "order-imported-in-part",
    W,
    "An order was first read when the marketplace had already shipped some of its units (partly shipped) or "
    "cancelled some (a line cancelled): the store gets only the units still to ship, and the message names, line "
    "by line, what was left out and why (Amazon: an order item's quantityFulfilled and quantityUnfulfilled; the "
    "order report's quantity-shipped and quantity-to-ship). An order with nothing left to ship is not imported. "
    "Units shipped before the import are the marketplace's packages: push-tracking confirms only the store's.",
)
_register(
    "MDL014",
    "formula-like-value",
    W,
    "Values of this field begin with =, +, -, @, a tab or a carriage return, which a spreadsheet opening the "
    "file would run as a formula. The channel reads the feed as text, so the values are written exactly; "
    "reported once per channel and field with the number of items, so the feed is not opened in a spreadsheet "
    "unawares. Numbers such as -5 are not counted.",
    ("values",),
)
_register(
    "MDL015",
    "field-missing-on-most-items",
    E,
    "Most items of the channel (more than half of those checked) were rejected because they lack the same "
    "field, which usually means the source has the value under a column feedsync does not map (a brand under "
    "`Vendor` or `Brands`), or not at all. Reported once per channel and field, with the fix: map the column "
    "(`source.columns: {Brands: brand}`) or set the field for the channel "
    '(`fields: {brand: "{{ attributes.Brands }}"}`, or a fixed value).',
    ("config", "required"),
)
_register(
    "DST008",
    "empty-feed-refused",
    E,
    "push did not publish this channel: its feed has no items (every variant was excluded or rejected, or the "
    "source had none for it), and an empty feed would take every product of the catalog off the channel. The "
    "feed published before stays. Fix the findings that left the items out; to publish an empty feed on "
    "purpose, push --force or set `allow_empty: true` on the channel.",
    ("publish", "guardrails"),
)
_register(
    "MDL016",
    "variant-option-unmapped",
    W,
    "Variants of one product differ by an option (`Choose Material`, `Tiers`, `Month`, …) that is not a colour, "
    "size, material or pattern as far as feedsync can tell, so no variant field tells them apart. The option is "
    "still carried: its value is named in the variant's title and sent as a variant attribute (Meta's "
    "additional_variant_attribute), and variants that differ by it are not duplicates. Map it to the variant field "
    'it means with `source.options: {"Tiers": size}` in feedsync.yaml. Reported once per option name.',
    ("source", "variants"),
)
_register(
    "MDL017",
    "id-shortened",
    Severity.INFO,
    "An id or item group id is longer than the channel allows (Google: 50 characters, Meta: 100, Amazon SKUs: 40 "
    "printable ASCII characters, so an id with other characters is fitted there too). Instead of "
    "leaving the item out, feedsync publishes a readable prefix followed by `-` and 8 hex digits of a hash of the "
    "whole id: the same id always gives the same published id, and the state maps it back to the catalog id for "
    "orders. Reported per item, with the id published.",
    ("identifiers", "limits"),
)
_register(
    "MDL021",
    "channel-id-duplicate",
    E,
    "Two items of a channel are written with one id: the channel keys its items on the id (Google's, Meta's and "
    "Pinterest's id, Amazon's SKU) and keeps one of them. Source ids are unique (MDL008), so this comes of a "
    "profile's id field that makes one id of two (`{{ group_id }}`, `{{ sku | lower }}`, a cut, a per-product "
    "override column), or, for Amazon, of a parent SKU (written once per family, `{{ group_id }}` by default) that "
    "is another item's SKU or its own. Ids are compared as written (letter case counts: Google's, Meta's and "
    "Amazon's ids are case-sensitive). The later item is left out (rejected), the finding naming its source row, "
    "its id and the id written, so items + excluded + rejected still equal the variants read. Make the channel's "
    "id field give each variant its own id.",
)
_register(
    "MDL022",
    "compare-at-price-not-an-amount",
    W,
    "A Shopify variant's compare-at price (`Variant Compare At Price`) is not an amount such as `29.99` (`1,299.00`, "
    "`29,99`, `€29.99`: a file edited in a spreadsheet of another locale), or is in another currency than its "
    "price. The variant is written at its price, which is what Shopify charges, with no sale price: the channels "
    "show no markdown. Reported per variant, naming the row and the value. Write the compare-at price as Shopify "
    "exports it: digits and a dot.",
)

_register(
    "SRC012",
    "not-a-google-attribute",
    W,
    "An element of an item in a Google XML feed is not in Google's g: namespace (an RSS <guid> or <pubDate>, "
    "another namespace's element), or a column of a Google TSV feed has a name no attribute can have (`Notes "
    "(internal)`), so it is not a Google attribute and is not written to the feeds; its text stays reachable "
    "from templates as attributes.NAME. Told once per element or column, with the number of items.",
    ("source",),
)

_TAGS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        ("CFG001", "CFG002", "CFG003", "CFG006", "CFG007", "CFG008", "CFG009", "CFG010", "CFG011", "CFG012"),
        ("config",),
    ),
    "CFG004": ("config", "categories"),
    "CFG005": ("config", "prices"),
    **dict.fromkeys(
        (
            "SRC001",
            "SRC002",
            "SRC003",
            "SRC004",
            "SRC005",
            "SRC006",
            "SRC007",
            "SRC008",
            "SRC009",
            "SRC010",
            "SRC011",
            "SRC013",
            "SRC014",
            "SRC015",
            "SRC016",
            "SRC017",
            "SRC018",
            "SRC019",
        ),
        ("source",),
    ),
    **dict.fromkeys(("MDL001",), ("source", "required")),
    **dict.fromkeys(("MDL002", "MDL003"), ("source", "prices")),
    **dict.fromkeys(("MDL004", "MDL006", "MDL007"), ("source", "values")),
    "MDL005": ("source", "values", "prices"),
    "MDL008": ("source", "identifiers"),
    "MDL009": ("source", "links"),
    "MDL010": ("source", "identifiers"),
    "MDL011": ("source", "variants"),
    "MDL018": ("source", "values"),
    "MDL019": ("source", "prices"),
    "MDL020": ("source", "values"),
    "MDL021": ("identifiers",),
    "MDL022": ("source", "prices"),
}
for _code, _tags in _TAGS.items():
    if not CODES._codes[_code].tags:
        CODES._codes[_code] = replace(CODES._codes[_code], tags=_tags)

del E, W


def code_info(code: str) -> CodeInfo:
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"unregistered diagnostic code {code}") from None


def make(
    code: str,
    message: str,
    *,
    channel: str | None = None,
    product_id: str | None = None,
    field: str | None = None,
    value: str | None = None,
    location: Location | None = None,
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a Diagnostic for a registered code (its name and default severity come from the registry)."""
    info = CODES.get(code) or code_info(code)
    return new_diagnostic(
        code, info.name, severity or info.severity, message, channel, product_id, field, value, location
    )


def make_fields(
    code: str,
    message: str,
    *,
    channel: str | None = None,
    product_id: str | None = None,
    field: str | None = None,
    value: str | None = None,
    where: tuple[Any, ...] | None = None,
) -> tuple[Any, ...]:
    """``finding_fields`` of ``make(...)``'s finding whose location has the fields ``where`` (``location_fields``),
    made without the objects (``Findings.append_fields``: findings told by the hundred thousand)."""
    info = CODES.get(code) or code_info(code)
    return (code, info.name, info.severity.value, message, channel, product_id, field, value, where)
