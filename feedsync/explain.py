"""``feedsync explain``: what one channel makes of one product, step by step, and what ``push`` reports for it.

The argument is a variant's id, or a product's handle or group id (its variants are listed with their ids). The
findings shown are those of a full validate run of the channel (the checks push runs, in the same order: channel
checks, duplicates in a variant group, duplicate ids), kept for this product's row; an error among them means push
leaves the item out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feedsync.channels.base import ChannelItem
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.profile import compile_channels
from feedsync.channels.rules import Trace
from feedsync.config import Config
from feedsync.diagnostics import ChannelResult, Diagnostic, Severity
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.errors import ConfigError
from feedsync.model.product import Product
from feedsync.sources import open_source, quiet_read
from feedsync.stream import IGNORE_COLUMN, Sink, open_encoder
from feedsync.supplements import join, load_supplements

VARIANT_FIELDS = ("color", "size", "material", "pattern", "gender", "age_group")


@dataclass
class Explanation:
    """What one channel makes of one product (``product``), or the variants of a product (``variants``)."""

    channel: CompiledChannel
    product: Product | None = None
    trace: Trace = field(default_factory=list)
    items: list[ChannelItem] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """What push reports for this product's row on this channel (and the source findings of the row)."""
    group: str | None = None
    """The handle or group id asked for, when the answer is a list of its variants."""
    variants: list[Product] = field(default_factory=list)
    verdicts: dict[str, list[Diagnostic]] = field(default_factory=dict)
    """Variant id -> the errors for which push leaves it out (empty: published)."""
    differing: list[str] = field(default_factory=list)
    """Other source columns whose values tell the variants apart (options the model has no field for)."""
    kept: int = 0
    """How many of ``items`` push writes (an item an error leaves out has no record)."""
    withheld: list[Diagnostic] = field(default_factory=list)
    """Errors the channel's ``validation`` (or the row's ``feedsync_ignore``) drops that still leave an item out: an
    encoder cannot write the item with them (no product type to list it under, say)."""

    def options(self, variant: Product) -> list[str]:
        """What tells ``variant`` apart: its variant fields, then the differing columns (``Choose Initial: A``)."""
        named = [str(getattr(variant, f)) for f in VARIANT_FIELDS if getattr(variant, f)]
        return named + [f"{key}: {variant.attributes[key][:30]}" for key in self.differing if key in variant.attributes]

    @property
    def left_out_by(self) -> list[Diagnostic]:
        """The errors for which push leaves this item out (none: push publishes it, unless a filter excludes it, or
        an error the channel ignores still leaves it out: ``withheld``)."""
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]


def explain(config: Config, key: str, channel_name: str) -> Explanation:
    """Find ``key`` (a variant id, else a handle or group id) in the source and explain it on ``channel_name``."""
    [channel] = compile_channels(config, [channel_name])
    target: Product | None = None
    members: list[Product] = []
    for product in open_source(config.source).products(lambda d: None):
        if product.id == key or _published_id(channel, product.id) == key:
            target = product
            break
        if product.group_id == key or product.attributes.get("handle") == key:
            members.append(product)
    if target is None and len(members) == 1:
        target = members[0]
    findings = _push_findings(config, channel_name)
    if target is None and members:
        verdicts = {m.id: [d for d in _about(findings, m, {m.id}) if d.severity is Severity.ERROR] for m in members}
        if channel.spec.encoder is not None and (
            channel.selection.select or channel.selection.ignore or any(IGNORE_COLUMN in m.attributes for m in members)
        ):  # an error the channel ignores may still leave a variant out (its encoder cannot write it)
            for shown in _taken(config, channel, [m for m in members if not verdicts[m.id]]):
                if shown.product is not None and shown.items and not shown.kept:
                    verdicts[shown.product.id] = shown.withheld
        return Explanation(channel, group=key, variants=members, verdicts=verdicts, differing=_differing(members))
    if target is None:
        raise ConfigError(_not_found(config, key, findings))
    return _explain_product(config, channel, target, findings)


def _published_id(channel: CompiledChannel, product_id: str) -> str | None:
    """The id the channel publishes for ``product_id`` where it shortens it (MDL017: an Amazon SKU of more than 40
    characters, say), so that the id a marketplace shows finds its product; None where it publishes it as it is."""
    for attr in channel.spec.id_limits:  # (a field made of the product's id alone)
        if channel.origins.get(attr) == "id" and not channel.fits(attr, product_id):
            return channel.fitted_id(attr, product_id)[0]
    return None


def _explain_product(
    config: Config, channel: CompiledChannel, product: Product, findings: list[Diagnostic]
) -> Explanation:
    [explained] = _taken(config, channel, [product])
    explained.diagnostics = _about(
        findings, explained.product or product, {product.id, *(i.id for i in explained.items)}
    )
    return explained


def _taken(config: Config, channel: CompiledChannel, products: list[Product]) -> list[Explanation]:
    """What the channel makes of each of ``products``: checked and encoded as push does, by one sink (an item an
    error leaves out has no record), keeping the findings push keeps: the channel's ``validation`` and each row's
    ``feedsync_ignore`` (no command-line selection: explain has none). Their ``diagnostics`` are left to the caller."""
    ignored: list[Diagnostic] = []
    supplements = load_supplements(config.supplements, ignored.append)
    sink = Sink(
        channel,
        ChannelResult(channel.name),
        None,
        open_encoder(channel, lambda: quiet_read(config.source)),
        check=True,
        encodes=True,
    )
    findings_kept = DiagnosticFilter(channels={channel.name: channel.selection})
    dropped: list[Diagnostic] = []

    def keeps(diagnostic: Diagnostic) -> bool:
        if findings_kept.keeps(diagnostic):
            return True
        dropped.append(diagnostic)
        return False

    explained = []
    for product in products:
        extras: dict[str, Any] = {}
        if supplements:
            joined, extras = join(product, supplements, config.source.currency, ignored.append)
            product = joined or product
        trace: Trace = []
        items = channel.apply(product, ignored.append, extras, trace)
        ignore = product.attributes.get(IGNORE_COLUMN)
        if ignore:
            findings_kept.items[product.id] = Selection.parse(ignore=[ignore])
        dropped.clear()
        records: list[dict[str, Any]] = []
        kept = 0
        for item in items:
            taken = sink.take(item, keeps, ignored.append)
            if taken is not None:
                kept += 1
                records += [dict(r) for r in taken]
        withheld = [d for d in dropped if d.severity is Severity.ERROR] if kept < len(items) else []
        explained.append(Explanation(channel, product, trace, items, records, kept=kept, withheld=withheld))
    return explained


def _differing(members: list[Product], limit: int = 3) -> list[str]:
    """Up to ``limit`` source columns (kept in ``attributes``) whose short values differ between ``members``."""
    first = members[0].attributes
    keys = dict.fromkeys(k for m in members for k, value in m.attributes.items() if len(str(value)) <= 60)
    return [k for k in keys if any(m.attributes.get(k) != first.get(k) for m in members)][:limit]


def _push_findings(config: Config, channel_name: str) -> list[Diagnostic]:
    """Every finding a validate run of the channel reports (validate runs the checks push runs)."""
    from feedsync.pipeline import run

    return run(config, "validate", channels=[channel_name], jobs=1).diagnostics


def _about(findings: list[Diagnostic], product: Product, ids: set[str]) -> list[Diagnostic]:
    """The findings about ``product``: located at its source row (and naming none but it, its items or its group:
    a minified JSON file has every record on line 1), or without a row and naming one of ``ids``."""
    source = product.source
    names = ids | {product.group_id} if product.group_id else ids
    kept = []
    for finding in findings:
        where = finding.location
        if where is not None and where.row is not None:
            here = source is not None and where.row == source.row and where.path == source.path
            if here and (finding.product_id is None or finding.product_id in names):
                kept.append(finding)
        elif finding.product_id in ids:
            kept.append(finding)
    return kept


def _not_found(config: Config, key: str, findings: list[Diagnostic]) -> str:
    """Why ``key`` names no product: rows left out with errors under that id are named, else nothing matched."""
    errors = [d for d in findings if d.product_id == key and d.severity is Severity.ERROR and d.channel is None]
    if errors:
        first = errors[0]
        where = f" at {first.location}" if first.location else ""
        return f"no product with id {key!r} was read: its row is left out ({first.code} {first.message}{where})"
    return f"no product with id, handle or group id {key!r} in {config.source.path}"
