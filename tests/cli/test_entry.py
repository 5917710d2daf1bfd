"""The ``feedsync`` command's entry point: Ctrl-C while the CLI is still being imported ends as one during a command
does (``interrupted``, exit 130), not as a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedsync.cli import common, entry
from tests.conftest import REPO

SLOW_IMPORT = """
import importlib.abc, pathlib, sys, time

BEGUN = pathlib.Path(sys.argv[1])

MODULE = sys.argv[2]

class Slow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == MODULE:
            BEGUN.touch()  # the import has begun: Ctrl-C may come
            time.sleep(30)
        return None

sys.meta_path.insert(0, Slow())
sys.argv = ["feedsync", "validate", "--help"]
from feedsync.cli.entry import main
main()
"""


def test_the_exit_code_is_the_cli_s() -> None:
    assert entry.EXIT_INTERRUPTED == common.EXIT_INTERRUPTED == 130


@pytest.mark.parametrize("module", ["feedsync.cli.app", "feedsync.cli.feeds"])
def test_ctrl_c_while_the_cli_is_imported_is_told_as_an_interruption(tmp_path: Path, module: str) -> None:
    """While the CLI is imported, and while a command's module is (imported when the command is looked up, where
    typer would end the run with 130 and say nothing)."""
    begun = tmp_path / "begun"
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_IMPORT, str(begun), module],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    deadline = time.monotonic() + 60
    while not begun.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert begun.exists(), process.communicate()
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    # 130, or the interpreter's own end by SIGINT where the interrupt reached code Python ran by exec (dataclasses
    # make their methods so): a shell reads both as 130
    assert process.returncode in (130, -signal.SIGINT), (process.returncode, err)
    assert err.decode() == "interrupted\n" and out == b""


def test_the_command_and_python_m_enter_through_it() -> None:
    import tomllib

    import feedsync.__main__ as module

    scripts = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"feedsync": "feedsync.cli.entry:main"}
    assert module.main is entry.main
