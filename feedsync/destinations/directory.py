"""The ``directory`` destination: publish the feed into a folder atomically (e.g. a web root that the
channel's scheduled fetch reads). Readers of the folder see the old file or the new one, never a half.

Every step can be killed and the next push converges: temp files of killed copies are removed (``atomic``), a
version link left by a killed publish is recognised as the same file and reused, and the parts a split feed no
longer has are removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from feedsync.atomic import VERSION_STAMP, atomic_copy, file_in_the_way, keep_as, remove_leftovers
from feedsync.config import DirectoryDestination
from feedsync.destinations.base import FilePublisher
from feedsync.errors import RemoteError
from feedsync.faults import checkpoint


class DirectoryPublisher(FilePublisher):
    def __init__(self, config: DirectoryDestination) -> None:
        self.config = config
        self._opened = time.time()
        """Temp files older than this, held by nobody, were left by killed runs (this run's own are newer)."""

    def describe(self) -> str:
        return f"directory:{self.config.path}"

    def count_held(self, default_name: str, count: Callable[[Path], int]) -> tuple[int, str] | None:
        target = self.config.path / (self.config.filename or default_name)
        return (count(target), str(target)) if target.is_file() else None

    def publish(
        self, feed: Path, default_name: str, parts: Sequence[Path] = (), part_names: re.Pattern[str] | None = None
    ) -> str:
        """Publish ``feed`` and the further documents ``parts`` of a split feed (under their own names), then
        remove the published files whose names match ``part_names`` that this feed no longer has.

        Order: each rename is atomic, several are not, so the main file is the commit point. The new parts go
        first, then the main file: a reader who sees the new main file finds every new part in place. The parts
        the feed no longer has go last: removing them earlier would let a reader of the old main file miss the
        items they hold (in no file at all), while after the commit point they are only briefly an extra file.
        A kill between these steps leaves an older complete part beside newer ones, never a half file, and
        the next push finishes the job."""
        folder = self.config.path
        target = folder / (self.config.filename or default_name)
        names = {target.name, *(part.name for part in parts)}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            remove_leftovers(
                folder,
                lambda name: name in names or (part_names is not None and part_names.fullmatch(name) is not None),
                before=self._opened,
            )
            for part in parts:
                self._replace(part, folder / part.name)
            self._replace(feed, target)
            if part_names is not None:
                for stale in sorted(folder.iterdir()):
                    if part_names.fullmatch(stale.name) and stale.name not in names and stale.is_file():
                        self._retire(stale)
        except OSError as exc:
            why = exc.strerror or str(exc)
            in_the_way = file_in_the_way(folder)
            if in_the_way is not None:  # (mkdir's "File exists" said nothing of which)
                why = f"{in_the_way} is a file, not a folder: give the destination's path a folder"
            raise RemoteError(f"cannot publish to {target}: {why}") from None
        return str(target)

    def _replace(self, source: Path, target: Path) -> None:
        self._keep_version(target)
        atomic_copy(source, target)
        checkpoint("directory.replaced")
        self._prune(target)

    def _retire(self, stale: Path) -> None:
        """Remove a part the feed no longer has (kept as a version like a replaced file, when versions are kept)."""
        self._keep_version(stale)
        stale.unlink()
        checkpoint("directory.stale-removed")
        self._prune(stale)

    def _keep_version(self, target: Path) -> None:
        """Hard-link the current file as ``<name>.<its mtime>Z`` (it stays in place until replaced). A kill after
        the link leaves it behind and the next run computes the same name: the same file is reused."""
        if not self.config.keep or not target.is_file():
            return
        stamp = datetime.fromtimestamp(target.stat().st_mtime, UTC).strftime("%Y%m%dT%H%M%S%fZ")
        version = target.with_name(f"{target.name}.{stamp}")
        try:
            keep_as(target, version)
        except FileExistsError:
            if not os.path.samefile(target, version):  # a different file of the same time stamp: superseded
                version.unlink()
                keep_as(target, version)
        checkpoint("directory.version-kept")

    def _prune(self, target: Path) -> None:
        stamped = re.compile(re.escape(target.name) + VERSION_STAMP)
        versions = sorted(p for p in target.parent.iterdir() if stamped.fullmatch(p.name))
        for old in versions[: max(len(versions) - self.config.keep, 0)]:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
