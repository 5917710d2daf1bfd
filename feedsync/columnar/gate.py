"""The columnar engine in the stream: a ``RowGate`` of the native CSV reader and a ``RowHook`` of the stream that
hands each row the columnar stages made whole to the run's state and writers, and every other row to the per-row
engine, in the rows' order.

A thread reads the catalog in pieces of whole records (:mod:`.read`) and makes, ``Gate.workers`` pieces at a time, each
piece's batch: for each row its items' bytes in every channel and whether they stand in for the per-row engine's
(:mod:`.source`, :mod:`.channel`: every stage exact, the quick pass clear, nothing the row would tell the run of).
The gate knows which piece the reader is in by the lines it is offered (``line``: every line after the header). A
record of one line that Polars writes back as the file has it (quoted only where a cell needs it: the csv reader
reads such a line into the same cells) is taken before the reader reads it; another is found by its cells once the
reader read them (``skip``). Either way, when the row is whole and nothing of the run's earlier rows changes what it
makes (its id not seen, no earlier variant of its group alike in the catalog or in a channel), the gate does what
the per-row engine would have done with it (its id, group and variant recorded, its items written, counted and
told to the id lists) and the reader goes on. Every other row is read into a product and made per row, with its
findings where they fall; what was replayed before it is written first. So the feeds, findings and counts are those
of the per-row engine; tests/columnar/test_gate.py holds the two byte-identical over random and hostile catalogs.

An Amazon channel's items are its listings (:mod:`.listings`): a taken row's messages are handed to the JSON
writer, which numbers them, and the run's encoder is told what its own making of the row would have recorded (the
family's parent written, the facts it took); its AMZ015 findings are told where the row is taken. A row the Amazon
channel's checks reject for the required facts it lacks alone is taken too, with its findings.

Where a channel's item is made alike but its quick pass does not clear it (or, of an Amazon item, its rules surely
find an error in it), the gate checks its values with the channel's own rules as the sink would (``_found``): their
findings told in their order, an error leaving the item out, and Google's variant group's duplicates (GMC012) after
them. A row alike to an earlier variant of its family has its MDL013 told, and an id fitted to a channel's limits
its MDL017, as the stream and the channel tell them.

A Shopify export (UTF-8 with commas) is read so too, its pieces of whole products (``EXPORT_CHUNK``) made into its
variants' columns (:mod:`.shopify`), then into the channels' items as a native catalog's: its reader, having read a
product's rows, offers the gate the product (``take``), and the gate makes those of its variants it made whole (its
records' cells as the reader read them compared with the columns'); the reader makes the rest.

A run is columnar only where it can be whole: a native CSV catalog of UTF-8 with commas (or a Shopify export), of at
least ``MIN_BYTES`` (an export's a quarter of it), whose columns feed one model field each (the others are the rows'
``attributes``), no supplements, channels the columnar stages translate (RSS and delimited writers without an encoder,
rules and a quick pass: Google and Meta; Amazon's JSON listings), each item told to no one but the id lists, in one
process or in each share of a row split (``rows.share``: each share's gate reads the share's records alone,
``ByteRange``; an Amazon channel that would survey the share a family ahead is told each batch's families by the gate
before the batch is made, a batch ending where a family does: :meth:`Gate.survey`), in a process that did not inherit
Polars from the one it was forked from (its threads are not there: ``columnar.INHERITED``). ``open_gate`` says why not
in a ``columnar`` event, and a run fewer than ``WORTH`` of whose first ``JUDGE`` rows are whole is made per row from
there.
"""

from __future__ import annotations

import contextlib
import io
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import accumulate, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from feedsync import columnar
from feedsync.channels.base import ChannelItem, Screened
from feedsync.checks import gtin_problem
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.diagnostic import Severity, located
from feedsync.events import event
from feedsync.idset import digest
from feedsync.sources.base import field_columns, field_for, quiet_read
from feedsync.sources.tabular import READ_RANGE, ByteRange, TakenLines, lone_crs
from feedsync.stream import duplicate_item, duplicate_variant, shared_sku

if TYPE_CHECKING:
    from feedsync.channels.base import Note
    from feedsync.channels.compiled import CompiledChannel
    from feedsync.channels.written import WrittenIds
    from feedsync.columnar.channel import Items
    from feedsync.columnar.listings import Listings, Replay, Rows
    from feedsync.config import Config
    from feedsync.diagnostics import Diagnostic
    from feedsync.model.product import Product
    from feedsync.sources import Source
    from feedsync.sources.native import DelimitedSource
    from feedsync.stream import Sink, Stream

MIN_BYTES = 4 << 20
"""A catalog smaller than this is made per row (the columnar engine costs about 0.3 s to start)."""
SHARE_MIN_BYTES = 32 << 20
"""A share of a row split smaller than this is made per row: the shares' processes keep the cores busy already, and
the gate's cost (its start, a batch's columns in memory) pays off only over more rows (the benchmark's catalog,
2 cores: shares of 17 MB 9 % quicker with the gate at six times the memory, of 58 MB 18 % quicker)."""
CHUNK = 4 << 20
"""Bytes of the catalog a batch holds, about."""
EXPORT_CHUNK = 1 << 20
"""Bytes of a Shopify export a batch holds, about: a variant's row there is about a quarter of a native catalog's
(its product's texts are on its first row alone; the benchmark's catalog: 308 bytes a variant against 1,156), and a
batch's memory goes with its variants."""
_AHEAD = 2
"""Batches made ahead of the reader."""
WORKERS = 2
"""Batches made at once."""
SHARE_WORKERS = 1
"""Batches made at once, and ahead of the reader, in a share of a row split: its processes keep the cores busy, and
a batch more would only hold memory (each holds a few hundred megabytes of columns while it is made)."""
WRITTEN = 1024
"""Rows replayed whose items' bytes are written at once (and let go: a batch's bytes are held while it is replayed,
but only until written; the benchmark's 100,000 variants: 725 MB in all against 770 MB)."""
JUDGE = 2000
"""When fewer than ``WORTH`` of the first this many rows are whole, the run is made per row from there (the columns
of a catalog whose rows need the per-row engine only cost time and memory)."""
WORTH = 0.25
"""The share of the first ``JUDGE`` rows that must be whole for the gate to stay on: a row made per row costs about
seven times a row taken (about 400 against 60 µs of CPU on a catalog of real stores' rows), so the columns pay off
from about a sixth of the rows taken; a quarter leaves room for the rows the replay leaves to the per-row engine."""
_KEY = ("color", "size", "material", "pattern", "gender", "age_group")
"""``stream.product_variant_key``'s fields."""


def open_gate(config: Config, compiled: list[CompiledChannel], source: Source, *, writes: bool = True) -> Gate | None:
    """The gate of a build or validate of ``source`` (``writes``: its feeds are written), or None when the run is
    made per row (an event says why)."""
    why = _refused(config, compiled, source)
    options = None
    if why is None:
        from feedsync.columnar.channel import items
        from feedsync.columnar.fields import NotColumnar
        from feedsync.columnar.listings import listings
        from feedsync.rows.cuts import read_header  # the header as the reader reads it (``readable`` took it)

        found = read_header(config.source.path, ",")
        header = found.names if found is not None else []
        export = _shopify(header) if _exported(source) else None
        if export is not None:  # a Shopify export's variants: their attributes' columns
            from feedsync.columnar.shopify import attribute_columns

            own = attribute_columns(export)
        else:
            targets = _targets(header, config)
            own = {name: column for name, column in zip(header, targets, strict=True) if column.startswith("__")}
        if export is None and len(own) != sum(column.startswith("__") for column in targets):
            why = "two columns the model does not name have one name"
        elif _exported(source) and export is None:
            why = "the export has no handle column"
        elif export is not None and _duplicated(header):
            why = "two columns feed one field"  # (the reader reads the first non-empty of them: SRC002)
        else:
            currency = (config.source.currency or "").upper()
            tracked = export is not None  # (an export's variants say whether their stock is tracked)
            # an export's variant options as columns, where no channel's encoder (Amazon's families) reads them;
            # where a template reads them otherwise than the compiler translates, a variant with one is per row
            shown = len(export.options) if export is not None and not any(c.spec.encoder for c in compiled) else 0
            for count in dict.fromkeys((shown, 0)):
                try:  # the templates read the catalog's own columns as ``attributes``
                    made = [
                        listings(channel, currency, own, writes=writes, tracked=tracked)
                        if channel.spec.encoder is not None
                        else items(channel, currency, own, tracked=tracked, options=count)
                        for channel in compiled
                    ]
                except NotColumnar as exc:
                    why = f"not translated: {exc}"
                except Exception as exc:  # a template the compiler did not foresee: the per-row engine is the reference
                    why = f"not compiled: {type(exc).__name__}: {exc}"
                else:
                    why = None
                    options = _options(compiled, made, count) if export is not None else None
                    break
    if why is not None:
        event("columnar", columnar=False, why=why)
        return None
    inner: DelimitedSource = getattr(source, "source", source)
    share = READ_RANGE.get()
    gate = Gate(
        config, compiled, made, inner, header=header, share=share, workers=WORKERS if share is None else SHARE_WORKERS,
        export=export, options=options,
    )  # fmt: skip
    inner.gate = gate
    return gate


def _options(compiled: list[CompiledChannel], made: list[Items | Listings], count: int) -> Any:
    """How the gate takes an export's options of no variant field (``shopify.Options``): their attributes named
    neither as the channels' templates ask of one by name nor as the stream reads one, nor as a channel's overrides
    begin; their variant options columns where ``count``."""
    from feedsync.columnar.shopify import Options
    from feedsync.stream import IGNORE_COLUMN

    asked = {name for m in made for name in m.compiler.unasked if type(name) is str}  # (no other is an option's)
    prefixes = tuple(c.overrides_prefix for c in compiled if c.overrides_prefix)
    return Options(bool(count), frozenset({*asked, IGNORE_COLUMN}), prefixes)


def _targets(header: list[str], config: Config) -> list[str]:
    """Each column's model field, or ``__attributeN`` for a column the model does not name (the N-th)."""
    targets = [field_for(name, config.source.columns) for name in header]
    return [target if target is not None else f"__attribute{index}" for index, target in enumerate(targets)]


def _fields(targets: list[str]) -> list[str | None]:
    """``_targets`` as the reader has them: None for a column the model does not name."""
    return [None if target.startswith("__") else target for target in targets]


def _exported(source: Source) -> bool:
    """Whether ``source`` reads a Shopify product export (its variants made a column at a time: ``.shopify``)."""
    from feedsync.sources.shopify import ShopifySource

    return type(getattr(source, "source", source)) is ShopifySource


def _shopify(header: list[str]) -> Any:
    """The columns of a Shopify export of ``header`` (``shopify.Layout``), None where it has no handle column."""
    from feedsync.sources.shopify import layout
    from feedsync.sources.tabular import header_key

    found = layout([header_key(name) for name in header])
    return found if found.idx["handle"] is not None else None


def _duplicated(header: list[str]) -> bool:
    from feedsync.sources.shopify import duplicated
    from feedsync.sources.tabular import header_key

    return bool(duplicated([header_key(name) for name in header]))


def _refused(config: Config, compiled: list[CompiledChannel], source: Source) -> str | None:
    from feedsync.sources.native import DelimitedSource

    inner = getattr(source, "source", source)
    native = type(inner) is DelimitedSource and inner._delimiter in (None, ",")
    if not native and not _exported(source):
        return "the source is not a native CSV file or a Shopify export"
    if columnar.INHERITED:
        return "the process was forked from one that had started Polars (its threads are not this one's)"
    if config.supplements:
        return "supplements join the products"
    if not compiled:
        return "no channel"
    share = READ_RANGE.get()  # a row split's share: the records this process reads
    try:
        size = share.end - share.start if share is not None else config.source.path.stat().st_size
    except OSError:
        return "the source cannot be read"
    least = MIN_BYTES if share is None else SHARE_MIN_BYTES
    if _exported(source):  # the same variants in a quarter of the bytes (``EXPORT_CHUNK``)
        least //= CHUNK // EXPORT_CHUNK
    if size < least:
        return f"the {'share of the ' if share is not None else ''}source is smaller than {least >> 20} MB"
    if config.source.encoding and config.source.encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return f"the source is read as {config.source.encoding}"
    from feedsync.columnar.read import readable
    from feedsync.columnar.screens import SCREENS

    for channel in compiled:  # what ``channel.items`` and ``listings`` refuse too, asked before Polars is imported
        amazon = channel.spec.name == "amazon" and channel.format.writer == "json_listings"
        if not amazon and (channel.spec.encoder is not None or channel.format.writer not in ("rss", "delimited")):
            return f"the {channel.name} channel is not translated"
        if channel.spec.name not in SCREENS:
            return f"the {channel.name} channel's checks are not translated"

    if not readable(config.source.path):
        return "the source's header is not one the columnar reader reads alike"
    return None


@dataclass(slots=True)
class _Batch:
    """A piece of the catalog as the gate reads it: where its lines are among the file's, and per row (a list per
    column; null where a row is not whole) what the replay needs."""

    first: int
    """The file's line after the header its first line is (0: the first after the header)."""
    count: int
    """Its lines, as the reader splits them (at a LF, CRLF or lone CR)."""
    texts: list[str | None] | None
    """Where the piece's lines are its records' (``_records``): each row's first line, with its end, where the
    row's lines are the ones Polars writes of its cells (the csv reader reads such lines into those cells): the gate
    takes the row before the reader reads it (``line``). None: blank lines, a CR no line feed follows."""
    cells: dict[str, int]
    """The rows without a line of ``texts``, by their cells joined: the gate finds them once the reader read them."""
    whole: list[bool]
    ids: list[str | None]
    groups: list[str | None]
    skus: list[str | None]
    keys: list[tuple[str, ...]]
    lines: list[list[bytes | None]]
    """Per channel."""
    item_groups: list[list[str | None]]
    """Per channel with a variant group (``_Out.grouped``)."""
    item_keys: list[list[tuple[str, ...]]]
    listed: list[Rows | None]
    """Per channel: its listings (an Amazon channel's; else None)."""
    fitted: list[list[tuple[str, list[str | None]]]]
    """Per channel: per id of its limits some row's did not fit, the value it was made of where it did not, else
    None (``Items.fitted``: its MDL017 findings)."""
    noted: list[list[tuple[Callable[[str], Note], list[str | None]]]]
    """Per channel: per note its ``prepare_item`` makes of some row, what it is made of where the row has it, else
    None (``Listings.noted``: its tally's findings)."""
    alone: list[list[str | None] | None]
    """Per channel (None: no row's): what the channel's rules find alone in the row's item (``Items.alone``: its
    GTIN, or the findings themselves), else None."""
    checked: list[list[dict[str, Any] | None]]
    """Per channel: the row's item's values where the channel's rules check it (``Items.checked``,
    ``Listings.checked``), else None."""
    taken: bytearray
    """Per row: the gate took it (its family's later rows compare with the first one's)."""
    more: dict[int, list[str]] = field(default_factory=dict)
    """The further lines of each row of ``texts`` over several lines (a cell holds a line feed)."""
    rows_at: list[int] | None = None
    """Per line of the piece, the row it begins (-1: a further line of one), where a row is over several lines
    (None: each line is a row)."""
    first_row: int = 0
    """Of a Shopify export's piece: the row its first record is (the header is row 1)."""
    records: list[str] | None = None
    """Of a Shopify export's piece: each record's cells joined (the reader's cells are compared with them)."""
    products: list[int | None] | None = None
    """Of a Shopify export's piece: per record, its product's number among the piece's (None: no handle before it)."""
    variant_at: dict[int, int] | None = None
    """Of a Shopify export's piece: the row (of the batch) of each variant record, by the record's index."""
    written: list[tuple[list[str | None], list[str | None] | None] | None] = field(default_factory=list)
    """Per channel (None: it keys its items on no id): per row, the id the channel keys the row's item on and the
    parent id it writes with it (MDL021)."""


def _unread(first: int, count: int) -> _Batch:
    """A piece the columnar side does not read: every row of its lines is made per row."""
    return _Batch(first, count, None, {}, [], [], [], [], [], [], [], [], [], [], [], [], [], bytearray())


class _Ref(NamedTuple):
    """Where a taken row was read, as a reader's ``SourceRef`` tells it to ``diagnostics.locate``."""

    path: str
    row: int
    columns: dict[str, tuple[str, int | None]]


class _Read(NamedTuple):
    """What a channel's rules read of a taken row's product (``channels.base.Findings``: where it was read); a
    ``Product`` costs tens of microseconds to make, even unvalidated."""

    source: _Ref


@dataclass(slots=True)
class _Told:
    """What a channel's rules found in a taken row's item (``Gate._checks``)."""

    findings: list[Diagnostic]
    """Those the run's filter keeps, told in their order."""
    rejected: bool
    """One of them is an error: the item is left out."""


@dataclass(slots=True)
class _Out:
    """What a replayed row does in one channel."""

    sink: Sink
    write: Any
    """What writes the items' bytes (``pending``) at once (None: the feed is not written)."""
    lists: list[str]
    """The channels whose ids the report lists (``ItemIds``)."""
    grouped: int
    """This channel's index among ``_Batch.item_groups`` (-1: no variant group checked)."""
    pending: list[bytes] = field(default_factory=list)
    """The bytes of the items replayed since the last row made per row or the last batch: written at once."""
    replay: Replay | None = None
    """An Amazon channel's (its items are listings)."""
    listed: list[list[str]] | None = None
    """The report's lists of ``lists`` (``Report.items``), asked for once the first item is listed (as ``ItemIds``
    asks for its list), then appended to."""
    written: WrittenIds | None = None
    """The ids of the channel's kept items, where its sink checks them (``Sink.written``: MDL021)."""


@dataclass
class Gate:
    config: Config
    compiled: list[CompiledChannel]
    made: list[Items | Listings]
    source: DelimitedSource
    header: list[str] = field(default_factory=list)
    """The header the channels were compiled for (the catalog's own columns by name)."""
    share: ByteRange | None = None
    """The share of the file this process makes, when the run is split by rows (its records alone are read)."""
    stream: Stream | None = None
    outs: list[_Out] = field(default_factory=list)
    on: bool = True
    replayed: int = 0
    batch: _Batch | None = None
    workers: int = WORKERS
    """Batches made at once (and at most as many ahead of the reader)."""
    _queue: queue.Queue[Any] = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _targets: list[str] = field(default_factory=list)
    _told: list[str] = field(default_factory=list)
    """The columns of the catalog's own that tell the run something of a row where they are not empty (the findings
    to ignore, a channel's overrides): such a row is made per row."""
    _sku: str | None = None
    """The column of the catalog's own named ``sku`` (two products with one are told of, MDL012)."""
    _screens: tuple[str, Any, Callable[[str], Any]] = ("", None, lambda text: None)
    """``columnar.screens``' FOUND, GTIN_CODES and findings_of (Polars' module: imported once the run is columnar)."""
    _line: int = 0
    """The lines the reader was offered (after the header's)."""
    _start: _Batch | None = None
    """The batch the record being read starts in."""
    _judged: int = 0
    """Rows of the batches taken so far, until ``JUDGE``; ``_whole`` of them whole."""
    _whole: int = 0
    _read: int = 0
    """The row ``line`` found and left to the reader (made per row)."""
    _unwritten: int = 0
    """Rows replayed since their items' bytes were last written (``_flush``)."""
    _clean: bool = False
    """The reader found the whole file (or share) clean (``normalize.utf8_clean``): so is every piece of it."""
    _path: str = ""
    _columns: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """The source's path and its model fields' columns, as the reader's ``SourceRef`` holds them (findings' places)."""
    surveys: list[Any] = field(default_factory=list)
    """The share's family surveys the gate tells its rows, a batch at a time before its columns are made
    (``FamilySurvey.told``: an Amazon channel's with definitions, in a row split; :meth:`survey`)."""
    _unsurveyed: tuple[int, int, int] | None = None
    """Where the rows not yet told to ``surveys`` begin: the byte, its row number and the lines before it (None: all
    told, or no survey)."""
    _unsurveyable: Exception | None = None
    """``Unsurveyed``, raised where the batches are made (a survey told a family again): the reader raises it as
    soon as it meets it or the gate goes off, whichever is first (the surveys are told no more)."""
    options: Any = None
    """How a Shopify export's options of no variant field are taken (``shopify.Options``)."""
    export: Any = None
    """A Shopify export's columns (``shopify.Layout``), where the source is one: the batches' rows are its variants,
    which its reader asks the gate to take a product at a time (``take``); None: a native catalog's rows."""

    def __post_init__(self) -> None:
        self._queue = queue.Queue(min(_AHEAD, self.workers))

    def survey(self, survey: Any) -> None:
        """Tell ``survey`` (``SurveyingEncoder.survey_batches``) the share's rows: each batch's families, whole in it
        (a batch ends where a family does), before the batch's columns are made; the rest of the share per row
        where the columns do not read a batch as the per-row reader does, or once the gate is off."""
        share = self.share
        assert share is not None and self.workers == 1  # the batches are made one after another, in order
        self.surveys.append(survey)
        self._unsurveyed = (share.start, share.first_row, share.lines_before)

    def families(self) -> Iterator[Any]:
        """The catalog's variants as a family survey reads them, a column at a time (``columnar.survey.variants``;
        Unread: the catalog is surveyed per row)."""
        from feedsync.columnar.survey import Unread, variants

        if self.export is not None:
            raise Unread("a Shopify export is surveyed per row")
        return variants(self.config, _targets(self.header, self.config), self.header, self.share)

    # -- the stream's hook

    def begin(self, stream: Stream, sinks: list[Sink]) -> None:
        """Stand in for the sinks the gate knows: a writer that writes rendered items (or none), no encoder, only
        the id lists told; else the run is made per row."""
        from feedsync.channels.amazon.transform import AmazonEncoder
        from feedsync.columnar.listings import Listings, Replay
        from feedsync.columnar.screens import FOUND, GTIN_CODES, findings_of
        from feedsync.formats import DelimitedWriter, RssWriter
        from feedsync.formats.json_listings import JsonListingsWriter
        from feedsync.stream import ItemIds

        self.stream = stream
        self._screens = (FOUND, GTIN_CODES, findings_of)  # (read by ``_checks``, a row at a time)
        grouped = 0
        for sink, made in zip(sinks, self.made, strict=True):
            writer = sink.writer
            lists = [o.channel for o in sink.observers if isinstance(o, ItemIds)]
            if not all(type(o) is ItemIds for o in sink.observers):
                self._off("a channel's observers are not translated")
                return
            if isinstance(made, Listings):
                encoder = sink.encoder
                surveyed = isinstance(encoder, AmazonEncoder) and (encoder._survey is not None) == encoder.surveys
                written = writer is not None
                if not surveyed or written != made.writes or not (writer is None or type(writer) is JsonListingsWriter):
                    self._off("an Amazon channel's encoder or writer is not translated")
                    return
                assert isinstance(encoder, AmazonEncoder)
                if encoder._survey is not None:
                    made.survey.append(encoder._survey.answer)
                keeps = stream.findings.keeps_of
                told = stream.report.diagnostics.extend_fields
                replay = Replay(encoder, sink.channel.name, made.defined, writer is not None, keeps, told,
                                sink.channel.origins)  # fmt: skip
                write = writer.write_encoded if writer is not None else None  # type: ignore[union-attr]
                self.outs.append(_Out(sink, write, lists, -1, replay=replay, written=_keyed(sink)))
                continue
            renders = writer is None or isinstance(writer, RssWriter)
            renders = renders or (isinstance(writer, DelimitedWriter) and writer.renders)
            if not renders or sink.encoder is not None:
                self._off("a channel's writer is not translated")
                return
            group = sink.check and sink.channel.spec.variant_group is not None
            write = writer.write_many if writer is not None else None  # type: ignore[union-attr]
            self.outs.append(_Out(sink, write, lists, grouped if group else -1, written=_keyed(sink)))
            grouped += group

    def done(self, product: Product, joined: tuple[Product, dict[str, Any]] | None) -> None:
        """A row made per row: nothing to keep."""

    # -- the source's gate

    def start(self, header: list[str], *, clean: bool = False) -> None:
        """The reader read ``header`` (and found the whole file or share ``clean``, when it says so)."""
        stats = self.source.stats
        if not self.on:
            return
        self._clean = clean
        if (stats.encoding or "").lower().replace("_", "-") not in ("utf-8", "utf8") or stats.delimiter != ",":
            self._off("the source is not UTF-8 with commas")
            return
        from feedsync.columnar.source import _ALL

        if header != self.header:
            self._off("the reader read another header")
            return
        if self.export is not None:
            self._start_export(header)
            return
        self._targets = _targets(header, self.config)
        named = [t for t in self._targets if not t.startswith("__")]
        if len(set(named)) != len(named) or not set(named) <= set(_ALL):
            self._off("two columns feed one field, or a column feeds a field not translated")
            return
        own = {name: column for name, column in zip(header, self._targets, strict=True) if column.startswith("__")}
        from feedsync.stream import IGNORE_COLUMN

        prefixes = tuple(c.overrides_prefix for c in self.compiled if c.overrides_prefix)
        self._told = [column for name, column in own.items() if name == IGNORE_COLUMN or name.startswith(prefixes)]
        columns = field_columns(header, _fields(self._targets))  # as the reader's ``SourceRef`` holds them
        self._path, self._columns = str(self.config.source.path), columns
        for out in self.outs:
            if out.replay is not None:
                out.replay.path, out.replay.columns = str(self.config.source.path), columns
        self._sku = own.get("sku")
        self._thread = threading.Thread(target=self._produce, name="feedsync-columnar", daemon=True)
        self._thread.start()

    def _start_export(self, header: list[str]) -> None:
        """``start`` of a Shopify export: its findings placed as its reader places them."""
        from feedsync.columnar.shopify import attribute_columns
        from feedsync.sources.shopify import FIELD_OF

        found = self.export
        columns = {FIELD_OF[n]: (header[i], i + 1) for n, i in found.idx.items() if i is not None and n in FIELD_OF}
        self._path, self._columns = str(self.config.source.path), columns
        for out in self.outs:
            if out.replay is not None:
                out.replay.path, out.replay.columns = self._path, columns
        self._sku = attribute_columns(found)["sku"]
        self._thread = threading.Thread(target=self._produce, name="feedsync-columnar", daemon=True)
        self._thread.start()

    def take(
        self,
        records: list[tuple[int, list[str]]],
        variants: list[int],
        before: Callable[[int], None] | None = None,
    ) -> int:
        """Of a Shopify export: make the variants of the product whose records its reader read (each one's row and
        cells; ``variants``: the rows of its variant records) from the batch they are in, while each is whole and
        nothing of the run's earlier rows changes what it makes; how many of them, from the first (the reader makes
        the rest). What was replayed is written before the reader makes a variant itself. ``before``: what the
        reader tells of the variant of that index as it makes it (its findings), asked before it is replayed."""
        taken = self._take(records, variants, before) if self.on else 0
        if taken < len(variants):
            self._flush()
        return taken

    def _take(
        self, records: list[tuple[int, list[str]]], variants: list[int], before: Callable[[int], None] | None
    ) -> int:
        first, last = records[0][0], records[-1][0]
        if last - first + 1 != len(records):
            return 0  # (a row the reader left out among its rows: told of)
        batch = self._batch_at(first)
        if batch is None or batch.products is None or batch.records is None or batch.variant_at is None:
            return 0
        start, end = first - batch.first_row, last - batch.first_row + 1
        products = batch.products
        if end > len(products):
            return 0
        product = products[start]
        if product is None or products[end - 1] != product:
            return 0
        if (start and products[start - 1] == product) or (end < len(products) and products[end] == product):
            return 0  # the columns made it of more records than the reader did
        joined = batch.records
        if any(joined[row - batch.first_row] != "\x1f".join(cells) for row, cells in records):
            return 0  # a record the columns read otherwise than the csv reader
        taken = 0
        replay, variant_at, whole = self._replay, batch.variant_at, batch.whole
        for row in variants:
            at = variant_at.get(row - batch.first_row)
            if at is None or not whole[at]:
                break
            if before is not None:
                before(taken)
            if not replay(batch, at, row):
                break
            taken += 1
            self._unwritten += 1
            if self._unwritten >= WRITTEN:
                self._flush()
        return taken

    def _batch_at(self, row: int) -> _Batch | None:
        """The batch of a Shopify export's record ``row``; None: the columnar side read no further."""
        batch = self.batch
        while batch is None or row >= batch.first_row + len(batch.products or ()):
            batch = self._next()
            if batch is None:
                return None
        return batch if row >= batch.first_row else None

    def line(self, text: str, row: int) -> Sequence[str]:
        """Offered each line the reader reads (``row``: the record it starts, 0 for a further line of one): make
        the record from its batch when the line is its row's ``texts`` and the row is whole, and so the records of
        the batch's lines after it while each is (``tabular.LineOffer``: the lines taken, which the reader never
        reads)."""
        number = self._line
        self._line = number + 1
        if not self.on:
            return ()
        batch = self.batch
        if batch is None or number >= batch.first + batch.count:
            batch = self._batch_of(number)
        if not row:
            return ()
        self._start = batch
        if batch is None or batch.texts is None:
            return ()
        texts, whole = batch.texts, batch.whole
        at = number - batch.first
        if batch.rows_at is not None:
            at = batch.rows_at[at]
        if at < 0 or texts[at] != text:
            return ()  # the reader reads it into cells: ``skip`` looks for it by them
        if not (whole[at] and self._replay(batch, at, row)):
            self._flush()
            self._read = row
            return ()
        end, rows = at + 1, len(texts)
        replay, unwritten = self._replay, self._unwritten + 1
        while end < rows and whole[end] and texts[end] is not None and replay(batch, end, row + end - at):
            end += 1
            unwritten += 1
            if unwritten >= WRITTEN:
                self._flush()
                unwritten = 0
        self._unwritten = unwritten
        taken: list[str] = texts[at:end]  # type: ignore[assignment]  # each one is a text
        more = batch.more
        if more:  # rows over several lines: each one's lines
            taken = [line for index in range(at, end) for line in (texts[index], *more.get(index, ()))]  # type: ignore[misc]
        self._line = number + len(taken)
        self.source.stats.rows += end - at  # as the reader counts the rows it reads
        return taken if len(taken) == end - at else TakenLines(taken, end - at)

    def skip(self, row: int, cells: list[str]) -> bool:
        """Make the row the reader read from the batch it starts in when its cells are a row there and it is whole
        (True: the reader skips it)."""
        if not self.on:
            return False
        if self._read == row:
            return False
        batch = self._start
        if batch is not None and batch.cells:
            at = batch.cells.get("\x1f".join(cells))
            if at is not None and batch.whole[at] and self._replay(batch, at, row):
                return True
        self._flush()  # the row is made per row: what was replayed before it is written first
        return False

    def _batch_of(self, number: int) -> _Batch | None:
        """The batch of the file's line ``number`` (after the header's); None: the columnar side read no further."""
        batch = self.batch
        while batch is None or number >= batch.first + batch.count:
            batch = self._next()
            if batch is None:
                return None
        return batch if number >= batch.first else None

    def end(self) -> None:
        self._flush()
        self.close()
        self._unsurveyable_raised()
        self._survey_rest(self._unsurveyed)
        event("columnar", columnar=self.on, replayed=self.replayed)

    def _survey_rest(self, at: tuple[int, int, int] | None) -> None:
        """Tell ``surveys`` the share's rows from ``at`` on (the byte, its row number, the lines before it) as the
        per-row reader reads them; then the surveys are told no more. None: nothing is left untold. (Where it fails,
        the rows stay untold: told again, a survey raises ``Unsurveyed`` rather than answer of half of them.)"""
        if at is None:
            return
        share = self.share
        assert share is not None
        start, row, lines = at
        rest = replace(share, start=start, first_row=row, lines_before=lines, read=[])
        if start < share.end:
            event("columnar", survey="per row", row=row)
        from feedsync.channels.base import Unsurveyed

        for survey in self.surveys:
            token = READ_RANGE.set(rest)  # (in the thread that reads it)
            try:
                survey.told(quiet_read(self.config.source) if start < share.end else ())
            except Unsurveyed as exc:
                if not exc.local:
                    _stop_shares()
                raise
            finally:
                READ_RANGE.reset(token)
        self._unsurveyed = None

    # -- a row replayed

    def _replay(self, batch: _Batch, at: int, row: int) -> bool:
        """Do what the per-row engine does with the row (the source's ``row``), unless the run's earlier rows change
        what it makes (then nothing is changed: False)."""
        stream = self.stream
        assert stream is not None
        item_id = batch.ids[at]
        assert item_id is not None
        hashed = digest(item_id)  # the id is asked of, then added to, two sets: hashed once
        unseen = stream.seen.vacancy(item_id, hashed)  # (searched once: filled below, nothing added meanwhile)
        if unseen is None or (stream.presumed and item_id in stream.presumed):
            return False  # a duplicate id (of this share's, or of an earlier share's record): told per row (MDL008)
        sku = batch.skus[at]
        new_sku = stream.skus.vacancy(sku) if sku is not None else None
        group = batch.groups[at]
        variants = stream.variants
        outs = self.outs
        refusals: list[Diagnostic | Any] | None = None
        keyed = batch.written
        for index, out in enumerate(outs):
            written = out.written
            if written is not None:  # the id the channel keys the item on, and the parent it writes with it
                ids = keyed[index] if keyed else None
                id_ = ids[0][at] if ids is not None else None
                if id_ is None:
                    written.forget()
                else:
                    parent = ids[1][at] if ids[1] is not None else None  # type: ignore[index]
                    if written.clash(id_, parent, hashed if id_ == item_id else None) is not None:
                        return False  # an id a kept item has: told per row (MDL021)
            replay = out.replay
            values = batch.checked[index][at]
            twin = item_group = None
            if out.grouped >= 0:  # (an Amazon channel's never is)
                item_group = batch.item_groups[out.grouped][at]
                twin = out.sink.variants.earlier(item_group, batch.item_keys[out.grouped][at])
            if values is not None or twin is not None:  # the channel's rules check the item, or its group
                alone = batch.alone[index][at] if batch.alone[index] is not None else None  # type: ignore[index]
                told = self._found(out, values, alone, twin, item_group, item_id, row)
                if told is None:
                    return False
                if told.findings or told.rejected:
                    if refusals is None:
                        refusals = [None] * len(outs)
                    refusals[index] = told
                continue
            if replay is None:
                continue
            listed: Rows = batch.listed[index]  # type: ignore[assignment]
            if listed.rejected[at] is not None:  # the channel's checks reject it for the facts it lacks
                found = replay.rejection(listed, at, item_id, row, batch.taken)
                if found is None:
                    return False  # its family's state, a finding told once, a finding the run drops
                if refusals is None:
                    refusals = [None] * len(outs)
                refusals[index] = found
            elif not replay.fits(listed, at, batch.taken):
                return False  # its family's state, a finding told once
        report = stream.report
        if stream.progress is not None and not (report.variants + 1) % 500:
            stream._tell([out.sink for out in outs])
        else:
            report.variants += 1
        stream.seen.fill(item_id, unseen)
        if group is not None:
            stream.groups.add(group)
        else:
            stream.groups.add(item_id, hashed)
        if new_sku is not None:
            stream.skus.fill(sku, new_sku)  # type: ignore[arg-type]
            if stream.firsts is not None:  # a later share's: noted for the merge, as the stream notes it
                stream.firsts.note(new_sku[1], len(report.diagnostics), sku, item_id, self._path, row)  # type: ignore[arg-type]
        elif sku is not None:  # a SKU an earlier product has: as the stream tells it, first
            stream.emit(shared_sku(sku, item_id, located(self._path, row, self._columns, None)))
        if group is not None:
            twin = variants.duplicate_of(group, batch.keys[at], item_id)
            if twin is not None:  # as the stream tells it before the channels make the row
                where = located(self._path, row, self._columns, "group_id")
                stream.emit(duplicate_variant(group, twin, item_id, where))
        for index, out in enumerate(outs):
            for attr, values in batch.fitted[index]:  # as the channel's making of the item tells it
                if values[at] is not None:
                    self._fitted(out, attr, values[at], item_id, row)  # type: ignore[arg-type]
            for note, of in batch.noted[index]:  # and as its ``prepare_item`` notes it
                if of[at] is not None:
                    self._noted(out, note(of[at]), item_id, row)  # type: ignore[arg-type]
            if out.grouped >= 0:
                item_group = batch.item_groups[out.grouped][at]
                if item_group is not None:
                    out.sink.variants.duplicate_of(item_group, batch.item_keys[out.grouped][at], item_id)
            refusal = refusals[index] if refusals is not None else None
            if type(refusal) is _Told:  # as ``Sink.take`` tells the item's findings
                for finding in refusal.findings:
                    report.add(finding)
                if refusal.rejected:
                    out.sink.missing.add(None, refusal.findings)
                else:
                    refusal = None  # the item is kept
            if refusal is not None:  # as ``Sink.take`` leaves out an item its rules find an error in
                if type(refusal) is list:  # an Amazon item its checks reject: its family's state, its findings
                    out.replay.reject(batch.listed[index], at, group, refusal)  # type: ignore[union-attr,arg-type]
                out.sink.result.rejected += 1
                out.sink.checked_rejected += 1
            else:
                if out.replay is not None:
                    out.replay.take(batch.listed[index], at, group, item_id, row, out.pending)  # type: ignore[arg-type]
                elif out.write is not None:
                    lines = batch.lines[index]
                    out.pending.append(lines[at])  # type: ignore[arg-type]
                    lines[at] = None  # (held by ``pending`` alone: let go once written)
                out.sink.result.items += 1
                if out.written is not None:
                    out.written.keep()  # as ``Sink.take`` keeps the item's ids (none: it had none asked)
            if out.lists:
                listed = out.listed
                if listed is None:
                    listed = out.listed = [report.items.setdefault(name, []) for name in out.lists]
                for ids in listed:
                    ids.append(item_id)
        batch.taken[at] = 1
        self.replayed += 1
        return True

    def _fitted(self, out: _Out, attr: str, value: str, item_id: str, row: int) -> None:
        """Tell the id ``value`` of ``attr`` fitted to the channel's limits (MDL017), as its making tells it."""
        channel = out.sink.channel
        _, message = channel.fitted_id(attr, value)
        location = located(self._path, row, self._columns, channel.origins.get(attr))
        found = make("MDL017", message, channel=channel.name, product_id=item_id, field=attr, value=value[:200],
                     location=location)  # fmt: skip
        assert self.stream is not None
        self.stream.emit(found)

    def _found(
        self,
        out: _Out,
        values: dict[str, Any] | None,
        alone: str | None,
        twin: str | None,
        group_id: str | None,
        item_id: str,
        row: int,
    ) -> _Told | None:
        """What the channel's rules find in the row's item of ``values`` (where its sink checks it; None: its quick
        pass cleared it; ``alone``: what they find alone in it, ``Items.alone``) and what its variant group finds
        (``twin``: the earlier item of ``group_id`` alike to it), as ``Sink.take`` finds them; None: the item is
        made per row (``_checks``)."""
        told = _Told([], rejected=False)
        if values is not None and out.sink.check:
            told = self._checks(out, values, alone, item_id, row)  # type: ignore[assignment]
            if told is None:
                return None
        if twin is not None:  # the channel's own (GMC012), told after its rules' findings
            channel = out.sink.channel
            group = channel.spec.variant_group
            assert group is not None and group_id is not None
            where = located(self._path, row, self._columns, None)
            duplicate = duplicate_item(group, group_id, twin, channel.name, item_id, where)
            assert self.stream is not None
            if self.stream.findings.keeps(duplicate):
                rejected = told.rejected or duplicate.severity is Severity.ERROR
                told = _Told([*told.findings, duplicate], rejected)
        return told

    def _noted(self, out: _Out, note: Note, item_id: str, row: int) -> None:
        """Tally the ``note`` ``prepare_item`` makes of the item, as the channel's making of it tallies it."""
        channel = out.sink.channel
        where = located(self._path, row, self._columns, channel.origins.get(note.attribute))
        channel.tally.add(note.code, note.attribute, note.value, note.message, item_id, where)

    def _checks(self, out: _Out, values: dict[str, Any], alone: str | None, item_id: str, row: int) -> _Told | None:
        """What the channel's rules find in the item of ``values`` (the filter's findings, and whether an error
        leaves it out), as ``Sink.take`` checks it; None: the item is made per row (it is left out lacking a field
        no item lacked before: ``MissingFields.add`` reads the product's columns)."""
        FOUND, GTIN_CODES, findings_of = self._screens  # (the module's names)
        sink = out.sink
        channel = sink.channel
        if alone is not None and alone[:1] == FOUND:  # the findings its rules make, made without them
            made = findings_of(alone)
            if made is None:
                return None
            found = [make(code, text, channel=channel.name, product_id=item_id, field=attr,
                          value=value[:200] if value else value,
                          location=located(self._path, row, self._columns, channel.origins.get(attr)))
                     for code, attr, value, text in made]  # fmt: skip
        elif alone is not None:  # the one finding its rules make of its GTIN, made without them
            problem = gtin_problem(alone)
            assert problem is not None, alone
            where = located(self._path, row, self._columns, channel.origins.get("gtin"))
            code = GTIN_CODES[channel.spec.name]
            found = [make(code, problem, channel=channel.name, product_id=item_id, field="gtin", value=alone[:200],
                          location=where)]  # fmt: skip
        else:  # its quick pass did not clear it: the rules alone (``Screened.check``: its pass is not asked again)
            rules = channel.spec.check_item
            check = rules.check if isinstance(rules, Screened) else rules
            read = cast("Product", _Read(_Ref(self._path, row, self._columns)))
            found = check(ChannelItem(item_id, values, read, channel.origins), channel.name)
        if not found:
            return _Told([], rejected=False) if sink.encoder is None else None
        assert self.stream is not None
        keeps = self.stream.findings.keeps
        findings = [d for d in found if keeps(d)]
        # an item with an error is left out where the filter drops it too when an encoder would meet it
        rejected = any(d.severity is Severity.ERROR for d in (findings if sink.encoder is None else found))
        if sink.encoder is not None and not rejected:
            return None  # the encoder meets the item (``Listings.checked`` is where an error is sure)
        if rejected and not sink.missing.knows(findings):
            return None
        return _Told(findings, rejected)

    # -- the batches

    def _next(self) -> _Batch | None:
        """The next batch the columnar side read (None: none is left). What was replayed of the last one is written
        first: the items' bytes a batch made are let go with it (memory stays that of a batch, however few rows are
        made per row)."""
        self._flush()
        if self.surveys and _shares_stopped():  # another share's families cannot be surveyed ahead: not split
            from feedsync.channels.base import Stopped

            self._unsurveyable = Stopped()
            self._off("another share's families are not one after another")  # (raises it)
        got = self._queue.get()
        if isinstance(got, _Batch):
            self.batch = got
            if self._judged < JUDGE:  # the first rows tell whether the columns are worth making
                self._judged += len(got.whole)
                self._whole += sum(got.whole)
                if self._judged >= JUDGE and self._whole < self._judged * WORTH:
                    self._off(f"{self._whole} of the first {self._judged} rows could be made a column at a time")
                    return None
            return got
        if isinstance(got, Exception):  # Unsurveyed: the share's own rows surveyed whole, or the run not split
            self._off(f"the share is not surveyed a family ahead: {got}")  # (raises it)
        self._off(got if isinstance(got, str) else "the catalog's end")
        return None

    def _flush(self) -> None:
        self._unwritten = 0
        for out in self.outs:
            if out.pending:
                out.write(out.pending)
                out.pending.clear()

    def _off(self, why: str) -> None:
        self._flush()
        if self.on:
            self.on = False
            self.batch = None
            self.source.gate = None
            event("columnar", columnar=False, why=why)
        self.close()
        self._unsurveyable_raised()
        self._survey_rest(self._unsurveyed)  # the rows made per row from here ask the surveys

    def _unsurveyable_raised(self) -> None:
        """Raise the ``Unsurveyed`` met where the batches are made (the threads that make them are stopped)."""
        failed = self._unsurveyable
        if failed is not None:
            self._unsurveyed, self._unsurveyable = None, None
            if not getattr(failed, "local", False):
                _stop_shares()
            raise failed

    def close(self) -> None:
        """Stop the threads that make the batches (and wait for them), and let go of the run (the stream and the
        source hold the gate: a cycle through the report would leave its findings' spool to a collector that may
        finalize the file before the findings that close it)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            while thread.is_alive():  # its put waits on a full queue: empty it
                with contextlib.suppress(queue.Empty):
                    self._queue.get(timeout=0.05)
            thread.join()
        self.stream, self.batch, self.source.gate = None, None, None

    def _put(self, item: Any) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        """Read the catalog's pieces in order and make their batches ``WORKERS`` at a time (Polars' own threads
        leave much of a batch's time to one core: the work of each expression on a batch begins with a fixed cost),
        handing them on in order."""
        from concurrent.futures import Future, ThreadPoolExecutor

        from feedsync.channels.base import Unsurveyed

        try:
            make = self._maker()
            first = 0
            share = self.share
            offset, row, before = (share.start, share.first_row, share.lines_before) if share is not None else (0, 2, 1)
            group = None  # a survey told each batch's families whole: the batches end where a family does
            if self.export is not None:  # (a product's rows are one batch's)
                group = self.export.idx["handle"]
            elif self.surveys and "group_id" in self._targets:
                group = self._targets.index("group_id")
            pending: deque[Future[_Batch]] = deque()
            with ThreadPoolExecutor(self.workers, thread_name_prefix="feedsync-columnar") as pool:
                chunk = CHUNK if self.export is None else EXPORT_CHUNK
                ends: list[bool] = []
                for data, frame in _frames(self.config.source.path, self.share, group, chunk, ends):
                    if self._stop.is_set():
                        return
                    lone = lone_crs(data)
                    count = data.count(b"\n") + lone  # the csv module's lines: a CR alone ends one
                    count += not data.endswith((b"\n", b"\r"))
                    at = (offset, row, before + first)  # where the piece begins, and where the next one does
                    offset, row = offset + len(data), row + (frame.height if frame is not None else count)
                    after = (offset, row, before + first + count)
                    pending.append(pool.submit(make, first, count, data, frame, at, after, lone, ends[-1]))
                    first += count
                    if len(pending) >= self.workers and not self._put(pending.popleft().result()):
                        return
                while pending:
                    if not self._put(pending.popleft().result()):
                        return
            self._put("the catalog's end")
        except Unsurveyed as exc:  # the share's families are not one after another (``share.work``, ``rows.Unsplit``)
            self._unsurveyable = exc  # (raised by the reader, even where the gate goes off before it meets it)
            self._put(exc)
        except Exception as exc:  # anything the columnar stages cannot make: the rest is made per row
            self._put(f"{type(exc).__name__}: {exc}")

    def _maker(self) -> Callable[..., _Batch]:
        """What makes a piece's batch (its expressions made once)."""
        import polars as pl

        from feedsync.columnar.fields import names_read, shared_lets
        from feedsync.columnar.listings import Listings
        from feedsync.columnar.listings import columns as listing_columns
        from feedsync.columnar.source import _BAD, normalized
        from feedsync.columnar.text import holds_any
        from feedsync.sources.base import normalize_context
        from feedsync.sources.normalize import utf8_clean

        ctx = normalize_context(self.config.source)
        export = self.export
        if export is not None:  # a Shopify export's variants: ``shopify.variants``' columns
            from feedsync.columnar.shopify import FIELDS, attribute_columns

            owned = attribute_columns(export)
            targets = [*FIELDS, *owned.values()]
            attributes = {f"attribute:{name}": column for name, column in owned.items()}
        else:
            targets = self._targets
        mapped = [t for t in targets if not t.startswith("__attribute")]
        told = pl.all_horizontal([pl.lit(True), *(pl.col(t).is_null() | (pl.col(t) == "") for t in self._told)])
        own = [pl.col(t) for t in targets if t.startswith("__attribute")]
        columns, exact = normalized(mapped, ctx)
        exact = exact & told
        if own:  # a control character anywhere in the row is cleaned and told per row (SRC011)
            exact = exact & ~holds_any(own, _BAD)
        exact_clean = normalized(mapped, ctx, clean=True)[1] & told  # a piece of no control character (utf8_clean)
        sku = pl.when(pl.col(self._sku) != "").then(pl.col(self._sku)) if self._sku else pl.lit(None, pl.String)
        raw = [pl.col(t).fill_null("") for t in targets]
        cells = pl.concat_str(raw, separator="\x1f") if export is None else pl.lit(None, pl.String)
        made = self.made
        outs: list[list[pl.Expr]] = []  # per channel: its columns, then whether it stands in for the per-row item
        fates: list[pl.Expr] = []
        for index, items in enumerate(made):
            out: dict[str, pl.Expr] = {}
            checked = pl.col(f"__checked{index}").is_not_null()
            if isinstance(items, Listings):
                out |= listing_columns(items, f"__listing{index}_")
                whole = items.exact
                other = checked | pl.col(f"__listing{index}_rejected").is_not_null()
            else:
                out[f"__line{index}"] = items.line
                if items.group is not None:
                    out[f"__group{index}"] = items.group
                    for n, part in enumerate(items.key):
                        out[f"__key{index}_{n}"] = part
                whole = items.exact & items.cleared
                other = checked
            out[f"__checked{index}"] = items.checked
            out[f"__alone{index}"] = items.alone
            written = items.sku if isinstance(items, Listings) else items.written
            if written is not None and self.compiled[index].spec.written_id is not None:  # (MDL021)
                out[f"__written{index}"] = written
                if isinstance(items, Listings) and items.written_parent is not None:
                    out[f"__wparent{index}"] = items.written_parent
            # the row's item in the channel: made whole, or checked by the channel's rules (or an Amazon item
            # rejected for the required facts it lacks alone)
            made_or_refused = pl.col(f"__whole{index}") | other
            out |= {f"__fitted{index}_{n}": unfit for n, (_, unfit) in enumerate(items.fitted)}
            out |= {f"__noted{index}_{n}": of for n, (_, of) in enumerate(items.noted)}
            outs.append([*(e.alias(name) for name, e in out.items()), whole.alias(f"__whole{index}")])
            fates.append(made_or_refused)
        picked = [
            pl.col("__cells"),
            pl.col("exact"),
            pl.col("id"),
            pl.col("group_id"),
            sku.alias("__sku"),
            *(pl.col(name).fill_null("").alias(f"__product_key{n}") for n, name in enumerate(_KEY)),
            *map(pl.col, self._option_columns()),
        ]
        whole = pl.all_horizontal(pl.col("exact"), *fates)
        shared = shared_lets([items.compiler for items in made])  # the channels' columns made alike: made once
        reads = [names_read(out) for out in outs]  # what the items read of each channel's frame
        read = keys = None
        if self.surveys and export is None:
            from feedsync.columnar.survey import batch_variants
            from feedsync.sources.rowreader import compile_reader

            fields = _fields(targets)
            read = compile_reader(str(self.config.source.path), self.header, fields, field_columns(self.header, fields),
                                  ctx)  # fmt: skip
            wanted = {key for survey in self.surveys for key in (survey._keys or ())}
            keys = {t: name for t, name in zip(targets, self.header, strict=True) if name in wanted and t[:2] == "__"}

        def make(
            first: int,
            count: int,
            data: bytes,
            frame: Any,
            at: tuple[int, int, int],
            after: tuple[int, int, int],
            lone: int,
            ended: bool = False,
        ) -> _Batch:
            if export is not None:
                clean = self._clean or utf8_clean(data)
                made_of = partial(items, first=first, count=count, texts=None)
                normalized_exact = exact_clean if clean else exact
                # a piece's families told to the surveys from its columns where its products are whole in it and
                # its records the csv reader's cells (else the rest of the share per row)
                surveyable = self._unsurveyed is not None and ended and frame is not None and lines_alike(data, frame)
                return self._export_batch(frame, at, after, attributes, columns, normalized_exact, clean, made_of,
                                          surveyable)  # fmt: skip
            if frame is None or frame.width != len(targets):
                if self._unsurveyed is not None:
                    self._survey_rest(at)
                return _unread(first, count)  # a piece the columnar side cannot read as CSV: made per row
            texts, more, rows_at = _texts(data, frame, lone)
            frame = raw = frame.rename(dict(zip(frame.columns, targets, strict=True)))
            given = [text is not None for text in texts] if texts is not None else [False] * frame.height
            frame = frame.with_columns(__given=pl.Series(given, dtype=pl.Boolean))
            checked = exact_clean if self._clean or utf8_clean(data) else exact  # (a clean file's pieces are)
            frame = frame.select(*own, __cells=pl.when(~pl.col("__given")).then(cells), exact=checked, **columns)
            if self._unsurveyed is not None:  # the batch's families told before its columns are made
                if texts is not None and None not in texts:
                    told = batch_variants(frame, raw, at[1] - 1, read, keys)
                    for survey in self.surveys:
                        survey.told(told)
                    self._unsurveyed = after
                else:  # a record Polars would write otherwise: its cells may not be the csv reader's
                    self._survey_rest(at)
            batch = items(frame, first, count, texts)
            batch.more, batch.rows_at = more, rows_at
            return batch

        def items(frame: Any, first: int, count: int, texts: list[str | None] | None) -> _Batch:
            """The batch of a frame of normalized columns: its rows' items in each channel."""
            for step in shared:
                frame = frame.with_columns(step)
            # a channel at a time: its columns go once its items are made (a batch holds one channel's at most)
            parts = [frame.select(picked)]
            parts += [m.compiler.run(frame, names).select(out) for m, out, names in zip(made, outs, reads, strict=True)]
            joined = pl.concat(parts, how="horizontal").with_columns(whole.alias("__whole"))
            return self._lists(first, count, texts, joined, made)

        return make

    def _export_batch(
        self,
        frame: Any,
        at: tuple[int, int, int],
        after: tuple[int, int, int],
        attributes: dict[str, str],
        columns: dict[str, Any],
        exact: Any,
        clean: bool,
        items: Callable[[Any], _Batch],
        surveyable: bool,
    ) -> _Batch:
        """A Shopify export's piece made: its variants' columns (``shopify.variants``: ``columns`` normalize them,
        exact where ``exact``), their ``items`` in each channel, per record its cells joined and its product (the
        reader's products are taken whole, ``take``)."""
        import polars as pl

        from feedsync.columnar.shopify import variants

        if frame is None:
            raise ValueError("a piece Polars does not read as CSV")  # (the rest is made per row)
        found = variants(frame, self.export, self.config.source, clean=clean, options=self.options)
        surveyed = pl.col("exact") & exact  # its product the reader's, so is what a survey reads of it
        rows = found.variants.rename(attributes).select(
            *attributes.values(),
            *self._option_columns(),
            "__record",
            "left_out",
            "inventory_tracked",
            __cells=pl.lit(None, pl.String),
            exact=surveyed & ~pl.col("left_out"),
            __surveyed=surveyed,
            **columns,
        )
        if self._unsurveyed is not None:
            if surveyable:
                self._survey_export(rows, attributes, at, after)
            else:
                self._survey_rest(at)
        batch = items(rows)
        batch.first_row = at[1]
        batch.products = found.groups
        batch.variant_at = {record: index for index, record in enumerate(rows["__record"].to_list())}
        texts = frame.select(pl.concat_str([pl.col(name).fill_null("") for name in frame.columns], separator="\x1f"))
        batch.records = texts.to_series().to_list()
        return batch

    def _option_columns(self) -> list[str]:
        """The columns of a Shopify export's variant options (``fields.option_columns``), where they are taken."""
        from feedsync.columnar.fields import option_columns

        if self.export is None or self.options is None or not self.options.columns:
            return []
        return [name for pair in option_columns(len(self.export.options)) for name in pair]

    def _survey_export(
        self, rows: Any, attributes: dict[str, str], at: tuple[int, int, int], after: tuple[int, int, int]
    ) -> None:
        """Tell the surveys a Shopify export's piece's families from its columns where every variant its reader
        makes a product of is exact there, else the rest of the share per row."""
        import polars as pl

        from feedsync.columnar.survey import batch_variants

        kept = rows.filter(~pl.col("left_out"))  # (a draft's variants are no products: nothing to a survey)
        if not kept["__surveyed"].all():
            self._survey_rest(at)
            return
        wanted = {key for survey in self.surveys for key in (survey._keys or ())}  # (the attributes that rekey)
        named = {column: name[10:] for name, column in attributes.items() if name[10:] in wanted}
        told = batch_variants(kept.with_columns(exact=pl.lit(True)), kept, at[1] - 1, _no_reader, named)
        for survey in self.surveys:
            survey.told(told)
        self._unsurveyed = after

    def _lists(
        self, first: int, count: int, texts: list[str | None] | None, frame: Any, made: list[Items | Listings]
    ) -> _Batch:
        import polars as pl

        from feedsync.columnar.listings import Listings, rows

        whole = frame["__whole"].to_list()
        kept = frame.select(
            [  # a row's bytes where its item is made whole or is checked (and written where the checks keep it)
                pl.when(pl.col("__whole") & (pl.col(f"__whole{c[6:]}") | pl.col(f"__checked{c[6:]}").is_not_null()))
                .then(pl.col(c).cast(pl.Binary))
                .alias(c)
                for c in frame.columns
                if c.startswith("__line")
            ]
        )
        lines = [
            kept[f"__line{index}"].to_list() if f"__line{index}" in kept.columns else [] for index in range(len(made))
        ]
        listed = [
            rows(frame, f"__listing{index}_") if isinstance(m, Listings) else None for index, m in enumerate(made)
        ]
        checked = [_values(frame, index, whole) for index in range(len(made))]
        alone = [_some(frame[f"__alone{index}"]) for index in range(len(made))]
        noted = [_present(frame, f"__noted{index}", m.noted) for index, m in enumerate(made)]
        fitted = [_present(frame, f"__fitted{index}", m.fitted) for index, m in enumerate(made)]
        groups: list[list[str | None]] = []
        keys: list[list[tuple[str, ...]]] = []
        for index, out in enumerate(self.outs):
            if out.grouped >= 0:
                groups.append(frame[f"__group{index}"].to_list())
                parts = [frame[f"__key{index}_{n}"].to_list() for n in range(len(made[index].key))]  # type: ignore[union-attr]
                keys.append(list(zip(*parts, strict=True)))
        product_keys = list(zip(*(frame[f"__product_key{n}"].to_list() for n in range(len(_KEY))), strict=True))
        options = self._option_columns()
        if options:  # a variant's options of no variant field end its keys, sorted (``stream.item_variant_key``)
            suffixes = _option_keys([frame[name].to_list() for name in options])
            product_keys = [key + more for key, more in zip(product_keys, suffixes, strict=True)]
            keys = [[key + more for key, more in zip(grouped, suffixes, strict=True)] for grouped in keys]
        cells = {joined: at for at, joined in enumerate(frame["__cells"].to_list()) if joined is not None}
        return _Batch(
            first,
            count,
            texts,
            cells,
            whole,
            frame["id"].to_list(),
            frame["group_id"].to_list(),
            frame["__sku"].to_list(),
            product_keys,
            lines,
            groups,
            keys,
            listed,
            fitted,
            noted,
            alone,
            checked,
            bytearray(len(whole)),
            written=[_written(frame, index) for index in range(len(made))],
        )


def _keyed(sink: Sink) -> WrittenIds | None:
    """The ids of the channel's kept items a replayed row is checked against (MDL021): where its sink checks them."""
    return sink.written if sink.check else None


def _written(frame: Any, index: int) -> tuple[list[str | None], list[str | None] | None] | None:
    """Channel ``index``'s ids of the batch's rows and the parents they write (``_Batch.written``)."""
    if f"__written{index}" not in frame.columns:
        return None
    parents = frame[f"__wparent{index}"].to_list() if f"__wparent{index}" in frame.columns else None
    return frame[f"__written{index}"].to_list(), parents


def _option_keys(columns: list[list[str | None]]) -> list[tuple[tuple[str, str], ...]]:
    """Per row, its variant options (``columns``: each option's name, then its value) as pairs, sorted."""
    keys: list[tuple[tuple[str, str], ...]] = []
    for row in zip(*columns, strict=True):
        pairs = [(row[n], row[n + 1]) for n in range(0, len(row), 2) if row[n] is not None]
        keys.append(tuple(sorted(pairs)) if pairs else ())  # type: ignore[arg-type]
    return keys


def _no_reader(*_: Any) -> Any:
    """The per-row reader of a survey's rows the columns are exact for: never asked."""
    raise AssertionError("every row is read from the columns")


def _some(column: Any) -> list[Any] | None:
    """The column's values, or None where no row has one (most batches' rows have no finding of a kind)."""
    return None if column.null_count() == len(column) else column.to_list()


def _present(frame: Any, prefix: str, made: tuple[tuple[Any, Any], ...]) -> list[tuple[Any, list[Any]]]:
    """Each of ``made``'s keys (its expressions' columns ``{prefix}_{n}``) with its column's values, where some row
    has one."""
    return [(key, values) for n, (key, _) in enumerate(made) if (values := _some(frame[f"{prefix}_{n}"])) is not None]


def _values(frame: Any, index: int, whole: list[bool]) -> list[dict[str, Any] | None]:
    """Per row, the channel's (``index``) item's values where the row is whole and its rules check the item
    (``Items.checked``: a field with no value left out, as the per-row engine leaves it), else None; where what the
    rules find is made without them (``Items.alone``), an empty dict (the values are not read)."""
    import polars as pl

    checked = frame[f"__checked{index}"]
    if checked.dtype == pl.Null:
        return [None] * len(checked)
    alone = pl.col(f"__alone{index}").is_not_null()
    asked = frame.select(pl.when(~alone).then(pl.col(f"__checked{index}")).alias("v"), alone.alias("a"))
    rows = _some(asked["v"])
    if rows is None and not asked["a"].any():
        return [None] * len(checked)
    made: list[dict[str, Any] | None] = []
    for values, there, taken in zip(rows or [None] * len(whole), checked.is_not_null(), whole, strict=True):
        if not taken or not there:
            made.append(None)
        elif values is None:  # what the rules find is made without them (``Items.alone``)
            made.append({})
        else:
            made.append({name: value for name, value in values.items() if value is not None and value != []})
    return made


def _shares_stopped() -> bool:
    """Whether another share of the row split set ``lookahead.STOP``."""
    from feedsync.lookahead import STOP

    return bool(STOP)


def _stop_shares() -> None:
    """The share's families cannot be surveyed a family ahead: the row split's other shares stop (``lookahead``)."""
    from feedsync.lookahead import STOP

    if STOP is not None:
        STOP.set()


def _frames(
    path: Path,
    share: ByteRange | None,
    group: int | None = None,
    chunk: int | None = None,
    ends: list[bool] | None = None,
) -> Iterator[tuple[bytes, Any]]:
    """The catalog's records (those of ``share``, when the run is split by rows) in pieces of about ``chunk`` bytes
    (``CHUNK`` unless told), each with its frame of texts (cells past the header's are left out; None: a piece Polars
    does not read). ``group``: the group id's column, by its place in the header (the frame's columns are named as the
    file's header has them, spaces around a name included, where the reader strips them): a piece whose records are
    lines ends where a family does (the rows of the last group a row has go to the next piece, unless they are all of it
    and ``_CARRIED`` pieces or more), and before a family whose rows come again after another's in it or in the next
    piece (read a piece ahead: a family told whole in one batch). ``ends``: told, before each piece is yielded, whether
    it ends where a family does (it was cut there, or it is the last)."""
    import polars as pl

    from feedsync.columnar.read import pieces, read_piece, records

    chunk = CHUNK if chunk is None else chunk
    ended = ends.append if ends is not None else (lambda _: None)

    def parsed(data: bytes) -> Any:
        try:
            return read_piece(header, data)
        except pl.exceptions.PolarsError:
            return None

    with records(path, share) as (header, handle, _):
        if group is None:
            for data in pieces(handle, chunk):
                ended(False)
                yield data, parsed(data)
            return
        read = ((data, parsed(data)) for data in pieces(handle, chunk))
        later = next(read, None)
        carry, carried = b"", None  # the records moved to the next piece, and their frame
        while later is not None:
            data, frame = later
            later = next(read, None)
            if carry:  # (a frame of whole records, and the piece's: the frame of their bytes together, in one chunk as
                # one parse makes it)
                frame = pl.concat([carried, frame], rechunk=True) if frame is not None else parsed(carry + data)
                data, carry, carried = carry + data, b"", None
            if frame is None:
                ended(False)
                yield data, None
                continue
            data, frame, carry, carried = _family_cut(data, frame, group, later[1] if later is not None else None)
            if frame is None:
                continue  # one family so far: read on
            ended(bool(carry) or later is None)
            yield data, frame
        if carry:
            ended(True)
            yield carry, carried


_CARRIED = 4
"""Pieces (``CHUNK`` bytes) of one family a piece holds at most: a longer family is cut (its share is then surveyed
whole, as a family told again)."""


def _family_cut(data: bytes, frame: Any, group: int, later: Any = None) -> tuple[bytes, Any, bytes, Any]:
    """``data`` (its ``frame``) without the records of the family it ends with (the last group id a row has, as the
    reader reads it, with the rows of no group among and after its rows) and of any family whose rows come again
    after the cut (``later``: the next piece's frame, None at the end), and those records' bytes and frame (the
    piece's frame None: the piece is one family); unchanged where no row has a group or its lines are not its
    records'."""
    import polars as pl

    from feedsync.columnar.read import family_tail
    from feedsync.columnar.text import stripped

    def groups_of(piece: Any) -> Any:
        return piece.select(stripped(pl.nth(group))).to_series()  # as the reader reads a group id

    groups = groups_of(frame)
    tail = family_tail(groups, among=True)
    if tail and later is not None and later.width == frame.width:
        whole = whole_families(pl.concat([groups, groups_of(later)]), tail + later.height) - later.height
    else:
        whole = whole_families(groups, tail)
    if whole <= max(tail, frame.height // 2):  # (families spread all over the catalog: a piece cut at its last one,
        tail = whole  # and its share surveyed whole once one comes again, rather than pieces carried on and grown)
    if not tail or not data.endswith(b"\n"):
        return data, frame, b"", None
    lines, spans = data.count(b"\n"), None
    if lines != frame.height:
        spans = _spans(frame)
        if spans is None or sum(spans) != lines:
            return data, frame, b"", None
    if tail >= frame.height:
        return (data, frame, b"", None) if len(data) >= _CARRIED * CHUNK else (b"", None, data, frame)
    cut = len(data) - 1
    for _ in range(tail if spans is None else sum(spans[frame.height - tail :])):
        cut = data.rfind(b"\n", 0, cut)
    return data[: cut + 1], frame.head(frame.height - tail), data[cut + 1 :], frame.tail(tail)


def whole_families(groups: Any, tail: int) -> int:
    """At least ``tail`` rows at the end of ``groups`` (a piece's group ids), as few as leave no family with rows
    on both sides of the cut (a family that comes again after another within a piece is told to the survey whole,
    in one batch: ``FamilySurvey.family``); all of them where no cut does. The rows of no group belong to no
    family."""
    import polars as pl

    height = groups.len()
    if not tail or tail >= height:
        return tail
    at = pl.int_range(height, eager=True)
    frame = pl.DataFrame({"g": groups, "at": at})
    reach = frame.select(
        pl.when(pl.col("g").is_null()).then(pl.col("at")).otherwise(pl.col("at").max().over("g")).cum_max()
    ).to_series()
    ends = (reach == at).head(height - tail)  # a family's rows all at or before the row: a cut after it
    cut = ends.arg_true()
    return height - int(cut[-1]) - 1 if cut.len() else height


def _texts(
    data: bytes, frame: Any, lone: int
) -> tuple[list[str | None] | None, dict[int, list[str]], list[int] | None]:
    """Each row's first line as the reader is offered it (``line``), where the row's lines are the ones Polars writes
    of its cells, quoting only where a cell needs it (the csv reader reads such lines into those cells), else None
    (None for all: the piece's lines are not its records'); the further lines of the rows over several lines; and
    per line of the piece the row it begins (-1: a further line), where a row is over several lines (else None).
    ``lone``: the piece's lone CRs (``lone_crs``)."""
    found = _records(data, frame, lone)
    if found is None:
        return None, {}, None
    lines, ended, same, spans = found
    texts: list[str | None]
    more: dict[int, list[str]] = {}
    rows_at = None
    if spans is None:
        texts = [line.decode("utf-8") + "\n" if same is None or same[at] else None for at, line in enumerate(lines)]
    else:
        texts, rows_at, at = [], [], 0
        for row, span in enumerate(spans):
            rows_at += [row, *([-1] * (span - 1))]
            record = (
                [line.decode("utf-8") + "\n" for line in lines[at : at + span]] if same is None or same[row] else None
            )
            texts.append(record[0] if record else None)
            if record and span > 1:
                more[row] = record[1:]
            at += span
    last = len(texts) - 1
    if not ended and texts[last] is not None:  # the file's last line, without an end
        if last in more:
            more[last][-1] = more[last][-1][:-1]
        else:
            texts[last] = texts[last][:-1]  # type: ignore[index]
    return texts, more, rows_at


def lines_alike(data: bytes, frame: Any) -> bool:
    """Whether every row of the piece has a text (``_texts``), without making them."""
    found = _records(data, frame, lone_crs(data))
    if found is None:
        return False
    same = found[2]
    return same is None or all(same)


def _spans(frame: Any) -> list[int] | None:
    """The lines each row of ``frame`` is written over: one, and one more for each line feed its cells hold (None:
    the frame's columns are not all texts)."""
    import polars as pl

    if not all(dtype == pl.String for dtype in frame.dtypes):
        return None
    feeds = [pl.col(name).str.count_matches("\n", literal=True) for name in frame.columns]
    counted = frame.select(pl.sum_horizontal(feeds).fill_null(0).alias("feeds"))["feeds"]
    return [count + 1 for count in counted.to_list()]


def _records(
    data: bytes, frame: Any, lone: int
) -> tuple[list[bytes], bool, list[bool] | None, list[int] | None] | None:
    """The piece's lines where they are its records' (a record is over one line, and one more for each line feed its
    cells hold; else None: blank lines, a CR no line feed follows), whether it ends with a line end, per row whether its
    lines are the ones Polars writes of its cells (None: all are), and the lines of each row where a row is over
    several lines (None: each is over one). ``lone``: the piece's lone CRs (``lone_crs``, which the piece's reader
    counted)."""
    lines = data.split(b"\n")
    ended = not lines[-1]
    if ended:
        lines.pop()
    if lone:  # a CR no line feed follows ends a line for the reader, not here
        return None
    crlf = data.endswith(b"\r\n") or (not ended and b"\r\n" in data)
    spans = None
    if len(lines) != frame.height:
        spans = _spans(frame)
        if spans is None or sum(spans) != len(lines):
            return None
    written = io.BytesIO()
    frame.write_csv(written, include_header=False, quote_style="necessary", line_terminator="\r\n" if crlf else "\n")
    canonical = written.getvalue()
    same = None
    if canonical != (data if ended else data + (b"\r\n" if crlf else b"\n")):
        made = canonical.split(b"\n")
        if spans is None:
            same = [line == other for line, other in zip(lines, made, strict=False)]
        else:
            starts = list(accumulate(spans, initial=0))
            same = [lines[a:b] == made[a:b] for a, b in pairwise(starts)]
    return lines, ended, same if spans is None else _strays(frame, spans, same), spans


def _strays(frame: Any, spans: list[int], same: list[bool] | None) -> list[bool] | None:
    """``same`` without the rows over several lines that the reader leaves out as a quote left open (a line of a
    cell that looks like a row of its own: ``tabular.stray_lines``, asked only of the rows whose cells hold as many
    commas as such a line)."""
    import polars as pl

    from feedsync.sources.tabular import stray_lines

    width = frame.width
    many = pl.any_horizontal([pl.col(name).str.count_matches(",", literal=True) >= width - 1 for name in frame.columns])
    suspects = frame.select(many.fill_null(False).alias("many"))["many"].to_list()
    for row, (span, suspect) in enumerate(zip(spans, suspects, strict=True)):
        if span > 1 and suspect and stray_lines((cell or "" for cell in frame.row(row)), ",", width):
            same = [True] * len(spans) if same is None else same
            same[row] = False
    return same
