"""What delivery collects from the stream, item by item (observers built before it starts), and the channel's
encoder as an item sync is handed it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from feedsync.channels.base import ChannelItem, Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.ids import fit_ascii_id, fit_id
from feedsync.stream import Records
from feedsync.sync import Change, SyncCollector, channel_key

if TYPE_CHECKING:
    from feedsync.state import State  # sqlite3: a push's (it hands the state in)


@dataclass
class Staged:
    """The items of a file being published, staged in the state in batches (flat memory) and made current
    once the file is published: order imports map marketplace SKUs back to catalog ids with them."""

    state: State
    channel: str
    destination: str
    rows: list[tuple[str, str]] = field(default_factory=list)

    def take(self, item: ChannelItem, records: Records | None) -> None:
        if records is None:
            return
        self.rows.append((item.id, channel_key(item.id, item.values)))
        if len(self.rows) >= 5000:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.state.stage_items(self.channel, self.destination, self.rows)
            self.rows = []

    def commit(self) -> None:
        self.flush()
        self.state.commit_staged(self.channel, self.destination)


@dataclass
class Seen:
    """The ids of the items of a file a dry run would publish (it stages nothing): what the delete-share guardrail
    compares with the items the destination holds."""

    ids: set[str] = field(default_factory=set)

    def take(self, item: ChannelItem, records: Records | None) -> None:
        if records is not None:
            self.ids.add(item.id)


@dataclass
class SyncItems:
    """Feeds the kept items, with the records the stream encoded them into, to a sync's collector."""

    collector: SyncCollector

    def take(self, item: ChannelItem, records: Records | None) -> None:
        if records is not None:
            self.collector.add(item.id, item.values, records)


@dataclass
class ChannelEncoding:
    """The channel's encoder as an item sync is handed it (``destinations.ItemEncoder``): the records each item
    was encoded into while the feed was written, never encoded again."""

    channel: CompiledChannel
    encoder: Encoder | None
    kept: Mapping[str, Mapping[str, Any]]
    """Records an item's encoding shared with its family (an Amazon parent listing), by key."""

    @property
    def name(self) -> str:
        return self.channel.name

    @property
    def meta(self) -> Mapping[str, Any]:
        return self.encoder.meta if self.encoder is not None else {}

    @property
    def settings(self) -> Mapping[str, Any]:
        return self.channel.settings

    def records(self, change: Change) -> list[Mapping[str, Any]]:
        return list(change.records) or [change.values]

    def shared(self, key: str) -> Mapping[str, Any] | None:
        return self.kept.get(key)

    def remote_id(self, item_id: str) -> str:
        limit = self.channel.spec.id_limits.get("id")
        if limit is None:
            return item_id
        return fit_ascii_id(item_id, limit) if self.channel.spec.ascii_ids else fit_id(item_id, limit)
