"""The ids a channel writes are checked across rows (MDL021) in a push with the row cache as in a cold push: a row
told MDL021 is never kept in the cache (the earlier item of its id may be another by the next push), and a replayed
row whose item's id an earlier item has now is computed, and told. The demo shop's Meta channel takes a per-product
id from its ``facebook_id`` column (the profile's override prefix)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.rowcache.shop import assert_same, cold_and_warm, prepare, push, rows, write_rows

EARLIER, LATER = 5, 30
"""The rows (by index) whose Meta ids are made one."""


def _overrides(shop: Path, ids: dict[int, str]) -> None:
    """Give the rows of ``ids`` (by index) the Meta ids they map to, every other row none."""
    header, records = rows(shop)
    if "facebook_id" not in header:
        header.append("facebook_id")
    for index, record in enumerate(records):
        record["facebook_id"] = ids.get(index, "")
    write_rows(shop, header, records)


def _told(findings: list[str]) -> list[str]:
    return [finding for finding in findings if "'MDL021'" in finding]


def test_a_row_told_mdl021_is_computed_again_once_the_earlier_item_changed(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later row's id was the earlier row's (MDL021, left out); the earlier row's id changes: the later row is
    kept now, where a cached rejection would have been replayed."""
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    _, records = rows(shop)
    _overrides(shop, {LATER: records[EARLIER]["id"]})
    first = push(shop, recorded)
    assert len(_told(first.findings)) == 1 and records[LATER]["id"] in _told(first.findings)[0]
    _overrides(shop, {EARLIER: "NW-OWN-ID", LATER: records[EARLIER]["id"]})
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert _told(warm.findings) == []
    assert (warm.replayed, warm.computed) == (len(records) - 2, 2)  # the changed row, and the one told MDL021
    assert warm.counts["facebook"][2] == first.counts["facebook"][2] - 1


def test_a_replayed_row_whose_id_an_earlier_changed_row_took_is_told(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every row cached, then an earlier row takes a later row's id: the later row is computed, not replayed past
    the check, and told MDL021 as a cold push tells it (one id written once in Meta's feed)."""
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    _overrides(shop, {})
    push(shop, recorded)
    _, records = rows(shop)
    _overrides(shop, {EARLIER: records[LATER]["id"]})
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    told = _told(warm.findings)
    assert len(told) == 1 and repr(records[LATER]["id"]) in told[0]
    assert (warm.replayed, warm.computed) == (len(records) - 2, 2)  # the changed row, and the one its id clashes with
    (feed,) = (data for name, data in warm.feeds.items() if name.endswith("/facebook.csv"))
    ids = [record["id"] for record in csv.DictReader(io.StringIO(feed.decode("utf-8")))]
    assert ids.count(records[LATER]["id"]) == 1 and len(ids) == len(set(ids))
