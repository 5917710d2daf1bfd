"""The attributes an item's mapped fields set are shared with the next item that maps the same texts for the same
product type (a catalog's constants, a family's values). The messages and notes are those of an encoder that makes
them again for every item, with and without definitions whose cut changes the entries."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.formats.json_listings import message_bytes
from tests.channels.amazon_reference import DEFINITIONS
from tests.sources.realdata import needs_realdata

pytestmark = needs_realdata

MAPPED = {
    "country_of_origin": st.sampled_from(["CN", "DE"]),
    "item_type_keyword": st.sampled_from(["lamps", "apparel"]),
    "batteries_required": st.sampled_from(["false", "true", False, True, 1]),  # True == 1: told apart
    "number_of_items": st.sampled_from(["1", "2", 2, "0.5", "1e-7"]),
    "item_package_dimensions__height__value": st.sampled_from(["10", "2.5"]),
    "item_package_dimensions__height__unit": st.just("centimeters"),
    "item_display_weight__value": st.sampled_from(["20", "1e-7", 0.5]),
    "item_display_weight__unit": st.sampled_from(["pounds", "grams"]),
    "item_display_weight__nope": st.just("cut"),  # no such part: a closed entry loses it to the definition's cut
    "size": st.just("M"),  # the encoder's own field, not mapped
    "not_an_attribute": st.just("x"),  # no product type has it: left out (AMZ018)
}


@st.composite
def items(draw: st.DrawFn, fields: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """An item of HOME or PRODUCT with some of ``fields`` (name -> strategy) and ``extra``'s values (None: left out)."""
    values: dict[str, Any] = {
        "sku": f"S{draw(st.integers(0, 5))}",
        "product_type": draw(st.sampled_from(["HOME", "PRODUCT"])),
        "item_name": "Lamp",
    }
    values.update((name, value) for name, strategy in extra.items() if (value := draw(strategy)) is not None)
    for name in draw(st.lists(st.sampled_from(sorted(fields)), unique=True, max_size=6)):
        values[name] = draw(fields[name])
    return values


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("defs")
    for name in ("HOME-us.json", "PRODUCT-us-2023.json"):
        shutil.copy(DEFINITIONS / name, folder / name)
    return folder


def _run(encoder: AmazonEncoder, batch: list[dict[str, Any]], *, fresh: bool) -> list[Any]:
    made = []
    for values in batch:
        if fresh:
            encoder._last_extras = (None, {}, True)
        messages = encoder.encode_values(dict(values))
        made.append(([(type(m).__name__, message_bytes(m)) for m in messages], list(encoder._notes)))
    return made


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batch=st.lists(
        items(MAPPED, {"brand": st.just("Acme"), "parent_sku": st.sampled_from([None, "G1", "G2"])}),
        min_size=1,
        max_size=8,
    ),
    with_definitions=st.booleans(),
)
@example(  # HOME has number_of_items, PRODUCT has not: PRODUCT's item places none
    batch=[
        {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "number_of_items": "2"},
        {"sku": "S2", "product_type": "PRODUCT", "item_name": "Lamp", "number_of_items": "2"},
    ],
    with_definitions=True,
)
@example(  # equal, yet written otherwise: true and 1
    batch=[
        {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "batteries_required": True},
        {"sku": "S2", "product_type": "HOME", "item_name": "Lamp", "batteries_required": 1},
    ],
    with_definitions=False,
)
def test_shared_mapped_attributes_write_what_fresh_ones_write(
    batch: list[dict[str, Any]], with_definitions: bool, definitions: Path
) -> None:
    settings_ = {"seller_id": "A1", "marketplace": "US"}
    if with_definitions:
        settings_["definitions"] = str(definitions)
    assert _run(AmazonEncoder(settings_), batch, fresh=False) == _run(AmazonEncoder(settings_), batch, fresh=True)


def test_the_next_item_with_the_same_texts_shares_the_entries(definitions: Path) -> None:
    """Two variants that map the same texts carry the same entries (made once); a third with another text, its own."""
    encoder = AmazonEncoder({"seller_id": "A1", "marketplace": "US", "definitions": str(definitions)})
    base = {"product_type": "HOME", "item_name": "Lamp", "brand": "Acme", "country_of_origin": "CN"}
    first, second, third = (
        encoder.encode_values({**base, "sku": sku, **change})[-1]["attributes"]["country_of_origin"]
        for sku, change in (("A", {}), ("B", {}), ("C", {"country_of_origin": "DE"}))
    )
    assert first is second and first == [{"value": "CN", "marketplace_id": "ATVPDKIKX0DER"}]
    assert third is not first and third[0]["value"] == "DE"


CHECKED = {
    "supplier_declared_dg_hz_regulation": st.sampled_from(["not_applicable", "none", "ghs"]),  # an enum
    "manufacturer": st.just("Acme"),  # HOME has it, PRODUCT has not: told once (AMZ018)
    "batteries_required": st.sampled_from(["false", False, 0]),  # not texts: no enum to be outside of
}


def _findings(encoder: AmazonEncoder, batch: list[dict[str, Any]], *, fresh: bool) -> list[Any]:
    told = []
    for values in batch:
        if fresh:
            encoder._checker._clean = None
        item = SimpleNamespace(values=dict(values), id=values["sku"], product=SimpleNamespace(source=None), origins={})
        messages = encoder.encode_values(item.values)
        found = encoder._checker._mapped(item, messages[-1], "amazon")  # type: ignore[arg-type]
        told.append(([(d.code, d.product_id, d.field, d.value, d.message) for d in found[0]], sorted(found[1])))
    return told


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(  # now and then an offer-only message: its offer attributes only
    batch=st.lists(items(CHECKED, {"asin": st.sampled_from([None] * 5 + ["B000000000"])}), min_size=1, max_size=8)
)
@example(  # False == 0, and one is allowed where the other may not be: told apart
    batch=[
        {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "batteries_required": False},
        {"sku": "S2", "product_type": "HOME", "item_name": "Lamp", "batteries_required": 0},
    ]
)
@example(  # outside the enum twice: told for each (a finding is never remembered as clean)
    batch=[
        {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "supplier_declared_dg_hz_regulation": "none"},
        {"sku": "S2", "product_type": "HOME", "item_name": "Lamp", "supplier_declared_dg_hz_regulation": "none"},
    ]
)
@example(  # clean for HOME, lacking for PRODUCT
    batch=[
        {"sku": "S1", "product_type": "HOME", "item_name": "Lamp", "manufacturer": "Acme"},
        {"sku": "S2", "product_type": "PRODUCT", "item_name": "Lamp", "manufacturer": "Acme"},
    ]
)
def test_a_clean_item_s_mapped_fields_spare_the_next_s_checks_with_the_same_findings(
    batch: list[dict[str, Any]], definitions: Path
) -> None:
    """The mapped fields' findings (AMZ017, AMZ018) of items checked after one found clean with the same texts are
    those of items each checked from scratch."""
    settings_ = {"seller_id": "A1", "marketplace": "US", "definitions": str(definitions)}
    assert _findings(AmazonEncoder(settings_), batch, fresh=False) == _findings(
        AmazonEncoder(settings_), batch, fresh=True
    )


OFFERED = {
    "price": st.sampled_from(["10.00", "12.5", "0", "1e-7", 10]),  # a number, not a text: made for its message
    "sale_price": st.sampled_from(["8.00", "9"]),
    "sale_start": st.just("2026-01-01T00:00:00+01:00"),
    "sale_end": st.just("2026-02-01T00:00:00+01:00"),
    "quantity": st.sampled_from(["3", "0", "-2", 4]),
    "condition": st.sampled_from(["new", "used", "refurbished"]),
    "currency": st.sampled_from(["USD", "EUR"]),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batch=st.lists(items(OFFERED, {"parent_sku": st.sampled_from([None, "G1"])}), min_size=1, max_size=8),
    with_definitions=st.booleans(),
    shipping=st.booleans(),
)
@example(  # PRODUCT's definition cuts the offer's audience: HOME's offer keeps it after a PRODUCT item of its price
    batch=[
        {"sku": f"S{n}", "product_type": kind, "item_name": "Lamp", "price": "10.00", "quantity": "3"}
        for n, kind in enumerate(["HOME", "PRODUCT", "HOME"])
    ],
    with_definitions=True,
    shipping=True,
)
def test_shared_offer_entries_write_what_fresh_ones_write(
    batch: list[dict[str, Any]], with_definitions: bool, shipping: bool, definitions: Path
) -> None:
    """The offer's, list price's, stock's, condition's and shipping group's entries are shared by the messages of a
    product type (each product type with a definition cuts them in place, alike for each of its messages): the
    messages and notes are those of an encoder that makes them again for every item."""
    from feedsync.channels.amazon.offers import Offers
    from feedsync.channels.amazon.transform import _room

    settings_: dict[str, Any] = {"seller_id": "A1", "marketplace": "US"}
    if with_definitions:
        settings_["definitions"] = str(definitions)
    if shipping:
        settings_["merchant_shipping_group"] = "legacy-template-id"
    shared, fresh = AmazonEncoder(settings_), AmazonEncoder(settings_)
    made: dict[str, list[Any]] = {"shared": [], "fresh": []}
    for values in batch:
        fresh._offers = Offers(fresh.settings, _room)
        for name, encoder in (("shared", shared), ("fresh", fresh)):
            messages = encoder.encode_values(dict(values))
            made[name].append(([(type(m).__name__, message_bytes(m)) for m in messages], list(encoder._notes)))
    assert made["shared"] == made["fresh"]


def test_the_messages_of_a_product_type_share_their_offer_entries(definitions: Path) -> None:
    """Two HOME variants of the same price and stock carry the same entries; a PRODUCT one, whose definition cuts
    them otherwise (PRODUCT's 2023 offer has no audience), entries of its own."""
    encoder = AmazonEncoder({"seller_id": "A1", "marketplace": "US", "definitions": str(definitions)})
    base = {"item_name": "Lamp", "brand": "Acme", "price": "10.00", "quantity": "3"}
    home, again, product = (
        encoder.encode_values({**base, "sku": sku, "product_type": kind})[-1]["attributes"]
        for sku, kind in (("A", "HOME"), ("B", "HOME"), ("C", "PRODUCT"))
    )
    for name in ("purchasable_offer", "list_price", "fulfillment_availability", "condition_type"):
        assert home[name] is again[name]
        assert product[name] is not home[name]
    assert "audience" in home["purchasable_offer"][0] and "audience" not in product["purchasable_offer"][0]


OWN_TEXTS = {
    "brand": st.sampled_from(["Acme", "Bolt"]),
    "color": st.sampled_from(["Red", "Blue"]),
    "size": st.sampled_from(["M", "L"]),  # PRODUCT has no size: cut, and told (AMZ018) once
    "material": st.sampled_from(["Cotton", "Wool"]),  # nor material
    "pattern": st.just("Plain"),
    "product_description": st.sampled_from(["Soft", "Warm"]),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    batch=st.lists(items(OWN_TEXTS, {"parent_sku": st.sampled_from([None, "G1"])}), min_size=1, max_size=8),
    with_definitions=st.booleans(),
)
def test_an_attribute_a_definition_lacks_is_not_made_again_and_the_messages_are_the_same(
    batch: list[dict[str, Any]], with_definitions: bool, definitions: Path
) -> None:
    """Once the cut has removed a text attribute of the encoder's own that a product type's definition lacks, the
    encoder does not make it for that product type again: its messages and notes are those of an encoder that
    makes it, and has it cut, for every item."""
    settings_ = {"seller_id": "A1", "marketplace": "US"}
    if with_definitions:
        settings_["definitions"] = str(definitions)
    remembering, forgetting = AmazonEncoder(settings_), AmazonEncoder(settings_)
    for values in batch:
        forgetting._lacks = {}
        made = [message_bytes(m) for m in remembering.encode_values(dict(values))]
        assert made == [message_bytes(m) for m in forgetting.encode_values(dict(values))]
        assert remembering._notes == forgetting._notes
    if with_definitions and any(v["product_type"] == "PRODUCT" and "size" in v for v in batch):
        assert "size" in remembering._lacks["PRODUCT"]
