"""Run feedsync as a separate process that an injected fault kills at a named step (``feedsync.faults``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from feedsync.faults import KILLED


def run_feedsync(
    *args: str, cwd: Path, fault: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m feedsync ARGS`` in ``cwd``; with ``fault`` (``point`` or ``point:N``) the run dies there."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSYNC_FAULT")}
    environment.update(env or {})
    if fault is not None:
        environment["FEEDSYNC_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "feedsync", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def points_passed(*args: str, cwd: Path, env: dict[str, str] | None = None) -> list[str]:
    """The checkpoints a clean run of ``feedsync ARGS`` passes, in order (one entry per pass)."""
    log = cwd / ".fault-points.log"
    log.unlink(missing_ok=True)
    result = run_feedsync(*args, cwd=cwd, env={**(env or {}), "FEEDSYNC_FAULT_LOG": str(log)})
    assert result.returncode != KILLED, result.stderr
    points = log.read_text(encoding="utf-8").split() if log.is_file() else []
    log.unlink(missing_ok=True)
    return points


def state_after_exit(pid: int, *, wait: float = 10.0) -> str:
    """The state of process ``pid`` once it no longer runs (``ps``'s letter; "gone" when it was reaped): a
    killed process closes its files before it becomes a zombie, so right after its output ends it may still be
    running its exit. A process that lives on shows its waiting state (``S``) at once."""
    deadline = time.monotonic() + wait
    while True:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                state = stat.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return "gone"
        if state not in ("R", "D") or time.monotonic() > deadline:
            return state
        time.sleep(0.01)
