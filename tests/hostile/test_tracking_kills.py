"""push-tracking killed (as by kill -9) at every step of writing the upload file, and the run after it killed
again: on rerun every package is in exactly one upload file (0 lost, 0 duplicated); two runs in the same
second keep both files."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedsync.cli.app import app
from feedsync.faults import KILLED
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.tracking_shop import (
    copy_shop,
    make_shop,
    packages,
    runner,
    tally,
    upload_files,
    write_shipments,
)

PACKAGES = packages()  # 40 packages over 15 orders
FILE_STEPS = ["tracking.pending-recorded", "tracking.file-staged", "tracking.file-written"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Orders imported; the first 12 packages confirmed by an earlier run; shipments.csv lists all 40."""
    folder = tmp_path_factory.mktemp("shop") / "shop"
    config = make_shop(folder)
    earlier = write_shipments(folder / "earlier.csv", PACKAGES[:12])
    done = runner.invoke(app, ["push-tracking", "-c", str(config), "--shipments", str(earlier)])
    assert done.exit_code == 0, done.output
    write_shipments(folder / "shipments.csv", PACKAGES)
    return folder


def kill(folder: Path, fault: str) -> int:
    """A run in its own process, killed at ``fault``."""
    return run_feedsync("push-tracking", "--shipments", "shipments.csv", cwd=folder, fault=fault).returncode


def push(folder: Path, *said: str) -> int:
    """A run without faults (in this process: quicker) that says ``said`` on stderr."""
    config, shipments = str(folder / "feedsync.yaml"), str(folder / "shipments.csv")
    result = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", shipments])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert all(text in result.stderr for text in said), result.stderr
    return result.exit_code


def points_of(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The checkpoints a run without faults passes (in this process)."""
    log = folder.parent / f"{folder.name}.points"
    with monkeypatch.context() as patch:
        patch.setenv("FEEDSYNC_FAULT_LOG", str(log))
        assert push(folder) == 0
    return log.read_text(encoding="utf-8").split() if log.is_file() else []


def states(folder: Path) -> Counter[str]:
    with sqlite3.connect(folder / ".feedsync" / "state.sqlite") as db:
        return Counter(state for (state,) in db.execute("SELECT state FROM shipments"))


def passes(points: list[str]) -> list[str]:
    """Each pass of each point as a FEEDSYNC_FAULT value (point:N), at most 3 passes of a point."""
    out, seen = [], Counter[str]()
    for point in points:
        seen[point] += 1
        if seen[point] <= 3:
            out.append(f"{point}:{seen[point]}")
    return out


def test_a_clean_run_passes_each_step_of_the_upload_file_once(shop: Path, tmp_path: Path) -> None:
    work = copy_shop(shop, tmp_path / "clean")
    assert points_passed("push-tracking", "--shipments", "shipments.csv", cwd=work) == FILE_STEPS
    assert tally(work, PACKAGES) == (0, 0) and len(upload_files(work)) == 2
    assert states(work) == {"confirmed": 40}


@pytest.mark.parametrize("fault", passes(FILE_STEPS))
def test_a_run_killed_at_any_step_confirms_every_package_exactly_once_on_rerun(
    shop: Path, tmp_path: Path, fault: str
) -> None:
    work = copy_shop(shop, tmp_path / "work")
    assert kill(work, fault) == KILLED
    shown = runner.invoke(app, ["status", "-c", str(work / "feedsync.yaml"), "--format", "json"])
    left = [s for s in json.loads(shown.stdout)["failed_shipments"] if "interrupted push-tracking" in s["message"]]
    assert shown.exit_code == 1 and len(left) == 28  # status says what the killed run left pending
    written = fault.startswith("tracking.file-written")  # the file is in place: the rerun only settles
    assert push(work, "28 package(s) an interrupted run wrote" if written else "28 confirmed, 0 failed") == 0
    files = upload_files(work)
    assert push(work) == 0 and upload_files(work) == files  # nothing left to write
    assert tally(work, PACKAGES) == (0, 0)
    assert states(work) == {"confirmed": 40}
    assert not list((work / "outgoing").glob(".*.tmp"))  # a killed run's temp file is cleared


@pytest.mark.parametrize("first", ["tracking.pending-recorded:1", "tracking.file-written:1"])
def test_a_rerun_killed_again_at_any_step_still_confirms_each_package_once(
    shop: Path, tmp_path: Path, first: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed = copy_shop(shop, tmp_path / "killed")
    assert kill(killed, first) == KILLED
    rerun_points = points_of(copy_shop(killed, tmp_path / "probe"), monkeypatch)
    # a file that made it is settled; one that did not is written again, step by step
    assert rerun_points == (["tracking.settled"] if first.startswith("tracking.file-written") else FILE_STEPS)
    for fault in passes(rerun_points):
        work = copy_shop(killed, tmp_path / fault.replace(":", "-"))
        assert kill(work, fault) == KILLED
        assert push(work) == 0
        assert tally(work, PACKAGES) == (0, 0), fault
        assert states(work) == {"confirmed": 40}, fault


def test_two_runs_in_the_same_second_keep_both_upload_files(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Frozen(datetime):
        @classmethod
        def now(cls, tz: object = None) -> Frozen:  # type: ignore[override]
            return cls(2026, 11, 21, 10, 0, 0, tzinfo=UTC)

    monkeypatch.setattr("feedsync.orders.confirmation_file.datetime", Frozen)
    work = copy_shop(shop, tmp_path / "work")
    config = str(work / "feedsync.yaml")
    for part in (PACKAGES[12:26], PACKAGES[26:]):
        path = write_shipments(work / "part.csv", part)
        result = runner.invoke(app, ["push-tracking", "-c", config, "--shipments", str(path)])
        assert result.exit_code == 0, result.output
    same_second = [p for p in upload_files(work) if "20261121T100000Z" in p.name]
    assert len(same_second) == 2
    assert tally(work, PACKAGES) == (0, 0)
