"""The shares' findings, counts and end-of-run state merged into the run's stream, in row order."""

from __future__ import annotations

from collections.abc import Iterator

from feedsync.accounting import MissingFields
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.tally import Tally
from feedsync.diagnostics.findings import Findings, Render
from feedsync.diagnostics.gate import DiagnosticFilter
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.rows.share import Share, once_per_run
from feedsync.sources import Source
from feedsync.sources.base import left_out_what, report_left_out
from feedsync.sources.tabular import header_key
from feedsync.stream import Sink, Stream


def merge(stream: Stream, source: Source, compiled: list[CompiledChannel], made: list[Share], *, check: bool) -> None:
    """The shares' findings (in row order), counts and state into ``stream``; then its end-of-run findings."""
    report = stream.report
    told: set[tuple[str | None, ...]] = set()
    read: set[tuple[str, str]] = set()  # what the reader tells once per file (``SourceStats.told``)
    for share in made:
        stream.findings.items.update(share.ignores)  # the end-of-run findings name products too
        report.diagnostics.take(
            _with_shared(share, stream.findings, stream.lines) if share.shared else share.diagnostics,
            lambda d: (
                (d.code, d.channel, d.value) in told
                or (d.code, d.channel, d.value, d.message) in told
                or (d.code, header_key(d.field or "")) in read
            ),
            {key[0] for key in told} | {code for code, _ in read},
        )
        told.update(_told_once(share))
        read.update(share.stats.told)
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
    for name in ("encoding", "delimiter", "quoted", "columns", "unused"):
        setattr(stats, name, getattr(first, name))
    for name in ("rows", "left_out", "excluded"):
        setattr(stats, name, sum(getattr(share.stats, name) for share in made))
    stats.told = set(read)
    for share in made:
        for what, count in share.stats.unpublished.items():
            stats.unpublished[what] = stats.unpublished.get(what, 0) + count
        for what, count in share.stats.with_parent.items():
            stats.with_parent[what] = stats.with_parent.get(what, 0) + count
        stats.not_listed += share.stats.not_listed
        stats.weights_ignored = stats.weights_ignored or share.stats.weights_ignored
        if share.stats.options_met is not None:
            stats.options_met = (stats.options_met or set()) | share.stats.options_met
        if share.stats.attributes_met is not None:
            stats.attributes_met = (stats.attributes_met or set()) | share.stats.attributes_met
        if share.stats.attributes_seen is not None:
            stats.attributes_seen = (stats.attributes_seen or set()) | share.stats.attributes_seen
    for share in made:  # once the rows are read, as one reader tells it
        for finding in share.stats.after_rows:
            stream.emit(finding)
    for what, count in stats.unpublished.items():
        report_left_out(stream.emit, source.path, count, left_out_what(what, stats.with_parent.get(what, 0)))
    after = getattr(getattr(source, "source", source), "told_after_rows", None)  # (the reader within ``NonEmpty``)
    if after is not None:
        after(stream.emit, stats)
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


def _with_shared(share: Share, kept: DiagnosticFilter, render: Render | None) -> Findings:
    """The share's findings with those of its SKUs the shares before it read too (``Share.shared``) put where one
    process would have told them, those it keeps (``kept``: a product's own ignored codes too); the share's own
    let go (their file closed). ``render``: how the findings' lines are rendered as they are spilled."""
    shared = iter([(at, fields) for at, product, fields in share.shared if kept.keeps_of("MDL012", None, product)])
    out = Findings()
    out.render = render
    after = next(shared, None)
    for index, finding in enumerate(share.diagnostics):
        while after is not None and after[0] <= index:
            out.append_fields(after[1])
            after = next(shared, None)
        out.append(finding)
    while after is not None:
        out.append_fields(after[1])
        after = next(shared, None)
    share.diagnostics, share.shared = out, []
    return out


def _told_once(share: Share) -> Iterator[tuple[str | None, ...]]:
    """(code, channel, value[, message]) of the findings ``share`` told once per run (``TOLD_ONCE``)."""
    for key, members in share.told.items():
        channel, finding = once_per_run(key)
        if finding is not None:
            yield from ((told[0], channel, *told[1:]) for told in map(finding, members))


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
