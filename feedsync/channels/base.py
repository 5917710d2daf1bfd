"""ChannelItem, value-to-text conversion, and the registry of channel specs (one per rule set)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from feedsync.channels.templating.filters import cut_words
from feedsync.diagnostics import Diagnostic
from feedsync.model.money import Money
from feedsync.model.product import DateRange, Product, Weight
from feedsync.plugins import discover

Group = dict[str, str]
"""An attribute with sub-attributes, in order (Google's shipping: country, service, price)."""
Value = str | list[str] | list[str | Group]


@dataclass(slots=True)
class ChannelItem:
    """One item of a channel feed: ordered attributes (a string, or a list for repeated attributes; an attribute
    kept from a source feed may be a list of groups of sub-attributes)."""

    id: str
    values: dict[str, Value]
    product: Product
    origins: Mapping[str, str] = field(default_factory=dict)
    """Channel attribute -> the product field it is made from (when it reads one), for source positions.
    Shared by all items of a channel."""


class Findings(list[Diagnostic]):
    """The diagnostics of one channel item, each placed at the source column its attribute comes from."""

    def __init__(self, item: ChannelItem, channel: str) -> None:
        super().__init__()
        self.item = item
        self.channel = channel

    def report(self, code: str, attr: str, message: str, value: str | None = None) -> None:
        from feedsync.diagnostics import locate
        from feedsync.diagnostics.codes import make

        self.append(
            make(
                code,
                message,
                channel=self.channel,
                product_id=self.item.id,
                field=attr,
                value=value[:200] if value else value,
                location=locate(self.item.product.source, self.item.origins.get(attr)),
            )
        )

    def require(self, code: str, attributes: tuple[str, ...]) -> None:
        """``code`` of each of ``attributes`` the item lacks, or whose text shows nothing (``checks.unseen``: only
        zero-width or other invisible characters, which the channel reads as empty)."""
        from feedsync.checks import code_points, unseen

        values = self.item.values
        for attr in attributes:
            if attr not in values:
                self.report(code, attr, f"{attr} is required and empty")
                continue
            value = values[attr]
            if type(value) is str and value and unseen(value):
                message = f"{attr} is required and holds only invisible characters ({code_points(value)})"
                self.report(code, attr, message + ", read as empty")


CheckItem = Callable[[ChannelItem, str], list[Diagnostic]]


@dataclass(frozen=True, slots=True)
class Screened:
    """A channel's ``check`` behind its quick pass: an item whose values ``clean`` passes has no findings (the
    pass says True only when ``check`` would find nothing); any other item goes through ``check``, which writes
    the findings. ``check`` alone finds the same in any item (where the pass is known to doubt it, it is asked
    alone: the columnar gate's own pass)."""

    clean: Callable[[Mapping[str, Any]], bool]
    check: CheckItem

    def __call__(self, item: ChannelItem, channel: str) -> list[Diagnostic]:
        return [] if self.clean(item.values) else self.check(item, channel)


def show_value(value: Value) -> str:
    """An item's attribute on one line: repeated values joined by `` | ``, sub-attributes as ``name=value;…``."""
    if isinstance(value, str):
        return value
    return " | ".join(v if isinstance(v, str) else ";".join(f"{k}={t}" for k, t in v.items()) for v in value)


_PRINTED_TYPES = frozenset({Money, DateRange})
"""The model's value types (frozen: an object's text never changes) whose ``str`` is kept by ``printed``: the
variants of a product share them, and their text costs more than a microsecond (a date range's, several)."""
PRINTED_BY = _PRINTED_TYPES | {Weight}
"""The types whose text ``printed`` makes otherwise than by ``str`` (faster, the same text): of any other value,
``printed`` gives ``str(value)``, which generated code calls itself."""
_PRINTED: dict[int, tuple[Any, str]] = {}
_PRINTED_SIZE = 4096


def printed(value: Any) -> str:
    """``str(value)``, kept for each object of ``_PRINTED_TYPES`` (``Money``, ``DateRange``): the reader gives the
    variants of a product the same objects, and channels print the same prices and dates. A ``Weight`` (most
    variants have their own) is made directly: keeping an object costs more than its text. An entry holds its
    object, so its ``id`` names no other object while it is kept; the table is emptied when full."""
    kind = type(value)
    if kind is Weight:  # what Weight.__str__ makes (its value's text as ``to_text`` makes a decimal's)
        amount = value.value
        text = str(amount)
        return f"{format(amount, 'f') if 'E' in text else text} {value.unit._value_}"
    if kind in _PRINTED_TYPES:
        kept = _PRINTED.get(id(value))
        if kept is not None and kept[0] is value:
            return kept[1]
        text = str(value)
        if len(_PRINTED) >= _PRINTED_SIZE:
            _PRINTED.clear()
        _PRINTED[id(value)] = (value, text)
        return text
    return str(value)


def to_text(value: Any) -> Value | None:
    """A template/expression result as feed text. None and empty strings mean "no value"."""
    kind = type(value)
    if kind is str:
        return value.strip() or None
    if value is None:
        return None
    if kind is int:
        return str(value)  # digits, a sign: never blank
    if kind is Decimal:  # ``format(value, "f")``: ``str`` (several times faster) where it writes no exponent, which
        # is where the two agree (a whole number with trailing zeros, ``1E+3``, and a tiny one, ``1E-7``, differ)
        text = str(value)
        return format(value, "f") if "E" in text else text
    if kind is tuple or kind is list:
        items: list[str] = []
        for element in value:
            if type(element) is str:
                element = element.strip()
                if element:
                    items.append(element)
                continue
            text = to_text(element)
            if isinstance(text, str):
                items.append(text)
        return items or None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        items = [t for t in (to_text(v) for v in value) if isinstance(t, str)]
        return items or None
    if isinstance(value, Mapping):  # (its Python form reached the feeds: no channel reads that)
        from feedsync.channels.templating import TemplateFault

        raise TemplateFault(
            f"the value is a mapping of sub-attributes ({printed(value)[:60]}), which a field cannot write; give each "
            "sub-attribute a field of its own, or the attribute's text form"
        )
    text = printed(value).strip()
    return text or None


@dataclass(frozen=True, slots=True)
class FormatSpec:
    """How a channel writes one output format: file extension and writer options."""

    extension: str
    writer: str  # "rss" or "delimited"
    options: dict[str, Any] = field(default_factory=dict)
    empty: tuple[str, str] | None = None
    """(code, why) where a document of the format cannot be empty (Amazon's listings feed schema: ``messages`` has
    ``minItems`` 1): a checked feed with no item is a finding of that code, and is never published as a file."""


class Encoder(Protocol):
    """Turns channel items into the records a writer takes (e.g. Amazon feed messages), with state per run."""

    meta: dict[str, Any]

    def encode(self, item: ChannelItem) -> list[dict[str, Any]]: ...


@runtime_checkable
class CheckingEncoder(Protocol):
    """An encoder that also checks the records it would write (Amazon: against product type definitions)."""

    def check(self, item: ChannelItem, channel: str) -> list[Diagnostic]: ...


class Unsurveyed(Exception):
    """A survey made family by family as the rows are read (``FamilyFeed``) cannot answer as a read of the whole
    catalog would (a family's variants do not all come one after another): the catalog is surveyed whole first (a row
    split is not split, ``rows.Unsplit``). ``local``: a read of the rows read so far, whole, answers as the catalog
    would where none of their families is elsewhere (a row split's share surveys its own rows whole, and the shares
    are checked for a family in two)."""

    def __init__(self, why: str, *, local: bool = False) -> None:
        super().__init__(why)
        self.local = local  # (pickled with it, as its other attributes: a share's process hands it back)


class Stopped(Unsurveyed):
    """Another share of a row split found that the shares' families cannot be surveyed apart (``lookahead.STOP``):
    this share stopped at its next family. The run tells the other's reason (``rows._make_all``)."""

    def __init__(self, why: str = "the families of another share are not one after another") -> None:
        super().__init__(why)


class FamilyFeed(Protocol):
    """A survey told each family's variants (those of one group id, one after another, with the variants of no
    group among them) once all of them are read, before any of them is encoded."""

    def family(self, products: Sequence[Product]) -> None:
        """Survey one family; raises ``Unsurveyed`` when the catalog's families are not as this survey needs."""

    def apart(self) -> str | None:
        """Why a row split's shares cannot survey their families apart whatever their rows (any variant's parent may
        be another than its group's), or None."""


@runtime_checkable
class SurveyingEncoder(Protocol):
    """An encoder that reads the whole catalog once before the feed is written (Amazon, with definitions: a
    family's variation theme comes from what its variants differ by); ``surveys`` says whether it needs to."""

    @property
    def surveys(self) -> bool: ...

    def survey(
        self,
        catalog: Callable[[], Iterable[Product]],
        channel: Any,
        *,
        joined: frozenset[str],
        ahead: bool = False,
        share: bool = False,
    ) -> None:
        """Read ``catalog()`` (once, or again when what it needs of a family is not kept). ``channel``: the compiled
        channel it encodes for; ``joined``: the columns supplements set on the products (casefolded: their fields may
        differ from the catalog's). ``ahead``: read nothing now; the stream tells each family as it reads it
        (``family_feed``), and where the catalog is not one family after another, ``Unsurveyed`` (a row split's share
        then surveys its own rows whole, or the run is not split). ``share``: ``catalog()`` is a row split's share:
        ``Unsurveyed`` (not ``local``) where only the whole catalog answers for what it read (a variant naming another
        parent)."""

    def family_feed(self) -> FamilyFeed | None:
        """The survey the stream tells each family before encoding it, or None (the rows were surveyed whole)."""

    def survey_batches(self) -> Any:
        """Of an encoder told to survey a family ahead (``family_feed``): the survey another engine tells a row split's
        share, a batch of whole families at a time, before it makes them (``FamilySurvey.told``); the stream tells it
        nothing (the engine takes the share's rows before the stream reads them)."""


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    name: str
    formats: dict[str, FormatSpec]
    check_item: Callable[[ChannelItem, str], list[Diagnostic]]
    encoder: Callable[[Mapping[str, Any]], Encoder] | None = None
    """Made once per run from the channel's settings; None: items are written as their flat values."""
    settings_model: type[BaseModel] | None = None
    """Validates the profile's ``settings:`` at compile time."""
    variant_group: VariantGroup | None = None
    """Which attribute groups variants and which tell them apart, for the duplicate-variant check."""
    passthrough: bool = False
    """Write back the attributes of a source feed that the model does not name (Product.feed_attributes) when no
    profile field makes that attribute."""
    prepare_item: Callable[[ChannelItem], list[Note]] | None = None
    """Mends what the channel itself would only warn about (e.g. drops an unknown value of an optional attribute)
    before the item is checked and written; returns what it did, told once per value with the count."""
    path_settings: tuple[str, ...] = ()
    """Settings that name a file or folder: made absolute, relative to the file that sets them (feedsync.yaml or
    the profile)."""
    id_limits: Mapping[str, int] = field(default_factory=dict)
    """Identifier attribute -> the channel's maximum length: longer values are fitted (``ids.fit_id``), not
    rejected."""
    check_fields: Callable[[Mapping[str, Any], list[str]], Mapping[str, str]] | None = None
    """Refuses profile fields at compile time: (resolved settings, field names) -> {field: why} (Amazon: a field
    that names an attribute of none of the product types the definitions folder has)."""
    sync_target: Callable[[Mapping[str, Any]], str] | None = None
    """Where an item sync's items go beyond its destination, from the channel's settings (Amazon: the marketplace):
    a push to another target than the last sends every item again (``Delivery.open``)."""
    written_id: str | None = None
    """The attribute the channel keys its items on (Google's, Meta's, Pinterest's ``id``; Amazon's ``sku``): two
    items written with one are MDL021 (``channels.written``; None: items that share an id, one per store)."""
    written_parent: Callable[[Mapping[str, Any]], str | None] | None = None
    """Of an item's values, the id of the parent the channel writes once for its family (Amazon's parent SKU; None
    where the item writes no parent): keyed with the items' ids (MDL021)."""
    ascii_ids: bool = False
    """The ``id_limits`` attributes are printable ASCII too: other characters are fitted away
    (``ids.fit_ascii_id``)."""


@dataclass(frozen=True, slots=True)
class Note:
    """Something a channel mended in an item: (code, attribute, value, message)."""

    code: str
    attribute: str
    value: str
    message: str


@dataclass(frozen=True, slots=True)
class Surplus:
    """A repeated ``attribute`` of which the channel takes at most ``limit`` entries: those past it are left out,
    told as a ``code`` note naming how many and the first of them."""

    attribute: str
    limit: int
    code: str
    channel: str
    noun: str = "entries"

    def cut(self, item: ChannelItem) -> list[Note]:
        """Leave the entries past the limit out of ``item``: its note, or none where it holds no more."""
        value = item.values.get(self.attribute)
        if not isinstance(value, list) or len(value) <= self.limit:
            return []
        item.values[self.attribute] = value[: self.limit]
        return [self.note(len(value), show_value(value[self.limit : self.limit + 1]))]

    def note(self, count: int, first: str) -> Note:
        """The note of an item whose ``count`` entries were cut to the limit, ``first`` the first left out."""
        message = (
            f"{self.attribute} holds {count} {self.noun}, more than the {self.limit} {self.channel} takes: "
            f"{count - self.limit} left out of the feed, the first of them {first[:200]!r}"
        )
        return Note(self.code, self.attribute, first, message)


NOTED_TEXT = 200
"""The characters of a cut text a note keeps (``Overlong``: a finding's value shows as many, ``Tally.findings``)."""


def noted_text(value: str) -> str:
    """What a note of the cut text ``value`` keeps and is tallied by: the text itself up to ``NOTED_TEXT``
    characters, else its first ``NOTED_TEXT`` characters, NUL and a digest of the whole (texts that begin alike are
    still told apart), so that a run holds no long description whole until its findings are told."""
    if len(value) <= NOTED_TEXT:
        return value
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return f"{value[:NOTED_TEXT]}\x00{digest}"


@dataclass(frozen=True, slots=True)
class Overlong:
    """A text ``attribute`` of which the channel takes at most ``limit`` characters: a longer one is cut at a word
    (``cut_words``), told as a ``code`` note naming its length and the limit (a profile's own ``truncate_words``
    is the user's choice, and cuts before the channel sees the text)."""

    attribute: str
    limit: int
    code: str
    channel: str
    utf8: bool = False
    """The limit counts the text's UTF-8 bytes (Amazon's ``maxUtf8ByteLength``), not its characters."""

    def cut(self, item: ChannelItem) -> list[Note]:
        """Cut the text if it is longer than the limit: its note, or none where it fits."""
        value = item.values.get(self.attribute)
        if type(value) is not str:
            return []
        if not self.utf8:
            if len(value) <= self.limit:
                return []
            made = cut_words(value, self.limit)
            sizes, units = (len(value), len(made)), ("characters", "characters")
        else:
            encoded = value if value.isascii() else value.encode()
            if len(encoded) <= self.limit:
                return []
            fits = len(encoded[: self.limit].decode("utf-8", "ignore")) if type(encoded) is bytes else self.limit
            made = cut_words(value, fits)  # (the characters within the limit)
            sizes, units = (len(encoded), len(made.encode())), ("bytes in UTF-8", "bytes")
        item.values[self.attribute] = made
        message = (
            f"{self.attribute} is {sizes[0]} {units[0]}, more than the {self.limit} {self.channel} takes: cut at a "
            f"word to {sizes[1]} {units[1]}"
        )
        return [Note(self.code, self.attribute, noted_text(value), message)]


@dataclass(frozen=True, slots=True)
class VariantGroup:
    group: str
    attributes: tuple[str, ...]
    code: str


_CHANNELS: dict[str, ChannelSpec] = {}
SHARED_PACKAGES = frozenset({"templating"})
"""Packages under ``feedsync/channels/`` that every channel uses and that are no channel (the template engine)."""


def register_channel(spec: ChannelSpec) -> ChannelSpec:
    _CHANNELS[spec.name] = spec
    return spec


def load_channels() -> None:
    """Import every channel package under ``feedsync/channels/``: each registers its spec and its rule codes. A
    channel is added by adding its folder, not by naming it here."""
    import feedsync.channels

    discover(feedsync.channels, packages=True, shared=SHARED_PACKAGES)


def channel_spec(name: str) -> ChannelSpec:
    load_channels()
    try:
        return _CHANNELS[name]
    except KeyError:
        raise KeyError(name) from None


def channel_names() -> list[str]:
    load_channels()
    return sorted(_CHANNELS)
