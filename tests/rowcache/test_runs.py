"""Replayed rows between changed ones: a changed row at either end of the catalog, next to another, or every other
row; items that grow or shrink (every offset after them moves). The cached push equals a cold one each time, only
the changed rows are computed, and each run of replayed rows is copied from the earlier feed with one write."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from feedsync.rowcache.capture import CaptureWriter
from tests.rowcache.shop import assert_same, cold_and_warm, prepare, push, rows, write_rows

ROWS = 88
CHANGES = {  # which rows change (by index), each run on top of the last
    "first row": [0],
    "last row": [ROWS - 1],
    "two rows side by side": [40, 41],
    "every other row of a stretch": [10, 12, 14],
    "first and last rows": [0, ROWS - 1],
}


def _change(shop: Path, indexes: list[int], round_: int) -> None:
    header, records = rows(shop)
    for index in indexes:
        record = records[index]
        if round_ % 2:  # the item's text grows
            record["title"] = f"{record['title']} (limited edition {round_})"
        else:  # it shrinks
            record["title"] = record["title"][: len(record["title"]) // 2]
    write_rows(shop, header, records)


def _runs(indexes: list[int]) -> int:
    """The runs of replayed rows around ``indexes``: each a copy per channel."""
    changed = set(indexes)
    return sum(1 for i in range(ROWS) if i not in changed and (i == 0 or i - 1 in changed))


def test_runs_of_replayed_rows_around_changed_ones(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    copies: Counter[str] = Counter()
    flush = CaptureWriter.flush

    def counted(self: CaptureWriter) -> None:
        if self.earlier is not None:
            copies[type(self.inner).__name__] += 1
        flush(self)

    monkeypatch.setattr(CaptureWriter, "flush", counted)
    for round_, (change, indexes) in enumerate(CHANGES.items()):
        _change(shop, indexes, round_)
        copies.clear()
        cold, warm = cold_and_warm(shop, recorded)
        assert_same(cold, warm)
        assert (warm.replayed, warm.computed) == (ROWS - len(indexes), len(indexes)), change
        # google (RSS); facebook and google_local (CSV): one copy per run of replayed rows each
        assert copies == {"RssWriter": _runs(indexes), "DelimitedWriter": 2 * _runs(indexes)}, change
