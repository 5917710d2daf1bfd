"""A channel's fields as Polars expressions over a batch's normalized columns (:mod:`.source`): each field's plan
(``templating.plan``) compiled node by node, once per run, with the guard of the rows where the expressions give
what the per-row engine's ``field_values`` gives for the product's view.

What is known when the channel is compiled is worked out in Python: its settings and globals, the model's defaults
for fields a native catalog has no column for, constants, and every node all of whose inputs are known (a filter of
constants is the filter's own call). What depends on a batch's values is made by ``Compiler.run`` for each batch:
the category map's values (the channel's own ``CategoryMap`` asked once per distinct product type), the columns
the expressions read twice, the answers of functions asked once per distinct value. A channel whose view does more
(overrides in the catalog, price, inventory or if/then rules, filters, ``expand``, ``now``), or a field of a shape or
kind not translated here, raises ``NotColumnar``: the channel stays on the per-row engine.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from feedsync.channels.compiled import CompiledChannel
from feedsync.channels.templating import plan as p
from feedsync.channels.templating.filters import (
    bullets,
    collapse,
    name_variant,
    plaintext,
    truncate_words,
    variant_pairs,
)
from feedsync.channels.templating.plan import plan
from feedsync.columnar import text
from feedsync.columnar.source import TEXTS
from feedsync.model.money import minor_units

_NAMES = itertools.count()
"""Numbers the columns of ``Compiler.let`` (several channels' fields are made in one frame)."""
_LONG = 1000
"""A ``truncate_words`` limit from which texts over it are left to the per-row engine (see ``_truncated``)."""


class NotColumnar(Exception):
    """What the columnar engine does not translate: the channel is made per row."""


@dataclass(frozen=True, slots=True)
class V:
    """A value of a node: ``kind`` is ``const`` (known: ``value``), ``text``, ``int``, ``decimal`` (a decimal's
    text), ``money`` (amount text, currency), ``weight`` (value text, unit), ``dates`` (start, end: ISO texts),
    ``moment`` (an ISO text), ``list`` (texts), ``bool``, ``items`` (a list literal's values) or ``truth`` (the
    truth of ``a or b``/``a and b`` of two kinds: a test's, never printed)."""

    kind: str
    expr: Any = None
    other: Any = None
    value: Any = None
    items: tuple[V, ...] = ()


_DEFAULTS: dict[str, Any] = {"attributes": {}, "variant_options": {}, "inventory_tracked": None, "feed_attributes": ()}
"""A native catalog's product fields that have no column: the model's defaults (a catalog with columns the model
does not name keeps them in ``attributes``: not translated)."""


def context(
    channel: CompiledChannel, attributes: Mapping[str, str] | None = None, tracked: bool = False, options: int = 0
) -> dict[str, V]:
    """The view of a batch's rows (normalized columns) as the channel's templates see it, but for what the category
    map sets (``Compiler``). ``attributes``: the catalog's columns the model does not name, by name -> the column of
    their cells (a row's ``attributes`` holds those not empty); ``tracked``: the rows' ``inventory_tracked`` is their
    column of it (a platform export's), else the model's default; ``options``: the rows' ``variant_options`` are so
    many pairs of columns (``option_columns``: a platform export's), else the model's default (none)."""
    if channel.price or channel.inventory or channel.rules or channel.include or channel.exclude:
        raise NotColumnar("rules")
    if channel.expand or channel.reads_now:
        raise NotColumnar("expand or now")
    ctx: dict[str, V] = {name: V("const", value=value) for name, value in channel.globals.items()}
    ctx |= {name: V("const", value=None) for name in channel.variables}
    ctx |= {name: V("const", value=value) for name, value in _DEFAULTS.items()}
    if attributes:
        ctx["attributes"] = V("attrs", value={name: _given(pl.col(column)) for name, column in attributes.items()})
    if tracked:
        ctx["inventory_tracked"] = V("bool", pl.col("inventory_tracked"))
    if options:
        pairs = option_columns(options)  # (each option a text of its value, with its name)
        ctx["variant_options"] = V("options", items=tuple(V("text", pl.col(v), pl.col(n)) for n, v in pairs))
    ctx |= {name: V("text", pl.col(name)) for name in TEXTS}
    ctx |= {name: V("text", pl.col(name)) for name in ("availability", "condition", "gender", "age_group", "gtin")}
    ctx |= {name: V("text", pl.col(name)) for name in ("link", "image_link")}
    ctx["additional_image_links"] = V("list", pl.col("additional_image_links"))
    ctx["quantity"] = V("int", pl.col("quantity"))
    for name in ("price", "sale_price"):
        ctx[name] = V("money", pl.col(name), pl.col("currency"))
    ctx["sale_price_effective_date"] = V("dates", pl.col("sale_start"), pl.col("sale_end"))
    ctx["weight"] = V("weight", pl.col("weight"), pl.col("weight_unit"))
    ctx["now"] = V("const", value=channel.now)
    return ctx


def option_columns(count: int) -> list[tuple[str, str]]:
    """The columns of a row's ``variant_options`` (``context``): per option in their order, its name's and its
    value's (both null where the row has no such option)."""
    return [(f"__optname{n}", f"__optvalue{n}") for n in range(count)]


@dataclass(slots=True)
class _Ask:
    name: str
    expr: pl.Expr
    function: Callable[[Any], Any]
    dtype: pl.DataType
    answers: dict[Any, Any]
    """The answers of the last batch made (of at most ``_ANSWERS`` values): a value that recurs from batch to batch
    (a price, a unit) is asked once; one of a single batch (a family's parent) is let go with it."""
    group: pl.Expr | None = None
    """``Compiler.ask_first``'s: the value is made of one row of each group alone (``at``), and answers all its
    rows."""
    at: pl.Expr | None = None
    """``Compiler.ask_first``'s: the row of each group its value is made of (a boolean column)."""
    each: bool = False
    """Asked of the batch's values row by row, kept for no other (``Compiler.ask`` of values no two rows share)."""

    def reads(self) -> list[str]:
        """The columns the ask reads."""
        return [name for e in self.exprs() for name in e.meta.root_names()]

    def exprs(self) -> list[pl.Expr]:
        """The expressions the ask reads the batch with."""
        return [e for e in (self.expr, self.group, self.at) if e is not None]


_ANSWERS = 100_000
"""Answers an ask keeps from one batch to the next, at most."""


def _made_at(name: str) -> int:
    """When a ``let`` column or an ask was made (``_NAMES`` numbers both)."""
    return int(name.removeprefix("__let").removeprefix("__ask"))


def _steps(lets: list[tuple[str, pl.Expr]], asks: list[_Ask]) -> list[tuple[list[pl.Expr], list[_Ask]]]:
    """The ``let`` columns and the asks in steps, each column in the first step after those of the columns it
    reads: a step's lets are made in one frame operation, then its asks (which may read them) in one more."""
    at: dict[str, int] = {}  # a column -> its place: a step's lets at 2 * step, its asks at 2 * step + 1

    def place(reads: list[str], ask: bool) -> int:
        after = max((at[read] for read in reads if read in at), default=-1)
        place = after + 1
        return place + 1 if (place % 2 == 0) == ask else place

    made = {name: (e.meta.root_names(), False) for name, e in lets} | {item.name: (item.reads(), True) for item in asks}
    for name in sorted(made, key=_made_at):  # in the order they were made: each reads only those made before it
        reads, ask = made[name]
        at[name] = place(reads, ask)
    steps: list[tuple[list[pl.Expr], list[_Ask]]] = [([], []) for _ in range(max(at.values(), default=-1) // 2 + 1)]
    for name, e in lets:
        steps[at[name] // 2][0].append(e.alias(name))
    for item in asks:
        steps[at[item.name] // 2][1].append(item)
    return steps


def _asked(ask: _Ask, values: list[Any]) -> dict[Any, Any]:
    """The answers of ``ask`` to ``values`` (distinct, not null): those of the last batch kept, the others asked."""
    answers = ask.answers  # the last batch's (batches made at once each take the one there is)
    table = {}
    for value in values:
        answer = answers.get(value, answers)
        if answer is answers:
            answer = ask.function(value)
        table[value] = answer
    ask.answers = table if len(table) <= _ANSWERS else {}  # what recurs is in every batch: memory stays flat
    return table


def _answers(ask: _Ask, values: list[Any]) -> pl.Series:
    """The answers of ``ask`` to ``values`` (distinct, not null; ``_asked``), in their order."""
    table = _asked(ask, values)
    return pl.Series([table[value] for value in values], dtype=ask.dtype)


def _first_answers(frame: pl.DataFrame, ask: _Ask) -> pl.Expr:
    """The column of an ``ask_first``: each row has the answer to the value of its group's row ``at`` (a null group
    is a group too, as ``over`` takes it; a group without such a row has none)."""
    assert ask.group is not None and ask.at is not None
    firsts = frame.lazy().filter(ask.at).select(g=ask.group, v=ask.expr).collect()
    groups, values = firsts["g"].to_list(), firsts["v"].to_list()
    table = _asked(ask, list(dict.fromkeys(v for v in values if v is not None)))
    answers = {g: table.get(v) if v is not None else None for g, v in zip(groups, values, strict=True)}
    none = answers.pop(None, None)
    column = ask.group.replace_strict(answers, default=None, return_dtype=ask.dtype)
    return column if none is None else pl.when(ask.group.is_null()).then(pl.lit(none, ask.dtype)).otherwise(column)


def names_read(exprs: Iterable[pl.Expr]) -> set[str] | None:
    """The columns ``exprs`` read, by name; None where one reads through a selector (``pl.all``, a pattern,
    ``exclude``), which names none of them."""
    names: set[str] = set()
    for e in exprs:
        if e.meta.has_multiple_outputs():
            return None
        names.update(e.meta.root_names())
    return names


def shared_lets(compilers: list[Compiler]) -> list[list[pl.Expr]]:
    """The ``let`` columns that two or more of ``compilers`` make alike (the same tree, reading a batch's normalized
    columns and such shared columns alone): each is to be made once on the batch before the compilers run (returned
    in steps, each step's columns reading only earlier steps', each column named as its first compiler's), and
    every compiler's own column of it then reads that one (a copy of the column, no work). Called before the
    compilers' first batch."""
    canonical: dict[str, str] = {}  # a compiler's let column -> the shared column it reads
    steps: list[list[pl.Expr]] = []
    while True:
        found: dict[str, list[tuple[Compiler, int]]] = {}
        for compiler in compilers:
            for index, (name, e) in enumerate(compiler.lets):
                if name in canonical:
                    continue
                key = _shared_key(e, canonical)
                if key is not None:
                    found.setdefault(key, []).append((compiler, index))
        step = []
        for key, places in found.items():
            if len({id(compiler) for compiler, _ in places}) < 2:
                continue
            name = places[0][0].lets[places[0][1]][0]
            step.append(pl.Expr.deserialize(io.StringIO(key), format="json").alias(name))
            for compiler, index in places:
                canonical[compiler.lets[index][0]] = name
        if not step:
            break
        steps.append(step)
    for compiler in compilers:
        compiler.lets = [(name, pl.col(canonical[name]) if name in canonical else e) for name, e in compiler.lets]
    return steps


def _shared_key(e: pl.Expr, canonical: Mapping[str, str]) -> str | None:
    """The tree of ``e`` with the shared columns it reads named as they are shared (a text: alike for alike trees),
    or None where it reads a column a compiler makes that is not shared, or Polars does not serialize it."""
    roots = [root for root in e.meta.root_names() if root.startswith("__")]
    if any(root not in canonical for root in roots):
        return None
    try:
        key = e.meta.serialize(format="json")
    except pl.exceptions.PolarsError:
        return None
    for root in set(roots):
        key = key.replace(f'"Column":"{root}"', f'"Column":"{canonical[root]}"')
    return key


class Compiler:
    """A channel's fields compiled once per run into expressions over a batch's columns (``run`` makes the columns
    they read, batch by batch), with the guards of the rows they are exact for."""

    def __init__(
        self,
        channel: CompiledChannel,
        currency: str,
        attributes: Mapping[str, str] | None = None,
        *,
        tracked: bool = False,
        options: int = 0,
    ) -> None:
        self.channel = channel
        self.currency = currency
        self.tracked = tracked
        """The batches have an ``inventory_tracked`` column (``context``)."""
        self.guards: list[pl.Expr] = []
        self.lets: list[tuple[str, pl.Expr]] = []
        self._made: dict[bytes, pl.Expr] = {}  # a let's expression (serialized) -> the column of it
        self.asks: list[_Ask] = []
        self.lists: set[str] = set()
        """The fields whose values are lists of texts (a repeated attribute)."""
        self._steps: tuple[tuple[int, int], list[tuple[list[pl.Expr], list[_Ask]]]] | None = None
        """``run``'s steps, made at its first batch (of so many lets and asks)."""
        self._drops: tuple[tuple[int, int], frozenset[str], list[list[str]]] | None = None
        """``run``'s columns let go after each step, made at its first batch (of so many lets and asks, read
        after it)."""
        self.separated: list[tuple[pl.Expr, pl.Expr, pl.Expr]] = []
        """Per option ``variant_pairs`` writes in additional_variant_attribute: its name, its value and whether it
        is written (where a ':' or ',' in them is made a space, Meta's channel notes it: META009)."""
        self._field = ""
        self.unasked: set[str] = set()
        """The attributes the templates ask of by name that no column holds (``attributes.get``, ``variant_pairs``):
        a row that has one otherwise (a platform export's option) is not exact."""
        self.ctx = context(channel, attributes, tracked, options)
        self.categories: dict[str, str] = {}  # a field the category map sets -> the column of its value
        self._mapped = f"__mapped{next(_NAMES)}"
        if channel.category_map is not None:
            self._categorize(channel.category_map.fields)

    def _categorize(self, keys: list[str]) -> None:
        """The fields the category map sets read columns that ``run`` makes; a row whose product type the map
        lacks goes per row, where the first is told (CFG004)."""
        self.guards.append(pl.col(self._mapped).fill_null(True))
        for key in keys:
            name = self.categories[key] = f"__category{next(_NAMES)}"
            mapped = pl.col(name)
            own = self.ctx.get(key)
            if own is None or own.kind == "const":
                if own is not None and own.value:
                    continue
                self.ctx[key] = V("text", mapped)
            elif own.kind == "text":
                self.ctx[key] = V("text", pl.when(_truthy(own)).then(own.expr).otherwise(mapped))
            else:
                raise NotColumnar(f"the category map sets {key}")

    def fields(self) -> dict[str, pl.Expr]:
        """Every field of the channel, by name, in the profile's order (NotColumnar: one is not translated)."""
        made = {}
        for spec in self.channel.fields:
            planned = plan(spec.compiled)
            if planned is None:
                raise NotColumnar(f"the template of {spec.name}")
            self._field = spec.name
            made[spec.name], kind = self.field(planned)
            if kind == "list":
                self.lists.add(spec.name)
        return made

    def columns(self, values: Mapping[str, pl.Expr]) -> dict[str, pl.Expr]:
        """``values`` made columns (``let``): the passes and writers read each field without making it again."""
        return {name: self.let(value) for name, value in values.items()}

    def exact(self) -> pl.Expr:
        """Where every field made so far gives what the per-row engine gives."""
        return pl.all_horizontal([pl.lit(True), *self.guards]).fill_null(False)

    def let(self, e: pl.Expr) -> pl.Expr:
        """A column made of ``e`` before the fields (in order: a later one may read an earlier one), read where
        ``e`` is used more than once; an expression let before (the same tree) reads the same column."""
        # an expression Polars does not serialize (a Python function) gets a column of its own
        try:
            key: bytes | None = e.meta.serialize()
        except pl.exceptions.PolarsError:
            key = None
        made = self._made.get(key) if key is not None else None
        if made is not None:
            return made
        name = f"__let{next(_NAMES)}"
        self.lets.append((name, e))
        made = pl.col(name)
        if key is not None:
            self._made[key] = made
        return made

    def ask(self, e: pl.Expr, function: Callable[[Any], Any], dtype: pl.DataType, *, each: bool = False) -> pl.Expr:
        """``function`` asked of each distinct value of ``e`` (once a run: answers are kept): the column of its
        answers (null where ``e`` is), made by ``run`` after the ``let`` columns. ``each``: ``function`` is asked
        of the batch's values, row by row (a list, None where ``e`` is null), and answers each (for values no two
        rows share: neither sought among the others, nor kept)."""
        if not e.meta.is_column():  # made once: its values are asked of, then answered
            e = self.let(e)
        name = f"__ask{next(_NAMES)}"
        self.asks.append(_Ask(name, e, function, dtype, {}, each=each))
        return pl.col(name)

    def ask_first(
        self, e: pl.Expr, group: pl.Expr, at: pl.Expr, function: Callable[[Any], Any], dtype: pl.DataType
    ) -> pl.Expr:
        """:meth:`ask` of ``e`` at the row of each group where ``at`` (a boolean column: one row a group at most)
        answering all the group's rows, with ``e`` made of those rows alone (a family's parent, of the variant the
        encoder meets first)."""
        if not group.meta.is_column():
            group = self.let(group)
        if not at.meta.is_column():
            at = self.let(at)
        name = f"__ask{next(_NAMES)}"
        self.asks.append(_Ask(name, e, function, dtype, {}, group, at))
        return pl.col(name)

    def run(self, frame: pl.DataFrame, read: Collection[str] | None = None) -> pl.DataFrame:
        """``frame`` (a batch's normalized columns) with the columns the compiled expressions read: the category
        map's values, the ``let`` columns, the answers of the asks. NotColumnar: the batch has override columns.
        ``read``: the only columns read of the frame returned (None: any may be); each column this compiler makes
        then goes once no later step reads it (held only while a later step reads it: the benchmark's 100,000
        variants took 25 MB less in all)."""
        prefix = self.channel.overrides_prefix
        if prefix and any(name.startswith(prefix) for name in frame.columns):
            raise NotColumnar("override columns")
        if self.categories:
            frame = self._categories(frame)
        made = (len(self.lets), len(self.asks))
        if self._steps is None or self._steps[0] != made:  # (once: the channel is compiled before its batches)
            self._steps = (made, _steps(self.lets, self.asks))
        steps = self._steps[1]
        drops = self._dropped(made, frozenset(read)) if read is not None else [[] for _ in steps]
        for (lets, asks), gone in zip(steps, drops, strict=True):  # each step reads only earlier steps' columns
            if lets:
                frame = frame.with_columns(lets)
            if asks:
                frame = self._answer(frame, asks)
            for name in gone:  # (in place, no query: the frame is this run's own, made by the step)
                frame.drop_in_place(name)
        return frame

    def _dropped(self, made: tuple[int, int], read: frozenset[str]) -> list[list[str]]:
        """The columns this compiler makes (the category map's, the lets', the asks') that no step after each of
        ``run``'s steps reads, nor ``read``: let go after that step (made once per run and ``read``)."""
        if self._drops is not None and self._drops[:2] == (made, read):
            return self._drops[2]
        assert self._steps is not None
        steps = self._steps[1]
        later: list[set[str]] = [set() for _ in steps]  # the columns the steps after each read
        reads: set[str] = set(read)
        for index in range(len(steps) - 1, -1, -1):
            later[index] = set(reads)
            lets, asks = steps[index]
            step = names_read([*lets, *(e for ask in asks for e in ask.exprs())])
            if step is None:  # none go
                self._drops = (made, read, [[] for _ in steps])
                return self._drops[2]
            reads |= step
        own = [self._mapped, *self.categories.values()] if self.categories else []
        drops: list[list[str]] = []
        for index, (lets, asks) in enumerate(steps):
            own += [e.meta.output_name() for e in lets] + [ask.name for ask in asks]
            drops.append([name for name in own if name not in later[index]])
            own = [name for name in own if name in later[index]]
        self._drops = (made, read, drops)
        return drops

    def _answer(self, frame: pl.DataFrame, asks: list[_Ask]) -> pl.DataFrame:
        """``frame`` with the columns of ``asks``' answers (each function asked of the values it was not asked of
        in the last batch)."""
        plain = [ask for ask in asks if ask.group is None and not ask.each]
        distinct = frame.select(ask.expr.drop_nulls().unique().implode().alias(ask.name) for ask in plain)
        columns = []
        for ask in plain:
            values = distinct[ask.name][0]  # (handed back as it is: a dict of the answers is twice as slow)
            if not len(values):  # (an ask of the rows something is wrong with: most batches have none)
                columns.append(pl.lit(None, dtype=ask.dtype).alias(ask.name))
                continue
            answers = _answers(ask, values.to_list())
            columns.append(
                ask.expr.replace_strict(values, answers, default=None, return_dtype=ask.dtype).alias(ask.name)
            )
        for ask in asks:
            if ask.group is not None:
                columns.append(_first_answers(frame, ask).alias(ask.name))
            elif ask.each:
                answers = ask.function(frame.select(ask.expr).to_series().to_list())
                columns.append(pl.Series(ask.name, answers, dtype=ask.dtype))
        return frame.with_columns(columns)

    def _categories(self, frame: pl.DataFrame) -> pl.DataFrame:
        category_map = self.channel.category_map
        assert category_map is not None
        types = frame["product_type"].drop_nulls().unique().to_list()
        entries = {name: category_map.lookup(name) for name in types}  # the map keeps what it found
        mapped = {name: entry is not None for name, entry in entries.items()}
        columns = [
            pl.col("product_type").replace_strict(mapped, default=None, return_dtype=pl.Boolean).alias(self._mapped)
        ]
        for key, column in self.categories.items():
            table = {name: entry.get(key) for name, entry in entries.items() if entry}
            columns.append(
                pl.col("product_type").replace_strict(table, default=None, return_dtype=pl.String).alias(column)
            )
        return frame.with_columns(columns)

    def field(self, made: p.Plan) -> tuple[pl.Expr, str]:
        """The field's value as ``field_values`` keeps it (a stripped text, or a list of texts; null: left out), and
        the kind of the value its expression made (``list``: a list of texts)."""
        value = self.node(made.node)
        if made.renders:
            return text.stripped(self.printed(value)), "text"
        return self.to_text(value), value.kind

    # -- printing ---------------------------------------------------------------------------------------------
    def printed(self, v: V) -> pl.Expr:
        """``str`` of the value as ``{{ value }}`` prints it (None: null, printed as an empty text)."""
        if v.kind == "const":
            return pl.lit("" if v.value is None else str(v.value), dtype=pl.String)
        if v.kind == "text":
            return v.expr
        if v.kind == "decimal":  # Python writes a decimal below 10^-6 with an exponent (1E-7): such a row per row
            self.guards.append(v.expr.is_null() | ~v.expr.str.contains("^0\\.0{6}[0-9]"))
            return v.expr
        if v.kind == "moment":  # ``str`` of a date-time: a space between the date and the time
            return v.expr.str.replace("T", " ", literal=True)
        if v.kind == "int":
            return v.expr.cast(pl.String)
        if v.kind == "money":
            return pl.concat_str([self._quantized(v.expr), pl.lit(" "), v.other])
        if v.kind == "weight":
            return pl.concat_str([v.expr, pl.lit(" "), v.other])
        if v.kind == "dates":
            return pl.concat_str([_offset(v.expr), pl.lit("/"), _offset(v.other)])
        raise NotColumnar(f"printing a {v.kind}")

    def to_text(self, v: V) -> pl.Expr:
        """``base.to_text`` of a value an expression field keeps: texts stripped, lists of stripped texts."""
        if v.kind == "list":
            items = self.let(v.expr.list.eval(text.strip_python(pl.element())).list.drop_nulls())  # (read twice)
            return pl.when(items.list.len() > 0).then(items)
        if v.kind == "const":
            if v.value is None or (type(v.value) is str):
                return text.stripped(pl.lit(v.value, dtype=pl.String))
            raise NotColumnar(f"a constant {type(v.value).__name__}")
        if v.kind == "bool":  # (None, a null of the column: no value, as ``base.to_text`` has it)
            return (
                pl.when(v.expr.is_null())
                .then(pl.lit(None, pl.String))
                .when(v.expr)
                .then(pl.lit("yes"))
                .otherwise(pl.lit("no"))
            )
        if v.kind in ("text", "int", "decimal", "moment"):
            return text.stripped(self.printed(v))
        raise NotColumnar(f"the text of a {v.kind}")

    def _quantized(self, amount: pl.Expr) -> pl.Expr:
        """``Money.quantized`` printed: the amount with the currency's minor units (more digits: not translated)."""
        places = minor_units(self.currency)
        fraction = amount.str.extract("\\.([0-9]*)$", 1).fill_null("")
        self.guards.append(amount.is_null() | (fraction.str.len_chars() <= places))
        integer = amount.str.extract("^([0-9]+)", 1)
        if places == 0:
            return integer
        return pl.concat_str([integer, pl.lit("."), fraction.str.pad_end(places, "0")])

    # -- nodes ------------------------------------------------------------------------------------------------
    def node(self, node: p.Node) -> V:
        if isinstance(node, p.Var):
            if node.name not in self.ctx:
                raise NotColumnar(f"the name {node.name}")
            return self.ctx[node.name]
        if isinstance(node, p.Const):
            return V("const", value=node.value)
        if isinstance(node, p.Attr):
            return self._attr(self.node(node.node), node.name)
        if isinstance(node, p.Method):
            return self._method(self.node(node.node), node.name, node.args)
        if isinstance(node, p.Filter):
            return self._filter(node)
        if isinstance(node, p.Not):
            inner = self.node(node.node)
            return V("const", value=not inner.value) if inner.kind == "const" else V("bool", ~_truthy(inner))
        if isinstance(node, (p.Or, p.And)):
            return self._either(node)
        if isinstance(node, p.Cond):
            test = self.node(node.test)
            if test.kind == "const":  # only the branch taken is evaluated
                taken = node.then if test.value else node.otherwise
                return self.node(taken) if taken is not None else V("const", value=None)
            truth = _truthy(test)
            then = self._branch(node.then, truth)
            otherwise = self._branch(node.otherwise, ~truth) if node.otherwise is not None else V("const", value=None)
            return _choose(truth, then, otherwise)
        if isinstance(node, p.Compare):
            return self._compare(node.op, self.node(node.left), self.node(node.right))
        if isinstance(node, p.Test):
            inner = self.node(node.node)
            if node.name != "none":
                raise NotColumnar(f"the test {node.name}")
            return V("const", value=inner.value is None) if inner.kind == "const" else V("bool", inner.expr.is_null())
        if isinstance(node, p.Lookup):  # a key the table lacks fails the field, per row
            key = self.node(node.key)
            table = dict(node.table)
            if key.kind == "const":
                if key.value not in table:
                    raise NotColumnar(f"a lookup of {key.value!r}, a key the table lacks")
                return V("const", value=table[key.value])
            if key.kind != "text" or not all(type(k) is str and type(x) is str for k, x in table.items()):
                raise NotColumnar("a lookup")
            self.guards.append(key.expr.is_in(list(table)).fill_null(False))
            return V("text", key.expr.replace_strict(table, default=None, return_dtype=pl.String))
        if isinstance(node, p.Slice):
            inner = self.node(node.node)
            if inner.kind == "const":
                return V("const", value=inner.value[: node.stop])
            if inner.kind != "list":
                raise NotColumnar(f"a slice of a {inner.kind}")
            return V("list", inner.expr.list.head(node.stop))
        assert isinstance(node, p.Items)
        return V("items", items=tuple(self.node(item) for item in node.items))

    def _branch(self, node: p.Node, taken: pl.Expr) -> V:
        """``node``, evaluated only where ``taken``: what its guards ask holds there alone."""
        count = len(self.guards)
        made = self.node(node)
        self.guards[count:] = [~taken | guard for guard in self.guards[count:]]
        return made

    def _attr(self, inner: V, name: str) -> V:
        """``inner.name`` as Jinja reads it: a mapping's key (one it lacks is undefined, which fails the field per
        row), an object's attribute."""
        if inner.kind == "attrs":
            column = inner.value.get(name)
            if column is None or hasattr(dict, name):
                raise NotColumnar(f"attributes.{name}: no such column (the field fails per row)")
            self.guards.append(column.is_not_null())  # a row without it: the field fails, per row
            return V("text", column)
        if inner.kind == "const":
            value = inner.value
            if isinstance(value, Mapping):
                if name not in value or hasattr(type(value), name):
                    raise NotColumnar(f"{name}: not a key (the field fails per row)")
                return V("const", value=value[name])
            if not hasattr(value, name):
                raise NotColumnar(f"{name}: not an attribute (the field fails per row)")
            return V("const", value=getattr(value, name))
        parts = {
            ("money", "amount"): V("decimal", inner.expr),
            ("money", "currency"): V("text", inner.other),
            ("weight", "value"): V("decimal", inner.expr),
            ("weight", "unit"): V("text", inner.other),
            ("dates", "start"): V("moment", inner.expr),
            ("dates", "end"): V("moment", inner.other),
        }
        made = parts.get((inner.kind, name))
        if made is None:
            raise NotColumnar(f"{name} of a {inner.kind}")
        self.guards.append(inner.expr.is_not_null())  # a part of a value the row lacks fails the field, per row
        return made

    def _method(self, inner: V, name: str, args: tuple[Any, ...]) -> V:
        if inner.kind == "const" and name == "get" and isinstance(inner.value, Mapping):
            return V("const", value=inner.value.get(*args))
        if inner.kind == "attrs" and name == "get" and 1 <= len(args) <= 2:
            default = args[1] if len(args) == 2 else None
            column = inner.value.get(args[0])
            if column is None:
                self.unasked.add(args[0])
                return V("const", value=default)
            if default is not None and type(default) is not str:
                raise NotColumnar("attributes.get with a default that is not a text")
            return V("text", column if default is None else column.fill_null(default))
        if inner.kind == "moment" and name == "isoformat" and not args:
            return V("text", inner.expr)
        raise NotColumnar(f"the method {name} of a {inner.kind}")

    def _either(self, node: p.Or | p.And) -> V:
        left = self.node(node.left)
        is_or = isinstance(node, p.Or)
        if left.kind == "const":
            if bool(left.value) == is_or:  # ``right`` is not evaluated
                return left
            return self.node(node.right)
        test = _truthy(left)
        right = self._branch(node.right, ~test if is_or else test)
        try:
            return _choose(test, left, right) if is_or else _choose(test, right, left)
        except NotColumnar:  # values of two kinds: only their truth is translated (a test's), not their text
            return V("truth", test | _truthy(right) if is_or else test & _truthy(right))

    def _compare(self, op: str, left: V, right: V) -> V:
        if left.kind == "const" and right.kind == "const":
            known = {"eq": left.value == right.value, "ne": left.value != right.value}
            if op not in known:
                raise NotColumnar(f"the comparison {op}")
            return V("const", value=known[op])
        if op in ("eq", "ne") and right.kind == "const" and left.kind in ("text", "int"):
            value = right.value
            if value is None or type(value) not in ((str,) if left.kind == "text" else (int,)):
                raise NotColumnar(f"comparing a {left.kind} with {value!r}")
            same = (left.expr == pl.lit(value)).fill_null(False)
            return V("bool", same if op == "eq" else ~same)
        if op in ("eq", "ne") and right.kind == "const" and left.kind == "bool" and type(right.value) is bool:
            same = (left.expr == pl.lit(right.value)).fill_null(False)  # (None is neither: Jinja's ==)
            return V("bool", same if op == "eq" else ~same)
        if op in ("gt", "lt") and left.kind == "int" and right.kind == "const" and type(right.value) is int:
            self.guards.append(left.expr.is_not_null())  # None > 0 is the template's fault: told per row
            return V("bool", left.expr > right.value if op == "gt" else left.expr < right.value)
        if op in ("in", "notin") and left.kind == right.kind == "text":
            self.guards.append(left.expr.is_not_null() & right.expr.is_not_null())
            found = right.expr.str.contains(left.expr, literal=True)
            return V("bool", found if op == "in" else ~found)
        raise NotColumnar(f"the comparison {op} of a {left.kind} and a {right.kind}")

    def _filter(self, node: p.Filter) -> V:
        inner = self.node(node.node)
        args = [self.node(arg) for arg in node.args]
        kwargs = {key: self.node(value) for key, value in node.kwargs}
        if inner.kind == "attrs" and node.name == "variant_pairs" and args and args[0].kind == "const":
            names = args[0].value
            if not isinstance(names, (list, tuple)) or any(name in inner.value for name in names):
                raise NotColumnar("variant_pairs of the catalog's own columns")
            self.unasked.update(names)
            inner = V("const", value={})  # none of the named attributes is a column: none is set
        if node.name == "variant_pairs" and len(args) == 2 and args[1].kind == "options" and not kwargs:
            return self._variant_pairs(inner, args[0], args[1])
        if all(v.kind == "const" for v in (inner, *args, *kwargs.values())):
            function = _KNOWN.get(node.name)
            if function is None:
                raise NotColumnar(f"the filter {node.name}")
            try:
                made = function(inner.value, *(a.value for a in args), **{k: v.value for k, v in kwargs.items()})
            except Exception as exc:  # the filter fails the field per row (CFG001)
                raise NotColumnar(f"the filter {node.name} fails: {exc}") from None
            return V("const", value=made)
        constants = [a.value for a in args if a.kind == "const"]
        if node.name in ("plaintext", "collapse", "truncate_words", "lower") and inner.kind == "text":
            source = inner.expr.fill_null("")
            if node.name == "plaintext" and not args:
                # (a column: a channel whose text is made alike reads the other's, ``shared_lets``)
                self.guards.append(self.let(text.per_run(source, text.plaintext_exact, self.let)))
                return V("text", self.let(text.per_run(source, text.plaintext, self.let)))
            if node.name == "collapse" and not args:
                return V("text", self.let(text.per_run(source, text.collapse, self.let)))
            if node.name == "lower" and not args:  # Jinja's: the text of None is "None"
                self.guards.append(text.name_variant_exact(inner.expr))
                return V("text", inner.expr.fill_null("None").str.to_lowercase())
            if node.name == "truncate_words" and len(constants) == len(args) >= 1 and not kwargs:
                return self._truncated(node.node, source, *constants)
        if node.name == "bullets" and inner.kind == "text" and len(constants) == len(args) <= 1 and not kwargs:
            self.guards.append(self.let(text.per_run(inner.expr, text.bullets_exact, self.let)))
            return V("list", text.per_run(inner.expr, lambda e: text.bullets(e, *constants), self.let))
        if node.name == "name_variant" and inner.kind == "text":
            return self._name_variant(inner, args, kwargs)
        if node.name == "select" and inner.kind == "items" and not args:  # the true ones (null: left out)
            kept = [v for v in inner.items if v.kind != "const" or v.value]
            kept = [V("text", self.let(v.expr)) if v.kind == "text" else v for v in kept]  # tested, then joined
            chosen = tuple(v if v.kind == "const" else _choose(_truthy(v), v, _NONE) for v in kept)
            return V("items", items=chosen, value="selected")  # a null item is one left out
        if node.name == "join" and inner.kind == "items" and len(constants) == len(args) <= 1 and not kwargs:
            left_out = inner.value == "selected"  # else Jinja joins None as "None"
            parts = [pl.lit(str(v.value)) if v.kind == "const" else self.printed(v) for v in inner.items]
            if not left_out:
                parts = [part.fill_null("None") for part in parts]
            return V("text", pl.concat_str(parts, separator=(constants or [""])[0], ignore_nulls=True))
        raise NotColumnar(f"the filter {node.name} of a {inner.kind}")

    def _truncated(self, inner: p.Node, source: pl.Expr, limit: Any, ellipsis: Any = "") -> V:
        """``truncate_words``: the collapsed text (a plaintext or collapsed one as it is). A long limit (a
        description's) is a guard: the rare text longer than it goes per row, and the long texts are not cut a
        column at a time; a short one (a title's) is cut here."""
        if type(limit) is not int or type(ellipsis) is not str:
            raise NotColumnar("truncate_words' arguments")
        collapsed = isinstance(inner, p.Filter) and inner.name in ("plaintext", "collapse") and not inner.args
        made = self.let(source if collapsed else text.per_run(source, text.collapse, self.let))
        if limit < _LONG:
            try:
                return V("text", text.truncate_words(made, limit, ellipsis, self.let))
            except ValueError as exc:  # a limit shorter than the ellipsis
                raise NotColumnar(str(exc)) from None
        self.guards.append(made.str.len_chars() <= limit)
        return V("text", made)

    def _name_variant(self, title: V, args: list[V], kwargs: dict[str, V]) -> V:
        separator = kwargs.pop("separator", V("const", value=" - "))
        if kwargs or separator.kind != "const" or type(separator.value) is not str:
            raise NotColumnar("name_variant's arguments")
        parts = []
        for arg in args:
            if arg.kind == "const" and not arg.value:
                continue  # nothing to add (None, "", no variant options)
            if arg.kind == "options":  # each option's value, in their order (null: the row has no such option)
                parts += [option.expr for option in arg.items]
                continue
            if arg.kind != "text":
                raise NotColumnar(f"name_variant of a {arg.kind}")
            parts.append(arg.expr)
        self.guards.append(text.name_variant_exact(title.expr, *parts))
        return V("text", self.let(text.name_variant(title.expr, *parts, separator=separator.value, bind=self.let)))

    def _variant_pairs(self, attributes: V, names: V, options: V) -> V:
        """``variant_pairs`` of attributes none of which is a column (a constant) and of a row's options: the pairs
        of the named attributes, then each option's not named among them, commas and colons made spaces."""
        if attributes.kind != "const" or names.kind != "const" or not isinstance(names.value, (list, tuple)):
            raise NotColumnar("variant_pairs' arguments")
        try:
            first = variant_pairs(attributes.value, names.value)
        except Exception as exc:  # the filter fails the field per row (CFG001)
            raise NotColumnar(f"the filter variant_pairs fails: {exc}") from None
        named = sorted({n for n in names.value if type(n) is str})  # (a name of another type is no option's)
        parts = [pl.lit(first)] if first else []
        for option in options.items:
            name, value = option.other, option.expr
            shown = [text.collapse(e.str.replace_all("[,:]", " ")) for e in (name, value)]
            chosen = value.is_not_null() & (value != "") & ~name.is_in(named)
            parts.append(pl.when(chosen).then(pl.concat_str([shown[0], pl.lit(":"), shown[1]])))
            if self._field == "additional_variant_attribute":  # its separators made spaces: Meta's notes
                self.separated.append((name, value, chosen))
        if not parts:
            return V("const", value="")
        return V("text", self.let(pl.concat_str(parts, separator=",", ignore_nulls=True)))


_KNOWN = {
    "plaintext": plaintext,
    "collapse": collapse,
    "truncate_words": truncate_words,
    "name_variant": name_variant,
    "bullets": bullets,
    "variant_pairs": variant_pairs,
    "lower": lambda value: str(value).lower(),
}
"""Filters asked of constants at compile time: the filters themselves."""


def _truthy(v: V) -> pl.Expr:
    """Jinja's truth of a value, per row."""
    if v.kind == "const":
        return pl.lit(bool(v.value))
    if v.kind == "text":
        return (v.expr.is_not_null() & (v.expr != "")).fill_null(False)
    if v.kind == "int":
        return (v.expr.is_not_null() & (v.expr != 0)).fill_null(False)
    if v.kind == "decimal":
        return (v.expr.is_not_null() & ~v.expr.str.contains("^0*(?:\\.0*)?$")).fill_null(False)
    if v.kind == "list":
        return (v.expr.list.len() > 0).fill_null(False)
    if v.kind in ("bool", "truth"):
        return v.expr.fill_null(False)
    if v.kind in ("money", "weight", "dates", "moment"):
        return v.expr.is_not_null()
    raise NotColumnar(f"the truth of a {v.kind}")


def _choose(test: pl.Expr, then: V, otherwise: V) -> V:
    """``then`` where ``test``, else ``otherwise``: values of one kind, or one beside a constant of its kind (None
    is of every kind)."""
    kind = otherwise.kind if then.kind == "const" else then.kind
    if kind == "const":
        kinds = {type(then.value), type(otherwise.value)} - {type(None)}
        kind = {frozenset({str}): "text", frozenset({int}): "int"}.get(frozenset(kinds), "")
    if kind not in _DTYPES:
        raise NotColumnar(f"a choice of a {then.kind} and a {otherwise.kind}")
    return V(kind, pl.when(test).then(_as(then, kind)).otherwise(_as(otherwise, kind)))


_DTYPES = {
    "text": pl.String,
    "decimal": pl.String,
    "moment": pl.String,
    "int": pl.Int64,
    "bool": pl.Boolean,
    "list": pl.List(pl.String),
}
_NONE = V("const", value=None)


def _as(v: V, kind: str) -> pl.Expr:
    if v.kind == kind:
        return v.expr
    if v.kind == "const" and (v.value is None or (kind, type(v.value)) in (("text", str), ("int", int))):
        return pl.lit(v.value, dtype=_DTYPES[kind])
    raise NotColumnar(f"a {v.kind} where a {kind} is")


def _given(e: pl.Expr) -> pl.Expr:
    """A cell of a column the model does not name as a row's ``attributes`` holds it: as written, absent (null) when
    empty."""
    return pl.when(e != "").then(e)


def _offset(e: pl.Expr) -> pl.Expr:
    """An ISO date-time's offset without its colon (``format_datetime``)."""
    return e.str.replace("([+-][0-9]{2}):([0-9]{2})$", "${1}${2}")
