"""build / validate / push: read the source once, fan each product out to every channel, write the feeds
atomically, check the channel rules, publish. Never prints; returns a Report."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Literal

from feedsync.atomic import atomic_write
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.profile import compile_channels
from feedsync.config import Config
from feedsync.destinations import Destination, open_destination
from feedsync.diagnostics import ChannelResult, Report, Severity, locate
from feedsync.diagnostics.codes import make
from feedsync.errors import ConfigError
from feedsync.formats import FeedWriter, open_writer
from feedsync.sources import Source, open_source
from feedsync.state import State

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
        _stream(source, compiled, report, out, check=command != "build", drop_invalid=command == "push")
        for channel in compiled:
            result = results[channel.name]
            if channel.name in destinations and result.output is not None:
                result.published = destinations[channel.name].publish(result.output, channel.filename)
    except BaseException as exc:
        for name, run_id in runs.items():
            assert state is not None
            message = f"{type(exc).__name__}: {exc}"[:500]
            state.finish_run(run_id, outcome="failed", item_count=results[name].items, message=message)
        raise
    for name, run_id in runs.items():
        assert state is not None
        outcome = "published_with_findings" if results[name].skipped else "published"
        state.finish_run(run_id, outcome=outcome, item_count=results[name].items)
    return report


def _stream(
    source: Source,
    compiled: list[CompiledChannel],
    report: Report,
    out: Path | None,
    *,
    check: bool,
    drop_invalid: bool,
) -> None:
    emit = report.add
    results = report.channels
    seen: set[str] = set()
    with ExitStack() as stack:
        writers: dict[str, FeedWriter] = {}
        if out is not None:
            for channel in compiled:
                path = out / channel.filename
                handle = stack.enter_context(atomic_write(path))
                writers[channel.name] = stack.enter_context(
                    open_writer(
                        channel.format.writer,
                        handle,
                        columns=channel.columns,
                        meta=channel.feed,
                        options=channel.format.options,
                    )
                )
                results[channel.name].output = path
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
            for channel in compiled:
                result = results[channel.name]
                items = channel.apply(product, emit)
                if not items:
                    result.skipped += 1
                for item in items:
                    if check:
                        findings = channel.spec.check_item(item, channel.name)
                        if findings:
                            report.extend(findings)
                            if drop_invalid and any(d.severity is Severity.ERROR for d in findings):
                                result.skipped += 1
                                continue
                    writer = writers.get(channel.name)
                    if writer is not None:
                        writer.write(item.values)
                    result.items += 1
