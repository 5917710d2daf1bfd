"""Feeds written past the page cache (``feedsync.direct``): whatever the writes, pieces, settles and copies, and
wherever the stage fills, the file holds the bytes in order; a file system that refuses direct I/O gets the same
bytes by ordinary writes; a file extended from the middle of a block keeps what it held."""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync import direct
from feedsync.atomic import atomic_extend, atomic_write
from feedsync.direct import BLOCK, settle, staged
from feedsync.formats.gathered import write_gathered
from feedsync.formats.json_listings import JsonListingsWriter


def _accepts_direct(folder: Path) -> bool:
    """Whether the file system of ``folder`` takes a direct write (this project's machines' do)."""
    if not hasattr(os, "O_DIRECT"):
        return False
    probe = folder / f".probe-{uuid.uuid4().hex}"
    block = mmap.mmap(-1, BLOCK)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
        try:
            os.write(fd, block)
        finally:
            os.close(fd)
        return True
    except OSError:
        return False
    finally:
        block.close()
        probe.unlink(missing_ok=True)


blobs = st.binary(max_size=3 * BLOCK)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), blobs),
        st.tuples(st.just("pieces"), st.lists(st.binary(max_size=900), max_size=40)),
        st.tuples(st.just("settle"), st.none()),
        st.tuples(st.just("copy"), st.tuples(st.integers(0, 6 * BLOCK), st.integers(0, 6 * BLOCK))),
    ),
    max_size=30,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=80, deadline=None)
@given(steps=operations, before=st.binary(max_size=2 * BLOCK), stage=st.integers(1, 4))
def test_the_file_holds_every_byte_in_order(
    steps: list[tuple[str, Any]], before: bytes, stage: int, tmp_path: Path
) -> None:
    """A stage of 1 to 4 blocks, so that writes, pieces and copies cross its end; settles in between (a whole
    document, a sync before the stitch copies into it)."""
    source = tmp_path / "source.bin"
    source_bytes = bytes(range(256)) * (7 * BLOCK // 256)
    source.write_bytes(source_bytes)
    target = tmp_path / f"feed-{uuid.uuid4().hex}.bin"
    expected = bytearray(before)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(direct, "STAGE", stage * BLOCK)
        with atomic_write(target, direct=True) as handle:
            handle.write(before)  # the buffered writer's bytes come first
            for kind, value in steps:
                if kind == "write":
                    handle.write(value)
                    expected += value
                elif kind == "pieces":
                    write_gathered(handle, [p if len(p) % 2 else memoryview(p) for p in value])
                    expected += b"".join(value)
                elif kind == "settle":
                    settle(handle)
                    stage_of = staged(handle)
                    assert stage_of is None or stage_of._map is None  # a settled file keeps no stage
                else:
                    start, length = value
                    length = min(length, len(source_bytes) - start)
                    stage_of = staged(handle)
                    if stage_of is None:
                        continue
                    handle.flush()
                    stage_of.copy_from(source, start, length)
                    expected += source_bytes[start : start + length]
                assert handle.tell() == len(expected)
    assert target.read_bytes() == bytes(expected)


def test_a_feed_is_written_past_the_page_cache(tmp_path: Path) -> None:
    """On a file system that takes direct I/O (this project's machines' and CI's), the feed's file is open for it
    and its whole blocks were written so."""
    if not _accepts_direct(tmp_path):
        pytest.skip(f"the file system of {tmp_path} refuses direct I/O (test_a_refusing_file_system covers it)")
    target = tmp_path / "feed.xml"
    data = os.urandom(3 * direct.STAGE + 123)
    with atomic_write(target, direct=True) as handle:
        stage = staged(handle)
        assert stage is not None
        handle.write(data)
        handle.flush()
        assert fcntl.fcntl(handle.fileno(), fcntl.F_GETFL) & os.O_DIRECT
        settle(handle)
        assert stage._direct  # no write was refused
    assert target.read_bytes() == data


def test_a_refusing_file_system_gets_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that takes the flag but refuses the direct write (``EINVAL``): the bytes are written as any
    file's, and the flag is dropped."""
    real = os

    class Refusing:
        def pwrite(self, fd: int, data: Any, offset: int) -> int:
            if fcntl.fcntl(fd, fcntl.F_GETFL) & getattr(real, "O_DIRECT", 0):
                raise OSError(errno.EINVAL, "Invalid argument")
            return real.pwrite(fd, data, offset)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    monkeypatch.setattr(direct, "os", Refusing())
    monkeypatch.setattr(direct, "STAGE", 2 * BLOCK)
    target = tmp_path / "feed.csv"
    data = os.urandom(5 * BLOCK + 77)
    with atomic_write(target, direct=True) as handle:
        handle.write(data[:1000])
        write_gathered(handle, [data[1000:3000], memoryview(data)[3000:]])
        stage = staged(handle)
        settle(handle)
        assert stage is None or not fcntl.fcntl(handle.fileno(), fcntl.F_GETFL) & getattr(os, "O_DIRECT", 0)
    assert target.read_bytes() == data


@pytest.mark.parametrize("keep", [0, 1, BLOCK - 1, BLOCK, 2 * BLOCK + 5])
def test_a_draft_extended_from_the_middle_of_a_block_keeps_what_it_held(tmp_path: Path, keep: int) -> None:
    """The stitch extends the first share's document after its last item (``atomic_extend``): the partial block
    there is read back and written whole with what follows."""
    draft, target = tmp_path / "draft.json", tmp_path / "amazon.json"
    held = os.urandom(3 * BLOCK)
    draft.write_bytes(held)
    more = os.urandom(2 * direct.STAGE + 999)
    with atomic_extend(draft, target, keep=keep, direct=True) as handle:
        assert handle.tell() == keep
        handle.write(more[:10])
        write_gathered(handle, [more[10:]])
        if _accepts_direct(tmp_path):  # the block read back leaves the file written past the page cache
            stage = staged(handle)
            assert stage is not None and stage._direct
            assert fcntl.fcntl(handle.fileno(), fcntl.F_GETFL) & os.O_DIRECT
    assert target.read_bytes() == held[:keep] + more


def test_a_whole_document_is_in_its_file_before_the_next_is_begun(tmp_path: Path) -> None:
    """Amazon's documents of ``max_messages``: the one the writer leaves is settled (in its file, its stage let
    go), not held in memory until the run ends."""
    from contextlib import ExitStack

    opened: dict[int, Any] = {}
    with ExitStack() as parts:

        def open_part(number: int) -> Any:
            opened[number] = parts.enter_context(atomic_write(tmp_path / f"amazon.{number}.json", direct=True))
            return opened[number]

        first = parts.enter_context(atomic_write(tmp_path / "amazon.json", direct=True))
        header = {"sellerId": "S", "version": "2.0", "issueLocale": "en_US"}
        with JsonListingsWriter(first, header=header, max_messages=2, open_part=open_part) as writer:
            for n in range(5):
                writer.write({"sku": f"SKU-{n}", "operationType": "DELETE"})
            stage = staged(first)
            assert stage is None or stage._map is None
            temp = Path(os.readlink(f"/proc/self/fd/{first.fileno()}")) if Path("/proc/self/fd").exists() else None
            if temp is not None:
                assert temp.read_bytes().endswith(b"]}\n")  # whole on disk while the third document is written
    assert (tmp_path / "amazon.json").read_bytes().count(b'"sku"') == 2
    assert (tmp_path / "amazon.3.json").read_bytes().count(b'"sku"') == 1


@settings(max_examples=60, deadline=None)
@given(start=st.integers(0, 3 * BLOCK), length=st.integers(0, 3 * BLOCK), size=st.integers(1, 2 * BLOCK + 3))
def test_bytes_read_past_the_page_cache_are_the_files(start: int, length: int, size: int) -> None:
    import tempfile

    data = os.urandom(5 * BLOCK + 11)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "share.json"
        path.write_bytes(data)
        stop = min(start + length, len(data))
        blocks = [bytes(block) for block in direct.read_past_cache(path, start, stop, size)]
        assert all(0 < len(block) <= size for block in blocks)
        assert b"".join(blocks) == data[start:stop]
        with pytest.raises(OSError, match="missing"):  # a document cut short is not taken for a whole one
            list(direct.read_past_cache(path, start, len(data) + 1, size))


def test_a_wait_cut_short_keeps_the_write_in_hand_until_it_is_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a Ctrl-C while the file waits for the writing thread: the write in flight is still waited for before the
    # stage's memory and the file go, so closing the file after it writes every byte where it belongs (it used
    # to close the file under the thread: the stage's first half never reached it)
    if not _accepts_direct(tmp_path):
        pytest.skip("this file system refuses direct I/O")
    gate = threading.Event()
    put = direct.Staged._put

    def held(self: direct.Staged, view: memoryview, offset: int) -> None:
        if threading.current_thread() is not threading.main_thread():  # the writing thread's (not the last block's)
            gate.wait(10)
        put(self, view, offset)

    monkeypatch.setattr(direct.Staged, "_put", held)
    path = tmp_path / "feed.xml"
    handle = direct.open_direct(os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644), 1 << 16)
    data = bytes(range(256)) * (direct.STAGE // 256) + b"the rest" * 125  # a stage handed over, and a part block
    handle.write(data)
    handle.flush()
    stage = staged(handle)
    assert stage is not None and stage._pending is not None  # the first half's write, held
    pending, result, asked = stage._pending, stage._pending.result, []

    def interrupted(timeout: float | None = None) -> None:
        asked.append(timeout)
        if len(asked) == 1:
            raise KeyboardInterrupt
        result(timeout)

    pending.result = interrupted  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        settle(handle)
    threading.Timer(0.2, gate.set).start()
    handle.close()  # what an atomic file's failure path does
    assert pending.done()  # waited for before the file was closed
    assert pending.exception() is None and path.read_bytes() == data


def test_a_gathered_write_the_system_cuts_short_is_written_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the gathered write into the stage's memory taking fewer bytes than it was given: the rest follows, in order
    path = tmp_path / "feed.csv"
    handle = direct.open_direct(os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644), 1 << 16)
    stage = staged(handle)
    if stage is None:
        pytest.skip("no direct I/O on this system")
    gathered = os.pwritev

    def short(fd: int, buffers: list[Any], offset: int) -> int:
        data = b"".join(bytes(b) for b in buffers)
        return gathered(fd, [data[: max(1, len(data) * 2 // 3)]], offset)

    monkeypatch.setattr(direct.os, "pwritev", short)
    pieces = [f"row {n},{'x' * (n % 97)}\n".encode() for n in range(20_000)]
    stage.write_pieces(pieces)
    handle.close()
    assert path.read_bytes() == b"".join(pieces)
