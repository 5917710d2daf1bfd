"""Plugins by folder: a channel package dropped under feedsync/channels/ is found with its rule codes, and a source
module dropped under feedsync/sources/ with its format name, detector and reader, without being named anywhere
else."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from feedsync.channels.base import SHARED_PACKAGES, channel_names
from feedsync.config import SourceConfig, source_formats
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
    assert done.stdout.split() == ["test-finding", "('t',)", "True", "ORD012", "True"]


def test_every_channel_package_registers_a_channel() -> None:
    folders = sorted(p.name for p in (REPO / "feedsync" / "channels").iterdir() if (p / "__init__.py").is_file())
    assert "templating" in folders and {"templating"} == SHARED_PACKAGES  # the one shared package, no channel
    assert set(folders) - SHARED_PACKAGES <= set(channel_names())


def test_codes_list_core_first_channels_in_between_and_destinations_last() -> None:
    prefixes = list(dict.fromkeys(code.rstrip("0123456789") for code in CODES))
    assert prefixes[:3] == ["CFG", "SRC", "MDL"] and prefixes[-2:] == ["DST", "ORD"]
    assert {"GMC", "META", "AMZ"} <= set(prefixes[3:-2])
    numbers = [int(code[3:]) for code in CODES if code.startswith("GMC")]
    assert numbers == sorted(numbers)


SOURCE = """
from feedsync.sources.base import Sniff, detector, register
from feedsync.sources.native import JsonSource


@register("tiny")
def _tiny(config):
    return JsonSource(config, lines=True)


@detector(rank=5)
def _detect(sniff: Sniff):
    return "tiny" if sniff.path.suffix == ".tiny" else None
"""


def test_a_source_module_in_the_folder_registers_its_format_detector_and_reader(tmp_path: Path) -> None:
    (tmp_path / "plugin").mkdir()
    (tmp_path / "plugin" / "tinyformat.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "c.tiny").write_text('{"id": "T1", "title": "Tiny", "price": "2.00"}\n', encoding="utf-8")
    script = textwrap.dedent(f"""
        import feedsync.sources
        feedsync.sources.__path__.append({str(tmp_path / "plugin")!r})
        from feedsync.config import SourceConfig, source_formats
        from feedsync.errors import ConfigError
        from feedsync.sources import open_source
        from pydantic import ValidationError
        source = open_source(SourceConfig(path={str(tmp_path / "c.tiny")!r}, currency="USD"))
        print(source.stats.format, [p.id for p in source.products(print)], "tiny" in source_formats())
        SourceConfig(path="x", format="tiny")
        try:
            SourceConfig(path="x", format="excel")
        except ValidationError as exc:
            print(exc.errors()[0]["type"], "'tiny'" in exc.errors()[0]["msg"])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["jsonl", "['T1']", "True", "literal_error", "True"]


def test_an_unknown_source_format_is_refused_naming_every_registered_one() -> None:
    with pytest.raises(ValidationError) as caught:
        SourceConfig(path=Path("x"), format="excel")
    names = source_formats()
    assert names[0] == "auto" and {"csv", "shopify", "google_xml", "meta"} <= set(names)
    assert (
        caught.value.errors()[0]["msg"] == "Input should be " + ", ".join(map(repr, names[:-1])) + f" or {names[-1]!r}"
    )
