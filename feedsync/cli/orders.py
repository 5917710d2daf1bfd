"""``import-orders`` (marketplace orders into the store, exactly once) and ``push-tracking`` (tracking back)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from feedsync.cli.common import EXIT_FINDINGS, EXIT_OK, err, exit_codes, resolve_config
from feedsync.cli.output import MODE
from feedsync.diagnostics import Diagnostic, Severity
from feedsync.diagnostics.renderers import render_line
from feedsync.lock import run_lock
from feedsync.orders.importer import note_told
from feedsync.orders.run import mark_handled, run_import, run_tracking
from feedsync.state import State


def import_orders(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    from_file: Path | None = typer.Option(
        None, "--from-file", help="An Amazon order report (tab-separated, as downloaded from Seller Central)."
    ),
    since: datetime | None = typer.Option(
        None, "--since", help="Read orders updated since this ISO time instead of since the last run (SP-API)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be imported; change nothing."),
    handled: list[str] | None = typer.Option(
        None,
        "--handled",
        metavar="ORDER_ID",
        help="Mark a held order handled (entered in the store by hand, or settled otherwise): never imported, no "
        "longer retried; an order sent to the store without an answer too. Reads no orders. Repeat for several.",
    ),
) -> None:
    """Import marketplace orders into the store's sink, each exactly once.

    Reads an order report (--from-file), or with orders.api set the SP-API Orders API, incrementally from
    where the last run ended. Orders whose SKUs map to no catalog item are held (ORD002) and retried on the
    next run; a rerun never imports an order twice. An order that cannot be imported as it is (an amount its
    currency cannot pay, ORD010) and that ops entered in the store by hand is marked so with --handled ORDER_ID:
    it is never imported then. Exit 1 when an order was held or a row could not be read.
    Example: feedsync import-orders -c examples/demo/feedsync.yaml --from-file examples/demo/orders.txt
    """
    found: list[Diagnostic] = []
    if handled:
        if from_file is not None or since is not None:
            raise typer.BadParameter(
                "marks held orders and reads none: give it without --from-file and --since", param_hint="--handled"
            )
        _mark_handled(config, handled, dry_run)
        return
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        with run_lock(cfg.state_path), State(cfg.state_path) as state:
            result = run_import(cfg, state, found.append, from_file=from_file, dry_run=dry_run, since=_aware(since))
            _tell(found)
            if not dry_run:  # (once they are out: a run killed before tells them again)
                note_told(state, result)
    verb = "would import" if dry_run else "imported"
    for order_id in result.imported:
        _report(f"{verb} {order_id}")
    for order_id in result.recovered:
        _report(f"already in the store {order_id} (recorded now)")
    for order_id in result.updated:
        _report(f"{'would update' if dry_run else 'updated'} {order_id}")
    for order_id in result.held:
        _report(f"held {order_id}")
    err(
        f"orders: {len(result.imported)} {verb}, {len(result.updated)} updated, {len(result.held)} held, "
        f"{len(result.recorded)} marketplace-fulfilled, {result.unchanged} already known, "
        f"{result.pending} pending, {result.skipped} cancelled before import"
    )
    if result.held and not dry_run:
        err(
            "a held order is tried again on every run; one entered in the store by hand: mark it with import-orders "
            "--handled ORDER_ID"
        )
    errors = any(d.severity == Severity.ERROR for d in found)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


def _mark_handled(config: Path | None, order_ids: list[str], dry_run: bool) -> None:
    """``import-orders --handled``: each held order marked handled, or none (exit 2 naming the ids that are not)."""
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        with run_lock(cfg.state_path), State(cfg.state_path) as state:
            marked = mark_handled(cfg, state, order_ids, dry_run=dry_run)
    for order_id, why in marked:
        _report(f"{'would mark' if dry_run else 'marked'} {order_id} handled (it was held: {why})")
    err(
        f"orders: {len(marked)} {'would be ' if dry_run else ''}marked handled: never imported, no longer retried; "
        "push-tracking still confirms their shipments from a shipments file"
    )
    raise typer.Exit(EXIT_OK)


def push_tracking(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    shipments: Path | None = typer.Option(
        None,
        "--shipments",
        help="Shipments file (CSV or JSON): one package per row. Without it, the store's own shipments are read "
        "(woocommerce and shopify sinks).",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print each planned confirmation; send nothing."),
) -> None:
    """Send tracking numbers back to the marketplace: one shipment confirmation per package, each once.

    With orders.api set, packages are confirmed through Amazon's SP-API; else Amazon's shipping confirmation
    file is written into orders.confirmations_dir for upload in Seller Central (a new file per run, never
    overwritten). A failed package is retried on the next run; a run killed midway is settled by the next, so
    every package is confirmed exactly once. Shipments repeating an order's tracking number are one package
    (ORD009). Without --shipments the store is asked what it shipped for each imported order not yet shipped in
    full (WooCommerce: the Shipment Tracking extension; Shopify: the order's fulfillments). Exit 1 when a
    shipment could not be read, matched or confirmed; 3 when the upload file cannot be written.
    Example: feedsync push-tracking -c examples/demo/feedsync.yaml --shipments examples/demo/shipments.csv
    """
    found: list[Diagnostic] = []
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        with run_lock(cfg.state_path), State(cfg.state_path) as state:
            result = run_tracking(cfg, state, found.append, shipments=shipments, dry_run=dry_run)
    _tell(found)
    for package in result.planned if dry_run else result.confirmed:
        items = ", ".join(f"{item} x{quantity}" for item, quantity in package.items)
        carrier = package.carrier_code + (f" ({package.carrier_name})" if package.carrier_name else "")
        _report(
            f"{'would confirm' if dry_run else 'confirmed'} order {package.order_id} package {package.package_ref}: "
            f"{carrier} {package.tracking_number}, shipped {package.ship_date}, items {items}"
        )
    if result.settled:
        err(f"{result.settled} package(s) an interrupted run wrote into its upload file are recorded confirmed")
    if result.note:
        err(result.note)
    err(
        f"tracking: {len(result.planned)} {'planned' if dry_run else 'to send'}, {len(result.confirmed)} confirmed, "
        f"{len(result.failed)} failed, {result.already} confirmed before"
    )
    errors = any(d.severity == Severity.ERROR for d in found)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_OK)


def _report(line: str) -> None:
    """A line of what the run did, on stdout (``imported ...``, ``confirmed ...``): left out with --quiet, which
    keeps the errors alone (a held order's is a finding, told by ``_tell``)."""
    if not MODE.quiet:
        typer.echo(line)


def _tell(found: list[Diagnostic]) -> None:
    """The run's findings on stderr, one line each: an error's as an error (--quiet keeps it, for cron)."""
    for diagnostic in found:
        err(render_line(diagnostic), level="error" if diagnostic.severity == Severity.ERROR else "info")


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def register(app: typer.Typer) -> None:
    app.command("import-orders")(import_orders)
    app.command("push-tracking")(push_tracking)
