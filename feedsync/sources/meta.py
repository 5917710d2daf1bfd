"""A Meta (Facebook / Instagram) catalog feed as a source: the CSV or TSV data feed that Commerce Manager takes.

Its columns are Google's attribute names (``id``, ``title``, ``price`` as ``9.99 USD``, ``item_group_id``, …) plus
Meta's own: ``fb_product_category``, ``quantity_to_sell_on_facebook`` (older feeds: ``inventory``),
``rich_text_description``, ``additional_variant_attribute``, app links (``ios_url``, ``android_package``, …) and
the JSON-path columns ``image[0].url``, ``image[0].tag[0]``, ``video[0].url``. Older feeds give a bare ``price`` and
a separate ``currency`` column. Meta's XML feed is Google's RSS with the ``g:`` namespace, read as such.
Unknown columns are kept in ``attributes``; ``status: archived`` rows are left out like unpublished products.
A variant's ``additional_variant_attribute`` (``cover:LED``, ``Scent:Fruity,Flavor:Sweet``) tells it apart from the
others of its ``item_group_id``: its pairs are the variant's options (``variant_options``), as the platform readers
fill them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit, Location, locate
from feedsync.diagnostics.codes import make
from feedsync.model.product import Product, SourceRef
from feedsync.sources.base import Sniff, Source, detector, register, report_left_out
from feedsync.sources.google_feed import GoogleXmlSource, google_columns
from feedsync.sources.native import DelimitedSource
from feedsync.sources.normalize import NormalizeContext
from feedsync.sources.options import UnmappedOptions, option_field
from feedsync.sources.rowreader import RowReader

# Meta column -> model field, beyond the names it shares with Google's feed.
ALIASES = {"quantity_to_sell_on_facebook": "quantity", "inventory": "quantity"}
# Header keys that only Meta's format has: one of them (with id and title or price) tells a Meta feed.
META_ONLY = frozenset(
    {
        "fb_product_category",
        "quantity_to_sell_on_facebook",
        "rich_text_description",
        "additional_variant_attribute",
        "commerce_tax_category",
        "return_policy_info",
        "marked_for_product_launch",
        "wa_compliance_category",
        "importer_name",
        "manufacturer_info",
        *(f"{device}_{part}" for device in ("ios", "iphone", "ipad") for part in ("url", "app_store_id", "app_name")),
        *(f"android_{part}" for part in ("url", "package", "app_name")),
        *(f"windows_phone_{part}" for part in ("url", "app_id", "app_name")),
    }
)
_JSON_PATH = re.compile(r"(image|video|product_tags|style)\[\d+\](\.(url|tag\[\d+\]))?")
_IMAGE_URL = re.compile(r"image\[(\d+)\]\.url")
_HAS_CURRENCY = re.compile(r"[A-Za-z]{3}")
# Meta's values that the model spells otherwise (keys as values.parse_enum compares them: lower case, "_").
_VALUES: dict[str, dict[str, str]] = {
    "availability": {"available_for_order": "backorder", "discontinued": "out_of_stock"},
    "condition": {
        "used_like_new": "used",
        "used_good": "used",
        "used_fair": "used",
        "open_box_new": "used",
        "cpo": "refurbished",
    },
    "age_group": {"teen": "adult"},
}
_NO_EQUIVALENT = {"age_group": {"all_ages"}}
_HIDDEN = {"status": {"archived"}, "visibility": {"hidden", "staging"}}
VARIANT_PAIRS = "additional_variant_attribute"
_PAIR = re.compile(r",(?=[^,:]+:)")


def looks_like_meta(keys: set[str]) -> bool:
    """A header with ``id``, a title or price, and a column only Meta's format has."""
    if "id" not in keys or not ({"title", "price"} & keys):
        return False
    return bool(META_ONLY & keys) or any(_JSON_PATH.fullmatch(k) for k in keys)


def _token(text: str) -> str:
    return "_".join(text.replace("-", " ").split()).casefold()


def variant_pairs(text: str) -> dict[str, str]:
    """Meta's ``additional_variant_attribute``: ``Key:Value`` pairs separated by commas -> {Key: Value}; a comma
    not followed by a ``Key:`` belongs to the value before it, a part with no key is left out."""
    pairs: dict[str, str] = {}
    for part in _PAIR.split(text):
        name, colon, value = part.partition(":")
        if colon and name.strip() and value.strip():
            pairs[name.strip()] = value.strip()
    return pairs


class MetaSource(DelimitedSource):
    def __init__(self, config: SourceConfig) -> None:
        columns = {**google_columns(), **ALIASES, **config.columns}
        super().__init__(config.model_copy(update={"columns": columns}), None, "meta")
        self.hidden = 0
        self.warned: set[tuple[str, str]] = set()
        self.unmapped: UnmappedOptions | None = None
        self._pairs_column: int | None = None  # (1-based, in the header read)

    def products(self, emit: Emit) -> Iterator[Product]:
        self.unmapped = UnmappedOptions(emit, self.stats.told)
        yield from super().products(emit)
        report_left_out(emit, self.path, self.hidden, "archived or hidden")

    def _reader(
        self, path: str, names: list[str], targets: list[str | None], columns: dict[str, tuple[str, int | None]],
        ctx: NormalizeContext, *, clean: bool = False,
    ) -> RowReader:  # fmt: skip
        """The reader's, noting the header's ``additional_variant_attribute`` column (where ``options`` tells of
        an unmapped option)."""
        at = [index for index, (name, target) in enumerate(zip(names, targets, strict=True)) if target is None]
        self._pairs_column = next((index + 1 for index in at if names[index] == VARIANT_PAIRS), None)
        return super()._reader(path, names, targets, columns, ctx, clean=clean)

    def options(self, raw: dict[str, Any], attributes: dict[str, str], ref: SourceRef) -> dict[str, str]:
        """The options of a variant (a row with an ``item_group_id``) in its ``additional_variant_attribute``: a
        pair whose key names a variant field (``color``, ``Größe``, or as ``source.options`` maps it) fills that
        field where the row leaves it empty; the others are its variant options (MDL016, once a key). The column
        stays in ``attributes`` as written."""
        group = str(raw.get("group_id") or "").strip()
        text = attributes.get(VARIANT_PAIRS, "")
        if not group or not text.strip():
            return {}
        options: dict[str, str] = {}
        for name, value in variant_pairs(text).items():
            target = option_field(name, self.config.options)
            if target is not None:
                if not str(raw.get(target) or "").strip():
                    raw[target] = value
                continue
            options[name] = value
            if self.unmapped is not None:
                column = self._pairs_column
                where = Location(ref.path, ref.row, column, VARIANT_PAIRS) if column is not None else None
                self.unmapped.report(name, group, where)
        return options

    def prepare(self, raw: dict[str, Any], attributes: dict[str, str], ref: SourceRef, emit: Emit) -> bool:
        if not self.config.include_unpublished and any(
            _token(attributes.get(name, "")) in values for name, values in _HIDDEN.items()
        ):
            self.hidden += 1
            self.stats.excluded += 1
            return False
        currency = attributes.get("currency", "").strip()
        for name in ("price", "sale_price"):
            value = str(raw.get(name) or "").strip()
            if currency and value and not _HAS_CURRENCY.search(value):
                raw[name] = f"{value} {currency}"
        if not raw.get("description") and attributes.get("rich_text_description"):
            raw["description"] = attributes["rich_text_description"]
        self._images(raw, attributes)
        for name, spelled in _VALUES.items():
            value = str(raw.get(name) or "")
            token = _token(value)
            if token in spelled:
                raw[name] = spelled[token]
            elif token in _NO_EQUIVALENT.get(name, ()):
                del raw[name]
                attributes[name] = value
                self._no_equivalent(name, value, raw, ref, emit)
        return True

    def _images(self, raw: dict[str, Any], attributes: dict[str, str]) -> None:
        """``image[N].url`` columns: the first is the image when ``image_link`` is empty, the others extra images."""
        numbered = sorted((int(m[1]), url) for k, url in attributes.items() if (m := _IMAGE_URL.fullmatch(k)))
        urls = [url.strip() for _, url in numbered if url.strip()]
        if not urls:
            return
        if not str(raw.get("image_link") or "").strip():
            raw["image_link"] = urls.pop(0)
        extra = [u.strip() for u in str(raw.get("additional_image_links") or "").split(",") if u.strip()]
        known = {str(raw.get("image_link") or "").strip(), *extra}
        raw["additional_image_links"] = ",".join([*extra, *(u for u in urls if u not in known)])

    def _no_equivalent(self, name: str, value: str, raw: dict[str, Any], ref: SourceRef, emit: Emit) -> None:
        if (name, value.casefold()) in self.warned:
            return
        self.warned.add((name, value.casefold()))
        emit(
            make(
                "MDL018",
                f"{name} {value!r} (a Meta value) has no equivalent in feedsync's values; the field is left empty "
                f"and the value kept as attribute {name!r} (reported once per value)",
                product_id=str(raw.get("id") or "") or None,
                field=name,
                value=value,
                location=locate(ref, name),
            )
        )


def _is_xml(config: SourceConfig) -> bool:
    try:
        with config.path.open("rb") as handle:
            start = handle.read(512).lstrip(b" \t\r\n\xef\xbb\xbf")
    except OSError:
        return False  # the delimited reader reports it
    return start.startswith(b"<")


@register("meta")
def _meta(config: SourceConfig) -> Source:
    if _is_xml(config):  # Meta's XML feed is Google's RSS
        source = GoogleXmlSource(config)
        source.stats.format = "meta"
        return source
    return MetaSource(config)


@detector(rank=140)
def _detect(sniff: Sniff) -> str | None:
    """Before Google's TSV: Meta's feed shares Google's names, and its own columns tell it apart."""
    return "meta" if looks_like_meta(sniff.keys) else None
