"""The Destination protocol and the factory from a destination config."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from feedsync.config import (
    AmazonSpApiDestination,
    DirectoryDestination,
    GoogleMerchantApiDestination,
    MetaCatalogApiDestination,
    SftpDestination,
)

DestinationConfig = (
    DirectoryDestination
    | GoogleMerchantApiDestination
    | SftpDestination
    | MetaCatalogApiDestination
    | AmazonSpApiDestination
)


class Destination(Protocol):
    """Delivers a built feed file. ``publish`` returns where it went, for the report and the run history; file
    publishers also deliver the further documents ``parts`` of a split feed and remove the published files
    matching ``part_names`` that the feed no longer has. API destinations take items (``sync``) instead."""

    def describe(self) -> str: ...

    def publish(
        self, feed: Path, default_name: str, parts: Sequence[Path] = (), part_names: re.Pattern[str] | None = None
    ) -> str: ...


def open_destination(config: DestinationConfig) -> Destination:
    if isinstance(config, AmazonSpApiDestination):
        from feedsync.destinations.amazon_feeds import AmazonSpApi

        return AmazonSpApi(config)
    if isinstance(config, MetaCatalogApiDestination):
        from feedsync.destinations.meta_catalog import MetaCatalogApi

        return MetaCatalogApi(config)
    if isinstance(config, SftpDestination):
        from feedsync.destinations.sftp import SftpPublisher

        return SftpPublisher(config)
    if isinstance(config, GoogleMerchantApiDestination):
        from feedsync.destinations.google_merchant import GoogleMerchantApi

        return GoogleMerchantApi(config)
    from feedsync.destinations.directory import DirectoryPublisher

    return DirectoryPublisher(config)


def is_api(destination: Destination) -> bool:
    """API destinations take item changes (``sync``), not files."""
    return hasattr(destination, "sync")
