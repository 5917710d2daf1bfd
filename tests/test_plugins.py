"""Plugins by folder: a channel package dropped under feedsync/channels/ is found with its rule codes, without
being named anywhere else."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from feedsync.channels.base import channel_names
from feedsync.diagnostics import CODES
from tests.conftest import REPO

CHANNEL = """
from feedsync.channels.base import ChannelSpec, FormatSpec, register_channel
from feedsync.diagnostics.codes import register
from feedsync.diagnostics.diagnostic import Severity

register("TST001", "test-finding", Severity.WARNING, "A code that only the dropped-in test channel registers.", ("t",))
register_channel(ChannelSpec(name="dropped", formats={"csv": FormatSpec("csv", "delimited", {})}, check_item=list))
"""


def test_a_channel_package_in_the_folder_registers_its_spec_and_codes(tmp_path: Path) -> None:
    (tmp_path / "dropped").mkdir()
    (tmp_path / "dropped" / "__init__.py").write_text(CHANNEL, encoding="utf-8")
    script = textwrap.dedent(f"""
        import feedsync.channels
        feedsync.channels.__path__.append({str(tmp_path)!r})
        from feedsync.diagnostics import CODES
        info = CODES["TST001"]  # a lookup discovers the channel packages
        from feedsync.channels.base import channel_names
        print(info.name, info.tags, "dropped" in channel_names(), list(CODES)[-1], "TST001" in list(CODES))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["test-finding", "('t',)", "True", "ORD011", "True"]


def test_every_channel_package_registers_a_channel() -> None:
    folders = sorted(p.name for p in (REPO / "feedsync" / "channels").iterdir() if (p / "__init__.py").is_file())
    assert folders and set(folders) <= set(channel_names())


def test_codes_list_core_first_channels_in_between_and_destinations_last() -> None:
    prefixes = list(dict.fromkeys(code.rstrip("0123456789") for code in CODES))
    assert prefixes[:3] == ["CFG", "SRC", "MDL"] and prefixes[-2:] == ["DST", "ORD"]
    assert {"GMC", "META", "AMZ"} <= set(prefixes[3:-2])
    numbers = [int(code[3:]) for code in CODES if code.startswith("GMC")]
    assert numbers == sorted(numbers)
