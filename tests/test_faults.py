from __future__ import annotations

import subprocess
import sys

from feedsync.faults import KILLED


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from feedsync.faults import checkpoint\nfor _ in range(3):\n    checkpoint('a')\n    print('past a')\n"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)


def test_a_fault_kills_the_process_at_the_nth_pass_without_cleanup(tmp_path) -> None:
    assert _run({"FEEDSYNC_FAULT": "a:2"}).returncode == KILLED
    assert _run({"FEEDSYNC_FAULT": "a:2"}).stdout == ""  # os._exit: not even the buffered output is flushed
    clean = _run({"FEEDSYNC_FAULT": "b", "FEEDSYNC_FAULT_LOG": str(tmp_path / "log")})
    assert clean.returncode == 0
    assert clean.stdout.count("past a") == 3
    assert (tmp_path / "log").read_text().split() == ["a", "a", "a"]
