"""What a row cache's fingerprint covers: a change to anything an item is made from besides its row gives a new
fingerprint (and so no entry of the old cache is used)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from feedsync.channels.profile import compile_channels
from feedsync.config import load_config
from feedsync.rowcache import fingerprint as fp


def _fingerprint(shop: Path, channel: str = "facebook", destination: str = "directory:public") -> str:
    config = load_config(shop / "feedsync.yaml")
    compiled = next(c for c in compile_channels(config, [channel]) if c.name == channel)
    return fp.fingerprint(config, compiled, destination, "selection")


def _append(name: str, text: str) -> Callable[[Path], None]:
    def change(shop: Path) -> None:
        path = shop / name
        path.parent.mkdir(exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)

    return change


@pytest.mark.parametrize(
    "change",
    [
        _append("feedsync.yaml", "\n# a comment is a change too\n"),
        _append("categories.yaml", "- product_type: Garden\n  google_product_category: 689\n"),
        _append("store_stock.csv", "NW-BOSTON,NW-NEW-1,3,\n"),
        _append("templates/extra.j2", "{{ title }}"),
    ],
    ids=["config", "category map", "supplement", "template folder"],
)
def test_a_change_to_what_items_are_made_from_changes_the_fingerprint(
    demo_copy: Path, change: Callable[[Path], None]
) -> None:
    before = _fingerprint(demo_copy)
    change(demo_copy)
    assert _fingerprint(demo_copy) != before


def test_the_destination_and_the_source_header_are_part_of_it(demo_copy: Path) -> None:
    base = _fingerprint(demo_copy)
    assert base == _fingerprint(demo_copy)
    assert _fingerprint(demo_copy, destination="directory:elsewhere") != base
    assert fp.with_header(base, ["id", "title"], "utf-8", ",") != fp.with_header(base, ["id", "name"], "utf-8", ",")


def test_feedsyncs_data_files_such_as_the_taxonomy_are_part_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "feedsync"
    (package / "data").mkdir(parents=True)
    (package / "module.py").write_text("x = 1\n")
    taxonomy = package / "data" / "google_taxonomy.en-US.txt"
    taxonomy.write_text("1 - Animals & Pet Supplies\n")
    monkeypatch.setattr(fp, "_PACKAGE", package)
    before = fp._code_stamp.__wrapped__()
    taxonomy.write_text("1 - Animals & Pet Supplies\n2 - Apparel\n")
    assert fp._code_stamp.__wrapped__() != before
