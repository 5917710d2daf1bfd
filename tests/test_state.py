from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from feedsync.errors import StateError
from feedsync.state import FORCED, SCHEMA_VERSION, State


def test_new_state_is_migrated_and_records_runs(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.sqlite"
    with State(path) as state:
        assert state.schema_version == SCHEMA_VERSION
        first = state.start_run("push", "google", "directory:/www")
        second = state.start_run("push", "meta", None)
        state.finish_run(first, outcome="published", item_count=88)
    with State(path) as state:  # reopening does not migrate again or lose rows
        runs = state.runs()
        assert [(r.id, r.channel, r.outcome, r.item_count) for r in runs] == [
            (second, "meta", "running", None),
            (first, "google", "published", 88),
        ]
        assert runs[1].ended_at is not None and runs[1].ended_at >= runs[1].started_at
        assert [r.channel for r in state.runs(channel="google")] == ["google"]


def test_state_from_a_newer_feedsync_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StateError, match="newer than this feedsync"):
        State(path)


def test_corrupt_state_is_a_state_error(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StateError, match="unusable"):
        State(path)


def test_the_guardrail_history_starts_again_at_a_forced_push(tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite") as state:
        for count, outcome, message in [
            (90, "published", None),
            (50, "published", FORCED),
            (60, "refused", "the item count fell"),
            (55, "published_with_findings", None),
            (52, "published", None),
        ]:
            run = state.start_run("push", "google", None)
            state.finish_run(run, outcome=outcome, item_count=count, message=message)
        state.finish_run(state.start_run("push", "meta", None), outcome="published", item_count=7)
        assert state.published_counts("google", 5) == [52, 55, 50]  # not 90: --force published 50 past it
        assert state.published_counts("google", 2) == [52, 55]
        assert state.published_counts("meta", 5) == [7]


def test_runs_left_running_are_marked_interrupted(tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite") as state:
        done = state.start_run("push", "google", None)
        state.finish_run(done, outcome="published", item_count=3)
        state.start_run("push", "google", None)
        assert state.mark_interrupted() == 1
        assert [run.outcome for run in state.runs()] == ["interrupted", "published"]
        assert state.mark_interrupted() == 0


def test_an_item_whose_update_was_refused_is_held_in_its_version_before(tmp_path: Path) -> None:
    """Refused an update, the destination still holds (and sells) the version it accepted: the item is among those
    sent (without a hash, so that whatever the catalog holds of it is sent again, even that version) and its key
    maps orders to it. Refused its first version, it is neither."""
    from feedsync.sync import NEVER_HELD

    with State(tmp_path / "state.sqlite") as state:
        state.record_items("amazon", "sp", [("A", "h1"), ("B", "h2")], keys={"A": "SKU-A", "B": "SKU-B"})
        state.record_items("amazon", "sp", [("A", NEVER_HELD)], status="rejected", message="bad")
        state.record_items("amazon", "sp", [("C", NEVER_HELD)], status="rejected", message="bad")
        assert {k: v[0] for k, v in state.sent_items("amazon", "sp").items()} == {"A": "", "B": "h2"}
        assert state.catalog_ids("amazon", "SKU-A") == ["A"] and state.rejected_items("amazon") == 2
        state.record_items("amazon", "sp", [("A", "h1")])  # sent again and accepted
        assert {k: v[0] for k, v in state.sent_items("amazon", "sp").items()} == {"A": "h1", "B": "h2"}
        assert state.rejected_items("amazon") == 1
