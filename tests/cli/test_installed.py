"""Smoke test of the installed ``feedsync`` console script, run as a user would, from another directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import etree

from feedsync import __version__

SCRIPT = Path(sys.executable).parent / "feedsync"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.is_file(), f"feedsync is not installed beside {sys.executable}; run: pip install '.[test]'"
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_installed_feedsync_pushes_the_demo_from_another_directory(demo_copy: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("push", "-c", str(demo_copy / "feedsync.yaml"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "google: 88 items, 0 excluded, 0 rejected; published" in result.stderr
    items = etree.parse(str(demo_copy / "public" / "google.xml")).getroot().findall("channel/item")
    assert len(items) == 88
    assert list(elsewhere.iterdir()) == []  # nothing written into the working directory


def test_installed_version_and_module_entry_point(tmp_path: Path) -> None:
    assert run("--version", cwd=tmp_path).stdout.strip() == f"feedsync {__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "feedsync", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == f"feedsync {__version__}"
