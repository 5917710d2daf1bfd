"""The stream: read the source once and fan each product out to every channel, checking each item, encoding it
once and handing its records to the channel's writer and to the item observers built before the stream (what
delivery collects: a sync plan, staged items; the recorded ids). The stream itself keeps no delivery state."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import repeat
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

from feedsync.accounting import MissingFields
from feedsync.atomic import atomic_write
from feedsync.channels.base import ChannelItem, CheckingEncoder, Encoder, SurveyingEncoder, VariantGroup
from feedsync.channels.compiled import CompiledChannel, unmet_attributes
from feedsync.channels.written import WrittenIds, written_ids
from feedsync.checks import VariantTracker
from feedsync.diagnostics import ChannelResult, Diagnostic, Emit, Location, Report, Severity, locate
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.findings import Render
from feedsync.diagnostics.gate import DiagnosticFilter, Selection
from feedsync.formats import FeedWriter, open_writer
from feedsync.formats.json_listings import OpenPart
from feedsync.formats.spreadsheet import FormulaTally
from feedsync.ids import id_key
from feedsync.idset import IdSet, digest
from feedsync.model.product import Product
from feedsync.sources import Source
from feedsync.sources.base import feed_attributes_possible, maps_columns
from feedsync.sources.options import options_as_fields, unmet_options
from feedsync.split import part_path
from feedsync.supplements import Supplement, join

if TYPE_CHECKING:
    from feedsync.rows.firsts import FirstSkus

IGNORE_COLUMN = "feedsync_ignore"
"""A source column listing the codes (or prefixes, names, tags) to ignore for that product."""
_VARIANT_FIELDS = ("color", "size", "material", "pattern", "gender", "age_group")
_variant_fields = attrgetter(*_VARIANT_FIELDS)
_BLANKS = repeat("")

Records = Sequence[Mapping[str, Any]]
Progress = Callable[[dict[str, int]], None]


class RowHook(Protocol):
    """Told the sinks before the first product and each product after it went through every channel (with what
    ``_admit`` made of it: None when it was left out before the channels): a row cache."""

    def begin(self, stream: Stream, sinks: list[Sink]) -> None: ...

    def done(self, product: Product, joined: tuple[Product, dict[str, Any]] | None) -> None: ...


class ItemObserver(Protocol):
    """Told every item a channel made: its records when the item is kept, None when an error leaves it out."""

    def take(self, item: ChannelItem, records: Records | None) -> None: ...


@dataclass
class ItemIds:
    """Lists every item id a channel made, kept or not, in the report (JUnit reports one case per item)."""

    report: Report
    channel: str

    def take(self, item: ChannelItem, records: Records | None) -> None:
        self.report.items.setdefault(self.channel, []).append(item.id)


def open_encoder(
    channel: CompiledChannel,
    catalog: Callable[[], Iterable[Product]],
    *,
    joined: frozenset[str] = frozenset(),
    ahead: bool = False,
) -> Encoder | None:
    """The channel's encoder for one run (None: items are written as their flat values). An encoder that surveys
    the catalog first reads ``catalog()`` (a quiet read of its own, or two) before any item, or with ``ahead`` (the
    rows split) it is told each family as the stream reads it (``SurveyingEncoder.survey``); ``joined``: the columns
    supplements set on the products (``supplements.joined_columns``)."""
    encoder = channel.spec.encoder(channel.settings) if channel.spec.encoder else None
    if isinstance(encoder, SurveyingEncoder) and encoder.surveys:
        encoder.survey(catalog, channel, joined=joined, ahead=ahead)
    return encoder


def _products(source: Source, emit: Emit, encoders: Mapping[str, Encoder | None]) -> Iterator[Product]:
    """The source's products, read a family ahead when an encoder's survey is told each family
    (``feedsync.lookahead``)."""
    feeds = [
        feed
        for encoder in encoders.values()
        if isinstance(encoder, SurveyingEncoder) and (feed := encoder.family_feed()) is not None
    ]
    if not feeds:
        return source.products(emit)
    from feedsync.lookahead import families_ahead

    return families_ahead(source.products, emit, feeds)


@dataclass
class Sink:
    """One channel's side of the stream: its writer (when writing), encoder (when it has one) and observers."""

    channel: CompiledChannel
    result: ChannelResult
    writer: FeedWriter | None
    encoder: Encoder | None
    check: bool
    """Check each item against the channel's rules and leave out (reject) an item with an error."""
    encodes: bool
    """Encode the kept items (when they are written, or explained); else their records are their values."""
    observers: Sequence[ItemObserver] = ()
    formulas: FormulaTally | None = None
    """Formula-like values of a delimited feed, reported once per field (MDL014)."""
    variants: VariantTracker = field(default_factory=VariantTracker)
    missing: MissingFields = field(default_factory=MissingFields)
    """The fields the rejected items lacked (one MDL015 when most items lack the same one)."""
    checked_rejected: int = 0
    """Items the channel checks rejected (so MDL015 can tell "most items" apart)."""
    checking: CheckingEncoder | None = None
    """The encoder, when it checks the records it makes (Amazon against its definitions): found once per run."""
    written: WrittenIds | None = None
    """The ids of the kept items (MDL021), when the channel keys its items on one."""

    def __post_init__(self) -> None:
        if isinstance(self.encoder, CheckingEncoder):  # a Protocol check costs microseconds: not per item
            self.checking = self.encoder
        # What each item asks of the channel, looked up once
        spec = self.channel.spec
        self._check_item, self._name, self._group = spec.check_item, self.channel.name, spec.variant_group
        channel = self.channel
        self.written = written_ids(spec.written_id, spec.written_parent, channel.written_ids, channel.written_parents)

    def take(self, item: ChannelItem, keeps: Callable[[Diagnostic], bool], report: Emit) -> Records | None:
        """The per-item step of every command (and of ``explain``): check ``item`` (when the sink checks; an error
        leaves it out, counted rejected) and encode it. Its records, or None when it is left out."""
        if self.check:
            findings, broken = self._findings(item, keeps)
            written = self.written
            kept = not broken and not (findings and _has_error(findings))
            if kept and written is not None and (clash := written.item_clash(item.values)) is not None:
                attribute, value = clash  # an id an earlier kept item was written with (MDL021)
                where = locate(item.product.source, item.origins.get(attribute))
                twin = written.finding(attribute, value, self._name, item.id, where)
                if keeps(twin):
                    findings.append(twin)
                    kept = False
                written = None
            if findings or broken:  # most items have none
                for finding in findings:
                    report(finding)
                if not kept:
                    self.result.rejected += 1
                    self.checked_rejected += 1
                    self.missing.add(item.product, findings)
                    return None
            if kept and written is not None:
                written.keep()  # (an item without a text id: nothing was asked)
        if self.formulas is not None:
            self.formulas.add(item.id, item.values, item.product.source, item.origins)
        return self.encoder.encode(item) if self.encoder is not None and self.encodes else [item.values]

    def _findings(self, item: ChannelItem, keeps: Callable[[Diagnostic], bool]) -> tuple[list[Diagnostic], bool]:
        """The item's findings the filter keeps, and whether the channel's rules found an error an encoder cannot
        encode the item with (the item is left out even where the filter drops the error: a run that ignores AMZ001
        still has no product type to list the item under)."""
        name = self._name
        found = self._check_item(item, name)
        findings = [d for d in found if keeps(d)] if found else []
        broken = self.encoder is not None and bool(found) and _has_error(found)
        if broken:
            return findings, True
        checking = self.checking
        if checking is not None and not (findings and _has_error(findings)):
            found = checking.check(item, name)
            if found:
                findings += [d for d in found if keeps(d)]
        group = self._group
        if group is None:
            return findings, False
        values = item.values
        group_id = values.get(group.group)
        if not isinstance(group_id, str):  # an item of no group has no duplicate variant (no key to make)
            return findings, False
        # Variants told apart only by an option no variant field names (MDL016) carry it in their title.
        key = item_variant_key(values, group.attributes, item.product.variant_options)
        earlier = self.variants.duplicate_of(group_id, key, item.id)
        if earlier is not None:
            duplicate = duplicate_item(group, group_id, earlier, name, item.id, locate(item.product.source, None))
            if keeps(duplicate):
                findings.append(duplicate)
        return findings, False


def duplicate_item(
    group: VariantGroup, group_id: str, earlier: str, channel: str, item_id: str, location: Location | None
) -> Diagnostic:
    """The finding of a channel's item alike in its variant ``group`` (``group_id``) to the ``earlier`` one."""
    return make(
        group.code,
        f"same {', '.join(group.attributes)} as {earlier!r} in {group.group} {group_id!r}",
        channel=channel,
        product_id=item_id,
        field=group.group,
        location=location,
    )


def shared_sku(sku: str, product_id: str | None, location: Location | None) -> Diagnostic:
    """The finding of a product whose SKU an earlier product has (MDL012)."""
    return make(
        "MDL012",
        f"SKU {sku!r} is shared with an earlier product",
        product_id=product_id,
        field="sku",
        value=sku,
        location=location,
    )


def duplicate_variant(group_id: str, earlier: str, product_id: str, location: Location | None) -> Diagnostic:
    """The finding of a product whose variant attributes are those of the ``earlier`` one in its group (MDL013)."""
    return make(
        "MDL013",
        f"variant of {group_id!r} has the same variant attributes as {earlier!r}",
        product_id=product_id,
        field="group_id",
        location=location,
    )


def item_variant_key(
    values: Mapping[str, Any], attributes: Sequence[str], options: Mapping[str, str]
) -> tuple[Any, ...]:
    """What tells an item apart from the other variants of its group: its variant attributes (as text, "" when
    absent), then the options no variant field names, sorted."""
    key = tuple(map(str, map(values.get, attributes, _BLANKS)))
    return key + tuple(sorted(options.items())) if options else key


def product_variant_key(product: Product) -> tuple[Any, ...]:
    """What tells a product apart from the other variants of its group (``_VARIANT_FIELDS``, then its options)."""
    color, size, material, pattern, gender, age_group = _variant_fields(product)
    key = (
        str(color or ""),
        str(size or ""),
        str(material or ""),
        str(pattern or ""),
        str(gender or ""),
        str(age_group or ""),
    )
    options = product.variant_options
    return key + tuple(sorted(options.items())) if options else key


def _has_error(findings: list[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in findings)


@dataclass
class Stream:
    report: Report
    findings: DiagnosticFilter
    progress: Progress | None = None
    seen: IdSet = field(default_factory=IdSet)
    groups: IdSet = field(default_factory=IdSet)
    skus: IdSet = field(default_factory=IdSet)
    variants: VariantTracker = field(default_factory=VariantTracker)
    rejected: int = 0
    """Variants left out before the channels (duplicate ids, failed joins): rejected in every channel."""
    rows: RowHook | None = None
    """A row cache (``feedsync.rowcache``): told each product after the channels made their items of it."""
    firsts: FirstSkus | None = None
    """A later share's of a row split (``rows.firsts``): the SKUs it reads first, noted for the merge."""
    presumed: frozenset[str] = frozenset()
    """A later share's of a row split (``columnar.ahead``): the ids of its rows that the records before it hold too,
    read before its rows. A product of one is left out as a duplicate (MDL008), as one process leaves it out once
    the earlier record's product took the id; ``assumed`` notes it, and the row split checks that an earlier share's
    product took it (``rows.share.crossing``: else the share is made again from the state before it)."""
    assumed: set[str] = field(default_factory=set)
    durable: bool = True
    """The feeds are synced to disk before they are renamed into place; a row split's later shares write scratch
    documents that the stitch reads and removes, never a feed: not synced."""
    attributes_joined: frozenset[str] = frozenset()
    """The attribute names the one-to-one supplements may add to a product (their columns, casefolded)."""
    lines: Render | None = None
    """How the report's lines are rendered, when it is printed as lines: a row split's shares render theirs as
    they spill them (``Findings.render``), on every core, rather than the merged run after them."""

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
        encoders: Mapping[str, Encoder | None],
        observers: Mapping[str, Sequence[ItemObserver]],
    ) -> None:
        """Stream every product through every channel. With ``check`` (validate, build --validate, push) each
        item is checked against its channel's rules and an item with an error is left out and counted rejected,
        so every command that checks reports the same counts."""
        with ExitStack() as stack:
            # Further documents of split feeds close (and are renamed into place) only after every writer finished.
            parts = stack.enter_context(ExitStack())
            foreign = feed_attributes_possible(source)  # (a feed's own columns: a header learnt at the end)
            sinks = [
                self._sink(stack, parts, c, out, encoders.get(c.name), check, observers.get(c.name, ()), foreign)
                for c in compiled
            ]
            if self.rows is not None:
                self.rows.begin(self, sinks)
            keeps, add, fan_out = self.findings.keeps, self.report.add, self._fan_out  # bound once, not per item
            for product in _products(source, self.emit, encoders):
                self._tell(sinks)
                joined = self._admit(product, supplements, currency)
                if joined is not None:
                    admitted, extras = joined
                    for sink in sinks:
                        fan_out(sink, admitted, extras, keeps, add)
                if self.rows is not None:
                    self.rows.done(product, joined)
        self._close(source, sinks)

    def _tell(self, sinks: list[Sink]) -> None:
        self.report.variants += 1
        if self.progress is not None and not self.report.variants % 500:
            counts = {f"{sink.channel.name} items": sink.result.items for sink in sinks}
            self.progress({"rows read": self.report.variants, **counts})

    def _admit(
        self, product: Product, supplements: list[Supplement], currency: str | None
    ) -> tuple[Product, dict[str, Any]] | None:
        """The product (joined with the supplements) and its extras, or None when it is left out before the
        channels (a duplicate id, a failed join)."""
        product_id, group_id = product.id, product.group_id
        key = id_key(product_id)  # (ids apart only by runs of whitespace are one to Google)
        if group_id:
            added = self._new_id(product_id, None, key)
            self.groups.add(group_id)
        else:  # the product is its own group: its id hashed once for both sets
            hashed = digest(product_id)
            added = self._new_id(product_id, hashed if key is product_id else None, key)
            self.groups.add(product_id, hashed)
        if not added:
            same = "" if key == product_id else f" (as {key!r}: a run of whitespace is one space to Google)"
            self.emit(
                make(
                    "MDL008",
                    f"id {product_id!r} appears more than once{same}; this one is left out",
                    product_id=product_id,
                    field="id",
                    location=locate(product.source, "id"),
                )
            )
            self.rejected += 1
            return None
        ignore = product.attributes.get(IGNORE_COLUMN)
        if ignore:
            self.findings.items[product.id] = Selection.parse(ignore=[ignore])
        self._check_product(product)
        if not supplements:
            return product, {}
        joined, extras = join(product, supplements, currency, self.emit)
        if joined is None:
            self.rejected += 1
            return None
        return joined, extras

    def _new_id(self, product_id: str, hashed: bytes | None, key: str) -> bool:
        """Whether ``product_id`` is not an earlier product's (its ``key``, ``ids.id_key``, added to the ids seen;
        ``hashed``: the key's digest, when the caller has it). One of ``presumed`` is an earlier share's: not
        added."""
        if self.presumed and product_id in self.presumed:
            self.assumed.add(product_id)
            return False
        return self.seen.add(key, hashed)

    def _fan_out(
        self, sink: Sink, product: Product, extras: dict[str, Any], keeps: Callable[[Diagnostic], bool], add: Emit
    ) -> None:
        """``product`` through one channel: its items checked and encoded (``sink.take``; ``keeps`` and ``add`` are
        the findings filter's and the report's), written, counted and told to the observers."""
        diagnostics = self.report.diagnostics
        before = diagnostics.errors
        items = sink.channel.apply(product, self.emit, extras)
        result = sink.result
        if not items:
            if diagnostics.errors > before:
                result.rejected += 1
            else:
                result.excluded += 1
            return
        writer, observers, take = sink.writer, sink.observers, sink.take
        write = writer.write if writer is not None else None
        for item in items:
            records = take(item, keeps, add)
            if records is not None:
                if write is not None:
                    for record in records:
                        write(record)
                result.items += 1
            for observer in observers:
                observer.take(item, records)

    def _close(self, source: Source, sinks: list[Sink]) -> None:
        report = self.report
        stats = source.stats
        reader: Any = source
        while hasattr(reader, "source"):  # (the reader within ``NonEmpty``)
            reader = reader.source
        for diagnostic in unmet_options(getattr(reader, "config", None), stats):
            self.emit(diagnostic)
        learnt = stats.attributes_met is None  # (a header that tells every attribute, or the products read)
        met = stats.attributes_seen if learnt else stats.attributes_met
        if met is not None:
            mapped = getattr(getattr(reader, "config", None), "options", None)
            for sink in sinks:
                options = options_as_fields(sink.channel.attribute_reads, stats.options_met, mapped)
                found = unmet_attributes(
                    sink.channel, met, self.attributes_joined, stats.columns, learnt=learnt, options=options
                )
                for diagnostic in found:
                    self.emit(diagnostic)
        report.variants += stats.left_out + stats.excluded
        report.products = len(self.groups)
        for sink in sinks:
            checked = sink.result.items + sink.checked_rejected
            mapped = maps_columns(stats.format)
            for diagnostic in sink.missing.findings(sink.channel.name, sink.result, checked, columns=mapped):
                self.emit(diagnostic)
            sink.result.rejected += self.rejected + stats.left_out
            sink.result.excluded += stats.excluded
        for sink in sinks:
            for diagnostic in sink.formulas.findings(sink.channel.name) if sink.formulas is not None else ():
                self.emit(diagnostic)
            for diagnostic in sink.channel.tally.findings(sink.channel.name):
                self.emit(diagnostic)

    def _sink(
        self,
        stack: ExitStack,
        parts: ExitStack,
        channel: CompiledChannel,
        out: Path | None,
        encoder: Encoder | None,
        check: bool,
        observers: Sequence[ItemObserver],
        foreign: bool = True,
    ) -> Sink:
        """The channel's sink; its feed written to ``out`` (``foreign``: the products may carry attributes of a
        feed they were read from, which a delimited feed writes as columns after its own, its header written last;
        else its header is written first and a row as it comes)."""
        result = self.report.channels[channel.name]
        writer = None
        options = {**channel.format.options, **channel.settings}
        if not foreign:
            options["extra_columns"] = False
        if out is not None:
            result.output = out / channel.filename
            writer = stack.enter_context(
                open_writer(
                    channel.format.writer,
                    stack.enter_context(atomic_write(result.output, durable=self.durable, direct=True)),
                    columns=channel.columns,
                    meta={**channel.feed, **(encoder.meta if encoder else {})},
                    options=options,
                    open_part=_part_opener(parts, out, channel, result, durable=self.durable),
                )
            )
        # An encoder cannot encode an item that breaks its channel's rules: those are always checked and left out.
        return Sink(
            channel,
            result,
            writer,
            encoder,
            check or encoder is not None,
            encodes=writer is not None,
            observers=observers,
            formulas=FormulaTally() if channel.format.writer == "delimited" else None,
        )

    def _check_product(self, product: Product) -> None:
        sku = product.attributes.get("sku")
        if sku and not (self.skus.add(sku) if self.firsts is None else self._first_sku(sku, product)):
            self.emit(shared_sku(sku, product.id, locate(product.source, None)))
        group_id = product.group_id
        if group_id is None:  # a product of no group has no duplicate variant (no key to make)
            return
        earlier = self.variants.duplicate_of(group_id, product_variant_key(product), product.id)
        if earlier is not None:
            self.emit(duplicate_variant(group_id, earlier, product.id, locate(product.source, "group_id")))

    def _first_sku(self, sku: str, product: Product) -> bool:
        """Whether no product before had ``sku`` (it is added), in a later share of a row split: where none had,
        noted (``firsts``)."""
        firsts = self.firsts
        assert firsts is not None
        hashed = digest(sku)
        vacancy = self.skus.vacancy(sku, hashed)
        if vacancy is None:
            return False
        self.skus.fill(sku, vacancy)
        ref = product.source
        path, row = (ref.path, ref.row) if ref is not None else (None, None)
        firsts.note(hashed, len(self.report.diagnostics), sku, product.id, path, row)
        return True


def _part_opener(
    parts: ExitStack, out: Path, channel: CompiledChannel, result: ChannelResult, *, durable: bool = True
) -> OpenPart:
    """Further documents of a channel whose feed is split (``amazon.2.json``, ...), written atomically too (synced
    when ``durable``, as the feed's first document is)."""

    def open_part(number: int) -> BinaryIO:
        path = part_path(out, channel, number)
        result.parts.append(path)
        return parts.enter_context(atomic_write(path, durable=durable, direct=True))

    return open_part
