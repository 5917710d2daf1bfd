from __future__ import annotations

from decimal import Decimal

from feedsync.channels.base import ChannelItem
from feedsync.channels.google.rules import check_item
from feedsync.model import Money, Product
from feedsync.model.product import SourceRef

REF = SourceRef.model_construct(path="p.csv", row=9, columns={"title": ("Name", 3), "id": ("id", 1)})
PRODUCT = Product(id="A", title="T", price=Money(amount=Decimal(1), currency="USD"), source=REF)
COMPLETE = {
    "id": "A",
    "title": "T",
    "description": "D",
    "link": "https://s.example/a",
    "image_link": "https://s.example/a.jpg",
    "availability": "in_stock",
    "price": "1.00 USD",
    "gtin": "4006381333931",
}


def check(values: dict[str, str | list[str]], columns: dict[str, str] | None = None) -> list[tuple[str, str, object]]:
    item = ChannelItem(id="A", values=values, product=PRODUCT, origins=columns or {})
    return [(d.code, d.field, d.location.column if d.location else None) for d in check_item(item, "google")]


def test_complete_item_is_clean() -> None:
    assert check(dict(COMPLETE)) == []


def test_each_missing_required_attribute_is_an_error_at_its_source_column() -> None:
    values = {k: v for k, v in COMPLETE.items() if k not in ("title", "image_link")}
    assert check(values, {"title": "title"}) == [("GMC001", "title", 3), ("GMC001", "image_link", None)]


def test_length_limits_count_characters_and_every_repeated_value() -> None:
    values = dict(
        COMPLETE,
        title="é" * 150,
        description="x" * 5001,
        id="A" * 51,
        additional_image_link=["https://s.example/" + "a" * 1982, "https://s.example/" + "b" * 1983],
    )
    assert check(values) == [
        ("GMC002", "id", None),
        ("GMC002", "description", None),
        ("GMC002", "additional_image_link", None),
    ]


def test_identifiers_gtin_or_brand_and_mpn_or_identifier_exists_no() -> None:
    no_ids = {k: v for k, v in COMPLETE.items() if k != "gtin"}
    assert check(no_ids) == [("GMC003", "gtin", None)]
    assert check(dict(no_ids, brand="Acme")) == [("GMC003", "gtin", None)]
    assert check(dict(no_ids, brand="Acme", mpn="M1")) == []
    assert check(dict(no_ids, identifier_exists="no")) == []


def test_an_unknown_google_category_is_dropped_from_the_item_and_a_known_one_kept() -> None:
    from feedsync.channels.google.rules import prepare_item

    item = ChannelItem(id="A", values=dict(COMPLETE, google_product_category="Made Up > Things"), product=PRODUCT)
    [note] = prepare_item(item)
    assert (note.code, note.attribute, note.value) == ("GMC017", "google_product_category", "Made Up > Things")
    assert "google_product_category" not in item.values and check(item.values) == []
    for known in ("212", "Apparel & Accessories > Clothing > Shirts & Tops"):
        item = ChannelItem(id="A", values=dict(COMPLETE, google_product_category=known), product=PRODUCT)
        assert prepare_item(item) == [] and item.values["google_product_category"] == known


def test_a_category_path_in_another_letter_case_is_the_same_category_and_needs_what_it_needs() -> None:
    """The taxonomy knows a path in any letter case (it is kept, not GMC017); such an apparel path needs what
    Google's spelling of it needs, named as Google spells it, by the rules and by the screen that spares them."""
    from feedsync.channels.google.rules import category_path, prepare_item
    from feedsync.channels.google.screen import _category_needs

    canonical = "Apparel & Accessories > Clothing > Shirts & Tops"
    for spelled in (canonical.lower(), canonical.upper()):
        assert category_path(spelled) == canonical
        item = ChannelItem(id="A", values=dict(COMPLETE, google_product_category=spelled), product=PRODUCT)
        assert prepare_item(item) == [] and item.values["google_product_category"] == spelled
        assert check(item.values) == [("GMC011", a, None) for a in ("color", "gender", "age_group", "size")]
        item = ChannelItem(id="A", values=dict(COMPLETE, google_product_category=spelled), product=PRODUCT)
        assert next(d.message for d in check_item(item, "google")).endswith(f"({canonical})")
        assert _category_needs(spelled) == {"color", "gender", "age_group", "size"}
    assert category_path("Made Up > Things") == "Made Up > Things" and category_path("99999") is None


def test_a_price_in_other_digits_or_with_no_iso_4217_code_is_invalid() -> None:
    from feedsync.channels.google import screen

    for price in ("١٢ USD", "１２.00 USD", "12.00 XYZ", "12.00 ABC"):
        assert check(dict(COMPLETE, price=price)) == [("GMC005", "price", None)], price
        assert check(dict(COMPLETE, sale_price=price)) == [("GMC005", "sale_price", None)], price
        assert not screen.clean(dict(COMPLETE, title="Tee", price=price))
    assert screen.clean(dict(COMPLETE, title="Tee", price="12.00 EUR"))
    assert check(dict(COMPLETE, price="12.00 EUR", sale_price="10.00 EUR")) == []


def test_a_link_with_a_tab_a_line_break_or_a_control_character_is_invalid() -> None:
    from feedsync.channels.google import screen

    for link in (
        "https://s.example/a\tb",
        "https://s.example/a\nb",
        "https://s.example/a\x7f",
        "https://s.example/\x01",
    ):
        assert check(dict(COMPLETE, link=link)) == [("GMC010", "link", None)], link
        assert check(dict(COMPLETE, additional_image_link=[link])) == [("GMC010", "additional_image_link", None)]
        assert not screen.clean(dict(COMPLETE, title="Tee", link=link))
    assert screen.clean(dict(COMPLETE, title="Tee"))


def test_a_gtin_in_a_restricted_or_coupon_range_is_refused_though_its_check_digit_is_right() -> None:
    import polars as pl

    from feedsync.channels.google import screen
    from feedsync.columnar.screens import gtin_reserved

    refused = ["2000000000008", "0200000000004", "0400000000008", "9810000000006", "9900000000004", "0500000000005"]
    refused += ["200000000004", "400000000008", "500000000005", "12000000000005", "200-000-000-004"]
    taken = ["4006381333931", "036000291452", "14006381333938", "9780007350896", "20000004"]
    for gtin in refused:
        assert check(dict(COMPLETE, gtin=gtin)) == [("GMC008", "gtin", None)], gtin
        assert not screen.clean(dict(COMPLETE, title="Tee", gtin=gtin)), gtin
    for gtin in taken:
        assert check(dict(COMPLETE, gtin=gtin)) == [], gtin
    assert screen.clean(dict(COMPLETE, title="Tee"))
    column = pl.DataFrame({"gtin": [*refused, *taken, None]}).select(gtin_reserved({"gtin": pl.col("gtin")}, set()))
    digits = [g.isdigit() for g in refused]
    assert column.to_series().to_list() == [*digits, *[False] * len(taken), False]


def test_a_required_text_of_invisible_characters_only_is_missing() -> None:
    """A title or description (from a field override, say) of zero-width or other invisible characters only is
    one Google reads as empty: GMC001, and the quick pass does not clear the item; a visible character among
    them is a text."""
    from feedsync.channels.google.screen import clean
    from feedsync.channels.meta.rules import check_item as meta_check

    for blank in ("\u200b", "\u200c\u200d", "\u2060", "\ufeff", "\u200b \u00ad", "\u3164"):
        values = dict(COMPLETE, title=blank, description=blank + blank)
        assert check(values) == [("GMC001", "title", None), ("GMC001", "description", None)]
        assert not clean(values)
        item = ChannelItem(id="A", values=values, product=PRODUCT, origins={})
        assert {(d.code, d.field) for d in meta_check(item, "meta")} >= {("META001", "title")}
    assert check(dict(COMPLETE, title="\u200bTee")) == []
