"""``import-orders``: marketplace orders into the store, exactly once."""

from __future__ import annotations

from pathlib import Path

import typer

from feedsync.cli.common import EXIT_FINDINGS, EXIT_OK, err, exit_codes, resolve_config
from feedsync.diagnostics import Diagnostic, Severity
from feedsync.diagnostics.renderers import render_line
from feedsync.lock import run_lock
from feedsync.orders.run import run_import
from feedsync.state import State


def import_orders(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    from_file: Path | None = typer.Option(
        None, "--from-file", help="An Amazon order report (tab-separated, as downloaded from Seller Central)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be imported; change nothing."),
) -> None:
    """Import marketplace orders into the store's sink, each exactly once.

    Orders whose SKUs map to no catalog item are held (ORD002) and retried on the next run; a rerun never
    imports an order twice. Exit 1 when an order was held or a row could not be read.
    Example: feedsync import-orders -c examples/demo/feedsync.yaml --from-file examples/demo/orders.txt
    """
    found: list[Diagnostic] = []
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        with run_lock(cfg.state_path), State(cfg.state_path) as state:
            result = run_import(cfg, state, found.append, from_file=from_file, dry_run=dry_run)
    for diagnostic in found:
        err(render_line(diagnostic))
    verb = "would import" if dry_run else "imported"
    for order_id in result.imported:
        typer.echo(f"{verb} {order_id}")
    for order_id in result.recovered:
        typer.echo(f"already in the store {order_id} (recorded now)")
    for order_id in result.updated:
        typer.echo(f"{'would update' if dry_run else 'updated'} {order_id}")
    for order_id in result.held:
        typer.echo(f"held {order_id}")
    err(
        f"orders: {len(result.imported)} {verb}, {len(result.updated)} updated, {len(result.held)} held, "
        f"{len(result.recorded)} marketplace-fulfilled, {result.unchanged} already known, "
        f"{result.pending} pending, {result.skipped} cancelled before import"
    )
    errors = any(d.severity == Severity.ERROR for d in found)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


def register(app: typer.Typer) -> None:
    app.command("import-orders")(import_orders)
