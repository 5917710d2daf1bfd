"""Meta, Amazon and local-inventory channel behaviour beyond the demo: offer-only, split feeds, supplements."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from feedsync import pipeline
from feedsync.channels.amazon.transform import AmazonEncoder, identifier_type
from feedsync.channels.profile import compile_channels
from feedsync.channels.templating import bullets, truncate_words, variant_pairs
from feedsync.config import load_config
from feedsync.errors import ConfigError
from feedsync.model import Money, Product
from tests.conftest import apply_one, write_config

CSV = (
    "id,group_id,title,description,link,image_link,price,availability,quantity,brand,gtin,color,size,product_type,"
    "amazon_asin\n"
    'A1,,Alpha,"<ul><li>One</li><li>Two, three</li></ul>",/a,/a.jpg,10,in stock,5,Acme,012345678905,,,Tops,\n'
    "B1,G,Beta,Desc,/b,/b.jpg,20,in stock,1,Acme,4006381333931,Red,S,Tops,\n"
    "B2,G,Beta,Desc,/b,/b.jpg,20,in stock,0,Acme,,Blue,S,Tops,\n"
    "C1,,Gamma,Desc,/c,/c.jpg,30,out of stock,,Acme,,,,Tops,B07N4M94X4\n"
)


def amazon_config(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    return write_config(
        tmp_path,
        (
            "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\n"
            "channels:\n  amazon:\n    profile: amazon\n"
            "    settings: {seller_id: A1SELLER, marketplace_id: A1PA6795UKMFR9, language_tag: de_DE, "
            "default_product_type: SHIRT" + extra + "}\n"
        ),
    )


def messages(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["messages"]


def test_amazon_offer_only_parent_child_and_marketplace_settings(tmp_path: Path) -> None:
    pipeline.run(load_config(amazon_config(tmp_path)), "build")
    sent = messages(tmp_path / "out" / "amazon.json")
    assert [(m["sku"], m["requirements"]) for m in sent] == [
        ("A1", "LISTING"),
        ("G", "LISTING_PRODUCT_ONLY"),
        ("B1", "LISTING"),
        ("B2", "LISTING"),
        ("C1", "LISTING_OFFER_ONLY"),
    ]
    alpha = sent[0]["attributes"]
    assert alpha["item_name"] == [{"value": "Acme Alpha", "language_tag": "de_DE", "marketplace_id": "A1PA6795UKMFR9"}]
    assert [b["value"] for b in alpha["bullet_point"]] == ["One", "Two, three"]
    assert alpha["externally_assigned_product_identifier"][0]["type"] == "upc"
    assert alpha["purchasable_offer"][0]["currency"] == "EUR"
    offer = sent[4]
    assert offer["productType"] == "SHIRT"
    assert set(offer["attributes"]) == {
        "merchant_suggested_asin",
        "condition_type",
        "purchasable_offer",
        "list_price",  # the regular price: an offer attribute
        "fulfillment_availability",
    }
    assert offer["attributes"]["merchant_suggested_asin"] == [
        {"value": "B07N4M94X4", "marketplace_id": "A1PA6795UKMFR9"}
    ]
    assert offer["attributes"]["fulfillment_availability"] == [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]
    assert sent[1]["attributes"]["variation_theme"] == [{"name": "SIZE/COLOR"}]


def test_amazon_feed_splits_into_documents_of_max_messages(tmp_path: Path) -> None:
    report = pipeline.run(load_config(amazon_config(tmp_path, ", max_messages: 2")), "build")
    out = tmp_path / "out"
    assert [p.name for p in report.channels["amazon"].parts] == ["amazon.2.json", "amazon.3.json"]
    parts = [messages(out / name) for name in ("amazon.json", "amazon.2.json", "amazon.3.json")]
    assert [[m["sku"] for m in part] for part in parts] == [["A1", "G"], ["B1", "B2"], ["C1"]]
    assert all([m["messageId"] for m in part] == list(range(1, len(part) + 1)) for part in parts)


def test_amazon_needs_a_seller_id(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    path = write_config(
        tmp_path,
        "source: {path: products.csv, currency: EUR}\nchannels:\n  amazon:\n"
        "    profile: amazon\n    settings: {seller_id: '', colour: red}\n",
    )
    with pytest.raises(ConfigError) as info:
        compile_channels(load_config(path))
    text = str(info.value)
    assert "settings.seller_id: String should have at least 1 character" in text
    assert "unknown key 'settings.colour'" in text and ":5:" in text


def test_amazon_items_without_a_product_type_are_reported_and_left_out(tmp_path: Path) -> None:
    path = amazon_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(", default_product_type: SHIRT", ""), encoding="utf-8")
    report = pipeline.run(load_config(path), "build")
    assert [d.code for d in report.diagnostics] == ["AMZ001"] * 3  # the offer-only item needs none
    assert [m["sku"] for m in messages(tmp_path / "out" / "amazon.json")] == ["C1"]


def test_identifier_type_by_length() -> None:
    assert [identifier_type(g) for g in ("012345678905", "4006381333931", "10012345678902", "96385074")] == [
        "upc",
        "ean",
        "gtin",
        "ean",
    ]


def test_encoder_writes_each_parent_once_in_a_run() -> None:
    encoder = AmazonEncoder({"seller_id": "S"})
    from feedsync.channels.base import ChannelItem

    product = Product(id="X", title="T", price=Money(amount=Decimal(1), currency="USD"))
    item = ChannelItem(
        id="X",
        values={
            "sku": "X1",
            "parent_sku": "P",
            "product_type": "SHIRT",
            "item_name": "T",
            "brand": "B",
            "price": "1",
            "size": "M",
        },
        product=product,
    )
    assert [m["sku"] for m in encoder.encode(item)] == ["P", "X1"]
    assert [m["sku"] for m in encoder.encode(item)] == ["X1"]


def test_local_inventory_needs_its_supplement(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    path = write_config(
        tmp_path, "source: {path: products.csv, currency: EUR}\nchannels:\n  local: {profile: google_local_inventory}\n"
    )
    with pytest.raises(ConfigError, match=r"expand\.field: nothing provides 'stores'; add a supplement"):
        compile_channels(load_config(path))


def test_one_to_one_supplement_overrides_fields_and_adds_attributes(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "extra.csv").write_text(
        "sku,price,cost,label\nA1,12.50,6,hero\nZZ,1,1,x\nB1,abc,1,x\n", encoding="utf-8"
    )
    path = write_config(
        tmp_path,
        (
            "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\n"
            "supplements:\n  - {path: extra.csv, key: sku}\n"
            "channels:\n  google:\n    profile: google_merchant\n"
            "    fields: {custom_label_0: \"{{ attributes.get('label', '') }}\"}\n"
        ),
    )
    report = pipeline.run(load_config(path), "build")
    feed = (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")
    assert "<g:price>12.50 EUR</g:price>" in feed and "<g:custom_label_0>hero</g:custom_label_0>" in feed
    [problem] = report.diagnostics
    assert (problem.code, problem.product_id, problem.location.path.endswith("extra.csv"), problem.location.row) == (
        "MDL002",
        "B1",
        True,
        4,
    )
    assert "<g:id>B1</g:id>" not in feed


def test_a_supplement_s_price_with_more_decimals_than_its_currency_is_named_where_it_is(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "extra.csv").write_text("sku,price\nA1,12.505\nB1,12.500\n", encoding="utf-8")
    path = write_config(
        tmp_path,
        "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\n"
        "supplements:\n  - {path: extra.csv, key: sku}\n"
        "channels:\n  google:\n    profile: google_merchant\n",
    )
    report = pipeline.run(load_config(path), "build")
    feed = (tmp_path / "out" / "google.xml").read_text(encoding="utf-8")
    assert "<g:price>12.51 EUR</g:price>" in feed and "<g:price>12.50 EUR</g:price>" in feed
    [rounded] = report.diagnostics
    where = rounded.location
    assert (rounded.code, rounded.product_id, rounded.value, where.path.endswith("extra.csv"), where.row) == (
        "MDL019",
        "A1",
        "12.505",
        True,
        2,
    )


def test_meta_helpers() -> None:
    assert variant_pairs({"Logo": "Yes, big", "Style": "A:B"}, ["Logo", "Style", "Missing"]) == "Logo:Yes big,Style:A B"
    assert truncate_words("word " * 50, 20) == "word word word word"
    assert bullets("<p>x</p><ul><li>a &amp; b</li><li> </li><li>c</li></ul>") == ["a & b", "c"]


def test_meta_xml_format(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    path = write_config(
        tmp_path,
        "source: {path: products.csv, currency: EUR, base_url: 'https://s.example'}\n"
        "channels:\n  fb: {profile: facebook, format: xml}\n",
    )
    [channel] = compile_channels(load_config(path))
    assert channel.filename == "fb.xml"
    product = Product(
        id="X",
        title="T",
        price=Money(amount=Decimal(1), currency="EUR"),
        brand="B",
        link="https://s.example/x",
        image_link="https://s.example/x.jpg",
    )
    item = apply_one(channel, product)
    assert (item.values["availability"], item.values["condition"], item.values["status"]) == (
        "in stock",
        "new",
        "active",
    )


def test_bullets_of_a_shared_description_are_a_new_list_each_time() -> None:
    """Variants share their description and its bullets are read once; a caller changing its list changes no
    other variant's bullets."""
    description = "<ul><li>Soft</li><LI class='x'>Warm &amp; dry</li><li>Washable</li></ul>"
    first = bullets(description, 2)
    first.append("changed")
    assert bullets(description, 2) == ["Soft", "Warm & dry"]
    assert bullets(description) == ["Soft", "Warm & dry", "Washable"]
    assert bullets(description, 2) is not bullets(description, 2)


def test_a_store_s_quantity_or_price_that_is_no_number_is_refused(tmp_path: Path) -> None:
    """Local inventory rows took a store's quantity and price from the supplement as written: ``lots`` went to
    Google as the quantity (and the row out of stock), ``abc`` as ``abc USD``, with no finding. GMC004 and GMC005
    now, at the row."""
    import shutil

    from tests.conftest import REPO

    shutil.copytree(REPO / "examples" / "demo", tmp_path / "demo", ignore=shutil.ignore_patterns("expected"))
    stock = tmp_path / "demo" / "store_stock.csv"
    lines = stock.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace(",5,", ",lots,")  # NW-PORTLAND, NW-TEE-NAV-S
    lines[3] = lines[3].replace(",3,", ",3,abc")  # NW-BOSTON, NW-TEE-NAV-M
    stock.write_text("".join(lines), encoding="utf-8")
    report = pipeline.run(load_config(tmp_path / "demo" / "feedsync.yaml"), "validate", channels=["google_local"])
    told = sorted((d.code, d.field, d.value) for d in report.diagnostics if d.code in ("GMC004", "GMC005"))
    assert told == [("GMC004", "quantity", "lots"), ("GMC005", "price", "abc USD")]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_json_supplement_joins_as_its_csv_does(tmp_path: Path, suffix: str) -> None:
    """A supplement may be CSV, TSV, JSON or JSONL, as the config reference says, but a JSON one was read as a CSV
    (``has no column 'id' to join on (its columns: [{"id": ...``). The demo's stock per store as JSON or JSON Lines
    (numbers as numbers) makes the same local inventory feed as its CSV."""
    import csv
    import json
    import shutil

    from tests.conftest import REPO

    demo = tmp_path / "demo"
    shutil.copytree(REPO / "examples" / "demo", demo, ignore=shutil.ignore_patterns("expected"))
    config = demo / "feedsync.yaml"
    pipeline.run(load_config(config), "build", channels=["google_local"], out_dir=tmp_path / "csv")
    with (demo / "store_stock.csv").open(encoding="utf-8", newline="") as handle:
        rows = [{k: int(v) if k == "quantity" else v for k, v in row.items() if v} for row in csv.DictReader(handle)]
    text = json.dumps(rows) if suffix == ".json" else "".join(json.dumps(row) + "\n" for row in rows)
    (demo / f"store_stock{suffix}").write_text(text, encoding="utf-8")
    config.write_text(config.read_text(encoding="utf-8").replace("store_stock.csv", f"store_stock{suffix}"))
    report = pipeline.run(load_config(config), "build", channels=["google_local"], out_dir=tmp_path / "json")
    assert not [d for d in report.diagnostics if d.code.startswith(("SRC", "CFG"))]
    assert (tmp_path / "json" / "google_local.tsv").read_bytes() == (tmp_path / "csv" / "google_local.tsv").read_bytes()


@pytest.mark.parametrize(
    ("name", "data"), [("s.json", b'[{"id":"A1","season":"sum\x81mer"}]'), ("s.jsonl", b'{"id":"A1","s":"\xff"}\n')]
)
def test_a_json_supplement_that_is_not_its_encoding_names_its_setting(tmp_path: Path, name: str, data: bytes) -> None:
    """A JSON supplement that does not decode ended in an internal error (exit 70, ``UnicodeDecodeError``); as a
    CSV one, it is a source error naming the supplement's own ``encoding`` setting."""
    from feedsync.errors import SourceError

    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / name).write_bytes(data)
    path = write_config(
        tmp_path,
        f"source: {{path: products.csv, currency: EUR}}\nsupplements:\n  - {{path: {name}, encoding: utf-8}}\n"
        "channels:\n  google: {profile: google_merchant}\n",
    )
    with pytest.raises(SourceError, match=r"set supplements\[0\]\.encoding"):
        pipeline.run(load_config(path), "build")


@pytest.mark.parametrize(("profile", "filename", "refused"), [
    ("facebook", "google.xml", True), ("google_merchant", "products.csv", True), ("google_merchant", "feed.txt", True),
    ("facebook", "feed.txt", False), ("google_merchant", "products.xml", False), ("facebook", "meta-feed", False),
])  # fmt: skip
def test_a_destination_filename_naming_another_format_is_a_config_error(
    tmp_path: Path, profile: str, filename: str, refused: bool
) -> None:
    """A profile swapped on a channel whose destination names its file (``filename: google.xml``) wrote Meta's CSV
    into ``google.xml``, exit 0, and what fetches it would read the wrong format. A name of another feed format than
    the channel writes is a config error at ``filename``; a name of no feed format is the user's."""
    (tmp_path / "products.csv").write_text(CSV, encoding="utf-8")
    path = write_config(
        tmp_path,
        f"source: {{path: products.csv, currency: EUR}}\nchannels:\n  feed:\n    profile: {profile}\n"
        f"    destination: {{type: directory, path: www, filename: {filename}}}\n",
    )
    if not refused:
        assert compile_channels(load_config(path))
        return
    with pytest.raises(
        ConfigError, match=rf"feedsync\.yaml:5:\d+: channels\.feed\.destination\.filename: '{filename}'"
    ):
        compile_channels(load_config(path))
