"""A replayed row's kept items are told to the sync collectors a batch at a time (``_UNTOLD``), the rest at the end
of the source: the sync plan (unchanged count, and no replayed item deleted) is the cold push's, whatever the batch
size; a channel told nothing else takes the short way (``plain``), the others are told item by item."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.rowcache import cache as cache_module
from feedsync.rowcache.cache import RowCache
from tests.rowcache.shop import CHANNELS, assert_same, cold_and_warm, prepare, push, rows, write_rows


@pytest.mark.parametrize("batch", [1, 7, 4096])
def test_the_sync_plan_is_the_cold_ones_whatever_the_batch_of_unchanged_items(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(cache_module, "_UNTOLD", batch)
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    plain: dict[str, bool] = {}
    begin = RowCache.begin

    def noted(self: RowCache, *args: object) -> None:
        begin(self, *args)  # type: ignore[arg-type]
        plain.update({c.channel.name: c.plain for c in self.caches})

    monkeypatch.setattr(RowCache, "begin", noted)
    push(shop, recorded)
    header, records = rows(shop)
    for index in (0, 30, len(records) - 1):  # the first and last rows, and one between two runs
        records[index]["price"] = "77.00"
    write_rows(shop, header, records)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert (warm.replayed, warm.computed) == (len(records) - 3, 3)
    creates, updates, refreshes, deletes, unchanged = warm.plans[0]
    assert (creates, refreshes, deletes, len(updates)) == ([], [], [], 3)
    assert unchanged == warm.counts["facebook"][0] - 3  # every kept item but the three changed ones
    assert plain == {name: name == "facebook" for name in CHANNELS}  # facebook: synced, no variant group


def test_items_left_untold_at_the_source_s_end_are_told_before_the_sync_plan(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the source's end not tell the last batch (a reader that stops without ``end``), saving the cache
    tells it: no replayed item is ever planned as a delete."""
    monkeypatch.setattr(cache_module, "_UNTOLD", 4096)
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    header, records = rows(shop)
    records[0]["price"] = "77.00"
    write_rows(shop, header, records)

    def end_without_telling(self: RowCache) -> None:
        for writer in self.writers:
            writer.flush()

    monkeypatch.setattr(RowCache, "end", end_without_telling)
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    creates, updates, refreshes, deletes, unchanged = warm.plans[0]
    assert (creates, refreshes, deletes, len(updates)) == ([], [], [], 1)
    assert unchanged == warm.counts["facebook"][0] - 1
