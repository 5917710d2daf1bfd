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
        for cache in (encoder._properties, encoder._conditions, encoder._themes, encoder._placements, encoder._weights):
            assert len(cache) <= 8
    assert encoder._conditions and encoder._weights  # the caches were used
