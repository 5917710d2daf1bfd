"""build / validate / push: read the source once, fan each product out to every channel, write the feeds
atomically, check the channel rules, publish. Never prints; returns a Report."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Literal

from feedsync.accounting import MissingFields, empty_refusal
from feedsync.atomic import atomic_write
from feedsync.channels.base import ChannelItem, CheckingEncoder, Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.profile import compile_channels
from feedsync.checks import VariantTracker
from feedsync.config import Config
from feedsync.destinations import Destination, is_api, open_destination
from feedsync.diagnostics import ChannelResult, Diagnostic, Emit, Location, Report, Severity, locate
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.diff import compare, keep_snapshot, snapshot_path
from feedsync.errors import ConfigError, RemoteError
from feedsync.events import event
from feedsync.formats import FeedWriter, open_writer
from feedsync.formats.json_listings import OpenPart
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.idset import IdSet
from feedsync.model.product import Product
from feedsync.sources import Source, open_source
from feedsync.sources.base import maps_columns
from feedsync.split import part_names, part_path, remove_stale_parts, remove_temp_files
from feedsync.state import FORCED, State
from feedsync.supplements import Supplement, join, load_supplements
from feedsync.sync import Recorder, SyncCollector, SyncPlan, channel_key

Command = Literal["build", "validate", "push"]
IGNORE_COLUMN = "feedsync_ignore"
"""A source column listing the codes (or prefixes, names, tags) to ignore for that product."""
_VARIANT_FIELDS = ("color", "size", "material", "pattern", "gender", "age_group")


def run(
    config: Config,
    command: Command,
    *,
    channels: list[str] | None = None,
    out_dir: Path | None = None,
    state: State | None = None,
    selection: Selection | None = None,
    record_items: bool = False,
    validate: bool = False,
    force: bool = False,
    dry_run: bool = False,
    jobs: int | None = 1,
    progress: Callable[[dict[str, int]], None] | None = None,
    changes: bool = False,
) -> Report:
    """Run ``command`` over the selected channels. With ``state``, a push records one run per channel.
    ``selection`` keeps only some findings; ``record_items`` lists every item id per channel (for JUnit);
    ``validate`` makes ``build`` check the channel rules too (``validate`` and ``push`` always do).
    A push refuses to publish a channel whose item count fell too far since its last push unless ``force``;
    ``dry_run`` builds into a temporary folder and reports what it would publish, changing nothing.
    ``jobs``: processes for build and validate (None or 0: one per core when the source is large); the feeds
    are the same either way. A push runs in one process (its state and API batches are not split).
    ``progress`` is called now and then with counts to show (rows read, items per channel). ``changes`` counts
    each channel's items added, removed and changed since the feed of the last push (validate then writes the
    feeds into a temporary folder to compare them)."""
    started_at = time.time()
    compiled = compile_channels(config, channels)
    if command != "push":
        from feedsync.parallel import jobs_for, run_parallel

        count = jobs_for(config, jobs, len(compiled))
        if count > 1:
            return run_parallel(
                config,
                command,
                [channel.name for channel in compiled],
                count,
                out_dir=out_dir,
                selection=selection,
                record_items=record_items,
                validate=validate,
                changes=changes,
            )
    destinations: dict[str, Destination] = {}
    if command == "push":
        missing = [c.name for c in compiled if c.config.destination is None]
        if missing:
            raise ConfigError(
                f"channel(s) {', '.join(missing)} have no destination to push to; add "
                "`destination: {type: directory, path: ...}` to the channel in feedsync.yaml"
            )
        destinations = {c.name: open_destination(c.config.destination) for c in compiled if c.config.destination}
    source = open_source(config.source)
    results = {c.name: ChannelResult(c.name) for c in compiled}
    report = Report(command=command, channels=results)
    findings = DiagnosticFilter(selection or Selection(), {c.name: c.selection for c in compiled})
    stream = _Stream(report, findings, record_items, progress=progress)
    scratch = ExitStack()
    out = None if command == "validate" else (out_dir or config.output_dir)
    if dry_run or (out is None and changes):
        out = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="feedsync-scratch-")))
    collectors: dict[str, SyncCollector] = {}
    for name, destination in destinations.items():
        if is_api(destination):
            if state is None:
                raise ConfigError(f"channel {name} pushes to an API, which needs the state database")
            days = getattr(destination.config, "refresh_days", None)  # type: ignore[attr-defined]
            refresh = timedelta(days=days) if days else None
            collectors[name] = SyncCollector(
                state.sent_items(name, destination.describe()), refresh_after=refresh, now=datetime.now(UTC)
            )
    stream.collectors = collectors
    if state is not None and command == "push" and not dry_run:
        for name, destination in destinations.items():
            if not is_api(destination):
                state.drop_staged(name, destination.describe())
                stream.staged[name] = _Staged(state, name, destination.describe())
    runs: dict[str, int] = {}
    if state is not None and not dry_run:
        runs = {name: state.start_run(command, name, dest.describe()) for name, dest in destinations.items()}
    try:
        supplements = load_supplements(config.supplements, stream.emit)
        started = time.perf_counter()
        if out is not None:
            remove_temp_files(out, compiled, before=started_at)
        stream.run(
            source,
            compiled,
            out,
            supplements,
            config.source.currency,
            check=command != "build" or validate,
            reopen=lambda: open_source(config.source),
        )
        seconds = round(time.perf_counter() - started, 3)
        event("read", command=command, products=report.products, variants=report.variants, seconds=seconds)
        for channel in compiled:
            result = results[channel.name]
            if out is not None and result.output is not None:
                remove_stale_parts(out, channel, result.parts)
            if changes and result.output is not None:
                result.changes = _changes(config, channel.name, result.output)
            event(
                "channel",
                channel=channel.name,
                items=result.items,
                excluded=result.excluded,
                rejected=result.rejected,
                output=str(result.output) if result.output else None,
            )
            if channel.name not in destinations or result.output is None:
                continue
            history = channel.config.guardrail_history
            counts = state.published_counts(channel.name, history) if state is not None else []
            previous = counts[0] if counts else None
            code, refusal = _guardrail(channel, result, counts, force=force)
            if force and _guardrail(channel, result, counts, force=False)[1]:
                result.forced = True
            if refusal:
                result.refused = refusal
                event("refused", channel=channel.name, code=code, reason=refusal)
                stream.emit(
                    make(
                        code,
                        f"{channel.name} not published: {refusal}",
                        channel=channel.name,
                        location=Location(str(result.output)),
                    )
                )
                continue
            destination = destinations[channel.name]
            publishing = time.perf_counter()
            if channel.name in collectors:
                assert state is not None
                _sync(
                    channel,
                    destination,
                    collectors[channel.name].finish(),
                    result,
                    state,
                    stream.emit,
                    force=force,
                    dry_run=dry_run,
                    progress=progress,
                )
                if not dry_run and not result.refused:
                    keep_snapshot(config.state_path.parent, channel.name, result.output, result.parts)
                event(
                    "sync",
                    channel=channel.name,
                    destination=destination.describe(),
                    outcome="refused" if result.refused else (result.published or result.planned),
                    seconds=round(time.perf_counter() - publishing, 3),
                )
                continue
            if dry_run:
                result.planned = f"would publish {result.items} items to {destination.describe()}" + (
                    f" (last push: {previous})" if previous is not None else ""
                )
                continue
            try:
                result.published = destination.publish(
                    result.output, channel.filename, result.parts, part_names(channel)
                )
            except RemoteError as exc:
                # One destination failing must not stop the others: this channel keeps its previous feed,
                # its run is recorded as failed and push exits 3 once every channel had its turn.
                result.failed = f"{exc}; the feed published before stays"
                event("publish-failed", channel=channel.name, destination=destination.describe(), error=str(exc))
                stream.emit(
                    make(
                        "DST006",
                        f"{channel.name} not published to {destination.describe()}: {result.failed}",
                        channel=channel.name,
                    )
                )
                continue
            if channel.name in stream.staged:
                stream.staged[channel.name].commit()
            keep_snapshot(config.state_path.parent, channel.name, result.output, result.parts)
            event(
                "publish",
                channel=channel.name,
                destination=destination.describe(),
                items=result.items,
                published=result.published,
                seconds=round(time.perf_counter() - publishing, 3),
            )
    except BaseException as exc:
        scratch.close()
        for name, run_id in runs.items():
            assert state is not None
            message = f"{type(exc).__name__}: {exc}"[:500]
            state.finish_run(run_id, outcome="failed", item_count=results[name].items, message=message)
        raise
    scratch.close()
    for name, run_id in runs.items():
        assert state is not None
        result = results[name]
        outcome = "refused" if result.refused else "published_with_findings" if result.rejected else "published"
        message = result.refused
        if result.failed:
            outcome, message = "failed", result.failed
        elif result.forced and result.published:
            message = FORCED
        state.finish_run(run_id, outcome=outcome, item_count=result.items, message=message)
    return report


def _changes(config: Config, channel: str, output: Path) -> dict[str, int] | None:
    """Items added, removed and changed since the feed the last push published, if there is one."""
    previous = snapshot_path(config.state_path.parent, channel, output)
    if not previous.is_file():
        return None
    found = compare(channel, previous, output)
    return {"added": len(found.added), "removed": len(found.removed), "changed": len(found.changed)}


def _sync(
    channel: CompiledChannel,
    destination: Destination,
    plan: SyncPlan,
    result: ChannelResult,
    state: State,
    emit: Emit,
    *,
    force: bool,
    dry_run: bool,
    progress: Callable[[dict[str, int]], None] | None = None,
) -> None:
    """Send an API channel's changes (or, in a dry run, say what they would be)."""
    limit = channel.config.max_deletes
    if limit is not None and len(plan.deletes) > limit and not force:
        result.refused = (
            f"{len(plan.deletes)} items would be deleted, more than max_deletes {limit}; push --force to delete them"
        )
        emit(make("DST004", f"{channel.name} not synced: {result.refused}", channel=channel.name))
        return
    if dry_run:
        result.planned = f"would sync {destination.describe()}: {plan.summary()}"
        result.samples = [json.dumps(dict(c.values), ensure_ascii=False) for c in plan.upserts[:3]]
        result.samples += [f"delete {item_id}" for item_id in plan.deletes[:3]]
        return
    recorder = Recorder(state, channel.name, destination.describe(), progress=progress)
    destination.sync(plan, recorder, emit, channel)  # type: ignore[attr-defined]
    failed = len(recorder.failed)
    result.items -= min(failed, result.items)
    result.rejected += failed
    result.published = f"{destination.describe()} ({plan.summary()})"


def _drop(previous: int | None, items: int, max_drop_percent: float, since: str = "") -> str | None:
    """Why a fall in the item count is too large to publish (a partial export must not wipe a catalog)."""
    if not previous or items >= previous:
        return None
    fall = (previous - items) * 100 / previous
    if fall <= max_drop_percent:
        return None
    return (
        f"the item count fell from {previous}{since} to {items} ({fall:.1f}%, more than max_drop_percent "
        f"{max_drop_percent:g}%); the last good feed stays; push --force to publish anyway"
    )


def _guardrail(
    channel: CompiledChannel, result: ChannelResult, counts: list[int], *, force: bool
) -> tuple[str, str | None]:
    """(code, why the channel must not be published, or None): items with errors (DST001), then a feed with no
    items (DST008, unless the channel says allow_empty), then a fall in the item count since the last push
    (DST002), then a fall from the largest count of the recent pushes ``counts`` (newest first; DST007). The last
    three are overridden by ``force``.

    DST007 is its own code because its cause and remedy differ: each push lost less than the limit, so no
    single export is broken; a source shrinking push by push (88 -> 72 -> 59) is caught against the peak of the
    last ``guardrail_history`` pushes, and a push --force starts the window again."""
    refusal = _refusal(channel, result)
    if refusal:
        return "DST001", refusal
    empty = empty_refusal(result, allowed=channel.config.allow_empty)
    if empty:
        return "DST008", None if force else empty
    limit = channel.config.max_drop_percent
    drop = _drop(counts[0] if counts else None, result.items, limit)
    if drop:
        return "DST002", None if force else drop
    peak = _drop(max(counts, default=None), result.items, limit, f" (the largest of the last {len(counts)} pushes)")
    return "DST007", None if force else peak


def _refusal(channel: CompiledChannel, result: ChannelResult) -> str | None:
    """Why a channel's feed must not be published, after the items with errors were left out."""
    if result.rejected and channel.config.on_error == "fail":
        return f"{result.rejected} item(s) have errors and the channel says on_error: fail"
    limit = channel.config.max_error_rate
    total = result.items + result.rejected
    if limit is not None and total and result.rejected * 100 / total > limit:
        return f"{result.rejected * 100 / total:.1f}% of items have errors, more than max_error_rate {limit}%"
    return None


@dataclass
class _Sink:
    """One channel's side of the stream: its writer (when writing) and encoder (when it has one)."""

    channel: CompiledChannel
    result: ChannelResult
    writer: FeedWriter | None
    encoder: Encoder | None
    check: bool
    """Check each item against the channel's rules and leave out (reject) an item with an error."""
    formulas: FormulaTally | None = None
    """Formula-like values of a delimited feed, reported once per field (MDL014)."""
    variants: VariantTracker = field(default_factory=VariantTracker)
    missing: MissingFields = field(default_factory=MissingFields)
    """The fields the rejected items lacked (one MDL015 when most items lack the same one)."""
    checked_rejected: int = 0
    """Items the channel checks rejected (so MDL015 can tell "most items" apart)."""
    checking: CheckingEncoder | None = None
    """The encoder, when it checks the records it makes (Amazon against its definitions): found once per run."""

    def __post_init__(self) -> None:
        if isinstance(self.encoder, CheckingEncoder):  # a Protocol check costs microseconds: not per item
            self.checking = self.encoder


@dataclass
class _Staged:
    """The items of a file being published, staged in the state in batches (flat memory) and made current
    once the file is published: order imports map marketplace SKUs back to catalog ids with them."""

    state: State
    channel: str
    destination: str
    rows: list[tuple[str, str]] = field(default_factory=list)

    def add(self, item: ChannelItem) -> None:
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
class _Stream:
    report: Report
    findings: DiagnosticFilter
    record_items: bool
    collectors: dict[str, SyncCollector] = field(default_factory=dict)
    staged: dict[str, _Staged] = field(default_factory=dict)
    progress: Callable[[dict[str, int]], None] | None = None

    def emit(self, diagnostic: Diagnostic) -> None:
        if self.findings.keeps(diagnostic):
            self.report.add(diagnostic)

    def run(
        self,
        source: Source,
        compiled: list[CompiledChannel],
        out: Path | None,
        supplements: list[Supplement],
        currency: str | None,
        *,
        check: bool,
        reopen: Callable[[], Source],
    ) -> None:
        """Stream every product through every channel. With ``check`` (validate, build --validate, push) each
        item is checked against its channel's rules and an item with an error is left out and counted rejected,
        so every command that checks reports the same counts."""
        report = self.report
        emit = self.emit
        seen = IdSet()
        groups = IdSet()
        skus = IdSet()
        variants = VariantTracker()
        rejected = 0
        """Variants left out before the channels (duplicate ids, failed joins): rejected in every channel."""
        with ExitStack() as stack:
            # Further documents of split feeds close (and are renamed into place) only after every writer finished.
            parts = stack.enter_context(ExitStack())
            sinks = [self._sink(stack, parts, channel, out, check) for channel in compiled]
            # An encoder that needs the whole catalog first (Amazon: what each family's variants differ by)
            # gets a quiet read of its own before the stream.
            for sink in sinks:
                if getattr(sink.encoder, "surveys", False):
                    sink.encoder.survey(reopen().products(lambda diagnostic: None))  # type: ignore[union-attr]
            progress = self.progress
            for product in source.products(emit):
                report.variants += 1
                groups.add(product.group_id or product.id)
                if progress is not None and not report.variants % 500:
                    progress(
                        {
                            "rows read": report.variants,
                            **{f"{sink.channel.name} items": sink.result.items for sink in sinks},
                        }
                    )
                if not seen.add(product.id):
                    emit(
                        make(
                            "MDL008",
                            f"id {product.id!r} appears more than once; this one is left out",
                            product_id=product.id,
                            field="id",
                            location=locate(product.source, "id"),
                        )
                    )
                    rejected += 1
                    continue
                ignore = product.attributes.get(IGNORE_COLUMN)
                if ignore:
                    self.findings.items[product.id] = Selection.parse(ignore=[ignore])
                self._check_product(product, skus, variants)
                extras: dict[str, Any] = {}
                if supplements:
                    joined, extras = join(product, supplements, currency, emit)
                    if joined is None:
                        rejected += 1
                        continue
                    product = joined
                for sink in sinks:
                    before = len(report.diagnostics)
                    items = sink.channel.apply(product, emit, extras)
                    if not items:
                        if any(d.severity is Severity.ERROR for d in report.diagnostics[before:]):
                            sink.result.rejected += 1
                        else:
                            sink.result.excluded += 1
                    for item in items:
                        self._take(sink, item)
        stats = source.stats
        report.variants += stats.left_out + stats.excluded
        report.products = len(groups)
        for sink in sinks:
            checked = sink.result.items + sink.checked_rejected
            mapped = maps_columns(stats.format)
            for diagnostic in sink.missing.findings(sink.channel.name, sink.result, checked, columns=mapped):
                emit(diagnostic)
            sink.result.rejected += rejected + stats.left_out
            sink.result.excluded += stats.excluded
        for sink in sinks:
            for diagnostic in sink.formulas.findings(sink.channel.name) if sink.formulas is not None else ():
                emit(diagnostic)
            for diagnostic in sink.channel.tally.findings(sink.channel.name):
                emit(diagnostic)

    def _sink(
        self,
        stack: ExitStack,
        parts: ExitStack,
        channel: CompiledChannel,
        out: Path | None,
        check: bool,
    ) -> _Sink:
        result = self.report.channels[channel.name]
        encoder = channel.spec.encoder(channel.settings) if channel.spec.encoder else None
        writer = None
        if out is not None:
            result.output = out / channel.filename
            writer = stack.enter_context(
                open_writer(
                    channel.format.writer,
                    stack.enter_context(atomic_write(result.output)),
                    columns=channel.columns,
                    meta={**channel.feed, **(encoder.meta if encoder else {})},
                    options={**channel.format.options, **channel.settings},
                    open_part=_part_opener(parts, out, channel, result),
                )
            )
        # An encoder cannot encode an item that breaks its channel's rules: those are always checked and left out.
        return _Sink(
            channel,
            result,
            writer,
            encoder,
            check or encoder is not None,
            FormulaTally() if channel.format.writer == "delimited" else None,
        )

    def _check_product(self, product: Product, skus: IdSet, variants: VariantTracker) -> None:
        sku = product.attributes.get("sku")
        if sku and not skus.add(sku):
            self.emit(
                make(
                    "MDL012",
                    f"SKU {sku!r} is shared with an earlier product",
                    product_id=product.id,
                    field="sku",
                    value=sku,
                    location=locate(product.source, None),
                )
            )
        key = (*(str(getattr(product, f) or "") for f in _VARIANT_FIELDS), *sorted(product.variant_options.items()))
        earlier = variants.duplicate_of(product.group_id, key, product.id)
        if earlier is not None:
            self.emit(
                make(
                    "MDL013",
                    f"variant of {product.group_id!r} has the same variant attributes as {earlier!r}",
                    product_id=product.id,
                    field="group_id",
                    location=locate(product.source, "group_id"),
                )
            )

    def _take(self, sink: _Sink, item: ChannelItem) -> None:
        if self.record_items:
            self.report.items.setdefault(sink.channel.name, []).append(item.id)
        if sink.check:
            findings = [d for d in sink.channel.spec.check_item(item, sink.channel.name) if self.findings.keeps(d)]
            if sink.checking is not None and not any(d.severity is Severity.ERROR for d in findings):
                findings += [d for d in sink.checking.check(item, sink.channel.name) if self.findings.keeps(d)]
            group = sink.channel.spec.variant_group
            if group is not None:
                group_id = item.values.get(group.group)
                # Variants told apart only by an option no variant field names (MDL016) carry it in their title.
                key = (
                    *(str(item.values.get(a, "")) for a in group.attributes),
                    *sorted(item.product.variant_options.items()),
                )
                earlier = sink.variants.duplicate_of(group_id if isinstance(group_id, str) else None, key, item.id)
                if earlier is not None:
                    duplicate = make(
                        group.code,
                        f"same {', '.join(group.attributes)} as {earlier!r} in {group.group} {group_id!r}",
                        channel=sink.channel.name,
                        product_id=item.id,
                        field=group.group,
                        location=locate(item.product.source, None),
                    )
                    if self.findings.keeps(duplicate):
                        findings.append(duplicate)
            if findings:
                self.report.extend(findings)
                if any(d.severity is Severity.ERROR for d in findings):
                    sink.result.rejected += 1
                    sink.checked_rejected += 1
                    sink.missing.add(item.product, findings)
                    return
        if sink.formulas is not None:
            sink.formulas.add(item.id, item.values, item.product.source, item.origins)
        if sink.writer is not None:
            for record in sink.encoder.encode(item) if sink.encoder is not None else [item.values]:
                sink.writer.write(record)
        collector = self.collectors.get(sink.channel.name)
        if collector is not None:
            collector.add(item.id, item.values)
        staged = self.staged.get(sink.channel.name)
        if staged is not None:
            staged.add(item)
        sink.result.items += 1


def _part_opener(parts: ExitStack, out: Path, channel: CompiledChannel, result: ChannelResult) -> OpenPart:
    """Further documents of a channel whose feed is split (``amazon.2.json``, ...), written atomically too."""

    def open_part(number: int) -> BinaryIO:
        path = part_path(out, channel, number)
        result.parts.append(path)
        return parts.enter_context(atomic_write(path))

    return open_part
