"""The UTF-8 check of a source file: the byte it names is the first one that is not UTF-8, wherever the pieces it
reads the file in end (a character cut between two pieces is whole UTF-8)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.diagnostics import Diagnostic
from feedsync.sources import tabular
from feedsync.sources.tabular import detect_encoding

TEXT = "id,title\nA,Caf\u00e9 \u20ac \U0001f600 \u00fc\n".encode()


def _check(path: Path) -> tuple[str, list[Diagnostic]]:
    found: list[Diagnostic] = []
    return detect_encoding(path, None, found.append), found


@pytest.mark.parametrize("bad_at", [len(b"id,title\nA,Caf"), len(TEXT) - 3, len(TEXT) - 1])  # between characters
def test_the_first_byte_that_is_not_utf8_is_named_whatever_the_pieces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_at: int
) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(TEXT[:bad_at] + b"\xff" + TEXT[bad_at:])
    for size in range(1, len(TEXT) + 2):  # pieces that cut every multi-byte character somewhere
        monkeypatch.setattr(tabular, "_DECODE_CHUNK", size)
        encoding, found = _check(path)
        assert encoding == "cp1252"
        assert [d.code for d in found] == ["SRC003"]
        assert f"(byte {bad_at})" in found[0].message, (size, found[0].message)


def test_utf8_cut_anywhere_is_utf8_and_a_cut_character_at_the_end_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "p.csv"
    for size in range(1, len(TEXT) + 2):
        monkeypatch.setattr(tabular, "_DECODE_CHUNK", size)
        path.write_bytes(TEXT)
        assert _check(path) == ("utf-8", [])
        path.write_bytes(TEXT + "\U0001f600".encode()[:3])  # the file ends inside a character
        encoding, found = _check(path)
        assert encoding == "cp1252" and f"(byte {len(TEXT)})" in found[0].message
