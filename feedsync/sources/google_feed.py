"""An existing Google Merchant Center feed as a source: RSS 2.0 / Atom 1.0 XML with the ``g:`` namespace, or
Google's TSV. Many merchants already have one; reading it lets feedsync take over from there.

XML is streamed with ``lxml.etree.iterparse`` with entity expansion, DTD loading and network access off, so a
hostile file cannot expand entities or fetch anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic, Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.errors import SourceError
from feedsync.model.construct import construct
from feedsync.model.product import PRODUCT_FIELDS, FeedAttribute, Product, SourceRef
from feedsync.sources.base import Sniff, SourceStats, detector, normalize_context, register
from feedsync.sources.native import DelimitedSource
from feedsync.sources.normalize import build_product

G = "http://base.google.com/ns/1.0"
ATOM = "http://www.w3.org/2005/Atom"
# Google attribute -> model field, where the names differ.
ALIASES = {"item_group_id": "group_id", "additional_image_link": "additional_image_links", "shipping_weight": "weight"}
_FIELDS = frozenset(f for f in PRODUCT_FIELDS if f not in ("attributes", "additional_image_links"))


def google_columns() -> dict[str, str]:
    """Header -> model field for Google's TSV (with and without the ``g:`` prefix)."""
    names = {**{f: f for f in _FIELDS}, **ALIASES}
    return {**names, **{f"g:{k}": v for k, v in names.items()}}


class GoogleXmlSource:
    FEED_ATTRIBUTES = True
    """Every attribute of the feed the model does not name is kept (``Product.feed_attributes``)."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.path = config.path
        self.stats = SourceStats(format="google_xml", encoding="declared in the XML")

    def products(self, emit: Emit) -> Iterator[Product]:
        ctx = normalize_context(self.config)
        path = str(self.path)
        seen_fields: set[str] = set()
        foreign: dict[str, tuple[int, int]] = {}
        try:
            with self.path.open("rb") as handle:
                events = etree.iterparse(
                    handle,
                    events=("end",),
                    tag=("item", f"{{{ATOM}}}entry"),
                    resolve_entities=False,
                    no_network=True,
                    load_dtd=False,
                    huge_tree=False,
                )
                for _, element in events:
                    self.stats.rows += 1
                    item = _item_values(element)
                    seen_fields.update(item.raw)
                    row = element.sourceline or 0
                    for name in item.foreign:
                        count, first = foreign.get(name, (0, row))
                        foreign[name] = (count + 1, first)
                    ref = construct(SourceRef, path=path, row=row, columns={})
                    product = build_product(item.raw, item.attributes, ref, ctx, emit)
                    if product is not None and item.kept:
                        product = product.model_copy(update={"feed_attributes": tuple(item.kept)})
                    element.clear()
                    while element.getprevious() is not None:
                        del element.getparent()[0]
                    if product is not None:
                        yield product
        except etree.XMLSyntaxError as exc:
            line, column = exc.position
            raise SourceError(f"{path}:{line}:{column}: not well-formed XML ({exc.msg})") from None
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc}") from None
        for diagnostic in _foreign_elements(path, foreign):
            emit(diagnostic)
        self.stats.columns = {
            f"g:{k}" if k not in ("title", "link", "description") else k: k for k in sorted(seen_fields)
        }


@dataclass
class _Item:
    """One item of the feed: model fields, flat attributes (for templates), the attributes to write back as they
    were, and the elements that are no Google attributes (name -> count)."""

    raw: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, str] = field(default_factory=dict)
    kept: list[FeedAttribute] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)


def _text_of(child: Any) -> str:
    if len(child):  # unexpanded entity references: keep the text around them
        return ((child.text or "") + "".join(c.tail or "" for c in child)).strip()
    return (child.text or "").strip()


def _item_values(element: Any) -> _Item:
    item = _Item()
    images: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        qname = etree.QName(child)
        name = qname.localname
        elements = [c for c in child if isinstance(c.tag, str)]
        parts = tuple((etree.QName(c).localname, _text_of(c)) for c in elements)
        text = ";".join(f"{k}={v}" for k, v in parts) if parts else _text_of(child)
        if qname.namespace == ATOM and name == "link":
            text = child.get("href", "").strip()
        elif qname.namespace == ATOM and name in ("summary", "content"):
            name = "description"
        if not text:
            continue
        field_name = ALIASES.get(name, name)
        known = field_name in _FIELDS or field_name == "additional_image_links"
        if qname.namespace != G and not (known and qname.namespace in (ATOM, None)):
            item.foreign.append(child.prefix + ":" + name if child.prefix else name)
            item.attributes.setdefault(name, text)  # still reachable from templates
        elif field_name == "additional_image_links":
            images.append(text)
        elif field_name in _FIELDS and field_name not in item.raw:
            item.raw[field_name] = text  # g:title wins over a later plain title only if it comes first
        else:
            item.attributes.setdefault(name, text)
            item.kept.append(FeedAttribute(name=name, value="" if parts else text, parts=parts))
    if images:
        item.raw["additional_image_links"] = images
    return item


def _foreign_elements(path: str, counts: dict[str, tuple[int, int]], kind: str = "element") -> Iterator[Diagnostic]:
    for name, (count, row) in counts.items():
        what = (
            f"a <{name}> element, which is not a Google attribute (not in the g: namespace)"
            if kind == "element"
            else f"a value in column {name!r}, whose name is not a Google attribute name"
        )
        yield make(
            "SRC012",
            f"{count} item(s) have {what}; it is not written to the feeds",
            field=name,
            location=Location(path, row),
        )


@register("google_xml")
def _google_xml(config: SourceConfig) -> GoogleXmlSource:
    return GoogleXmlSource(config)


@detector(rank=10)
def _xml_content(sniff: Sniff) -> str | None:
    return "google_xml" if sniff.start == "<" else None


# Google attribute names that the native format spells differently: a header with them is a Google feed.
GOOGLE_ONLY = frozenset(
    {"item_group_id", "additional_image_link", "shipping_weight", "identifier_exists", "g:id", "g:title", "g:price"}
)


@detector(rank=150)
def _google_header(sniff: Sniff) -> str | None:
    return "google_tsv" if sniff.keys & GOOGLE_ONLY else None


# Google's text-feed order of sub-attributes for a column named without them (``shipping`` is
# ``country:region:service:price``); any other column names its own: ``shipping(country:postal_code:price)``.
DEFAULT_PARTS = {
    "shipping": ("country", "region", "service", "price"),
    "tax": ("country", "region", "rate", "tax_ship"),
    "product_detail": ("section_name", "attribute_name", "attribute_value"),
    "installment": ("months", "amount"),
    "certification": ("certification_authority", "certification_name", "certification_code"),
}


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def tsv_attribute(header: str, cell: str) -> list[FeedAttribute] | None:
    """A Google TSV column the model does not name, as the attributes it holds: ``shipping`` =
    ``ES::Standard:4.95 EUR,PT::Standard:6.95 EUR`` is two shippings of country, service and price. None when the
    header is no attribute name (``Notes (internal)``)."""
    name, _, rest = header.strip().removeprefix("g:").partition("(")
    names = tuple(p.strip() for p in rest.rstrip(")").split(":")) if rest else DEFAULT_PARTS.get(name)
    if not _NAME.fullmatch(name) or not all(_NAME.fullmatch(n) for n in names or ()):
        return None
    if not names:
        return [FeedAttribute(name=name, value=cell.strip())]
    groups = [group.split(":") for group in cell.split(",")]
    if any(len(values) != len(names) for values in groups):
        return [FeedAttribute(name=name, value=cell.strip())]  # not in the form the header names: kept as text
    return [
        FeedAttribute(name=name, parts=tuple((k, v.strip()) for k, v in zip(names, values, strict=True) if v.strip()))
        for values in groups
    ]


class GoogleTsvSource(DelimitedSource):
    """Google's TSV: columns of model fields are read as such, every other column is kept to be written back."""

    FEED_ATTRIBUTES = True

    def products(self, emit: Emit) -> Iterator[Product]:
        foreign: dict[str, tuple[int, int]] = {}
        for product in super().products(emit):
            kept: list[FeedAttribute] = []
            for header, cell in product.attributes.items():
                if header.startswith("feedsync_"):
                    continue
                found = tsv_attribute(header, cell)
                if found is None:
                    count, first = foreign.get(header, (0, product.source.row if product.source else 0))
                    foreign[header] = (count + 1, first)
                else:
                    kept += found
            yield product.model_copy(update={"feed_attributes": tuple(kept)}) if kept else product
        for diagnostic in _foreign_elements(str(self.path), foreign, "column"):
            emit(diagnostic)


@register("google_tsv", columns="header")
def _google_tsv(config: SourceConfig) -> DelimitedSource:
    columns = {**google_columns(), **config.columns}
    return GoogleTsvSource(config.model_copy(update={"columns": columns}), None, "google_tsv")
