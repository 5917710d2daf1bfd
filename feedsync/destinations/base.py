"""The Destination protocol and the factory from a destination config."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from feedsync.config import DirectoryDestination


class Destination(Protocol):
    """Delivers a built feed file. ``publish`` returns where it went, for the report and the run history."""

    def describe(self) -> str: ...

    def publish(self, feed: Path, default_name: str) -> str: ...


def open_destination(config: DirectoryDestination) -> Destination:
    from feedsync.destinations.directory import DirectoryPublisher

    return DirectoryPublisher(config)
