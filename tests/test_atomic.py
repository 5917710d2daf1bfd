"""atomic_write: a file it cannot write is an OutputError naming what stays; other errors pass through as they are."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from feedsync.atomic import atomic_write
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
