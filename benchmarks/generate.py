"""Deterministic realistic catalogs for benchmarks: ``python benchmarks/generate.py N OUT_DIR
[native|shopify|woocommerce|woocommerce-by-id|magento]``.

Writes OUT_DIR/products.csv (native format; or OUT_DIR/products_export.csv, the same catalog as a Shopify product
export, a WooCommerce export or a Magento catalog_product export; ``woocommerce-by-id``: the WooCommerce export of a
store that lists its products by id, its variations added later after every other row), N variants in groups of 1-12
with sizes and colours, HTML descriptions of realistic length, several images, valid and some invalid GTINs, sale
prices with dates, categories from the demo's map, unicode) and OUT_DIR/feedsync.yaml with google, facebook and
amazon channels.

Where ../shared is beside the project, the Amazon channel checks every message against Amazon's published PRODUCT
definition (US, copied into OUT_DIR/amazon_definitions/), with the facts that definition requires mapped as fields;
without it the messages are checked against the channel's own rules only, and ``configure`` says so.
"""

from __future__ import annotations

import csv
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

COLUMNS = [
    "id",
    "group_id",
    "title",
    "description",
    "link",
    "image_link",
    "additional_image_links",
    "price",
    "sale_price",
    "sale_price_effective_date",
    "availability",
    "quantity",
    "brand",
    "gtin",
    "mpn",
    "condition",
    "product_type",
    "google_product_category",
    "color",
    "size",
    "gender",
    "age_group",
    "material",
    "weight",
    "custom_label_0",
]
CATEGORIES = [
    ("Men > Tops > T-Shirts", "212", "male"),
    ("Women > Dresses", "2271", "female"),
    ("Unisex > Tops > Hoodies", "212", "unisex"),
    ("Men > Bottoms > Jeans", "204", "male"),
    ("Accessories > Socks", "209", "unisex"),
    ("Kids > Outerwear", "5598", "unisex"),
]
COLORS = [
    "Navy",
    "Black",
    "Heather Grey",
    "Oat",
    "Sage",
    "Terracotta",
    "Rust",
    "Cobalt",
    "Crème",
    "Bordeaux",
    "Forest",
    "Sand",
]
SIZES = ["XS", "S", "M", "L", "XL", "XXL", "3XL", "36–39", "40–43", "44–47", "104", "116"]
NOUNS = ["Tee", "Hoodie", "Dress", "Jeans", "Socks", "Jacket", "Shirt", "Parka", "Vest", "Sweater"]
ADJECTIVES = [
    "Merino",
    "Organic",
    "Linen",
    "Waxed",
    "Alpaca",
    "Recycled",
    "Flannel",
    "Selvedge",
    "Fleece",
    "Cashmere",
    "Bamboo",
    "Nordic",
    "Café",
]
LOREM = (
    "Made from responsibly sourced fibres and finished by hand in small batches. Breathable, soft and built "
    "to last for years of everyday wear. Machine washable at 30 °C; dry flat. "
)

CONFIG = """source:
  path: products.csv
  currency: USD
  base_url: https://shop.example.com
channels:
  google: {profile: google_merchant, category_map: categories.yaml}
  facebook: {profile: facebook, category_map: categories.yaml}
  amazon:
    profile: amazon
    category_map: categories.yaml
"""
UNCHECKED = """    settings: {seller_id: A2BENCH0001}
"""
CHECKED = """    settings:
      seller_id: A2BENCH0001
      marketplace: US
      definitions: amazon_definitions
      merchant_shipping_group: legacy-template-id
    fields:
      country_of_origin: CN
      item_type_keyword: apparel
      supplier_declared_dg_hz_regulation: not_applicable
      batteries_required: "false"
      item_package_dimensions__height__value: "10"
      item_package_dimensions__height__unit: centimeters
      item_package_dimensions__length__value: "30"
      item_package_dimensions__length__unit: centimeters
      item_package_dimensions__width__value: "20"
      item_package_dimensions__width__unit: centimeters
"""
DEFINITION = Path(__file__).resolve().parent.parent.parent / "shared/realdata/amazon/product_types/PRODUCT-us-2023.json"
"""Amazon's published PRODUCT definition (US), when ../shared is beside the project."""
CATEGORY_MAP = """- {product_type: Men > Tops, google_product_category: 212, amazon_product_type: SHIRT}
- {product_type: Women > Dresses, google_product_category: 2271, amazon_product_type: DRESS}
- {product_type: Unisex > Tops, google_product_category: 212, amazon_product_type: SWEATSHIRT}
- {product_type: Men > Bottoms, google_product_category: 204, amazon_product_type: PANTS}
- {product_type: Accessories > Socks, google_product_category: 209, amazon_product_type: SOCKS}
- {product_type: Kids > Outerwear, google_product_category: 5598, amazon_product_type: COAT}
"""


def _audience(line: str) -> str:
    """A category map's line (``- {product_type: ..., ...}``) with the gender and age group of its categories."""
    prefix = line.split("product_type: ", 1)[1].split(",", 1)[0]
    gender = next(gender for category, _, gender in CATEGORIES if category.startswith(prefix))
    return f"{line[:-1]}, gender: {gender}, age_group: adult}}"


def ean13(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def rows(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    made = 0
    group = 0
    while made < count:
        group += 1
        size = min(rng.randint(1, 12), count - made)
        category, google, gender = rng.choice(CATEGORIES)
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {group}"
        handle = f"product-{group}"
        base = rng.randint(900, 25000) / 100
        on_sale = rng.random() < 0.2
        description = (
            f"<p>{title}: {LOREM * rng.randint(2, 6)}</p><ul><li>{rng.choice(ADJECTIVES)} fabric</li>"
            f"<li>Fits true to size</li><li>Ships in 2 days &amp; free returns</li></ul>"
        )
        colors = rng.sample(COLORS, k=min(size, 3))
        for index in range(size):
            made += 1
            color = colors[index % len(colors)]
            variant_size = SIZES[index // len(colors) % len(SIZES)]
            gtin = ean13(f"42{made:010d}")
            if rng.random() < 0.02:  # some invalid check digits
                gtin = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
            quantity = rng.choice([0, 1, 2, 3, 5, 8, 13, 40])
            yield {
                "id": f"SKU-{made:07d}",
                "group_id": f"G-{group:06d}" if size > 1 else "",
                "title": title,
                "description": description,
                "link": f"/products/{handle}?variant={made}",
                "image_link": f"/cdn/{handle}-{index}.jpg",
                "additional_image_links": ",".join(f"/cdn/{handle}-{index}-{k}.jpg" for k in range(rng.randint(1, 5))),
                "price": f"{base:.2f}",
                "sale_price": f"{base * 0.8:.2f}" if on_sale else "",
                "sale_price_effective_date": "2026-11-27T00:00:00-05:00/2026-12-01T23:59:59-05:00" if on_sale else "",
                "availability": "",
                "quantity": str(quantity),
                "brand": "Northwind Outfitters",
                "gtin": gtin,
                "mpn": f"NW-{made}",
                "condition": "new",
                "product_type": category,
                "google_product_category": google,
                "color": color,
                "size": variant_size,
                "gender": gender,
                "age_group": "adult",
                "material": "Cotton",
                "weight": f"{rng.randint(50, 1500)} g",
                "custom_label_0": rng.choice(["", "bestseller", "new"]),
            }


def products(count: int, seed: int = 7) -> Iterator[list[dict[str, str]]]:
    """The catalog's rows (``rows``) a product at a time: its variants, one group each (a row without a group alone)."""
    group: list[dict[str, str]] = []
    for row in rows(count, seed):
        if group and (not row["group_id"] or row["group_id"] != group[0]["group_id"]):
            yield group
            group = []
        group.append(row)
    if group:
        yield group


SHOPIFY_COLUMNS = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Google Shopping / Google Product Category",
    "Google Shopping / Gender",
    "Google Shopping / Age Group",
    "Google Shopping / MPN",
    "Google Shopping / Condition",
    "Variant Weight Unit",
    "Status",
]


def shopify_rows(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """The same catalog as Shopify's classic product CSV: the first row of a handle carries the product, the
    others only the variant; sale prices are Variant Price below Variant Compare At Price; extra images are rows
    of their own after the variants."""
    handle, images = "", []
    for row in rows(count, seed):
        product = row["link"].split("/products/")[1].split("?")[0]
        first = product != handle
        if first and images:
            yield from images
        if first:
            handle, images = product, []
        on_sale = bool(row["sale_price"])
        out = {
            "Handle": product,
            "Option1 Name": "Color" if first else "",
            "Option1 Value": row["color"],
            "Option2 Name": "Size" if first else "",
            "Option2 Value": row["size"],
            "Variant SKU": row["id"],
            "Variant Grams": row["weight"].split()[0],
            "Variant Inventory Tracker": "shopify",
            "Variant Inventory Qty": row["quantity"],
            "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual",
            "Variant Price": row["sale_price"] if on_sale else row["price"],
            "Variant Compare At Price": row["price"] if on_sale else "",
            "Variant Requires Shipping": "true",
            "Variant Taxable": "true",
            "Variant Barcode": row["gtin"],
            "Variant Weight Unit": "g",
        }
        if first:
            out.update(
                {
                    "Title": row["title"],
                    "Body (HTML)": row["description"],
                    "Vendor": row["brand"],
                    "Type": row["product_type"],
                    "Tags": row["custom_label_0"],
                    "Published": "true",
                    "Image Src": "https://shop.example.com" + row["image_link"],
                    "Image Position": "1",
                    "Google Shopping / Google Product Category": row["google_product_category"],
                    "Google Shopping / Gender": row["gender"],
                    "Google Shopping / Age Group": row["age_group"],
                    "Google Shopping / MPN": row["mpn"],
                    "Google Shopping / Condition": "new",
                    "Status": "active",
                }
            )
            links = [link for link in row["additional_image_links"].split(",") if link]
            images = [
                {"Handle": product, "Image Src": "https://shop.example.com" + link, "Image Position": str(n)}
                for n, link in enumerate(links, start=2)
            ]
        yield out
    yield from images


WOOCOMMERCE_COLUMNS = [
    "ID",
    "Type",
    "SKU",
    "GTIN, UPC, EAN, or ISBN",
    "Name",
    "Published",
    "Description",
    "Date sale price starts",
    "Date sale price ends",
    "In stock?",
    "Stock",
    "Backorders allowed?",
    "Weight (g)",
    "Sale price",
    "Regular price",
    "Categories",
    "Tags",
    "Images",
    "Parent",
    "Brands",
    "MPN",
    "Attribute 1 name",
    "Attribute 1 value(s)",
    "Attribute 2 name",
    "Attribute 2 value(s)",
]


def woocommerce_rows(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """The same catalog as WooCommerce's exporter writes it: a product of one variant is a ``simple`` row; a
    product of several is a ``variable`` row (its name, description, categories, gallery, brand and the values of its
    attributes) followed by a ``variation`` row for each variant, which names it as its Parent."""
    number = 0

    def product(variants: list[dict[str, str]]) -> Iterator[dict[str, str]]:
        nonlocal number
        first = variants[0]
        gallery = ", ".join(
            "https://shop.example.com" + link
            for link in [first["image_link"], *first["additional_image_links"].split(",")]
            if link
        )
        shared = {
            "Name": first["title"],
            "Published": "1",
            "Description": first["description"],
            "Categories": first["product_type"],
            "Tags": first["custom_label_0"],
            "Brands": first["brand"],
        }
        if len(variants) == 1:
            number += 1
            yield {"ID": str(number), "Type": "simple", **shared, **_offer(first), "Images": gallery}
            return
        number += 1
        parent = first["group_id"]
        yield {
            "ID": str(number),
            "Type": "variable",
            "SKU": parent,
            **shared,
            "Images": gallery,
            "Attribute 1 name": "Color",
            "Attribute 1 value(s)": ", ".join(dict.fromkeys(v["color"] for v in variants)),
            "Attribute 2 name": "Size",
            "Attribute 2 value(s)": ", ".join(dict.fromkeys(v["size"] for v in variants)),
        }
        for variant in variants:
            number += 1
            yield {
                "ID": str(number),
                "Type": "variation",
                "Published": "1",
                **_offer(variant),
                "Images": "https://shop.example.com" + variant["image_link"],
                "Parent": parent,
            }

    for variants in products(count, seed):
        yield from product(variants)


def _offer(row: dict[str, str]) -> dict[str, str]:
    """A variant's own columns in a WooCommerce export."""
    on_sale = bool(row["sale_price"])
    return {
        "SKU": row["id"],
        "GTIN, UPC, EAN, or ISBN": row["gtin"],
        "Regular price": row["price"],
        "Sale price": row["sale_price"],
        "Date sale price starts": "2026-11-27 00:00:00" if on_sale else "",
        "Date sale price ends": "2026-12-01 23:59:59" if on_sale else "",
        "In stock?": "1",
        "Stock": row["quantity"],
        "Backorders allowed?": "0",
        "Weight (g)": row["weight"].split()[0],
        "MPN": row["mpn"],
        "Attribute 1 name": "Color",
        "Attribute 1 value(s)": row["color"],
        "Attribute 2 name": "Size",
        "Attribute 2 value(s)": row["size"],
    }


MAGENTO_COLUMNS = [
    "sku",
    "store_view_code",
    "attribute_set_code",
    "product_type",
    "categories",
    "name",
    "description",
    "weight",
    "product_online",
    "visibility",
    "price",
    "special_price",
    "special_price_from_date",
    "special_price_to_date",
    "url_key",
    "base_image",
    "additional_images",
    "qty",
    "is_in_stock",
    "additional_attributes",
    "configurable_variations",
]


def magento_rows(count: int, seed: int = 7) -> Iterator[dict[str, str]]:
    """The same catalog as Magento's ``catalog_product`` export: a product of one variant is a visible ``simple``
    row; a product of several is a ``simple`` row for each variant, 'Not Visible Individually', then the
    ``configurable`` row that names them (``configurable_variations``), as Magento writes them."""

    def product(variants: list[dict[str, str]]) -> Iterator[dict[str, str]]:
        first = variants[0]
        handle = first["link"].split("/products/")[1].split("?")[0]
        categories = "Default Category/" + first["product_type"].replace(" > ", "/")
        images = [link.lstrip("/") for link in first["additional_image_links"].split(",") if link]
        shared = {"attribute_set_code": "Default", "categories": categories, "product_online": "1"}
        if len(variants) == 1:
            page = {"name": first["title"], "description": first["description"], "url_key": handle}
            yield {**shared, **_sellable(first), **page, "visibility": "Catalog, Search",
                   "additional_images": ",".join(images)}  # fmt: skip
            return
        for variant in variants:
            yield {**shared, **_sellable(variant), "visibility": "Not Visible Individually", "name": variant["title"],
                   "url_key": f"{handle}-{variant['id'].lower()}"}  # fmt: skip
        yield {
            **shared,
            "sku": first["group_id"],
            "product_type": "configurable",
            "name": first["title"],
            "description": first["description"],
            "visibility": "Catalog, Search",
            "url_key": handle,
            "base_image": first["image_link"].lstrip("/"),
            "additional_images": ",".join(images),
            "is_in_stock": "1",
            "configurable_variations": "|".join(f"sku={v['id']},color={v['color']},size={v['size']}" for v in variants),
        }

    for variants in products(count, seed):
        yield from product(variants)


def _sellable(row: dict[str, str]) -> dict[str, str]:
    """A variant's own columns in a Magento export."""
    on_sale = bool(row["sale_price"])
    attributes = f"brand={row['brand']},gtin={row['gtin']},mpn={row['mpn']},color={row['color']},size={row['size']}"
    return {
        "sku": row["id"],
        "product_type": "simple",
        "weight": row["weight"].split()[0],
        "price": row["price"],
        "special_price": row["sale_price"],
        "special_price_from_date": "2026-11-27 00:00:00" if on_sale else "",
        "special_price_to_date": "2026-12-01 23:59:59" if on_sale else "",
        "base_image": row["image_link"].lstrip("/"),
        "qty": row["quantity"],
        "is_in_stock": "1",
        "additional_attributes": attributes,
    }


def woocommerce_by_id(count: int, seed: int = 7, later: float = 0.02) -> Iterator[dict[str, str]]:
    """``woocommerce_rows`` as a store that lists its products by id exports them: a variation added to its product
    later (``later`` of them, chosen at random) comes after every other row, its family's first variations far
    before it."""
    chosen = random.Random(seed)
    added: list[dict[str, str]] = []
    for row in woocommerce_rows(count, seed):
        if "variation" in row["Type"] and chosen.random() < later:
            added.append(row)
        else:
            yield row
    yield from added


def generate(count: int, out: Path, source_format: str = "native") -> Path:
    """Write the catalog (``native`` CSV, or a ``shopify``, ``woocommerce`` or ``magento`` export) and a config for
    it into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    if source_format != "native":
        columns, made = {
            "shopify": (SHOPIFY_COLUMNS, shopify_rows),
            "woocommerce": (WOOCOMMERCE_COLUMNS, woocommerce_rows),
            "woocommerce-by-id": (WOOCOMMERCE_COLUMNS, woocommerce_by_id),
            "magento": (MAGENTO_COLUMNS, magento_rows),
        }[source_format]
        with (out / "products_export.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(made(count))
    else:
        with (out / "products.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows(count))  # type: ignore[arg-type]
    return configure(out, source_format.removesuffix("-by-id"))


def configure(out: Path, source_format: str = "native") -> Path:
    """(Re)write the config and category map of the catalog in ``out``: Amazon checked against the PRODUCT
    definition when it is at hand (told on stderr when not)."""
    config, categories = CONFIG, CATEGORY_MAP
    if DEFINITION.exists():
        (out / "amazon_definitions").mkdir(exist_ok=True)
        shutil.copyfile(DEFINITION, out / "amazon_definitions" / DEFINITION.name)
        config += CHECKED
        categories = "".join(
            line.split(", amazon_product_type:")[0] + ", amazon_product_type: PRODUCT}\n"
            for line in CATEGORY_MAP.splitlines()
        )
    else:
        config += UNCHECKED
        print(f"no {DEFINITION}: Amazon's messages are checked against the channel's rules only", file=sys.stderr)
    if source_format != "native":
        config = config.replace("  path: products.csv\n", f"  path: products_export.csv\n  format: {source_format}\n")
    if source_format in ("woocommerce", "magento"):  # no column says whom a product is for: the map does
        categories = "".join(_audience(line) + "\n" for line in categories.splitlines())
    if source_format == "magento":  # the export's weights have no unit: the store's is said here
        config = config.replace("  currency: USD\n", "  currency: USD\n  weight_unit: g\n")
    (out / "feedsync.yaml").write_text(config, encoding="utf-8")
    (out / "categories.yaml").write_text(categories, encoding="utf-8")
    return out / "feedsync.yaml"


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "native")
