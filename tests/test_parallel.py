"""build with the channels split over processes writes the same feeds, byte for byte, and the same findings as
one process: on a generated 3,000-variant catalog (benchmarks/generate.py) with google, facebook and amazon."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from feedsync import parallel as parallel_module
from feedsync import pipeline, rows
from feedsync.config import load_config
from feedsync.parallel import groups, jobs_for

GENERATOR = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"


def _generate(count: int, out: Path, source_format: str = "native") -> Path:
    spec = importlib.util.spec_from_file_location("generate", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(count, out, source_format)  # type: ignore[no-any-return]


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_parallel_and_serial_builds_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(_generate(3_000, tmp_path / "catalog"))
    monkeypatch.setattr(rows, "MIN_ROWS", 10**9)  # the channel split: a native CSV's rows are split otherwise
    splits: list[list[list[str]]] = []
    real_groups = parallel_module.groups
    monkeypatch.setattr(parallel_module, "groups", lambda *a: splits.append(real_groups(*a)) or splits[-1])
    serial = pipeline.run(config, "build", out_dir=tmp_path / "serial", validate=True, jobs=1)
    assert splits == []
    parallel = pipeline.run(config, "build", out_dir=tmp_path / "parallel", validate=True, jobs=2)
    assert splits == [[["amazon"], ["google", "facebook"]]]  # two processes ran
    serial_files, parallel_files = _files(tmp_path / "serial"), _files(tmp_path / "parallel")
    assert sorted(serial_files) == ["amazon.json", "facebook.csv", "google.xml"]
    assert serial_files.keys() == parallel_files.keys()
    for name in serial_files:
        assert serial_files[name] == parallel_files[name], name
    assert parallel.products_read == serial.products_read == 3_000
    assert list(parallel.channels) == list(serial.channels) == ["google", "facebook", "amazon"]
    for name, result in serial.channels.items():
        other = parallel.channels[name]
        assert (other.items, other.excluded, other.rejected) == (result.items, result.excluded, result.rejected)
    assert serial.diagnostics, "the generated catalog has invalid GTINs: findings are compared too"
    assert Counter(parallel.diagnostics) == Counter(serial.diagnostics)


def test_channels_are_split_by_cost_and_small_sources_stay_in_one_process(tmp_path: Path) -> None:
    config = load_config(_generate(50, tmp_path))
    assert groups(config, ["google", "facebook", "amazon"], 2) == [["amazon"], ["google", "facebook"]]
    assert groups(config, ["google", "facebook", "amazon"], 3) == [["amazon"], ["google"], ["facebook"]]
    assert jobs_for(config, None, 3) == 1  # 50 variants: not worth a second process
    assert jobs_for(config, 4, 3) == 3  # never more processes than channels


def test_the_channels_are_split_from_a_source_of_a_megabyte(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each channel's process reads the whole source: below about 1 MB a second process costs more than it saves.
    The row split asks for no size (``min_bytes=0``): its shares are ``rows.MIN_ROWS`` rows at least."""
    import os

    config = load_config(_generate(50, tmp_path))
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    with config.source.path.open("ab") as handle:  # (its size alone is read)
        handle.truncate(999_999)
    assert jobs_for(config, 0, 3) == 1 and jobs_for(config, 0, 3, min_bytes=0) == 2
    with config.source.path.open("ab") as handle:
        handle.truncate(1_000_000)
    assert jobs_for(config, 0, 3) == jobs_for(config, None, 3) == 2


def test_the_generated_shopify_export_is_the_same_catalog(tmp_path: Path) -> None:
    from feedsync.sources import open_source

    native = load_config(_generate(500, tmp_path / "native"))
    shopify = load_config(_generate(500, tmp_path / "shopify", "shopify"))
    assert shopify.source.format == "shopify"
    found: list[object] = []
    ours = list(open_source(native.source).products(found.append))
    theirs = list(open_source(shopify.source).products(found.append))
    assert found == [] and len(ours) == len(theirs) == 500
    assert [p.attributes.get("sku") for p in theirs] == [p.id for p in ours]
    for mine, exported in zip(ours, theirs, strict=True):
        assert exported.gtin == mine.gtin and exported.title == mine.title and exported.color == mine.color
        assert (exported.sale_price or exported.price) == (mine.sale_price or mine.price)


def _failing(group: list[str], index: int) -> object:
    from feedsync.errors import SourceError

    raise SourceError(f"cannot read for {group}")


def _dying(group: list[str], index: int) -> object:
    import os

    os._exit(9)


def test_an_error_in_a_build_process_reaches_the_caller_and_a_dead_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feedsync.errors import FeedsyncError, SourceError

    config = load_config(_generate(200, tmp_path / "catalog"))
    monkeypatch.setattr(parallel_module, "_work", _failing)
    with pytest.raises(SourceError, match=r"cannot read for \['google', 'facebook'\]"):
        pipeline.run(config, "build", out_dir=tmp_path / "out", jobs=2)
    monkeypatch.setattr(parallel_module, "_work", _dying)
    with pytest.raises(FeedsyncError, match=r"building google, facebook died .*rerun with --jobs 1"):
        pipeline.run(config, "build", out_dir=tmp_path / "out", jobs=2)
    assert not (tmp_path / "out" / "google.xml").exists()  # the dead process replaced no feed
