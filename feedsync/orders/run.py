"""The ``import-orders`` job: config -> order source -> importer -> sink, with the state."""

from __future__ import annotations

from pathlib import Path

from feedsync.config import Config
from feedsync.diagnostics import Emit
from feedsync.errors import ConfigError
from feedsync.orders.importer import ImportResult, import_orders
from feedsync.orders.mapping import SkuMap
from feedsync.orders.report_file import read_order_report
from feedsync.orders.sinks import open_sink
from feedsync.state import State


def orders_channel(config: Config) -> str | None:
    """The channel whose published SKUs are the marketplace's listings: orders.channel, else the one channel
    using the amazon profile."""
    assert config.orders is not None
    if config.orders.channel is not None:
        if config.orders.channel not in config.channels:
            raise ConfigError(f"orders.channel {config.orders.channel!r} is not a channel of this config")
        return config.orders.channel
    amazon = [name for name, channel in config.channels.items() if channel.profile == "amazon"]
    return amazon[0] if len(amazon) == 1 else None


def run_import(config: Config, state: State, emit: Emit, *, from_file: Path | None, dry_run: bool) -> ImportResult:
    if config.orders is None:
        raise ConfigError("this config has no orders: section (orders: {sink: {type: directory, path: ...}})")
    if from_file is None:
        raise ConfigError(
            "reading orders from the Amazon SP-API is not available yet; download the order report from Seller "
            "Central and pass it with --from-file"
        )
    skus = SkuMap(state, orders_channel(config), config.orders.sku_map)
    return import_orders(
        read_order_report(from_file, emit),
        state=state,
        sink=open_sink(config.orders.sink),
        skus=skus,
        emit=emit,
        marketplace=config.orders.marketplace,
        dry_run=dry_run,
    )
