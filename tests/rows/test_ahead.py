"""The stitch begun ahead (``feedsync.rows.ahead``): a later share's document read while its writer still writes it
(as a temp file beside it, renamed when whole) gives the items one reader of the whole document reads, its tail held
back until the document is whole; a run that stops the stitch stops a reader that waits, and the first share's
documents are whole again; and a build whose later share is slow to make writes what one process writes."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from feedsync import atomic, direct, rows
from feedsync.config import load_config
from feedsync.rows.ahead import Ahead, Stopped
from feedsync.stream import Stream
from tests.rows_compare import build_both
from tests.test_rows import generate

HEAD, TAIL = b"<rss><channel>\n", b"</channel></rss>\n"


def _writer(folder: Path, pieces: list[bytes], pause: float, started: threading.Event) -> threading.Thread:
    """A share's writer: the document's temp file written a piece at a time, then renamed into place."""

    def write() -> None:
        temp = folder / ".google.xml.abcd1234.tmp"
        with temp.open("wb", buffering=0) as handle:
            handle.write(HEAD)
            started.set()
            for piece in pieces:
                time.sleep(pause)
                handle.write(piece)
            handle.write(TAIL)
        os.rename(temp, folder / "google.xml")

    return threading.Thread(target=write)


def test_a_document_read_as_it_is_written_gives_its_items_and_holds_its_tail_back(tmp_path: Path) -> None:
    (tmp_path / "1").mkdir()
    pieces = [f"<item>{n}</item>\n".encode() * (n + 1) for n in range(40)]
    started = threading.Event()
    writer = _writer(tmp_path / "1", pieces, 0.01, started)
    ahead = Ahead(tmp_path, 2)
    writer.start()
    started.wait(10)
    got, sizes = bytearray(), []
    for block in ahead.body(tmp_path / "1" / "google.xml", HEAD, TAIL):
        sizes.append(len(block))
        got += block
    writer.join()
    assert bytes(got) == b"".join(pieces)  # every item, in order, no tail
    assert len(sizes) > 1  # read as it grew, not once it was whole


def test_a_document_whole_before_it_is_read_is_read_at_once(tmp_path: Path) -> None:
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "google.xml").write_bytes(HEAD + b"<item>1</item>\n" + TAIL)
    ahead = Ahead(tmp_path, 2)
    ahead.final(1)
    assert b"".join(bytes(b) for b in ahead.body(tmp_path / "1" / "google.xml", HEAD, TAIL)) == b"<item>1</item>\n"


@pytest.mark.parametrize("content", [b"<rss>" + b"<item/>" + TAIL, HEAD + b"<item/>"])
def test_a_whole_document_without_the_feeds_head_or_tail_is_refused(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "1").mkdir()
    (tmp_path / "1" / "google.xml").write_bytes(content)
    ahead = Ahead(tmp_path, 2)
    ahead.final(1)
    with pytest.raises(AssertionError, match="a share's document does not"):
        list(ahead.body(tmp_path / "1" / "google.xml", HEAD, TAIL))


def test_a_stopped_stitch_stops_its_reader_and_makes_the_first_documents_whole_again(tmp_path: Path) -> None:
    """The later share's document never comes (its process is slow, or the run makes it again): ``abort`` ends the
    stitch's wait, nothing is renamed, and the first share's document it extended is as it was."""
    (tmp_path / "0").mkdir()
    (tmp_path / "1").mkdir()
    first = tmp_path / "0" / "google.xml"
    whole = HEAD + b"<item>0</item>\n" + TAIL
    first.write_bytes(whole)
    seen: list[BaseException] = []
    put_back = threading.Event()
    ahead = Ahead(tmp_path, 2, put_back.set)

    def stitch(**options: Any) -> None:
        me = options["ahead"]
        me.drafts.append((first, len(whole) - len(TAIL), TAIL))
        with first.open("r+b") as draft:  # as ``atomic_extend`` leaves it: cut before its tail, extended
            draft.truncate(len(whole) - len(TAIL))
            draft.seek(0, os.SEEK_END)
            draft.write(b"<item>half")
        try:
            list(me.body(tmp_path / "1" / "google.xml", HEAD, TAIL))
        except BaseException as exc:
            seen.append(exc)
            raise

    ahead.begin(stitch)
    time.sleep(0.2)
    ahead.abort()
    assert len(seen) == 1 and isinstance(seen[0], Stopped)
    assert first.read_bytes() == whole and put_back.is_set()
    ahead.abort()  # (once more, as the run's end does: nothing left to do)


@pytest.mark.parametrize("amazon_first", [False, True])
def test_a_build_whose_later_share_is_slow_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, amazon_first: bool
) -> None:
    """The later share's process makes each product slowly and its documents grow a few blocks at a time: this
    process, done with its own share first, stitches them as they grow (Amazon's messages numbered on as well),
    every feed at once whatever the order of the channels."""
    config_path = generate(300, tmp_path / "catalog")
    if amazon_first:  # (the generated config names Amazon last)
        text = config_path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        others = "".join(line for line in lines if line.startswith(("  google:", "  facebook:")))
        config_path.write_text(text.replace(others, "") + others, encoding="utf-8")
    parent = os.getpid()
    fan_out = Stream._fan_out
    own_done = tmp_path / "own-share-made"
    begin = Ahead.begin

    def begun(self: Ahead, *args: Any) -> None:
        own_done.touch()  # (this process made its own share and begins the stitch)
        begin(self, *args)

    deadline = time.monotonic() + 60  # (one for the whole run: the later share goes on once this process is late)

    def slow(self: Stream, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            while not own_done.exists() and time.monotonic() < deadline:  # (behind this process's own share)
                time.sleep(0.01)
            time.sleep(0.002)  # (then a product at a time while it is stitched)
        return fan_out(self, *args, **kwargs)

    monkeypatch.setattr(Ahead, "begin", begun)
    monkeypatch.setattr(Stream, "_fan_out", slow)
    monkeypatch.setattr(direct, "STAGE", 2 * direct.BLOCK)  # a later share's documents grow 8 KB at a time
    monkeypatch.setattr(atomic, "BUFFER", direct.BLOCK)  # (not held 256 KB at a time before they are written)
    growing: list[str] = []  # a block read while its document was still a temp file: its share still wrote it
    body = Ahead.body

    def counted(self: Ahead, path: Path, *args: Any) -> Any:
        for block in body(self, path, *args):
            if any(path.parent.glob(f".{path.name}.*.tmp")):
                growing.append(path.name)
            yield block

    monkeypatch.setattr(Ahead, "body", counted)
    _, _, events = build_both(load_config(config_path), tmp_path, monkeypatch, jobs=2)
    assert events[-1] == {"split": True, "shares": 2}
    assert set(growing) == {"google.xml", "facebook.csv", "amazon.json"}
    assert rows.MIN_ROWS == 1


def test_a_later_share_whose_process_dies_while_it_is_stitched_leaves_the_feeds_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The later share's process dies half way (out of memory, killed) while this process, done with its own share,
    stitches its growing documents: the run says so (a clean error), the feeds of the build before stay as they
    were, and neither the stitch's thread nor a temp file is left."""
    from feedsync import pipeline
    from feedsync.errors import FeedsyncError

    config = load_config(generate(300, tmp_path / "catalog"))
    monkeypatch.setattr(rows, "MIN_ROWS", 1)
    out = tmp_path / "out"
    pipeline.run(config, "build", out_dir=out, validate=True, jobs=1)  # the build before
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    parent, after = os.getpid(), [0]
    fan_out = Stream._fan_out
    own_done = tmp_path / "own-share-made"
    begin = Ahead.begin

    def begun(self: Ahead, *args: Any) -> None:
        own_done.touch()  # (this process made its own share: the later one dies a few products on)
        begin(self, *args)

    def dies(self: Stream, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            if own_done.exists():
                after[0] += 1
                if after[0] == 30:
                    os._exit(9)  # (its documents half written)
            time.sleep(0.01)
        return fan_out(self, *args, **kwargs)

    monkeypatch.setattr(Ahead, "begin", begun)

    monkeypatch.setattr(Stream, "_fan_out", dies)
    monkeypatch.setattr(direct, "STAGE", 2 * direct.BLOCK)
    monkeypatch.setattr(atomic, "BUFFER", direct.BLOCK)  # (its documents grow a block or two at a time)
    followed: list[str] = []
    body = Ahead.body

    def counted(self: Ahead, path: Path, *args: Any) -> Any:
        for block in body(self, path, *args):
            followed.append(path.name)
            yield block

    monkeypatch.setattr(Ahead, "body", counted)
    with pytest.raises(FeedsyncError, match="died"):
        pipeline.run(config, "build", out_dir=out, validate=True, jobs=2)
    assert followed  # the stitch read the later share's documents before its process died
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert not [thread for thread in threading.enumerate() if thread.name == "feedsync-stitch"]
