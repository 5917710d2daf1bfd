"""Atomic writes and the removal of the temp files killed writers leave (never a live writer's)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from feedsync.atomic import atomic_write, remove_leftovers


def test_only_old_unheld_temp_files_of_the_named_targets_are_removed(tmp_path: Path) -> None:
    killed = tmp_path / ".feed.xml.abcd_123.tmp"  # a killed writer's: nobody holds it
    killed.write_bytes(b"half")
    other = tmp_path / ".other.xml.abcd_123.tmp"  # another target's
    other.write_bytes(b"half")
    lookalike = tmp_path / ".feed.xml.notatemp.tmp.bak"
    lookalike.write_bytes(b"kept")
    for path in (killed, other, lookalike):
        os.utime(path, (time.time() - 60, time.time() - 60))
    started = time.time() - 30
    with atomic_write(tmp_path / "feed.xml") as handle:  # a live writer (a build beside the push)
        handle.write(b"new")
        [live] = [p for p in tmp_path.glob(".feed.xml.*.tmp") if p != killed]
        os.utime(live, (time.time() - 60, time.time() - 60))  # even when it looks old: it is held
        removed = remove_leftovers(tmp_path, lambda name: name == "feed.xml", before=started)
        assert removed == [killed] and live.exists()
    assert (tmp_path / "feed.xml").read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".feed.xml.notatemp.tmp.bak",
        ".other.xml.abcd_123.tmp",
        "feed.xml",
    ]


def test_a_temp_file_newer_than_the_run_is_left_alone(tmp_path: Path) -> None:
    fresh = tmp_path / ".feed.xml.abcd_123.tmp"
    fresh.write_bytes(b"just created, not locked yet")
    assert remove_leftovers(tmp_path, lambda name: True, before=time.time() - 60) == []
    assert fresh.exists()
