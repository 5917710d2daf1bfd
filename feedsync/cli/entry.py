"""The ``feedsync`` command's entry point (``python -m feedsync`` too): the CLI is imported under the same guard as
it runs, so that Ctrl-C while the package is still being imported (its first few tenths of a second) ends as a
Ctrl-C during a command does: ``interrupted`` on stderr, exit 130, no traceback."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130
"""``common.EXIT_INTERRUPTED``, named here without importing the CLI (a test holds the two equal)."""


def main() -> None:
    try:
        from feedsync.cli.app import main as run

        run()
    except KeyboardInterrupt:
        common = sys.modules.get("feedsync.cli.common")
        if common is not None and hasattr(common, "err"):  # (the command's output options: quiet, JSON, masking)
            common.err("interrupted", level="error")
        else:
            sys.stderr.write("interrupted\n")
            sys.stderr.flush()
        sys.exit(EXIT_INTERRUPTED)
