"""The quick passes a column at a time against the channels' own: wherever the columnar pass is true of a row the
fields are exact for, the channel's ``screen.clean`` says True of the per-row values (so its rules find nothing
there); and on catalogs of common forms it is true of many rows, false of the rows with a bad GTIN, an unknown
category, a shouting or promotional title, a sale that is no reduction."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsync.channels.amazon import screen as amazon_screen
from feedsync.channels.amazon.rules import negative_quantity, prepare_item, undated_sale
from feedsync.channels.base import ChannelItem
from feedsync.channels.google import screen as google_screen
from feedsync.channels.meta import screen as meta_screen
from feedsync.channels.profile import compile_channels
from feedsync.columnar.channel import items
from feedsync.columnar.fields import Compiler, NotColumnar
from feedsync.columnar.screens import SCREENS, amazon_notes, gtin_ok
from feedsync.columnar.source import normalized
from feedsync.config import load_config
from feedsync.sources import open_source
from feedsync.sources.base import normalize_context
from tests.columnar.test_fields import _config, _write, catalog_row
from tests.columnar.test_source import BASELINE
from tests.conftest import DEMO

_PER_ROW = {"google": google_screen.clean, "meta": meta_screen.clean}
_TOPS = {"product_type": "Men > Tops", "google_product_category": ""}  # the map gives 212, apparel


def _catalog(directory: Path, batch: list[dict[str, str]]) -> tuple[Any, pl.DataFrame, dict[int, Any]]:
    """The rows written as a catalog: its config, its normalized columns (``exact`` among them) and the per-row
    reader's products by row."""
    _write(directory / "products.csv", batch)
    config = _config(directory, directory / "products.csv")
    raw = pl.read_csv(config.source.path, infer_schema=False)
    out, exact = normalized(raw.columns, normalize_context(config.source))
    frame = raw.select(exact=exact, **out)
    products = {product.source.row: product for product in open_source(config.source).products(lambda d: None)}
    return config, frame, products


def test_a_row_the_columnar_pass_clears_is_one_the_channels_pass_clears(tmp_path: Path) -> None:
    rng = random.Random(23)
    batch = [
        catalog_row(rng.choice) | {"google_product_category": rng.choice(["", "", "212", "Tee"])} for _ in range(300)
    ]
    batch[:0] = [
        BASELINE | _TOPS,
        BASELINE | _TOPS | {"gtin": "4006381333932"},  # a wrong check digit
        BASELINE | _TOPS | {"title": "BIG TEE FOR ALL"},
        BASELINE | _TOPS | {"title": "Tee - free shipping"},
        BASELINE | _TOPS | {"sale_price": "40", "price": "32.73"},
        BASELINE | _TOPS | {"color": ""},  # apparel wants a colour
    ]
    config, frame, products = _catalog(tmp_path, batch)
    cleared = {}
    for channel in compile_channels(config):
        if channel.spec.name not in _PER_ROW:  # (Amazon's below: its items are messages)
            continue
        made_of = items(channel, "USD")
        rows = made_of.compiler.run(frame).select(ok=made_of.exact, clean=made_of.cleared).to_dicts()
        for index, row in enumerate(rows):
            if row["ok"] and row["clean"]:
                view = channel.view(products[index + 2], None, lambda d: None)
                assert view is not None and channel.field_values is not None
                assert _PER_ROW[channel.spec.name](channel.field_values(view)), (channel.name, index)
        cleared[channel.name] = [row["ok"] and row["clean"] for row in rows]
    google, facebook = cleared["google_merchant"], cleared["facebook"]
    assert google[:6] == [True, False, False, False, False, False]
    assert facebook[:2] == [True, False]
    assert sum(google) > 30 and sum(facebook) > 30  # of the 80-odd rows whose fields are exact


def test_what_the_rules_find_alone_is_what_they_find(tmp_path: Path) -> None:
    """Where the columnar pass says what Google's or Meta's rules find alone in an exact item (``Items.alone``: a
    GTIN of digits that is not one; of Google's, the findings of its prices and of the attributes its apparel
    category needs), the rules find exactly that: the GTIN's one finding, or those findings (code, attribute,
    value, message) in their order. And it says so of many rows of each kind."""
    from feedsync.channels.google import rules as google_rules
    from feedsync.channels.meta import rules as meta_rules
    from feedsync.columnar.screens import FOUND, findings_of

    rules = {"google": google_rules.check_item, "meta": meta_rules.check_item}
    rng = random.Random(31)
    batch = []
    for _ in range(500):
        row = catalog_row(rng.choice)
        row["google_product_category"] = rng.choice(["", "1604", "188", "166", "Apparel & Accessories > Shoes", "632"])
        for name in ("color", "gender", "age_group", "size"):
            row[name] = rng.choice(["", row[name] or "x"]) if rng.random() < 0.4 else row[name]
        if rng.random() < 0.2:
            row["gtin"] = rng.choice(["4006381333932", "12345678", "0000000000000"])
        if rng.random() < 0.3:
            row["price"] = rng.choice(["0", "0.00", "-3", "12.50", "abc", "19.99 EUR", "1e3"])
        if rng.random() < 0.3:
            row["sale_price"] = rng.choice(["", "10", "40", "0", "12.50", "x"])
        batch.append(row)
    config, frame, products = _catalog(tmp_path, batch)
    told: Counter[str] = Counter()
    for channel in compile_channels(config):
        if channel.spec.name not in rules:
            continue
        made_of = items(channel, "USD")
        rows = made_of.compiler.run(frame).select(ok=made_of.exact, alone=made_of.alone).to_dicts()
        for index, row in enumerate(rows):
            if not row["ok"] or row["alone"] is None:
                continue
            view = channel.view(products[index + 2], None, lambda d: None)
            assert view is not None and channel.field_values is not None
            item = ChannelItem(products[index + 2].id, channel.field_values(view), products[index + 2])
            found = [(d.code, d.field, d.value, d.message) for d in rules[channel.spec.name](item, channel.name)]
            if row["alone"].startswith(FOUND):
                assert found == findings_of(row["alone"]), (index, row)
                told.update(code for code, *_ in found)
            else:
                gtin_code = {"google": "GMC008", "meta": "META007"}[channel.spec.name]
                assert [(code, field) for code, field, *_ in found] == [(gtin_code, "gtin")], (index, row)
                told["gtin"] += 1
    assert told["GMC011"] > 30 and told["GMC005"] > 15 and told["GMC006"] >= 3 and told["gtin"] > 10, told


@pytest.mark.parametrize(
    ("gtin", "valid"),
    [
        ("4006381333931", True),
        ("4006381333932", False),
        ("12345670", True),  # GTIN-8
        ("036000291452", True),  # GTIN-12
        ("10012345678902", True),  # GTIN-14
        ("0000000000000", False),
        ("4006381333931 ", False),  # the pass takes it; here it goes per row
        ("400638133393", False),
        ("٤٠٠٦٣٨١٣٣٣٩٣١", False),  # Arabic-Indic digits
    ],
)
def test_gtins_are_cleared_only_where_the_check_digits_are_right(gtin: str, valid: bool) -> None:
    made = pl.DataFrame({"g": [gtin]}).select(ok=gtin_ok(pl.col("g")))["ok"][0]
    assert made is valid


def test_a_channel_without_a_writer_of_lines_is_not_translated() -> None:
    config = load_config(DEMO / "feedsync.yaml")
    amazon = next(channel for channel in compile_channels(config) if channel.name == "amazon")
    with pytest.raises(NotColumnar, match="json_listings writer"):
        items(amazon, "USD")


def test_amazons_pass_and_notes_are_the_channels(tmp_path: Path) -> None:
    """Amazon's quick pass a column at a time: true only where ``amazon.screen.clean`` is, and true of many rows;
    its notes (``rules.prepare_item``: AMZ013, AMZ014) true exactly where the per-row notes tell something."""
    rng = random.Random(29)
    batch = [catalog_row(rng.choice) for _ in range(300)]
    for index, row in enumerate(batch):
        if index % 5 == 0:
            row["sale_price"], row["sale_price_effective_date"] = "10", rng.choice(["", "2026-11-27/2026-12-01"])
        if index % 7 == 0:
            row["gtin"] = rng.choice(["4006381333932", "036000291452", ""])
    batch[:0] = [
        BASELINE | _TOPS,
        BASELINE | _TOPS | {"gtin": "4006381333932"},
        BASELINE | _TOPS | {"brand": ""},
        BASELINE | _TOPS | {"id": "SKU-é"},  # Amazon takes printable ASCII only
        BASELINE | _TOPS | {"id": "S" * 41},  # and 40 characters at most
    ]
    config, frame, products = _catalog(tmp_path, batch)
    amazon = next(channel for channel in compile_channels(config) if channel.name == "amazon")
    compiler = Compiler(amazon, "USD")
    values = compiler.columns(compiler.fields())
    quantity = {"quantity": pl.when(pl.col("id") == "SKU-3").then(pl.lit("-2")).otherwise(values["quantity"])}
    clean = SCREENS["amazon"](values, compiler.lists, compiler.ask, compiler.let)  # its lets before the run
    negative, untracked, undated = amazon_notes(values | quantity)  # (a native catalog's stock: never untracked)
    made = compiler.run(frame).select(
        ok=pl.col("exact") & compiler.exact(),
        clean=clean,
        told=negative.is_not_null() | undated | untracked,
        negative=negative,
        undated=undated,
        quantity=quantity["quantity"],
    )
    cleared = told = 0
    for index, row in enumerate(made.to_dicts()):
        if not row["ok"]:
            continue
        view = amazon.view(products[index + 2], None, lambda d: None)
        assert view is not None and amazon.field_values is not None
        per_row = amazon.field_values(view)
        if row["quantity"] is not None:
            per_row["quantity"] = row["quantity"]
        if row["clean"]:
            assert amazon_screen.clean(per_row), index
            cleared += 1
        item = ChannelItem(id=products[index + 2].id, values=dict(per_row), product=products[index + 2])
        notes = prepare_item(item)
        assert row["told"] is bool(notes), (index, notes)
        made_notes = [negative_quantity(row["negative"])] if row["negative"] is not None else []
        made_notes += [undated_sale("")] if row["undated"] else []
        assert made_notes == notes, (index, notes)  # the gate's notes, made of the columns
        told += bool(notes)
    assert made["clean"][:5].to_list() == [True, False, False, False, False]
    assert cleared > 30 and told > 10, (cleared, told)


def test_what_amazons_rules_find_alone_is_what_they_find(tmp_path: Path) -> None:
    """Amazon's: where the columnar pass says what its rules find alone in a listing (a wrong GTIN of digits, or
    the fields a listing lacks: no product type, brand, name, price, image), the rules find exactly that, in order;
    and it says so of many rows."""
    from feedsync.channels.amazon.rules import check_item
    from feedsync.columnar.screens import FOUND, findings_of, quick_pass

    rng = random.Random(37)
    batch = [catalog_row(rng.choice) for _ in range(400)]
    for row in batch:
        for name in ("brand", "title", "image_link", "product_type"):
            if rng.random() < 0.15:
                row[name] = ""
        if rng.random() < 0.3:
            row["gtin"] = rng.choice(["4006381333932", "12345678"])
    config, frame, products = _catalog(tmp_path, batch)
    amazon = next(channel for channel in compile_channels(config) if channel.name == "amazon")
    compiler = Compiler(amazon, "USD")
    values = compiler.columns(compiler.fields())
    _, alone = quick_pass("amazon", values, compiler.lists, compiler.ask, compiler.let)
    made = compiler.run(frame).select(ok=pl.col("exact") & compiler.exact(), alone=alone)
    told: Counter[str] = Counter()
    for index, row in enumerate(made.to_dicts()):
        if not row["ok"] or row["alone"] is None:
            continue
        view = amazon.view(products[index + 2], None, lambda d: None)
        assert view is not None and amazon.field_values is not None
        item = ChannelItem(products[index + 2].id, amazon.field_values(view), products[index + 2])
        found = [(d.code, d.field, d.value, d.message) for d in check_item(item, "amazon")]
        if row["alone"].startswith(FOUND):
            assert found == findings_of(row["alone"]), (index, row)
            told.update(f"{code} {attr}" for code, attr, *_ in found)
        else:
            assert [(code, field) for code, field, *_ in found] == [("AMZ007", "gtin")], (index, row)
            told["gtin"] += 1
    assert min(told[k] for k in ("AMZ001 product_type", "AMZ003 brand", "AMZ006 main_image", "gtin")) > 5, told


_PHRASES = st.sampled_from(["free shipping", "FREE Delivery", "% off", "sale!", "Best price", "click", "here"])


@given(st.lists(st.one_of(st.text(max_size=30), _PHRASES, st.text(alphabet="ABCdefÉéß!% 1", max_size=12)), max_size=20))
def test_a_title_is_clean_a_column_at_a_time_as_per_row(titles: list[str]) -> None:
    """Google's title check (no shouting, no promotional phrase): an ASCII title's in Polars, any other's asked of
    Python, each as ``google.screen._title_clean`` says."""
    from feedsync.columnar.screens import _title_clean

    asked: list[str] = []

    def ask(e: pl.Expr, function: Any, dtype: pl.DataType) -> pl.Expr:
        return e.map_elements(lambda v: asked.append(v) or function(v), return_dtype=dtype)

    texts = [*titles, "BIG TEE FOR ALL", "Tee - FREE SHIPPING", "ÉCOLE DES BEAUX", "École"]
    made = pl.DataFrame({"t": texts}, schema={"t": pl.String}).select(ok=_title_clean(pl.col("t"), ask))["ok"]
    assert made.to_list() == [google_screen._title_clean(t) for t in texts]
    assert all(not t.isascii() for t in asked)  # the ASCII titles were not asked
