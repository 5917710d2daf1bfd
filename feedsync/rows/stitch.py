"""Each channel's feed from its shares' documents: one prologue, the shares' items in order, one epilogue (Amazon
messages numbered again, in documents of ``max_messages``). A feed of XML or delimited text is the first share's
document with the others' items put after its own, in place: the first share's items are written once."""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import BinaryIO

from feedsync.atomic import atomic_extend, atomic_write
from feedsync.channels.base import Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.diagnostics import Report
from feedsync.faults import checkpoint
from feedsync.formats import open_writer
from feedsync.formats.json_listings import JsonListingsWriter
from feedsync.stream import _part_opener

TAILS = {"rss": b"</channel>\n</rss>\n", "delimited": b"", "json_listings": b"\n]}\n"}
"""The writers whose documents a share can be cut out of: what each writes after its last item."""


def stitch(
    report: Report,
    compiled: list[CompiledChannel],
    encoders: Mapping[str, Encoder | None],
    out: Path,
    folder: Path,
    count: int,
) -> None:
    """Each channel's feed from its shares' documents: one prologue, the shares' items in order, one epilogue
    (Amazon messages numbered again, in documents of ``max_messages``)."""
    with ExitStack() as stack:
        parts = stack.enter_context(ExitStack())  # further documents are renamed into place after every feed
        for channel in compiled:
            result = report.channels[channel.name]
            result.output = out / channel.filename
            encoder = encoders.get(channel.name)
            tail = TAILS[channel.format.writer]
            head = _prologue(channel, encoder, tail)
            files = [folder / str(index) / channel.filename for index in range(count)]
            if channel.format.writer == "json_listings":
                meta = {**channel.feed, **(encoder.meta if encoder else {})}
                writer = open_writer(
                    channel.format.writer,
                    stack.enter_context(atomic_write(result.output)),
                    columns=channel.columns,
                    meta=meta,
                    options={**channel.format.options, **channel.settings},
                    open_part=_part_opener(parts, out, channel, result),
                )
                assert isinstance(writer, JsonListingsWriter)
                with writer:
                    for path in files:
                        _messages(path, writer, head)
            else:
                _append(stack.enter_context(_extended(files[0], result.output, head, tail)), files[1:], head, tail)
            checkpoint("rows.feed-stitched")


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


def _extended(first: Path, target: Path, head: bytes, tail: bytes) -> AbstractContextManager[BinaryIO]:
    """The first share's document, which is the feed's beginning, open to take the other shares' items before its
    ``tail`` (then ``target`` in one rename): its items are not copied again."""
    size = first.stat().st_size
    with first.open("rb") as document:
        starts = document.read(len(head))
        document.seek(max(0, size - len(tail)))
        if starts != head or document.read() != tail:
            raise AssertionError(f"{first.name}: the first share's document is not a whole feed")
    return atomic_extend(first, target, keep=size - len(tail))


def _append(handle: BinaryIO, files: list[Path], head: bytes, tail: bytes) -> None:
    """The items of the shares' documents ``files``, then the feed's ``tail``."""
    for path in files:
        _copy_body(path, handle, head, len(tail))
    handle.write(tail)


def _copy_body(path: Path, handle: BinaryIO, head: bytes, tail: int) -> None:
    """The items of a share's document: what its writer wrote between ``head`` and the ``tail`` bytes."""
    with path.open("rb") as source:
        if source.read(len(head)) != head:
            raise AssertionError(f"{path.name}: a share's document does not start as the feed does")
        left = os.fstat(source.fileno()).st_size - len(head) - tail
        handle.flush()
        offset = len(head)
        try:
            while left > 0:  # copied by the kernel
                copied = os.copy_file_range(source.fileno(), handle.fileno(), left, offset)
                if copied <= 0:
                    break
                offset += copied
                left -= copied
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        source.seek(offset)
        while left > 0:  # a file system that cannot: through this process
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise OSError(f"{path.name}: {left} bytes of a share's document are missing")
            handle.write(chunk)
            left -= len(chunk)


def _messages(path: Path, writer: JsonListingsWriter, head: bytes) -> None:
    """The messages of a share's JSON listings document, each written again without its messageId."""
    with path.open("rb") as source:
        source.seek(len(head))
        for line in source:
            if line == b"\n":
                continue
            if line == b"]}\n":
                break
            message = line[:-2] if line.endswith(b",\n") else line[:-1]
            writer.write_encoded(message[message.index(b",") + 1 :])
