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


def _wrong_shapes(data: bytes) -> bytes:
    document = json.loads(data)
    for number, key in enumerate(document["entries"]):
        document["entries"][key] = [[], None, {"x": 1}, "wrong"] if number % 2 else [1, 2]
    return json.dumps(document).encode()


def test_a_damaged_cache_is_never_trusted(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Garbage, a file cut short, another format: reported once (DST009), every row computed. Entries of the
    wrong shape in a good file: each such row computed (no finding). Each push writes a good cache again."""
    shop = demo_copy
    recorded = prepare(shop, monkeypatch)
    push(shop, recorded)
    _edit(shop)
    damages: list[Callable[[bytes], bytes]] = [_garbage, _cut_short, _foreign, _wrong_shapes]
    for damage in damages:
        for path in (shop / ".feedsync" / "rowcache").glob("google-*.json"):
            path.write_bytes(damage(path.read_bytes()))
        cold, warm = cold_and_warm(shop, recorded)
        assert (warm.feeds, warm.counts, warm.plans) == (cold.feeds, cold.counts, cold.plans), damage.__name__
        assert [f for f in warm.findings if "DST009" not in f] == cold.findings, damage.__name__
        reported = sum("DST009" in f for f in warm.findings)
        assert reported == (0 if damage is _wrong_shapes else 1), damage.__name__
        assert warm.replayed == 0, damage.__name__  # every entry was damaged
