"""The two kinds of destination and the factory from a destination config.

A :class:`FilePublisher` delivers a built feed file (a folder, an SFTP server); an :class:`ItemSync` sends the items
that changed to a channel's API. The pipeline tells them apart by their class, and an item sync is handed the
channel's :class:`ItemEncoder` (never the compiled channel: destinations know nothing of channels)."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from feedsync.config import (
    AmazonSpApiDestination,
    DirectoryDestination,
    GoogleMerchantApiDestination,
    MetaCatalogApiDestination,
    SftpDestination,
)
from feedsync.diagnostics import Emit
from feedsync.sync import Change, Recorder, SyncPlan

DestinationConfig = (
    DirectoryDestination
    | GoogleMerchantApiDestination
    | SftpDestination
    | MetaCatalogApiDestination
    | AmazonSpApiDestination
)


class ItemEncoder(Protocol):
    """The channel's encoder as an item sync is handed it: what each item became (once, while the feed was written)
    and what the sync needs to know of the channel."""

    @property
    def name(self) -> str:
        """The channel's name, for the findings the sync reports."""
        ...

    @property
    def meta(self) -> Mapping[str, Any]:
        """Feed-level fields the records go with (Amazon: the document header and the marketplace id)."""
        ...

    @property
    def settings(self) -> Mapping[str, Any]:
        """The channel's settings (Amazon: ``max_messages``)."""
        ...

    def records(self, change: Change) -> list[Mapping[str, Any]]:
        """The records the item of ``change`` was encoded into (a channel without an encoder: its values)."""
        ...

    def shared(self, key: str) -> Mapping[str, Any] | None:
        """A record made with an earlier item that its family shares (an Amazon parent listing), by its key."""
        ...

    def remote_id(self, item_id: str) -> str:
        """The id the channel published the item under (the id fitted into the channel's limit)."""
        ...


class FilePublisher(ABC):
    """Delivers a built feed file. ``publish`` returns where it went, for the report and the run history; it also
    delivers the further documents ``parts`` of a split feed and removes the published files matching
    ``part_names`` that the feed no longer has."""

    @abstractmethod
    def describe(self) -> str: ...

    @abstractmethod
    def publish(
        self, feed: Path, default_name: str, parts: Sequence[Path] = (), part_names: re.Pattern[str] | None = None
    ) -> str: ...

    def count_held(self, default_name: str, count: Callable[[Path], int]) -> tuple[int, str] | None:
        """``count`` of the feed file the destination holds now, and where it lies (for the finding), else None (no
        feed held, or one it cannot read): what a push with no run recorded (a state lost) is guarded against.
        A RemoteError where the destination cannot be asked (its publish would fail alike)."""
        return None


@dataclass(frozen=True)
class Held:
    """What an item sync's destination holds now, read from it (``push --reconcile``)."""

    keys: frozenset[str]
    """The channel's keys of the items it holds (Google: the offer ids of the data source's products under the
    language and label; Meta: the retailer ids of the catalog's items)."""
    owned: bool
    """Whether each item it holds is the channel's (Google: an API data source takes only what feedsync sends it),
    so that one neither the catalog nor the state knows is deleted; else such items are named, not deleted (a Meta
    catalog may hold another source's items)."""
    form: Callable[[str], str] = str
    """A key as the destination keeps it, from the key feedsync sent (Google collapses whitespace in offer ids)."""


class ItemSync(ABC):
    """Sends a channel's item changes to its API: ``plan`` says what to create, update, refresh and delete,
    ``recorder`` writes what the API accepted into the state, ``emit`` takes its findings."""

    refresh_after: timedelta | None = None
    """Resend an unchanged item this long after it was last sent (None: only changes)."""

    @abstractmethod
    def describe(self) -> str:
        """Where the items go, with every setting that changes which remote items they are: the state keeps what
        the destination holds by it, so a change of description sends every item anew."""

    def adopts(self, description: str) -> bool:
        """Whether the items the state holds under ``description`` (another of the channel's) are this destination's
        as it is: recorded under an earlier form of its description (they are moved to the current one)."""
        return False

    def retires(self, description: str) -> bool:
        """Whether the items the state holds under ``description`` (another of the channel's) are in this
        destination under settings it no longer has (Google: a former data source of the account, language or
        label): they are deleted there."""
        return False

    def held(self, target: str | None = None) -> Held | None:
        """What the destination holds now, read from its API (a RemoteError where it cannot be read); None where it
        cannot be asked. ``target``: the channel's target within it (an Amazon marketplace), where it names one."""
        return None

    @abstractmethod
    def sync(self, plan: SyncPlan, recorder: Recorder, emit: Emit, encoder: ItemEncoder) -> None: ...


Destination = FilePublisher | ItemSync


def refresh_after(days: int | None) -> timedelta | None:
    """A destination's ``refresh_days`` as the time after which an unchanged item is sent again."""
    return timedelta(days=days) if days else None


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
