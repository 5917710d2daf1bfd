"""The files of a channel's feed in the output folder: the further documents of a split feed (``amazon.2.json``,
...) and what killed or earlier runs left there."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

from feedsync.atomic import remove_leftovers
from feedsync.channels.compiled import CompiledChannel


def part_path(out: Path, channel: CompiledChannel, number: int) -> Path:
    """Where the ``number``-th document (2, 3, ...) of a split feed is written; ``part_names`` matches it."""
    return out / f"{channel.name}.{number}.{channel.format.extension}"


def part_names(channel: CompiledChannel) -> re.Pattern[str]:
    """The names ``part_path`` gives: a push removes the published ones its feed no longer has."""
    return re.compile(rf"{re.escape(channel.name)}\.(?:[2-9]|[1-9][0-9]+)\.{re.escape(channel.format.extension)}")


def remove_temp_files(out: Path, compiled: list[CompiledChannel], *, before: float) -> None:
    """Temp files of the channels' feeds that killed runs left in ``out`` (never a live writer's)."""
    names = {channel.filename for channel in compiled}
    patterns = [part_names(channel) for channel in compiled]
    remove_leftovers(out, lambda name: name in names or any(p.fullmatch(name) for p in patterns), before=before)


def remove_stale_parts(out: Path, channel: CompiledChannel, parts: list[Path]) -> None:
    """Parts an earlier build wrote that this feed no longer has (it shrank below a split)."""
    pattern, written = part_names(channel), {part.name for part in parts}
    with contextlib.suppress(FileNotFoundError):
        for path in out.iterdir():
            if pattern.fullmatch(path.name) and path.name not in written and path.name != channel.filename:
                path.unlink(missing_ok=True)
