"""The row cache under kills and damage: a push killed while it writes its cache, then pushed again, publishes what
a push without the cache publishes; a cache file that is garbage, cut short, foreign or of the wrong shape is
reported (DST009) or ignored, never trusted, and never ends the push with an internal error."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from feedsync.faults import KILLED
from feedsync.rowcache import store
from tests.hostile.killing import points_passed, run_feedsync
from tests.rowcache.shop import cold_and_warm, prepare, push

PUSH = ("push", "-c", "feedsync.yaml", "--channel", "google", "--channel", "google_local", "-q")


def _report(shop: Path, *extra: str) -> tuple[int, dict[str, bytes], list[tuple[str, str]]]:
    """Exit code, published feeds and findings (code, message) of a push of ``shop``."""
    done = run_feedsync(*PUSH, "--report", "report.json", *extra, cwd=shop)
    assert done.returncode in (0, 1), done.stderr
    feeds = {p.name: p.read_bytes() for p in sorted((shop / "public").glob("*"))}
    findings = json.loads((shop / "report.json").read_text(encoding="utf-8"))["diagnostics"]
    text = str(shop)
    return done.returncode, feeds, [(d["code"], d["message"].replace(text, "<shop>")) for d in findings]


def _edit(shop: Path) -> None:
    path = shop / "products.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace("Merino", "Merino Wool", 1)
    del lines[10]
    path.write_text("".join(lines), encoding="utf-8")


def _cold(shop: Path) -> tuple[int, dict[str, bytes], list[tuple[str, str]]]:
    """What a push computing every row publishes from ``shop`` as it is now (pushed in a copy)."""
    copy = shop.parent / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(shop, copy)
    return _report(copy, "--no-cache")


def test_a_push_killed_while_writing_its_cache_reruns_to_the_cold_result(demo_copy: Path) -> None:
    shop = demo_copy
    points = points_passed(*PUSH, cwd=shop)  # the first push: every row computed, the caches written
    assert [p for p in points if p.startswith("rowcache.")] == ["rowcache.half-written", "rowcache.written"] * 2
    _edit(shop)
    cold = _cold(shop)
    for fault in ("rowcache.half-written:1", "rowcache.written:2"):
        killed = run_feedsync(*PUSH, cwd=shop, fault=fault)
        assert killed.returncode == KILLED, killed.stderr
        assert _report(shop) == cold, fault


def _garbage(data: bytes) -> bytes:
    return b"\x00\xff garbage"


def _cut_short(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _foreign(data: bytes) -> bytes:
    return b'{"format": "something else", "entries": {}}'


def _flipped(data: bytes) -> bytes:
    """One digit of one row's start changed (the file is otherwise whole)."""
    at = data.index(b"\n") + 1
    at = data.index(b" ", data.index(b" ", at) + 1) + 1
    return data[:at] + (b"8" if data[at : at + 1] != b"8" else b"9") + data[at + 1 :]


_SHAPES = [b'[[],null,{"x":1},"wrong"]', b"[1,2]", b"not json", b"[" * 100_000, b'"just text"']


def _wrong_shapes(data: bytes) -> bytes:
    """Each row's entry replaced by something else, in a file sealed as whole: as written by a foreign program."""
    head, *lines, _, _ = data.split(b"\n")
    damaged = [b" ".join([*line.split(b" ", 3)[:3], _SHAPES[n % len(_SHAPES)]]) for n, line in enumerate(lines)]
    before = b"\n".join([head, *damaged]) + b"\n"
    return before + store.seal(before, len(damaged))


def _wrong_inside(data: bytes) -> bytes:
    """Entries whose outline is right but a part of them is not (a finding that is no finding, a variant value
    that is a list, a group key that is a number), in a file sealed as whole: the row is computed as if its entry
    had not been there (its id is not taken first, so no duplicate is reported)."""
    head, *lines, _, _ = data.split(b"\n")
    damaged = []
    for number, line in enumerate(lines):
        key, row, start, body = line.split(b" ", 3)
        entry = json.loads(body)
        if number % 3 == 0:
            entry[1][6] = [["not", "a", "finding"]]
        elif number % 3 == 1:
            entry[1][4] = [["a list"], *entry[1][4][1:]]
        else:
            entry[1][1] = 12
        damaged.append(b" ".join([key, row, start, json.dumps(entry).encode()]))
    before = b"\n".join([head, *damaged]) + b"\n"
    return before + store.seal(before, len(damaged))


def _out_of_the_feed(data: bytes) -> bytes:
    """Each row's start moved past the end of the feed, in a file sealed as whole."""
    head, *lines, _, _ = data.split(b"\n")
    damaged = []
    for line in lines:
        key, row, start, body = line.split(b" ", 3)
        damaged.append(b" ".join([key, row, b"%d" % (10**9 + int(start)) if start != b"-1" else start, body]))
    before = b"\n".join([head, *damaged]) + b"\n"
    return before + store.seal(before, len(damaged))


def test_a_damaged_cache_is_never_trusted(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage, a file cut short, another format, one digit changed: reported once (DST009), every row computed.
    Entries of the wrong shape, or pointing past the end of the feed, in a file sealed as whole: each such row
    computed (no finding). Each push writes a good cache again."""
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    _edit(shop)
    damages: list[Callable[[bytes], bytes]] = [
        _garbage,
        _cut_short,
        _foreign,
        _flipped,
        _wrong_shapes,
        _wrong_inside,
        _out_of_the_feed,
    ]
    for damage in damages:
        for path in (shop / ".feedsync" / "rowcache").glob("google-*.rows"):
            path.write_bytes(damage(path.read_bytes()))
        cold, warm = cold_and_warm(shop, recorded)
        assert (warm.feeds, warm.counts, warm.plans) == (cold.feeds, cold.counts, cold.plans), damage.__name__
        assert [f for f in warm.findings if "DST009" not in f] == cold.findings, damage.__name__
        reported = sum("DST009" in f for f in warm.findings)
        assert reported == (0 if damage in (_wrong_shapes, _wrong_inside, _out_of_the_feed) else 1), damage.__name__
        assert warm.replayed == 0, damage.__name__  # every entry was damaged
