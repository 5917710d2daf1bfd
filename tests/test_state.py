from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from feedsync.errors import StateError
from feedsync.state import SCHEMA_VERSION, State


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
