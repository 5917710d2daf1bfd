"""Atomic writes: a file that cannot be written is an OutputError naming what stays (other errors pass through as
they are), and the temp files killed writers leave are removed (never a live writer's)."""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from pathlib import Path

import pytest

from feedsync import atomic, tidy
from feedsync.atomic import atomic_extend, atomic_write, remove_leftovers
from feedsync.errors import FeedsyncError, OutputError


def test_an_output_error_is_both_a_feedsync_error_and_an_os_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as info, atomic_write(tmp_path / "file" / "feed.xml"):
        pass
    assert isinstance(info.value, FeedsyncError) and isinstance(info.value, OSError)
    assert info.value.exit_code == 2 and info.value.errno in (errno.EEXIST, errno.ENOTDIR)
    assert str(info.value) == (
        f"cannot write {tmp_path}/file/feed.xml: {tmp_path}/file is a file, not a folder; nothing was written"
    )


def test_a_full_disk_in_the_middle_keeps_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    target.write_bytes(b"old")
    with pytest.raises(OutputError) as info, atomic_write(target) as handle:
        handle.write(b"new")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(info.value) == f"cannot write {target}: No space left on device; the previous feed.xml stays as it was"
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["feed.xml"]


def test_other_errors_in_the_body_are_not_blamed_on_the_file(tmp_path: Path) -> None:
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "products.csv")
    with pytest.raises(FileNotFoundError) as info, atomic_write(tmp_path / "feed.xml"):
        raise missing  # e.g. the source went away while the feed was being written
    assert info.value is missing and not isinstance(info.value, OutputError)
    assert list(tmp_path.iterdir()) == []


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


def test_a_draft_extended_in_place_replaces_the_target_in_one_rename(tmp_path: Path) -> None:
    target, draft = tmp_path / "feed.xml", tmp_path / "scratch" / "feed.xml"
    target.write_bytes(b"the previous feed")
    draft.parent.mkdir()
    draft.write_bytes(b"<head>one two</tail>")
    os.chmod(draft, 0o600)
    inode = draft.stat().st_ino
    with atomic_extend(draft, target, keep=len(b"<head>one two")) as handle:
        assert target.read_bytes() == b"the previous feed"  # nothing in place before the end
        handle.write(b" three")
        handle.write(b"</tail>")
    assert target.read_bytes() == b"<head>one two three</tail>"
    assert target.stat().st_ino == inode  # the draft itself, renamed: its bytes were not copied
    assert not draft.exists()
    assert target.stat().st_mode & 0o777 == 0o644


def test_a_failed_extension_leaves_the_target_as_it_was(tmp_path: Path) -> None:
    target, draft = tmp_path / "feed.xml", tmp_path / "scratch" / "feed.xml"
    target.write_bytes(b"the previous feed")
    draft.parent.mkdir()
    draft.write_bytes(b"<head>one</tail>")
    full = pytest.raises(OutputError, match=r"cannot write .*feed\.xml.*stays as it was")
    with full, atomic_extend(draft, target, keep=9):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"the previous feed"
    with pytest.raises(ValueError, match="not the file's"), atomic_extend(draft, target, keep=9):
        raise ValueError("not the file's")
    assert target.read_bytes() == b"the previous feed"


def test_a_scratch_file_is_renamed_into_place_without_being_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    with atomic_write(tmp_path / "scratch.xml", durable=False) as handle:
        handle.write(b"a share's document")
    assert (tmp_path / "scratch.xml").read_bytes() == b"a share's document"
    assert synced == []
    with atomic_write(tmp_path / "feed.xml") as handle:
        handle.write(b"a feed")
    assert len(synced) == 2  # the file, then its folder


def _renames(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Each rename onto a file: its name and how many names the file it replaces has as it is made."""
    seen: list[tuple[str, int]] = []
    rename = os.replace

    def recorded(source: os.PathLike[str] | str, target: os.PathLike[str] | str) -> None:
        with contextlib.suppress(FileNotFoundError):
            seen.append((Path(target).name, os.stat(target).st_nlink))
        rename(source, target)

    monkeypatch.setattr(os, "replace", recorded)
    return seen


@pytest.mark.parametrize("size", [atomic.ASIDE, atomic.ASIDE - 1])
def test_a_large_file_replaced_is_put_aside_and_removed_off_the_run_s_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    target = tmp_path / "google.xml"
    target.write_bytes(b"o" * size)
    old = target.stat().st_ino
    renames = _renames(monkeypatch)
    later = threading.Event()
    with tidy.deferred():
        monkeypatch.setattr(tidy, "_removed", lambda path, remove=tidy._removed: (later.wait(5), remove(path)))
        with atomic_write(target) as handle:
            handle.write(b"new")
        large = size >= atomic.ASIDE
        # the rename drops none of the old file's names where it is large (its blocks are not freed by it)
        assert renames == [("google.xml", 2 if large else 1)]
        assert target.read_bytes() == b"new"
        aside = [path for path in tmp_path.iterdir() if path != target]
        assert [path.stat().st_ino for path in aside] == ([old] if large else [])
        if large:  # a killed run's: the sweep of the next run removes it (a temp file of the target's)
            assert atomic._TEMP.match(aside[0].name)["target"] == "google.xml"  # type: ignore[index]
        later.set()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["google.xml"]


def test_outside_deferred_the_file_put_aside_is_removed_at_once(tmp_path: Path) -> None:
    target = tmp_path / "facebook.csv"
    target.write_bytes(b"o" * atomic.ASIDE)
    with atomic_write(target) as handle:
        handle.write(b"new")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["facebook.csv"]
    assert target.read_bytes() == b"new"


def test_a_failed_rename_leaves_no_second_name_of_the_file_put_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "google.xml"
    target.write_bytes(b"o" * atomic.ASIDE)

    def refused(source: object, destination: object) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refused)
    with pytest.raises(OutputError, match=r"the previous google\.xml stays as it was"), atomic_write(target) as handle:
        handle.write(b"new")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["google.xml"]
    assert target.read_bytes() == b"o" * atomic.ASIDE
