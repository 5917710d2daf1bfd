"""A push with the row cache writes the same feeds, findings, counts and sync plan as a push computing every row,
after every kind of change between two pushes; unchanged rows are replayed, not computed."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedsync.channels import profile
from tests.rowcache.shop import assert_same, cold_and_warm, edit_config, prepare, push, rows, write_rows

ROWS = 88  # the demo catalog's variants


def _edit_row(shop: Path) -> None:
    header, records = rows(shop)
    records[5]["price"] = "99.00"
    records[6]["title"] = records[6]["title"] + " & more"
    write_rows(shop, header, records)


def _add_row(shop: Path) -> None:
    header, records = rows(shop)
    records.insert(10, {**records[10], "id": "NEW-ROW-1", "gtin": "", "size": "XXL"})
    write_rows(shop, header, records)


def _remove_row(shop: Path) -> None:
    header, records = rows(shop)
    del records[3]
    write_rows(shop, header, records)


def _reorder(shop: Path) -> None:
    header, records = rows(shop)
    write_rows(shop, header, records[40:] + records[:40])


def _duplicate_id(shop: Path) -> None:
    header, records = rows(shop)
    records[20]["id"] = records[30]["id"]  # the later row (30) becomes the duplicate left out
    write_rows(shop, header, records)


def _duplicate_variant(shop: Path) -> None:
    header, records = rows(shop)
    records.insert(2, {**records[1], "id": records[1]["id"] + "-B"})  # same group and options as the row before
    write_rows(shop, header, records)


def _family_gains_variant(shop: Path) -> None:
    header, records = rows(shop)
    records.insert(1, {**records[0], "id": records[0]["id"] + "-XL", "size": "XL"})
    write_rows(shop, header, records)


def _unmapped_first_removed(shop: Path) -> None:
    header, records = rows(shop)  # rows 4 and 50 were made unmapped before the first push (CFG004 once)
    del records[4]
    write_rows(shop, header, records)


def _profile_field(shop: Path) -> None:
    edit_config(shop, "    fields:\n", '      custom_label_3: "cl3-{{ brand }}"\n')  # (the google channel's)


def _rule(shop: Path) -> None:
    rule = "      - name: heavy\n        when:\n          - {field: brand, contains: Northwind}\n"
    edit_config(shop, "    rules:\n", rule + "        then:\n          - {set: custom_label_2, value: nw}\n")


def _setting(shop: Path) -> None:
    config = shop / "feedsync.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("same_day", "next_day"), encoding="utf-8")


def _category_map(shop: Path) -> None:
    path = shop / "categories.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("men's clothing > men's shirts", "men's clothing > men's tops"), encoding="utf-8")


def _supplement(shop: Path) -> None:
    path = shop / "store_stock.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("NW-PORTLAND,NW-TEE-NAV-S,5,", "NW-PORTLAND,NW-TEE-NAV-S,2,"), encoding="utf-8")


def _nothing(shop: Path) -> None:
    return None


ROW_CHANGES: dict[str, Callable[[Path], None]] = {
    "nothing": _nothing,
    "row edited": _edit_row,
    "row added": _add_row,
    "row removed": _remove_row,
    "rows reordered": _reorder,
    "duplicate id": _duplicate_id,
    "duplicate variant": _duplicate_variant,
    "family gains a variant": _family_gains_variant,
    "first unmapped row removed": _unmapped_first_removed,
}
WHOLE_CHANGES: dict[str, Callable[[Path], None]] = {
    "profile field": _profile_field,
    "rule": _rule,
    "setting": _setting,
    "category map": _category_map,
    "supplement": _supplement,
}


def _shop(demo_copy: Path) -> Path:
    header, records = rows(demo_copy)
    records[4]["product_type"] = records[50]["product_type"] = "Garden > Tools"  # not in the category map
    write_rows(demo_copy, header, records)
    return demo_copy


def test_after_each_kind_of_row_change_the_cached_push_equals_a_cold_one(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One change after another (each on top of the last): only the rows it touches are computed."""
    shop = _shop(demo_copy)
    recorded = prepare(shop, monkeypatch)
    first = push(shop, recorded)
    assert (first.replayed, first.computed) == (0, ROWS)
    for change, apply in ROW_CHANGES.items():
        apply(shop)
        cold, warm = cold_and_warm(shop, recorded)
        assert_same(cold, warm)
        assert warm.replayed >= len(rows(shop)[1]) - 6, change  # most rows come from the cache
        assert warm.replayed + warm.computed <= len(rows(shop)[1]), change


def test_after_a_change_every_row_reads_the_cached_push_computes_every_row(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _shop(demo_copy)
    recorded = prepare(shop, monkeypatch)
    before = push(shop, recorded)
    for change, apply in WHOLE_CHANGES.items():
        apply(shop)
        cold, warm = cold_and_warm(shop, recorded)
        assert_same(cold, warm)
        assert warm.replayed == 0, change
        assert warm.feeds != before.feeds or warm.findings != before.findings, change
        before = warm


def test_the_sync_sends_only_the_changed_rows_and_the_next_push_sends_nothing(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _shop(demo_copy)
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    _edit_row(shop)
    warm = push(shop, recorded)
    creates, updates, refreshes, deletes, unchanged = warm.plans[0]
    assert unchanged == ROWS - 2
    assert (len(creates), len(refreshes), deletes) == (0, 0, [])
    assert len(updates) == 2
    again = push(shop, recorded)
    assert again.plans[0][:4] == ([], [], [], [])
    assert again.replayed == ROWS - 1  # the first row whose category is unmapped: computed to report it (CFG004)


def test_an_item_the_destination_lost_is_computed_and_sent_again(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _shop(demo_copy)
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    from feedsync.config import load_config
    from feedsync.state import State

    config = load_config(shop / "feedsync.yaml")
    with State(config.state_path) as state:
        sent = state.sent_items("facebook", "meta_catalog_api:1234")
        lost = sorted(sent)[0]
        state.forget_items("facebook", "meta_catalog_api:1234", [lost])
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert [c[0] for c in warm.plans[0][0]] == [lost]
    assert warm.computed == 2  # the lost item's row, and the first row whose category is unmapped (CFG004)


class _Clock(datetime):
    at = datetime(2026, 11, 1, 12, tzinfo=UTC)

    @classmethod
    def now(cls, tz: object = None) -> _Clock:  # type: ignore[override]
        return cls.at.astimezone(tz)  # type: ignore[arg-type,return-value]


def test_a_rule_reading_now_is_recomputed_when_time_passes_the_date_it_names(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _shop(demo_copy)
    header, records = rows(shop)
    records[7]["sale_price"] = "10.00"
    records[7]["sale_price_effective_date"] = "2026-11-01T13:00:00Z/2026-11-02T13:00:00Z"
    write_rows(shop, header, records)
    rule = "      - name: sale season\n        when:\n          - {field: now, gte: '2026-11-01T13:00:00Z'}\n"
    edit_config(shop, "    rules:\n", rule + "        then:\n          - {set: custom_label_4, value: live}\n")
    recorded = prepare(shop, monkeypatch)
    monkeypatch.setattr(profile, "datetime", _Clock)
    cold_before = push(shop, recorded).feeds["out/facebook.csv"]
    monkeypatch.setattr(_Clock, "at", datetime(2026, 11, 1, 12, 30, tzinfo=UTC))  # before the date: replayed
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert warm.replayed == ROWS - 1
    monkeypatch.setattr(_Clock, "at", datetime(2026, 11, 1, 14, tzinfo=UTC))  # the rule's date has passed
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert warm.replayed == 0
    assert b",live\r\n" in warm.feeds["out/facebook.csv"] and b",live\r\n" not in cold_before


def test_a_push_with_a_channel_whose_encoder_reads_the_catalog_keeps_no_cache(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Amazon's messages depend on their families (a parent on its children): such a push computes every row."""
    shop = _shop(demo_copy)
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded, channels=["google", "amazon"])
    push(shop, recorded, channels=["google", "amazon"])
    assert recorded.runs == []
    assert not (shop / ".feedsync" / "rowcache").exists()


def test_a_template_reading_now_makes_its_channel_compute_every_row(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = _shop(demo_copy)
    edit_config(shop, "    fields:\n", '      custom_label_3: "{{ now.hour }}"\n')  # (the google channel's)
    recorded = prepare(shop, monkeypatch)
    monkeypatch.setattr(profile, "datetime", _Clock)
    first = push(shop, recorded, channels=["google"])
    monkeypatch.setattr(_Clock, "at", datetime(2026, 11, 1, 15, tzinfo=UTC))
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert warm.feeds["out/google.xml"] != first.feeds["out/google.xml"]  # the hour is another
    assert warm.replayed == 0


@pytest.mark.parametrize(
    "condition",
    ["{field: now.hour, gte: 12}", "{field: now, matches: '[T ]1[2-9]:'}"],
)
def test_a_rule_reading_now_otherwise_than_against_its_own_dates_makes_its_channel_compute_every_row(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch, condition: str
) -> None:
    """Only a condition comparing ``now`` itself with dates written in it changes at those dates alone; the hour of
    the run, or ``now`` read as a text, changes within a day."""
    shop = _shop(demo_copy)
    rule = f"      - name: afternoon\n        when:\n          - {condition}\n"
    edit_config(shop, "    rules:\n", rule + "        then:\n          - {set: custom_label_4, value: pm}\n")
    recorded = prepare(shop, monkeypatch)
    monkeypatch.setattr(profile, "datetime", _Clock)
    monkeypatch.setattr(_Clock, "at", datetime(2026, 11, 1, 9, tzinfo=UTC))
    morning = push(shop, recorded).feeds["out/facebook.csv"]
    monkeypatch.setattr(_Clock, "at", datetime(2026, 11, 1, 21, tzinfo=UTC))  # 16:00 in the shop's New York
    cold, warm = cold_and_warm(shop, recorded)
    assert_same(cold, warm)
    assert _labels(warm.feeds["out/facebook.csv"]) == {"pm"} and _labels(morning) == {""}


def _labels(feed: bytes) -> set[str]:
    return {row["custom_label_4"] for row in csv.DictReader(io.StringIO(feed.decode("utf-8")))}


def test_a_finding_of_a_row_that_moves_in_two_pushes_is_told_at_its_row(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replayed row's entry is written again where the row now is; its findings, recorded where it was first
    computed, were then read as though recorded at the new row: once the row moved again they kept the row it had
    when computed (a cold push tells them at the row's place)."""
    shop = _shop(demo_copy)
    header, records = rows(shop)
    records[30]["title"] = "Free shipping " + records[30]["title"]  # GMC015 (promotional text), told at its row
    write_rows(shop, header, records)
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    for _ in range(2):  # a row before it added, twice: the row moves down one, then one more
        header, records = rows(shop)
        records.insert(0, {**records[0], "id": f"{records[0]['id']}-NEW{len(records)}"})
        write_rows(shop, header, records)
        cold, warm = cold_and_warm(shop, recorded)
        assert_same(cold, warm)
        assert warm.replayed >= ROWS - 2
        assert any(
            "GMC015" in finding and f"row={len(records) - ROWS + 31 + 1}," in finding for finding in warm.findings
        )
