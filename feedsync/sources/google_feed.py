"""An existing Google Merchant Center feed as a source: RSS 2.0 / Atom 1.0 XML with the ``g:`` namespace, or
Google's TSV. Many merchants already have one; reading it lets feedsync take over from there.

XML is streamed with ``lxml.etree.iterparse`` with entity expansion, DTD loading and network access off, so a
hostile file cannot expand entities or fetch anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from feedsync.config import SourceConfig
from feedsync.diagnostics import Emit
from feedsync.errors import SourceError
from feedsync.model.product import PRODUCT_FIELDS, Product, SourceRef
from feedsync.sources.base import SourceStats, normalize_context, register
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
    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.path = config.path
        self.stats = SourceStats(format="google_xml", encoding="declared in the XML")

    def products(self, emit: Emit) -> Iterator[Product]:
        ctx = normalize_context(self.config)
        path = str(self.path)
        seen_fields: set[str] = set()
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
                    raw, attributes = _item_values(element)
                    seen_fields.update(raw)
                    ref = SourceRef.model_construct(path=path, row=element.sourceline or 0, columns={})
                    product = build_product(raw, attributes, ref, ctx, emit)
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
        self.stats.columns = {
            f"g:{k}" if k not in ("title", "link", "description") else k: k for k in sorted(seen_fields)
        }


def _item_values(element: Any) -> tuple[dict[str, Any], dict[str, str]]:
    raw: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    images: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        qname = etree.QName(child)
        name = qname.localname
        text = (child.text or "").strip()
        if qname.namespace == ATOM and name == "link":
            text = child.get("href", "").strip()
        elif qname.namespace == ATOM and name in ("summary", "content"):
            name = "description"
        elements = [c for c in child if isinstance(c.tag, str)]
        if elements:  # nested attributes (shipping, tax, ...) are kept as text
            text = ";".join(f"{etree.QName(c).localname}={(c.text or '').strip()}" for c in elements)
        elif len(child):  # unexpanded entity references: keep the text around them
            text = ((child.text or "") + "".join(c.tail or "" for c in child)).strip()
        if not text:
            continue
        field = ALIASES.get(name, name)
        if field == "additional_image_links":
            images.append(text)
        elif field in _FIELDS and qname.namespace in (G, ATOM, None):
            raw.setdefault(field, text)  # g:title wins over a later plain title only if it comes first
        else:
            attributes[name] = text
    if images:
        raw["additional_image_links"] = images
    return raw, attributes


@register("google_xml")
def _google_xml(config: SourceConfig) -> GoogleXmlSource:
    return GoogleXmlSource(config)


@register("google_tsv", columns="header")
def _google_tsv(config: SourceConfig) -> DelimitedSource:
    columns = {**google_columns(), **config.columns}
    return DelimitedSource(config.model_copy(update={"columns": columns}), None, "google_tsv")
