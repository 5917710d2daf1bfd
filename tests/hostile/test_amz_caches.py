"""The Amazon encoder keeps what is the same for every item of a product type (its definition's attributes, the
condition_type of a condition, the theme of some axes, where a mapped field goes) once per run. A catalog whose
product types and conditions are free text, one per row, keeps the caches bounded, and the messages stay the ones
an encoder made afresh for each item writes."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from feedsync.channels.amazon import transform
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.formats.json_listings import message_bytes
from tests.channels.amazon_reference import DEFINITIONS


def _values(n: int, product_type: str) -> dict[str, Any]:
    return {
        "sku": f"S{n}",
        "parent_sku": f"G{n % 3}",
        "product_type": product_type,
        "item_name": f"Lamp {n}",
        "brand": "Acme",
        "condition": f"used_{n}" if n % 2 else "new",
        "price": f"{n}.50",
        "currency": "USD",
        "quantity": str(n),
        "color": "Red" if n % 2 else "Blue",
        "weight_value": f"{n % 7}.5",
        "weight_unit": "kg" if n % 2 else "oz",
        "size": "L",
        "material": "Oak" if n % 4 else "Pine",
        "product_description": f"A lamp of family {n % 3}",  # kept from the previous variant when the same
        "bullet_point": ["Bright", f"Warm {n % 2}"] if n % 5 else "Bright",
        "country_of_origin": "CN",
        "item_package_dimensions__height__value": "10",
        "item_package_dimensions__height__unit": "centimeters",
    }


def _settings(tmp_path: Path) -> dict[str, Any]:
    (tmp_path / "defs").mkdir()
    shutil.copy(DEFINITIONS / "PRODUCT-us-2023.json", tmp_path / "defs" / "product.json")
    return {"seller_id": "A1", "marketplace": "US", "definitions": str(tmp_path / "defs")}


@pytest.mark.parametrize("with_definitions", [False, True])
def test_one_product_type_per_row_keeps_the_caches_bounded_and_the_messages_as_made_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_definitions: bool
) -> None:
    monkeypatch.setattr(transform, "_KEPT", 8)
    settings = _settings(tmp_path) if with_definitions else {"seller_id": "A1"}
    encoder = AmazonEncoder(settings)
    for n in range(60):
        # every third row is the defined PRODUCT type, the others a type of their own (no definition)
        values = _values(n, "PRODUCT" if n % 3 == 0 else f"TYPE_{n}")
        fresh = AmazonEncoder(settings)
        fresh._parents = encoder._parents.copy()  # the same parents written before
        expected = fresh.encode_values(values)
        assert encoder.encode_values(values) == expected, n
        offers = encoder._offers
        pools = list(encoder._pools.values())
        caches = [encoder._properties, encoder._themes, encoder._placements, encoder._weights, encoder._pools]
        caches += [offers._conditions, offers._offers, offers._quantities, *(p.themes for p in pools)]
        caches += [texts for pool in pools for texts in pool.texts.values()]
        for cache in caches:
            assert len(cache) <= 8
    used = [offers._conditions, offers._offers, offers._quantities, encoder._weights]
    assert all(used)  # the caches were used
    assert any(p.themes for p in pools) and any(p.texts["color"] for p in pools)
    assert any(p.texts["material"] for p in pools)


def test_a_definition_s_cut_changes_no_entry_another_message_shares(tmp_path: Path) -> None:
    """Entries are shared by the messages of a product type with a definition (and by those of every product type
    without one); a definition's cut (PRODUCT's offer has no ``audience``) changes its entries in place, alike for
    each of its messages: never an entry a message of another product type (or one written before) carries."""
    settings = {**_settings(tmp_path), "merchant_shipping_group": "legacy-template-id"}
    encoder = AmazonEncoder(settings)
    written: list[tuple[Any, bytes]] = []
    for n in range(8):
        values = {**_values(n, "PRODUCT" if n % 2 else "OTHER"), "price": "19.99", "quantity": "3", "color": "Red"}
        values.update(sale_price="17.5", sale_start="2026-11-01T00:00:00+01:00", sale_end="2026-12-01T00:00:00+01:00")
        fresh = AmazonEncoder(settings)
        fresh._parents = encoder._parents.copy()
        messages = encoder.encode_values(values)
        assert messages == fresh.encode_values(values), n
        written += [(m, message_bytes(m)) for m in messages]
        offer = messages[-1]["attributes"]["purchasable_offer"][0]
        assert ("audience" in offer) is (n % 2 == 0), n
    assert [message_bytes(m) for m, _ in written] == [data for _, data in written]  # none changed since
    children = [m["attributes"] for m, _ in written if m["requirements"] == "LISTING"]
    product, other = children[1::2], children[0::2]
    for name in ("brand", "color", "parentage_level"):
        assert product[0][name] is product[-1][name] and other[0][name] is other[-1][name], name
        assert product[0][name] is not other[0][name], name  # each product type its own
