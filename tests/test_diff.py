"""diff.compare reads both feeds together with a bounded look-ahead; whatever the order, it must find what a
plain map of the old feed finds."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync import atomic, diff
from feedsync.atomic import atomic_write
from feedsync.errors import SourceError

ITEMS = st.lists(
    st.tuples(st.sampled_from([f"I{n}" for n in range(12)]), st.sampled_from(["1", "2"]), st.sampled_from(["a", "b"])),
    max_size=14,
    unique_by=lambda item: item[0],
)


def write(path: Path, items: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "price", "title"])
        writer.writerows(items)


def naive(old: list[tuple[str, str, str]], new: list[tuple[str, str, str]]) -> tuple[object, ...]:
    before = {i: {"price": p, "title": t} for i, p, t in old}
    after = {i: {"price": p, "title": t} for i, p, t in new}
    changed = {i: sorted(k for k in ("price", "title") if before[i][k] != after[i][k]) for i in after if i in before}
    return (
        [i for i, _, _ in new if i not in before],
        [i for i, _, _ in old if i not in after],
        {i: fields for i, fields in changed.items() if fields},
        sum(1 for fields in changed.values() if not fields),
    )


@settings(max_examples=300, deadline=None)
@given(old=ITEMS, new=ITEMS, lookahead=st.integers(1, 4))
def test_compare_finds_what_a_map_of_the_old_feed_finds(
    old: list[tuple[str, str, str]], new: list[tuple[str, str, str]], lookahead: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(diff, "LOOKAHEAD", lookahead)
        write(Path(tmp) / "old.csv", old)
        write(Path(tmp) / "new.csv", new)
        found = diff.compare("c", Path(tmp) / "old.csv", Path(tmp) / "new.csv")
    added, removed, changed, unchanged = naive(old, new)
    assert found.added == added
    assert sorted(found.removed) == sorted(removed)  # type: ignore[type-var]
    assert {i: [c.field for c in cs] for i, cs in found.changed.items()} == changed
    assert found.unchanged == unchanged


def test_feeds_in_the_same_order_are_compared_in_one_pass_each(tmp_path: Path) -> None:
    import tracemalloc

    items = [(f"I{n}", str(n), "t" * 200) for n in range(20_000)]
    write(tmp_path / "old.csv", items)
    write(
        tmp_path / "new.csv", [(i, p if i != "I7" else "x", t) for i, p, t in items if i != "I9"] + [("NEW", "1", "t")]
    )
    tracemalloc.start()
    found = diff.compare("c", tmp_path / "old.csv", tmp_path / "new.csv")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert found.added == ["NEW"] and found.removed == ["I9"] and list(found.changed) == ["I7"]
    assert found.unchanged == 19_998
    assert peak < 1_000_000  # the old feed (about 5 MB of fields) is never held whole


@pytest.mark.parametrize("links", [True, False])
def test_the_kept_feed_stays_what_was_published_when_a_later_run_replaces_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    if not links:

        def refuse(*_: object) -> None:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(atomic.os, "link", refuse)
    out, state = tmp_path / "out", tmp_path / "state"
    out.mkdir()
    feed, part = out / "amazon.json", out / "amazon.2.json"
    feed.write_bytes(b"first feed")
    part.write_bytes(b"first part")
    diff.keep_snapshot(state, "amazon", feed, [part])
    kept = diff.snapshot_path(state, "amazon", feed)
    assert (kept.stat().st_ino == feed.stat().st_ino) is links  # a second name of the file, or a copy
    with atomic_write(feed) as handle:  # as every run replaces a feed
        handle.write(b"second feed")
    with atomic_write(part) as handle:
        handle.write(b"second part")
    assert kept.read_bytes() == b"first feed" and kept.with_name("amazon.2.json").read_bytes() == b"first part"
    diff.keep_snapshot(state, "amazon", feed, [])  # the next push keeps its own
    assert kept.read_bytes() == b"second feed" and not kept.with_name("amazon.2.json").exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "bad.csv",
            b"id,title\nA1,Tee\n\x9b\xf0\x00binary",
            r"bad\.csv:3: not UTF-8 text \(byte 16, 0x9b\); compare with a feed",
        ),
        ("bad.tsv", b"\xff\xfe\x00\x01", r"bad\.tsv:1: not UTF-8 text \(byte 0, 0xff\)"),
        ("list.json", b"[1]", r"list\.json: not a JSON listings feed \(an object whose messages are a list of"),
        ("ints.json", b'{"messages": [1]}', r"ints\.json: not a JSON listings feed \(an object whose messages"),
    ],
)
def test_a_file_to_compare_with_that_is_no_feed_is_a_source_error(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(SourceError, match=message):
        list(diff.read_feed(tmp_path / name))


def test_a_version_a_directory_destination_kept_is_compared_by_the_format_before_its_stamp(tmp_path: Path) -> None:
    """``diff --against public/meta.csv.20261207T113754557649Z`` (a version ``keep: N`` kept beside the feed) was
    refused: "cannot compare a .20261207t113754557649z file"."""
    from feedsync.config import DirectoryDestination
    from feedsync.destinations.directory import DirectoryPublisher

    public = tmp_path / "public"
    publisher = DirectoryPublisher(DirectoryDestination(type="directory", path=public, keep=1))
    for title in ("Tee", "Shirt"):
        write(tmp_path / "meta.csv", [("I1", "1", title), ("I2", "2", "Mug")])
        publisher.publish(tmp_path / "meta.csv", "meta.csv")
    [kept] = [p for p in public.iterdir() if p.name != "meta.csv"]
    assert kept.name.startswith("meta.csv.")
    assert [item for item, _ in diff.read_feed(kept)] == ["I1", "I2"]
    found = diff.compare("meta", kept, public / "meta.csv")
    assert found.changed == {"I1": [diff.FieldChange("title", "Tee", "Shirt")]} and found.unchanged == 1
