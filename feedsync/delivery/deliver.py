"""The delivery stage of a push, one channel at a time: guardrails, then publish (file publishers) or sync (item
syncs) — in a dry run, what would be done — then the staged commit, one snapshot of the delivered feed, and the
run record. What it needs from the stream (a sync plan, the staged items) it collects through item observers
built before the stream starts."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedsync.channels.base import Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.delivery.guardrails import guardrail, too_many_deletes
from feedsync.delivery.observers import ChannelEncoding, Seen, Staged, SyncItems
from feedsync.destinations import Destination, FilePublisher, ItemSync, open_destination
from feedsync.diagnostics import ChannelResult, Emit, Location
from feedsync.diagnostics.codes import make
from feedsync.diff import keep_snapshot, read_feed
from feedsync.errors import ConfigError, FeedsyncError, RemoteError, Terminated
from feedsync.events import event
from feedsync.secrets import clip
from feedsync.split import part_names
from feedsync.stream import ItemObserver, Progress
from feedsync.sync import Recorder, SyncCollector, SyncPlan

if TYPE_CHECKING:
    from feedsync.state import State  # sqlite3: a push's (it hands the state in)


def open_destinations(compiled: list[CompiledChannel]) -> dict[str, Destination]:
    """Every channel's destination, for a push (each channel needs one)."""
    missing = [c.name for c in compiled if c.config.destination is None]
    if missing:
        raise ConfigError(
            f"channel(s) {', '.join(missing)} have no destination to push to; add "
            "`destination: {type: directory, path: ...}` to the channel in feedsync.yaml"
        )
    return {c.name: open_destination(c.config.destination) for c in compiled if c.config.destination}


@dataclass
class Outlet:
    """One channel's way out: its destination, what the stream collects for it, and its run in the state."""

    channel: CompiledChannel
    destination: Destination
    collector: SyncCollector | None = None
    staged: Staged | None = None
    target: tuple[str, str] | None = None
    """An item sync's (state key, target) where its channel names one (``ChannelSpec.sync_target``)."""
    seen: Seen | None = None
    """A dry run's file publisher: the ids of its feed (it stages nothing)."""
    run_id: int | None = None
    failed: str | None = None
    """Why the channel cannot be synced, found before its items were made (what its destination holds could not
    be read)."""

    @property
    def observers(self) -> list[ItemObserver]:
        found: list[ItemObserver] = [SyncItems(self.collector)] if self.collector is not None else []
        return found + [observer for observer in (self.staged, self.seen) if observer is not None]


@dataclass
class Delivery:
    """Delivers the channels of a push (a build or validate has no outlets: nothing to deliver)."""

    state: State | None
    state_dir: Path
    """Where the snapshots of the delivered feeds are kept (``diff --against last-push``)."""
    emit: Emit
    force: bool = False
    dry_run: bool = False
    reconcile: bool = False
    """Read what each item sync's destination holds before the plan is made (``push --reconcile``)."""
    progress: Progress | None = None
    outlets: dict[str, Outlet] = field(default_factory=dict)

    def open(self, command: str, compiled: list[CompiledChannel], destinations: dict[str, Destination]) -> None:
        """Before the stream: a sync plan for each item sync, the staged items of each file publisher (not in a
        dry run), and one run per channel in the state."""
        state = self.state
        for channel in compiled:
            destination = destinations.get(channel.name)
            if destination is None:
                continue
            outlet = self.outlets[channel.name] = Outlet(channel, destination)
            if isinstance(destination, ItemSync):
                if state is None:
                    raise ConfigError(f"channel {channel.name} pushes to an API, which needs the state database")
                outlet.collector = self._collector(state, channel.name, destination)
                if _retargeted(state, outlet):  # every item goes to the new target (those held stay its listings)
                    outlet.collector.sent = {}
        if self.reconcile and state is not None:
            for outlet in self.outlets.values():
                if isinstance(outlet.destination, ItemSync):
                    self._reconcile(state, outlet, outlet.destination)
        if state is None:
            return
        if self.dry_run:
            for outlet in self.outlets.values():
                if isinstance(outlet.destination, FilePublisher) and command == "push":
                    outlet.seen = Seen()
            return
        for name, outlet in self.outlets.items():
            if isinstance(outlet.destination, FilePublisher) and command == "push":
                state.drop_staged(name, outlet.destination.describe())
                outlet.staged = Staged(state, name, outlet.destination.describe())
        for name, outlet in self.outlets.items():
            outlet.run_id = state.start_run(command, name, outlet.destination.describe())

    def _collector(self, state: State, channel: str, destination: ItemSync) -> SyncCollector:
        """The sync plan's collector of an item sync: what the destination holds under its description (items
        recorded under an earlier form of it are moved there first, but in a dry run), and the items it holds under
        a description it retires (deleted)."""
        where = destination.describe()
        others = [other for other in state.item_destinations(channel) if other != where]
        adopted = [other for other in others if destination.adopts(other)]
        sent: dict[str, tuple[str, str]] = {}
        for other in adopted:
            if self.dry_run:
                sent.update(state.sent_items(channel, other))
            else:
                state.move_items(channel, other, where)
        sent.update(state.sent_items(channel, where))
        retired = {other: list(state.sent_items(channel, other)) for other in others if destination.retires(other)}
        if not sent:  # the first push to this destination: the items sent elsewhere before stay there
            for other in others:
                if other not in adopted and other not in retired:
                    self._left_behind(channel, where, other, len(state.sent_items(channel, other)))
        return SyncCollector(sent, refresh_after=destination.refresh_after, now=datetime.now(UTC), retired=retired)

    def _reconcile(self, state: State, outlet: Outlet, destination: ItemSync) -> None:
        """Tell the sync plan what the destination holds now, read from its API (``push --reconcile``): a state
        restored from an older copy, or lost, knows none of the items sent since."""
        assert outlet.collector is not None  # (an item sync's)
        channel = outlet.channel
        try:
            held = destination.held(outlet.target[1] if outlet.target is not None else None)
        except RemoteError as exc:  # the sync must not go on as though it held what the state says
            outlet.failed = f"could not read what it holds: {exc}"
            return
        if held is None:
            text = f"{destination.describe()} cannot be asked what it holds: the state alone says what to send"
            self.emit(make("DST013", text, channel=channel.name))
            return
        where = destination.describe()
        keys = _keys(state, channel, where, outlet.collector.sent)
        known = set(state.parent_listings(channel.name, where))  # (Amazon's: its families' own)
        sharing = [
            other.channel
            for other in self.outlets.values()
            if other is not outlet and isinstance(other.destination, ItemSync) and other.destination.describe() == where
        ]
        for other in sharing:  # the items another channel sends to it are that channel's, whatever this one holds
            known.update(_keys(state, other, where, state.sent_items(other.name, where)).values())
        owned = held.owned and not sharing
        outlet.collector.reconcile(held.keys, keys, owned=owned, form=held.form, known=known)
        event("reconcile", channel=channel.name, destination=where, held=len(held.keys), owned=owned)

    def _left_behind(self, channel: str, where: str, other: str, count: int) -> None:
        """DST012: the channel's items recorded under ``other``, a destination it no longer names (another account,
        catalog or marketplace region), stay there, out of feedsync's reach; told at the first push to ``where``."""
        if count:
            text = (
                f"{count} item(s) this channel sent to {other} stay there: it now sends to {where}, and feedsync "
                "no longer updates or deletes them; remove them there if they should leave the channel"
            )
            self.emit(make("DST012", text, channel=channel))

    def observers(self) -> dict[str, list[ItemObserver]]:
        return {name: outlet.observers for name, outlet in self.outlets.items()}

    def deliver(self, result: ChannelResult, encoder: Encoder | None) -> None:
        """One channel's delivery (its feed is built and checked; ``encoder`` made its records)."""
        outlet = self.outlets.get(result.channel)
        if outlet is None or result.output is None:
            return
        if outlet.failed is not None:
            result.failed = outlet.failed
            text = f"{result.channel} not synced with {outlet.destination.describe()}: {outlet.failed}"
            self.emit(make("DST006", text, channel=result.channel))
            return
        previous = self._guard(outlet.channel, result, outlet.destination)
        if result.refused or result.failed:
            return
        started = time.perf_counter()
        destination = outlet.destination
        if isinstance(destination, ItemSync):
            delivered = self._sync(outlet, destination, result, encoder)
        else:
            delivered = self._publish(outlet, destination, result, result.output, previous)
        if delivered:
            keep_snapshot(self.state_dir, outlet.channel.name, result.output, result.parts)
        seconds = round(time.perf_counter() - started, 3)
        where = destination.describe()
        if isinstance(destination, ItemSync):
            outcome = "refused" if result.refused else (result.published or result.planned)
            event("sync", channel=result.channel, destination=where, outcome=outcome, seconds=seconds)
        elif delivered:
            published = result.published
            event(
                "publish",
                channel=result.channel,
                destination=where,
                items=result.items,
                published=published,
                seconds=seconds,
            )

    def _guard(self, channel: CompiledChannel, result: ChannelResult, destination: Destination) -> int | None:
        """Refuse the channel's feed (``result.refused``) when a guardrail says so; the item count of the last push.
        With no push recorded (a first push, a state lost), a file destination's feed held now (a directory's) is
        the last push: a state deleted must not let a partial export replace a whole feed."""
        history = channel.config.guardrail_history
        counts = self.state.published_counts(channel.name, history) if self.state is not None else []
        file = not isinstance(destination, ItemSync)
        held = None
        if not counts and isinstance(destination, FilePublisher):
            try:
                held = destination.count_held(channel.filename, _items_in)
            except RemoteError as exc:  # the destination cannot be asked: its publish would fail alike
                self._failed(channel, destination, result, exc)
                return None
        if held is not None:
            counts = [held[0]]
        code, refusal = guardrail(channel, result, counts, force=self.force, file=file)
        if refusal and held is not None:
            refusal += f" (counted in {held[1]}, the feed the destination holds: the state records no push)"
        if self.force and guardrail(channel, result, counts, force=False, file=file)[1]:
            result.forced = True
        if refusal:
            result.refused = refusal
            event("refused", channel=channel.name, code=code, reason=refusal)
            where = None if self.dry_run else Location(str(result.output))  # (a dry run's is a temporary file)
            self.emit(make(code, f"{channel.name} not published: {refusal}", channel=channel.name, location=where))
        return counts[0] if counts else None

    def _sync(self, outlet: Outlet, destination: ItemSync, result: ChannelResult, encoder: Encoder | None) -> bool:
        """Send an item sync's changes (or, in a dry run, say what they would be); whether they were sent. A
        failing destination does not stop the others: its run is recorded as failed (what it accepted before the
        failure stays recorded) and push exits 3 once every channel had its turn."""
        assert outlet.collector is not None and self.state is not None  # made so by ``open``
        channel = outlet.channel
        plan = outlet.collector.finish()
        gone = len(plan.deletes) + len(plan.strays)  # (the rest, held under a former description, only move)
        held = len(outlet.collector.sent) if plan.held is None else max(plan.held, len(outlet.collector.sent))
        result.refused = too_many_deletes(channel, plan.delete_count, held, force=self.force, gone=gone)
        self._found(channel.name, destination, plan, refused=bool(result.refused))
        if result.refused:
            self.emit(make("DST004", f"{channel.name} not synced: {result.refused}", channel=channel.name))
            return False
        if self.dry_run:
            result.planned = f"would sync {destination.describe()}: {plan.summary()}"
            result.samples = [json.dumps(dict(c.values), ensure_ascii=False) for c in plan.upserts[:3]]
            result.samples += [f"delete {item_id}" for item_id in plan.deletes[:3]]
            result.samples += [f"delete {_shown(key)} (held, unknown to the state)" for key in plan.strays[:3]]
            for where, items in plan.retired.items():
                result.samples += [f"delete {item} from {where}" for item in items[:3]]
            return False
        recorder = Recorder(self.state, channel.name, destination.describe(), progress=self.progress)
        try:
            destination.sync(plan, recorder, self.emit, ChannelEncoding(channel, encoder, outlet.collector.shared))
        except RemoteError as exc:  # as a file destination's failure: the other channels still have their turn
            then = exc.after or "the others are sent on the next push"
            result.failed = f"{exc}; the changes it took before are recorded, {then}"
            event("sync-failed", channel=channel.name, destination=destination.describe(), error=str(exc))
            text = f"{channel.name} not synced with {destination.describe()}: {result.failed}"
            self.emit(make("DST006", text, channel=channel.name))
            return False
        if outlet.target is not None:
            self.state.set_cursor(*outlet.target)
        failed = len(recorder.failed)
        result.items -= min(failed, result.items)
        result.rejected += failed
        result.published = f"{destination.describe()} ({plan.summary()})"
        return True

    def _found(self, channel: str, destination: ItemSync, plan: SyncPlan, *, refused: bool) -> None:
        """DST013: the items ``push --reconcile`` found held that neither the catalog nor the state knows."""
        if plan.strays:
            fate = "not deleted: the sync is refused" if refused else "would be deleted" if self.dry_run else "deleted"
            self._tell_found(channel, destination, plan.strays, fate)
        if plan.unknown:
            kept = "left there, as it may hold another source's items: delete them there if they should leave it"
            self._tell_found(channel, destination, plan.unknown, kept)

    def _tell_found(self, channel: str, destination: ItemSync, keys: list[str], fate: str) -> None:
        named = ", ".join(_shown(key) for key in keys[:10]) + (f", … ({len(keys)} in all)" if len(keys) > 10 else "")
        text = f"{destination.describe()} holds {len(keys)} item(s) that neither the catalog nor the state knows"
        self.emit(make("DST013", f"{text} ({named}): {fate}", channel=channel))

    def _publish(
        self, outlet: Outlet, destination: FilePublisher, result: ChannelResult, output: Path, previous: int | None
    ) -> bool:
        """Publish a feed file and make its staged items current (or, in a dry run, say where it would go); whether
        it was published. A failing destination does not stop the others: this channel keeps its previous feed,
        its run is recorded as failed and push exits 3 once every channel had its turn."""
        channel = outlet.channel
        if self.state is not None and (outlet.staged is not None or outlet.seen is not None):
            if outlet.staged is not None:
                outlet.staged.flush()
                before, leaving = self.state.leaving(channel.name, destination.describe())
            else:  # a dry run: its feed's ids, against those the destination holds
                held = self.state.sent_items(channel.name, destination.describe()).keys()
                before, leaving = len(held), len(held - outlet.seen.ids)  # type: ignore[union-attr]
            result.refused = too_many_deletes(channel, leaving, before, force=self.force)
            if result.refused:
                self.emit(make("DST004", f"{channel.name} not published: {result.refused}", channel=channel.name))
                return False
        if self.dry_run:
            last = f" (last push: {previous})" if previous is not None else ""
            result.planned = f"would publish {result.items} items to {destination.describe()}{last}"
            return False
        try:
            result.published = destination.publish(output, channel.filename, result.parts, part_names(channel))
        except RemoteError as exc:
            self._failed(channel, destination, result, exc)
            return False
        if outlet.staged is not None:
            outlet.staged.commit()
        return True

    def _failed(
        self, channel: CompiledChannel, destination: FilePublisher, result: ChannelResult, exc: RemoteError
    ) -> None:
        """A file destination failed the channel's feed (DST006): the feed published before stays, its run is
        recorded as failed and push exits 3 once every channel had its turn."""
        result.failed = f"{exc}; the feed published before stays"
        event("publish-failed", channel=channel.name, destination=destination.describe(), error=str(exc))
        text = f"{channel.name} not published to {destination.describe()}: {result.failed}"
        self.emit(make("DST006", text, channel=channel.name))

    def fail(self, results: dict[str, ChannelResult], exc: BaseException) -> None:
        """Record every run as failed (the push ended with ``exc``), or as interrupted where the user stopped it
        (Ctrl-C): nothing failed, and the next push finishes what it left."""
        from feedsync.state import INTERRUPTED

        if isinstance(exc, Terminated):
            outcome, message = INTERRUPTED, "stopped by SIGTERM; the next push finishes what it left"
        elif isinstance(exc, KeyboardInterrupt):
            outcome, message = INTERRUPTED, "stopped by the user (Ctrl-C); the next push finishes what it left"
        else:
            outcome, message = "failed", clip(f"{type(exc).__name__}: {exc}", 500)
        for name, run_id in self._runs():
            self._state.finish_run(run_id, outcome=outcome, item_count=results[name].items, message=message)

    def finish(self, results: dict[str, ChannelResult]) -> None:
        """Record how each channel's run ended."""
        for name, run_id in self._runs():
            result = results[name]
            outcome = "refused" if result.refused else "published_with_findings" if result.rejected else "published"
            message = result.refused
            if result.failed:
                outcome, message = "failed", result.failed
            forced = bool(result.forced and result.published and not result.failed)
            self._state.finish_run(run_id, outcome=outcome, item_count=result.items, message=message, forced=forced)

    def _runs(self) -> list[tuple[str, int]]:
        return [(name, o.run_id) for name, o in self.outlets.items() if o.run_id is not None]

    @property
    def _state(self) -> State:
        assert self.state is not None  # runs are started only with a state
        return self.state


def _shown(key: str) -> str:
    """A key a destination answered, as a finding shows it: at most 100 characters, none of them a control."""
    return "".join(c if c.isprintable() else "?" for c in clip(key, 100))


def _retargeted(state: State, outlet: Outlet) -> bool:
    """Whether an item sync's channel now sends to another target than the last push did (an Amazon channel moved
    to another marketplace of its region: its items were "unchanged", and the new marketplace got none of them). The
    target is recorded (``outlet.target``) once the sync went through; the first push records it alone."""
    spec = outlet.channel.spec
    if spec.sync_target is None:
        return False
    key = f"sync-target:{outlet.channel.name}:{outlet.destination.describe()}"
    target = spec.sync_target(outlet.channel.settings)
    outlet.target = (key, target)
    before = state.cursor(key)
    if before is None or before == target:
        return False
    event("retargeted", channel=outlet.channel.name, before=before, target=target)
    return True


def _keys(state: State, channel: CompiledChannel, where: str, items: Iterable[str]) -> dict[str, str]:
    """item id -> the key the destination ``where`` knows each of ``items`` by: the one the state recorded, else the
    id as the channel publishes it (fitted into its limit)."""
    encoding = ChannelEncoding(channel, None, {})
    keys = {item: encoding.remote_id(item) for item in items}
    keys.update(state.channel_keys(channel.name, where))
    return keys


def _items_in(feed: Path) -> int:
    """How many items the feed file ``feed`` holds (0 where it cannot be read as a feed: nothing to guard)."""
    try:
        return sum(1 for _ in read_feed(feed))
    except (FeedsyncError, OSError, ValueError, csv.Error):
        return 0
