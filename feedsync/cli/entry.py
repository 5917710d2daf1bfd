"""The ``feedsync`` command's entry point (``python -m feedsync`` too): the CLI is imported under the same guard as
it runs, so that Ctrl-C while the package is still being imported (its first few tenths of a second) ends as a
Ctrl-C during a command does: ``interrupted`` on stderr, exit 130, no traceback. SIGTERM (a cron's ``timeout``, a
container stopped) stops a command as Ctrl-C does (``terminated``, exit 143): it had ended the process where it was,
its runs left running and its temporary files behind."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from feedsync.errors import Terminated

EXIT_INTERRUPTED = 130
"""``common.EXIT_INTERRUPTED``, named here without importing the CLI (a test holds the two equal)."""
EXIT_TERMINATED = 143
"""``common.EXIT_TERMINATED``: 128 + SIGTERM, as a shell reports a process SIGTERM ended."""


def stopped(exc: KeyboardInterrupt) -> tuple[str, int]:
    """What a run stopped by ``exc`` says, and its exit code."""
    return ("terminated", EXIT_TERMINATED) if isinstance(exc, Terminated) else ("interrupted", EXIT_INTERRUPTED)


def _terminate(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from feedsync.cli.app import main as run

        run()
    except KeyboardInterrupt as exc:
        said, code = stopped(exc)
        common = sys.modules.get("feedsync.cli.common")
        if common is not None and hasattr(common, "err"):  # (the command's output options: quiet, JSON, masking)
            common.err(said, level="error")
        else:
            sys.stderr.write(said + "\n")
            sys.stderr.flush()
        sys.exit(code)
