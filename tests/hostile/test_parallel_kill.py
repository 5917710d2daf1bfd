"""A build with its channels split over processes, killed while a worker still builds its channels: the worker
dies with it (it neither lives on, waiting for work that never comes, nor replaces its feeds after the kill)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from feedsync.faults import KILLED
from tests.hostile.killing import state_after_exit

SCRIPT = """
import os, sys, time
from types import SimpleNamespace
from feedsync import parallel, pipeline

marker = sys.argv[1]

def work(group, index):
    with open(marker + ".pid.tmp", "w") as handle:
        handle.write(str(os.getpid()))
    os.replace(marker + ".pid.tmp", marker + ".pid")  # whole when it appears: the parent kills on seeing it
    time.sleep(60)
    open(marker, "w").write("a feed written after the run was killed")

def killed(*args, **kwargs):
    while not os.path.exists(marker + ".pid"):
        time.sleep(0.01)
    os._exit(137)

parallel._work = work
pipeline.run = killed
channels = {name: SimpleNamespace(profile=name) for name in ("google", "facebook")}
parallel.run_parallel(SimpleNamespace(channels=channels), "build", ["google", "facebook"], 2)
"""


def test_a_killed_channel_split_leaves_no_worker_behind(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marker)], capture_output=True, text=True, timeout=45, check=False
    )
    assert run.returncode == KILLED, run.stderr  # returned: no worker holds its output open any longer
    pid = int((tmp_path / "written.pid").read_text())
    assert state_after_exit(pid) in ("Z", "X", "gone")  # ended: it writes nothing more
    assert not marker.exists()
