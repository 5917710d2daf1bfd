"""A catalog of hostile texts (every kind of whitespace, broken and nested HTML, case folding that changes length,
titles that name their colour in another case, long descriptions, variants sharing and not sharing their texts)
through the three channels: the generated fields (``lower``, ``select | join`` in one call, reused fields, values
printed by ``str``) give the per-field path's values for every item, in the order the stream gives them (each
product through every channel in turn). Both paths read the one table of collapsed texts: that table is checked
against collapsing without it in tests/channels/test_apply_fast_paths.py."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from feedsync.channels.templating import filters
from tests.channels.test_codegen import THREE_CHANNELS, compare_catalog
from tests.conftest import write_config

PIECES = [
    " ",
    "\t",
    "\u3000",
    "\xa0",
    "\u2028",
    "\x1c",
    "\x85",
    "<p>",
    "</p>",
    "<li>",
    "</li>",
    "<",
    ">",
    "&amp;",
    "&#x3C;",
    "ß",
    "SS",
    "İ",
    "ﬁ",
    "Navy",
    "navy",
    "Tee",
    "C++",
    "x" * 50,
]
COLUMNS = ["id", "group_id", "title", "description", "brand", "color", "size", "price", "availability", "weight"]


def _text(rng: random.Random, count: int) -> str:
    return "".join(rng.choice(PIECES) for _ in range(count))


def _catalog(path: Path, seed: int) -> None:
    rng = random.Random(seed)
    rows = []
    for product in range(60):
        title, description, brand = (
            _text(rng, 5),
            _text(rng, rng.randint(0, 40)),
            rng.choice(["", "navy", _text(rng, 2)]),
        )
        for variant in range(rng.randint(1, 5)):
            if rng.random() < 0.2:  # a variant with its own texts
                title, description = _text(rng, 4), _text(rng, 8)
            rows.append(
                {
                    "id": f"P{product}-{variant}",
                    "group_id": f"G{product}",
                    "title": title or "t",
                    "description": description,
                    "brand": brand,
                    "color": rng.choice(["", "Navy", "NAVY ", " ss", "İ", _text(rng, 2)]),
                    "size": rng.choice(["", "S", "Tee", "ﬁ"]),
                    "price": rng.choice(["9.99", "10", "0"]),
                    "availability": rng.choice(["in_stock", "out_of_stock", "preorder"]),
                    "weight": rng.choice(["", "1.5 kg", "300 g"]),
                }
            )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def test_hostile_texts_give_the_per_field_values(tmp_path: Path) -> None:
    compared = 0
    for seed in range(3):
        catalog = tmp_path / f"products{seed}.csv"
        _catalog(catalog, seed)
        folder = tmp_path / str(seed)
        folder.mkdir()
        compared += compare_catalog(write_config(folder, THREE_CHANNELS.format(path=catalog)))
    assert compared > 3 * 3 * 60


def test_hostile_texts_give_the_same_values_with_a_small_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table of collapsed texts emptied every few texts: the values are the same."""
    monkeypatch.setattr(filters, "_COLLAPSED_SIZE", 5)
    catalog = tmp_path / "products.csv"
    _catalog(catalog, 7)
    assert compare_catalog(write_config(tmp_path, THREE_CHANNELS.format(path=catalog))) > 3 * 60
