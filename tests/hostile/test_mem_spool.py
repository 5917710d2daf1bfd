"""A build split by rows whose shares' findings wait on disk (two findings held in memory at most), killed while its
shares hand them over: the feeds before stay whole and no temporary file is left behind (the findings travel in
anonymous files); run to the end, its findings are one process's, in order."""

from __future__ import annotations

import subprocess
from pathlib import Path

from feedsync.faults import KILLED
from tests.hostile import test_rows_kills as kills
from tests.rows_compare import files, write_config

SPILLING = (
    "import runpy, sys; import feedsync.rows as rows; import feedsync.diagnostics.findings as findings; "
    "rows.MIN_ROWS = 1; findings.KEEP = 1; sys.argv[0] = 'feedsync'; runpy.run_module('feedsync', run_name='__main__')"
)


def write_catalog(folder: Path, price: str) -> None:
    """Rows with a GTIN whose check digit is wrong (a finding per row and channel), over several lines each."""
    kills.write_catalog(folder, price, gtin="4006381333932")


def build(cwd: Path, jobs: int, fault: str | None = None) -> subprocess.CompletedProcess[str]:
    args = ["build", "--validate", "--jobs", str(jobs)]
    return kills.run_script(SPILLING, cwd, args, fault=fault, env={"TMPDIR": str(cwd / "tmp")})


def test_findings_on_disk_handed_over_by_a_killed_split_leave_no_file(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir()
    write_config(tmp_path, "products.csv", max_messages=10)
    write_catalog(tmp_path, "10.00")
    one = build(tmp_path, 1)
    assert one.returncode in (0, 1), one.stderr
    (tmp_path / "out").rename(tmp_path / "one")
    split = build(tmp_path, 2)
    assert split.returncode == one.returncode, split.stderr
    told = [line for line in split.stderr.splitlines() if ": " in line and "[" in line]
    assert len(told) > 20 and told == [line for line in one.stderr.splitlines() if ": " in line and "[" in line]
    before = files(tmp_path / "out")
    assert before == files(tmp_path / "one")
    write_catalog(tmp_path, "12.00")
    for fault in ("rows.own-share-written", "rows.shares-made"):
        killed = build(tmp_path, 2, fault)
        assert killed.returncode == KILLED, killed.stderr
        assert {n: d for n, d in files(tmp_path / "out").items() if not n.startswith(".")} == before, fault
        assert list((tmp_path / "tmp").iterdir()) == [], fault
