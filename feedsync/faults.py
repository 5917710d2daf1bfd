"""Injected faults, for the crash tests: a run dies at a named step as a ``kill -9`` would.

``FEEDSYNC_FAULT=point`` (or ``point:N``, the N-th time the run passes it; default the first) makes
``checkpoint(point)`` end the process at once with ``os._exit(137)``: no ``finally``, no ``atexit``, no flush,
exactly what a killed process leaves behind. Without the variable a checkpoint costs one dictionary look-up;
checkpoints stand between the steps of a multi-step operation (write a file, record it in the state, rename),
never per item. ``FEEDSYNC_FAULT_LOG=FILE`` appends every point passed to FILE, so a test can list the points
a command goes through before it kills the command at each of them.
"""

from __future__ import annotations

import os

KILLED = 137
"""The exit status of an injected kill (128 + SIGKILL), as a shell reports a ``kill -9``."""

_passed: dict[str, int] = {}


def checkpoint(point: str) -> None:
    """Die here when ``FEEDSYNC_FAULT`` names this point (and this is its N-th pass)."""
    log = os.environ.get("FEEDSYNC_FAULT_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(point + "\n")
    spec = os.environ.get("FEEDSYNC_FAULT")
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    count = _passed[point] = _passed.get(point, 0) + 1
    if count == (int(nth) if nth else 1):
        os._exit(KILLED)
