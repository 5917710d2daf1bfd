"""The row cache of one push: a ``RowGate`` of the source (a row whose every channel has a usable entry is
replayed instead of read into a product; a record of one line as its raw line is offered, before it is read into
cells) and a ``RowHook`` of the stream (a computed row's results are kept)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from feedsync.channels.base import VariantGroup
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.written import WrittenIds
from feedsync.config import Config
from feedsync.delivery.observers import Staged, SyncItems
from feedsync.diagnostics import Diagnostic, Location, Report, Severity
from feedsync.diagnostics.diagnostic import finding_fields, location_fields, new_diagnostic, new_location
from feedsync.diagnostics.gate import Selection
from feedsync.formats import DelimitedWriter, RssWriter
from feedsync.model.product import Product
from feedsync.rowcache import store
from feedsync.rowcache.capture import CaptureItems, CaptureWriter, EarlierFeed, RecordingSet, RecordingTally
from feedsync.rowcache.fingerprint import fingerprint, with_header
from feedsync.sources import Source
from feedsync.sources.native import DelimitedSource
from feedsync.sources.tabular import quote_then_text
from feedsync.stream import (
    _VARIANT_FIELDS,
    IGNORE_COLUMN,
    ItemIds,
    Sink,
    Stream,
    item_variant_key,
    product_variant_key,
)
from feedsync.sync import SyncCollector, channel_key

CROSS_ROW = frozenset({"MDL008", "MDL012", "MDL013"})
"""Findings that depend on earlier rows: a row that had one is computed every time."""
CHANNEL_CROSS_ROW = frozenset({"MDL021"})
"""A channel's findings that depend on its earlier items (an id an earlier kept item was written with): a row
that had one is computed every time (the earlier item may be another now)."""
_WIDTH = len(_VARIANT_FIELDS)
_TEXT_OR_NONE = {str, type(None)}
_UNTOLD = 4096
"""Replayed items told to the sync collectors at once."""


@dataclass
class ChannelCache:
    channel: CompiledChannel
    path: Path
    base: str
    """The fingerprint before the source's header is known."""
    found: str
    """The fingerprint of the cache read (empty: none)."""
    old: store.Entries
    feed: list[Any]
    """The identity of the feed file the entries point into (``store.feed_identity``)."""
    new: list[bytes] = field(default_factory=list)
    """The lines of this run's rows (computed or replayed), in their order (of two with one key, the later one is
    read: ``store.load``)."""
    fingerprint: str = ""
    earlier: EarlierFeed | None = None
    """That feed file, when it is still the one the entries point into: replayed items are copied from it."""
    size: int = 0
    """Its size."""
    now: float = 0.0
    group: VariantGroup | None = None
    width: int = 0
    asked: RecordingSet = field(default_factory=lambda: RecordingSet(set()))
    written: WrittenIds | None = None
    """The ids of the channel's kept items (``Sink.written``: MDL021), when it keys them on one."""
    sink: Any = None
    """The channel's sink (``Sink``), its capturing writer, variant tracker, and what a replayed
    item is told (``_told``): set when the stream begins."""
    writer: CaptureWriter | None = None
    variants: Any = None
    told: tuple[list[str], list[SyncCollector], list[Staged]] = field(default_factory=lambda: ([], [], []))
    unchanged: Callable[[str, str], bool] | None = None
    """The sync collector's ``unchanged`` (None: no collector)."""
    plain: bool = False
    """A replayed item is told to the sync collectors alone (no id lists, staged items or variant group)."""
    untold: list[str] = field(default_factory=list)
    """Replayed items not yet told to the sync collectors as unchanged (told ``_UNTOLD`` at a time)."""

    def tell(self, items: list[tuple[str, str, bool, Any, Any]], report: Report) -> None:
        """Tell the observers a replayed row's items (the sync collectors: later, ``tell_unchanged``)."""
        group = self.group
        listed, _, staged = self.told
        untold = self.untold
        for own_id, channel_id, kept, item_group, item_key in items:
            if group is not None:
                self.variants.duplicate_of(item_group, item_key, own_id)
            for name in listed:
                report.items.setdefault(name, []).append(own_id)
            if not kept:
                continue
            untold.append(own_id)
            for observer in staged:
                observer.rows.append((own_id, channel_id))
                if len(observer.rows) >= 5000:
                    observer.flush()
        if len(untold) >= _UNTOLD:
            self.tell_unchanged()

    def tell_unchanged(self) -> None:
        """Tell the sync collectors the replayed items that are still untold."""
        if self.untold:
            for collector in self.told[1]:
                collector.add_unchanged(self.untold)
            self.untold = []


def open_row_cache(
    config: Config,
    compiled: list[CompiledChannel],
    destinations: Mapping[str, Any],
    source: Source,
    stream: Stream,
    *,
    fresh: bool = False,
) -> RowCache | None:
    """The row cache of a push, or None when it cannot have one: a source other than native CSV/TSV, or a
    channel whose encoder reads the whole catalog (Amazon's families) or that has no destination. ``fresh``:
    every row is computed (the cache is written anew)."""
    inner = getattr(source, "source", source)
    if type(inner) is not DelimitedSource:
        return None
    if any(c.spec.encoder is not None or c.name not in destinations for c in compiled):
        return None
    selection = repr((stream.findings.run, sorted((k, repr(v)) for k, v in stream.findings.channels.items())))
    caches = []
    for channel in compiled:
        where = destinations[channel.name].describe()
        path = store.cache_path(config.state_path.parent, channel.name, where)
        found, old, feed = ("", {}, []) if fresh else store.load(path, channel.name, stream.emit)
        caches.append(ChannelCache(channel, path, fingerprint(config, channel, where, selection), found, old, feed))
    cache = RowCache(caches, stream, inner)
    inner.gate = cache
    return cache


@dataclass
class _Pending:
    """The row being computed: its key and row number, and where the run's counts stood before it."""

    key: str
    row: int
    findings: int
    counts: list[tuple[int, int, int, int, int, dict[str, int]]]


class RowCache:
    def __init__(self, caches: list[ChannelCache], stream: Stream, source: DelimitedSource) -> None:
        self.caches = caches
        self.stream = stream
        self.source = source
        self.sinks: list[Sink] = []
        self.writers: list[CaptureWriter] = []
        self.captured: list[CaptureItems] = []
        self.enabled = True
        self.replaying = False
        self.pending: _Pending | None = None
        self.replayed = 0
        self.computed = 0
        self.width = 0
        """The source's header's width."""
        self.lines = 0
        """The raw lines of the record being read so far."""
        self.line_key = ""
        """The key of the record being read, from its first raw line (a record of one line is kept by it)."""
        self.line_text = ""
        """That first raw line."""
        """Per sink, the observers a replayed item is told about: id lists (ItemIds), collectors, staged items."""

    # -- the stream's hook

    def begin(self, stream: Stream, sinks: list[Sink]) -> None:
        """Put the capturing writer and observer around each sink; a sink the cache cannot stand in for (an
        observer or writer it does not know) turns the cache off for the run."""
        self.sinks = sinks
        for sink in sinks:
            writer = sink.writer
            renders = isinstance(writer, RssWriter) or (isinstance(writer, DelimitedWriter) and writer.renders)
            known = all(isinstance(o, (SyncItems, Staged, ItemIds)) for o in sink.observers)
            if not renders or not known or sink.encoder is not None or not sink.check:
                self.enabled = False
        if not self.enabled:
            self.source.gate = None
            return
        for sink, cache in zip(sinks, self.caches, strict=True):
            channel = sink.channel
            self.writers.append(CaptureWriter(sink.writer, sink.writer.position()))  # type: ignore[union-attr,arg-type]
            sink.writer = self.writers[-1]  # type: ignore[assignment]
            cache.earlier = _earlier(sink.result.output, cache.feed) if cache.old else None
            if cache.earlier is None:
                cache.old = {}
            else:
                cache.size = len(cache.earlier)
            collector = next((o.collector for o in sink.observers if isinstance(o, SyncItems)), None)
            self.captured.append(CaptureItems(collector))
            sink.observers = [*sink.observers, self.captured[-1]]
            cache.sink, cache.writer = sink, self.writers[-1]
            cache.written = sink.written
            cache.told = _told(sink.observers)
            cache.unchanged = collector.unchanged if collector is not None else None
            cache.plain = channel.spec.variant_group is None and not cache.told[0] and not cache.told[2]
            cache.variants = sink.variants
            channel.tally = RecordingTally(channel.tally)
            channel._reported_unmapped = cache.asked = RecordingSet(channel._reported_unmapped)
            cache.now = channel.now.timestamp() if channel.now is not None else 0.0
            cache.group = channel.spec.variant_group
            cache.width = len(cache.group.attributes) if cache.group is not None else 0

    def done(self, product: Product, joined: tuple[Product, dict[str, Any]] | None) -> None:
        """Keep what the row just computed made, unless something in it depends on other rows."""
        pending, self.pending = self.pending, None
        if pending is None or joined is None:
            return
        self.computed += 1
        findings = self.stream.report.diagnostics[pending.findings :]
        own = [d for d in findings if d.channel is None]
        if any(d.code in CROSS_ROW or d.severity is Severity.ERROR for d in own):
            return
        lines = []
        stream_part = _stream_part(product, own)
        for cache, sink, before, writer, captured in zip(
            self.caches, self.sinks, pending.counts, self.writers, self.captured, strict=True
        ):
            made = self._channel_part(sink, before, writer, captured, findings, joined[0])
            if made is None:
                return
            start, part = made
            body = [_window(cache.channel, joined[0]), stream_part, part]
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
            lines.append(store.line(pending.key, pending.row, start, store.marked(text)))
        for cache, line in zip(self.caches, lines, strict=True):
            cache.new.append(line)

    def _channel_part(
        self,
        sink: Sink,
        before: tuple[int, int, int, int, int, dict[str, int]],
        writer: CaptureWriter,
        captured: CaptureItems,
        findings: list[Diagnostic],
        product: Product,
    ) -> tuple[int, list[Any]] | None:
        """(where the row's items start in the feed or -1, the row's entry for the channel with their offsets from
        there), or None when the row is not to be kept."""
        channel, result = sink.channel, sink.result
        group = channel.spec.variant_group
        own = [d for d in findings if d.channel == channel.name]
        if group is not None and any(d.code == group.code for d in own):
            return None
        if any(d.code in CHANNEL_CROSS_ROW for d in own):
            return None
        keyed = channel.spec.written_id
        if _formulas(sink) != before[4]:
            return None  # formula-like values are counted per run: such a row is computed every time
        kept = [c for c in captured.items if c.kept]
        if len(kept) != len(writer.spans):
            return None
        spans = iter(writer.spans)
        start = writer.spans[0][0] if writer.spans else -1
        items = []
        for entry in captured.items:
            item = entry.item
            group_id: str | None = None
            key: list[Any] = []
            if group is not None:
                value = item.values.get(group.group)
                group_id = value if isinstance(value, str) else None
                key = list(item_variant_key(item.values, group.attributes, item.product.variant_options))
            offset, length = next(spans) if entry.kept else (None, None)
            if offset is not None:
                offset -= start
            written = item.values.get(keyed) if keyed is not None and entry.kept else None
            written = written if type(written) is str else None  # the id the channel keys the kept item on
            items.append(
                [item.id, channel_key(item.id, item.values), entry.digest, offset, length, group_id, key, written]
            )
        missing = [  # each with the column this row's product would name for it (as ``MissingFields.add`` does)
            [name, next((k for k in product.attributes if name in k.lower()), None)]
            for name, count in sink.missing.counts.items()
            for _ in range(count - before[5].get(name, 0))
        ]
        tally = channel.tally
        assert isinstance(tally, RecordingTally) and isinstance(channel._reported_unmapped, RecordingSet)
        counts = [
            result.items - before[0],
            result.excluded - before[1],
            result.rejected - before[2],
            sink.checked_rejected - before[3],
        ]
        noted = [[*added[:5], location_fields(added[5])] for added in tally.added]
        unmapped = sorted(set(channel._reported_unmapped.asked))
        return start, [counts, [finding_fields(d) for d in own if d.code != "CFG004"], unmapped, noted, missing, items]

    # -- the source's gate

    def start(self, header: list[str], *, clean: bool = False) -> None:
        self.width = len(header)
        stats = self.source.stats
        for cache in self.caches:
            cache.fingerprint = with_header(cache.base, header, stats.encoding, stats.delimiter, quoted=stats.quoted)
            if cache.found != cache.fingerprint:
                cache.old = {}
        self.replaying = all(cache.old for cache in self.caches)

    def line(self, text: str, row: int) -> tuple[str, ...]:
        """Replay the record that starts with the raw line ``text`` (row ``row``; 0: a further line of the record
        being read) when a record of that one line was kept (its key is the line's: it is not read into cells);
        the line taken, or none (``tabular.LineOffer``)."""
        if not row:
            self.lines += 1
            return ()
        self.lines = 1
        self.line_text = text
        key = self.line_key = _line_key(text)
        if self.replaying and self._replays(key, row):
            self.source.stats.rows += 1  # as the source counts the rows it reads
            return (text,)
        return ()

    def skip(self, row: int, cells: list[str]) -> bool:
        """Replay the row when every channel has its entry and nothing of this run's earlier rows changes it. A
        record of one line (with no cells past the header's nor a quote closed before its value ends: those are
        reported as the line is read) is kept by its line's key, and was offered to ``line`` already; another by
        its cells' key."""
        if (
            self.lines == 1
            and len(cells) <= self.width
            and not quote_then_text(self.line_text, self.source.stats.delimiter or ",")
        ):
            key = self.line_key
        else:
            key = _row_key(cells)
            if self.replaying and self._replays(key, row):
                return True
        for writer, captured, sink in zip(self.writers, self.captured, self.sinks, strict=True):
            writer.spans.clear()
            captured.items.clear()
            tally, asked = sink.channel.tally, sink.channel._reported_unmapped
            if isinstance(tally, RecordingTally):
                tally.added.clear()
            if isinstance(asked, RecordingSet):
                asked.asked.clear()
        counts = [
            (
                s.result.items,
                s.result.excluded,
                s.result.rejected,
                s.checked_rejected,
                _formulas(s),
                {**s.missing.counts},
            )
            for s in self.sinks
        ]
        self.pending = _Pending(key, row, len(self.stream.report.diagnostics), counts)
        return False

    def _replays(self, key: str, row: int) -> bool:
        """Replay the row of ``key`` when every channel has its entry and nothing of this run's earlier rows
        changes it."""
        lines = []
        for cache in self.caches:
            line = cache.old.get(key)
            if line is None:
                return False
            lines.append(line)
        try:
            replayed = self._replayed(key, row, lines)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, RecursionError):
            replayed = False  # an entry of the wrong shape (a foreign file): computed, and replaced
        if replayed:
            self.replayed += 1
            for cache in self.caches:  # a row is replayed once (a second one like it is a duplicate id)
                del cache.old[key]
        return replayed

    def end(self) -> None:
        """The last row was read: write what is still to be copied from the earlier feeds, and tell the sync
        collectors the replayed items still untold."""
        for writer in self.writers:
            writer.flush()
        for cache in self.caches:
            cache.tell_unchanged()

    def _replayed(self, key: str, row: int, lines: list[bytes]) -> bool:
        """Replay the row from its entries, unless something of this run's earlier rows changes what it makes
        (False: nothing was changed, the row is to be computed). Everything is checked before the first change: an
        entry of the wrong shape changes nothing."""
        stream = self.stream
        steps = []
        facts: list[Any] | None = None
        stored_row = -1
        for cache, line in zip(self.caches, lines, strict=True):
            _, row_text, start_text, body = line.split(b" ", 3)
            window, stream_part, part = store.entry(body)
            computed_at = int(row_text)  # the row its findings were told at (where it was computed)
            if facts is None:  # the row's facts, as its first channel's entry has them
                facts, stored_row = stream_part, computed_at
            if window is not None and not window[0] <= cache.now < window[1]:
                return False
            counts, findings, unmapped, noted, missing, items = part
            if len(counts) != 4 or type(sum(counts)) is not int:  # four whole numbers (or a forged file's)
                raise ValueError(counts)
            if unmapped and not all(cache.asked.holds(name) for name in unmapped):
                return False  # this row would be the first to report its category unmapped
            group, unchanged, plain = cache.group, cache.unchanged, cache.plain
            restored = []
            keyed: list[str] = []  # the ids the channel keys the row's kept items on (MDL021)
            length = 0  # of the row's kept items, one after another in the earlier feed from ``start``
            for own_id, channel_id, digest, offset, size, item_group, item_key, written in items:
                if type(own_id) is not str or type(channel_id) is not str:
                    raise ValueError(own_id)
                if written is not None:
                    if type(written) is not str or offset is None:
                        raise ValueError(written)
                    if cache.written is not None:
                        if written in keyed or cache.written.ids.holds(written, None):
                            return False  # an earlier kept item has its id now: computed, and told (MDL021)
                        keyed.append(written)
                if group is not None:
                    if type(item_group) not in _TEXT_OR_NONE:
                        raise ValueError(item_group)
                    item_key = _key(item_key, cache.width)
                    hash(item_key)
                    if cache.variants.holds(item_group, item_key):
                        return False
                if offset is not None:
                    if offset != length or type(size) is not int or size <= 0:
                        raise ValueError(offset)
                    if unchanged is not None and not unchanged(own_id, digest):
                        return False  # the destination does not hold this item as cached: it is computed and sent
                    length += size
                    if plain:
                        restored.append(own_id)  # what ``plain`` tells of an item: the kept ones' ids
                if not plain:
                    restored.append((own_id, channel_id, offset is not None, item_group, item_key))
            start = int(start_text)
            if length and (cache.earlier is None or start < 0 or start + length > cache.size):
                return False
            if findings:
                findings = [_restore(d, computed_at, row) for d in findings]
            if noted:
                noted = [_note(n, computed_at, row) for n in noted]
            if missing:
                missing = [(str(name), column) for name, column in missing]
            steps.append((counts, findings, noted, missing, restored, start, length, body, line, computed_at, keyed))
        item_id, group_key, group_id, sku, variant, ignore, own = facts  # type: ignore[misc]
        if not (
            type(group_key) in _TEXT_OR_NONE
            and type(group_id) in _TEXT_OR_NONE
            and type(sku) in _TEXT_OR_NONE
            and type(ignore) in _TEXT_OR_NONE
        ):
            raise ValueError(group_key)
        if sku and sku in stream.skus:
            return False
        variant_key = tuple(variant) if len(variant) == _WIDTH else _key(variant, _WIDTH)
        hash(variant_key)  # a TypeError here, not once the row's id is recorded
        variants = stream.variants
        if variants.holds(group_id, variant_key):
            return False
        if own:
            own = [_restore(d, stored_row, row) for d in own]
        if type(item_id) is not str or not stream.seen.add(item_id):
            return False  # a duplicate id: computed (and reported); the last check, the first change
        # -- the row is replayed: do what it did, and keep its lines, pointing into the feed being written
        report = stream.report
        if stream.progress is not None and not (report.variants + 1) % 500:
            stream._tell(self.sinks)  # the progress is told (and the row counted) as the stream does
        else:
            report.variants += 1
        stream.groups.add(group_key)  # a group's rows come one after another: the set answers its last at once
        if ignore:
            stream.findings.items[item_id] = Selection.parse(ignore=[ignore])
        if sku:
            stream.skus.add(sku)
        if group_id is not None:
            variants.duplicate_of(group_id, variant_key, item_id)
        if own:
            report.diagnostics.extend(own)
        for cache, (counts, findings, notes, missing, items, start, length, body, line, computed_at, keyed) in zip(
            self.caches, steps, strict=True
        ):
            for written in keyed:  # as ``Sink.take`` keeps them
                cache.written.ids.add(written)  # type: ignore[union-attr]
            if findings:
                report.diagnostics.extend(findings)
            sink = cache.sink
            result = sink.result
            items_count, excluded, rejected, checked_rejected = counts
            result.items += items_count
            if excluded:
                result.excluded += excluded
            if rejected or checked_rejected:
                result.rejected += rejected
                sink.checked_rejected += checked_rejected
            for note in notes:
                sink.channel.tally.add(*note)
            for name, column in missing:
                sink.missing.counts[name] += 1
                sink.missing.columns.setdefault(name, column)
            if cache.plain:  # what ``tell`` does when only sync collectors are told: ``items`` are the kept ids
                untold = cache.untold
                untold += items
                if len(untold) >= _UNTOLD:
                    cache.tell_unchanged()
            else:
                cache.tell(items, report)
            at = cache.writer.copy(cache.earlier, start, length) if length else -1  # type: ignore[union-attr,arg-type]
            # the entry keeps the row it was computed at, which its findings name (made this row's as it is read)
            cache.new.append(line if at == start else store.line(key, computed_at, at, body))
        return True

    # -- after the stream

    def save(self) -> None:
        """Write each channel's cache: the entries of this run's rows (computed or replayed)."""
        if not self.enabled:
            return
        for cache, sink in zip(self.caches, self.sinks, strict=True):
            cache.tell_unchanged()  # told at the source's end already; never left untold before the sync plan
            if cache.earlier is not None:
                cache.earlier.close()
            assert sink.result.output is not None
            store.save(cache.path, cache.fingerprint, store.feed_identity(sink.result.output), cache.new)


def _told(observers: Sequence[object]) -> tuple[list[str], list[SyncCollector], list[Staged]]:
    """What a replayed item is told to, of ``observers``: the channels whose ids are listed, the sync collectors,
    the staged items."""
    listed = [o.channel for o in observers if isinstance(o, ItemIds)]
    collectors = [o.collector for o in observers if isinstance(o, SyncItems)]
    return listed, collectors, [o for o in observers if isinstance(o, Staged)]


def _earlier(output: Path | None, feed: list[Any]) -> EarlierFeed | None:
    """The feed file a cache's entries point into, if ``output`` is still that file."""
    if output is None or not feed or store.feed_identity(output) != feed:
        return None
    try:
        return EarlierFeed(output.open("rb"))
    except OSError:
        return None


def _row_key(cells: list[str]) -> str:
    """A digest of a row's cells (joined by a separator no cell holds, else written as a list)."""
    text = "j\x1f" + "\x1f".join(cells)
    if text.count("\x1f") != len(cells):
        text = "r" + repr(cells)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _line_key(text: str) -> str:
    """A digest of a record's raw line (the csv reader makes the same cells of the same line, at a record's start):
    SHA-256 of its Latin-1 bytes when every character has one (one byte a character: the cheapest encoding), else
    BLAKE2b of its UTF-8, personalized (another digest: texts of the same bytes in the two encodings, or a line
    like a row's cells joined for ``_row_key``, share no key)."""
    try:
        return hashlib.sha256(text.encode("latin-1")).hexdigest()[:32]
    except UnicodeEncodeError:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16, person=b"line").hexdigest()


def _formulas(sink: Sink) -> int:
    return sum(sink.formulas.counts.values()) if sink.formulas is not None else 0


def _stream_part(product: Product, own: list[Diagnostic]) -> list[Any]:
    variant = list(product_variant_key(product))  # the options' pairs written as JSON arrays
    sku = product.attributes.get("sku")
    ignore = product.attributes.get(IGNORE_COLUMN)
    group_key = product.group_id or product.id
    return [product.id, group_key, product.group_id, sku, variant, ignore, [finding_fields(d) for d in own]]


def _window(channel: CompiledChannel, product: Product) -> list[float] | None:
    """When a channel's rules read ``now``: the time span in which the row's items stay as computed (between the
    moments around now of the row's sale dates and the rules' own dates, within the day of the run). A channel
    whose templates read ``now`` may change at any moment: an empty span (computed every run). None: the items do
    not change with time."""
    now = channel.now
    if not channel.reads_now or now is None:
        return None
    if channel.reads_now == "templates":
        return [0.0, 0.0]
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since, until = midnight, midnight + timedelta(days=1)
    sale = product.sale_price_effective_date
    for moment in (*((sale.start, sale.end) if sale is not None else ()), *channel.now_moments):
        if moment <= now:
            since = max(since, moment)
        else:
            until = min(until, moment)
    return [since.timestamp(), until.timestamp()]


def _key(parts: list[Any], width: int) -> tuple[Any, ...]:
    """A variant key as the stream makes it: ``width`` texts, then (option, value) pairs."""
    return (*parts[:width], *map(tuple, parts[width:]))


def _restored_location(data: list[Any] | None, stored_row: int, row: int) -> Location | None:
    if data is None:
        return None
    path, at, column, name = data
    return new_location(str(path), row if at == stored_row else at, column, name)


def _note(data: list[Any], stored_row: int, row: int) -> tuple[Any, ...]:
    code, attribute, value, message, item_id, location = data
    return (
        str(code),
        str(attribute),
        str(value),
        str(message),
        str(item_id),
        _restored_location(location, stored_row, row),
    )


def _restore(data: list[Any], stored_row: int, row: int) -> Diagnostic:
    code, name, severity, message, channel, product_id, field_name, value, location = data
    where = _restored_location(location, stored_row, row)
    return new_diagnostic(
        str(code), str(name), Severity(severity), str(message), channel, product_id, field_name, value, where
    )
