"""Magento exports read right: every store_view_code understood, every product type read or named in a finding.

Counts on ``firebear-product_all_types.csv`` were checked by hand against the raw file (csv module): 18 rows, all with
store_view_code = default and product_online = 2 (disabled); 9 simple children of TST-Conf (3 sizes x 3 colours),
the configurable TST-Conf, 3 simple products 'Not Visible Individually' that only the grouped and bundle products use,
1 grouped, 2 bundles (dynamic and fixed price), 2 downloadable.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from feedsync.config import SourceConfig
from feedsync.diagnostics import Diagnostic
from feedsync.model import Product
from feedsync.sources import open_source
from tests.sources.realdata import needs_realdata, real

FIREBEAR = "magento/firebear-product_all_types.csv"
BASE = "https://shop.example.com"


def read(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic]]:
    products, found, _ = read_counted(path, **extra)
    return products, found


def read_counted(path: Path, **extra: object) -> tuple[list[Product], list[Diagnostic], int]:
    """Products, findings, and the variants the reader left out on purpose (``stats.excluded``)."""
    config = {"path": path, "currency": "USD", "base_url": BASE, "weight_unit": "kg", **extra}
    source = open_source(SourceConfig.model_validate(config))
    found: list[Diagnostic] = []
    products = list(source.products(found.append))
    return products, found, source.stats.excluded


@needs_realdata
def test_store_view_default_rows_are_read_and_disabled_products_are_counted() -> None:
    products, found, excluded = read_counted(real(FIREBEAR))
    assert (products, excluded) == ([], 17)  # every product of the file is disabled (product_online = 2)
    codes = Counter(d.code for d in found)
    assert codes == {"SRC014": 1, "SRC005": 1}
    left_out = next(d for d in found if d.code == "SRC005")
    assert left_out.message.startswith("17 disabled products left out")  # all rows but the configurable parent


@needs_realdata
def test_every_product_type_is_read_or_named() -> None:
    products, found, excluded = read_counted(real(FIREBEAR), include_unpublished=True)
    assert excluded == 4  # the dynamic bundle and the 3 members no configurable names; not the grouped set
    by_id = {p.id: p for p in products}
    children = [f"TST-Conf-Simp-{s}-{c}" for s in "SML" for c in ("Gray", "Green", "Purple")]
    assert list(by_id) == [*children, "TST-GrpBnd-Bundle-FixedPrice", "TST-Dwnl-1", "TST-Dwnl-2"]
    child = by_id["TST-Conf-Simp-M-Green"]
    assert (child.group_id, child.title, child.color, child.size) == (
        "TST-Conf",
        "Test Configurable product",
        "Green",
        "M",
    )
    assert (str(child.price), child.quantity, str(child.weight)) == ("68.00 USD", 100, "1 kg")
    assert child.product_type == "Women > Tops > Hoodies & Sweatshirts"
    download = by_id["TST-Dwnl-1"]
    assert (download.weight, str(download.price), download.link) == (None, "123.00 USD", f"{BASE}/tst-dwnl-1.html")
    bundle = by_id["TST-GrpBnd-Bundle-FixedPrice"]
    assert (str(bundle.price), bundle.attributes["is_bundle"]) == ("14.00 USD", "yes")
    not_listed = [(d.product_id, d.location.row) for d in found if d.code == "SRC013"]
    assert not_listed == [("TST-GrpBnd-Grouped", 15), ("TST-GrpBnd-Bundle-DynamicPrice", 16), (None, None)]
    members = next(d for d in found if d.code == "SRC013" and d.product_id is None)
    assert "3 products 'Not Visible Individually'" in members.message
    assert "TST-GrpBnd-Simple-1, TST-GrpBnd-Simple-2, TST-GrpBnd-Simple-3" in members.message
    assert Counter(d.code for d in found) == {"SRC014": 1, "SRC013": 3}
    # every one of the 18 rows is a product, the configurable parent of 9 of them, or named in a finding
    assert len(products) + 1 + 2 + 3 == 18


def test_default_scope_row_wins_over_store_view_rows(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,weight\n"
        "A,default,Default,simple,Tee (default view),10,1\n"
        "A,,Default,simple,Tee,10,1\n"
        "A,fr,Default,simple,T-shirt,10,1\n"
        "B,fr,Default,simple,Chapeau,5,1\n"
        "B,de,Default,simple,Hut,5,1\n"
        "V,,Default,virtual,Warranty,20,3\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert [(p.id, p.title, p.source.row) for p in products] == [
        ("A", "Tee", 3),
        ("B", "Chapeau", 5),
        ("V", "Warranty", 7),
    ]
    assert products[2].weight is None  # a virtual product is not shipped
    assert [(d.code, d.message) for d in found] == [
        (
            "SRC014",
            "1 SKUs have no default-scope row (empty store_view_code), only store view rows (fr); "
            "their values are read from those rows",
        )
    ]
    chosen, _ = read(path, store_view="de")
    assert [(p.id, p.title, p.source.row) for p in chosen] == [("A", "Tee", 3), ("B", "Hut", 6), ("V", "Warranty", 7)]


def test_configurable_without_its_children_is_named(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,configurable_variations\n"
        'P,,Default,configurable,Parent,10,"sku=P-S,size=S|sku=P-M,size=M"\n',
        encoding="utf-8",
    )
    products, found = read(path)
    assert products == []
    assert [(d.code, d.product_id, d.location.row) for d in found] == [("SRC006", "P", 2)]


def test_children_of_a_disabled_configurable_are_left_out_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,product_online,visibility,price,"
        "configurable_variations\n"
        "T-S,,Default,simple,Tee S,1,Not Visible Individually,10,\n"
        "T-M,,Default,simple,Tee M,1,Not Visible Individually,10,\n"
        'T,,Default,configurable,Tee,2,"Catalog, Search",10,"sku=T-S,size=S|sku=T-M,size=M"\n'
        "C-S,,Default,simple,Cap S,1,Not Visible Individually,5,\n"
        'C,,Default,configurable,Cap,1,"Catalog, Search",5,"sku=C-S,size=S"\n'
        'MUG,,Default,simple,Mug,2,"Catalog, Search",7,\n',
        encoding="utf-8",
    )
    products, found, excluded = read_counted(path)
    assert ([p.id for p in products], excluded) == (["C-S"], 3)  # the disabled Tee's enabled sizes are not sold
    assert [d.message for d in found] == [
        "3 disabled (2 of them variations of a disabled parent) products left out "
        "(set source.include_unpublished: true to include them)"
    ]
    listed, _, excluded = read_counted(path, include_unpublished=True)
    assert ([p.id for p in listed], excluded) == (["T-S", "T-M", "C-S", "MUG"], 0)


def test_a_product_disabled_on_the_configured_store_view_is_left_out_there(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,product_online,visibility,price,"
        "configurable_variations\n"
        "T-S,,Default,simple,Tee S,1,Not Visible Individually,10,\n"
        "T-M,,Default,simple,Tee M,1,Not Visible Individually,10,\n"
        'T,,Default,configurable,Tee,1,"Catalog, Search",10,"sku=T-S,size=S|sku=T-M,size=M"\n'
        "T-M,de,Default,simple,,2,,,\n"
        "C-S,,Default,simple,Cap S,1,Not Visible Individually,5,\n"
        'C,,Default,configurable,Cap,2,"Catalog, Search",5,"sku=C-S,size=S"\n'
        'MUG,,Default,simple,Mug,1,"Catalog, Search",7,\n'
        "MUG,de,Default,simple,Becher,2,,,\n"
        "C,de,Default,configurable,Mütze,1,,,\n",
        encoding="utf-8",
    )
    default, _, excluded = read_counted(path)
    assert ([p.id for p in default], excluded) == (["T-S", "T-M", "MUG"], 1)
    german, found, excluded = read_counted(path, store_view="de")
    assert ([(p.id, p.title) for p in german], excluded) == ([("T-S", "Tee"), ("C-S", "Mütze")], 2)
    assert [d.message for d in found] == [
        "2 disabled products left out (set source.include_unpublished: true to include them)"
    ]


@needs_realdata
def test_fixed_bundle_special_price_on_the_real_export_is_a_percent() -> None:
    products, _ = read(real(FIREBEAR), include_unpublished=True)
    bundle = next(p for p in products if p.id == "TST-GrpBnd-Bundle-FixedPrice")
    # price 14, special_price 10: Magento charges 10 % of 14
    assert (str(bundle.price), str(bundle.sale_price)) == ("14.00 USD", "1.40 USD")


def test_bundle_special_price_is_a_percent_of_its_price(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,special_price,bundle_price_type\n"
        "B1,,Default,bundle,Kit,150,80,fixed\n"
        "B2,,Default,bundle,Kit two,19.99,33.33,fixed\n"  # 6.662667 -> 6.66
        "B3,,Default,bundle,Kit three,0.50,25,fixed\n"  # 0.125 -> 0.13, half away from zero as Magento rounds
        "B4,,Default,bundle,Kit four,40,100,fixed\n"  # 100 %: no sale
        "S1,,Default,simple,Mug,150,80,\n",  # a simple product's special_price is an amount
        encoding="utf-8",
    )
    products, found = read(path)
    assert found == []
    assert [(p.id, str(p.price), str(p.sale_price) if p.sale_price else None) for p in products] == [
        ("B1", "150.00 USD", "120.00 USD"),
        ("B2", "19.99 USD", "6.66 USD"),
        ("B3", "0.50 USD", "0.13 USD"),
        ("B4", "40.00 USD", None),
        ("S1", "150.00 USD", "80.00 USD"),
    ]


def test_dynamic_bundle_is_named_not_priced(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,special_price,bundle_price_type\n"
        "B1,,Default,bundle,Kit,,80,dynamic\n",
        encoding="utf-8",
    )
    products, found, excluded = read_counted(path)
    assert (products, excluded) == ([], 1)
    assert [(d.code, d.product_id) for d in found] == [("SRC013", "B1")]


STOCK_HEADER = (
    "sku,store_view_code,attribute_set_code,product_type,name,price,qty,is_in_stock,"
    "allow_backorders,use_config_backorders,manage_stock,use_config_manage_stock,bundle_price_type\n"
)


def test_backorders_and_unmanaged_stock_are_read(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        STOCK_HEADER + "IN,,Default,simple,In,10,5,1,0,1,1,1,\n"
        "BACK,,Default,simple,Backorder,10,-3,1,1,0,1,1,\n"
        "NOTIFY,,Default,simple,Backorder with notice,10,0.0000,1,2,0,1,1,\n"
        "CONFIG,,Default,simple,Store default: no backorders,10,0,1,1,1,1,1,\n"
        "UNMANAGED,,Default,simple,Not managed,10,0,0,0,1,0,0,\n"
        "MANAGED,,Default,simple,Store default: managed,10,0,1,0,1,0,1,\n"
        "OUT,,Default,simple,Marked out,10,8,0,1,0,1,1,\n"
        "KIT,,Default,bundle,A bundle's qty does not count,10,0,1,0,1,1,1,fixed\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert found == []
    assert [(p.id, p.availability.value, p.inventory_tracked) for p in products] == [
        ("IN", "in_stock", None),
        ("BACK", "backorder", None),
        ("NOTIFY", "backorder", None),
        ("CONFIG", "in_stock", None),  # (the store's setting, which the export lacks: Magento says in stock)
        ("UNMANAGED", "in_stock", False),
        ("MANAGED", "in_stock", None),
        ("OUT", "out_of_stock", None),
        ("KIT", "in_stock", None),
    ]


def test_a_special_price_not_below_the_price_is_no_sale(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,special_price\n"
        "A,,Default,simple,Tee,20,15\nB,,Default,simple,Cap,20,20\nC,,Default,simple,Hat,20,25.5\n",
        encoding="utf-8",
    )
    products, found = read(path)
    assert found == []  # (Magento charges the lower of the two)
    assert [(p.id, str(p.price), p.sale_price and str(p.sale_price)) for p in products] == [
        ("A", "20.00 USD", "15.00 USD"),
        ("B", "20.00 USD", None),
        ("C", "20.00 USD", None),
    ]


def test_sale_dates_are_whole_days(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,special_price,"
        "special_price_from_date,special_price_to_date\n"
        "A,,Default,simple,Tee,20,15,2026-01-01 00:00:00,2027-06-30 00:00:00\n"
        "B,,Default,simple,Cap,20,15,1/15/26,6/30/27\n"  # the admin locale's short date (en_US)
        "C,,Default,simple,Hat,20,15,15/01/2026,30/06/2027\n"  # (en_GB)
        "D,,Default,simple,Bag,20,15,,6/7/27\n",  # June 7 or 6 July: not guessed
        encoding="utf-8",
    )
    products, found = read(path, timezone="Europe/Berlin")
    assert [(p.id, str(p.sale_price_effective_date)) for p in products] == [
        ("A", "2026-01-01T00:00:00+0100/2027-06-30T23:59:59+0200"),
        ("B", "2026-01-15T00:00:00+0100/2027-06-30T23:59:59+0200"),
        ("C", "2026-01-15T00:00:00+0100/2027-06-30T23:59:59+0200"),
    ]
    assert [(d.code, d.product_id, d.location.row) for d in found] == [("MDL005", "D", 5)]
    assert "may be day/month or month/day" in found[0].message


def test_the_configured_store_views_visibility_wins(tmp_path: Path) -> None:
    """``visibility`` is a store view attribute: the export writes a store view row's value where it differs from the
    default scope's, and that view shows the product (or not) by it."""
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,product_online,visibility,price\n"
        'MUG,,Default,simple,Mug,1,"Catalog, Search",7\n'
        "MUG,de,Default,simple,Becher,,Not Visible Individually,\n"
        "BOX,,Default,simple,Box,1,Not Visible Individually,9\n"
        'BOX,de,Default,simple,Kiste,,"Catalog, Search",\n',
        encoding="utf-8",
    )
    default, found, excluded = read_counted(path)
    assert ([p.id for p in default], excluded) == (["MUG"], 1)
    assert [(d.code, d.product_id) for d in found] == [("SRC013", "BOX")]
    german, found, excluded = read_counted(path, store_view="de")
    assert ([(p.id, p.title) for p in german], excluded) == ([("BOX", "Kiste")], 1)
    assert [(d.code, d.product_id) for d in found] == [("SRC013", "MUG")]


def test_a_child_without_a_price_is_named_not_sold_at_its_configurable_s_price(tmp_path: Path) -> None:
    path = tmp_path / "catalog_product.csv"
    path.write_text(
        "sku,store_view_code,attribute_set_code,product_type,name,price,configurable_variations\n"
        "T-S,,Default,simple,Tee S,52,\n"
        "T-M,,Default,simple,Tee M,,\n"
        'T,,Default,configurable,Tee,10,"sku=T-S,size=S|sku=T-M,size=M"\n',
        encoding="utf-8",
    )
    products, found = read(path)
    assert [(p.id, str(p.price)) for p in products] == [("T-S", "52.00 USD")]  # (a configurable's price: 10)
    assert [(d.code, d.product_id, d.location.row, d.location.column_name) for d in found] == [
        ("MDL001", "T-M", 3, "price")
    ]
