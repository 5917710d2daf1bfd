"""build / validate with the rows split over processes (``feedsync.rows``) write the feeds, findings and counts of
one process, byte for byte and in order; shares that were not independent fall back to one process, and what
cannot be split keeps the channel split, each with an event saying why."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from feedsync import pipeline, rows
from feedsync.channels.profile import compile_channels
from feedsync.config import load_config
from feedsync.rows.share import Share
from tests.rows_compare import build_both, files, row_events, write_config
from tests.sources.realdata import REALDATA

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size,product_type,sku\n"


def generate(count: int, out: Path, form: str = "native") -> Path:
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(count, out, form)  # type: ignore[no-any-return]


def row(number: int, group: str, *, id_: str | None = None, description: str = "Soft cotton", sku: str = "") -> str:
    quoted = description.replace('"', '""')
    return (
        f'{id_ or f"V{number}"},{group},Tee {number},"{quoted}",/p/{number},/i/{number}.jpg,{10 + number}.00,'
        f"in_stock,Acme,,{'Red' if number % 2 else 'Blue'},{'SML'[number % 3]},Tops,{sku or f'S{number}'}\n"
    )


def catalog(folder: Path, lines: list[str], **options: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "products.csv").write_text(HEADER + "".join(lines), encoding="utf-8")
    return write_config(folder, "products.csv", **options)  # type: ignore[arg-type]


def test_a_generated_catalog_split_in_three_shares_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_path = generate(600, tmp_path / "catalog")
    text = config_path.read_text(encoding="utf-8")  # Amazon's settings: a block with definitions, else one line
    text = text.replace("A2BENCH0001}", "A2BENCH0001, max_messages: 130}").replace(
        "      seller_id: A2BENCH0001\n", "      seller_id: A2BENCH0001\n      max_messages: 130\n"
    )
    config_path.write_text(text, encoding="utf-8")
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=3)
    assert events == [{"split": True, "shares": 3}]
    assert len(serial.channels["amazon"].parts) == 5  # amazon.2.json .. amazon.6.json: messages numbered again
    assert serial.diagnostics and serial.products < serial.variants == 600


@pytest.mark.parametrize(("count", "split"), [(2_100, True), (1_500, False)])
def test_a_small_catalog_is_split_by_default_from_a_thousand_rows_a_share(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int, split: bool
) -> None:
    """``--jobs 0`` splits the rows of a catalog of any size in bytes (this one: about 200 KB), as long as each share
    has ``rows.MIN_ROWS`` rows; the feeds are those of one process."""
    import os

    assert rows.MIN_ROWS == 1_000
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    config = load_config(catalog(tmp_path / "catalog", [row(n, f"G{n // 3}") for n in range(1, count + 1)]))
    assert config.source.path.stat().st_size < 4_000_000
    one = pipeline.run(config, "build", out_dir=tmp_path / "one", validate=True, jobs=1)
    with row_events() as events:
        cores = pipeline.run(config, "build", out_dir=tmp_path / "cores", validate=True, jobs=0)
    last = events.found[-1]
    if split:
        assert last == {"split": True, "shares": 2}
    else:
        assert last["split"] is False and "fewer than 1000 rows per process" in last["why"], last
    assert files(tmp_path / "one") == files(tmp_path / "cores") and cores.diagnostics == one.diagnostics
    assert cores.variants == one.variants == count


def test_validate_split_by_rows_finds_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(generate(400, tmp_path / "catalog"))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=2, command="validate")
    assert events == [{"split": True, "shares": 2}]
    assert any(d.code.startswith("GMC") for d in serial.diagnostics)


def test_values_over_several_lines_and_tallies_across_the_cuts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [
        row(n, f"G{n // 3}", description=f'=SUM({n})\nline "two"\r\nmore, more' if n % 4 else "plain")
        for n in range(1, 40)
    ]
    lines.insert(20, "\n")  # a blank record: counted in the row numbers
    config = load_config(catalog(tmp_path / "catalog", lines))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3)
    assert events == [{"split": True, "shares": 3}]
    assert any(d.code == "MDL014" for d in serial.diagnostics)  # one tally of formula-like values, of all shares


def test_a_quote_the_csv_module_reads_otherwise_falls_back_to_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [row(n, f"G{n}") for n in range(1, 40)]
    for number in (3, 8):  # a stray quote inside an unquoted value is a literal to csv; to the cut, a quoted value
        lines[number] = lines[number].replace(f"Tee {number + 1}", f'Tee "{number + 1}')
    config = load_config(catalog(tmp_path / "catalog", lines))
    _, _, events = build_both(config, tmp_path, monkeypatch, jobs=3)
    assert events[0]["split"] is False and "did not end where the cut was made" in events[0]["why"]


TOOK = "an id it took for an earlier share's is not one, or that product ignores findings"
"""Why a share that left a row out for an earlier share's id is made again (``rows.share.crossing``)."""


@pytest.mark.parametrize(
    ("case", "why"),
    [
        ("group", "amazon:channel.written_ids grew alike in two shares"),  # its parent is written once
        ("no product", TOOK),
    ],
)
def test_a_share_that_state_from_an_earlier_one_changes_is_made_again_from_that_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, why: str
) -> None:
    lines = [row(n, f"G{n // 2}") for n in range(1, 30)]
    if case == "group":  # a family whose variants are not together: some before the cut, one after
        lines[-1] = row(99, "G1")
    else:  # the id of a row of the first share that is no product (no price): the second share's row is kept
        lines[0] = lines[0].replace(",11.00,", ",,")
        lines[-1] = row(99, "G99", id_="V1")
    path = catalog(tmp_path / "catalog", lines)
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert len(events) == 1 and events[0]["split"] is True and why in events[0]["again"][0], events
    if case == "no product":  # told in the first share, not the second's MDL008
        assert [d.code for d in serial.diagnostics if d.code in ("MDL001", "MDL008")] == ["MDL001"]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_ids_of_an_earlier_share_are_left_out_where_one_process_leaves_them_and_no_share_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Shares made per row: ids of the first share's rows given again in the second (twice one of them, one with
    spaces around it) and in the third, and one of the second's in the third (quoted): each later row is left out as one
    process leaves it (MDL008 where one process tells it: ``build_both`` compares the feeds, the findings and the
    counts), and no share is made again."""
    lines = [row(n, f"G{n // 2}") for n in range(1, 61)]
    for number, earlier in {25: 2, 30: 2, 45: 9, 55: 35}.items():
        lines[number - 1] = row(number, f"G{number // 2}", id_=f"V{earlier}")
    lines[39] = row(40, "G20", id_=" V3 ")
    lines[54] = '"V35"' + lines[54][3:]  # (a quoted cell)
    path = catalog(tmp_path / "catalog", lines)
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=3, command=command)
    assert events == [{"split": True, "shares": 3}], events
    assert sum(d.code == "MDL008" for d in serial.diagnostics) == 5


def test_a_finding_of_a_later_row_that_an_earlier_product_ignores_is_dropped_as_one_process_drops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A product of the first share ignores MDL001 (``feedsync_ignore``); a row of a later share has its id and no
    price, so the reader refuses it (MDL001) and no product of it is made: one process drops that finding, as the
    earlier product's selection says, and so does the split run, made again from the first share's state (found by a
    review: it told the finding)."""
    lines = [row(n, f"G{n}") for n in range(1, 41)]
    lines[29] = row(30, "G30", id_="V5").replace(",40.00,", ",,")
    lines = [line.replace("\n", ",MDL001\n" if n == 5 else ",\n") for n, line in enumerate(lines, start=1)]
    folder = tmp_path / "catalog"
    path = catalog(folder, lines)
    (folder / "products.csv").write_text(HEADER.replace("\n", ",feedsync_ignore\n") + "".join(lines))
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2, command="validate")
    assert events[0]["split"] and events[0]["again"] == ["a product before it ignores a finding it told"], events
    assert not [d for d in serial.diagnostics if d.code == "MDL001"]


def test_a_line_that_reads_as_an_earlier_id_costs_time_not_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value over several lines in the first share, one of whose lines begins as a row of the second share's id:
    the second share takes that id for an earlier share's and leaves its row out, then is made again from the first
    share's state (which has no such product), and keeps the row as one process does (``build_both`` compares)."""
    lines = [row(n, f"G{n // 2}") for n in range(1, 41)]
    lines[4] = row(5, "G2", description="Soft\nV30,cotton")
    path = catalog(tmp_path / "catalog", lines)
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events[0]["split"] and events[0]["again"] == [TOOK], events
    assert not [d for d in serial.diagnostics if d.code == "MDL008"]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_product_group_in_two_shares_is_counted_once_and_no_share_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Rows of a product group that come back in the later shares (Google and Meta: nothing a share makes depends
    on the groups read before it): the run counts each group once, as one process counts them, and no share is made
    again (once, each share after the first was, only to count them)."""
    groups = [f"G{n // 2}" for n in range(1, 61)]
    groups[30] = groups[58] = "G1"  # back in the second share and the third
    groups[45] = "G20"  # back in the third
    lines = [row(n, group) for n, group in enumerate(groups, start=1)]
    path = catalog(tmp_path / "catalog", lines)
    channels = "channels:\n  google: {profile: google_merchant}\n  facebook: {profile: facebook}\noutput_dir: out\n"
    path.write_text(path.read_text().split("channels:")[0] + channels)
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=3, command=command)
    assert events == [{"split": True, "shares": 3}], events
    assert serial.products == len(set(groups)) == 31


def test_a_share_made_again_keeps_to_what_the_products_before_it_ignore(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id of the first share read again in the second (MDL008, the second share made again from the first's
    state), whose first product ignores MDL008: told by neither run, as one process does not tell it."""
    lines = [row(n, f"G{n}", id_="V5" if n == 35 else None) for n in range(1, 41)]
    lines = [line.replace("\n", ",MDL008\n" if n == 5 else ",\n") for n, line in enumerate(lines, start=1)]
    folder = tmp_path / "catalog"
    path = catalog(folder, lines)
    (folder / "products.csv").write_text(HEADER.replace("\n", ",feedsync_ignore\n") + "".join(lines))
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2, command="validate")
    assert events[0]["split"] and TOOK in events[0]["again"][0], events
    assert not [d for d in serial.diagnostics if d.code == "MDL008"]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_sku_in_two_shares_is_told_where_one_process_tells_it_and_no_share_is_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """SKUs the shares before a share read too (MDL012, told of the later product): the merge puts each finding
    where one process tells it, among the share's own findings, a product's own ``feedsync_ignore`` kept to; the
    shares are not made again only to tell them. Three shares: a SKU of the first read again in the second and the
    third, one of the second in the third, one read twice within the third, and rows of other findings between."""
    skus = {30: "S1", 22: "S2", 55: "S2", 58: "S1", 59: "S59", 60: "S59", 48: "S3", 12: "S3"}
    ignored = {48}  # this product ignores MDL012: its finding is left out as one process leaves it out
    lines = []
    for n in range(1, 61):
        description = "=SUM(1)" if n % 7 == 0 else "Soft cotton"  # MDL014 between them (told once per run)
        line = row(n, f"G{n}", sku=skus.get(n, ""), description=description)
        lines.append(line.replace("\n", ",MDL012\n" if n in ignored else ",\n"))
    folder = tmp_path / "catalog"
    path = catalog(folder, lines)
    (folder / "products.csv").write_text(HEADER.replace("\n", ",feedsync_ignore\n") + "".join(lines))
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=3, command=command)
    assert events == [{"split": True, "shares": 3}], events
    told = [(d.product_id, d.value) for d in serial.diagnostics if d.code == "MDL012"]
    # (a row's own SKU is S<number> unless given: V12 shares V3's within the first share, V22 and V30 the first
    # share's in the second, V55 and V58 the first's in the third, V60 V59's within the third; V48 ignores it)
    expected = [("V12", "S3"), ("V22", "S2"), ("V30", "S1"), ("V55", "S2"), ("V58", "S1"), ("V60", "S59")]
    assert told == expected, told


def test_a_finding_told_once_per_run_is_told_once_of_all_shares(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [row(n, f"G{n}").replace(",Tops,", ",Unmapped > Type," if n % 2 else ",Other,") for n in range(1, 30)]
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "categories.yaml").write_text("- {product_type: Tops, google_product_category: 212}\n")
    path = catalog(tmp_path / "catalog", lines)
    config_text = "  google: {profile: google_merchant, category_map: categories.yaml}\n"
    path.write_text(path.read_text().replace("  google: {profile: google_merchant}\n", config_text))
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=3)
    assert events == [{"split": True, "shares": 3}]
    assert [d.value for d in serial.diagnostics if d.code == "CFG004"] == ["Unmapped > Type", "Other"]


def test_what_cannot_be_split_by_rows_keeps_the_channel_split(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = catalog(tmp_path / "catalog", [row(n, f"G{n}") for n in range(1, 12)])
    path.write_text(path.read_text().replace("source:\n", "source:\n  encoding: cp1252\n", 1))
    _, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events == [{"split": False, "why": "the source is read as cp1252"}]


def test_googles_tsv_feed_of_a_catalog_is_split_by_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Google's TSV waits for extra columns (a Google feed's own attributes) only where the source may carry them;
    a catalog's feed writes its header first, so its rows are split (they once were not)."""
    path = catalog(tmp_path / "catalog", [row(n, f"G{n}") for n in range(1, 12)])
    tsv = "google: {profile: google_merchant, format: tsv}"
    path.write_text(path.read_text().replace("google: {profile: google_merchant}", tsv))
    _, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events == [{"split": True, "shares": 2}]


def test_the_demo_split_by_rows_writes_what_one_process_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    demo = tmp_path / "demo"  # supplements, a local inventory feed (one item per store), Amazon definitions
    shutil.copytree(GENERATOR.parents[1] / "examples" / "demo", demo, ignore=shutil.ignore_patterns("expected", ".*"))
    _, _, events = build_both(load_config(demo / "feedsync.yaml"), tmp_path, monkeypatch, jobs=3)
    assert events == [{"split": True, "shares": 3}]


def _realdata() -> list[Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    try:
        from digest_outputs import catalogs
    finally:
        sys.path.pop(0)
    return catalogs()  # type: ignore[no-any-return]


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")
def test_every_real_catalog_is_split_by_rows_or_told_why_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    split = []
    for path in _realdata():
        folder = tmp_path / path.stem
        folder.mkdir()
        config = load_config(write_config(folder, str(path)))
        with row_events() as events:
            shares = rows.plan(config, compile_channels(config, None), 2)
        if shares:
            split.append(path.name)
            build_both(config, folder, monkeypatch, jobs=3)
        else:
            assert events.found and events.found[0]["split"] is False
    shopify = [path.name for path in _realdata() if path.parent.name == "shopify"]
    assert len(shopify) == 10  # the Shopify product exports: a product's rows share a handle; cut between handles
    woocommerce = [  # cut where Parent changes; the importer's 7-row samples have no cut, tgmodz's values hold CRs
        "artur8800-wc-product-export-ru-localized.csv",
        "classiccommerce-sample_products.csv",
        "vinoteka15milja-woocommerce-products-merchant-generated.csv",
        "woocommerce-experimental_fashion_sample_9_products.csv",
        "woocommerce-importer-test-sample_update_product.csv",
        "woocommerce-sample_products-2018.csv",
    ]
    magento = [  # cut after a family's parent; the store views' sample (4 rows, one family) has no cut
        "firebear-product_all_types.csv",
        "magento2-sample-data-ConfigurableSampleData-products.csv",
        "magento2-test-products_to_import_with_non_latin_url_keys.csv",
    ]
    assert split == [*shopify, *woocommerce, *magento]  # (PrestaShop's import files are no catalog: refused)


def test_a_share_that_meets_a_source_error_leaves_the_error_to_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [row(n, f"G{n}") for n in range(1, 20)] + ['V99,G99,"never closed\n']
    config = load_config(catalog(tmp_path / "catalog", lines))
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    from feedsync.errors import SourceError

    with row_events() as events, pytest.raises(SourceError, match="never closed"):
        pipeline.run(config, "build", jobs=2)
    assert events.found[0]["split"] is False and "a share met an error" in events.found[0]["why"]
    assert not (tmp_path / "catalog" / "out" / "google.xml").exists()


def test_a_file_not_in_utf8_or_with_lone_crs_is_read_by_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [row(n, f"G{n}", description="Café" if n == 25 else "Soft") for n in range(1, 30)]
    path = catalog(tmp_path / "latin", lines)
    (tmp_path / "latin" / "products.csv").write_bytes(HEADER.encode() + "".join(lines).encode("cp1252"))
    serial, _, events = build_both(load_config(path), tmp_path / "latin", monkeypatch, jobs=2)
    assert events[0]["split"] is False and "a share met an error" in events[0]["why"]
    assert [d.code for d in serial.diagnostics if d.code.startswith("SRC")] == ["SRC003"]
    lines[3] = lines[3].replace("\n", "\r")  # a row ended by a CR alone: a line to the csv module
    path = catalog(tmp_path / "cr", lines)
    _, _, events = build_both(load_config(path), tmp_path / "cr", monkeypatch, jobs=2)
    assert events[0]["split"] is False and "CRs" in events[0]["why"]


def test_a_finding_of_the_whole_run_keeps_to_what_its_product_ignores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [row(n, f"G{n}", description="=SUM(1)" if n in (1, 2, 28) else "Soft") for n in range(1, 30)]
    lines = [line.replace("\n", ",MDL014\n" if number == 0 else ",\n") for number, line in enumerate(lines)]
    folder = tmp_path / "catalog"
    path = catalog(folder, lines)
    (folder / "products.csv").write_text(HEADER.replace("\n", ",feedsync_ignore\n") + "".join(lines))
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events == [{"split": True, "shares": 2}]
    assert not [d for d in serial.diagnostics if d.code == "MDL014"]  # told of V1 first, which ignores it


def test_the_shares_are_forked_with_the_objects_before_them_frozen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from feedsync.rows import child

    config = catalog(tmp_path / "c", [row(n, f"G{n // 3}") for n in range(60)])
    frozen: list[int] = []
    start = child.start

    def counting(index: int) -> child.Child:
        frozen.append(gc.get_freeze_count())
        return start(index)

    monkeypatch.setattr(child, "start", counting)
    _, _, events = build_both(load_config(config), tmp_path, monkeypatch, jobs=2)
    assert events == [{"split": True, "shares": 2}]
    assert frozen and all(count > 1000 for count in frozen)  # a child's collections leave the parent's pages alone
    assert gc.get_freeze_count() == 0


def test_the_merge_and_the_stitch_hold_none_of_the_shares_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the ids, trackers and grown sets of every share are let go once the shares are checked against each other (a
    # million variants' ids are megabytes a share); the once-per-run sets the merge reads stay, and the run is the
    # one process's (an id of the first share again in the second, CFG004 told once of all shares)
    from feedsync.rows import merge as merging
    from feedsync.rows.share import TOLD_ONCE

    lines = [row(n, f"G{n}").replace(",Tops,", ",Unmapped > Type," if n % 2 else ",Tops,") for n in range(1, 30)]
    lines[-1] = row(99, "G99", id_="V1")
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "categories.yaml").write_text("- {product_type: Tops, google_product_category: 212}\n")
    path = catalog(tmp_path / "catalog", lines)
    config_text = "  google: {profile: google_merchant, category_map: categories.yaml}\n"
    path.write_text(path.read_text().replace("  google: {profile: google_merchant}\n", config_text))
    held: list[tuple[int, set[str]]] = []
    real = merging.merge

    def merge(stream: object, source: object, compiled: object, made: list[Share], *, check: bool) -> None:
        held.extend((sum(map(len, share.ids)) + len(share.trackers), set(share.told)) for share in made)
        real(stream, source, compiled, made, check=check)  # type: ignore[arg-type]

    monkeypatch.setattr(merging, "merge", merge)
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events[0]["split"] is True and len(held) == 2
    assert all(count == 0 and all(key.split(":", 1)[1] in TOLD_ONCE for key in told) for count, told in held)
    assert any(told for _, told in held)
    assert [d.value for d in serial.diagnostics if d.code == "CFG004"] == ["Unmapped > Type"]
    assert any(d.code == "MDL008" for d in serial.diagnostics)


def _edited_catalog(tmp: Path, edit: Callable[[list[dict[str, str]]], object]) -> tuple[Path, list[dict[str, str]]]:
    """The benchmark's catalog of 400 variants, checked against Amazon's PRODUCT definition, its records edited."""
    if not (REALDATA / "amazon" / "product_types" / "PRODUCT-us-2023.json").exists():
        pytest.skip("../shared is absent: the benchmark's catalog has no definition to be checked against")
    import csv

    config_path = generate(400, tmp / "catalog")
    source = config_path.parent / "products.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    edit(records)
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    return config_path, records


def test_notes_of_attributes_a_definition_lacks_are_merged_not_made_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Amazon's PRODUCT definition has no ``size`` or ``material``: each is told once per run (AMZ018). The first
    share meets only ``size`` (the first 300 of 400 rows have no material; the cut is near the middle), the second
    meets both: the merge leaves out the second
    share's ``size`` note and keeps its ``material`` one, as one process tells them, and no share is made again."""
    config_path, _ = _edited_catalog(tmp_path, lambda records: [r.update(material="") for r in records[:300]])
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2)
    assert events == [{"split": True, "shares": 2}]  # merged: not made again
    cut = [d.message.split(":")[0] for d in serial.diagnostics if d.code == "AMZ018"]
    assert cut == ["product type PRODUCT has no attribute size", "product type PRODUCT has no attribute material"]


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_family_in_two_shares_makes_the_run_as_though_not_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """With Amazon definitions each share surveys its own rows a family ahead; a family whose variants are in two
    shares (the last row joins the first row's family) is not one the shares can survey apart, and its later
    variants take the parent and facts the first share found: the run is made as though its rows were never split
    (``rows.Unsplit``; here its channels split between processes). The same feeds and findings (the last variant's
    AMZ015) as one process; a validate too (it writes no parent)."""

    def join_first(records: list[dict[str, str]]) -> None:
        records[-1].update(group_id=records[0]["group_id"], material="Hemp")  # its family is of cotton

    config_path, records = _edited_catalog(tmp_path, join_first)
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2, command=command)
    assert events == [{"split": False, "why": "a family is in two shares", "shares": 2}]
    assert [d for d in serial.diagnostics if d.code == "AMZ015" and d.product_id == records[-1]["id"]]
    if command == "build":
        messages = json.loads((tmp_path / "serial" / "amazon.json").read_text(encoding="utf-8"))["messages"]
        parent = next(m for m in messages if m["sku"] == records[0]["group_id"])
        assert "MATERIAL" in parent["attributes"]["variation_theme"][0]["name"]  # its last variant, the other's


@pytest.mark.parametrize(
    ("command", "column"), [("build", "amazon_group_id"), ("validate", "amazon_group_id"), ("build", "custom_label_0")]
)
def test_amazon_parents_that_may_be_another_than_the_group_s_make_the_run_as_though_not_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, column: str
) -> None:
    """A supplement joins the products (its ``amazon_group_id`` gives the last variant the first family's parent):
    a variant's parent may then be another than its group's, so no share's families answer for another's, and the
    run is made as though not split before any share is made, as one process makes it (found by a review: the
    later share, made again from the first's state for the parent written in both, lost the variant's AMZ015). A
    supplement that sets neither a group nor a parent keeps the split."""
    config_path, records = _edited_catalog(tmp_path, lambda records: None)
    (config_path.parent / "sup.csv").write_text(
        f"id,{column}\n{records[-1]['id']},{records[0]['group_id']}\n", encoding="utf-8"
    )
    with config_path.open("a", encoding="utf-8") as handle:
        handle.write("supplements:\n  - {path: sup.csv, key: id}\n")
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2, command=command)
    if column == "custom_label_0":
        assert events[-1]["split"] is True
        return
    assert len(events) == 1 and events[0]["split"] is False and "parent may be another" in events[0]["why"]
    assert [d for d in serial.diagnostics if d.code == "AMZ015" and d.product_id == records[-1]["id"]]


def test_a_run_not_split_tells_an_output_it_cannot_write_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A family in two shares makes the run be made with its channels split between processes: a process that
    cannot write its feed (a folder where the feed goes) hands its error back as one process tells it, and the other
    feeds are written (found by a review: the error could not be pickled, and the run said a process died); an
    output folder under a file is told as one process tells it too (it was an internal error, exit 70)."""
    from feedsync.errors import OutputError

    def join_first(records: list[dict[str, str]]) -> None:
        records[-1].update(group_id=records[0]["group_id"])

    config_path, _ = _edited_catalog(tmp_path, join_first)
    config = load_config(config_path)
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    told = []
    for jobs in (1, 2, 3):
        out = tmp_path / f"out{jobs}"
        (out / "google.xml").mkdir(parents=True)
        with pytest.raises(OutputError) as raised:
            pipeline.run(config, "build", out_dir=out, jobs=jobs)
        told.append(str(raised.value).replace(str(out), "OUT"))
        assert sorted(p.name for p in out.iterdir()) == ["amazon.json", "facebook.csv", "google.xml"]
    assert told[0] == told[1] == told[2] and "google.xml: Is a directory" in told[0]
    (tmp_path / "afile").write_text("", encoding="utf-8")
    for jobs in (1, 2):
        with pytest.raises(OutputError, match="is a file, not a folder"):
            pipeline.run(config, "build", out_dir=tmp_path / "afile" / "feeds", jobs=jobs)


def _described_apart(records: list[dict[str, str]]) -> None:
    """A third of the variants described otherwise than their family's first (AMZ015 of their description: a
    finding that needs the family's parent, which another share may have made)."""
    for index, record in enumerate(records):
        if index % 3 == 1:
            record["description"] += " Also in a gift box."


def _scatter(records: list[dict[str, str]], *, across: bool = False) -> None:
    """A variant of the last family of several variants (``across``: of the first) moved to the middle of the second
    share's rows."""
    families = [
        r["group_id"] for r in records if r["group_id"] and [o["group_id"] for o in records].count(r["group_id"]) > 1
    ]
    chosen = families[0] if across else families[-1]
    at = max(index for index, record in enumerate(records) if record["group_id"] == chosen)
    records.insert(300, records.pop(at))


@pytest.mark.parametrize(("held", "scattered"), [(5000, ""), (3, ""), (5000, "within"), (5000, "across")])
def test_each_share_surveys_its_own_families_a_family_ahead(
    held: int, scattered: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Amazon definitions and families one after another, each share surveys its own rows as it reads them,
    a family ahead: the catalog is not read before the shares (the run in one process reads it whole first), and
    the feeds and findings are one process's. A family longer than what a share holds (``lookahead.HELD``), or a
    family that comes again after another within a share, makes that share survey its own rows whole and be made
    again; a family in two shares makes the run be made as though not split: the same feeds and findings."""
    from feedsync import lookahead
    from feedsync.channels.amazon.family import FamilySurvey

    scatter = partial(_scatter, across=scattered == "across") if scattered else lambda records: None
    config_path, _ = _edited_catalog(tmp_path, lambda records: (_described_apart(records), scatter(records)))
    monkeypatch.setattr(lookahead, "HELD", held)
    reads: list[int] = []
    read = FamilySurvey.read

    def counted(self: FamilySurvey, *args: Any) -> Any:
        reads.append(1)
        return read(self, *args)

    monkeypatch.setattr(FamilySurvey, "read", counted)
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2)
    if held == 3:  # each share meets a family longer than it holds: each surveys its own rows whole (the first here)
        assert reads == [1, 1]  # the run in one process's, the first share's
        why = "more than 3 variants of family 'G-000001' or after it"
        assert events == [{"survey": "share", "share": 0, "why": why}, {"split": True, "shares": 2}]
    elif scattered == "across":  # (the second share finds the family again: its first variants are the first's)
        assert reads == [1, 1]  # the run in one process's, the run not split's (this process's channel)
        assert events == [{"split": False, "why": "a family is in two shares", "shares": 2}]
    else:  # within the second share, in its own process: this process reads nothing more
        assert reads == [1]
        assert events == [{"split": True, "shares": 2}]
    assert sum(d.code == "AMZ015" for d in serial.diagnostics) > 100


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_share_made_again_from_a_seed_surveys_its_own_rows_from_the_seed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A later share whose family comes again after another (it surveys its own rows whole) and that holds the id
    of a row of the first share that is no product (it takes it for the first share's, then is made again from the
    first share's state, and surveys its rows again): the seed's id sets and variant trackers, which the share
    grows, are as they were before its second making (found by a review: every id of the share was told a
    duplicate)."""

    def edit(records: list[dict[str, str]]) -> None:
        _scatter(records)
        records[350]["id"] = records[10]["id"]
        records[10]["price"] = ""

    config_path, _ = _edited_catalog(tmp_path, edit)
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2, command=command)
    assert [d.code for d in serial.diagnostics].count("MDL008") == 0
    assert [d.code for d in serial.diagnostics].count("MDL001") == 1
    assert events[-1].get("again") and events[0] == {"survey": "share", "share": 1, "why": events[0]["why"]}


def test_a_variant_naming_another_parent_in_a_share_that_surveys_its_own_rows_is_not_split(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A share whose family comes again after another, and a variant of it naming a family of another share as its
    parent (``amazon_group_id``): the share's own rows cannot answer for that family, so the run is made as though
    not split (found by a review: the variant's AMZ015 findings were lost)."""

    def edit(records: list[dict[str, str]]) -> None:
        _scatter(records)
        target = records[6]["group_id"]
        for index, record in enumerate(records):
            record["amazon_group_id"] = target if index == 360 else ""

    config_path, _ = _edited_catalog(tmp_path, edit)
    _, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2)
    assert events[-1]["split"] is False and events[-1]["shares"] == 2, events  # made as though not split


def test_a_later_share_that_surveys_its_own_rows_after_the_stitch_read_its_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stitch begun ahead follows a later share's documents as its process writes them; a share that surveys its
    own rows whole removes its first documents and writes them again: the stitch begun ahead stops, and the feeds
    are stitched after the merge (found by a review: the run failed, 'not the document its share's process wrote').
    The share's process waits where its survey finds the family again, so that the stitch has begun reading its
    first documents."""
    import os
    import time

    from feedsync.channels.amazon.family import FamilySurvey
    from feedsync.channels.base import Unsurveyed

    parent, add = os.getpid(), FamilySurvey.add

    def slow(survey: FamilySurvey, product: Any) -> None:
        try:
            add(survey, product)
        except Unsurveyed as exc:
            if exc.local and os.getpid() != parent:
                time.sleep(1.5)
            raise

    monkeypatch.setattr(FamilySurvey, "add", slow)
    config_path, _ = _edited_catalog(tmp_path, _scatter)
    build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2)


def test_a_split_build_prints_the_lines_one_process_prints(tmp_path: Path) -> None:
    """The shares render their findings' lines as they spill them (on every core); printed, they are the lines of
    the build in one process, in order, and so is the rest of what it says."""
    from tests.hostile.test_rows_kills import SPLIT, run_script

    config_path, _ = _edited_catalog(tmp_path, _described_apart)
    printed = {}
    for jobs in ("1", "2"):
        done = run_script(SPLIT, config_path.parent, ["build", "--validate", "--jobs", jobs, "--out", "out", "-v"])
        assert done.returncode == 1, done.stderr
        assert ("rows: split=True shares=2" in done.stderr) == (jobs == "2")
        lines = done.stderr.splitlines()
        printed[jobs] = [line for line in lines if not line.startswith(("rows:", "read:", "columnar:"))]
    assert printed["2"] == printed["1"]
    assert sum("AMZ015" in line for line in printed["2"]) > 100


def test_a_stitched_feed_is_synced_once_before_its_rename_and_the_folder_once_after_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file a split build renames into place (the feeds, Amazon's further documents) was synced before its
    rename, once; the output folder is synced once, after the last rename (one sync of a file and of the folder at
    each rename cost two device flushes a file)."""
    import os

    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = load_config(catalog(tmp_path / "c", [row(n, f"G{n // 3}") for n in range(90)], max_messages=20))
    out = tmp_path / "out"
    done: list[tuple[str, str]] = []
    sync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        done.append(("sync", os.readlink(f"/proc/self/fd/{fd}")))
        sync(fd)

    def renamed(source: str | Path, target: str | Path) -> None:
        replace(source, target)
        done.append(("rename", f"{source}->{target}"))

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", renamed)
    with row_events() as events:
        report = pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    assert events.found[-1]["split"] is True
    feeds = {r.output for r in report.channels.values()} | {p for r in report.channels.values() for p in r.parts}
    assert len(feeds) > 3  # Amazon's further documents too
    renames = {
        Path(text.split("->")[1]): (at, text.split("->")[0]) for at, (kind, text) in enumerate(done) if kind == "rename"
    }
    assert feeds <= set(renames)
    for feed in feeds:
        at, source = renames[feed]
        syncs = [n for n, (kind, path) in enumerate(done) if kind == "sync" and path in (source, str(feed))]
        assert len(syncs) == 1 and syncs[0] < at, (feed, done)
    folder = [n for n, (kind, path) in enumerate(done) if kind == "sync" and path == str(out)]
    assert len(folder) == 1 and folder[0] > max(renames[feed][0] for feed in feeds)


def test_the_feeds_renamed_before_a_rename_that_fails_are_made_durable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rename that fails part way through the stitch's (one of Amazon's documents): the output folder is still
    synced after the feeds renamed before it (each synced before its rename), as each rename's own sync did."""
    import errno
    import os
    import stat

    from feedsync.errors import OutputError

    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = load_config(catalog(tmp_path / "c", [row(n, f"G{n // 3}") for n in range(60)], max_messages=7))
    out = tmp_path / "out"
    me, done = os.getpid(), []
    sync, replace = os.fsync, os.replace

    def synced(fd: int) -> None:
        sync(fd)
        if os.getpid() == me and stat.S_ISDIR(os.fstat(fd).st_mode):
            done.append(("folder", os.readlink(f"/proc/self/fd/{fd}")))

    def renamed(source: str | Path, target: str | Path) -> None:
        if os.getpid() == me and Path(target) == out / "amazon.3.json":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        replace(source, target)
        if os.getpid() == me and Path(target).parent == out:
            done.append(("rename", str(target)))

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(os, "replace", renamed)
    with pytest.raises(OutputError, match=r"amazon\.3\.json"):
        pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    renames = [at for at, (kind, _) in enumerate(done) if kind == "rename"]
    assert renames  # some feeds were in place before the failure
    assert any(entry == ("folder", str(out)) and at > max(renames) for at, entry in enumerate(done)), done


def test_a_full_disk_while_a_stitched_feed_syncs_leaves_every_feed_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The feeds copied whole are synced in a thread while Amazon's messages are numbered again: a sync that fails
    there (a full disk) fails the build as the sync at the rename did, before any feed is renamed into place."""
    import errno
    import os
    import threading

    from feedsync.errors import OutputError
    from feedsync.rows import stitch

    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = load_config(catalog(tmp_path / "c", [row(n, f"G{n // 3}") for n in range(60)]))
    out = tmp_path / "out"
    pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    synced: list[int] = []
    real = os.fsync

    def full(fd: int) -> None:  # the disk fills while the thread syncs: the sync at the rename would pass
        if threading.current_thread() is threading.main_thread():
            return real(fd)
        synced.append(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(stitch.os, "fsync", full)
    changed = load_config(catalog(tmp_path / "c", [row(n, f"G{n // 3}", description="Linen") for n in range(60)]))
    with pytest.raises(OutputError, match=r"cannot write .*google\.xml: No space left on device; the previous"):
        pipeline.run(changed, "build", out_dir=out, validate=True, jobs=2)
    assert synced  # the thread's sync met the full disk
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_a_full_disk_while_a_whole_amazon_document_syncs_leaves_every_feed_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Amazon's documents are synced in a thread as soon as each is whole (the first share's at once, each one the
    numbering ends while it goes on): a sync that fails there fails the build before any feed is renamed."""
    import errno
    import os
    import threading

    from feedsync.errors import OutputError
    from feedsync.rows import stitch

    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = load_config(catalog(tmp_path / "c", [row(n, f"G{n // 3}") for n in range(60)], max_messages=7))
    out = tmp_path / "out"
    report = pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    assert len(report.channels["amazon"].parts) >= 5  # documents of 7 messages: several in each share
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    synced: list[str] = []
    real = os.fsync

    def named(fd: int) -> str:
        return os.readlink(f"/proc/self/fd/{fd}")

    def early(fd: int) -> None:  # records which documents a thread synced, and syncs them
        if threading.current_thread() is not threading.main_thread():
            synced.append(named(fd))
        return real(fd)

    monkeypatch.setattr(stitch.os, "fsync", early)
    again = pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    whole = [p for p in synced if "amazon" in p]
    assert len(whole) >= len(again.channels["amazon"].parts)  # every document but the last, in a thread
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before

    def full(fd: int) -> None:  # the disk fills while a thread syncs an Amazon document
        if threading.current_thread() is threading.main_thread() or "amazon" not in named(fd):
            return real(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(stitch.os, "fsync", full)
    changed = load_config(
        catalog(tmp_path / "c", [row(n, f"G{n // 3}", description="Linen") for n in range(60)], max_messages=7)
    )
    with pytest.raises(OutputError, match=r"cannot write .*amazon(\.\d+)?\.json: No space left on device"):
        pipeline.run(changed, "build", out_dir=out, validate=True, jobs=2)
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


SHOPIFY = (
    "Handle,Title,Body (HTML),Vendor,Type,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,"
    "Variant Price,Variant Compare At Price,Variant Barcode,Image Src,Image Position,Status\n"
)


def shopify_product(handle: str, number: int, *, status: str = "active", option: str = "Fit") -> str:
    """A Shopify export's rows of one product: two variants told apart by colour and by ``option`` (an option no
    variant field takes: MDL016 once per name), then an image-only row."""
    body = f'"<p>Soft, ""warm""\ncotton {number}</p>"'
    first = (
        f"{handle},Tee {number},{body},Acme,Tops,Color,Red,{option},Slim,{handle}-r,{10 + number}.00,"
        f",,https://cdn.example.com/{handle}/1.jpg,1,{status}\n"
    )
    second = f"{handle},,,,,,Blue,,Loose,{handle}-b,{10 + number}.00,{12 + number}.00,,,,\n"
    image = f"{handle},,,,,,,,,,,,,https://cdn.example.com/{handle}/2.jpg,2,\n"
    return first + second + image


def shopify_catalog(folder: Path, products: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "products_export.csv").write_text(SHOPIFY + "".join(products), encoding="utf-8")
    return write_config(folder, "products_export.csv", extra="  format: shopify\n")


def test_a_shopify_export_split_by_rows_tells_its_once_per_file_findings_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drafts in every share: one SRC005 with their sum, after the rows; an option no field takes in every share:
    one MDL016, at its first row; the cuts fall between handles."""
    products = [
        shopify_product(f"tee-{n}", n, status="draft" if n % 5 == 0 else "active", option="Fit" if n % 2 else "Cut")
        for n in range(1, 41)
    ]
    config = load_config(shopify_catalog(tmp_path / "catalog", products))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3)
    assert events[-1]["split"] is True and events[-1]["shares"] == 3
    codes = [d.code for d in serial.diagnostics]
    assert codes.count("SRC005") == 1 and "8 draft or archived" in serial.diagnostics[codes.index("SRC005")].message
    assert sorted(d.field for d in serial.diagnostics if d.code == "MDL016") == ["Cut", "Fit"]
    assert serial.variants == 2 * 40 and serial.channels["google"].items == 2 * 32


def test_a_shopify_handle_whose_rows_are_in_two_shares_is_read_by_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process tells a handle whose rows are apart (SRC004) and reads its second group as another product; a
    split cannot tell it, so the run reads the file in one process."""
    products = [shopify_product(f"tee-{n}", n) for n in range(1, 41)]
    products.append(shopify_product("tee-1", 99))
    config = load_config(shopify_catalog(tmp_path / "catalog", products))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=2)
    assert events[-1] == {"split": False, "why": "the rows of a group are in two shares", "shares": 2}
    assert [d.code for d in serial.diagnostics].count("SRC004") == 1


WOOCOMMERCE = (
    "ID,Type,SKU,Name,Published,Description,In stock?,Stock,Regular price,Sale price,Categories,Images,Parent,"
    "Attribute 1 name,Attribute 1 value(s),Attribute 2 name,Attribute 2 value(s)\n"
)


def woocommerce_product(number: int, *, published: str = "1", option: str = "Fit", first: bool = False) -> str:
    """A WooCommerce export's variable product: its parent row and two variations told apart by colour and by
    ``option`` (an attribute no variant field takes: MDL016 once per name); ``first``: the variations come before
    their parent, as the importer allows."""
    sku = f"tee-{number}"
    parent = (
        f'{100 + number},variable,{sku},Tee {number},{published},"<p>Soft, ""warm""\ncotton</p>",1,,,,Tops,'
        f'https://cdn.example.com/{sku}.jpg,,Color,"Red, Blue",{option},"Slim, Loose"\n'
    )
    red = f"{1000 + 2 * number},variation,{sku}-r,,1,,1,5,{10 + number}.00,,,,{sku},Color,Red,{option},Slim\n"
    sale = f"{10 + number}.00,{8 + number}.00"
    blue = f"{1001 + 2 * number},variation,{sku}-b,,1,,1,0,{sale},,,{sku},Color,Blue,{option},Loose\n"
    return red + blue + parent if first else parent + red + blue


def woocommerce_catalog(folder: Path, products: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wc-product-export.csv").write_text(WOOCOMMERCE + "".join(products), encoding="utf-8")
    return write_config(folder, "wc-product-export.csv", extra="  format: woocommerce\n")


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_woocommerce_export_split_by_rows_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Cut where Parent changes; variations before their parent; unpublished parents and drafts in every share: one
    SRC005 with their sum and how many were variations of an unpublished parent, after the rows; an attribute no field
    takes in every share: one MDL016; a row the first pass finds ragged near the end: told once, before any product,
    by the first share as one reader tells it."""
    products = [
        woocommerce_product(n, published="0" if n % 5 == 0 else "1", option="Fit" if n % 2 else "Cut", first=n % 7 == 0)
        for n in range(1, 41)
    ]
    products.insert(37, "9999,simple,loose-1,Loose,-1,,1,3,5.00,,Tops,,,,,,\n")  # a draft simple product
    products.insert(38, "9998,simple,ragged-1,Ragged,1,,1,3,5.00,,Tops,,,,,,,extra\n")  # a cell past the header
    config = load_config(woocommerce_catalog(tmp_path / "catalog", products))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3, command=command)
    assert events[-1] == {"split": True, "shares": 3}  # cut where Parent changes: no share made again
    codes = [d.code for d in serial.diagnostics]
    assert codes.count("SRC005") == 1
    assert (
        "25 unpublished (draft, private or pending; 16 of them variations"
        in serial.diagnostics[codes.index("SRC005")].message
    )
    assert sorted(d.field for d in serial.diagnostics if d.code == "MDL016") == ["Cut", "Fit"]
    assert (serial.channels["google"].items, serial.channels["google"].excluded) == (2 * 32, 2 * 8 + 1)
    assert codes.count("SRC009") == 1 and codes[0] == "SRC009"  # the ragged row, told by the first pass


def _added_later(records: list[list[str]], form: str, *, hidden: bool = False) -> tuple[str, list[int]]:
    """The first variant of the first family of several moved to the end of an export's ``records`` (a variation
    added later, as a store lists its products by id; ``hidden``: a draft, or a disabled child); the family, and its
    variants' rows."""
    header = records[0]
    if form == "woocommerce":
        kind, parent = header.index("Type"), header.index("Parent")
        families = [record[parent] for record in records[1:] if record[kind] == "variation"]
        family = next(name for name in families if families.count(name) > 1)
        members = {record[header.index("SKU")] for record in records[1:] if record[parent] == family}
        sku, hide = header.index("SKU"), (header.index("Published"), "0")
    else:  # a Magento export's configurable product names its children
        sku, variations = header.index("sku"), header.index("configurable_variations")
        parent_row = next(r for r in records[1:] if r[variations].count("sku=") > 1)
        family = parent_row[sku]
        members = {pair.split(",")[0].removeprefix("sku=") for pair in parent_row[variations].split("|")}
        hide = (header.index("product_online"), "2")
    moved = next(index for index, record in enumerate(records) if record[sku] in members)
    records.append(records.pop(moved))
    if hidden:
        records[-1][hide[0]] = hide[1]
    return family, [index + 1 for index, record in enumerate(records) if index and record[sku] in members]


@pytest.mark.parametrize(
    ("form", "command", "hidden"),
    [
        ("woocommerce", "build", False),
        ("woocommerce", "validate", False),
        ("magento", "build", False),
        ("magento", "validate", False),
        ("woocommerce", "build", True),
        ("magento", "build", True),
    ],
)
def test_a_family_of_an_export_in_two_shares_is_found_before_a_share_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str, command: str, hidden: bool
) -> None:
    """A store's export lists its products by id, so a variation added later comes after other products' rows: with
    Amazon definitions, its family is in two shares. Each share's first pass over the whole file (which indexes the
    parents) finds it before the share reads a product (``lookahead.apart``), and the run is made as though its rows
    were never split: the same feeds and findings as one process. A variation the reader leaves out (a draft, a
    disabled child) is in no family: the rows stay split (found by a review: such runs were made unsplit)."""
    import csv

    from feedsync.sources import magento, woocommerce
    from feedsync.sources.tabular import READ_RANGE

    if not (REALDATA / "amazon" / "product_types" / "PRODUCT-us-2023.json").exists():
        pytest.skip("../shared is absent: the benchmark's catalog has no definition to be checked against")
    config_path = generate(400, tmp_path / "catalog", form)
    source = config_path.parent / "products_export.csv"
    with source.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    family, rows = _added_later(records, form, hidden=hidden)
    with source.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    made: list[bool] = []  # each read of the products: whether in a share
    reader = woocommerce._Reader if form == "woocommerce" else magento._Reader
    run = reader.run

    def counted(self: Any) -> Any:
        made.append(READ_RANGE.get() is not None)
        return run(self)

    monkeypatch.setattr(reader, "run", counted)
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2, command=command)
    if hidden:
        assert events == [{"split": True, "shares": 2}]
        return
    why = f"family {family!r} is in two shares (rows {rows[0]} and {rows[-1]})"
    assert events == [{"split": False, "why": why, "shares": 2}]
    assert made and not any(made)  # the runs in one process and not split (this process's channels): no share's
    assert serial.channels["amazon"].items


def test_the_benchmark_s_woocommerce_export_listed_by_id_is_made_as_one_process_makes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``benchmarks/generate.py N DIR woocommerce-by-id``: the variations added later come after every other row, so
    with Amazon's definitions a family is in two shares; the run is made as though not split, as one process makes it
    (the benchmark's figure of it is in the README)."""
    if not (REALDATA / "amazon" / "product_types" / "PRODUCT-us-2023.json").exists():
        pytest.skip("../shared is absent: the benchmark's catalog has no definition to be checked against")
    config_path = generate(400, tmp_path / "catalog", "woocommerce-by-id")
    assert "format: woocommerce" in config_path.read_text(encoding="utf-8")
    serial, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2, command="validate")
    assert events[-1]["split"] is False and "is in two shares" in events[-1]["why"]
    assert serial.variants == 400


@pytest.mark.parametrize("source", ["native", "woocommerce"])
def test_a_cr_alone_before_the_header_makes_the_run_read_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """The csv module ends a line at a CR alone, the cut does not: with one before the header, the shares' rows
    would be numbered one short of the reader's (and a WooCommerce export's first share would not know it is the
    first, and tell nobody what its first pass finds), so the run reads the file in one process."""
    ragged_native = "V99,,Ragged,Soft,/p/99,/i/99.jpg,9.00,in_stock,Acme,,Red,S,Tops,S99,extra\n"
    if source == "native":
        lines = [row(n, f"G{n // 3}") for n in range(1, 31)]
        lines.insert(27, ragged_native)
        path = catalog(tmp_path / "catalog", lines)
        name = "products.csv"
    else:
        products = [woocommerce_product(n) for n in range(1, 12)]
        products.insert(9, "9998,simple,ragged-1,Ragged,1,,1,3,5.00,,Tops,,,,,,,extra\n")
        path = woocommerce_catalog(tmp_path / "catalog", products)
        name = "wc-product-export.csv"
    source_file = path.parent / name
    source_file.write_bytes(b"\r\r\n" + source_file.read_bytes())
    serial, _, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=2)
    assert events[-1]["split"] is False
    assert "SRC009" in [d.code for d in serial.diagnostics]


MAGENTO = (
    "sku,store_view_code,product_type,name,description,weight,product_online,visibility,price,url_key,qty,"
    "is_in_stock,categories,additional_attributes,configurable_variations\n"
)


def magento_product(number: int, *, online: str = "1", weight: str = "") -> str:
    """A Magento export's configurable product: its two children (colour and an attribute no variant field takes:
    MDL016 once per name), then the parent that names them, as Magento writes them."""
    sku = f"MT{number:02d}"
    children = [
        f"{sku}-{color},,simple,Tee {number}-{color},Soft,{weight},{online},Not Visible Individually,{10 + number}.00,"
        f'{sku.lower()}-{color.lower()},5,1,Default Category/Tops,"color={color},fit=Slim",\n'
        for color in ("Red", "Blue")
    ]
    variations = "|".join(f"sku={sku}-{color},color={color},fit=Slim" for color in ("Red", "Blue"))
    parent = (
        f'{sku},,configurable,Tee {number},Soft,,1,"Catalog, Search",,{sku.lower()},,1,Default Category/Tops,,'
        f'"{variations}"\n'
    )
    return "".join(children) + parent


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_magento_export_split_by_rows_tells_what_one_reader_tells_at_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """Cut after a family's parent; each share indexes the whole file. Disabled products in every share: one SRC005
    with their sum; products not visible on their own in two shares: one SRC013 naming them in row order; weights
    without a unit in a later share only: one SRC008; a configurable product whose children are not in the file: one
    SRC006; a SKU with only a store view's row, far from the start: one SRC014, told by the first pass. Each in one
    reader's order, after the rows."""
    products = [magento_product(n, online="2" if n % 6 == 0 else "1") for n in range(1, 31)]
    products[4] += "LONE-1,,simple,Lone 1,Soft,,1,Not Visible Individually,9.00,lone-1,3,1,Default Category/Tops,,\n"
    products[25] += "LONE-2,,simple,Lone 2,Soft,,1,Not Visible Individually,9.00,lone-2,3,1,Default Category/Tops,,\n"
    products[27] = magento_product(28, weight="0.5")
    products[12] += (
        'MT99,,configurable,Tee 99,Soft,,1,"Catalog, Search",,mt99,,1,Default Category/Tops,,"sku=MT99-X,color=X"\n'
    )
    products[20] += 'VIEW-1,default,simple,View 1,Soft,,1,"Catalog, Search",7.00,view-1,3,1,Default Category/Tops,,\n'
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "catalog_product.csv").write_text(MAGENTO + "".join(products), encoding="utf-8")
    config = load_config(write_config(folder, "catalog_product.csv", extra="  format: magento\n"))
    serial, _, events = build_both(config, tmp_path, monkeypatch, jobs=3, command=command)
    assert events[-1] == {"split": True, "shares": 3}  # cut after a family's parent: no share made again
    codes = [d.code for d in serial.diagnostics]
    assert [codes.count(code) for code in ("SRC005", "SRC006", "SRC008", "SRC014")] == [1, 1, 1, 1]
    assert "10 disabled" in serial.diagnostics[codes.index("SRC005")].message
    lone = [d for d in serial.diagnostics if d.code == "SRC013"]
    assert len(lone) == 1 and "2 products" in lone[0].message and "LONE-1, LONE-2" in lone[0].message
    assert codes.index("SRC006") < codes.index("SRC005") < codes.index("SRC013") < codes.index("SRC008")
    assert codes[0] == "SRC014"


def test_an_id_written_in_two_shares_is_told_and_left_out_as_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Meta's id made of the SKU column: a later share's V40 of SKU S3 (an earlier share's V3's) is MDL021 and left
    out of Meta's feed; a later share's lone product G2, the SKU of an earlier share's family's Amazon parent, is
    MDL021 and left out of Amazon's. The share is made again from the state of the shares before it, and tells what
    one process tells, at the same place."""
    lines = [row(n, f"G{n // 3}") for n in range(1, 40)] + [row(40, "G40", sku="S3"), row(41, "", id_="G2")]
    path = catalog(tmp_path / "catalog", lines)
    text = path.read_text(encoding="utf-8").replace(
        "facebook: {profile: facebook}", "facebook: {profile: facebook, fields: {id: '{{ attributes.sku }}'}}"
    )
    path.write_text(text, encoding="utf-8")
    _, split, events = build_both(load_config(path), tmp_path, monkeypatch, jobs=3)
    assert events[-1]["split"] is True and events[-1].get("again"), events
    told = [(d.channel, d.product_id, d.field, d.value) for d in split.diagnostics if d.code == "MDL021"]
    assert told == [("facebook", "V40", "id", "S3"), ("amazon", "G2", "sku", "G2")]
    for name, result in split.channels.items():
        assert result.items + result.excluded + result.rejected == split.variants == 41, name
    assert split.channels["google"].rejected == 0
