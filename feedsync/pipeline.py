"""build / validate / push: read the source once, fan each product out to every channel, write the feeds
atomically, check the channel rules, publish. Never prints; returns a Report."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal

from feedsync.atomic import atomic_write
from feedsync.channels.base import ChannelItem, Encoder
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.profile import compile_channels
from feedsync.channels.rules import Trace
from feedsync.config import Config
from feedsync.destinations import Destination, open_destination
from feedsync.diagnostics import ChannelResult, Diagnostic, Report, Severity, locate
from feedsync.diagnostics.codes import make
from feedsync.errors import ConfigError
from feedsync.formats import FeedWriter, open_writer
from feedsync.formats.json_listings import OpenPart
from feedsync.model.product import Product
from feedsync.sources import Source, open_source
from feedsync.state import State
from feedsync.supplements import Supplement, join, load_supplements

Command = Literal["build", "validate", "push"]


def run(
    config: Config,
    command: Command,
    *,
    channels: list[str] | None = None,
    out_dir: Path | None = None,
    state: State | None = None,
) -> Report:
    """Run ``command`` over the selected channels. With ``state``, a push records one run per channel."""
    compiled = compile_channels(config, channels)
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
    out = None if command == "validate" else (out_dir or config.output_dir)
    runs: dict[str, int] = {}
    if state is not None:
        runs = {name: state.start_run(command, name, dest.describe()) for name, dest in destinations.items()}
    try:
        supplements = load_supplements(config.supplements, report.add)
        _stream(
            source,
            compiled,
            report,
            out,
            supplements,
            config.source.currency,
            check=command != "build",
            drop_invalid=command == "push",
        )
        for channel in compiled:
            result = results[channel.name]
            if channel.name in destinations and result.output is not None:
                result.published = destinations[channel.name].publish(result.output, channel.filename)
                for part in result.parts:
                    destinations[channel.name].publish(part, part.name)
    except BaseException as exc:
        for name, run_id in runs.items():
            assert state is not None
            message = f"{type(exc).__name__}: {exc}"[:500]
            state.finish_run(run_id, outcome="failed", item_count=results[name].items, message=message)
        raise
    for name, run_id in runs.items():
        assert state is not None
        outcome = "published_with_findings" if results[name].rejected else "published"
        state.finish_run(run_id, outcome=outcome, item_count=results[name].items)
    return report


@dataclass
class _Sink:
    """One channel's side of the stream: its writer (when writing) and encoder (when it has one)."""

    channel: CompiledChannel
    result: ChannelResult
    writer: FeedWriter | None
    encoder: Encoder | None
    check: bool
    drop_invalid: bool

    def take(self, item: ChannelItem, report: Report) -> None:
        if self.check:
            findings = self.channel.spec.check_item(item, self.channel.name)
            if findings:
                report.extend(findings)
                if self.drop_invalid and any(d.severity is Severity.ERROR for d in findings):
                    self.result.rejected += 1
                    return
        if self.writer is not None:
            for record in self.encoder.encode(item) if self.encoder is not None else [item.values]:
                self.writer.write(record)
        self.result.items += 1


def _stream(
    source: Source,
    compiled: list[CompiledChannel],
    report: Report,
    out: Path | None,
    supplements: list[Supplement],
    currency: str | None,
    *,
    check: bool,
    drop_invalid: bool,
) -> None:
    emit = report.add
    seen: set[str] = set()
    with ExitStack() as stack:
        # Further documents of split feeds close (and are renamed into place) only after every writer finished.
        parts = stack.enter_context(ExitStack())
        sinks: list[_Sink] = []
        for channel in compiled:
            result = report.channels[channel.name]
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
            sinks.append(
                _Sink(
                    channel, result, writer, encoder, check or encoder is not None, drop_invalid or encoder is not None
                )
            )
        for product in source.products(emit):
            report.products_read += 1
            if product.id in seen:
                emit(
                    make(
                        "MDL008",
                        f"id {product.id!r} appears more than once; this one is left out",
                        product_id=product.id,
                        field="id",
                        location=locate(product.source, "id"),
                    )
                )
                continue
            seen.add(product.id)
            extras: dict[str, Any] = {}
            if supplements:
                joined, extras = join(product, supplements, currency, emit)
                if joined is None:
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
                    sink.take(item, report)


def _part_opener(stack: ExitStack, out: Path, channel: CompiledChannel, result: ChannelResult) -> OpenPart:
    """Further documents of a channel whose feed is split (``amazon.2.json``, ...), written atomically too."""

    def open_part(number: int) -> BinaryIO:
        path = out / f"{channel.name}.{number}.{channel.format.extension}"
        result.parts.append(path)
        return stack.enter_context(atomic_write(path))

    return open_part


@dataclass
class Explanation:
    """What one channel makes of one product, step by step (``feedsync explain``)."""

    product: Product
    channel: CompiledChannel
    trace: Trace
    items: list[ChannelItem]
    records: list[dict[str, Any]]
    diagnostics: list[Diagnostic]


def explain(config: Config, product_id: str, channel_name: str) -> Explanation:
    """Find ``product_id`` in the source and run it through ``channel_name`` with a trace of every change."""
    [channel] = compile_channels(config, [channel_name])
    found: list[Diagnostic] = []
    supplements = load_supplements(config.supplements, found.append)
    for product in open_source(config.source).products(lambda d: None):
        if product.id != product_id:
            continue
        extras: dict[str, Any] = {}
        if supplements:
            joined, extras = join(product, supplements, config.source.currency, found.append)
            product = joined or product
        trace: Trace = []
        items = channel.apply(product, found.append, extras, trace)
        for item in items:
            found.extend(channel.spec.check_item(item, channel.name))
        encoder = channel.spec.encoder(channel.settings) if channel.spec.encoder else None
        records = [r for item in items for r in (encoder.encode(item) if encoder else [dict(item.values)])]
        return Explanation(product, channel, trace, items, records, found)
    raise ConfigError(f"no product with id {product_id!r} in {config.source.path}")
