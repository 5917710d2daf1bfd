"""Run feedsync as a separate process that an injected fault kills at a named step (``feedsync.faults``)."""

from __future__ import annotations

import os
import subprocess
import sys
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
