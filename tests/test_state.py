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


def _damaged(path: Path) -> None:
    """A state whose header is whole and whose runs table has a page of garbage (a disk's bad sector, a copy cut)."""
    with State(path) as state:
        for _ in range(200):
            state.finish_run(state.start_run("push", "google", "directory:/www"), outcome="published", item_count=9)
    db = sqlite3.connect(path)
    (page,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'runs'").fetchone()
    (size,) = db.execute("PRAGMA page_size").fetchone()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(b"\x5a" * 200)


def test_a_state_damaged_inside_is_a_state_error_when_a_query_meets_the_damage(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    _damaged(path)
    with State(path) as state:  # (its header is whole: it opens)
        for use in (state.mark_interrupted, state.runs, lambda: state.last_push("google")):
            with pytest.raises(StateError) as info:
                use()
            assert str(info.value) == (
                f"state database {path} is unusable (database disk image is malformed): it is damaged: restore it "
                "from a backup (moving it away starts a new one, which knows nothing of what was sent, the orders "
                "imported or the runs before)"
            )


def test_an_error_of_feedsync_s_own_sql_stays_a_bug_not_the_file_s(tmp_path: Path) -> None:
    """An SQL error of feedsync's own (a column its query names that the state has not: SQLITE_ERROR) was told as a
    damaged state ("restore it from a backup"), which would throw away the sync history for a bug: it stays the
    sqlite3 error (exit 70, "report it")."""
    with State(tmp_path / "state.sqlite") as state:
        state._db.execute("ALTER TABLE items RENAME COLUMN destination TO destinaton")
        with pytest.raises(sqlite3.OperationalError, match="no such column"):
            state.sent_items("google", "directory:www")


@pytest.mark.parametrize(("free", "told"), [(20 << 10, "its disk is full or nearly"), (50 << 30, "the disk failed")])
def test_an_io_error_on_a_nearly_full_disk_says_to_free_space_not_to_restore_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, free: int, told: str
) -> None:
    """SQLite tells a write that failed on a full disk as SQLITE_IOERR as often as SQLITE_FULL: the advice was "the
    disk failed ... restore it from a backup", which would throw away the sync history for a full disk."""
    import shutil
    from collections import namedtuple

    from feedsync.state import _unusable

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda where: usage(100 << 30, 0, free))
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_WRITE"  # type: ignore[attr-defined]
    message = str(_unusable(tmp_path / "state.sqlite", error))
    assert told in message
    assert ("restore it from a backup" in message) == (told == "the disk failed")


def test_a_state_feedsync_may_not_write_is_a_state_error_saying_so(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State(path) as state:
        state._db.execute("PRAGMA query_only = ON")  # (SQLite refuses writes as for a file of mode 444)
        assert state.runs() == []  # reading still works
        with pytest.raises(StateError) as info:
            state.start_run("push", "google", None)
        assert str(info.value) == (
            f"state database {path} is unusable (attempt to write a readonly database): let the user running "
            f"feedsync write it and its folder {tmp_path} (SQLite writes its journal files beside it)"
        )
    with pytest.raises(sqlite3.ProgrammingError):  # feedsync's own misuse stays a bug (exit 70), not the file's
        state.runs()
