"""A Shopify export through the columnar gate (``Gate.take``: the reader offers each product, the gate makes those
whose variants its columns made whole) against the per-row engine: random exports (products over several rows,
image rows, drafts, options of no variant field, rows the reader tells of), the benchmark's export with Amazon's
definitions, in one process and split between processes, and real stores' exports write the same feeds byte for
byte, with the same findings in the same order and the same counts; the gate made most of the rows it could."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedsync.columnar.gate as gate_module
from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics import Report
from tests.channels.amazon_reference import DEFINITIONS
from tests.columnar.test_amazon import CATEGORIES, MAPPED
from tests.columnar.test_gate import assert_alike, gates_opened
from tests.columnar.test_gate_shares import _gated, _surveyed_per_row, split_run
from tests.columnar.test_shopify import GENERATOR, HEADER, exports
from tests.conftest import write_config
from tests.sources.realdata import REALDATA


def _config(
    directory: Path, path: str = "products.csv", *, definitions: bool = False, mapped: bool = True, amazon: bool = True
) -> Path:
    """Google's, Meta's and (``amazon``) Amazon's channels; Google's and Meta's without a category map unless
    ``mapped`` (a real store's product types are not the map's: an item of a type the map lacks is made per row)."""
    (directory / "categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    folder = f", definitions: {DEFINITIONS}" if definitions else ""
    categories = ", category_map: categories.yaml" if mapped else ""
    text = (
        f"source:\n  path: {path}\n  format: shopify\n  currency: USD\n  base_url: https://shop.example.com\n"
        "channels:\n"
        f"  google_merchant: {{profile: google_merchant{categories}}}\n"
        f"  facebook: {{profile: facebook{categories}}}\n"
    )
    if amazon:
        text += (
            "  amazon:\n    profile: amazon\n    category_map: categories.yaml\n"
            f"    settings: {{seller_id: A2GATE0000001, merchant_shipping_group: tmpl, max_messages: 70{folder}}}\n"
            f"{MAPPED}"
        )
    return write_config(directory, text)


def _run(config: Path, out: Path, *, columnar: bool, chunk: int) -> tuple[Report, dict[str, bytes], int]:
    """A build in one process (the gate opened whatever the export's size, its batches of about ``chunk`` bytes, or
    never): its report, the bytes of its documents and the variants the gate took (-1: no gate)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gate_module, "MIN_BYTES", 0 if columnar else 1 << 62)
        patch.setattr(gate_module, "EXPORT_CHUNK", chunk)
        made = gates_opened(patch)
        report = pipeline.run(load_config(config), "build", jobs=1, record_items=True, out_dir=out, validate=True)
    documents = {
        path.name: path.read_bytes()
        for result in report.channels.values()
        for path in ([result.output] if result.output else []) + list(result.parts)
    }
    return report, documents, made[0].replayed if made else -1


def same(directory: Path, config: Path, *, chunk: int = 2048) -> int:
    """Build the export both ways and assert the outputs equal; the variants the gate took."""
    columnar, documents, taken = _run(config, directory / "columnar", columnar=True, chunk=chunk)
    per_row, expected, none = _run(config, directory / "per-row", columnar=False, chunk=chunk)
    assert none == -1 and taken >= 0
    assert_alike(columnar, documents, per_row, expected)
    return taken


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=8, deadline=None)
@given(st.lists(exports(), min_size=1, max_size=4), st.sampled_from([512, 4096]), st.booleans())
def test_random_exports_are_built_alike(
    tmp_path_factory: Any, parts: list[list[dict[str, str]]], chunk: int, amazon: bool
) -> None:
    directory = tmp_path_factory.mktemp("export")
    rows = []
    for number, part in enumerate(parts):  # (each part's handles its own, but for a handle again on purpose)
        rows += [row | ({"Handle": f"{row['Handle']}-{number}"} if row.get("Handle") else {}) for row in part]
    _write(directory / "products.csv", rows)
    same(directory, _config(directory, mapped=False, amazon=amazon), chunk=chunk)


def _benchmark_export(directory: Path, count: int) -> Path:
    """The benchmark's catalog as a Shopify export, with its config (its three channels, Amazon's with PRODUCT's
    definition): the config's path."""
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(count, directory, "shopify")  # type: ignore[no-any-return]


@pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")
def test_the_benchmarks_export_is_built_alike_and_a_column_at_a_time(tmp_path: Path) -> None:
    config = _benchmark_export(tmp_path / "export", 600)
    assert "definitions: amazon_definitions" in config.read_text()
    taken = same(tmp_path, config, chunk=8192)
    assert taken >= 590  # of 600 (a product after one made per row at a batch's end is made per row)


@pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")
def test_an_export_split_between_processes_is_built_alike_each_share_a_column_at_a_time(tmp_path: Path) -> None:
    config = _benchmark_export(tmp_path, 900)
    events = split_run(config.parent, jobs=2, chunk=8192)
    gated = _gated(events)
    assert len(gated) == 2 and sum(gated) >= 880, gated
    assert not _surveyed_per_row(events)  # each batch's families told to Amazon's survey from its columns


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
def test_real_stores_exports_are_built_alike(tmp_path: Path) -> None:
    taken = {}
    for path in sorted(p for p in REALDATA.glob("shopify/*.csv") if "orders" not in p.name):
        directory = tmp_path / path.stem
        directory.mkdir()
        taken[path.name] = same(directory, _config(directory, str(path), mapped=False, amazon=False), chunk=16384)
    assert taken["shopifypartners-apparel.csv"] == 22  # every variant
    assert taken["bilalithelabel-products_export.csv"] >= 124  # of 130 (its variants share their product's SKU)
    assert taken["rosarose-products_export_1.csv"] >= 1150  # of 1,477 (its options of no variant field too)
    assert sum(taken.values()) >= 1400  # of 1,752 (most of the rest: rosarose's drafts)


def test_a_template_reading_whether_stock_is_tracked_reads_each_variants(tmp_path: Path) -> None:
    """``inventory_tracked`` is a column of an export's variants (a native catalog's products never say it): a
    template reads each one's, and Amazon's AMZ012 is told of the untracked ones sent without a quantity."""
    tee = {"Handle": "tee", "Title": "Tee", "Status": "active", "Option1 Name": "Size", "Option1 Value": "S",
           "Variant SKU": "T-S", "Variant Price": "19.99", "Variant Inventory Tracker": "shopify",
           "Variant Inventory Qty": "3", "Image Src": "https://cdn.example.com/a.jpg", "Vendor": "Acme",
           "Variant Barcode": "4006381333931", "Type": "Men > Tops", "Google Shopping / Gender": "male",
           "Google Shopping / Age Group": "adult", "Google Shopping / Condition": "new"}  # fmt: skip
    rows = [tee, tee | {"Option1 Value": "M", "Variant SKU": "T-M", "Variant Inventory Tracker": ""}]
    rows += [row | {"Handle": "cap", "Variant SKU": f"C-{n}"} for n, row in enumerate(rows)]
    _write(tmp_path / "products.csv", rows)
    config = _config(tmp_path)
    text = config.read_text().replace(
        "  facebook: {profile: facebook, category_map: categories.yaml}\n",
        "  facebook:\n    profile: facebook\n    category_map: categories.yaml\n    fields:\n"
        "      custom_label_4: \"{{ 'tracked' if inventory_tracked else 'untracked' }}\"\n",
    )
    config.write_text(text, encoding="utf-8")
    taken = same(tmp_path, config)
    feed = (tmp_path / "columnar" / "facebook.csv").read_text(encoding="utf-8")
    assert feed.count(",tracked") == 2 and feed.count(",untracked") == 2, feed
    assert taken == 2  # the cap's two, its untracked one too (the run's first family is made per row)


@pytest.mark.skipif(not DEFINITIONS.is_dir(), reason="../shared is not beside the project")
def test_a_piece_that_may_end_within_a_product_is_surveyed_per_row(tmp_path: Path) -> None:
    """A record with a quoted cell past the header's (a line feed in it) leaves its piece's records not the lines
    Polars writes: the piece may end within a product, whose variants' columns then lack the rest of it. Amazon's
    survey is told that share's rows per row from there (a family theme of half a product would be wrong)."""
    config = _benchmark_export(tmp_path, 900)
    export = config.parent / "products_export.csv"
    lines = export.read_text(encoding="utf-8").split("\n")
    at = next(
        n for n, line in enumerate(lines) if line.startswith(("product-89,", "product-0089,")) or "SKU-0000551" in line
    )
    lines[at] += ',"x\ny"'
    export.write_text("\n".join(lines), encoding="utf-8")
    events = split_run(config.parent, jobs=2, chunk=8192)  # (asserts the split run made what one process makes)
    assert _surveyed_per_row(events)


def test_an_export_without_a_tracker_column_says_nothing_of_tracking(tmp_path: Path) -> None:
    """Without the tracker column, no variant says whether its stock is tracked (None): a field of it has no value,
    as per row (the columns once wrote "no")."""
    tee = {"Handle": "tee", "Title": "Tee", "Status": "active", "Option1 Name": "Size", "Option1 Value": "S",
           "Variant SKU": "T-S", "Variant Price": "19.99", "Image Src": "https://cdn.example.com/a.jpg"}  # fmt: skip
    rows = [tee | {"Handle": f"h{n}", "Variant SKU": f"T-{n}"} for n in range(6)]
    with (tmp_path / "products.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[name for name in HEADER if name != "Variant Inventory Tracker"])
        writer.writeheader()
        writer.writerows(rows)
    config = _config(tmp_path, mapped=False, amazon=False)
    text = config.read_text().replace(
        "  facebook: {profile: facebook}\n",
        "  facebook:\n    profile: facebook\n    fields: {custom_label_4: {value: inventory_tracked}}\n",
    )
    config.write_text(text, encoding="utf-8")
    assert same(tmp_path, config) == 5  # (the first item lacking what a channel requires is made per row: its tally)
    feed = (tmp_path / "columnar" / "facebook.csv").read_text(encoding="utf-8")
    assert ",no" not in feed and ",yes" not in feed


def _engraved(directory: Path) -> None:
    """Two products whose variants an option of no variant field tells apart (Engraving: MDL016), and a third whose
    variants have one value of it (an attribute alone)."""
    tee = {"Handle": "tee", "Title": "Tee", "Status": "active", "Option1 Name": "Engraving", "Option1 Value": "Love",
           "Option2 Name": "Size", "Option2 Value": "S", "Variant SKU": "T-1", "Variant Price": "19.99",
           "Image Src": "https://cdn.example.com/a.jpg", "Vendor": "Acme", "Variant Barcode": "4006381333931",
           "Type": "Shirts", "Google Shopping / Condition": "new"}  # fmt: skip
    rows = [tee, tee | {"Option1 Value": "Hope, faith", "Variant SKU": "T-2", "Variant Barcode": "4006381333948"}]
    rows += [row | {"Handle": "cap", "Variant SKU": f"C-{n}", "Variant Barcode": ""} for n, row in enumerate(rows)]
    rows += [row | {"Handle": "mug", "Variant SKU": f"M-{n}", "Option1 Value": "Joy", "Option2 Value": f"{n}"}
             for n, row in enumerate(rows[:2])]  # fmt: skip
    _write(directory / "products.csv", rows)


def test_options_of_no_variant_field_are_made_a_column_at_a_time(tmp_path: Path) -> None:
    """A variant option (an option of no variant field whose values differ) is named in Google's title and Meta's
    variant attributes a column at a time, told of once (MDL016) where the reader tells it."""
    _engraved(tmp_path)
    config = _config(tmp_path, mapped=False, amazon=False)
    assert same(tmp_path, config) == 6  # every variant
    google = (tmp_path / "columnar" / "google_merchant.xml").read_text(encoding="utf-8")
    assert google.count("<g:title>Tee - S - Hope, faith</g:title>") == 2 and "<g:title>Tee - 0</g:title>" in google
    facebook = (tmp_path / "columnar" / "facebook.csv").read_text(encoding="utf-8")
    assert facebook.count("Engraving:Hope faith") == 2 and "Engraving:Joy" not in facebook


@pytest.mark.parametrize(
    ("setting", "taken"),
    [
        # an attribute asked of by name: those rows per row
        ("fields: {custom_label_4: \"{{ attributes.get('Engraving') or '' }}\"}", 0),
        # variant options read otherwise: a row with one per row
        ("fields: {custom_label_4: \"{{ 'options' if variant_options else 'none' }}\"}", 2),
        # names no option has (not a text): every variant taken
        ("fields: {custom_label_4: \"{{ attributes.get(1) or '' }}\"}", 6),
        ("settings: {variant_attributes: [1, Size]}", 6),
        ("settings: {variant_attributes: [Engraving]}", 0),  # Meta's pairs name the option itself
    ],
)
def test_templates_reading_options_otherwise_leave_those_variants_per_row(
    tmp_path: Path, setting: str, taken: int
) -> None:
    _engraved(tmp_path)
    config = _config(tmp_path, mapped=False, amazon=False)
    text = config.read_text().replace(
        "  facebook: {profile: facebook}\n", f"  facebook:\n    profile: facebook\n    {setting}\n"
    )
    config.write_text(text, encoding="utf-8")
    assert same(tmp_path, config) == taken


def test_an_export_whose_column_comes_twice_is_made_per_row(tmp_path: Path) -> None:
    """Its reader reads the first non-empty value of the two columns (SRC002), which the columns do not: the gate
    stands aside, and the feeds are those made per row."""
    from tests.sources.test_duplicate_columns import _doubled

    _doubled(REALDATA / "shopify" / "shopifypartners-apparel.csv", "Variant Price", tmp_path / "products.csv")
    config = _config(tmp_path, mapped=False, amazon=False)
    columnar, documents, taken = _run(config, tmp_path / "columnar", columnar=True, chunk=16384)
    per_row, expected, _ = _run(config, tmp_path / "per-row", columnar=False, chunk=16384)
    assert taken == -1  # no gate
    assert_alike(columnar, documents, per_row, expected)
    assert [d.code for d in columnar.diagnostics].count("SRC002") == 1


def test_a_separator_in_an_option_meta_takes_no_escape_for_is_told_alike(tmp_path: Path) -> None:
    """Meta's additional_variant_attribute is ``Key:Value,Key2:Value2`` with no escape: a ':' or ',' in an option's
    name or value is sent as a space (as Meta's own WooCommerce plugin does), and each value so changed is told
    (META009), the same a column at a time as per row."""
    from tests.sources.test_variant_options import shopify

    rows = [("cake", "Cake", "Ratio", "2:1"), ("cake", "", "", "3:2, wide"), ("cake", "", "", "1 tier")]
    rows += [("pie", "Pie", "Size: EU", "40"), ("pie", "", "", "41")]
    (tmp_path / "products.csv").write_text(shopify(rows), encoding="utf-8")
    assert same(tmp_path, _config(tmp_path, mapped=False, amazon=False)) == 5  # every variant a column at a time
    report, _, _ = _run(tmp_path / "feedsync.yaml", tmp_path / "again", columnar=False, chunk=2048)
    told = [d for d in report.diagnostics if d.code == "META009"]
    assert sorted((d.product_id, d.value) for d in told) == [
        ("cake-2-1", "2:1"), ("cake-3-2-wide", "3:2, wide"), ("pie-40", "Size: EU")]  # fmt: skip
    assert [d.message.endswith("(2 item(s); the first: pie-40)") for d in told if d.value == "Size: EU"] == [True]
    meta = (tmp_path / "again" / "facebook.csv").read_text(encoding="utf-8")
    assert ",Ratio:2 1," in meta and ",Ratio:3 2 wide," in meta and ",Size EU:41," in meta
