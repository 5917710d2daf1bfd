"""Scratch folders removed off the run's path (``feedsync.tidy``): at once outside ``deferred``; by a thread within
it, all gone when it ends, however it ends; a build on the command line whose rows are split leaves no scratch
folder once the command has returned, its removal made while the report was printed."""

from __future__ import annotations

import shutil
import threading
from contextlib import nullcontext
from pathlib import Path

import pytest
from typer.testing import CliRunner

from feedsync import atomic, rows, tidy
from feedsync.cli.app import app
from tests.test_rows import catalog, row

runner = CliRunner(env={"COLUMNS": "200"})


def _scratch(folder: Path) -> Path:
    (folder / "0").mkdir(parents=True)
    (folder / "0" / "google.xml").write_bytes(b"<rss/>" * 1000)
    return folder


def _removals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Path, str]]:
    """Each removal of a folder and all it holds (tidy's, and any other of the run's): the folder and the thread
    that made it."""
    made: list[tuple[Path, str]] = []
    remove = shutil.rmtree

    def recorded(path: Path, **options: object) -> None:
        made.append((Path(path), threading.current_thread().name))
        remove(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(tidy.shutil, "rmtree", recorded)
    return made


def test_a_folder_is_removed_at_once_outside_deferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _removals(monkeypatch)
    folder = _scratch(tmp_path / "scratch")
    tidy.remove(folder)
    assert not folder.exists()
    assert made == [(folder, threading.current_thread().name)]


@pytest.mark.parametrize("fails", [False, True])
def test_within_deferred_a_thread_removes_it_and_all_are_gone_when_it_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    made = _removals(monkeypatch)
    folders = [_scratch(tmp_path / f"scratch{n}") for n in range(3)]
    with pytest.raises(RuntimeError) if fails else nullcontext(), tidy.deferred():
        for folder in folders:
            tidy.remove(folder)
        if fails:
            raise RuntimeError("the command failed")
    assert not any(folder.exists() for folder in folders)
    assert sorted(made) == sorted((folder, "feedsync-tidy") for folder in folders)
    tidy.remove(other := _scratch(tmp_path / "after"))  # outside it again: at once, on this thread
    assert not other.exists() and made[-1] == (other, threading.current_thread().name)


def test_a_split_build_on_the_command_line_leaves_no_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _removals(monkeypatch)
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = catalog(tmp_path / "catalog", [row(n, f"G{n // 3}") for n in range(1, 61)])
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", "-c", str(config), "--out", str(out), "--jobs", "2"])
    assert result.exit_code in (0, 1), result.output
    assert sorted(path.name for path in out.iterdir()) == ["amazon.json", "facebook.csv", "google.xml"]
    scratch = [(path, thread) for path, thread in made if path.name.startswith(rows.SCRATCH)]
    assert len(scratch) == 1 and scratch[0][1] == "feedsync-tidy" and scratch[0][0].parent == out


def test_a_split_build_removes_the_feeds_it_replaced_and_its_shares_documents_off_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = catalog(tmp_path / "catalog", [row(n, f"G{n // 3}") for n in range(1, 61)])
    out = tmp_path / "out"
    command = ["build", "-c", str(config), "--out", str(out), "--jobs", "2"]
    assert runner.invoke(app, command).exit_code in (0, 1)
    before = {path.name: path.stat().st_ino for path in out.iterdir()}
    monkeypatch.setattr(atomic, "ASIDE", 1)  # every feed put aside as it is replaced
    removed: list[tuple[str, str]] = []
    remove = tidy._removed

    def recorded(path: Path) -> None:
        removed.append((path.name, threading.current_thread().name))
        remove(path)

    monkeypatch.setattr(tidy, "_removed", recorded)
    result = runner.invoke(app, command)
    assert result.exit_code in (0, 1), result.output
    assert sorted(path.name for path in out.iterdir()) == sorted(before)
    # the stitch renames the feeds in a thread of its own: their old files are removed by tidy's threads
    aside = [atomic._TEMP.match(name) for name, _ in removed]
    assert sorted(found["target"] for found in aside if found is not None) == sorted(before)
    # and the later share's documents, each once the stitch read it whole (not with the scratch folder at the end)
    assert sorted(name for name, _ in removed if name in before) == sorted(before)
    assert {thread for _, thread in removed} == {"feedsync-tidy"}


def test_where_no_thread_can_be_started_it_is_removed_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    folder = _scratch(tmp_path / "scratch")
    with tidy.deferred():
        monkeypatch.setattr(threading.Thread, "start", refused)
        tidy.remove(folder)
        assert not folder.exists()
        monkeypatch.undo()
