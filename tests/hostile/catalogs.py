"""Small catalogs in every source format, written from one list of products, and the accounting check: every data
row of a file ends as an item of each channel or is named (by its row) in a finding.

A product here is a dict with the keys of ``good(n)``; a format writer puts each product on one row (or line) and
``rows_of(fmt, count)`` says which row numbers the readers give them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

Product = dict[str, str]


def good(n: int, **values: str) -> Product:
    """The n-th clean product (valid for google_merchant and facebook), with ``values`` replaced."""
    base = {
        "id": f"SKU-{n}",
        "title": f"Merino Tee {n}",
        "description": "Soft merino wool tee",
        "price": "20.00",
        "sale_price": "",
        "sale_from": "",
        "sale_to": "",
        "window": "",
        "brand": "Acme",
        "mpn": f"MPN-{n}",
        "quantity": "5",
        "image": f"https://shop.example.com/i/{n}.jpg",
    }
    base.update(values)
    return base


def goods(count: int, changes: dict[int, dict[str, str]] | None = None) -> list[Product]:
    """``count`` clean products; ``changes`` maps a 0-based index to the values that product gets instead."""
    changes = changes or {}
    return [good(n, **changes.get(n - 1, {})) for n in range(1, count + 1)]


def _table(header: list[str], rows: Iterable[list[str]], sep: str = ",", eol: str = "\n") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=eol)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


NATIVE = ["id", "title", "description", "link", "image_link", "price", "sale_price", "sale_price_effective_date"]
NATIVE += ["availability", "brand", "mpn"]


def _native_row(p: Product) -> list[str]:
    sale = [p["sale_price"], p["window"]]
    return [
        p["id"],
        p["title"],
        p["description"],
        f"/p/{p['id']}",
        p["image"],
        p["price"],
        *sale,
        "in stock",
        p["brand"],
        p["mpn"],
    ]


def native_csv(products: list[Product], sep: str = ",", eol: str = "\n") -> str:
    return _table(NATIVE, (_native_row(p) for p in products), sep, eol)


def _native_object(p: Product) -> dict[str, Any]:
    return dict(zip(NATIVE, _native_row(p), strict=True))


def json_array(products: list[Product]) -> str:
    """One object per line: product n starts on line n + 1."""
    return "[\n" + ",\n".join(json.dumps(_native_object(p)) for p in products) + "\n]\n"


def json_lines(products: list[Product]) -> str:
    return "".join(json.dumps(_native_object(p)) + "\n" for p in products)


SHOPIFY = ["Handle", "Title", "Body (HTML)", "Vendor", "Variant SKU", "Variant Price", "Variant Compare At Price"]
SHOPIFY += ["Image Src", "Variant Inventory Tracker", "Variant Inventory Qty", "Google Shopping / MPN", "Status"]


def shopify_csv(products: list[Product]) -> str:
    rows = (
        [
            p["id"].lower(),
            p["title"],
            p["description"],
            p["brand"],
            p["id"],
            p["sale_price"] or p["price"],
            p["price"] if p["sale_price"] else "",
            p["image"],
            "shopify",
            p["quantity"],
            p["mpn"],
            "active",
        ]
        for p in products
    )
    return _table(SHOPIFY, rows)


WOOCOMMERCE = ["ID", "Type", "SKU", "Name", "Published", "Description", "Regular price", "Sale price"]
WOOCOMMERCE += ["Date sale price starts", "Date sale price ends", "Images", "In stock?", "Stock", "Meta: _mpn"]
WOOCOMMERCE += ["Attribute 1 name", "Attribute 1 value(s)"]


def woocommerce_csv(products: list[Product]) -> str:
    rows = (
        [
            str(100 + n),
            "simple",
            p["id"],
            p["title"],
            "1",
            p["description"],
            p["price"],
            p["sale_price"],
            p["sale_from"],
            p["sale_to"],
            p["image"],
            "1",
            p["quantity"],
            p["mpn"],
            "Brand",
            p["brand"],
        ]
        for n, p in enumerate(products)
    )
    return _table(WOOCOMMERCE, rows)


MAGENTO = ["sku", "store_view_code", "attribute_set_code", "product_type", "name", "description", "price"]
MAGENTO += ["special_price", "special_price_from_date", "special_price_to_date", "qty", "is_in_stock"]
MAGENTO += ["base_image", "url_key", "visibility", "product_online", "additional_attributes"]


def magento_csv(products: list[Product]) -> str:
    rows = (
        [
            p["id"],
            "",
            "Default",
            "simple",
            p["title"],
            p["description"],
            p["price"],
            p["sale_price"],
            p["sale_from"],
            p["sale_to"],
            p["quantity"],
            "1",
            p["image"],
            p["id"].lower(),
            "Catalog, Search",
            "1",
            f"manufacturer={p['brand']},mpn={p['mpn']}",
        ]
        for p in products
    )
    return _table(MAGENTO, rows)


BIGCOMMERCE = ["Item Type", "Product ID", "Product Name", "Product Code/SKU", "Brand Name", "Product Description"]
BIGCOMMERCE += ["Price", "Sale Price", "Product Visible?", "Track Inventory", "Current Stock Level"]
BIGCOMMERCE += ["Manufacturer Part Number", "Product URL", "Product Image URL - 1"]


def bigcommerce_csv(products: list[Product]) -> str:
    rows = (
        [
            "Product",
            str(100 + n),
            p["title"],
            p["id"],
            p["brand"],
            p["description"],
            p["price"],
            p["sale_price"],
            "Y",
            "by product",
            p["quantity"],
            p["mpn"],
            f"/p/{p['id']}",
            p["image"],
        ]
        for n, p in enumerate(products)
    )
    return _table(BIGCOMMERCE, rows)


GOOGLE_TSV = [*NATIVE, "item_group_id"]


def google_tsv(products: list[Product]) -> str:
    rows = ([*_native_row(p), ""] for p in products)
    return _table(GOOGLE_TSV, rows, "\t")


XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">\n'


def xml_item(p: Product) -> str:
    values = dict(zip(NATIVE, _native_row(p), strict=True))
    values["link"] = "https://shop.example.com" + values["link"]
    inner = "".join(f"<g:{k}>{escape(v)}</g:{k}>" for k, v in values.items() if v)
    return f"<item>{inner}</item>\n"


def google_xml(products: list[Product], head: str = XML_HEAD) -> str:
    """Product n is on line n + 2 (after the declaration and ``<rss>``; ``<channel>`` shares line 3)."""
    return head + "<channel>" + "".join(xml_item(p) for p in products) + "</channel>\n</rss>\n"


WRITERS: dict[str, Callable[[list[Product]], str]] = {
    "csv": native_csv,
    "tsv": lambda products: native_csv(products, "\t"),
    "json": json_array,
    "jsonl": json_lines,
    "shopify": shopify_csv,
    "woocommerce": woocommerce_csv,
    "magento": magento_csv,
    "bigcommerce": bigcommerce_csv,
    "google_xml": google_xml,
    "google_tsv": google_tsv,
}
SUFFIX = {"tsv": ".tsv", "json": ".json", "jsonl": ".jsonl", "google_xml": ".xml", "google_tsv": ".txt"}
FIRST_ROW = {"jsonl": 1, "google_xml": 3}  # every other format: the header is row 1, the first product row 2


def file_name(fmt: str) -> str:
    return "catalog" + SUFFIX.get(fmt, ".csv")


def rows_of(fmt: str, count: int) -> list[int]:
    """The row (or line) numbers the readers give ``count`` products written by ``WRITERS[fmt]``."""
    first = FIRST_ROW.get(fmt, 2)
    return list(range(first, first + count))


CONFIG = """source:
  path: {name}
  format: {fmt}
  currency: USD
  base_url: https://shop.example.com
{extra}channels:
  google:
    profile: google_merchant
  meta:
    profile: facebook
"""


def write_catalog(directory: Path, fmt: str, data: bytes, *, detect: bool = False, extra: str = "") -> Path:
    """``data`` as the catalog of a config with the google_merchant and facebook channels; returns the config."""
    name = file_name(fmt)
    (directory / name).write_bytes(data)
    config = directory / "feedsync.yaml"
    config.write_text(CONFIG.format(name=name, fmt="auto" if detect else fmt, extra=extra), encoding="utf-8")
    return config


def unaccounted(report: dict[str, Any], path: Path, rows: Iterable[int]) -> dict[str, list[int]]:
    """Per channel, the data rows of ``path`` that are neither an item of the channel nor named in a finding.

    The JSON report counts items, so a row counts as an item when fewer rows are unnamed than the channel has
    items; each channel must also account for every product read (items + excluded + rejected)."""
    named = {
        d["location"]["row"]
        for d in report["diagnostics"]
        if d["location"] and Path(d["location"]["path"]).name == path.name and d["location"]["row"] is not None
    }
    unnamed = [r for r in rows if r not in named]
    missing: dict[str, list[int]] = {}
    for name, channel in report["channels"].items():
        assert channel["items"] + channel["excluded"] + channel["rejected"] == report["summary"]["variants"], name
        if len(unnamed) > channel["items"]:
            missing[name] = unnamed
    return missing
