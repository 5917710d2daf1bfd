"""``feedsync explain`` and ``feedsync profiles``: look inside channel profiles."""

from __future__ import annotations

import json
import shlex
import tempfile
from pathlib import Path
from typing import Any

import typer

from feedsync import pipeline
from feedsync.channels.base import show_value
from feedsync.channels.profile import builtin_profiles, profile_path
from feedsync.cli.common import exit_codes, resolve_config
from feedsync.diagnostics.renderers import render_line
from feedsync.diagnostics.renderers.concise import display_path
from feedsync.diff import compare, snapshot_path
from feedsync.errors import ConfigError
from feedsync.explain import Explanation
from feedsync.explain import explain as explain_product
from feedsync.state import State
from feedsync.status import settled
from feedsync.status import status as read_status

profiles_app = typer.Typer(
    help="List the built-in channel profiles, or print one.", no_args_is_help=False, invoke_without_command=True
)


def _show(value: Any) -> str:
    if value is None or value == "" or value == ():
        return "(empty)"
    return str(value.value) if hasattr(value, "value") and not hasattr(value, "currency") else str(value)


def explain(
    product_id: str = typer.Argument(
        ...,
        help="A variant's id, or a product's handle or group id (lists its variants).",
    ),
    channel: str = typer.Option(..., "--channel", help="The channel, as named in feedsync.yaml."),
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
) -> None:
    """Show what a channel makes of one product: each rule that fired, the value before and after, the item, and
    the findings push reports for it (and whether push leaves it out). A handle or group id lists the variants.

    Example: feedsync explain NW-TEE-NAV-S --channel amazon -c examples/demo/feedsync.yaml
    """
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        result = explain_product(cfg, product_id, channel)
    if result.product is None:
        _list_variants(result, channel, config)
        return
    echo = typer.echo
    source = result.product.source
    where = f" ({display_path(source.path)}:{source.row})" if source else ""
    echo(f"product {result.product.id}{where} on channel {channel} (profile {result.channel.config.profile})")
    echo("steps:")
    if not result.trace:
        echo("  (no override, category map, price, inventory rule or rule changed anything)")
    for change in result.trace:
        echo(f"  {change.stage:<10} {change.rule}: {change.field}: {_show(change.before)} -> {_show(change.after)}")
    if not result.items:
        echo("result: left out of this channel")
    for item in result.items:
        echo("item:")
        width = max((len(k) for k in item.values), default=0)
        for key, value in item.values.items():
            echo(f"  {key:<{width}}  {show_value(value)}")
    if result.channel.spec.encoder is not None:
        echo("feed records:")
        for record in result.records:
            echo("  " + json.dumps(record, ensure_ascii=False))
    if result.diagnostics:
        echo("findings push reports:")
    for diagnostic in result.diagnostics:
        echo(f"  {render_line(diagnostic)}")
    errors = result.left_out_by
    if errors:
        codes = ", ".join(dict.fromkeys(d.code for d in errors))
        echo(f"push leaves this item out: {codes} ({errors[0].message})")
    elif result.items and not result.kept:
        withheld = result.withheld
        why = f" {withheld[0].code} ({withheld[0].message})" if withheld else " an error"
        echo(f"push leaves this item out:{why}: ignoring it does not publish an item the channel's own rules refuse")
    elif result.items:
        echo("push publishes this item")


def _list_variants(result: Explanation, channel: str, config: Path | None) -> None:
    echo = typer.echo
    echo(f"product {result.group} has {len(result.variants)} variants on channel {channel}:")
    width = max(len(v.id) for v in result.variants)
    for variant in result.variants:
        options = ", ".join(result.options(variant))
        errors = result.verdicts.get(variant.id, [])
        verdict = f"push leaves it out: {', '.join(dict.fromkeys(d.code for d in errors))}" if errors else "ok"
        echo(f"  {variant.id:<{width}}  {variant.title}{f' ({options})' if options else ''}  [{verdict}]")
    named = f" -c {shlex.quote(str(config))}" if config is not None else ""  # (the command as asked, to copy)
    echo(f"explain one: feedsync explain {shlex.quote(result.variants[0].id)} --channel {channel}{named}")


@profiles_app.callback()
def profiles(ctx: typer.Context) -> None:
    """List the built-in channel profiles. Example: feedsync profiles"""
    if ctx.invoked_subcommand is not None:
        return
    import yaml

    for name in builtin_profiles():
        data = yaml.safe_load(profile_path(name, Path.cwd()).read_text(encoding="utf-8"))
        typer.echo(
            f"{name:<24} {data.get('channel', ''):<13} {data.get('format', ''):<5} {data.get('description', '')}"
        )


@profiles_app.command("show")
def show(name: str = typer.Argument(..., help="A built-in profile name, e.g. facebook.")) -> None:
    """Print a built-in profile's YAML. Example: feedsync profiles show amazon"""
    with exit_codes():
        if name not in builtin_profiles():
            raise ConfigError(f"unknown profile {name!r}: built-in profiles are {', '.join(builtin_profiles())}")
        typer.echo(profile_path(name, Path.cwd()).read_text(encoding="utf-8"), nl=False)


def history(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    channel: str | None = typer.Option(None, "--channel", help="Only this channel."),
    limit: int = typer.Option(20, "--limit", min=1, help="How many runs to show."),
) -> None:
    """Show recent runs from the state: when, which channel, how many items, the outcome.

    Example: feedsync history -c examples/demo/feedsync.yaml --limit 10
    """
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        if not cfg.state_path.is_file():
            typer.echo(f"no runs yet ({display_path(str(cfg.state_path))} does not exist)")
            return
        with State(cfg.state_path) as state:
            runs = settled(state.runs(channel=channel, limit=limit), cfg)
    typer.echo(f"{'started (UTC)':<24} {'channel':<16} {'command':<8} {'items':>7}  outcome")
    for run in runs:
        typer.echo(
            f"{run.started_at[:23]:<24} {run.channel:<16} {run.command:<8} "
            f"{'' if run.item_count is None else run.item_count:>7}  {run.outcome}"
            + (f": {run.message}" if run.message else "")
        )


def status(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    fmt: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """What needs attention: last pushes, items to resend, held orders, unconfirmed shipments.

    Per channel the last push (when, how many items, outcome) and the items an API refused, which the next
    push sends again; orders held for unmapped SKUs or refused by the store; imported orders not yet shipped;
    shipment confirmations that failed. Reads the state only. Exit 1 when something needs attention.

    Example: feedsync status -c examples/demo/feedsync.yaml --format json
    """
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"{fmt!r} is not one of: text, json", param_hint="--format")
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        with State(cfg.state_path) as state:
            found = read_status(cfg, state)
    if fmt == "json":
        typer.echo(json.dumps(found.as_dict(), indent=2, sort_keys=True))
    else:
        typer.echo(f"{'channel':<16} {'last push (UTC)':<24} {'items':>7}  {'retry':>5}  outcome")
        for entry in found.channels:
            typer.echo(
                f"{entry.channel:<16} {(entry.last_push or 'never')[:23]:<24} "
                f"{'' if entry.items is None else entry.items:>7}  {entry.pending_retry:>5}  {entry.outcome or ''}"
                + (f": {entry.message}" if entry.message else "")
            )
        if cfg.orders is not None:
            typer.echo(
                f"orders: {len(found.held_orders)} held, {found.open_orders} imported and not yet shipped, "
                f"{len(found.failed_shipments)} shipment confirmation(s) failed"
            )
            for held in found.held_orders:
                typer.echo(f"  held {held['order_id']}: {held['reason']}")
            for sent in found.unanswered_orders:
                what = sent["reason"] or "the store never answered whether it arrived"
                typer.echo(
                    f"  sent {sent['order_id']}: {what}; the next import-orders sends it again (the same idempotency "
                    "key), or mark it with import-orders --handled"
                )
            for failed in found.failed_shipments:
                typer.echo(f"  not confirmed {failed['order_id']} {failed['tracking_number']}: {failed['message']}")
    raise typer.Exit(1 if found.needs_attention else 0)


def diff(
    config: Path | None = typer.Option(None, "--config", "-c", help="feedsync.yaml (default: ./feedsync.yaml)."),
    channel: list[str] | None = typer.Option(None, "--channel", help="Only these channels (repeatable)."),
    against: str = typer.Option(
        "last-push", "--against", help="last-push (the feed the last push published) or a feed FILE to compare with."
    ),
    fmt: str = typer.Option("text", "--format", help="text or json."),
    show: int = typer.Option(20, "--show", min=0, help="Items to list per channel in text (all are counted)."),
) -> None:
    """What changed since the last push (or since a feed FILE), per item and field.

    Items added, removed, and changed with old -> new values, with the count per field first. Builds the
    feeds into a temporary folder, leaving out the items push would leave out (errors); publishes nothing. Exit
    1 when something changed, as diff(1) does.

    Examples: feedsync diff -c examples/demo/feedsync.yaml --channel google;
    feedsync diff --channel facebook --against old/facebook.csv --format json
    """
    if fmt not in ("text", "json"):
        raise typer.BadParameter(f"{fmt!r} is not one of: text, json", param_hint="--format")
    with exit_codes():
        cfg = resolve_config(config, None, channels=[], out=None)
        names = channel or list(cfg.channels)
        if against != "last-push" and len(names) != 1:
            raise typer.BadParameter("comparing with a FILE needs one --channel", param_hint="--against")
        if against == "last-push" and cfg.state_path.exists():
            with State(cfg.state_path) as state:  # the kept feeds are the state's: an unusable one is told first
                for name in names:
                    state.last_push(name)
        with tempfile.TemporaryDirectory(prefix="feedsync-diff-") as tmp:
            # checked as push checks them: an item push leaves out (an error) is no change push would publish
            report = pipeline.run(cfg, "build", channels=names, out_dir=Path(tmp), jobs=0, validate=True)
            diffs = []
            for name in names:
                output = report.channels[name].output
                assert output is not None
                if against == "last-push":
                    old = snapshot_path(cfg.state_path.parent, name, output)
                    if not old.is_file():
                        raise ConfigError(
                            f"channel {name} has no push to compare with yet (push it, or --against FILE)"
                        )
                else:
                    old = Path(against)
                diffs.append(compare(name, old, output))
    if fmt == "json":
        typer.echo(json.dumps([d.as_dict() for d in diffs], indent=2, ensure_ascii=False))
    else:
        for found in diffs:
            typer.echo(
                f"{found.channel}: {len(found.added)} added, {len(found.removed)} removed, {len(found.changed)} "
                f"changed, {found.unchanged} unchanged"
            )
            counts = found.field_counts.most_common()
            if counts:
                typer.echo("  fields: " + ", ".join(f"{name} {count}" for name, count in counts))
            for item in found.added[:show]:
                typer.echo(f"  + {item}")
            for item in found.removed[:show]:
                typer.echo(f"  - {item}")
            for item, changes in list(found.changed.items())[:show]:
                for change in changes:
                    typer.echo(f"  ~ {item} {change.field}: {_short(change.old)} -> {_short(change.new)}")
    raise typer.Exit(1 if any(d.added or d.removed or d.changed for d in diffs) else 0)


def _short(value: str | None, width: int = 80) -> str:
    if value is None:
        return "(none)"
    return value if len(value) <= width else value[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    app.command()(explain)
    app.command()(history)
    app.command()(status)
    app.command()(diff)
    app.add_typer(profiles_app, name="profiles")
