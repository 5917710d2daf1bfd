"""A realistic catalog for the benchmark (``python benchmarks/run.py N --source-format realistic``): real exports
from ``../shared/realdata`` (two Shopify stores, Magento's sample data, a store's Google feed, a WooCommerce
store) turned into feedsync's native CSV by feedsync itself (the ``native`` profile), their rows repeated with
unique ids up to the size asked.

Real: the titles and descriptions (their HTML and entities), product types, the variants of each product and what
they differ by, prices and sale prices, links and images, and the gaps the exports have (no description, no
product type, a price of zero, descriptions without list items, which Amazon's definition wants as bullet points).
Filled in where an export has none, as benchmarks/generate.py fills them: GTIN (EAN-13, 2 % with a wrong check
digit), MPN, brand, condition, quantity, weight, gender and age group. Every price is relabelled in USD (the run's
currency: one catalog, one currency), written as the ``native`` profile writes it (``32.00 USD``). Each product
type found is mapped to a Google category by a word in it (apparel's when none fits) and to Amazon's PRODUCT.

``python benchmarks/realistic.py N DIR`` writes the catalog and its config into DIR.
"""

from __future__ import annotations

import csv
import hashlib
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import configure, ean13

REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
SOURCES = [  # (file, format, currency, settings)
    ("shopify/rosarose-products_export_1.csv", "shopify", "EUR", {"base_url": "https://rosarose.example.com"}),
    ("shopify/bilalithelabel-products_export.csv", "shopify", "USD", {"base_url": "https://bilali.example.com"}),
    (
        "magento/magento2-sample-data-ConfigurableSampleData-products.csv",
        "magento",
        "USD",
        {"base_url": "https://magento.example.com", "weight_unit": "lb"},
    ),
    ("google_feeds/opispot-google_feed.xml", "google_xml", "USD", {}),
    ("woocommerce/tgmodz-wc-product-export.csv", "woocommerce", "USD", {"base_url": "https://tgmodz.example.com"}),
]
CATEGORIES = [  # words of the product type (lower case) -> Google's category
    (("jewel", "necklace", "ring", "bracelet", "charm"), "188"),  # Apparel & Accessories > Jewelry
    (("mug", "taza"), "2169"),  # ... > Drinkware > Mugs
    (("sticker", "pegatina"), "4054"),  # ... > Decorative Stickers
    (("funda", "case", "bag"), "5181"),  # Luggage & Bags
    (("mod", "menu", "spoofer", "vpn", "bot", "account"), "313"),  # Software > Computer Software
    (("fortnite", "roblox", "minecraft", "rust", "gta", "tarkov", "siege", "rivals", "battlefield"), "1279"),
    (("duty", "raiders", "thieves", "rdr2"), "1279"),  # Software > Video Game Software
    (("home", "hogar"), "536"),  # Home & Garden
]
APPAREL = "1604"
"""Apparel & Accessories > Clothing: the product types no word above names (the stores' clothes)."""
_MOST_ID = 40
"""Amazon's longest SKU: a repeated id stays within it where the real one is."""


def native_rows(work: Path) -> list[dict[str, str]]:
    """The real exports' rows as feedsync's ``native`` profile writes them, one source after another."""
    rows: list[dict[str, str]] = []
    for number, (name, kind, currency, settings) in enumerate(SOURCES):
        folder = work / f"source{number}"
        folder.mkdir(parents=True, exist_ok=True)
        lines = [f"  path: {REALDATA / name}", f"  format: {kind}", f"  currency: {currency}"]
        lines += [f"  {key}: {value}" for key, value in settings.items()]
        config = folder / "feedsync.yaml"
        config.write_text("source:\n" + "\n".join(lines) + "\nchannels:\n  native: {profile: native}\n")
        command = [sys.executable, "-m", "feedsync", "build", "-c", str(config), "--out", str(folder), "--jobs", "1"]
        subprocess.run(command, capture_output=True, check=False)  # (the exports' findings are theirs)
        with (folder / "native.csv").open(encoding="utf-8", newline="") as handle:
            rows += csv.DictReader(handle)
    return rows


def _unique(value: str, replica: int) -> str:
    """``value`` made unique in replica ``replica``: ``-N`` after it, within ``_MOST_ID`` characters where it was."""
    suffix = f"-{replica}"
    if len(value) + len(suffix) <= _MOST_ID:
        return value + suffix
    keep = max(len(value), _MOST_ID) - 8 - len(suffix)
    return value[:keep] + hashlib.sha1(value.encode()).hexdigest()[:8] + suffix


def _usd(price: str) -> str:
    return f"{price.split()[0]} USD" if price else ""


def write_catalog(count: int, out: Path, rows: list[dict[str, str]]) -> set[str]:
    """``count`` variants of ``rows`` repeated (a product's variants never cut) into ``out/products.csv``; the
    product types written."""
    rng = random.Random(7)
    header = list(rows[0])
    types: set[str] = set()
    made, replica = 0, 0
    with (out / "products.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        while made < count:
            replica += 1
            last = None
            for real in rows:
                group = real["group_id"] or None
                if made >= count and (group is None or group != last):
                    break
                last, made = group, made + 1
                row = dict(real, id=_unique(real["id"], replica))
                if group:
                    row["group_id"] = _unique(group, replica)
                if not row["gtin"]:
                    gtin = ean13(f"42{made:010d}")
                    row["gtin"] = gtin if rng.random() >= 0.02 else gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
                row["mpn"] = row["mpn"] or f"NW-{made}"
                row["brand"] = row["brand"] or "Northwind Outfitters"
                row["condition"] = row["condition"] or "new"
                if not row["quantity"]:
                    row["quantity"], row["availability"] = str(rng.choice([0, 1, 2, 3, 5, 8, 13, 40])), ""
                row["weight"] = row["weight"] or f"{rng.randint(50, 1500)} g"
                row["gender"] = row["gender"] or rng.choice(["female", "male", "unisex"])
                row["age_group"] = row["age_group"] or "adult"
                row["price"], row["sale_price"] = _usd(row["price"]), _usd(row["sale_price"])
                types.add(row["product_type"])
                writer.writerow(row)
    return types - {""}


def category(product_type: str) -> str:
    lower = product_type.lower()
    return next((google for words, google in CATEGORIES if any(w in lower for w in words)), APPAREL)


def build(count: int, out: Path) -> Path:
    """The realistic catalog of ``count`` variants and its config in ``out``; the config's path."""
    if not REALDATA.is_dir():
        raise SystemExit(f"no {REALDATA}: the realistic catalog is made of the real exports there")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        types = write_catalog(count, out, native_rows(Path(work)))
    config = configure(out, "native")
    amazon = "PRODUCT" if (out / "amazon_definitions").is_dir() else "SHIRT"
    entries = [
        f"- {{product_type: {_quoted(t)}, google_product_category: {category(t)}, amazon_product_type: {amazon}}}"
        for t in sorted(types)
    ]
    (out / "categories.yaml").write_text("\n".join(entries) + "\n", encoding="utf-8")
    return config


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


if __name__ == "__main__":
    print(build(int(sys.argv[1]), Path(sys.argv[2])))
