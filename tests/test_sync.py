"""The delta sync's plan: what is due for a refresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feedsync.sync import SyncCollector, content_hash

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def test_an_item_sent_at_a_time_still_to_come_is_due_for_a_refresh() -> None:
    """A push made while the clock ran ahead recorded a sent_at in the future: once the clock is right again, the
    item is sent again (trusting the time would leave it unsent until Google expires it)."""
    values = {"id": "A", "title": "Tee"}
    digest = content_hash(values)
    sent = {
        "ahead": (digest, _stamp(NOW + timedelta(days=60))),
        "recent": (digest, _stamp(NOW - timedelta(days=1))),
        "old": (digest, _stamp(NOW - timedelta(days=26))),
    }
    collector = SyncCollector(sent, refresh_after=timedelta(days=25), now=NOW)
    assert [collector.unchanged(item, digest) for item in sent] == [False, True, False]  # (a row cache asks so)
    for item in sent:
        collector.add(item, values)
    plan = collector.finish()
    assert sorted(c.item_id for c in plan.refreshes) == ["ahead", "old"]
    assert plan.unchanged == 1


def test_without_refreshes_a_time_still_to_come_changes_nothing() -> None:
    values = {"id": "A"}
    digest = content_hash(values)
    collector = SyncCollector({"A": (digest, _stamp(NOW + timedelta(days=60)))}, refresh_after=None, now=NOW)
    assert collector.unchanged("A", digest)
    collector.add("A", values)
    assert collector.finish().unchanged == 1
