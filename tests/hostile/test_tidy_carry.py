"""A build with its channels split over processes whose worker's findings wait on disk (more than ``findings.KEEP``
twice over), killed while they are handed back (the worker once it carried them, this process once it has every
worker's result, before it reads them): no file is left in the temporary folder (the findings travel in anonymous
files made before the fork), every feed is whole, and the exit is a kill's (137) or, when a worker died, a clean
error (2, never 70). Run to the end, the worker's findings reach the report, in order."""

from __future__ import annotations

import subprocess
from pathlib import Path

from feedsync.diagnostics import findings
from feedsync.faults import KILLED
from tests.hostile.killing import run_feedsync
from tests.rows_compare import files, write_config

HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size,product_type\n"
ROWS = 1_200
"""Under 2 x ``rows.MIN_ROWS``: the rows are not split, the channels are (amazon here; google and facebook in the
worker). Nine rows in ten have a wrong check digit: a finding per channel, 2,160 in the worker's two channels."""


def write_catalog(folder: Path, price: str) -> None:
    lines = [
        f"V{n},G{n // 3},Tee {n},Soft cotton,/p/{n},/i/{n}.jpg,{price},in_stock,Acme,"
        f"{'4006381333932' if n % 10 else '4006381333931'},{'Red' if n % 2 else 'Blue'},{'SML'[n % 3]},Tops\n"
        for n in range(1, ROWS + 1)
    ]
    (folder / "products.csv").write_text(HEADER + "".join(lines), encoding="utf-8")


def build(cwd: Path, jobs: int, out: str, fault: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    args = ("build", "--validate", "--jobs", str(jobs), "--out", out)
    return run_feedsync(*args, cwd=cwd, fault=fault, env={"TMPDIR": str(cwd / "tmp"), **env})


def told(run: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in run.stderr.splitlines() if line.startswith("products.csv:")]


def feeds(folder: Path) -> dict[str, bytes]:
    found = files(folder)
    assert [name for name in found if name.startswith(".")] == []  # no temp file beside the feeds
    return found


def test_a_channel_split_killed_as_its_findings_come_back_leaves_no_file_and_whole_feeds(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    write_config(tmp_path, "products.csv")
    write_catalog(tmp_path, "10.00")
    one = build(tmp_path, 1, "out")
    assert one.returncode == 1, one.stderr  # the wrong check digits
    log = tmp_path / "points.log"
    split = build(tmp_path, 2, "split", FEEDSYNC_FAULT_LOG=str(log))
    assert split.returncode == 1, split.stderr
    points = log.read_text(encoding="utf-8").split()
    steps = [point for point in points if point.startswith("parallel.")]
    assert steps == ["parallel.findings-carried", "parallel.results-received"]
    before = feeds(tmp_path / "out")
    assert feeds(tmp_path / "split") == before and len(before) == 3
    mine = [line for line in told(one) if "[amazon]" in line]
    theirs = [line for line in told(one) if "[amazon]" not in line]
    assert len(theirs) == 2_160 > 2 * findings.KEEP  # the worker's findings waited on disk
    assert told(split) == mine + theirs  # this process's, then the worker's, each in the order told
    assert list((tmp_path / "tmp").iterdir()) == []
    write_catalog(tmp_path, "12.00")
    assert build(tmp_path, 1, "newer").returncode == 1
    after = feeds(tmp_path / "newer")
    assert after.keys() == before.keys() and all(after[name] != before[name] for name in after)
    for fault in ("parallel.findings-carried", "parallel.results-received"):
        for name, data in before.items():
            (tmp_path / "out" / name).write_bytes(data)
        killed = build(tmp_path, 2, "out", fault)
        assert killed.returncode != 70, killed.stderr
        if fault == "parallel.findings-carried":  # the worker died: this process says so
            assert killed.returncode == 2, killed.stderr
            assert "google, facebook died" in killed.stderr and "rerun with --jobs 1" in killed.stderr
        else:
            assert killed.returncode == KILLED, killed.stderr
        assert list((tmp_path / "tmp").iterdir()) == [], fault
        # each process replaces its feeds as its stream ends, before the findings are handed back: all whole, new
        assert feeds(tmp_path / "out") == after, fault
