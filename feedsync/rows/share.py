"""One share of a row split: what its process makes (``work``) and hands back (``Share``), the state that spans
rows (``Seed``, ``told_state``) and whether the shares before it change what it makes (``crossing``)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedsync import lookahead
from feedsync.accounting import MissingFields
from feedsync.channels.base import Encoder, SurveyingEncoder, Unsurveyed
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.tally import Tally
from feedsync.checks import VariantTracker
from feedsync.diagnostics import ChannelResult, Diagnostic, Emit, Report
from feedsync.diagnostics.findings import Fields, Findings
from feedsync.diagnostics.gate import Selection
from feedsync.events import event
from feedsync.faults import checkpoint
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.idset import IdSet
from feedsync.model.product import Product
from feedsync.rows.firsts import FirstSkus
from feedsync.sources import Source
from feedsync.sources.base import NonEmpty, SourceStats
from feedsync.sources.tabular import READ_RANGE, ByteRange
from feedsync.stream import ItemIds, ItemObserver, Sink, Stream
from feedsync.supplements import Supplement

Told = tuple[str, str | None] | tuple[str, str | None, str]
"""What tells a finding told once per run apart: its (code, value), or (code, value, message) where the value does
not (a finding with no value)."""


def _no_definition(member: str) -> Told:
    return ("AMZ018", None) if member == "" else ("AMZ008", member)


def _cut(member: tuple[str, str]) -> Told:
    from feedsync.channels.amazon.transform import cut_note

    _, value, text = cut_note(member)
    return ("AMZ018", value, text)


TOLD_ONCE: dict[str, Callable[[Any], Told]] = {
    "channel._reported_unmapped": lambda member: ("CFG004", member),  # a product type not in the category map
    "encoder._checker._told": _no_definition,  # no definitions folder; a product type without a definition
    "encoder._cut_told": _cut,  # an attribute of feedsync's own a product type's definition lacks
}
"""Sets whose only use is to tell one finding per member once per run, by where they are: what tells apart the
finding a member tells (``Told``). They are merged instead of made again: a later share's finding for a member an
earlier share holds is left out, as one process would not have told it."""


OWN = frozenset({"encoder._survey"})
"""What a share holds of its own (an Amazon family survey: each share's is of its own rows, read a family ahead or
at once; a family in two shares is found apart, ``rows._families_across``): never state that spans shares."""


def once_per_run(key: str) -> tuple[str, Callable[[Any], Told] | None]:
    """The channel of the set at ``key`` (``told_state``'s: ``channel:where``) and, when it is one of ``TOLD_ONCE``,
    how each of its members tells its finding (else None)."""
    channel, _, where = key.partition(":")
    return channel, TOLD_ONCE.get(where)


@dataclass
class Share:
    """What a process made of its share: the report's parts, the state to merge, and what to check across shares."""

    diagnostics: Findings
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
    surveyed: bool = False
    """It surveyed its own rows whole and was made again (its first documents were removed: a stitch begun ahead
    of it reads them no more)."""
    firsts: FirstSkus | None = None
    """The SKUs it read first (a later share made from no seed: ``Stream.firsts``)."""
    assumed: frozenset[str] = frozenset()
    """The ids it left a product out for as an earlier share's (``Stream.presumed``), which ``crossing`` checks."""
    shared: list[tuple[int, str | None, Fields]] = field(default_factory=list)
    """The findings of its SKUs the shares before it read too (MDL012, as fields), each after as many of its own
    findings as one process would have told before it, with its product (``rows._chain``: put in place by the
    merge)."""

    def settle(self) -> None:
        """Let go of what only the check across shares needs (the ids read, the trackers, the sets the channels
        grew: a million variants' ids are ~15 MB a share), before the merge and the stitch; what the merge reads
        (the once-per-run sets, ``TOLD_ONCE``) stays."""
        self.ids = (IdSet(), IdSet(), IdSet())
        self.firsts = None
        self.trackers = {}
        self.first_groups = {}
        self.told = {key: value for key, value in self.told.items() if once_per_run(key)[1] is not None}


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
    ignores: dict[str, Selection] = field(default_factory=dict)
    """The findings each product before ignores (its ``feedsync_ignore`` column): a later product of the same id is
    told of as it is in one process."""

    def add(self, share: Share, before: Mapping[str, Any]) -> None:
        """The state after ``share`` too."""
        self.ignores.update(share.ignores)
        for mine, theirs in zip(self.ids, share.ids, strict=True):
            if mine is not theirs:  # a share made again from this seed grew the seed's own sets
                mine.update(theirs)
        # a tracker that compared no group in the share holds what it held before it (as one process's would)
        self.trackers = {
            name: held if held[0] is not None or name not in self.trackers else self.trackers[name]
            for name, held in share.trackers.items()
        }
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
class Job:
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
    columnar: Callable[[Source, bool], Any] | None = None
    """Opens the columnar gate of a share's source (``columnar.gate.open_gate``: its feeds written or not; None: a
    share is made per row)."""
    survey_share: Callable[[ByteRange, Callable[[], Iterable[Any]] | None], None] | None = None
    """Surveys a share's own rows whole, for the encoders that survey the catalog a family ahead (a column at a
    time where the callable given reads them: ``Gate.families``)."""
    ids: tuple[int, int | None, str] | None = None
    """A native catalog's id and group columns and delimiter (``rows._id_column``): what a later share reads before
    its rows."""


JOB: Job | None = None
"""What the forked workers run (inherited at fork, never pickled)."""


def work(index: int, seed: Seed | None = None, point: str = "rows.share-written") -> Share:
    """Make share ``index`` (from the state ``seed``, when the shares before it change what it makes); ``point``:
    the checkpoint passed once its document is written. Where its own rows cannot be surveyed a family ahead but
    can be surveyed whole (``Unsurveyed.local``: a family of the share comes again after another), they are, and
    the share is made again from the state before it (whether a family is in two shares is the row split's to
    check: ``rows._families_across``)."""
    from feedsync.rows.here import Saved

    job = JOB
    assert job is not None
    inner = job.source.source if isinstance(job.source, NonEmpty) else job.source
    objects = [*job.compiled, *job.encoders.values(), job.source, inner, job.stream.findings]
    ahead = any(isinstance(e, SurveyingEncoder) and e.family_feed() is not None for e in job.encoders.values())
    saved = Saved.of(objects) if ahead and job.survey_share is not None else None  # (only a survey ahead fails)
    seeded = _kept(seed) if saved is not None and seed is not None else None
    gates: list[Any] = []
    try:
        return _make(job, index, seed, point, gates)
    except Unsurveyed as exc:
        if not exc.local or saved is None or job.survey_share is None:
            raise
        why = str(exc)
    saved.restore()
    if seeded is not None:
        seeded()
    event("rows", survey="share", share=index, why=why)
    share = job.shares[index]
    share.read.clear()
    try:
        job.survey_share(share, gates[0].families if gates and gates[0] is not None else None)
    except Unsurveyed:
        from feedsync import lookahead

        if lookahead.STOP is not None:  # the run is not split (``rows.Unsplit``): the other shares stop
            lookahead.STOP.set()
        raise
    made = _make(job, index, seed, point, [])
    made.surveyed = True
    return made


def _kept(seed: Seed) -> Callable[[], None]:
    """What puts back, in place, what a share made from ``seed`` grows of it (its id sets and variant trackers'
    variants are the share's own: a share made again is found against them by the row split)."""
    ids = [held.copy() for held in seed.ids]
    seen = {name: dict(held[1]) for name, held in seed.trackers.items()}

    def put_back() -> None:
        for held, copy in zip(seed.ids, ids, strict=True):
            held.clear()
            held.update(copy)
        for name, copy in seen.items():
            seed.trackers[name][1].clear()
            seed.trackers[name][1].update(copy)

    return put_back


def _make(job: Job, index: int, seed: Seed | None, point: str, gates: list[Any]) -> Share:
    """``work``'s share made once (the gate it opened, or None, added to ``gates``)."""
    share = job.shares[index]
    READ_RANGE.set(share)
    report = Report(command=job.stream.report.command, channels={c.name: ChannelResult(c.name) for c in job.compiled})
    report.diagnostics.render = job.stream.lines
    stream = _ShareStream(report, job.stream.findings)
    stream.seed = seed
    stream.durable = False  # scratch documents: the stitch syncs each feed once, before it is renamed into place
    stream.variants = _seeded(_Tracker(), seed, "")
    if seed is not None:
        stream.seen, stream.groups, stream.skus = seed.ids
        told_state(job.compiled, job.encoders, seed=seed.told)
        stream.findings.items.update(seed.ignores)
    elif index:  # which of its SKUs the shares before read too is found at the merge
        stream.firsts = FirstSkus()
    out = None
    if job.scratch is not None:
        out = job.scratch / str(index)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
    for channel in job.compiled if index else ():  # one document per later share: the stitch numbers and splits
        channel.settings = {**channel.settings, "max_messages": sys.maxsize}  # its messages after the first share's
    inner = job.source.source if isinstance(job.source, NonEmpty) else job.source
    source = NonEmpty(inner if index == 0 else _Headless(inner, share.first_row))  # type: ignore[arg-type]
    observers: dict[str, Sequence[ItemObserver]] = {name: [ItemIds(report, name)] for name in job.recorded}
    gate = _gate(job, writes=out is not None)
    gates.append(gate)
    stream.rows = gate
    try:
        if index and seed is None:  # what the records before it hold: ids of its own rows, families it holds too
            stream.presumed = _read_ahead(job, index, gate)
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
    finally:
        if gate is not None:
            gate.close()
    checkpoint(point)
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
        firsts=stream.firsts,
        first_groups={n: t.first for n, t in trackers.items()},
        trackers={n: (t._group, t._seen) for n, t in trackers.items()},
        told=told_state(job.compiled, job.encoders),
        last_row=share.read[-1] if share.read else None,
        ignores=stream.findings.items,
        assumed=frozenset(stream.assumed),
    )


def _read_ahead(job: Job, index: int, gate: Any) -> frozenset[str]:
    """The ids of share ``index``'s rows that the records before it hold too, read before its rows (the share made
    a column at a time: ``columnar.ahead``, which raises ``Unsurveyed`` where a family of the catalog is in two
    shares; per row: ``rows.presumed``); none of another reader's (``Job.ids``)."""
    if job.ids is None:
        return frozenset()
    column, group, delimiter = job.ids
    if gate is not None:  # (Polars at hand, the file comma-separated UTF-8)
        from feedsync.columnar.ahead import read_ahead

        return read_ahead(job.shares, index, column, group if lookahead.STOP is not None else None)
    from feedsync.rows.presumed import presumed

    return presumed(job.shares, index, column, delimiter)


def _gate(job: Job, *, writes: bool) -> Any:
    """The share's columnar gate (None: its rows are made per row). An encoder that would survey the share a family
    ahead is told the share's rows by the gate instead, a batch of whole families at a time before the batch is made
    (``Gate.survey``; ``Unsurveyed`` where it could not, as the stream would raise it): the gate takes rows before the
    stream reads them."""
    gate = job.columnar(job.source, writes) if job.columnar is not None else None  # (the reader under the share's)
    if gate is None:
        return None
    for channel in job.compiled:
        encoder = job.encoders.get(channel.name)
        if isinstance(encoder, SurveyingEncoder) and encoder.family_feed() is not None:
            gate.survey(encoder.survey_batches())
    return gate


def told_state(
    compiled: list[CompiledChannel], encoders: Mapping[str, Encoder | None], *, seed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every set (``set`` or ``IdSet``) and flag the channels and their encoders hold (two levels deep), by where it
    is: the state that tells a finding once per run, or writes an Amazon parent once per family. With ``seed``, first
    set to it. (The facts an Amazon family's parent took, which its later variants are compared with, are never in
    two shares: a family in two shares is not split, ``rows.Unsplit``.)"""
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
        if key.partition(":")[2] in OWN:
            continue
        if isinstance(value, (set, IdSet, bool)):
            if seed is not None and isinstance(value, (set, IdSet)):
                value.update(seed[key])
            elif seed is not None and seed[key] != value:  # a flag a share before set (constants stay as they are)
                setattr(obj, name, value := seed[key])
            found[key] = value.copy() if isinstance(value, (set, IdSet)) else value
        elif depth > 1 and type(value).__module__.startswith("feedsync."):
            _walk(key, value, found, seed, depth=depth - 1)


def crossing(seed: Seed, share: Share, before: Mapping[str, Any]) -> str | None:
    """Why ``share`` would make something else after the rows ``seed`` holds the state of, or None."""
    for key, value in before.items():
        if once_per_run(key)[1] is not None:
            continue
        if isinstance(value, bool):
            if share.told[key] != value and seed.told[key] != value:
                return f"{key} was set in two shares"
        elif _grew_alike(value, share.told[key], seed.told[key]):
            return f"{key} grew alike in two shares"
    for name, first in share.first_groups.items():
        if first is not None and seed.trackers[name][0] == first:
            return f"group {first!r} runs over a cut"
    if not seed.ids[0].isdisjoint(share.ids[0]):
        return "an id is in two shares"
    if any(taken not in seed.ids[0] or taken in seed.ignores for taken in share.assumed):
        return "an id it took for an earlier share's is not one, or that product ignores findings"
    if seed.ignores and _ignored_before(seed.ignores, share.diagnostics):
        return "a product before it ignores a finding it told"
    # (A product group in two shares changes nothing the share makes: the run counts the groups once, ``rows._chain``;
    # an Amazon family's parent facts, which its later variants are compared with, are never in two shares.)
    if share.firsts is None and not seed.ids[2].isdisjoint(share.ids[2]):
        return "a SKU is in two shares"  # (a share made from a seed notes none: ``Share.firsts``)
    return None


def _grew_alike(before: set[Any] | IdSet, share: set[Any] | IdSet, seed: set[Any] | IdSet) -> bool:
    """Whether a set of the channels' state grew by a member alike in ``share`` and in the shares before it (``seed``)
    from what it held ``before`` them. A set of ids empty before (the ids each channel wrote, MDL021; Amazon's parents
    written) is compared a shard at a time in C (``IdSet.isdisjoint``: 100,000 ids in hundredths of a second, where
    the differences made member by member took 0.9 s)."""
    if isinstance(share, IdSet) and isinstance(seed, IdSet) and not before:
        return not share.isdisjoint(seed)
    return bool((share - before) & (seed - before))  # type: ignore[operator]


def _ignored_before(ignores: Mapping[str, Selection], told: Iterable[Diagnostic]) -> bool:
    """Whether a finding ``told`` is of an id whose product before the share ignores its code (``feedsync_ignore``):
    one process drops it, as any finding of that id after the product (a row of that id the reader refused too)."""
    return any(d.product_id in ignores and not ignores[d.product_id].keeps(d.code) for d in told)


def shared_skus(seed: Seed, share: Share) -> list[tuple[int, str | None, Fields]]:
    """The findings of ``share``'s SKUs that the shares before it (whose state ``seed`` holds) read too, where one
    process would have told them (``crossing`` found nothing else that changes what the share makes)."""
    if share.firsts is None or seed.ids[2].isdisjoint(share.ids[2]):
        return []
    return share.firsts.told(seed.ids[2])
