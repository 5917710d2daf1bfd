"""Each channel's feed from its shares' documents: one prologue, the shares' items in order, one epilogue (Amazon
messages numbered again, in documents of ``max_messages``). The first share's documents are the feed's first ones:
the other shares' items are put after its own, in place, so the first share's items are written once."""

from __future__ import annotations

import contextvars
import errno
import io
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from feedsync.atomic import atomic_extend, sync_early, sync_folder
from feedsync.channels.base import Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.diagnostics import ChannelResult, Report
from feedsync.direct import read_past_cache, staged
from feedsync.faults import checkpoint
from feedsync.formats import open_writer
from feedsync.formats.gathered import WINDOW, Piece, write_gathered, written_behind
from feedsync.formats.json_listings import END, max_messages, numbered
from feedsync.split import part_path
from feedsync.stream import _part_opener

if TYPE_CHECKING:
    from feedsync.rows.ahead import Ahead

Bodies = Callable[[Path, bytes, bytes], Iterator[memoryview]]
"""The items of a later share's document (its path, the head and the tail it is checked for), a block at a time."""
TAILS = {"rss": b"</channel>\n</rss>\n", "delimited": b"", "json_listings": END}
"""The writers whose documents a share can be cut out of: what each writes after its last item."""
_BLOCK = 1 << 22
"""Bytes of a share's document read at a time."""


def stitch(
    report: Report,
    compiled: list[CompiledChannel],
    encoders: Mapping[str, Encoder | None],
    out: Path,
    folder: Path,
    count: int,
    *,
    ahead: Ahead | None = None,
) -> None:
    """Each channel's feed from its shares' documents: one prologue, the shares' items in order, one epilogue
    (Amazon messages numbered again, in documents of ``max_messages``). A feed copied whole is copied (past the page
    cache where the system allows, else by the kernel) and then synced in threads of their own while this process
    numbers Amazon's messages; so is each of Amazon's documents once it is whole. Every feed is renamed into place
    after all are stitched and synced, as before, and the folder is synced once after the renames. ``ahead``: begun
    while the later shares are still being made (``rows.ahead``): their documents read as they grow, each copied
    feed in a thread of its own, and nothing renamed before ``ahead.ready`` lets it."""
    bodies = ahead.body if ahead is not None else None
    drafts = ahead.drafts if ahead is not None else None
    with ExitStack() as stack:
        # the renames made durable at once after the last (every file was synced before its rename); also after a
        # rename that failed, for those made before it
        stack.callback(sync_folder, out)
        parts = stack.enter_context(ExitStack())  # further documents are renamed into place after every feed
        # both done (and their errors raised) before any rename; the copies first, since they hand on the syncs
        copiers = len(compiled) if ahead is not None else 1  # (a feed followed is copied as long as its share runs)
        with ThreadPoolExecutor(max_workers=1) as syncing, ThreadPoolExecutor(max_workers=copiers) as copying:
            copied: list[Future[Future[None]]] = []
            synced: list[Future[None]] = []  # Amazon's whole documents
            # begun ahead: the feeds copied whole first, each in its thread, while this thread numbers Amazon's
            order = compiled if ahead is None else sorted(compiled, key=lambda c: c.format.writer == "json_listings")
            for channel in order:
                result = report.channels[channel.name]
                result.output = out / channel.filename
                encoder = encoders.get(channel.name)
                tail = TAILS[channel.format.writer]
                head = _prologue(channel, encoder, tail)
                files = [folder / str(index) / channel.filename for index in range(count)]
                if channel.format.writer == "json_listings":
                    _continue_messages(stack, parts, out, channel, result, files, head, syncing, synced, ahead)
                    if ahead is None:
                        checkpoint("rows.feed-stitched")
                else:
                    handle = stack.enter_context(_extended(files[0], result.output, head, tail, drafts))
                    copy = partial(_copy_whole, handle, files[1:], head, tail, syncing, result.output, bodies)
                    copied.append(copying.submit(contextvars.copy_context().run, copy))  # (``tidy.remove``)
            for done in copied:
                done.result().result()
                if ahead is None:
                    checkpoint("rows.feed-stitched")
            for sync in synced:
                sync.result()
        if ahead is not None:
            ahead.ready()  # (what it tells: the run may rename the feeds, or must not)


def _copy_whole(
    handle: BinaryIO,
    files: list[Path],
    head: bytes,
    tail: bytes,
    syncing: ThreadPoolExecutor,
    target: Path,
    bodies: Bodies | None = None,
) -> Future[None]:
    """A feed copied whole: the other shares' items after the first share's, then its ``tail``; its sync, begun."""
    _append(handle, files, head, tail, bodies)
    handle.flush()
    return syncing.submit(sync_early, handle, target)


def _continue_messages(
    stack: ExitStack,
    parts: ExitStack,
    out: Path,
    channel: CompiledChannel,
    result: ChannelResult,
    files: list[Path],
    head: bytes,
    syncing: ThreadPoolExecutor,
    synced: list[Future[None]],
    ahead: Ahead | None = None,
) -> None:
    """Amazon's feed: the first share's documents are its first ones, whole but the last, which the other shares'
    messages continue (numbered on from its count) in documents of ``max_messages`` (``_continue``: the later
    shares' documents read once, in order); each, once whole, is synced by ``syncing`` (its future in
    ``synced``)."""
    assert result.output is not None
    documents = [files[0], *_parts(files[0].parent, channel)]
    count = _count_messages(documents[-1], head, END)
    targets = [result.output, *(part_path(out, channel, n) for n in range(2, len(documents) + 1))]
    result.parts.extend(targets[1:])
    drafts = ahead.drafts if ahead is not None else None
    handles = [
        (stack if number == 1 else parts).enter_context(
            _extended(document, target, head, END if number == len(documents) else b"", drafts)
        )
        for number, (document, target) in enumerate(zip(documents, targets, strict=True), start=1)
    ]
    for handle, target in zip(handles[:-1], targets, strict=False):  # the first share's whole documents
        synced.append(syncing.submit(sync_early, handle, target))
    open_part = _part_opener(parts, out, channel, result, durable=False)  # (each synced once whole: ``whole``)
    filled, names = [handles[-1]], [targets[-1]]

    def open_next() -> BinaryIO:
        filled.append(open_part(len(documents) + len(filled)))
        names.append(result.parts[-1])
        return filled[-1]

    def whole(index: int) -> None:
        synced.append(syncing.submit(sync_early, filled[index], names[index]))

    most = max_messages({**channel.format.options, **channel.settings})
    _continue(files[1:], head, most, count, handles[-1], open_next, whole, ahead.body if ahead is not None else None)


def _continue(
    files: list[Path],
    head: bytes,
    most: int,
    count: int,
    document: BinaryIO,
    open_next: Callable[[], BinaryIO],
    whole: Callable[[int], None],
    bodies: Bodies | None = None,
) -> None:
    """The later shares' messages (their documents ``files``, each a message a line between ``head`` and ``END``,
    both checked) numbered on after the ``count`` messages of ``document`` (the first share's last) up to ``most`` a
    document, then in new ones from ``open_next`` (each begun with ``head``, only for a message), read once, a block
    of lines at a time. ``whole(index)`` once each document is whole, in order (0: ``document``)."""
    index, held, before = 0, count, b""  # the document filled; the messages it holds; what it takes first
    for path in files:
        for lines in _lines((bodies or _whole_body)(path, head, END)):
            rests = [_unnumbered(line, path) for line in lines]
            at = 0
            while at < len(rests):
                if held == most:  # the document is full: the next message begins another
                    write_gathered(document, [before, END] if before else [END])
                    whole(index)
                    index, held, before, document = index + 1, 0, head, open_next()
                run = rests[at : at + most - held]
                write_gathered(document, [before, *numbered(run, held + 1)] if before else numbered(run, held + 1))
                held, at, before = held + len(run), at + len(run), b""
    write_gathered(document, [before, END] if before else [END])
    whole(index)


def _whole_body(path: Path, head: bytes, tail: bytes) -> Iterator[memoryview]:
    """The items of a share's document, whole (written and renamed by its share's process): what its writer wrote
    between ``head`` and ``tail`` (both checked), read past the page cache a block at a time."""
    with _document(path, head, len(tail)) as (source, left):
        source.seek(len(head) + left)
        if source.read(len(tail) + 1) != tail:
            raise AssertionError(f"{path.name}: a share's document does not end as the feed does")
    yield from read_past_cache(path, len(head), len(head) + left, _BLOCK)


def _lines(blocks: Iterable[memoryview]) -> Iterator[list[Piece]]:
    """The lines of a share's document's items (``blocks``, from a line feed on), a block at a time, each without
    its line feed (views of the block's bytes; a line across two blocks is a copy)."""
    carry = b""
    for block in blocks:
        data = bytes(block)
        at = data.find(b"\n")
        if at < 0:
            carry += data
            continue
        view = memoryview(data)
        lines: list[Piece] = [carry + data[:at]] if carry or at else []
        begin = at + 1
        while (end := data.find(b"\n", begin)) >= 0:
            lines.append(view[begin:end])
            begin = end + 1
        carry = data[begin:]
        yield lines
    if carry:
        yield [carry]


def _prologue(channel: CompiledChannel, encoder: Encoder | None, tail: bytes) -> bytes:
    """What the channel's writer writes before the first item."""
    buffer = io.BytesIO()
    options = {**channel.format.options, **channel.settings}
    meta = {**channel.feed, **(encoder.meta if encoder else {})}
    with open_writer(channel.format.writer, buffer, columns=channel.columns, meta=meta, options=options):
        pass
    empty = buffer.getvalue()
    if not empty.endswith(tail):
        raise AssertionError(f"unexpected end of an empty {channel.format.writer} document: {empty[-40:]!r}")
    return empty[: len(empty) - len(tail)]


def _extended(
    first: Path, target: Path, head: bytes, tail: bytes, drafts: list[tuple[Path, int, bytes]] | None = None
) -> AbstractContextManager[BinaryIO]:
    """The first share's document, which is the feed's beginning, open to take the other shares' items before its
    ``tail`` (then ``target`` in one rename): its items are not copied again. ``drafts``: where to note what it
    was (the document, the bytes kept, the tail cut off), to make it whole again should the run stop the stitch."""
    size = first.stat().st_size
    with first.open("rb") as document:
        starts = document.read(len(head))
        document.seek(max(0, size - len(tail)))
        if starts != head or document.read() != tail:
            raise AssertionError(f"{first.name}: the first share's document is not a whole feed")
    if drafts is not None:
        drafts.append((first, size - len(tail), tail))
    return atomic_extend(first, target, keep=size - len(tail), direct=True, durable=False)  # (synced by ``stitch``)


def _append(handle: BinaryIO, files: list[Path], head: bytes, tail: bytes, bodies: Bodies | None = None) -> None:
    """The items of the shares' documents ``files`` (each read by ``bodies``, when given), then the feed's
    ``tail``."""
    for path in files:
        if bodies is None:
            _copy_body(path, handle, head, len(tail))
            continue
        for block in bodies(path, head, tail):
            handle.write(block)
    handle.write(tail)


def _parts(folder: Path, channel: CompiledChannel) -> list[Path]:
    """The further documents (2, 3, ...) a share wrote in ``folder``, in order."""
    found = []
    while (path := part_path(folder, channel, len(found) + 2)).exists():
        found.append(path)
    return found


def _count_messages(path: Path, head: bytes, tail: bytes) -> int:
    """How many messages a JSON listings document holds: the number of its last one (they are numbered from 1 in
    each document, one a line), read from its end. The document is checked as it is extended (``_extended``)."""
    with path.open("rb") as source:
        at = os.fstat(source.fileno()).st_size - len(tail)
        end = b""
        while at > len(head) and b"\n" not in end:  # a message's line is short: a block or two
            step = min(at - len(head), 1 << 16)
            at -= step
            source.seek(at)
            end = source.read(step) + end
    last = end[end.rfind(b"\n") + 1 :]
    found = _NUMBERED.match(last)
    if found is None:
        if not last:
            return 0
        raise AssertionError(f"{path.name}: the last line of a share's document is not a numbered message")
    return int(found.group(1))


@contextmanager
def _document(path: Path, head: bytes, tail: int) -> Iterator[tuple[BinaryIO, int]]:
    """A share's document open just after its ``head`` (checked), and how many bytes it holds from there to its
    last ``tail`` bytes."""
    with path.open("rb") as source:
        if source.read(len(head)) != head:
            raise AssertionError(f"{path.name}: a share's document does not start as the feed does")
        yield source, os.fstat(source.fileno()).st_size - len(head) - tail


def _filled(source: BinaryIO, left: int, path: Path, buffer: bytearray) -> Iterator[int]:
    """The next ``left`` bytes of ``source`` read into ``buffer`` a block at a time: how many bytes each block
    holds (the next block is read into the same buffer, so no memory is taken anew for each)."""
    view = memoryview(buffer)
    while left > 0:
        got = source.readinto(view[: min(left, len(buffer))])
        if not got:
            raise OSError(f"{path.name}: {left} bytes of a share's document are missing")
        left -= got
        yield got


def _copy_body(path: Path, handle: BinaryIO, head: bytes, tail: int) -> None:
    """The items of a share's document: what its writer wrote between ``head`` and the ``tail`` bytes."""
    with _document(path, head, tail) as (source, left):
        handle.flush()
        stage = staged(handle)
        if stage is not None:  # past the page cache, both ways
            stage.copy_from(path, len(head), left)
            return
        offset = len(head)
        try:
            while left > 0:  # copied by the kernel, a window at a time: each handed to the disk as it is whole
                copied = os.copy_file_range(source.fileno(), handle.fileno(), min(left, WINDOW), offset)
                if copied <= 0:
                    break
                offset += copied
                left -= copied
                written_behind(handle.fileno(), copied)
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        source.seek(offset)
        buffer = bytearray(max(1, min(_BLOCK, left)))
        for got in _filled(source, left, path, buffer):  # a file system that cannot: through this process
            handle.write(memoryview(buffer)[:got])


_COMMA = ord(",")
_NUMBERED = re.compile(rb'\{"messageId":([0-9]+)')
"""How a share's message begins: the number it had there (in its document: the last one's is their count), which the
feed's writer gives again."""


def _unnumbered(line: Piece, path: Path) -> memoryview:
    """A message's line without ``{"messageId":N`` and the ``,`` that separates it from the next."""
    found = _NUMBERED.match(line)
    if found is None:
        raise AssertionError(f"{path.name}: a line of a share's document is not a numbered message: {line[:40]!r}")
    size = len(line)
    return memoryview(line)[found.end() : size - 1 if line[size - 1] == _COMMA else size]
