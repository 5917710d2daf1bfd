"""Hostile platform exports run through ``feedsync validate`` (in process): Magento files whose rows all name a store
view or hold every product type, WooCommerce variations of unpublished parents, broken Meta feeds. No case may end
in a traceback; every data row is an item, the parent of items, or named in a finding (by row, or counted in a
file-level finding that names it)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from feedsync.cli.app import app
from tests.hostile.catalogs import write_catalog

runner = CliRunner()
MAGENTO = (
    "sku,store_view_code,attribute_set_code,product_type,name,price,visibility,product_online,bundle_price_type,"
    "configurable_variations\n"
)


def validate(tmp_path: Path, fmt: str, text: str, *, detect: bool = False) -> tuple[int, dict[str, Any]]:
    config = write_catalog(tmp_path, fmt, text.encode(), detect=detect)
    result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError("unhandled exception") from result.exception
    assert "Traceback" not in result.output and result.exit_code != 70
    return result.exit_code, json.loads(result.stdout) if result.stdout.startswith("{") else {}


def codes(report: dict[str, Any]) -> Counter[str]:
    return Counter(d["code"] for d in report["diagnostics"])


def rows_named(report: dict[str, Any], code: str) -> list[int | None]:
    return [d["location"]["row"] if d["location"] else None for d in report["diagnostics"] if d["code"] == code]


def test_magento_every_row_names_a_store_view(tmp_path: Path) -> None:
    text = MAGENTO + (
        'A,de,Default,simple,Hemd,10,"Catalog, Search",1,,\n'
        'A,fr,Default,simple,Chemise,10,"Catalog, Search",1,,\n'
        'B,fr,Default,simple,Chapeau,5,"Catalog, Search",1,,\n'
    )
    code, report = validate(tmp_path, "magento", text)
    assert code in (0, 1), report
    assert report["summary"]["products"] == 2  # A (from its de row) and B: never 0 products and exit 0
    assert codes(report)["SRC014"] == 1 and "SRC007" not in codes(report)


def test_magento_every_product_type_is_read_or_named(tmp_path: Path) -> None:
    text = MAGENTO + (
        'P,,Default,configurable,Parent,10,"Catalog, Search",1,,"sku=P-S,size=S|sku=P-M,size=M"\n'  # 2: no children
        'G,,Default,grouped,Set,,"Catalog, Search",1,,\n'  # 3
        'BD,,Default,bundle,Kit,10,"Catalog, Search",1,dynamic,\n'  # 4
        'BF,,Default,bundle,Kit fixed,30,"Catalog, Search",1,fixed,\n'  # 5: an item
        'GC,,Default,giftcard,Card,,"Catalog, Search",1,,\n'  # 6
        'V,,Default,virtual,Warranty,20,"Catalog, Search",1,,\n'  # 7: an item
        "M,,Default,simple,Member,4,Not Visible Individually,1,,\n"  # 8: counted in one SRC013
        'X,,Default,kit,Odd,4,"Catalog, Search",1,,\n'  # 9: MDL004
        'D,,Default,simple,Off,4,"Catalog, Search",2,,\n'  # 10: disabled, counted in SRC005
    )
    code, report = validate(tmp_path, "magento", text)
    assert code in (0, 1), report
    assert report["summary"]["products"] == 2
    assert rows_named(report, "SRC006") == [2]
    assert rows_named(report, "SRC013") == [3, 4, 6, None]
    assert rows_named(report, "MDL004") == [9]
    assert codes(report)["SRC005"] == 1
    not_visible = [
        d["message"] for d in report["diagnostics"] if d["code"] == "SRC013" and d["location"]["row"] is None
    ]
    assert "(M)" in not_visible[0]


def test_woocommerce_variations_of_pending_private_and_draft_parents(tmp_path: Path) -> None:
    header = "ID,Type,SKU,Name,Published,Regular price,Parent,Attribute 1 name,Attribute 1 value(s)\n"
    rows = []
    for parent_id, published in ((10, "2"), (20, "0"), (30, "-1"), (40, "1")):
        rows.append(f'{parent_id},variable,,Tee {parent_id},{published},,,Size,"S, M"\n')
        rows += [f"{parent_id + n},variation,,Tee,1,5,id:{parent_id},Size,{s}\n" for n, s in ((1, "S"), (2, "M"))]
    code, report = validate(tmp_path, "woocommerce", header + "".join(rows))
    assert code in (0, 1), report
    assert (report["summary"]["products"], report["summary"]["variants"]) == (1, 8)  # parent 40 and its two
    assert report["channels"]["google"]["excluded"] == 6  # the variations of the three unpublished parents
    (message,) = [d["message"] for d in report["diagnostics"] if d["code"] == "SRC005"]
    assert message.startswith("9 unpublished (draft, private or pending; 6 of them variations of an unpublished")


def test_meta_feed_with_broken_values_names_each_row(tmp_path: Path) -> None:
    text = (
        "id,title,price,currency,link,image[0].url,image[2].url,image[10].url,quantity_to_sell_on_facebook\n"
        "A,Tee,5,XYZ,https://s.example/a,https://s.example/a0.jpg,,,1\n"  # 2: bogus currency
        "B,Cap,5,USD,https://s.example/b,ftp://s.example/b.jpg,,,1\n"  # 3: bad image
        "C,Hat,5,usd,https://s.example/c,https://s.example/c0.jpg,https://s.example/c2.jpg,"
        "https://s.example/c10.jpg,lots\n"  # 4: quantity not a number
        "D,Mug,5 USD,,https://s.example/d,https://s.example/d0.jpg,https://s.example/d2.jpg,"
        "https://s.example/d10.jpg,2\n"  # 5: an item
    )
    code, report = validate(tmp_path, "meta", text, detect=True)
    assert code == 1, report
    assert report["summary"]["products"] == 1
    assert (rows_named(report, "MDL003"), rows_named(report, "MDL009"), rows_named(report, "MDL006")) == (
        [2],
        [3],
        [4],
    )


def test_meta_images_keep_their_numeric_order(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text(
        "id,title,price,link,image[10].url,image[2].url,image[0].url\n"
        "D,Mug,5 USD,https://s.example/d,https://s.example/10.jpg,https://s.example/2.jpg,https://s.example/0.jpg\n",
        encoding="utf-8",
    )
    from feedsync.config import SourceConfig
    from feedsync.sources import open_source

    (mug,) = open_source(SourceConfig(path=path, format="meta")).products(lambda d: None)
    assert (mug.image_link, mug.additional_image_links) == (
        "https://s.example/0.jpg",
        ("https://s.example/2.jpg", "https://s.example/10.jpg"),
    )
