"""A channel's items a column at a time: its fields compiled (:mod:`.fields`), made columns once, its writer's
bytes per row (:mod:`.writers`), and where they stand in for the per-row engine's item (``exact``: every stage
exact, and nothing the item's making tells the run of) and where its quick pass clears the item (``cleared``: the
channel's rules find nothing in it)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import polars as pl

from feedsync.channels.base import Note, Overlong, Surplus
from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.google import rules as google_rules
from feedsync.channels.meta import rules as meta_rules
from feedsync.channels.pinterest import rules as pinterest_rules
from feedsync.columnar.fields import Compiler, NotColumnar
from feedsync.columnar.screens import SCREENS, Ask, quick_pass
from feedsync.columnar.text import Bind
from feedsync.columnar.writers import delimited_line, rss_exact, rss_item
from feedsync.formats.spreadsheet import _STARTS
from feedsync.formats.xml_rss import RssWriter
from feedsync.taxonomy import is_google_category

_FORMULA = "[" + "".join(f"\\x{ord(c):02x}" for c in _STARTS) + "]"
"""A character a formula begins with: a value whose first character is one is a value ``FormulaTally`` looks at."""


@dataclass(frozen=True, slots=True)
class _Images:
    """A channel's ``Surplus`` of additional images, noted of a row's count and first image left out (``cut``)."""

    surplus: Surplus

    @property
    def attribute(self) -> str:
        return self.surplus.attribute

    @property
    def limit(self) -> int:
        return self.surplus.limit

    def note(self, cut: str) -> Note:
        count, first = cut.split("\x00", 1)
        return self.surplus.note(int(count), first)

    def cut(self, values: dict[str, pl.Expr], let: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
        """Keep the first ``limit`` images of ``values``' list (``let``: the compiler's, made once); the expression
        of the note of a row with more (its count and first image left out, for ``note``), null for the others."""
        listed = values[self.attribute]
        count = listed.list.len()
        values[self.attribute] = let(pl.when(count > self.limit).then(listed.list.head(self.limit)).otherwise(listed))
        first = listed.list.get(self.limit, null_on_oob=True)
        return pl.when(count > self.limit).then(pl.concat_str([count.cast(pl.String), pl.lit("\x00"), first]))


_IMAGES = {
    google_rules.prepare_item: _Images(google_rules.IMAGES),
    meta_rules.prepare_item: _Images(meta_rules.IMAGES),
    pinterest_rules.prepare_item: _Images(pinterest_rules.IMAGES),
}
"""The additional images each channel's ``prepare_item`` keeps (``Surplus.cut``)."""
_TEXTS: dict[Callable[..., list[Note]], tuple[Overlong, ...]] = {
    meta_rules.prepare_item: meta_rules.TEXTS,
    pinterest_rules.prepare_item: pinterest_rules.TEXTS,
}
"""The texts each channel's ``prepare_item`` cuts to its limit (``Overlong.cut``): an item with a longer one is made
per row, which cuts and tells it."""


@dataclass(frozen=True, slots=True)
class Items:
    compiler: Compiler
    line: pl.Expr
    """The item's bytes as the writer writes them (a text per row)."""
    exact: pl.Expr
    cleared: pl.Expr
    """The channel's quick pass says True of the item (false for a channel without one)."""
    group: pl.Expr | None = None
    """The item's variant group (``ChannelSpec.variant_group``: null when it has none), when the channel has one."""
    key: tuple[pl.Expr, ...] = ()
    """The item's variant attributes as ``stream.item_variant_key`` makes its key (the options: none)."""
    fitted: tuple[tuple[str, pl.Expr], ...] = ()
    """Per id of the channel's limits: the value it was made of where it did not fit them, else null (``fit_ids``:
    the MDL017 findings the item's making tells)."""
    noted: tuple[tuple[Callable[[str], Note], pl.Expr], ...] = ()
    """What the channel's ``prepare_item`` notes of the item (as ``Listings.noted``): none, an item Google's would
    note something of is not ``exact``."""
    alone: pl.Expr = field(default_factory=lambda: pl.lit(None, pl.String))
    """What the channel's rules find alone in the item (``screens.quick_pass``), else null: its GTIN, or (Google's)
    the findings of its prices and of the attributes its apparel category needs (``screens.FOUND`` and the
    findings); they are made without the rules."""
    checked: pl.Expr = field(default_factory=lambda: pl.lit(None))
    """Where the item is ``exact`` but its quick pass does not clear it: its values, a struct of its fields in the
    profile's order (null where a field has none), for the channel's own rules to check; else null."""
    written: pl.Expr | None = None
    """The id the channel keys the item on (``ChannelSpec.written_id``: MDL021), when it keys them on one."""


def fit_ids(
    channel: CompiledChannel, values: Mapping[str, pl.Expr], lists: set[str], ask: Ask, bind: Bind
) -> tuple[dict[str, pl.Expr], tuple[tuple[str, pl.Expr], ...]]:
    """``values`` with each id of the channel's limits as the channel publishes it (``CompiledChannel.fitted_id``
    of one that does not fit them: its length, printable ASCII where the channel asks it), and per such id the
    value it was made of where it was fitted, else null (the MDL017 findings its making tells). NotColumnar: an id
    that is a list."""
    spec = channel.spec
    fitted, made = dict(values), []
    for attr, limit in spec.id_limits.items():
        value = values.get(attr)
        if value is None:
            continue
        if attr in lists:
            raise NotColumnar(f"a list of {attr}")
        fit = value.str.len_chars() <= limit
        if spec.ascii_ids:
            fit = fit & value.str.contains("^[\\x20-\\x7e]*$")
        unfit = bind(pl.when(~fit).then(value))
        published = ask(unfit, lambda text, attr=attr: channel.fitted_id(attr, text)[0], pl.String)
        fitted[attr] = bind(pl.coalesce(published, value))
        made.append((attr, unfit))
    return fitted, tuple(made)


def items(
    channel: CompiledChannel,
    currency: str,
    attributes: Mapping[str, str] | None = None,
    *,
    tracked: bool = False,
    options: int = 0,
) -> Items:
    """The channel's items, compiled once: their expressions read a batch's normalized columns (``exact`` among
    them; ``attributes``: the catalog's own columns, by name -> column) as ``compiler.run`` leaves them. ``exact``
    also says that making the item tells the run nothing: its ids fit the channel's limits (no MDL017),
    ``prepare_item`` notes nothing it does not make a column at a time (GMC017, a text it cuts: META010;
    it makes GMC021 and META008 of the images it cuts, META009 of the options' separators), no value is
    one ``FormulaTally`` looks at (a delimited feed's MDL014).
    ``options``: the rows' variant options are columns (``fields.context``). NotColumnar: a channel or writer not
    translated."""
    writer = channel.format.writer
    if writer not in ("rss", "delimited"):
        raise NotColumnar(f"the {writer} writer")
    spec = channel.spec
    if spec.encoder is not None:
        raise NotColumnar("an encoder")
    compiler = Compiler(channel, currency, attributes, tracked=tracked, options=options)
    values, fitted = fit_ids(channel, compiler.columns(compiler.fields()), compiler.lists, compiler.ask, compiler.let)
    options = {**channel.format.options, **channel.settings}
    told = [pl.lit(True)]
    if spec.prepare_item is google_rules.prepare_item:
        category = values.get("google_product_category")
        if category is not None:
            told.append(category.is_null() | compiler.ask(category, is_google_category, pl.Boolean))
    elif spec.prepare_item is not None and spec.prepare_item not in _TEXTS:
        raise NotColumnar(f"{spec.name}'s prepare_item")
    for overlong in _TEXTS.get(spec.prepare_item, ()):  # type: ignore[arg-type]
        text = values.get(overlong.attribute)
        if text is not None and overlong.attribute not in compiler.lists:  # longer: cut and told per row
            told.append((text.str.len_chars() <= overlong.limit).fill_null(True))
    noted: list[tuple[Callable[[str], Note], pl.Expr]] = []
    if spec.prepare_item is meta_rules.prepare_item:  # a separator in an option's name or value made a space
        for name, value, written in compiler.separated:
            noted.append((_name_note, pl.when(written & name.str.contains("[,:]")).then(name)))
            valued = pl.when(written & value.str.contains("[,:]")).then(pl.concat_str([name, pl.lit("\x00"), value]))
            noted.append((_value_note, valued))
    images = _IMAGES.get(spec.prepare_item)  # type: ignore[arg-type]
    if images is not None and images.attribute in compiler.lists:  # past the channel's limit: cut, and noted
        noted.insert(0, (images.note, images.cut(values, compiler.let)))
    if writer == "rss":
        tags = RssWriter(io.BytesIO(), meta={}, namespace=options["namespace"], prefix=options["prefix"]).tag
        line = compiler.let(rss_item(values, compiler.lists, tags))  # made once: written and checked
        exact = pl.col("exact") & compiler.exact() & rss_exact(line)
    else:
        line = delimited_line(values, compiler.lists, options)
        # each value's first character, joined (null values left out): one search for them all, not one a value
        starts = [(v.list.first() if n in compiler.lists else v).str.slice(0, 1) for n, v in values.items()]
        if starts:
            told.append(~pl.concat_str(starts, ignore_nulls=True).str.contains(_FORMULA))
        exact = pl.col("exact") & compiler.exact()
    exact = compiler.let(exact & pl.all_horizontal(told).fill_null(False))  # read twice (``checked``)
    cleared, alone = pl.lit(False), pl.lit(None, pl.String)
    if spec.name in SCREENS:
        cleared, alone = quick_pass(spec.name, values, compiler.lists, compiler.ask, compiler.let)
    named = [value.alias(name) for name, value in values.items()]
    checked = pl.when(exact & ~cleared).then(pl.struct(named)) if named else pl.lit(None)
    group, key = None, ()
    if spec.variant_group is not None:
        named = spec.variant_group
        if named.group in compiler.lists or any(a in compiler.lists for a in named.attributes):
            raise NotColumnar("a variant group of lists")
        group = values.get(named.group, pl.lit(None, dtype=pl.String))
        key = tuple(values[a].fill_null("") if a in values else pl.lit("") for a in named.attributes)
    if spec.written_id in compiler.lists:
        raise NotColumnar(f"a list of {spec.written_id}")
    written = values.get(spec.written_id) if spec.written_id is not None else None
    return Items(
        compiler, line, exact, cleared, group, key, fitted, tuple(noted), alone=alone, checked=checked, written=written
    )


def _name_note(name: str) -> Note:
    return meta_rules.separator_note(name, None)


def _value_note(named: str) -> Note:
    """META009 of an option's value, given as its name, NUL and the value."""
    name, value = named.split("\x00", 1)
    return meta_rules.separator_note(value, name)
