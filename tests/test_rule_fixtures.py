"""Every registered diagnostic code has a fixture that triggers it, checked for the exact diagnostic (code,
item, field, row, column); and every code has a doc text. Adding a code without a fixture fails here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from feedsync import pipeline
from feedsync.channels.amazon.rules import check_item as amazon_check
from feedsync.channels.base import ChannelItem
from feedsync.channels.google.rules import check_item as google_check
from feedsync.channels.google_local import check_item as local_check
from feedsync.channels.meta.rules import check_item as meta_check
from feedsync.config import SourceConfig, load_config
from feedsync.diagnostics import CODES, Diagnostic
from feedsync.errors import RemoteError
from feedsync.model import Money, Product
from feedsync.model.product import SourceRef
from feedsync.sources import open_source
from feedsync.state import State
from tests.conftest import HEADER, make_config, row
from tests.destinations.gmc import INSERT, PRODUCT_INPUT, gmc_config, mock_api

Found = list[Diagnostic]
# code -> (fixture, (product_id, field, row, column)); row/column None where the finding has none.
FIXTURES: dict[str, tuple[Callable[[Path], Found], tuple[Any, ...]]] = {}


def fixture(code: str, expected: tuple[Any, ...]) -> Callable[[Callable[[Path], Found]], Callable[[Path], Found]]:
    def register(function: Callable[[Path], Found]) -> Callable[[Path], Found]:
        FIXTURES[code] = (function, expected)
        return function

    return register


def read(path: Path, text: str | bytes, **config: Any) -> Found:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    found: Found = []
    source = open_source(
        SourceConfig.model_validate({"path": path, "currency": "USD", "base_url": "https://s.example", **config})
    )
    list(source.products(found.append))
    return found


def build(tmp: Path, csv_text: str, channel_extra: str = "", command: str = "validate") -> Found:
    config = make_config(tmp, csv_text, channel_extra=channel_extra)
    return pipeline.run(config, command).diagnostics  # type: ignore[arg-type]


# A product whose fields sit at row 7 of "p.csv", each in its own column, for channel rules.
COLUMNS = {
    name: (name, number)
    for number, name in enumerate(
        [
            "id",
            "title",
            "description",
            "link",
            "image_link",
            "price",
            "sale_price",
            "gtin",
            "brand",
            "mpn",
            "color",
            "size",
            "gender",
            "age_group",
            "google_product_category",
            "sale_price_effective_date",
            "availability",
            "condition",
            "group_id",
            "identifier_exists",
        ],
        start=1,
    )
}
REF = SourceRef.model_construct(path="p.csv", row=7, columns=COLUMNS)
PRODUCT = Product(id="X1", title="T", price=Money(amount=Decimal(1), currency="USD"), source=REF)
ORIGINS = {
    "id": "id",
    "title": "title",
    "description": "description",
    "link": "link",
    "image_link": "image_link",
    "price": "price",
    "sale_price": "sale_price",
    "gtin": "gtin",
    "brand": "brand",
    "mpn": "mpn",
    "color": "color",
    "size": "size",
    "gender": "gender",
    "age_group": "age_group",
    "google_product_category": "google_product_category",
    "sale_price_effective_date": "sale_price_effective_date",
    "availability": "availability",
    "condition": "condition",
    "item_group_id": "group_id",
    "identifier_exists": "identifier_exists",
    "sku": "id",
    "item_name": "title",
    "main_image": "image_link",
    "asin": "id",
    "product_type": "id",
}
GOOD_GOOGLE = {
    "id": "X1",
    "title": "Merino tee",
    "description": "D",
    "link": "https://s.example/x",
    "image_link": "https://s.example/x.jpg",
    "availability": "in_stock",
    "price": "10.00 USD",
    "gtin": "4006381333931",
}
GOOD_META = {
    "id": "X1",
    "title": "T",
    "description": "D",
    "availability": "in stock",
    "condition": "new",
    "price": "10.00 USD",
    "link": "https://s.example/x",
    "image_link": "https://s.example/x.jpg",
    "brand": "B",
}
GOOD_AMAZON = {
    "sku": "X1",
    "product_type": "SHIRT",
    "item_name": "T",
    "brand": "B",
    "price": "10",
    "main_image": "https://s.example/x.jpg",
}


def item_check(check: Callable[[ChannelItem, str], Found], base: dict[str, Any], **changes: Any) -> Found:
    values = {k: v for k, v in {**base, **changes}.items() if v is not None}
    return check(ChannelItem(id="X1", values=values, product=PRODUCT, origins=ORIGINS), "ch")


def google(**changes: Any) -> Callable[[Path], Found]:
    return lambda tmp: item_check(google_check, GOOD_GOOGLE, **changes)


def meta(**changes: Any) -> Callable[[Path], Found]:
    return lambda tmp: item_check(meta_check, GOOD_META, **changes)


def amazon(**changes: Any) -> Callable[[Path], Found]:
    return lambda tmp: item_check(amazon_check, GOOD_AMAZON, **changes)


# -- config / profile --------------------------------------------------------------------------------------
FIXTURES["CFG001"] = (
    lambda tmp: build(tmp, HEADER + row("A"), "    fields: {custom_label_0: '{{ attributes.x }}'}\n"),
    ("A", "custom_label_0", 2, None),
)
FIXTURES["CFG002"] = (
    lambda tmp: build(tmp, HEADER + row("A"), "    filters: {include: ['attributes.x > 1']}\n"),
    ("A", None, 2, None),
)


@fixture("CFG003", ("A", "price", 2, None))
def _cfg003(tmp: Path) -> Found:
    return build(
        tmp, HEADER.strip() + ",google_price\n" + row("A").strip() + ",cheap\n", "    overrides_prefix: google_\n"
    )


@fixture("CFG004", ("A", "product_type", 2, 13))
def _cfg004(tmp: Path) -> Found:
    (tmp / "map.yaml").write_text("- {product_type: Men, google_product_category: 212}\n", encoding="utf-8")
    return build(
        tmp, HEADER.strip() + ",product_type\n" + row("A").strip() + ",Garden\n", "    category_map: map.yaml\n"
    )


FIXTURES["CFG005"] = (
    lambda tmp: build(
        tmp, HEADER.strip() + ",cost\n" + row("A").strip() + ",19\n", "    price: {min_margin_percent: 20}\n"
    ),
    ("A", "price", 2, None),
)
FIXTURES["CFG006"] = (
    lambda tmp: build(tmp, HEADER + row("A"), "    rules: [{then: [{set: price, value: cheap}]}]\n"),
    ("A", None, 2, None),
)
FIXTURES["CFG007"] = (
    lambda tmp: build(tmp, HEADER + row("A"), '    fields:\n      title: {template: "{{ title * 10**7 }}"}\n'),
    ("A", "title", 2, 3),
)
FIXTURES["CFG009"] = (
    lambda tmp: build(
        tmp, HEADER + row("A") + row("B", brand="Other"), "    filters: {exclude: [\"brand == 'Other'\"]}\n"
    ),
    ("B", None, 3, None),
)


@fixture("CFG011", (None, "fields.custom_label_0", 9, 23))
def _cfg011(tmp: Path) -> Found:
    """A field reads an attribute no column of the native catalog has."""
    extra = "    fields:\n      custom_label_0: \"{{ attributes.get('seasn', '') }}\"\n"
    config = make_config(tmp, HEADER.rstrip("\n") + ",season\n" + row("A").rstrip("\n") + ",Winter\n", extra)
    return pipeline.run(config, "validate").diagnostics  # type: ignore[return-value]


@fixture("CFG012", (None, "fields.custom_label_0", 9, 23))
def _cfg012(tmp: Path) -> Found:
    """A field reads an attribute no record of a JSON catalog has."""
    (tmp / "products.jsonl").write_text(
        '{"id": "A", "title": "Tee", "price": "5", "link": "/a", "image_link": "/a.jpg", "Season": "Winter"}\n',
        encoding="utf-8",
    )
    extra = "    fields:\n      custom_label_0: \"{{ attributes.get('seasn', '') }}\"\n"
    make_config(tmp, HEADER, extra)
    path = tmp / "feedsync.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("products.csv", "products.jsonl"), encoding="utf-8")
    return pipeline.run(load_config(path), "validate").diagnostics  # type: ignore[return-value]


@fixture("CFG010", (None, "size", None, None))
def _cfg010(tmp: Path) -> Found:
    """source.options names an option no product of the export has."""
    (tmp / "p.csv").write_text(
        "Handle,Title,Option1 Name,Option1 Value,Variant Price\ntee,Tee,Tiers,1,5\ntee,,,2,5\n", encoding="utf-8"
    )
    (tmp / "feedsync.yaml").write_text(
        "source:\n  path: p.csv\n  format: shopify\n  currency: USD\n  base_url: https://s.example\n"
        "  options: {Tires: size}\nchannels:\n  google:\n    profile: google_merchant\n",
        encoding="utf-8",
    )
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "validate").diagnostics  # type: ignore[return-value]


FIXTURES["CFG008"] = (
    lambda tmp: build(
        tmp,
        HEADER + row("A", title="a" * 5000 + "!"),
        "    rules: [{when: [{field: title, matches: '(a+)+$'}], then: [{exclude: true}]}]\n",
    ),
    ("A", "title", 2, None),
)

# -- reading ---------------------------------------------------------------------------------------------
FIXTURES["SRC001"] = (
    lambda tmp: read(tmp / "p.jsonl", '{"id": "A", "title": "T", "price": 1}\n{oops\n'),
    (None, None, 2, 2),
)
FIXTURES["SRC002"] = (lambda tmp: read(tmp / "p.csv", "id,title,Title,price\nA,T,U,1\n"), (None, "title", 1, 3))
FIXTURES["SRC003"] = (
    lambda tmp: read(tmp / "p.csv", "id,title,price\nA,Caf\xe9,1\n".encode("cp1252")),
    (None, None, None, None),
)
FIXTURES["SRC004"] = (
    lambda tmp: read(
        tmp / "p.csv",
        "Handle,Title,Variant Price,Option1 Name,Option1 Value\na,A,1,Size,S\nb,B,1,Size,S\na,,1,,M\n",
        format="shopify",
    ),
    (None, None, 4, None),
)
FIXTURES["SRC005"] = (
    lambda tmp: read(tmp / "p.csv", "Handle,Title,Variant Price,Status\na,A,1,draft\n", format="shopify"),
    (None, None, None, None),
)
FIXTURES["SRC006"] = (
    lambda tmp: read(tmp / "p.csv", "Type,SKU,Name,Regular price\nvariable,V,Vee,\n", format="woocommerce"),
    (None, None, 2, 1),
)
FIXTURES["SRC007"] = (
    lambda tmp: read(
        tmp / "p.csv", "Type,SKU,Name,Regular price,Parent\nvariation,V1,Vee,1,GONE\n", format="woocommerce"
    ),
    (None, None, 2, 5),
)
FIXTURES["SRC008"] = (
    lambda tmp: read(
        tmp / "p.csv",
        "sku,product_type,attribute_set_code,name,price,weight\nS1,simple,Default,Thing,5,2\n",
        format="magento",
    ),
    (None, None, None, None),
)
FIXTURES["SRC009"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,T,1,extra\n"), (None, None, 2, 4))
FIXTURES["SRC010"] = (
    lambda tmp: read(tmp / "p.csv", 'id,title,price\nA,"T,1\nB,T,2\nC,T "3,3\n'),
    (None, None, 2, None),
)
FIXTURES["SRC017"] = (lambda tmp: read(tmp / "p.csv", 'id,title,price\nA,"Best" Tee,1\n'), (None, None, 2, 2))
FIXTURES["SRC011"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,T\x07,1\n"), ("A", "title", 2, 2))
MAGENTO_HEADER = "sku,store_view_code,attribute_set_code,product_type,name,price\n"
FIXTURES["SRC013"] = (
    lambda tmp: read(tmp / "p.csv", MAGENTO_HEADER + "G,,Default,grouped,Set,\n", format="magento"),
    ("G", None, 2, 4),
)
FIXTURES["SRC014"] = (
    lambda tmp: read(tmp / "p.csv", MAGENTO_HEADER + "A,default,Default,simple,Tee,1\n", format="magento"),
    (None, None, None, None),
)


FIXTURES["SRC016"] = (
    lambda tmp: read(
        tmp / "p.json",
        '[{"id": "A", "title": "T", "price": 1},\n{"id": "TEE", "title": "Tee", "price": "45.00", "variants": '
        '[{"id": "TEE-S", "size": "S"}, {"id": "TEE-M", "size": "M"}]}]',
    ),
    ("TEE", "variants", 2, None),
)

SHOPIFY_HEADER = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Price,Status\n"
FIXTURES["SRC018"] = (
    lambda tmp: read(
        tmp / "p.csv",
        SHOPIFY_HEADER + "cap,Cap,Title,Default Title,C1,,5,active\n"
        "tee,Tee,Size,S,T-S,shopify,9,active\ntee,,,M,T-M,shopify,9,\n",
        format="shopify",
    ),
    (None, "quantity", None, None),
)


@fixture("SRC015", (None, None, None, None))
def _src015(tmp: Path) -> Found:
    """A workbook whose second sheet is not read."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in (["id", "title", "price"], ["A", "T", 1]):
        sheet.append(cells)
    book.create_sheet("Notes")
    data = io.BytesIO()
    book.save(data)
    return read(tmp / "p.xlsx", data.getvalue())


@fixture("SRC019", (None, None, 2, 4))
def _src019(tmp: Path) -> Found:
    """A workbook openpyxl wrote, whose formula no program computed."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for cells in (["id", "title", "price", "sale_price"], ["A", "T", 10, "=C2*0.8"]):
        sheet.append(cells)
    data = io.BytesIO()
    book.save(data)
    return read(tmp / "p.xlsx", data.getvalue())


# -- normalization ---------------------------------------------------------------------------------------
FIXTURES["MDL001"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,,1\n"), ("A", "title", 2, 2))
FIXTURES["MDL002"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,T,12;3\n"), ("A", "price", 2, 3))
FIXTURES["MDL003"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,T,1 XYZ\n"), ("A", "price", 2, 3))
FIXTURES["MDL004"] = (
    lambda tmp: read(tmp / "p.csv", "id,title,price,condition\nA,T,1,mint\n"),
    ("A", "condition", 2, 4),
)
FIXTURES["MDL005"] = (
    lambda tmp: read(
        tmp / "p.csv", "id,title,price,sale_price,sale_price_effective_date\nA,T,2,1,yesterday/tomorrow\n"
    ),
    ("A", "sale_price_effective_date", 2, 5),
)
FIXTURES["MDL006"] = (lambda tmp: read(tmp / "p.csv", "id,title,price,quantity\nA,T,1,lots\n"), ("A", "quantity", 2, 4))
FIXTURES["MDL007"] = (
    lambda tmp: read(tmp / "p.csv", "id,title,price,sale_price\nA,T,1,1 EUR\n"),
    ("A", "sale_price", 2, 4),
)
FIXTURES["MDL008"] = (lambda tmp: build(tmp, HEADER + row("A") + row("A", size="L")), ("A", "id", 3, 1))
FIXTURES["MDL009"] = (lambda tmp: read(tmp / "p.csv", "id,title,price,link\nA,T,1,ftp://x\n"), ("A", "link", 2, 4))
FIXTURES["MDL010"] = (
    lambda tmp: read(tmp / "p.csv", "Handle,Title,Variant Price,Variant Barcode\na,A,1,3.65E+11\n", format="shopify"),
    (None, "gtin", 2, 4),
)
FIXTURES["MDL011"] = (
    lambda tmp: read(
        tmp / "p.csv",
        "Type,SKU,Name,Regular price,Parent,Attribute 1 name,"
        'Attribute 1 value(s)\nvariable,P,Pee,,,Size,"S, M"\nvariation,P1,,1,P,Size,\n',
        format="woocommerce",
    ),
    (None, "size", 3, 7),
)
FIXTURES["MDL022"] = (
    lambda tmp: read(
        tmp / "p.csv",
        'Handle,Title,Variant Price,Variant Compare At Price\na,A,999.00,"1,299.00"\n',
        format="shopify",
    ),
    ("a", "price", 2, 4),
)
FIXTURES["MDL018"] = (
    lambda tmp: read(tmp / "p.csv", "id,title,price,age_group\nA,T,1,all ages\n", format="meta"),
    ("A", "age_group", 2, 4),
)
FIXTURES["MDL019"] = (lambda tmp: read(tmp / "p.csv", "id,title,price\nA,T,19.999 USD\n"), ("A", "price", 2, 3))
FIXTURES["MDL020"] = (
    lambda tmp: read(
        tmp / "p.jsonl", '{"id": "A", "title": "T", "price": 1}\n{"id": "B", "title": ["Yoga", "Mat"], "price": 1}\n'
    ),
    ("B", "title", 2, None),
)
FIXTURES["MDL012"] = (
    lambda tmp: build(
        tmp, HEADER.strip() + ",sku\n" + row("A").strip() + ",S1\n" + row("B", size="L").strip() + ",S1\n"
    ),
    ("B", "sku", 3, None),
)
FIXTURES["MDL013"] = (
    lambda tmp: build(tmp, HEADER + row("A", group_id="G") + row("B", group_id="G")),
    ("B", "group_id", 3, 2),
)
FIXTURES["MDL014"] = (
    lambda tmp: build(
        tmp, HEADER + row("A") + row("B", brand="=HYPERLINK(1)") + row("C", brand="@x"), "    format: tsv\n"
    ),
    ("B", "brand", 3, 9),
)
FIXTURES["MDL016"] = (
    lambda tmp: read(
        tmp / "p.csv",
        "Handle,Title,Variant Price,Option1 Name,Option1 Value\na,A,1,Tiers,One\na,,1,,Two\n",
        format="shopify",
    ),
    ("a", "Tiers", 2, 5),
)
FIXTURES["MDL017"] = (lambda tmp: build(tmp, HEADER + row("A" * 60)), ("A" * 60, "id", 2, 1))

# -- Google ------------------------------------------------------------------------------------------------
FIXTURES["GMC001"] = (google(image_link=None), ("X1", "image_link", 7, 5))
FIXTURES["GMC002"] = (google(title="x" * 151), ("X1", "title", 7, 2))
FIXTURES["GMC003"] = (google(gtin=None), ("X1", "gtin", 7, 8))
FIXTURES["GMC004"] = (google(condition="mint"), ("X1", "condition", 7, 18))
FIXTURES["GMC005"] = (google(price="0.00 USD"), ("X1", "price", 7, 6))
FIXTURES["GMC006"] = (google(sale_price="12.00 USD"), ("X1", "sale_price", 7, 7))
FIXTURES["GMC007"] = (
    google(sale_price="5.00 USD", sale_price_effective_date="2026-12-01/2026-11-01"),
    ("X1", "sale_price_effective_date", 7, 16),
)
FIXTURES["GMC008"] = (google(gtin="4006381333932"), ("X1", "gtin", 7, 8))
FIXTURES["GMC009"] = (google(identifier_exists="no"), ("X1", "identifier_exists", 7, 20))
FIXTURES["GMC010"] = (google(link="https://s.example/a b"), ("X1", "link", 7, 4))
FIXTURES["GMC011"] = (google(google_product_category="212", color="Red", gender="male"), ("X1", "age_group", 7, 14))
FIXTURES["GMC012"] = (
    lambda tmp: build(tmp, HEADER + row("A", group_id="G") + row("B", group_id="G")),
    ("B", "item_group_id", 3, None),
)
FIXTURES["GMC013"] = (google(google_product_category="99999"), ("X1", "google_product_category", 7, 15))
FIXTURES["GMC014"] = (google(title="MERINO CREW TEE"), ("X1", "title", 7, 2))
FIXTURES["GMC019"] = (google(availability="backorder"), ("X1", "availability_date", 7, None))
FIXTURES["GMC020"] = (
    google(availability="preorder", availability_date="2027-01-15"),
    ("X1", "availability_date", 7, None),
)
FIXTURES["GMC017"] = (
    lambda tmp: build(tmp, HEADER.strip() + ",google_product_category\n" + row("A").strip() + ",Made Up > Things\n"),
    ("A", "google_product_category", 2, 13),
)


def many_images(tmp: Path, count: int, profile: str = "google_merchant") -> Found:
    """Build one row with ``count`` additional images (column 13) for a channel of ``profile``."""
    images = ",".join(f"/img/{n}.jpg" for n in range(count))
    config = make_config(tmp, HEADER.strip() + ",additional_image_links\n" + row("A").strip() + f',"{images}"\n')
    if profile != "google_merchant":
        (tmp / "feedsync.yaml").write_text(
            (tmp / "feedsync.yaml").read_text(encoding="utf-8").replace("google_merchant", profile), encoding="utf-8"
        )
        config = load_config(tmp / "feedsync.yaml")
    return pipeline.run(config, "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["GMC021"] = (lambda tmp: many_images(tmp, 11), ("A", "additional_image_link", 2, 13))
FIXTURES["META008"] = (lambda tmp: many_images(tmp, 21, "facebook"), ("A", "additional_image_link", 2, 13))
FIXTURES["PIN008"] = (lambda tmp: many_images(tmp, 11, "pinterest"), ("A", "additional_image_link", 2, 13))


def long_title(tmp: Path, length: int, profile: str) -> Found:
    """Build one row whose title (column 3) is ``length`` characters of words, for a channel of ``profile``."""
    title = ("word " * length)[:length]
    config = make_config(tmp, HEADER + row("A", title=title))
    (tmp / "feedsync.yaml").write_text(
        (tmp / "feedsync.yaml").read_text(encoding="utf-8").replace("google_merchant", profile), encoding="utf-8"
    )
    config = load_config(tmp / "feedsync.yaml")
    return pipeline.run(config, "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["META010"] = (lambda tmp: long_title(tmp, 201, "facebook"), ("A", "title", 2, 3))


def amazon_row(tmp: Path, csv_text: str) -> Found:
    """Validate ``csv_text`` for a channel of the amazon profile."""
    make_config(tmp, csv_text, channel_extra="    settings: {seller_id: A1FIXTURE, default_product_type: SHIRT}\n")
    (tmp / "feedsync.yaml").write_text(
        (tmp / "feedsync.yaml").read_text(encoding="utf-8").replace("google_merchant", "amazon"), encoding="utf-8"
    )
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["AMZ024"] = (
    lambda tmp: amazon_row(tmp, HEADER + row("A", description="word " * 2001)),
    ("A", "product_description", 2, 4),
)
FIXTURES["AMZ025"] = (
    lambda tmp: amazon_row(
        tmp,
        HEADER.strip()
        + ",additional_image_links\n"
        + row("A").strip()
        + f',"{",".join(f"/i/{n}.jpg" for n in range(9))}"\n',
    ),
    ("A", "other_images", 2, 13),
)
GROUP_ID = "    fields: {id: '{{ group_id }}'}\n"
FIXTURES["MDL021"] = (  # the id made of the group id: B's is A's
    lambda tmp: build(tmp, HEADER + row("A", group_id="G") + row("B", group_id="G", color="Red"), GROUP_ID),
    ("B", "id", 3, 2),
)
FIXTURES["PIN010"] = (lambda tmp: long_title(tmp, 501, "pinterest"), ("A", "title", 2, 3))


def variant_ratio(tmp: Path) -> Found:
    """A Shopify export whose option value holds a colon, for a Meta channel."""
    from tests.sources.test_variant_options import shopify

    (tmp / "products.csv").write_text(shopify([("cake", "Cake", "Ratio", "2:1"), ("cake", "", "", "1:1")]))
    config = (
        "source:\n  path: products.csv\n  format: shopify\n  currency: USD\nchannels:\n  meta: {profile: facebook}\n"
    )
    (tmp / "feedsync.yaml").write_text(config, encoding="utf-8")
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["META009"] = (variant_ratio, ("cake-2-1", "additional_variant_attribute", 2, None))

GOOGLE_FEED_ITEM = (
    "<item><g:id>{id}</g:id><title>Tee</title><link>https://s.example/a</link><description>D</description>"
    "<g:image_link>https://s.example/a.jpg</g:image_link><g:price>5.00 USD</g:price>"
    "<g:availability>in stock</g:availability><g:gtin>4006381333931</g:gtin>{extra}</item>\n"
)


def google_feed(tmp: Path, *extras: str, channel_extra: str = "") -> Found:
    """Build from a Google RSS feed whose items (from row 3) carry ``extras``."""
    items = "".join(GOOGLE_FEED_ITEM.format(id=f"F{n}", extra=extra) for n, extra in enumerate(extras, start=1))
    (tmp / "feed.xml").write_text(
        '<?xml version="1.0"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>\n'
        f"{items}</channel></rss>\n",
        encoding="utf-8",
    )
    (tmp / "feedsync.yaml").write_text(
        "source:\n  path: feed.xml\nchannels:\n  google:\n    profile: google_merchant\n" + channel_extra,
        encoding="utf-8",
    )
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "build", out_dir=tmp / "out").diagnostics


FIXTURES["GMC018"] = (
    lambda tmp: google_feed(tmp, "", "<g:identifier_exists>no</g:identifier_exists>"),
    ("F2", "identifier_exists", 4, None),
)
FIXTURES["SRC012"] = (lambda tmp: google_feed(tmp, "", "<guid>1</guid>", "<guid>2</guid>"), (None, "guid", 4, None))
FIXTURES["GMC015"] = (google(title="Merino tee - free shipping"), ("X1", "title", 7, 2))
FIXTURES["META001"] = (meta(condition=None), ("X1", "condition", 7, 18))
FIXTURES["META002"] = (meta(title="t" * 201), ("X1", "title", 7, 2))
FIXTURES["META003"] = (meta(brand=None), ("X1", "brand", 7, 9))
FIXTURES["META004"] = (meta(availability="in_stock"), ("X1", "availability", 7, 17))
FIXTURES["META005"] = (meta(price="10.00"), ("X1", "price", 7, 6))
FIXTURES["META006"] = (meta(item_group_id="G"), ("X1", "item_group_id", 7, 19))
FIXTURES["META007"] = (meta(gtin="978-3-16-148410-1"), ("X1", "gtin", 7, 8))
FIXTURES["AMZ001"] = (amazon(product_type=None), ("X1", "product_type", 7, 1))
FIXTURES["AMZ002"] = (amazon(sku="S" * 41), ("X1", "sku", 7, 1))
FIXTURES["AMZ003"] = (amazon(brand=None), ("X1", "brand", 7, 9))
FIXTURES["AMZ004"] = (amazon(item_name="n" * 201), ("X1", "item_name", 7, 2))
FIXTURES["AMZ005"] = (amazon(asin="b07n4m94x4"), ("X1", "asin", 7, 1))
FIXTURES["AMZ006"] = (amazon(main_image=None), ("X1", "main_image", 7, 5))
FIXTURES["AMZ007"] = (amazon(gtin="12345678"), ("X1", "gtin", 7, 8))
FIXTURES["AMZ021"] = (amazon(product_type="Home & Kitchen"), ("X1", "product_type", 7, 1))
FIXTURES["AMZ022"] = (amazon(price="NaN"), ("X1", "price", 7, 6))


@fixture("AMZ023", (None, None, None, None))
def _amz023(tmp: Path) -> Found:
    """Every variant excluded from the Amazon channel: its listings feed would hold no message."""
    (tmp / "products.csv").write_text(HEADER + row("A") + row("B"), encoding="utf-8")
    text = (
        "source: {path: products.csv, currency: USD, base_url: 'https://shop.example.com'}\n"
        "channels:\n  amazon:\n    profile: amazon\n    settings: {seller_id: A2TEST, marketplace: US}\n"
        "    filters: {exclude: ['price > 0']}\n"
    )
    (tmp / "feedsync.yaml").write_text(text, encoding="utf-8")
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "validate").diagnostics  # type: ignore[return-value]


AMAZON_CHANNEL = "  amazon:\n    profile: amazon\n    settings: {seller_id: A1SELLER, default_product_type: HOME}\n"


@fixture("AMZ012", ("a-s", "quantity", 2, None))
def _amz012(tmp: Path) -> Found:
    (tmp / "p.csv").write_text(
        "Handle,Title,Variant Price,Variant Inventory Tracker,Variant Inventory Qty,Option1 Name,Option1 Value\n"
        "a,A,10,,-4,Size,S\n",
        encoding="utf-8",
    )
    text = "source: {path: p.csv, format: shopify, currency: USD}\nchannels:\n" + AMAZON_CHANNEL
    (tmp / "feedsync.yaml").write_text(text, encoding="utf-8")
    return pipeline.run(load_config(tmp / "feedsync.yaml"), "validate").diagnostics  # type: ignore[return-value]


FIXTURES["AMZ013"] = (
    lambda tmp: build(tmp, HEADER.strip() + ",quantity\n" + row("A").strip() + ",-2\n", AMAZON_CHANNEL),
    ("A", "quantity", 2, None),  # the profile computes quantity: the row, no one column
)
FIXTURES["AMZ014"] = (
    lambda tmp: build(tmp, HEADER.strip() + ",sale_price\n" + row("A").strip() + ",15.00\n", AMAZON_CHANNEL),
    ("A", "sale_price", 2, 13),
)


@fixture("DST001", (None, None, None, None))
def _dst001(tmp: Path) -> Found:
    config = make_config(
        tmp,
        HEADER + row("A") + row("B", link=""),
        "    on_error: fail\n    destination: {type: directory, path: www}\n",
    )
    with State(config.state_path) as state:
        found = pipeline.run(config, "push", state=state).diagnostics
    assert not (tmp / "www" / "google.xml").exists()
    return found


@fixture("DST002", (None, None, None, None))
def _dst002(tmp: Path) -> Found:
    dest = "    destination: {type: directory, path: www}\n"
    config = make_config(tmp, HEADER + "".join(row(f"P{i}", size=str(i)) for i in range(5)), dest)
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
        config = make_config(tmp, HEADER + row("P0"), dest)
        return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST003", ("B", None, None, None))
def _dst003(tmp: Path) -> Found:
    with respx.mock(assert_all_called=False) as router:
        mock_api(router)
        router.post(INSERT).mock(
            side_effect=lambda request: (
                httpx.Response(400, json={"error": {"message": "bad"}})
                if b'"offerId":"B"' in request.content
                else httpx.Response(200, json=PRODUCT_INPUT)
            )
        )
        config = gmc_config(tmp, HEADER + row("A") + row("B", size="L"))
        with State(config.state_path) as state:
            return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST004", (None, None, None, None))
def _dst004(tmp: Path) -> Found:
    with respx.mock(assert_all_called=False) as router:
        mock_api(router)
        config = gmc_config(tmp, HEADER + row("A") + row("B", size="L"), "    max_deletes: 0\n")
        with State(config.state_path) as state:
            pipeline.run(config, "push", state=state)
            config = gmc_config(tmp, HEADER + row("A"), "    max_deletes: 0\n    max_drop_percent: 60\n")
            return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST005", ("SKU-1", None, None, None))
def _dst005(tmp: Path) -> Found:
    from feedsync.destinations.amazon_report import refused_messages

    found: Found = []
    warning = {"messageId": 1, "sku": "SKU-1", "severity": "WARNING", "code": "18027", "message": "image is small"}
    counts = {"errors": 0, "warnings": 1, "messagesProcessed": 1, "messagesAccepted": 1, "messagesInvalid": 0}
    report = {"header": {"sellerId": "A1SELLER", "feedId": "1"}, "issues": [warning], "summary": counts}
    assert refused_messages(report, "1", {1: "SKU-1"}, found.append, "amazon") == {}
    return found


@fixture("DST006", (None, None, None, None))
def _dst006(tmp: Path) -> Found:
    config = make_config(tmp, HEADER + row("A"), "    destination: {type: directory, path: www}\n")
    (tmp / "www").write_text("a file where the folder should be", encoding="utf-8")
    with State(config.state_path) as state:
        return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST007", (None, None, None, None))
def _dst007(tmp: Path) -> Found:
    dest = "    destination: {type: directory, path: www}\n"
    with State(tmp / ".feedsync" / "state.sqlite") as state:
        for count in (10, 9, 8, 7):  # each push within 20 % of the last, 30 % below the first
            config = make_config(tmp, HEADER + "".join(row(f"P{i}", size=str(i)) for i in range(count)), dest)
            found = pipeline.run(config, "push", state=state).diagnostics
    return found


@fixture("DST008", (None, None, None, None))
def _dst008(tmp: Path) -> Found:
    config = make_config(tmp, HEADER + row("A", link=""), "    destination: {type: directory, path: www}\n")
    with State(config.state_path) as state:
        found = pipeline.run(config, "push", state=state).diagnostics
    assert not (tmp / "www" / "google.xml").exists()
    return found


@fixture("DST009", (None, None, None, None))
def _dst009(tmp: Path) -> Found:
    config = make_config(tmp, HEADER + row("A"), "    destination: {type: directory, path: www}\n")
    with State(config.state_path) as state:
        pipeline.run(config, "push", state=state)
        for cache in (tmp / ".feedsync" / "rowcache").glob("*.rows"):
            cache.write_bytes(b"\x00 not a row cache")
        return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST010", (None, None, None, None))
def _dst010(tmp: Path) -> Found:
    from tests.destinations.test_meta_catalog import GRAPH, meta_config

    status = {"status": "finished", "errors_total_count": 2, "errors": [{"line": 0, "id": "A", "message": "bad"}]}
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{GRAPH}/items_batch").mock(return_value=httpx.Response(200, json={"handles": ["h"]}))
        router.get(f"{GRAPH}/check_batch_request_status").mock(
            return_value=httpx.Response(200, json={"data": [status]})
        )
        config = meta_config(tmp, HEADER + row("A") + row("B", size="L"))
        with State(config.state_path) as state:
            return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST011", (None, None, None, None))
def _dst011(tmp: Path) -> Found:
    from tests.destinations.test_amazon_feeds import HOST, amazon_config, mock_amazon, reports_of_what_was_sent

    config = amazon_config(tmp, HEADER + row("S"))
    with respx.mock() as router, State(config.state_path) as state:
        state.open_batch("amazon", "amazon_sp_api:eu", "40404", "[]")  # a feed an earlier push left open
        router.get(f"{HOST}/feeds/2021-06-30/feeds/40404").mock(return_value=httpx.Response(404, json={}))
        routes = mock_amazon(router, b"")
        reports_of_what_was_sent(routes)
        done = {"feedId": "50014", "processingStatus": "DONE", "resultFeedDocumentId": "amzn1.tortuga.4.eu.out"}
        routes["status"].side_effect = None
        routes["status"].return_value = httpx.Response(200, json=done)
        return pipeline.run(config, "push", state=state).diagnostics


@fixture("DST012", (None, None, None, None))
def _dst012(tmp: Path) -> Found:
    with respx.mock(assert_all_called=False) as router:  # (nothing is deleted: the old account's items stay)
        mock_api(router)
        router.post(url__startswith="https://merchantapi.googleapis.com/products/v1/accounts/999/").mock(
            return_value=httpx.Response(200, json={"name": "accounts/999/productInputs/x"})
        )
        config = gmc_config(tmp, HEADER + row("A"))
        with State(config.state_path) as state:
            assert not pipeline.run(config, "push", state=state).diagnostics
        text = (tmp / "feedsync.yaml").read_text(encoding="utf-8").replace("account_id: '123'", "account_id: '999'")
        (tmp / "feedsync.yaml").write_text(text, encoding="utf-8")  # the channel moved to another account
        with State(config.state_path) as state:
            return pipeline.run(load_config(tmp / "feedsync.yaml"), "push", state=state).diagnostics


@fixture("DST013", (None, None, None, None))
def _dst013(tmp: Path) -> Found:
    from tests.destinations.test_reconcile import LIST, product

    with respx.mock() as router:
        mock_api(router)
        config = gmc_config(tmp, HEADER + row("A"))
        with State(config.state_path) as state:
            assert not pipeline.run(config, "push", state=state).diagnostics
        listed = {"products": [product("A"), product("SENT-BY-A-STATE-SINCE-LOST")]}
        router.get(LIST).mock(return_value=httpx.Response(200, json=listed))
        with State(config.state_path) as state:
            return pipeline.run(config, "push", state=state, reconcile=True).diagnostics


@fixture("MDL015", (None, "link", None, None))
def _mdl015(tmp: Path) -> Found:
    return build(tmp, HEADER + row("A", link="") + row("B", link="", size="L") + row("C", size="S"))


ORDER_COLUMNS = "order-id\torder-item-id\tpurchase-date\tsku\tquantity-purchased\n"


@fixture("ORD001", ("111-1", "purchase-date", 2, 3))
def _ord001(tmp: Path) -> Found:
    from feedsync.orders.report_file import read_order_report

    path = tmp / "orders.txt"
    path.write_text(ORDER_COLUMNS + "111-1\t9\t20/11/2026\tSKU\t1\n", encoding="utf-8")
    found: Found = []
    assert list(read_order_report(path, found.append)) == []
    return found


@fixture("ORD010", ("111-1", "purchase-date", 2, 3))
def _ord010(tmp: Path) -> Found:
    from feedsync.orders.report_file import read_order_report

    path = tmp / "orders.txt"
    path.write_text(ORDER_COLUMNS + "111-1\t9\t0001-01-01T00:00:00Z\tSKU\t1\n", encoding="utf-8")
    found: Found = []
    assert list(read_order_report(path, found.append)) == []
    return found


@fixture("ORD011", ("111-1", "order-item-id", 3, 2))
def _ord011(tmp: Path) -> Found:
    from feedsync.orders.report_file import read_order_report

    path = tmp / "orders.txt"
    path.write_text(ORDER_COLUMNS + "111-1\t9\t2026-11-20T10:00:00Z\tSKU\t1\n" * 2, encoding="utf-8")
    found: Found = []
    [order] = read_order_report(path, found.append)
    assert [line.quantity for line in order.lines] == [1]
    return found


def _import(tmp: Path, orders: list[Any]) -> Found:
    from feedsync.config import DirectoryOrderSink
    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink

    found: Found = []
    with State(tmp / "state.sqlite") as state:
        state.record_items("amazon", "d", [("CAT-1", "h")], keys={"CAT-1": "SKU-1"})
        for batch in orders:
            sink = DirectorySink(DirectoryOrderSink(type="directory", path=tmp / "in"))
            sink.update = lambda ref, order: False  # type: ignore[method-assign]  # a sink that cannot apply changes
            import_orders(batch, state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=found.append)
    return found


def _order(sku: str, status: str = "unshipped") -> Any:
    from feedsync.model.order import Order

    return Order.model_validate(
        {
            "marketplace": "amazon",
            "order_id": "111-1",
            "status": status,
            "purchased_at": "2026-11-20T10:00:00Z",
            "lines": [{"line_id": "9", "marketplace_sku": sku, "quantity": 1}],
        }
    )


FIXTURES["ORD002"] = (lambda tmp: _import(tmp, [[_order("NOPE")]]), ("111-1", "sku", None, None))
FIXTURES["ORD003"] = (
    lambda tmp: _import(tmp, [[_order("SKU-1")], [_order("SKU-1", "cancelled")]]),
    ("111-1", "status", None, None),
)
FIXTURES["ORD012"] = (
    lambda tmp: _import(
        tmp,
        [
            [
                _order("SKU-1", "partially_shipped").model_copy(
                    update={"lines": (_order("SKU-1").lines[0].model_copy(update={"shipped": 1}),)}
                )
            ]
        ],
    ),
    ("111-1", "quantity", None, None),
)


def _plan(tmp: Path, text: str) -> Found:
    from feedsync.orders.carriers import Carriers
    from feedsync.orders.shipments import read_shipments
    from feedsync.orders.tracking import plan_packages

    path = tmp / "shipments.csv"
    path.write_text("order_id,carrier,tracking_number,ship_date,shipping_method,items\n" + text, encoding="utf-8")
    found: Found = []
    with State(tmp / "state.sqlite") as state:
        plan_packages(
            read_shipments(path, found.append),
            state=state,
            marketplace="amazon",
            carriers=Carriers(),
            emit=found.append,
        )
    return found


@fixture("ORD006", ("111-1", "tracking_number", None, None))
def _ord006(tmp: Path) -> Found:
    from feedsync.orders.tracking import Package, push_tracking

    class Refusing:
        batched = False

        def ready(self) -> None:
            return None

        def confirm(self, package: Package) -> None:
            raise RemoteError("confirmShipment: HTTP 400 InvalidInput")

        def finish(self) -> str | None:
            return None

    package = Package("111-1", "1", "UPS", None, "1Z1", "2026-11-21T00:00:00Z", None, (("9", 1),))
    found: Found = []
    with State(tmp / "state.sqlite") as state:
        push_tracking([package], confirmer=Refusing(), state=state, marketplace="amazon", emit=found.append)
    return found


@fixture("ORD007", ("111-1", "order", None, None))
def _ord007(tmp: Path) -> Found:
    from feedsync.config import DirectoryOrderSink
    from feedsync.errors import OrderRejected
    from feedsync.orders.importer import import_orders
    from feedsync.orders.mapping import SkuMap
    from feedsync.orders.sinks import DirectorySink

    class Refusing(DirectorySink):
        def create(self, order: Any) -> str:
            raise OrderRejected("catalog item 'CAT-1' is not a product of the store")

    found: Found = []
    with State(tmp / "state.sqlite") as state:
        state.record_items("amazon", "d", [("CAT-1", "h")], keys={"CAT-1": "SKU-1"})
        sink = Refusing(DirectoryOrderSink(type="directory", path=tmp / "in"))
        import_orders([_order("SKU-1")], state=state, sink=sink, skus=SkuMap(state, "amazon"), emit=found.append)
    return found


@fixture("ORD008", ("111-1", "shipments", None, None))
def _ord008(tmp: Path) -> Found:
    from feedsync.config import load_config
    from feedsync.orders.run import store_shipments

    class Unreachable:
        def shipments(self, order: Any, ref: str) -> list[Any]:
            raise RemoteError("read fulfillments: HTTP 503")

    (tmp / "feedsync.yaml").write_text(
        "source: {path: p.csv}\nchannels: {amazon: {profile: amazon}}\norders: {sink: {type: directory, path: in}}\n",
        encoding="utf-8",
    )
    found: Found = []
    with State(tmp / "state.sqlite") as state:
        state.record_order(
            "amazon",
            "111-1",
            status="unshipped",
            state="imported",
            sink_ref="5150",
            payload=_order("S").model_dump_json(),
        )
        store_shipments(load_config(tmp / "feedsync.yaml"), state, found.append, sink=Unreachable())  # type: ignore[arg-type]
    return found


FIXTURES["ORD004"] = (lambda tmp: _plan(tmp, "111-1,UPS,1Z1,yesterday,,\n"), ("111-1", "ship_date", 2, 4))
FIXTURES["ORD005"] = (lambda tmp: _plan(tmp, "111-1,UPS,1Z1,2026-11-21,,SKU-1:1\n"), ("111-1", "order_id", 2, None))
FIXTURES["ORD009"] = (
    lambda tmp: _plan(tmp, "111-1,UPS,1Z1,2026-11-21,,9:1\n111-1,UPS,1Z1,2026-11-21,,9:1\n"),
    ("111-1", "tracking_number", 3, None),
)


def test_local_inventory_values_use_gmc004(tmp_path: Path) -> None:
    found = local_check(
        ChannelItem(
            id="X1", values={"id": "X1", "store_code": "S", "availability": "maybe"}, product=PRODUCT, origins={}
        ),
        "local",
    )
    assert [(d.code, d.field) for d in found] == [("GMC004", "availability")]


def _amazon_definitions(tmp: Path, market: str, *, drop: str = "", currency: str = "", type_: str = "") -> Found:
    from tests.channels.test_amazon_definitions import catalog

    config_path = catalog(tmp, market, drop=drop, currency=currency)
    if type_:
        config_path.write_text(
            config_path.read_text().replace("default_product_type: HOME", f"default_product_type: {type_}")
        )
    return pipeline.run(load_config(config_path), "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["AMZ008"] = (lambda tmp: _amazon_definitions(tmp, "DE", type_="LAMP"), ("LAMP-1", "product_type", 2, None))
FIXTURES["AMZ009"] = (
    lambda tmp: _amazon_definitions(tmp, "US", drop="country_of_origin"),
    ("LAMP-1", "country_of_origin", 2, None),
)
FIXTURES["AMZ010"] = (lambda tmp: _amazon_definitions(tmp, "DE", currency="USD"), ("LAMP-1", "currency", 2, 6))


def _amazon_families(tmp: Path, rows: list[tuple[str, ...]] | None = None, origin: str = "", unmap: str = "") -> Found:
    from tests.channels.test_amazon_families import ROWS, family_catalog

    config_path = family_catalog(tmp, "US", rows=rows or ROWS)
    if origin:
        config_path.write_text(config_path.read_text().replace('country_of_origin: "CN"', origin))
    if unmap:
        config_path.write_text("\n".join(line for line in config_path.read_text().splitlines() if unmap not in line))
    return pipeline.run(load_config(config_path), "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["AMZ015"] = (
    lambda tmp: _amazon_families(tmp, origin="country_of_origin: \"{{ 'DE' if size == 'Large' else 'CN' }}\""),
    ("LAMP-L-BLK", "country_of_origin", 3, 12),  # the size column its template reads
)
FIXTURES["AMZ016"] = (
    lambda tmp: _amazon_families(
        tmp,
        [
            ("BOX-1", "BOX", "Box", "9.00", "", "", "", "Plain", "Oak", "new", "", "1", ""),
            ("BOX-2", "BOX", "Box", "9.00", "", "", "", "Dotted", "Pine", "new", "", "1", ""),
        ],
    ),
    ("BOX-1", "parent_sku", 2, 2),
)
FIXTURES["AMZ019"] = (
    lambda tmp: _amazon_families(tmp, unmap="batteries_required"),
    ("LAMP-S-BLK", "batteries_required", 2, None),
)


def _amazon_mapped(tmp: Path, *, definitions: bool = True, replace: tuple[str, str] = ("", "")) -> Found:
    from tests.channels.test_amazon_definitions import catalog

    config_path = catalog(tmp, "US", definitions=definitions)
    config_path.write_text(config_path.read_text().replace(*replace) if replace[0] else config_path.read_text())
    return pipeline.run(load_config(config_path), "validate").diagnostics  # type: ignore[arg-type]


FIXTURES["AMZ017"] = (
    lambda tmp: _amazon_mapped(tmp, replace=('dg_hz_regulation: "not_applicable"', 'dg_hz_regulation: "none"')),
    ("LAMP-1", "supplier_declared_dg_hz_regulation", 2, None),
)
FIXTURES["AMZ018"] = (lambda tmp: _amazon_mapped(tmp, definitions=False), ("LAMP-1", "country_of_origin", 2, None))


def _channel_fixtures() -> None:
    """A channel brings its own fixtures: ``tests/channels/<name>/rule_fixtures.py`` with a ``FIXTURES`` dict."""
    import importlib

    import tests.channels
    from feedsync.plugins import discover

    for name in discover(tests.channels, packages=True):
        try:
            module = importlib.import_module(f"tests.channels.{name}.rule_fixtures")
        except ModuleNotFoundError:
            continue
        FIXTURES.update(module.FIXTURES)


_channel_fixtures()


@pytest.mark.parametrize("code", sorted(FIXTURES))
def test_fixture_triggers_exactly_its_code(code: str, tmp_path: Path) -> None:
    function, (product_id, field, row_number, column) = FIXTURES[code]
    found = function(tmp_path)
    hits = [d for d in found if d.code == code]
    assert hits, f"{code} not triggered; got {[(d.code, d.message) for d in found]}"
    first = hits[0]
    location = first.location
    assert (first.product_id, first.field) == (product_id, field)
    assert (location.row if location else None, location.column if location else None) == (row_number, column)
    assert first.name == CODES[code].name and first.severity == CODES[code].severity


def test_every_registered_code_has_a_fixture_and_a_doc() -> None:
    assert sorted(FIXTURES) == sorted(CODES)
    for info in CODES.values():
        assert len(info.doc) >= 40, info.code
