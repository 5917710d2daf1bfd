"""Delta sync for API destinations: what to create, update, re-send before the channel expires it, and delete,
from the content hash of each item and what the state says the destination holds."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from feedsync.faults import checkpoint
from feedsync.secrets import clip

if TYPE_CHECKING:
    from feedsync.state import State  # sqlite3: a push's (it hands the state in)

NEVER_HELD = "rejected"
"""The hash the state keeps of an item whose first version the destination refused: it holds none of it (an item
it held keeps the hash of the version it holds when a later update is refused)."""


def content_hash(values: Mapping[str, Any]) -> str:
    """A stable digest of an item's channel values (key order does not matter)."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Change:
    item_id: str
    values: Mapping[str, Any]
    digest: str
    records: tuple[Mapping[str, Any], ...] = ()
    """What the channel's encoder made of the item while the feed was written (its own records; none: the item is
    sent as its values)."""


@dataclass
class SyncPlan:
    creates: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    refreshes: list[Change] = field(default_factory=list)
    """Unchanged items re-sent because the channel would soon expire them (Google: 30 days)."""
    deletes: list[str] = field(default_factory=list)
    retired: dict[str, list[str]] = field(default_factory=dict)
    """Items to delete that the destination holds under a former description of itself (Google: a former feed label
    or content language), by that description: their catalog items are sent anew under the current one."""
    unchanged: int = 0
    strays: list[str] = field(default_factory=list)
    """The channel keys of items the destination was found to hold (``push --reconcile``) that neither the catalog
    nor the state knows, where they are the channel's to delete (``Held.owned``): deleted by that key."""
    unknown: list[str] = field(default_factory=list)
    """As ``strays``, where the destination may hold another source's items: named, not deleted."""
    missing: int = 0
    """Items of the catalog the state recorded as held that the destination was found to lack: sent again."""
    held: int | None = None
    """How many of the channel's items the destination was found to hold (None: not read); the guardrails count
    against it (a state lost or restored from an older copy does not know them all)."""

    @property
    def upserts(self) -> list[Change]:
        return self.creates + self.updates + self.refreshes

    @property
    def delete_count(self) -> int:
        """How many items the plan deletes, under the current description or a former one, or found held."""
        return len(self.deletes) + sum(len(items) for items in self.retired.values()) + len(self.strays)

    def summary(self) -> str:
        retired = self.delete_count - len(self.deletes) - len(self.strays)
        notes = [f"{retired} of them held under {', '.join(self.retired)}"] if retired else []
        if self.strays:
            notes.append(f"{len(self.strays)} of them held without the state knowing them")
        former = f" ({'; '.join(notes)})" if notes else ""
        found = ""
        if self.missing:
            found += f"; {self.missing} the state recorded were not held (sent again)"
        if self.unknown:
            found += f"; {len(self.unknown)} held that neither the catalog nor the state knows (left there)"
        return (
            f"{len(self.creates)} to create, {len(self.updates)} to update, {len(self.refreshes)} to refresh, "
            f"{self.delete_count} to delete{former}, {self.unchanged} unchanged{found}"
        )


class SyncCollector:
    """Fed every item of a run; keeps only the items that must be sent (memory grows with the changes), and the
    records an item's encoding shares with its family (an Amazon parent listing: one per family)."""

    def __init__(
        self,
        sent: dict[str, tuple[str, str]],
        *,
        refresh_after: timedelta | None,
        now: datetime,
        retired: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """``sent``: what the destination holds (item id -> content hash, sent_at); ``retired``: the items it holds
        under a former description of itself, by description (all deleted)."""
        self.sent = sent
        self.refresh_before = _stamp(now - refresh_after) if refresh_after is not None else None
        self.now = _stamp(now)
        self.plan = SyncPlan(retired={where: sorted(items) for where, items in (retired or {}).items() if items})
        self.seen: set[str] = set()
        self.shared: dict[str, Mapping[str, Any]] = {}
        """Records made with an item under another key than its own (a parent listing), by that key."""
        self.last_digest = ""
        """The content hash of the item added last (the row cache keeps it)."""
        self.absent: set[str] = set()
        """Items the state records as held that the destination was found to lack (``reconcile``)."""
        self.found: set[str] | None = None
        """The channel keys the destination was found to hold that the state does not know (``reconcile``; None:
        not read), less those of the catalog's items as they are added."""
        self.owned = False
        self.form: Callable[[str], str] = str

    def add(self, item_id: str, values: Mapping[str, Any], records: Sequence[Mapping[str, Any]] = ()) -> None:
        self.seen.add(item_id)
        key = channel_key(item_id, values)
        own = []
        for record in records:
            other = channel_key(item_id, record)
            if other == key:
                own.append(record)
            else:
                self.shared[other] = record
        digest = self.last_digest = content_hash(values)
        known = self.sent.get(item_id)
        if self.found is not None:
            self.found.discard(self.form(key))
            if item_id in self.absent:
                known = None
        if known is None:
            self.plan.creates.append(Change(item_id, dict(values), digest, tuple(own)))
        elif known[0] != digest:
            self.plan.updates.append(Change(item_id, dict(values), digest, tuple(own)))
        elif self._due(known[1]):
            self.plan.refreshes.append(Change(item_id, dict(values), digest, tuple(own)))
        else:
            self.plan.unchanged += 1

    def unchanged(self, item_id: str, digest: str) -> bool:
        """Whether the destination holds the item with content hash ``digest`` and needs it sent no sooner (a
        row cache then counts it unchanged with ``add_unchanged``, without its values)."""
        known = self.sent.get(item_id)
        if known is None or known[0] != digest or item_id in self.absent:
            return False
        return not self._due(known[1])

    def _due(self, sent_at: str) -> bool:
        """Whether an unchanged item sent at ``sent_at`` is sent again: it was sent before ``refresh_after`` ago, or
        at a time still to come (a clock that ran ahead when it was sent: when the destination last had it is
        unknown, and trusting the time would leave it unsent until the channel expires it)."""
        return self.refresh_before is not None and (sent_at < self.refresh_before or sent_at > self.now)

    def add_unchanged(self, item_ids: list[str]) -> None:
        """Count ``item_ids`` unchanged (each found so by ``unchanged``): a row cache tells its replayed items a
        batch at a time."""
        self.seen.update(item_ids)
        self.plan.unchanged += len(item_ids)

    def reconcile(
        self,
        held: frozenset[str],
        keys: Mapping[str, str],
        *,
        owned: bool,
        form: Callable[[str], str] = str,
        known: Iterable[str] = (),
    ) -> None:
        """Take what the destination was found to hold (``held``, by channel key; ``keys``: the channel key of each
        item the state records, where it differs from the item id or is known): an item the state records that it
        lacks is sent anew, and one it holds that neither the state nor the catalog knows is deleted where it is the
        channel's (``owned``), else named; ``form``: a key as the destination keeps it; ``known``: other keys the
        state records there (the channel's parent listings, the items of other channels sent to it). Called before
        the first item is added."""
        recorded = {form(key) for key in known}
        for item_id in self.sent:
            key = form(keys.get(item_id, item_id))
            recorded.add(key)
            if key not in held:
                self.absent.add(item_id)
        self.found = set(held - recorded)
        self.owned, self.form = owned, form
        self.plan.held = len(held)

    def finish(self) -> SyncPlan:
        plan = self.plan
        # (an item the listing lacks and the catalog no longer has is deleted all the same: a listing may lag)
        plan.deletes = sorted(set(self.sent) - self.seen)
        if self.found is not None:
            self.found.difference_update(self.form(key) for key in self.shared)  # (parent listings made this run)
            plan.missing = len(self.absent & self.seen)
            if self.owned:
                plan.strays = sorted(self.found)
            else:
                plan.unknown = sorted(self.found)
                plan.held = (plan.held or 0) - len(plan.unknown)  # (another source's: not the channel's to count)
        return plan


@dataclass
class Recorder:
    """Writes what a destination accepted into the state, batch by batch (a crash loses at most one batch, and
    a rerun re-sends it: the channels' upserts are idempotent)."""

    state: State
    channel: str
    destination: str
    failed: dict[str, str] = field(default_factory=dict)
    sent: int = 0
    deleted: int = 0
    progress: Callable[[dict[str, int]], None] | None = None
    """Told the counts after each batch (the CLI's progress bars)."""

    def _tell(self) -> None:
        if self.progress is not None:
            self.progress({f"{self.channel} sent": self.sent, f"{self.channel} deleted": self.deleted})

    def accepted(self, changes: list[Change], parents: Sequence[str] = ()) -> None:
        """Record the changes the destination took, and the parent listings it took with them (Amazon)."""
        if changes or parents:
            checkpoint("sync.accepted")  # the destination has the batch; the state does not know yet
            keys = {c.item_id: channel_key(c.item_id, c.values) for c in changes}
            families = {c.item_id: parent_key(c.values) for c in changes}
            self.state.record_items(
                self.channel,
                self.destination,
                [(c.item_id, c.digest) for c in changes],
                keys=keys,
                parents=families,
                parent_listings=parents,
            )
            self.sent += len(changes)
            for change in changes:  # (refused in a batch an earlier run left open, taken when sent again)
                self.failed.pop(change.item_id, None)
            self._tell()

    def rejected(self, change: Change, message: str) -> None:
        self.failed[change.item_id] = message
        self.state.record_items(  # (an item the destination held keeps the hash of the version it holds)
            self.channel,
            self.destination,
            [(change.item_id, NEVER_HELD)],
            status="rejected",
            message=clip(message, 1000),
        )

    def removed(self, item_ids: list[str], parents: Sequence[str] = (), *, former: str | None = None) -> None:
        """Record the items (and parent listings) the destination deleted; ``former``: those it held under that
        former description of itself (``SyncPlan.retired``)."""
        if item_ids or parents:
            checkpoint("sync.removed")
            self.state.forget_items(self.channel, former or self.destination, item_ids, parents)
            self.deleted += len(item_ids)
            self._tell()

    def cleared(self, keys: list[str]) -> None:
        """The destination deleted these items it held that the state did not know (``SyncPlan.strays``)."""
        if keys:
            checkpoint("sync.cleared")
            self.deleted += len(keys)
            self._tell()

    def opened(self, batch_id: str, messages: str) -> None:
        """The destination took a batch whose outcome is not known yet (``messages``: what it holds)."""
        self.state.open_batch(self.channel, self.destination, batch_id, messages)
        checkpoint("sync.opened")  # the batch is recorded open; its outcome is not

    def open_batches(self) -> list[tuple[str, str, str]]:
        """(batch id, messages, when it was recorded open) of the batches an earlier run left open, oldest first."""
        return self.state.open_batches(self.channel, self.destination)

    def closed(self, batch_id: str) -> None:
        """The outcome of an open batch is recorded (or it has none to record)."""
        self.state.close_batch(self.channel, self.destination, batch_id)

    def families(self) -> tuple[set[str], dict[str, str | None]]:
        """The parent listings the destination holds, and the parent key of each item it holds ('' none; None:
        unknown, recorded before feedsync kept families)."""
        return (
            self.state.parent_listings(self.channel, self.destination),
            self.state.item_parents(self.channel, self.destination),
        )


def _stamp(moment: datetime) -> str:
    """``moment`` in the form the state writes its times (UTC, milliseconds), so that they compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def channel_key(item_id: str, values: Mapping[str, Any]) -> str:
    """The id the channel knows an item by: its SKU where the channel has one (Amazon), else the id it was
    published under (the item id, or the item id fitted into the channel's limit)."""
    for key in ("sku", "id"):
        value = values.get(key)
        if isinstance(value, str):
            return value
    return item_id


def parent_key(values: Mapping[str, Any]) -> str:
    """The channel key of an item's parent listing (an Amazon variant's parent SKU); '' when it has none."""
    parent = values.get("parent_sku")
    return parent if isinstance(parent, str) else ""
