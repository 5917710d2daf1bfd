"""Variant options from real exports: values in any script stay apart, ``source.options`` maps option names, an
option no variant field names is carried (title, Meta's additional_variant_attribute) and named once (MDL016),
and a title is not extended with the colour or size it already names."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Report
from feedsync.errors import ConfigError
from tests.conftest import write_config
from tests.sources.realdata import needs_realdata, real
from tests.sources.test_realdata_exports import read_all

SHOPIFY_HEAD = (
    "Handle,Title,Body (HTML),Vendor,Variant Price,Variant Barcode,Image Src,"
    "Option1 Name,Option1 Value,Option2 Name,Option2 Value\n"
)


def shopify(rows: list[tuple[str, ...]]) -> str:
    """Shopify rows of (handle, title, option1 name, option1 value[, option2 name, option2 value])."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for handle, title, *options in rows:
        options += [""] * (4 - len(options))
        body, vendor, image = ("A tee.", "Acme", f"https://shop.example.com/{handle}.jpg") if title else ("", "", "")
        writer.writerow([handle, title, body, vendor, "10.00", "", image, *options])
    return SHOPIFY_HEAD + out.getvalue()


def validate(tmp: Path, catalog: str | Path, source_extra: str = "", fmt: str = "shopify") -> Report:
    path = catalog if isinstance(catalog, Path) else tmp / "products.csv"
    if not isinstance(catalog, Path):
        path.write_text(catalog, encoding="utf-8")
    config = write_config(
        tmp,
        f"source:\n  path: {path}\n  format: {fmt}\n  currency: USD\n  base_url: https://shop.example.com\n"
        + source_extra
        + "channels:\n  google:\n    profile: google_merchant\n  meta:\n    profile: facebook\n",
    )
    return pipeline.run(load_config(config), "build", validate=True, out_dir=tmp / "out")


def feed_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def google_titles(path: Path) -> dict[str, str]:
    from lxml import etree

    ns = {"g": "http://base.google.com/ns/1.0"}
    root = etree.parse(str(path))
    return {item.findtext("g:id", namespaces=ns): item.findtext("g:title", namespaces=ns) for item in root.iter("item")}


def codes(report: Report) -> Counter[str]:
    return Counter(d.code for d in report.diagnostics)


# -- defect 1: non-Latin option values ------------------------------------------------------------------------


@needs_realdata
def test_rosarose_arabic_initials_are_28_distinct_variants() -> None:
    """icey-initial-gold has 28 variants whose initials are Arabic letters (checked by hand: rows with Option1
    Value in U+0600..U+06FF); they all slugged to `icey-initial-gold` and 27 were dropped as MDL008."""
    products, _ = read_all(real("shopify/rosarose-products_export_1.csv"))
    group = [p for p in products if p.group_id == "icey-initial-gold"]
    assert len(group) == 28
    assert len({p.id for p in group}) == 28
    assert group[0].id == "icey-initial-gold-خ"  # the first variant row's initial, kept as written


@needs_realdata
def test_rosarose_validate_drops_no_variant_as_duplicate(tmp_path: Path) -> None:
    """Before: 1,192 variants read, 27 MDL008, Google and Meta 1,165 items, 943 GMC012, 1,078 META006.
    After: every variant an item, no duplicate ids, none flagged as an indistinguishable variant."""
    report = validate(tmp_path, real("shopify/rosarose-products_export_1.csv"))
    found = codes(report)
    assert (report.variants, report.channels["google"].excluded) == (1477, 285)  # 285 draft or archived
    for channel in ("google", "meta"):  # every published variant read reaches the channel's checks
        assert report.channels[channel].items + report.channels[channel].rejected == 1192
    assert found["MDL008"] == found["GMC012"] == found["MDL013"] == found["META006"] == 0
    # One per option name that tells variants apart and maps to nothing (`Choose Material` and `Choose Ring Size`
    # are understood).
    assert found["MDL016"] == 11


@pytest.mark.parametrize(
    "values",
    [["Красный", "Синий", "Зелёный"], ["Κόκκινο", "Μπλε", "Πράσινο"], ["赤", "青", "緑"], ["小", "中", "大"]],
    ids=["cyrillic", "greek", "cjk-colours", "cjk-sizes"],
)
def test_option_values_in_other_scripts_stay_apart(tmp_path: Path, values: list[str]) -> None:
    rows = [("mug", "Mug", "Style", values[0])] + [("mug", "", "", v) for v in values[1:]]
    report = validate(tmp_path, shopify(rows))
    assert codes(report)["MDL008"] == 0
    assert report.channels["google"].items == 3
    ids = list(google_titles(tmp_path / "out" / "google.xml"))
    assert len(set(ids)) == 3 and all(i.startswith("mug-") for i in ids)


# -- defect 6: options feedsync does not recognise ---------------------------------------------------------------


def test_unmapped_option_is_named_in_titles_and_meta_variant_attributes(tmp_path: Path) -> None:
    rows = [("cake", "Cake", "Tiers", "1 tier"), ("cake", "", "", "2 tiers"), ("cake", "", "", "3 tiers")]
    rows += [("pie", "Pie", "Tiers", "1 tier"), ("pie", "", "", "2 tiers")]
    report = validate(tmp_path, shopify(rows))
    found = codes(report)
    assert found["GMC012"] == found["MDL013"] == found["META006"] == 0
    assert report.channels["google"].items == report.channels["meta"].items == 5
    [hint] = [d for d in report.diagnostics if d.code == "MDL016"]  # once for the option name, not per product
    assert hint.field == "Tiers" and 'source.options: {"Tiers": size}' in hint.message
    assert (hint.location.row, hint.location.column) == (2, 9)  # type: ignore[union-attr]
    titles = google_titles(tmp_path / "out" / "google.xml")
    assert titles["cake-2-tiers"] == "Cake - 2 tiers"
    meta = {r["id"]: r for r in feed_rows(tmp_path / "out" / "meta.csv")}
    assert meta["cake-3-tiers"]["additional_variant_attribute"] == "Tiers:3 tiers"


def test_a_shopify_option_named_title_is_an_option(tmp_path: Path) -> None:
    rows = [("tee", "Tee", "Title", "Small"), ("tee", "", "", "Large")]
    report = validate(tmp_path, shopify(rows))
    assert codes(report)["GMC012"] == 0
    assert sorted(google_titles(tmp_path / "out" / "google.xml").values()) == ["Tee - Large", "Tee - Small"]


def test_source_options_maps_an_option_to_a_variant_field(tmp_path: Path) -> None:
    rows = [("cake", "Cake", "Tiers", "1 tier", "Topping", "Nuts"), ("cake", "", "", "2 tiers", "", "Nuts")]
    report = validate(tmp_path, shopify(rows), '  options: {"tiers": size}\n')
    assert codes(report)["MDL016"] == 0
    google = (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")
    assert "<g:size>2 tiers</g:size>" in google
    meta = feed_rows(tmp_path / "out" / "meta.csv")
    assert [r["size"] for r in meta] == ["1 tier", "2 tiers"]
    assert [r["additional_variant_attribute"] for r in meta] == ["", ""]  # Topping does not tell them apart


def test_a_source_option_that_names_no_option_of_the_file_is_an_error(tmp_path: Path) -> None:
    rows = [("cake", "Cake", "Tiers", "1 tier"), ("cake", "", "", "2 tiers")]
    report = validate(tmp_path, shopify(rows), '  options: {"Tires": size, "tiers": size}\n')
    [unmet] = [d for d in report.diagnostics if d.code == "CFG010"]
    assert (unmet.severity.value, unmet.value, unmet.field) == ("error", "Tires", "size")
    assert "closest: 'tiers'" in unmet.message
    assert [r["size"] for r in feed_rows(tmp_path / "out" / "meta.csv")] == ["1 tier", "2 tiers"]  # ("tiers" maps)


@pytest.mark.parametrize(
    ("name", "catalog", "fmt"),
    [
        (
            "woocommerce",
            "Type,SKU,Name,Regular price,Parent,Attribute 1 name,Attribute 1 value(s)\n"
            "variable,V,Vee,,,Tiers,1\nvariation,V-1,,10,V,Tiers,1\n",
            "woocommerce",
        ),
        (
            "magento",
            "sku,store_view_code,attribute_set_code,product_type,name,price,configurable_variations\n"
            'V-1,,Default,simple,Vee,10,\nV,,Default,configurable,Vee,10,"sku=V-1,tiers=1"\n',
            "magento",
        ),
        (
            "bigcommerce",
            "Item Type,Product ID,Product Name,Product Code/SKU,Price\nProduct,1,Vee,V,10\nSKU,,[RB]Tiers=1,V-1,\n",
            "bigcommerce",
        ),
    ],
    ids=["woocommerce", "magento", "bigcommerce"],
)
def test_every_platform_export_names_a_source_option_it_never_met(
    tmp_path: Path, name: str, catalog: str, fmt: str
) -> None:
    report = validate(tmp_path, catalog, '  options: {"Tires": size, "tiers": size}\n', fmt=fmt)
    assert [(d.code, d.value) for d in report.diagnostics if d.code == "CFG010"] == [("CFG010", "Tires")]


def test_storefront_prompts_before_an_option_name_are_understood(tmp_path: Path) -> None:
    rows = [("ring", "Ring", "Choose Material", "Gold"), ("ring", "", "", "Silver")]
    report = validate(tmp_path, shopify(rows))
    assert codes(report)["MDL016"] == 0
    assert "<g:material>Silver</g:material>" in (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")


@needs_realdata
@pytest.mark.parametrize(
    ("export", "handle", "name", "sizes"),
    [
        ("rosarose-products_export_1.csv", "signet-ring-gold", "Choose Ring Size", ["52", "54", "56", "58", "60"]),
        ("velofant-products_export_1.csv", "arkipelago", "Ramstorlek", ["57", "59", "61"]),  # Swedish: frame size
    ],
)
def test_a_ring_or_frame_size_in_a_real_export_is_the_variant_size(
    export: str, handle: str, name: str, sizes: list[str]
) -> None:
    """``Choose Ring Size`` (a storefront prompt before a kind of size) and ``Ramstorlek`` were attributes of their
    names and MDL016: each variant's size is the field now, and the option is told of no more."""
    products, found = read_all(real(f"shopify/{export}"))
    group = [p for p in products if p.group_id == handle]
    assert sorted({p.size for p in group}) == sizes  # (checked by hand in the file)
    assert all(name not in p.attributes for p in products)
    assert [d for d in found if d.code == "MDL016" and d.field == name] == []


def test_source_options_must_name_a_variant_field(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(shopify([("a", "A", "Tiers", "1")]), encoding="utf-8")
    config = write_config(
        tmp_path,
        "source:\n  path: products.csv\n  currency: USD\n  options: {Tiers: price}\n"
        "channels:\n  google:\n    profile: google_merchant\n",
    )
    with pytest.raises(ConfigError, match="options"):
        load_config(config)


@needs_realdata
def test_tgmodz_tiers_mapped_by_source_options(tmp_path: Path) -> None:
    """tgmodz's variable products differ by `Tiers`, `Duration`, … : 91 GMC012 before; none now, and
    `source.options: {Tiers: size}` puts the tier in size (checked by hand: variation 21 of product 20 is
    `Champions`, variation 1035 of 544 is `1 Month key`)."""
    path = real("woocommerce/tgmodz-wc-product-export.csv")
    report = validate(tmp_path, path, "  options: {Tiers: size}\n", fmt="woocommerce")
    found = codes(report)
    assert found["GMC012"] == found["META006"] == 0
    assert not [d for d in report.diagnostics if d.code == "MDL016" and d.field == "Tiers"]
    products, _ = read_all(path, options={"Tiers": "size"}, include_unpublished=True)  # product 20 is a draft
    read = {p.id: p for p in products}
    assert (read["wc-21"].size, read["wc-1035"].size) == ("Champions", "1 Month key")
    assert "Tiers" not in read["wc-21"].variant_options


# -- defect 3 (titles) ---------------------------------------------------------------------------------------


def test_title_is_not_extended_with_the_colour_and_size_it_names(tmp_path: Path) -> None:
    header = "id,group_id,title,description,link,image_link,price,brand,gtin,color,size\n"
    rows = [
        ("M1", "G", "Mug Color Verde - Talla 11oz", "Verde", "11oz"),
        ("M2", "G", "Mug Color Verde", "Rojo", "11oz"),
        ("M3", "G", "Mug Verdeish", "Verde", "15oz"),  # not the word on its own
    ]
    text = header + "".join(f"{i},{g},{t},d,/m,/m.jpg,5,Acme,,{c},{s}\n" for i, g, t, c, s in rows)
    validate(tmp_path, text, fmt="csv")
    assert google_titles(tmp_path / "out" / "google.xml") == {
        "M1": "Mug Color Verde - Talla 11oz",
        "M2": "Mug Color Verde - Rojo - 11oz",
        "M3": "Mug Verdeish - Verde - 15oz",
    }


@needs_realdata
def test_opispot_titles_stay_within_google_limit(tmp_path: Path) -> None:
    """opispot's titles already name colour and size; appending them pushed 50 past 150 characters (GMC002)."""
    report = validate(tmp_path, real("google_feeds/opispot-google_feed.xml"), fmt="google_xml")
    assert report.products_read == 486
    assert [d for d in report.diagnostics if d.code == "GMC002" and d.field == "title"] == []


@pytest.mark.parametrize(
    ("catalog", "fmt"),
    [
        (  # a disabled configurable's children, and a disabled simple product
            "sku,store_view_code,attribute_set_code,product_type,name,price,product_online,additional_attributes,"
            "configurable_variations\n"
            "V-1,,Default,simple,Vee,10,1,,\n"
            'V,,Default,configurable,Vee,10,2,,"sku=V-1,tiers=1"\n'
            'S,,Default,simple,Ess,10,2,"finish=matt",\n'
            "K,,Default,simple,Kay,10,1,,\n",
            "magento",
        ),
        (  # a product not visible
            "Item Type,Product ID,Product Name,Product Code/SKU,Price,Product Visible?\n"
            "Product,1,Vee,V,10,N\nSKU,,[RB]Tiers=1,V-1,\nSKU,,[RB]Finish=Matt,V-2,\n"
            "Product,2,Kay,K,10,Y\n",
            "bigcommerce",
        ),
    ],
    ids=["magento", "bigcommerce"],
)
def test_an_option_only_products_left_out_have_is_one_the_file_has(tmp_path: Path, catalog: str, fmt: str) -> None:
    """A store whose only products with the option are disabled for now: no CFG010 (the file has the option)."""
    report = validate(tmp_path, catalog, '  options: {"tiers": size, "finish": material}\n', fmt=fmt)
    assert [d for d in report.diagnostics if d.code == "CFG010"] == []
    assert report.variants >= 1
