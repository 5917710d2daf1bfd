"""build / validate / push: compile the channels, open their destinations, stream the source once through every
channel (writing the feeds atomically and checking the channel rules), deliver, and record the runs. Never prints;
returns a Report."""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from feedsync.channels.base import Encoder, SurveyingEncoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.profile import compile_channels
from feedsync.collector import YOUNG
from feedsync.config import Config, syncs_items
from feedsync.diagnostics import ChannelResult, Emit, Report
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.findings import Render
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.events import event
from feedsync.model.product import Product
from feedsync.sources import Source, open_source, quiet_read
from feedsync.sources.lines import TableLines
from feedsync.sources.tabular import READ_RANGE, ByteRange
from feedsync.split import remove_stale_parts, remove_temp_files
from feedsync.stream import ItemIds, ItemObserver, Stream, open_encoder
from feedsync.supplements import joined_columns, load_supplements

if TYPE_CHECKING:
    from feedsync.columnar.gate import Gate
    from feedsync.delivery import Delivery  # a push's alone: a build or validate delivers nothing
    from feedsync.destinations import Destination
    from feedsync.state import State  # sqlite3: a push's (the CLI opens it)

Command = Literal["build", "validate", "push"]


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
    fresh_cache: bool = False,
    lines: Render | None = None,
    reconcile: bool = False,
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
    feeds into a temporary folder to compare them). A push keeps a row cache beside the state (``rowcache``) and
    computes only the rows changed since the last push; ``fresh_cache`` computes every row (and writes it anew).
    ``reconcile``: a push reads what each API destination holds before it plans what to send.
    ``lines``: how the report's lines are rendered, when it is printed as lines (a row split's shares make them)."""
    started_at = time.time()
    compiled = compile_channels(config, channels)
    writes = command != "validate" or dry_run or changes  # (as ``out`` in ``_run``)
    made = partial(
        _run, config, command, started_at=started_at, writes=writes, out_dir=out_dir, state=state,
        selection=selection, record_items=record_items, validate=validate, force=force, dry_run=dry_run,
        progress=progress, changes=changes, fresh_cache=fresh_cache, lines=lines, reconcile=reconcile,
    )  # fmt: skip
    if command == "push":
        return _scratched(made(compiled, []), dry_run)
    shares = _row_shares(config, compiled, jobs, writes=writes)
    if shares:
        from feedsync.rows import Unsplit

        try:
            return _scratched(made(compiled, shares), dry_run or changes)
        except Unsplit:  # (nothing written: made again as though the rows were never split)
            compiled = compile_channels(config, channels)
    options = {"out_dir": out_dir, "selection": selection, "record_items": record_items, "validate": validate}
    parallel = _in_parallel(config, command, compiled, jobs, **options, changes=changes)
    if parallel is not None:
        return _scratched(parallel, dry_run or changes)
    return _scratched(made(compiled, []), dry_run or changes)


def _scratched(report: Report, scratch: bool) -> Report:
    """``report``, whose feeds were built into a temporary folder when ``scratch`` (a dry run, or a validate that
    counts the changes), naming no output: the folder is gone with the run."""
    if scratch:
        for result in report.channels.values():
            result.output = None
    return report


def _run(
    config: Config,
    command: Command,
    compiled: list[CompiledChannel],
    shares: list[ByteRange],
    *,
    started_at: float,
    writes: bool,
    out_dir: Path | None,
    state: State | None,
    selection: Selection | None,
    record_items: bool,
    validate: bool,
    force: bool,
    dry_run: bool,
    progress: Callable[[dict[str, int]], None] | None,
    changes: bool,
    fresh_cache: bool,
    lines: Render | None,
    reconcile: bool = False,
) -> Report:
    """``run`` in this process, its rows in ``shares`` where it has them (a row split, which raises ``Unsplit`` where
    it finds, before writing a feed, that it would be slower than the run not split); ``writes``: it writes feeds."""
    delivery: Delivery | None = None
    destinations: dict[str, Destination] = {}
    if command == "push":  # a build or validate has nothing to deliver (nor its modules to import)
        from feedsync.delivery import Delivery, open_destinations

        destinations = open_destinations(compiled)
    source = open_source(config.source)
    # a build or validate in this one process: a column at a time where it can (a push keeps its row cache,
    # observers and deliveries per row; a row split's shares open their own gates)
    gate = _columnar(config, compiled, source, writes) if command != "push" and not shares else None
    report = Report(command=command, channels={c.name: ChannelResult(c.name) for c in compiled})
    report.line_of = TableLines(config)
    findings = DiagnosticFilter(selection or Selection(), {c.name: c.selection for c in compiled})
    stream = Stream(report, findings, progress=progress, lines=lines)
    stream.rows = gate
    if command == "push":
        delivery = Delivery(
            state,
            config.state_path.parent,
            stream.emit,
            force=force,
            dry_run=dry_run,
            reconcile=reconcile,
            progress=progress,
        )
    cache = None
    if command == "push" and state is not None and not dry_run:
        from feedsync.rowcache import open_row_cache  # a push's alone

        stream.rows = cache = open_row_cache(config, compiled, destinations, source, stream, fresh=fresh_cache)
    with ExitStack() as scratch:
        out = None if command == "validate" else (out_dir or config.output_dir)
        if dry_run or (out is None and changes):
            out = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="feedsync-scratch-")))
        if delivery is not None:
            delivery.open(command, compiled, destinations)
        observers = _observers(delivery, report, compiled, record_items)
        try:
            check = command != "build" or validate
            families = gate.families if gate is not None else None
            columnar = partial(_columnar, config, compiled) if shares else None  # each share's gate
            encoders = _stream(
                config, source, compiled, stream, out, observers, check=check, started_at=started_at, shares=shares,
                families=families, columnar=columnar,
            )  # fmt: skip
            if cache is not None:
                cache.save()
                event("rowcache", replayed=cache.replayed, computed=cache.computed)
            for channel in compiled:
                result = report.channels[channel.name]
                _close_channel(config, channel, result, out, changes=changes)
                if check and delivery is None:
                    _empty_document(channel, result, stream.emit)
                if delivery is not None:
                    delivery.deliver(result, encoders[channel.name])
        except BaseException as exc:
            scratch.close()
            if gate is not None:
                gate.close()  # its threads stop (told the end of the rows, it stopped them already)
            if delivery is not None:
                delivery.fail(report.channels, exc)
            raise
    if delivery is not None:
        delivery.finish(report.channels)
    return report


def _columnar(config: Config, compiled: list[CompiledChannel], source: Source, writes: bool) -> Gate | None:
    """The columnar engine's gate of a build or validate (``writes``: its feeds; None: made per row; a ``columnar``
    event says why)."""
    from feedsync.columnar.gate import open_gate  # Polars: imported when the run may be columnar

    return open_gate(config, compiled, source, writes=writes)


def _in_parallel(
    config: Config, command: Command, compiled: list[CompiledChannel], jobs: int | None, **options: object
) -> Report | None:
    """The report of a build or validate split over processes, when the source is large enough for it."""
    from feedsync.parallel import jobs_for, run_parallel

    count = jobs_for(config, jobs, len(compiled))
    if count <= 1:
        return None
    return run_parallel(config, command, [channel.name for channel in compiled], count, **options)


def _row_shares(config: Config, compiled: list[CompiledChannel], jobs: int | None, *, writes: bool) -> list[ByteRange]:
    """The shares of the source's rows for a build or validate on several processes ([]: not split by rows); the
    run ``writes`` feeds. With ``jobs`` 0 or None, one a core whatever the source's size: ``rows.plan`` splits only
    a source of ``rows.MIN_ROWS`` rows a share (a share's process is forked)."""
    from feedsync.parallel import jobs_for
    from feedsync.rows import plan

    count = jobs_for(config, jobs, sys.maxsize, min_bytes=0)
    return plan(config, compiled, count, writes=writes) if count > 1 else []


def _observers(
    delivery: Delivery | None, report: Report, compiled: list[CompiledChannel], record_items: bool
) -> dict[str, list[ItemObserver]]:
    """Who is told each item: the delivery's collectors, and the recorded ids (``record_items``)."""
    observers = delivery.observers() if delivery is not None else {}
    if record_items:
        for channel in compiled:
            observers.setdefault(channel.name, []).append(ItemIds(report, channel.name))
    return observers


def _stream(
    config: Config,
    source: Source,
    compiled: list[CompiledChannel],
    stream: Stream,
    out: Path | None,
    observers: dict[str, list[ItemObserver]],
    *,
    check: bool,
    started_at: float,
    shares: list[ByteRange],
    families: Callable[[], Iterable[Any]] | None = None,
    columnar: Callable[[Source, bool], Gate | None] | None = None,
) -> dict[str, Encoder | None]:
    """Read the source once through every channel (its ``shares`` in a process each, when it has them); the
    encoders that made the channels' records. ``families``: the catalog's variants as an encoder's survey reads
    them, read a column at a time (``Gate.families``; the catalog is read per row where it cannot be).
    ``columnar``: opens a share's gate, when the rows are split."""
    from feedsync.rows import remove_scratch, run_split  # the row split's machinery: imported with its scratch

    supplements = load_supplements(config.supplements, stream.emit)
    stream.attributes_joined = joined_columns(supplements)
    started = time.perf_counter()
    if out is not None:
        remove_temp_files(out, compiled, before=started_at)
        remove_scratch(out, before=started_at)
    joined = joined_columns(supplements)

    def catalog() -> Iterable[Product]:
        return quiet_read(config.source)

    def ahead() -> Iterator[tuple[CompiledChannel, SurveyingEncoder]]:
        """The channels whose encoders survey the catalog a family ahead (``feedsync.lookahead``)."""
        for channel in compiled:
            encoder = encoders[channel.name]
            if isinstance(encoder, SurveyingEncoder) and encoder.family_feed() is not None:
                yield channel, encoder

    def survey_share(share: ByteRange, families: Callable[[], Iterable[Any]] | None) -> None:
        """The share's own rows surveyed whole (a column at a time where ``families`` reads them), where a share's
        surveys could not read them a family ahead."""
        from feedsync.columnar.survey import Unread

        token = READ_RANGE.set(replace(share, read=[]))  # (the share's own record of its rows stays its own)
        try:
            for channel, encoder in list(ahead()):
                if families is not None:
                    try:
                        encoder.survey(families, channel, joined=joined, share=True)
                        continue
                    except Unread as exc:
                        event("columnar", survey=False, why=str(exc))
                encoder.survey(catalog, channel, joined=joined, share=True)
        finally:
            READ_RANGE.reset(token)

    def opened(channel: CompiledChannel) -> Encoder | None:
        if families is not None:
            from feedsync.columnar.survey import Unread

            try:
                return open_encoder(channel, families, joined=joined, ahead=bool(shares))
            except Unread as exc:
                event("columnar", survey=False, why=str(exc))
        return open_encoder(channel, catalog, joined=joined, ahead=bool(shares))

    # split by rows, each share surveys its own rows a family ahead as it reads them
    encoders = {channel.name: opened(channel) for channel in compiled}
    currency = config.source.currency
    with _long_lived():
        if shares:  # (raises ``rows.Unsplit``: ``run`` makes the run as though its rows were never split)
            run_split(
                shares,
                stream,
                source,
                compiled,
                out,
                supplements,
                currency,
                check=check,
                encoders=encoders,
                observers=observers,
                survey_share=survey_share,
                columnar=columnar,
            )
        else:
            stream.run(
                source, compiled, out, supplements, currency, check=check, encoders=encoders, observers=observers
            )
    report = stream.report
    seconds = round(time.perf_counter() - started, 3)
    event("read", command=report.command, products=report.products, variants=report.variants, seconds=seconds)
    return encoders


@contextmanager
def _long_lived() -> Iterator[None]:
    """While the rows stream: what exists before them (modules, the compiled channels and their tables) lives
    through the run, so the cyclic collector stops looking at it (``gc.freeze``; a row split's processes, forked
    inside, share it untouched), and it collects the youngest objects per ``collector.YOUNG`` new containers rather
    than per 700 (the rows make few cycles: its passes were 2-3 % of a build's CPU, most of it looking at what was
    frozen). Both are undone after, for whatever runs next in this process."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _close_channel(
    config: Config, channel: CompiledChannel, result: ChannelResult, out: Path | None, *, changes: bool
) -> None:
    """After the stream: a split feed's stale parts go, the changes since the last push are counted."""
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


def _empty_document(channel: CompiledChannel, result: ChannelResult, emit: Emit) -> None:
    """A checked feed with no item where its format's documents cannot be empty (an Amazon listings feed, which
    Amazon refuses) is a finding, unless the channel pushes to an API (only changes are sent: an empty catalog
    deletes what it holds); a push's delivery refuses to publish it as a file (``delivery.guardrails``)."""
    if result.items or channel.format.empty is None or syncs_items(channel.config.destination):
        return
    code, why = channel.format.empty
    left = result.excluded + result.rejected
    read = f"all {left} variants were excluded or rejected" if left else "the catalog has no variant"
    emit(make(code, f"{channel.name}'s feed holds no item ({read}): {why}", channel=channel.name))


def _changes(config: Config, channel: str, output: Path) -> dict[str, int] | None:
    """Items added, removed and changed since the feed the last push published, if there is one."""
    from feedsync.diff import compare, snapshot_path  # what counting the changes alone needs

    previous = snapshot_path(config.state_path.parent, channel, output)
    if not previous.is_file():
        return None
    found = compare(channel, previous, output)
    return {"added": len(found.added), "removed": len(found.removed), "changed": len(found.changed)}
