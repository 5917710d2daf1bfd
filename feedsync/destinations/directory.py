"""The ``directory`` destination: publish the feed into a folder atomically (e.g. a web root that the
channel's scheduled fetch reads). Readers of the folder see the old file or the new one, never a half."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from feedsync.atomic import atomic_copy
from feedsync.config import DirectoryDestination
from feedsync.errors import RemoteError


class DirectoryPublisher:
    def __init__(self, config: DirectoryDestination) -> None:
        self.config = config

    def describe(self) -> str:
        return f"directory:{self.config.path}"

    def publish(self, feed: Path, default_name: str) -> str:
        target = self.config.path / (self.config.filename or default_name)
        try:
            if self.config.keep and target.is_file():
                stamp = datetime.fromtimestamp(target.stat().st_mtime, UTC).strftime("%Y%m%dT%H%M%S%fZ")
                version = target.with_name(f"{target.name}.{stamp}")
                try:
                    os.link(target, version)  # the current file stays in place until the new one replaces it
                except OSError:
                    shutil.copy2(target, version)
                self._prune(target)
            atomic_copy(feed, target)
        except OSError as exc:
            raise RemoteError(f"cannot publish to {target}: {exc.strerror or exc}") from None
        return str(target)

    def _prune(self, target: Path) -> None:
        versions = sorted(target.parent.glob(f"{target.name}.*Z"))
        for old in versions[: max(len(versions) - self.config.keep, 0)]:
            old.unlink()
