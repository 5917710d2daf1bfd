"""build / validate on several cores by splitting the *rows*: each process streams a share of the source file (a
byte range cut at a record boundary between two groups, ``rowcuts``) through every channel into a scratch folder;
this process then checks that the shares were independent, stitches the feeds and merges the findings in row
order, so the feeds, findings and counts are byte for byte those of one process.

Independence is checked after the fact. State that spans rows must not have crossed a cut: an id, a SKU or a
group (product group, the channels' variant groups, an Amazon family) in two shares, a once-per-run finding told
in two shares (any set or flag of the channels' and encoders' state grown in two shares), a share whose records
did not end at its end. Then the run falls back to one process (an ``event`` says why; the shares' files are
thrown away, no feed was touched). The once-per-run findings (tallies, MDL014, MDL015) are made here from the
shares' merged counts.

Split only: the native CSV/TSV reader of a UTF-8 file without lone CR line ends, whose feeds are written by the
RSS, delimited (without ``extra_columns``: its header is known only at the end) or JSON listings writers, in a
build or validate whose item observers are only the recorded ids. Anything else (other formats, encodings and
writers; a push) keeps the channel split of ``feedsync.parallel`` or one process, with an ``event`` saying so."""

from __future__ import annotations

import errno
import gc
import io
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from feedsync.accounting import MissingFields
from feedsync.atomic import atomic_write
from feedsync.channels.base import Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.tally import Tally
from feedsync.checks import VariantTracker
from feedsync.config import Config
from feedsync.diagnostics import ChannelResult, Diagnostic, Emit, Report
from feedsync.diagnostics.gate import Selection
from feedsync.errors import FeedsyncError
from feedsync.events import event
from feedsync.faults import checkpoint
from feedsync.formats import open_writer
from feedsync.formats.json_listings import JsonListingsWriter
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.idset import IdSet
from feedsync.model.product import Product
from feedsync.rowcuts import cut
from feedsync.sources import Source
from feedsync.sources.base import NonEmpty, SourceStats, resolve_format
from feedsync.sources.tabular import READ_RANGE, ByteRange, sniff_delimiter, sniff_encoding
from feedsync.stream import ItemIds, ItemObserver, Sink, Stream, _part_opener
from feedsync.supplements import Supplement

MIN_ROWS = 2_000
"""A share has at least about this many rows (a process costs ~0.3 s to start; a row ~0.4 ms of channel work)."""
TAILS = {"rss": b"</channel>\n</rss>\n", "delimited": b"", "json_listings": b"\n]}\n"}
"""The writers whose documents a share can be cut out of: what each writes after its last item."""
SCRATCH = ".feedsync-rows-"
TOLD_ONCE = {"channel._reported_unmapped": "CFG004"}
"""State that tells one finding per member (its ``value``) once per run, merged instead of refused: a later share's
finding for a member an earlier share holds is left out, as one process would not have told it."""


def plan(config: Config, compiled: list[CompiledChannel], jobs: int) -> list[ByteRange]:
    """The shares to build in ``jobs`` processes, or [] when the rows are not split (an event says why)."""
    why = _unsplittable(config, compiled)
    shares: list[ByteRange] = []
    if why is None:
        path = config.source.path
        fmt = resolve_format(config.source)
        with path.open("rb") as handle:
            lines = (line.decode("utf-8", "replace").lstrip(" \t\ufeff") for line in handle)
            head = next((line for line in lines if line.strip()), "")
        delimiter = "\t" if fmt == "tsv" else sniff_delimiter(head)
        parts = min(jobs, max(1, _rows_about(path) // MIN_ROWS))
        shares = cut(path, delimiter, parts, columns=config.source.columns, encoding="utf-8") if parts > 1 else []
        why = None if len(shares) > 1 else f"fewer than {MIN_ROWS} rows per process, no cut between groups, or CRs"
    if why is not None:
        event("rows", split=False, why=why)
        return []
    return shares


def _unsplittable(config: Config, compiled: list[CompiledChannel]) -> str | None:
    """Why this run's rows cannot be split, or None."""
    if resolve_format(config.source) not in ("csv", "tsv"):
        return f"the {resolve_format(config.source)} reader is not split by rows"
    for channel in compiled:
        writer, options = channel.format.writer, {**channel.format.options, **channel.settings}
        if writer not in TAILS or (writer == "delimited" and options.get("extra_columns")):
            return f"the {channel.name} feed's writer is not split by rows"
    if (config.source.encoding or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        return f"the source is read as {config.source.encoding}"
    with config.source.path.open("rb") as handle:  # a file that is not UTF-8 fails its shares' reading: one
        head = handle.read(1 << 16)  # process reads it (as cp1252, with the warning)
    try:
        if sniff_encoding(config.source.path, head) is not None:
            return "the source is UTF-16 or UTF-32"
    except FeedsyncError:
        return "the source is not text"
    return None


def _rows_about(path: Path) -> int:
    """The file's rows, about: its size over the mean length of its first lines."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    return path.stat().st_size * max(1, head.count(b"\n")) // max(1, len(head))


@dataclass
class Share:
    """What a process made of its share: the report's parts, the state to merge, and what to check across shares."""

    diagnostics: list[Diagnostic]
    results: dict[str, ChannelResult]
    items: dict[str, list[str]]
    variants: int
    rejected: int
    stats: SourceStats
    missing: dict[str, MissingFields]
    checked_rejected: dict[str, int]
    formulas: dict[str, FormulaTally | None]
    tallies: dict[str, Tally]
    ids: tuple[IdSet, IdSet, IdSet]
    """The ids, product groups and SKUs the share read."""
    first_groups: dict[str, str | None]
    """Per variant tracker (the stream's: ""; each channel's): the first group it compared."""
    trackers: dict[str, tuple[str | None, dict[Any, str]]]
    """Per variant tracker: the group it holds at the end, and that group's variants."""
    told: dict[str, Any]
    last_row: int | None
    ignores: dict[str, Selection]
    """The findings each product of the share ignores (its ``feedsync_ignore`` column)."""


class _Tracker(VariantTracker):
    """A variant tracker that remembers the first group it compared."""

    def __init__(self) -> None:
        super().__init__()
        self.first: str | None = None

    def duplicate_of(self, group: str | None, key: Any, item_id: str) -> str | None:
        if group is not None and self.first is None:
            self.first = group
        return super().duplicate_of(group, key, item_id)


@dataclass
class Seed:
    """What one process holds after the rows before a share: the state a share made again starts from."""

    ids: tuple[IdSet, IdSet, IdSet]
    trackers: dict[str, tuple[str | None, dict[Any, str]]]
    told: dict[str, Any]

    def add(self, share: Share, before: Mapping[str, Any]) -> None:
        """The state after ``share`` too."""
        for mine, theirs in zip(self.ids, share.ids, strict=True):
            mine.update(theirs)
        self.trackers = share.trackers
        for key, value in share.told.items():
            if isinstance(value, bool):
                self.told[key] = value if value != before[key] else self.told[key]
            else:
                self.told[key] = self.told[key] | value


def _seeded(tracker: _Tracker, seed: Seed | None, name: str) -> _Tracker:
    if seed is not None and name in seed.trackers:
        tracker._group, tracker._seen = seed.trackers[name]
    return tracker


class _ShareStream(Stream):
    """The stream of one share: its channels' end-of-run findings are left to the merge (``_close`` keeps the
    sinks instead)."""

    sinks: list[Sink]
    seed: Seed | None = None

    def _close(self, source: Source, sinks: list[Sink]) -> None:
        self.sinks = sinks

    def _sink(self, *args: Any, **kwargs: Any) -> Sink:
        sink = super()._sink(*args, **kwargs)
        sink.variants = _seeded(_Tracker(), self.seed, sink.channel.name)
        return sink


class _Headless:
    """The reader of a share after the first: the findings about the file's header (already told by the first
    share) are left out."""

    def __init__(self, source: Source, first_row: int) -> None:
        self.source, self.path, self.stats, self._first = source, source.path, source.stats, first_row

    def products(self, emit: Emit) -> Iterator[Product]:
        def told(diagnostic: Diagnostic) -> None:
            location = diagnostic.location
            if location is not None and location.row is not None and location.row >= self._first:
                emit(diagnostic)

        return self.source.products(told)


@dataclass
class _Job:
    shares: list[ByteRange]
    stream: Stream
    source: Source
    compiled: list[CompiledChannel]
    scratch: Path | None
    supplements: list[Supplement]
    currency: str | None
    check: bool
    encoders: Mapping[str, Encoder | None]
    recorded: list[str]
    told: dict[str, Any] = field(default_factory=dict)


_JOB: _Job | None = None
"""What the forked workers run (inherited at fork, never pickled)."""


def _work(index: int, seed: Seed | None = None) -> Share:
    """Make share ``index`` (from the state ``seed``, when the shares before it change what it makes)."""
    job = _JOB
    assert job is not None
    share = job.shares[index]
    READ_RANGE.set(share)
    report = Report(command=job.stream.report.command, channels={c.name: ChannelResult(c.name) for c in job.compiled})
    stream = _ShareStream(report, job.stream.findings)
    stream.seed = seed
    stream.variants = _seeded(_Tracker(), seed, "")
    if seed is not None:
        stream.seen, stream.groups, stream.skus = seed.ids
        told_state(job.compiled, job.encoders, seed=seed.told)
    out = None
    if job.scratch is not None:
        out = job.scratch / str(index)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
    for channel in job.compiled:  # one document per share: the stitch numbers and splits the messages
        channel.settings = {**channel.settings, "max_messages": sys.maxsize}
    inner = job.source.source if isinstance(job.source, NonEmpty) else job.source
    source = NonEmpty(inner if index == 0 else _Headless(inner, share.first_row))  # type: ignore[arg-type]
    observers: dict[str, Sequence[ItemObserver]] = {name: [ItemIds(report, name)] for name in job.recorded}
    stream.run(
        source,
        job.compiled,
        out,
        job.supplements,
        job.currency,
        check=job.check,
        encoders=job.encoders,
        observers=observers,
    )
    checkpoint("rows.share-written")
    sinks = {sink.channel.name: sink for sink in stream.sinks}
    trackers: dict[str, Any] = {"": stream.variants, **{n: s.variants for n, s in sinks.items()}}
    return Share(
        diagnostics=report.diagnostics,
        results=report.channels,
        items=report.items,
        variants=report.variants,
        rejected=stream.rejected,
        stats=source.stats,
        missing={n: s.missing for n, s in sinks.items()},
        checked_rejected={n: s.checked_rejected for n, s in sinks.items()},
        formulas={n: s.formulas for n, s in sinks.items()},
        tallies={c.name: c.tally for c in job.compiled},
        ids=(stream.seen, stream.groups, stream.skus),
        first_groups={n: t.first for n, t in trackers.items()},
        trackers={n: (t._group, t._seen) for n, t in trackers.items()},
        told=told_state(job.compiled, job.encoders),
        last_row=share.read[-1] if share.read else None,
        ignores=stream.findings.items,
    )


def told_state(
    compiled: list[CompiledChannel], encoders: Mapping[str, Encoder | None], *, seed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every set and flag the channels and their encoders hold (two levels deep), by where it is: the state that
    tells a finding once per run, or writes an Amazon parent once per family. With ``seed``, first set to it."""
    found: dict[str, Any] = {}
    for channel in compiled:
        _walk(f"{channel.name}:channel", channel, found, seed, depth=2)
        _walk(f"{channel.name}:encoder", encoders.get(channel.name), found, seed, depth=2)
    return found


def _walk(where: str, obj: Any, found: dict[str, Any], seed: Mapping[str, Any] | None, *, depth: int) -> None:
    names = [*getattr(obj, "__dict__", {}), *(n for c in type(obj).__mro__ for n in getattr(c, "__slots__", ()))]
    for name in names:
        value = getattr(obj, name, None)
        key = f"{where}.{name}"
        if isinstance(value, (set, bool)):
            if seed is not None and isinstance(value, set):
                value.update(seed[key])
            elif seed is not None and seed[key] != value:  # a flag a share before set (constants stay as they are)
                setattr(obj, name, value := seed[key])
            found[key] = set(value) if isinstance(value, set) else value
        elif depth > 1 and type(value).__module__.startswith("feedsync."):
            _walk(key, value, found, seed, depth=depth - 1)


def run_split(
    shares: list[ByteRange],
    stream: Stream,
    source: Source,
    compiled: list[CompiledChannel],
    out: Path | None,
    supplements: list[Supplement],
    currency: str | None,
    *,
    check: bool,
    encoders: Mapping[str, Encoder | None],
    observers: Mapping[str, Sequence[ItemObserver]],
) -> bool:
    """``stream.run`` with the rows of ``shares`` in one process each. False (nothing done) when the run must be
    made in one process: the observers are not only recorded ids, or the shares were not independent."""
    recorded = [name for name, seen in observers.items() if seen]
    if any(not isinstance(o, ItemIds) for seen in observers.values() for o in seen):
        event("rows", split=False, why="the items are observed")
        return False
    global _JOB
    with ExitStack() as scratch:
        folder = None
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            folder = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix=SCRATCH, dir=out)))
        _JOB = _Job(shares, stream, source, compiled, folder, supplements, currency, check, encoders, recorded)
        before = told_state(compiled, encoders)
        try:
            made = _fork(len(shares))
            why = made if isinstance(made, str) else _misread(shares, made)
            if why is not None:
                event("rows", split=False, why=why, shares=len(shares))
                return False
            assert not isinstance(made, str)
            seed, again = _chain(made, before)
        finally:
            _JOB = None
        checkpoint("rows.shares-made")
        _merge(stream, source, compiled, made, check=check)
        stream.report.products = len(seed.ids[1])
        if out is not None and folder is not None:
            _stitch(stream.report, compiled, encoders, out, folder, len(made))
    event("rows", split=True, shares=len(shares), again=again or None)
    return True


def _fork(count: int, again: int | None = None, seed: Seed | None = None) -> list[Share] | Share | str:
    """Every share made, in order (``again``: that share alone, from ``seed``), or why not (an error a share met:
    one process will meet it, or not)."""
    gc.freeze()  # the forked processes share this one's objects: not touched by their collections
    try:
        with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
            if again is not None:
                return pool.submit(_work, again, seed).result()
            futures = [pool.submit(_work, index) for index in range(count)]
            return [future.result() for future in futures]
    except FeedsyncError as exc:
        return f"a share met an error ({exc})"
    except BrokenProcessPool:
        raise FeedsyncError(
            "a process building a share of the rows died (out of memory?); no feed was replaced; rerun with --jobs 1"
        ) from None
    finally:
        gc.unfreeze()


def _misread(shares: list[ByteRange], made: list[Share]) -> str | None:
    """Why the shares' rows are not the file's (a cut was not at a record's end), or None."""
    for share, previous in zip(shares[1:], made, strict=False):
        if previous.last_row is None or previous.last_row + 1 != share.first_row:
            return f"the records before row {share.first_row} did not end where the cut was made"
    return None


def _chain(made: list[Share], before: dict[str, Any]) -> tuple[Seed, list[str]]:
    """The state after every share, each share made again (in turn, from the state after the ones before it)
    when that state would change what it makes; and why each was made again."""
    first = made[0]
    seed = Seed(first.ids, first.trackers, dict(first.told))
    again = []
    for index in range(1, len(made)):
        why = crossing(seed, made[index], before)
        if why is not None:
            again.append(why)
            made[index] = _fork(1, index, seed)  # type: ignore[assignment]
            if isinstance(made[index], str):
                raise FeedsyncError(f"a share made again met an error it had not met: {made[index]}")
        seed.add(made[index], before)
    return seed, again


def crossing(seed: Seed, share: Share, before: Mapping[str, Any]) -> str | None:
    """Why ``share`` would make something else after the rows ``seed`` holds the state of, or None."""
    for key, value in before.items():
        if key.split(":", 1)[1] in TOLD_ONCE:
            continue
        if isinstance(value, bool):
            if share.told[key] != value and seed.told[key] != value:
                return f"{key} was set in two shares"
        elif (share.told[key] - value) & (seed.told[key] - value):
            return f"{key} grew alike in two shares"
    for name, first in share.first_groups.items():
        if first is not None and seed.trackers[name][0] == first:
            return f"group {first!r} runs over a cut"
    for kind, mine, theirs in zip(("an id", "a group", "a SKU"), seed.ids, share.ids, strict=True):
        if not mine.isdisjoint(theirs):
            return f"{kind} is in two shares"
    return None


def _merge(stream: Stream, source: Source, compiled: list[CompiledChannel], made: list[Share], *, check: bool) -> None:
    """The shares' findings (in row order), counts and state into ``stream``; then its end-of-run findings."""
    report = stream.report
    told: set[tuple[str, str | None, str]] = set()
    for share in made:
        report.diagnostics.extend(d for d in share.diagnostics if (d.code, d.channel, d.value) not in told)
        told.update(_told_once(share))
        stream.findings.items.update(share.ignores)  # the end-of-run findings name products too
        report.variants += share.variants
        stream.rejected += share.rejected
        for name, ids in share.items.items():
            report.items.setdefault(name, []).extend(ids)
        for name, result in share.results.items():
            mine = report.channels[name]
            mine.items, mine.excluded, mine.rejected = (
                mine.items + result.items,
                mine.excluded + result.excluded,
                mine.rejected + result.rejected,
            )
    stats = source.stats
    first = made[0].stats
    for name in ("encoding", "delimiter", "columns", "unused"):
        setattr(stats, name, getattr(first, name))
    for name in ("rows", "left_out", "excluded"):
        setattr(stats, name, sum(getattr(share.stats, name) for share in made))
    sinks = []
    for channel in compiled:
        name = channel.name
        sink = Sink(channel, report.channels[name], None, None, check, encodes=False)
        sink.checked_rejected = sum(share.checked_rejected[name] for share in made)
        for share in made:
            _add_missing(sink.missing, share.missing[name])
            _add_formulas(sink, share.formulas[name])
            _add_tally(channel.tally, share.tallies[name])
        sinks.append(sink)
    stream._close(source, sinks)


def _told_once(share: Share) -> Iterator[tuple[str, str | None, str]]:
    """(code, channel, member) of what ``share`` told once per run (``TOLD_ONCE``)."""
    for key, members in share.told.items():
        channel, where = key.split(":", 1)
        code = TOLD_ONCE.get(where)
        if code is not None:
            yield from ((code, channel, member) for member in members)


def _add_missing(into: MissingFields, other: MissingFields) -> None:
    for name, count in other.counts.items():
        into.counts[name] += count
        into.columns.setdefault(name, other.columns.get(name))


def _add_formulas(sink: Sink, other: FormulaTally | None) -> None:
    if other is None:
        return
    if sink.formulas is None:
        sink.formulas = FormulaTally()
    for column, count in other.counts.items():
        sink.formulas.counts[column] = sink.formulas.counts.get(column, 0) + count
        sink.formulas.first.setdefault(column, other.first[column])


def _add_tally(into: Tally, other: Tally) -> None:
    for key, count in other.counts.items():
        into.counts[key] = into.counts.get(key, 0) + count
        into.first.setdefault(key, other.first[key])


def _stitch(
    report: Report,
    compiled: list[CompiledChannel],
    encoders: Mapping[str, Encoder | None],
    out: Path,
    folder: Path,
    count: int,
) -> None:
    """Each channel's feed from its shares' documents: one prologue, the shares' items in order, one epilogue
    (Amazon messages numbered again, in documents of ``max_messages``)."""
    with ExitStack() as stack:
        parts = stack.enter_context(ExitStack())  # further documents are renamed into place after every feed
        for channel in compiled:
            result = report.channels[channel.name]
            result.output = out / channel.filename
            encoder = encoders.get(channel.name)
            handle = stack.enter_context(atomic_write(result.output))
            tail = TAILS[channel.format.writer]
            head = _prologue(channel, encoder, tail)
            files = [folder / str(index) / channel.filename for index in range(count)]
            if channel.format.writer == "json_listings":
                writer = open_writer(
                    channel.format.writer,
                    handle,
                    columns=channel.columns,
                    meta={**channel.feed, **(encoder.meta if encoder else {})},
                    options={**channel.format.options, **channel.settings},
                    open_part=_part_opener(parts, out, channel, result),
                )
                assert isinstance(writer, JsonListingsWriter)
                with writer:
                    for path in files:
                        _messages(path, writer, head)
            else:
                handle.write(head)
                for path in files:
                    _copy_body(path, handle, head, len(tail))
                handle.write(tail)
            checkpoint("rows.feed-stitched")


def _prologue(channel: CompiledChannel, encoder: Encoder | None, tail: bytes) -> bytes:
    """What the channel's writer writes before the first item."""
    buffer = io.BytesIO()
    options = {**channel.format.options, **channel.settings}
    meta = {**channel.feed, **(encoder.meta if encoder else {})}
    with open_writer(channel.format.writer, buffer, columns=channel.columns, meta=meta, options=options):
        pass
    empty = buffer.getvalue()
    if not empty.endswith(tail):
        raise AssertionError(f"unexpected end of an empty {channel.format.writer} document: {empty[-40:]!r}")
    return empty[: len(empty) - len(tail)]


def _copy_body(path: Path, handle: BinaryIO, head: bytes, tail: int) -> None:
    """The items of a share's document: what its writer wrote between ``head`` and the ``tail`` bytes."""
    with path.open("rb") as source:
        if source.read(len(head)) != head:
            raise AssertionError(f"{path.name}: a share's document does not start as the feed does")
        left = os.fstat(source.fileno()).st_size - len(head) - tail
        handle.flush()
        offset = len(head)
        try:
            while left > 0:  # copied by the kernel
                copied = os.copy_file_range(source.fileno(), handle.fileno(), left, offset)
                if copied <= 0:
                    break
                offset += copied
                left -= copied
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
        source.seek(offset)
        while left > 0:  # a file system that cannot: through this process
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise OSError(f"{path.name}: {left} bytes of a share's document are missing")
            handle.write(chunk)
            left -= len(chunk)


def _messages(path: Path, writer: JsonListingsWriter, head: bytes) -> None:
    """The messages of a share's JSON listings document, each written again without its messageId."""
    with path.open("rb") as source:
        source.seek(len(head))
        for line in source:
            if line == b"\n":
                continue
            if line == b"]}\n":
                break
            message = line[:-2] if line.endswith(b",\n") else line[:-1]
            writer.write_encoded(message[message.index(b",") + 1 :])


def remove_scratch(out: Path, *, before: float) -> None:
    """Scratch folders a killed row split left in ``out``."""
    for path in out.glob(SCRATCH + "*"):
        if path.is_dir() and path.stat().st_mtime < before:
            shutil.rmtree(path, ignore_errors=True)
