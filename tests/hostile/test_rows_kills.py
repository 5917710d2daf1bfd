"""A build with its rows split, killed at each of its steps (a share's process once it wrote its share; this
process once it wrote its own share, once every share is made, and after each feed is stitched, before any is
renamed into place): every feed of the build before stays whole, a dead share's process is a clean error (exit 2,
never 70), and the next build removes what the killed one left and writes the feeds one process writes."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from feedsync.faults import KILLED
from tests.hostile.killing import state_after_exit
from tests.rows_compare import files, write_config

SPLIT = (
    "import runpy, sys; import feedsync.rows as rows; rows.MIN_ROWS = 1; sys.argv[0] = 'feedsync'; "
    "runpy.run_module('feedsync', run_name='__main__')"
)
"""``python -m feedsync`` with a share of any size (the catalog here has a few dozen rows)."""
HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size,product_type\n"


def split_build(cwd: Path, fault: str | None = None, log: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_script(SPLIT, cwd, ["build", "--validate", "--jobs", "2"], fault=fault, log=log)


def run_script(
    script: str,
    cwd: Path,
    args: list[str],
    *,
    fault: str | None = None,
    log: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -c script`` (a feedsync run, with ``args``) in ``cwd``: killed at ``fault``, its points in ``log``."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSYNC_FAULT")}
    environment.update(env or {})
    if fault is not None:
        environment["FEEDSYNC_FAULT"] = fault
    if log is not None:
        environment["FEEDSYNC_FAULT_LOG"] = str(log)
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_catalog(folder: Path, price: str, gtin: str = "") -> None:
    """Rows over several lines each (``gtin``: every row's)."""
    lines = [
        f'V{n},G{n // 3},Tee {n},"Soft, ""warm""\ncotton",/p/{n},/i/{n}.jpg,{price},in_stock,Acme,{gtin},'
        f"{'Red' if n % 2 else 'Blue'},{'SML'[n % 3]},Tops\n"
        for n in range(1, 40)
    ]
    (folder / "products.csv").write_text(HEADER + "".join(lines), encoding="utf-8")


def test_a_split_build_killed_at_each_step_leaves_the_feeds_before_whole(tmp_path: Path) -> None:
    write_config(tmp_path, "products.csv", max_messages=10)
    write_catalog(tmp_path, "10.00")
    first = split_build(tmp_path)
    assert first.returncode == 0, first.stderr
    before = files(tmp_path / "out")
    assert {"google.xml", "facebook.csv", "amazon.json", "amazon.4.json"} <= before.keys()
    write_catalog(tmp_path, "12.00")
    log = tmp_path / "points.log"
    assert split_build(tmp_path, log=log).returncode == 0
    points = log.read_text(encoding="utf-8").split()
    steps = [p for p in points if p.startswith("rows.")]
    assert sorted(steps[:2]) == ["rows.own-share-written", "rows.share-written"]  # this process's, the other's
    assert steps[2:] == ["rows.shares-made", *["rows.feed-stitched"] * 3]
    after = files(tmp_path / "out")
    assert after != before
    (tmp_path / "out").rename(tmp_path / "after")
    (tmp_path / "before").mkdir()
    for name, data in before.items():
        (tmp_path / "before" / name).write_bytes(data)
    for fault in ("rows.share-written", "rows.own-share-written", "rows.shares-made", "rows.feed-stitched:3"):
        (tmp_path / "out").mkdir()
        for name, data in before.items():
            (tmp_path / "out" / name).write_bytes(data)
        killed = split_build(tmp_path, fault)
        if fault == "rows.share-written":  # a share's process died: this one says so
            assert killed.returncode == 2, killed.stderr
            assert "died" in killed.stderr and "rerun with --jobs 1" in killed.stderr
        else:
            assert killed.returncode == KILLED
        feeds = {name: data for name, data in files(tmp_path / "out").items() if not name.startswith(".")}
        assert feeds == before, fault  # every feed of the build before, whole (a killed temp file beside them)
        again = split_build(tmp_path)
        assert again.returncode == 0, again.stderr
        assert files(tmp_path / "out") == after
        assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == [], fault
        for path in (tmp_path / "out").iterdir():
            path.unlink()
        (tmp_path / "out").rmdir()


ORPHAN = (
    "import os, sys, time; from feedsync.rows import child, share; "
    "share.work = lambda index: time.sleep(60); "
    "print(child.start(1).pid, flush=True); os._exit(137)"
)
"""A run killed while a share's process works: the process would sleep for a minute."""


def test_a_killed_run_leaves_no_share_process_behind() -> None:
    killed = subprocess.run([sys.executable, "-c", ORPHAN], capture_output=True, text=True, timeout=45, check=False)
    assert killed.returncode == KILLED, killed.stderr  # returned: no process holds its output open any longer
    pid = int(killed.stdout)
    assert state_after_exit(pid) in ("Z", "X", "gone")  # ended (its new parent reaps it)


def test_a_split_build_killed_once_it_found_a_family_in_two_shares_leaves_the_feeds_before_whole(
    tmp_path: Path,
) -> None:
    """With Amazon definitions, a catalog whose last row joins the first row's family: a family in two shares, so
    the run is made as though its rows were never split (``rows.Unsplit``: the Amazon channel alone, here in this
    process, after each share wrote its scratch document). Killed as that run has written its feed, before the
    rename, the feed of the build before stays whole; the next build removes what it left."""
    from tests.sources.realdata import REALDATA
    from tests.test_rows import generate

    if not (REALDATA / "amazon" / "product_types" / "PRODUCT-us-2023.json").exists():
        pytest.skip("../shared is absent: the benchmark's catalog has no definition to survey against")
    generate(300, tmp_path)
    with (tmp_path / "products.csv").open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    records[-1][records[0].index("group_id")] = records[1][records[0].index("group_id")]
    with (tmp_path / "products.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    args = ["build", "--validate", "--jobs", "2", "--out", "out", "--channel", "amazon"]
    log = tmp_path / "points.log"
    first = run_script(SPLIT, tmp_path, args, log=log)
    assert first.returncode == 1, first.stderr  # the catalog's bad GTINs: findings, the feeds written
    points = log.read_text(encoding="utf-8").split()
    # each share's scratch document (this process's, the other's), then the feed of the run not split, in this one
    assert sorted(points[:-1]) == ["atomic.written", "atomic.written", "rows.own-share-written", "rows.share-written"]
    assert points[-1] == "atomic.written"
    before = files(tmp_path / "out")
    assert list(before) == ["amazon.json"]
    records[1][records[0].index("title")] += " Deluxe"  # (its item_name in the feed)
    with (tmp_path / "products.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records)
    killed = run_script(SPLIT, tmp_path, args, fault="atomic.written:2")  # (this process's second: the feed's)
    assert killed.returncode == KILLED, killed.stderr
    left = files(tmp_path / "out")
    assert {name: left[name] for name in left if not name.startswith(".")} == before  # the feed: whole
    assert [name for name in left if name.startswith(".")]  # (the new feed's temporary file, left by the kill)
    again = run_script(SPLIT, tmp_path, args)
    assert again.returncode == 1, again.stderr
    assert files(tmp_path / "out") != before
    assert [p.name for p in (tmp_path / "out").iterdir() if p.name.startswith(".")] == []  # removed
