"""A run imports what it uses: ``feedsync build`` or ``validate`` (every cron and CI run) starts without the HTTP
clients, the order importers, the Amazon API tools, rich, the state's sqlite3 or the row split's processes; a
``push`` to a folder without the HTTP clients. Each runs in a fresh interpreter, through the CLI app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = """
import json, sys
from feedsync.cli.app import app
try:
    app(sys.argv[1:], prog_name="feedsync")
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

EVERY_RUN = (
    "httpx",
    "tenacity",
    "rich",
    "feedsync.destinations.http",
    "feedsync.destinations.amazon_feeds",
    "feedsync.destinations.amazon_definitions",
    "feedsync.notify",
    "feedsync.orders",
    "feedsync.init",
    "feedsync.status",
    "feedsync.explain",
    "feedsync.cli.orders",
    "feedsync.cli.amazon",
    "feedsync.cli.channels",
    "feedsync.cli.sources",
    "feedsync.diagnostics.renderers.text",
    "feedsync.diagnostics.renderers.html",
    "xml.sax",
    "regex",
)
"""Not imported by a build, validate or push of the demo (a push to folders, without a notify webhook; rules without
a regular expression)."""

BUILD = (
    *EVERY_RUN,
    "sqlite3",
    "feedsync.state",
    "feedsync.rowcache",
    "feedsync.rows.child",
    "multiprocessing",
    "feedsync.delivery",
    "feedsync.destinations",
    "feedsync.sync",
    "feedsync.diff",
)
"""Not imported by a build or validate of a small catalog either (one process, no state, nothing to deliver)."""


def _modules(tmp_path: Path, *args: str) -> tuple[int, set[str]]:
    demo = tmp_path / "demo"
    shutil.copytree(REPO / "examples" / "demo", demo)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, *args, "-c", str(demo / "feedsync.yaml")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
        timeout=120,
    )
    found = json.loads(done.stdout.splitlines()[-1])
    return found["code"], set(found["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


@pytest.mark.parametrize(
    ("args", "absent"),
    [
        (("build", "--out", "out"), BUILD),
        (("validate",), BUILD),
        (("validate", "--format", "json"), tuple(n for n in BUILD if n != "xml.sax")),
        (("push",), EVERY_RUN),
    ],
    ids=["build", "validate", "validate-json", "push"],
)
def test_a_run_imports_only_what_it_uses(tmp_path: Path, args: tuple[str, ...], absent: tuple[str, ...]) -> None:
    code, modules = _modules(tmp_path, *args)
    assert code == 0  # the demo builds clean (warnings only)
    assert "feedsync.cli.feeds" in modules and "feedsync.pipeline" in modules
    assert _loaded(modules, absent) == []


def test_every_command_is_named_with_the_module_that_registers_it() -> None:
    """``COMMANDS`` (the root group's list, read before any command module is imported) is what the modules
    register."""
    import typer.main

    from feedsync.cli.app import COMMANDS, _registered

    for module in dict.fromkeys(COMMANDS.values()):
        registered = _registered(module)
        names = [c.name or typer.main.get_command_name(c.callback.__name__) for c in registered.registered_commands]
        names += [g.name for g in registered.registered_groups]
        assert sorted(names) == sorted(n for n, m in COMMANDS.items() if m == module), module


def test_help_lists_every_command_in_order(tmp_path: Path) -> None:
    """``--help`` (and the docs) build every command: the lazy root group loads each module it lists."""
    done = subprocess.run(
        [sys.executable, "-m", "feedsync", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
        check=False,
        timeout=120,
    )
    assert done.returncode == 0
    listed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("│ ") and "  " in line[2:]]
    from feedsync.cli.app import COMMANDS

    assert [name for name in listed if name in COMMANDS] == list(COMMANDS)
