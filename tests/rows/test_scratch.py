"""A row split's scratch folder beside other runs in the same output folder: each run sweeps the scratch folders
killed runs left (``rows.remove_scratch``), but never one a live run uses, however long that run has been going
(it holds the folder's lock: ``rows._hold``); a killed run's lock goes with it, and its folder with the next sweep."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from feedsync import rows
from feedsync.cli.app import app
from tests.test_rows import catalog, row

runner = CliRunner(env={"COLUMNS": "200"})
LONG_AGO = time.time() - 3600


def _folder(out: Path, name: str, *, locked: bool) -> tuple[Path, int | None]:
    """A scratch folder with a share's document in it, last changed an hour ago (a long run's, or a killed one's)."""
    folder = out / f"{rows.SCRATCH}{name}"
    (folder / "1").mkdir(parents=True)
    (folder / "1" / "google.xml").write_bytes(b"<item/>" * 100)
    fd = rows._hold(folder) if locked else None
    os.utime(folder, (LONG_AGO, LONG_AGO))
    return folder, fd


def test_a_sweep_leaves_a_live_runs_folder_and_removes_a_killed_ones(tmp_path: Path) -> None:
    live, fd = _folder(tmp_path, "live", locked=True)
    released, other = _folder(tmp_path, "released", locked=True)
    unlocked, _ = _folder(tmp_path, "unlocked", locked=False)  # killed before it took its lock (or older code)
    recent, _ = _folder(tmp_path, "recent", locked=False)
    os.utime(recent, None)  # changed since the sweeping run began
    assert fd is not None and other is not None
    os.close(other)
    rows.remove_scratch(tmp_path, before=time.time() - 1)
    assert (live / "1" / "google.xml").read_bytes() == b"<item/>" * 100
    assert not released.exists() and not unlocked.exists()
    assert recent.exists()
    os.close(fd)  # the run is done with it: the next sweep may remove it
    rows.remove_scratch(tmp_path, before=time.time() + 1)
    assert sorted(path.name for path in tmp_path.iterdir()) == []


HOLDER = (
    "import sys, time; from pathlib import Path; from feedsync import rows; "
    "rows._hold(Path(sys.argv[1])); print('held', flush=True); time.sleep(60)"
)


def test_the_lock_is_the_holding_processs_and_goes_when_it_is_killed(tmp_path: Path) -> None:
    folder = tmp_path / f"{rows.SCRATCH}other"
    (folder / "0").mkdir(parents=True)
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            os.utime(folder, (LONG_AGO, LONG_AGO))
            rows.remove_scratch(tmp_path, before=time.time())
            assert (folder / "0").is_dir()  # another process's live run
        finally:
            holder.kill()
    rows.remove_scratch(tmp_path, before=time.time())
    assert not folder.exists()  # killed: its lock went with it


def test_a_split_build_leaves_the_scratch_folder_of_a_run_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    removed: list[Path] = []
    remove = shutil.rmtree

    def recorded(path: Path, **options: Any) -> None:
        removed.append(Path(path))
        remove(path, **options)

    monkeypatch.setattr(shutil, "rmtree", recorded)
    config = catalog(tmp_path / "catalog", [row(n, f"G{n // 3}") for n in range(1, 61)])
    out = tmp_path / "out"
    out.mkdir()
    live, fd = _folder(out, "live", locked=True)
    killed, _ = _folder(out, "killed", locked=False)
    try:
        result = runner.invoke(app, ["build", "-c", str(config), "--out", str(out), "--jobs", "2"])
        assert result.exit_code in (0, 1), result.output
        assert (live / "1" / "google.xml").read_bytes() == b"<item/>" * 100
        assert not killed.exists()
        assert {path.name for path in out.iterdir()} == {"amazon.json", "facebook.csv", "google.xml", live.name}
        own = {path.relative_to(out).parts[0] for path in removed if path not in (live, killed)}
        assert removed[0] == killed and len(own) == 1 and own.pop().startswith(rows.SCRATCH)  # split by rows
    finally:
        assert fd is not None
        os.close(fd)


def test_a_sweep_while_a_split_build_makes_its_shares_leaves_its_scratch_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run's sweep in the same output folder, however late it starts, while this build's processes write
    their shares: the build's feeds are those of one process."""
    from feedsync.rows import here

    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    config = catalog(tmp_path / "catalog", [row(n, f"G{n // 3}") for n in range(1, 61)])
    alone = runner.invoke(app, ["build", "-c", str(config), "--out", str(tmp_path / "alone"), "--jobs", "1"])
    assert alone.exit_code in (0, 1), alone.output
    out = tmp_path / "out"
    make, swept = here.make, []

    def sweeping(index: int, *args: Any) -> Any:
        os.utime(next(out.glob(rows.SCRATCH + "*")), (LONG_AGO, LONG_AGO))
        rows.remove_scratch(out, before=time.time() + 60)  # a run that began after this one
        swept.append(sorted(path.name for path in out.glob(rows.SCRATCH + "*/*")))
        return make(index, *args)

    monkeypatch.setattr(here, "make", sweeping)
    result = runner.invoke(app, ["build", "-c", str(config), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == alone.exit_code, result.output
    assert swept and ".lock" in swept[0]  # the folder, still there
    for name in ("google.xml", "facebook.csv", "amazon.json"):
        assert (out / name).read_bytes() == (tmp_path / "alone" / name).read_bytes(), name
