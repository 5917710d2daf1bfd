"""build_product makes its Product with ``model_construct`` when its own rules already decided every value: the
products and findings must be the ones pydantic's validation gave, for every edge case of the model."""

from __future__ import annotations

import itertools
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel

from feedsync.diagnostics import Diagnostic
from feedsync.model.product import Product, SourceRef
from feedsync.sources import normalize
from feedsync.sources.normalize import NormalizeContext, build_product

CTX = NormalizeContext(currency="EUR", base_url="https://shop.example", tz=ZoneInfo("Europe/Berlin"))
NO_DEFAULTS = NormalizeContext(currency=None, base_url=None, tz=ZoneInfo("UTC"))
BASE = {"id": "SKU-1", "title": "Shirt", "price": "12.50 EUR"}

# field -> values that try the model's rules: each is merged into BASE on its own.
EDGES: dict[str, list[Any]] = {
    "id": ["", "   ", "ü-1", "𝔘𝔫𝔦", "x" * 5000, "a\x00b", "\ud800lone", 7, True],
    "title": ["", "\t", "T-Shirt 👕 — Größe", "שלום", "e\u0301", "x" * 100_000, "a\x1fb\x7f", None],
    "price": [
        "",
        "abc",
        "-5",
        "-5 USD",
        "12,50",
        "1.000,00 EUR",
        "USD 12 EUR",
        "12 XXX",
        "12 usd",
        "9" * 16,
        "9" * 15 + ".999999",
        "1e3",
        ".5",
        "+3",
        "0",
        "0.00 JPY",
        "€12",
        12,
        12.5,
        None,
    ],
    "sale_price": ["", "10", "10 USD", "-1", "abc", "20 EUR", "9" * 40],
    "sale_price_effective_date": [
        "2026-11-27/2026-12-01",
        "2026-12-01/2026-11-27",
        "2026-11-27T10:00/2026-11-28",
        "nonsense",
        "2026-11-27T00:00:00+01:00/2026-11-28T00:00:00-05:00",
        "0001-01-01/9999-12-31",
        "2026-02-30/2026-03-01",
        "",
    ],
    "availability": ["in stock", "InStock", "sold out", "pre-order", "on_backorder", "maybe", "", 3],
    "quantity": [
        "0",
        "-3",
        "5",
        "2.0",
        "2.5",
        "2147483647",
        "2147483648",
        "-2147483648",
        "9" * 400,
        "x",
        "1e2",
        " 7 ",
        5,
        -1,
    ],
    "condition": ["new", "NEW", "Used", "broken", ""],
    "gender": ["men", "Women", "unisex", "other"],
    "age_group": ["adult", "Kids", "teen"],
    "weight": ["1 kg", "1.5kg", "0 g", "-1 kg", "1e3 g", "3 stone", "12 lbs", "9" * 20 + " g", "kg"],
    "gtin": ["'4006381333931", "978-1-98765-432-1", "0123 4567 8905", "abc-12", "'", "٤٠٠٦٣٨١٣٣٣٩٣١", 4006381333931],
    "link": [
        "https://shop.example/p/1",
        "/p/1",
        "p/1",
        "http://",
        "https://a b",
        "javascript:alert(1)",
        "ftp://x/y",
        "//cdn.example/x",
        "https://ü.example/ä",
        "",
    ],
    "image_link": ["/i.jpg", "data:image/png;base64,AA", "https://cdn.example/i.jpg"],
    "additional_image_links": ["/a.jpg,/b.jpg", "/a.jpg,javascript:x", ["https://c/x.jpg", " ", "/y.jpg"], ",,", ""],
    "brand": ["Acme", "  ", "Ａｃｍｅ", 0, False],
    "description": ["<p>Hi</p>", "a\x0bb", "x" * 200_000],
    "inventory_tracked": [True, False, "yes"],
}
ATTRIBUTES: list[dict[str, Any]] = [{}, {"material_code": "C1", "ünï": "çødé"}, {"bad": "a\x01b"}, {4: "x"}]
OPTIONS: list[dict[str, Any] | None] = [None, {}, {"Tiers": "3"}, {"Tiers": 3}]


def _cases() -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]]:
    cases = [({**BASE, field: value}, {}, None) for field, values in EDGES.items() for value in values]
    cases += [(dict(BASE), attributes, options) for attributes, options in itertools.product(ATTRIBUTES, OPTIONS)]
    cases.append(({"id": "", "title": "", "price": "", "sale_price_effective_date": "2026-01-01/2026-01-02"}, {}, None))
    cases.append(
        (
            {**BASE, "price": "10 USD", "sale_price": "8 USD", "sale_price_effective_date": "2026-1-1/2026-2-1"},
            {"a": "b"},
            {"Size": "M"},
        )
    )
    return cases


def _build(
    raw: dict[str, Any], attributes: dict[str, Any], options: dict[str, Any] | None, ctx: NormalizeContext
) -> tuple[Product | None, list[Diagnostic]]:
    found: list[Diagnostic] = []
    ref = SourceRef(path="catalog.csv", row=2, columns={"price": ("Price", 3), "id": ("SKU", 1)})
    return build_product(raw, attributes, ref, ctx, found.append, options), found


def normalize_keys(product: Product) -> list[str]:
    """The fields build_product sets for a clean record: what validation of its dict marks as set."""
    return ["id", "title", "price", "additional_image_links", "attributes", "source"]


def _shape(value: Any) -> Any:
    """The value with the type of every part, so that a str where a Decimal was, or a dict in another order, differs."""
    if isinstance(value, BaseModel):
        return (type(value), sorted(value.model_fields_set), [(k, _shape(x)) for k, x in value.__dict__.items()])
    if isinstance(value, dict):
        return (dict, [(_shape(k), _shape(x)) for k, x in value.items()])
    if isinstance(value, (list, tuple)):
        return (type(value), [_shape(x) for x in value])
    return (type(value), repr(value))


@pytest.mark.parametrize("ctx", [CTX, NO_DEFAULTS], ids=["defaults", "no-defaults"])
def test_constructed_products_and_findings_equal_validated(
    ctx: NormalizeContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = _cases()
    constructed = [_build(*case, ctx) for case in cases]
    monkeypatch.setattr(normalize, "_constructible", lambda out: False)  # always through pydantic, as before
    validated = [_build(*case, ctx) for case in cases]
    built = 0
    for case, (product, found), (expected, expected_found) in zip(cases, constructed, validated, strict=True):
        assert found == expected_found, case
        assert product == expected, case
        assert _shape(product) == _shape(expected), case
        if product is not None:
            assert product.model_dump_json() == expected.model_dump_json(), case
            built += 1
    assert built > (len(cases) // 3 if ctx is CTX else 0)  # the cases reach the Product, not only the findings


def test_constructed_product_is_frozen_and_hashable_like_a_validated_one() -> None:
    product, found = _build(dict(BASE), {"a": "b"}, None, CTX)
    assert found == [] and product is not None
    with pytest.raises(Exception, match="frozen"):
        product.title = "x"  # type: ignore[misc]
    assert product.model_fields_set == set(normalize_keys(product))


@pytest.mark.parametrize(
    ("attributes", "options"),
    [({4: "x"}, None), ({}, {"Tiers": 3})],
    ids=["int-key", "option"],
)
def test_what_a_reader_hands_in_wrongly_is_still_reported(
    attributes: dict[str, Any], options: dict[str, Any] | None
) -> None:
    product, found = _build(dict(BASE), attributes, options, CTX)
    assert product is None
    assert [d.code for d in found] == ["MDL007"]


def test_constructed_path_is_taken_for_clean_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Product:
        raise AssertionError("validated")

    monkeypatch.setattr(Product, "model_validate", refuse)
    product, found = _build(
        {**BASE, "quantity": "3", "weight": "1 kg", "sale_price": "10"}, {"x": "y"}, {"S": "M"}, CTX
    )
    assert found == [] and product is not None and product.quantity == 3


BAD = ["\x00", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\ud800", "\udfff", "\ufffe", "\uffff"]
FINE = ["\t", "\n", "\r", "é", "👕", "\u200b", "\ufffd", "\ufeff"]


@pytest.mark.parametrize("place", ["text", "list", "attribute"])
def test_one_bad_character_anywhere_in_the_record_is_found(place: str) -> None:
    ref = SourceRef(path="c.csv", row=2)
    for char in BAD + FINE:
        raw: dict[str, Any] = {"id": "a", "title": "t", "quantity": 3, "additional_image_links": ["/x.jpg"]}
        attributes = {"fit": "slim"}
        if place == "text":
            raw["title"] = f"T{char}ee"
        elif place == "list":
            raw["additional_image_links"] = ["/x.jpg", f"/y{char}.jpg"]
        else:
            attributes["fit"] = f"sl{char}im"
        found: list[Diagnostic] = []
        cleaned, cleaned_attributes = normalize.clean_characters(raw, attributes, ref, found.append)
        if char in FINE:
            assert (found, cleaned, cleaned_attributes) == ([], raw, attributes), repr(char)
            assert cleaned is raw and cleaned_attributes is attributes
        else:
            assert [d.code for d in found] == ["SRC011"], repr(char)
            kept = "\ufffd" if "\ud800" <= char <= "\udfff" else ""
            assert (
                f"T{kept}ee" == cleaned["title"]
                or f"/y{kept}.jpg" in cleaned["additional_image_links"]
                or (cleaned_attributes["fit"] == f"sl{kept}im")
            )
