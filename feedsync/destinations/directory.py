"""The ``directory`` destination: publish the feed into a folder atomically (e.g. a web root that the
channel's scheduled fetch reads). Readers of the folder see the old file or the new one, never a half."""

from __future__ import annotations

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
            atomic_copy(feed, target)
        except OSError as exc:
            raise RemoteError(f"cannot publish to {target}: {exc.strerror or exc}") from None
        return str(target)
