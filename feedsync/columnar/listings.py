"""Amazon's listings in the columnar gate: an Amazon channel's items a column at a time (its fields compiled, each
variant's LISTING message, its family's parent and the comparisons with it: :mod:`.amazon`, the definition's verdict:
:mod:`.schema`), and what the gate does with a row it takes (:class:`Replay`): the run's encoder told what its own
making of the row would have recorded (the parent written, the facts it took, the family's run), the messages handed
to the writer as it numbers them, the row's AMZ015 findings told.

A row is taken (``exact``) where every stage is exact, Amazon's quick pass clears it and its notes tell nothing, its
message is the definition's (the verdict), and its family's parent can be made a column at a time; at the replay,
also only where its family is new to the run when the row is the family's first in the batch, or the family's first
row in the batch was taken; and where each finding the run tells once (``once``: AMZ018 of an attribute the
definition cuts away, of a mapped field the product type lacks, of mapped fields written unchecked) was told
already. A row the channel's checks reject for required facts alone is taken too (``rejected``: its family's parent
lacks facts no variant carries, AMZ019, or a row of no family lacks attributes its definition requires, AMZ009, or
no allowed variation theme fits its family, AMZ016; its message passes the definition otherwise), its findings told
as the encoder and its checks tell them
(:meth:`Replay.rejection`): the first time most catalogs meet a channel, most of their rows are such. Any other row
is made per row, where it tells what it tells. tests/columnar/test_gate.py and test_gate_amazon.py hold the two
byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from feedsync.channels.amazon.extra import KNOWN_FIELDS, declared
from feedsync.channels.amazon.rules import IMAGES, TEXTS, negative_quantity, undated_sale, untracked_stock
from feedsync.channels.amazon.schema_check import Failure
from feedsync.channels.amazon.transform import DIFFERS, AmazonEncoder, differs_note, unmapped_note
from feedsync.channels.amazon.validation import definition_named, failure_parts
from feedsync.channels.base import Note
from feedsync.channels.compiled import CompiledChannel
from feedsync.columnar.amazon import Attributes
from feedsync.columnar.channel import _Images, fit_ids
from feedsync.columnar.fields import Compiler, NotColumnar
from feedsync.columnar.schema import Obj, Verdict, json_text
from feedsync.columnar.screens import amazon_broken, amazon_notes, quick_pass
from feedsync.diagnostics.codes import make_fields
from feedsync.diagnostics.diagnostic import located_fields

MAX_TYPES = 4
"""Product types of a definitions folder made a column at a time (each a stage over every row); a folder with more is
made per row."""
_SEPARATOR = "\x1f"
_IMAGES = _Images(IMAGES)
"""The other images ``rules.prepare_item`` keeps (``Surplus.cut``): the rest left out, noted of the row's count and
first image left out."""


@dataclass(frozen=True, slots=True)
class Listings:
    compiler: Compiler
    exact: pl.Expr
    """Where the row's message and its family's parent are the encoder's, nothing is told of it but AMZ015 and the
    findings told once (``once``)."""
    line: pl.Expr
    """The variant's LISTING message as the writer writes it after its number (``,`` and its keys)."""
    parent: pl.Expr
    """The parent's message likewise, at the family's first row in the batch (null elsewhere)."""
    sku: pl.Expr
    parent_sku: pl.Expr
    first: pl.Expr
    """The batch index of the family's first row."""
    taken: pl.Expr
    """The facts the parent took from its first variant, joined by ``,``, at the family's first row."""
    differs: pl.Expr
    """The attributes a later variant has otherwise than the parent took them (AMZ015), joined by ``,``."""
    once: pl.Expr
    """The findings the row's making tells once a run (null: none)."""
    alone: pl.Expr
    """What the channel's rules find alone in the item (``screens.quick_pass``: its GTIN, or ``screens.FOUND`` and
    the findings of the fields a listing lacks), else null: made without the rules."""
    checked: pl.Expr
    """Where the channel's rules surely find an error in the item (``screens.amazon_broken``: the sink leaves it out
    before the encoder meets it) and its values are made alike: its values as ``Items.checked`` (the rules check
    them where the gate takes the row); else null."""
    rejected: pl.Expr
    """Where the channel's checks reject the row for required facts alone, or for a family no allowed variation
    theme fits (AMZ016), every stage exact and nothing else told: its product type, the facts its family's parent
    lacks (AMZ019) and the attributes its message lacks (AMZ009), each joined by ``,``, then AMZ016's value and text
    (empty where none), the five by NUL; else null."""
    fitted: tuple[tuple[str, pl.Expr], ...]
    """Per id of the channel's limits: the value it was made of where it did not fit them, else null (MDL017)."""
    noted: tuple[tuple[Callable[[str], Note], pl.Expr], ...]
    """What ``rules.prepare_item`` notes of the item (its tally's findings): each note's maker, and the column of
    what it is made of where the item has it (else null)."""
    defined: bool
    """The product types made have definitions (the encoder keeps each family's facts)."""
    writes: bool
    """Made for a run that writes the feed."""
    survey: list[Callable[[str | None], Any]]
    """The run's family survey, when the run has one (``FamilySurvey.answer``): set by the gate before the batches."""
    written_parent: pl.Expr | None = None
    """The parent SKU the item's messages write (``transform.parent_written``: none of an offer on an ASIN), keyed
    with the SKUs (MDL021)."""


def listings(
    channel: CompiledChannel,
    currency: str,
    attributes: Mapping[str, str] | None = None,
    *,
    writes: bool = True,
    tracked: bool = False,
) -> Listings:
    """An Amazon channel's listings, compiled once over a batch's normalized columns (as ``channel.items``), for a
    run that writes its feed (``writes``) or not (the encoder then makes a family's parent again for every variant:
    a later variant is exact only where the parent made of it passes the definition too). A row the channel's rules
    surely reject (``screens.amazon_broken``: no product type, a GTIN of digits that is not one, ...: errors the
    sink checks for in every run) never reaches the encoder: its family's parent is made of the next. NotColumnar:
    what is not translated (a definitions folder of more than ``MAX_TYPES`` product types for the marketplace, a
    mapped field that is a list, ...)."""
    compiler = Compiler(channel, currency, attributes, tracked=tracked)
    values, fitted = fit_ids(channel, compiler.columns(compiler.fields()), compiler.lists, compiler.ask, compiler.let)
    if "parent_sku" not in values or "product_type" not in values or "sku" not in values:
        raise NotColumnar("an Amazon channel without a SKU, a parent SKU or a product type")
    if any(name in compiler.lists for name in ("quantity", "sale_price", "sale_start", "sale_end", "price")):
        raise NotColumnar("an Amazon offer's field that is a list")
    tracked = pl.col("inventory_tracked") if compiler.tracked else None
    negative, untracked, undated = amazon_notes(values, tracked)  # ``rules.prepare_item``'s notes, its quantity mended
    if "quantity" in values:
        mended = pl.when(negative.is_not_null()).then(pl.lit("0")).otherwise(values["quantity"])
        values["quantity"] = compiler.let(mended)
    noted: tuple[tuple[Callable[[str], Note], pl.Expr], ...] = (
        (negative_quantity, negative),
        (untracked_stock, pl.when(untracked).then(pl.lit(""))),
        (undated_sale, pl.when(undated).then(pl.lit(""))),
    )
    if IMAGES.attribute in compiler.lists:  # images past the eight slots: left out, and noted (before the rest)
        noted = ((_IMAGES.note, _IMAGES.cut(values, compiler.let)), *noted)
    # the messages do not depend on how many a document holds (a row split's later share holds all its own in one)
    encoder = AmazonEncoder({name: value for name, value in channel.settings.items() if name != "max_messages"})
    made = Attributes(encoder.settings, values, compiler.lists, compiler.ask, compiler.let, compiler.ask_first)
    spec = channel.spec
    told = [pl.lit(True)]
    for overlong in TEXTS:  # a longer text: cut and told per row (``rules.prepare_item``)
        text = values.get(overlong.attribute)
        if text is not None and overlong.attribute not in compiler.lists:
            size = text.str.len_bytes() if overlong.utf8 else text.str.len_chars()
            told.append((size <= overlong.limit).fill_null(True))
    checked = encoder._checker
    index = checked.index
    types: list[Any]
    if index is None:
        types = [None]
    else:
        types = [*sorted(index.of_marketplace(encoder.settings.marketplace_id))]
        if not types or len(types) > MAX_TYPES:
            raise NotColumnar(f"{len(types)} product types' definitions")
    survey: list[Callable[[str | None], Any]] = []
    group = pl.col("group_id")
    parent = values["parent_sku"]
    kind = values["product_type"]
    mapped = [key for key in values if key not in KNOWN_FIELDS]
    broken = compiler.let(amazon_broken(values, compiler.lists, compiler.let))  # ``rules.check_item``'s errors
    picked: dict[str, list[tuple[pl.Expr, pl.Expr]]] = {n: [] for n in ("exact", "line", "parent", "first", "taken")}
    picked |= {"differs": [], "once": [], "rejected": []}
    for product_type in types:
        definition = checked.definition(product_type) if product_type is not None else None
        properties = definition.schema["properties"] if definition is not None else None
        if encoder.surveys:
            theme, misfit = made.survey_theme(product_type, properties, lambda group_id: survey[0](group_id), group)
            misfit = compiler.let(pl.when(parent.is_not_null()).then(misfit))  # (a theme is a family's)
        else:
            theme, misfit = made.own_theme(), pl.lit(None, pl.String)
        shape = made.message(product_type, definition.schema if definition is not None else None, theme)
        lacking = made.lacking
        family = made.family(
            product_type, definition, theme, shape, parent, rebuilt=not writes, broken=broken, misfit=misfit
        )
        made_exact = compiler.let(made.exact(shape))  # read by the row's verdict and by its rejection
        ok = made_exact & (family.unmapped == "") & misfit.is_null()  # (AMZ016 is an error: the row is rejected)
        if family.rebuilt is not None:
            ok = ok & family.rebuilt
        rejected = pl.lit(None, pl.String)
        if definition is not None:
            schema = {k: v for k, v in definition.schema.items() if not k.startswith("x-")}
            attributes_of = dict((name, sub) for name, sub, _ in shape.members)["attributes"]
            assert isinstance(attributes_of, Obj)
            schema, lacks = _lacking(schema, attributes_of)
            lacks = compiler.let(lacks)  # (read by the verdict and three times by the rejection)
            verdict = compiler.let(Verdict(schema, compiler.ask)(attributes_of, whole=True))  # (``made.exact``:
            # complete(shape); read twice, as made_exact is)
            ok = ok & verdict & (lacks == "")
            # rejected for the facts its family's parent lacks (AMZ019), or without a parent for the attributes
            # the definition requires that its message lacks (AMZ009), and for nothing else
            family_lacks = parent.is_not_null() & (family.unmapped != "") & family.remade.fill_null(False)
            # (a variant whose SKU is its parent's has its own message excused the facts its parent lacks too:
            # made per row)
            family_lacks = family_lacks & (values["sku"] != parent).fill_null(False)
            own_lacks = parent.is_null() & (lacks != "")
            # no allowed theme fits (AMZ016), its own parent passing the definition but for the facts no variant
            # carries
            misfits = misfit.is_not_null() & family.remade.fill_null(False) & (values["sku"] != parent).fill_null(False)
            parts = [pl.lit(f"{product_type}\x00"), family.unmapped, pl.lit("\x00"), lacks, pl.lit("\x00")]
            rejected = pl.when(made_exact & verdict & (family_lacks | own_lacks | misfits)).then(
                pl.concat_str([*parts, misfit.fill_null("\x00")])
            )
        tokens = [
            pl.when(p if p is not None else pl.lit(True)).then(pl.lit(f"cut\x00{product_type}\x00{n}"))
            for n, p in lacking
        ]
        if properties is not None:  # AMZ018 of a mapped field the product type lacks (``MessageChecker._mapped``)
            tokens += [
                pl.when(values[key].is_not_null()).then(pl.lit(f"left\x00{product_type}\x00{key}"))
                for key in mapped
                if not declared(properties, key)[0]
            ]
        elif mapped:  # mapped fields written unchecked: told once without a definitions folder
            tokens.append(
                pl.when(pl.any_horizontal([values[k].is_not_null() for k in mapped])).then(pl.lit("unchecked"))
            )
        once = pl.concat_str(tokens, separator=_SEPARATOR, ignore_nulls=True) if tokens else pl.lit(None, pl.String)
        differs = pl.concat_str(
            [pl.when(d).then(pl.lit(n)) for n, d in family.differs.items()], separator=",", ignore_nulls=True
        ) if family.differs else pl.lit("")  # fmt: skip
        chosen = kind == product_type if product_type is not None else pl.lit(True)
        for name, expr in (
            ("exact", ok),
            ("line", json_text(shape, compiler.ask, opening=",", bind=compiler.let)),
            ("parent", pl.lit(",") + family.parent.str.slice(1)),
            ("first", family.at),
            ("taken", family.taken.list.join(",")),
            ("differs", differs),
            ("once", pl.when(once != "").then(once)),
            ("rejected", rejected),
        ):
            picked[name].append((chosen, expr))

    def pick(name: str, default: Any) -> pl.Expr:
        chain: Any = None
        for chosen, expr in picked[name]:
            chain = pl.when(chosen).then(expr) if chain is None else chain.when(chosen).then(expr)
        assert chain is not None
        return chain.otherwise(default)

    made_alike = compiler.let(pl.col("exact") & compiler.exact() & pl.all_horizontal(told).fill_null(False))
    exact = made_alike & pick("exact", pl.lit(False)).fill_null(False)
    cleared, alone = quick_pass(spec.name, values, compiler.lists, compiler.ask, compiler.let)
    named = [value.alias(name) for name, value in values.items()]
    nothing = pl.lit(None, pl.String)
    return Listings(
        compiler,
        exact & cleared,
        pick("line", nothing),
        pick("parent", nothing),
        values["sku"],
        parent,
        pick("first", pl.lit(None, pl.Int64)),
        pick("taken", nothing),
        compiler.let(pick("differs", nothing)),  # read twice (``columns``)
        pick("once", nothing),
        alone,
        pl.when(made_alike & broken).then(pl.struct(named)),
        pl.when(made_alike & cleared).then(pick("rejected", nothing)),
        fitted,
        noted,
        index is not None,
        writes,
        survey,
        parent if "asin" not in values else pl.when(values["asin"].is_null()).then(parent),
    )


def _lacking(schema: dict[str, Any], attributes: Obj) -> tuple[dict[str, Any], pl.Expr]:
    """The definition ``schema`` without the attributes it requires (at its top) that a message of ``attributes``
    may lack, and the column of those each row's message lacks, in the order the definition requires them (as its
    failures list them), joined by ``,`` ("" where none): the schema's verdict is the first's and that column empty."""
    required = schema.get("required")
    if not isinstance(required, list):
        return schema, pl.lit("")
    present = {name: there for name, _, there in attributes.members}
    optional = [n for n in required if isinstance(n, str) and (n not in present or present[n] is not None)]
    if not optional or any("," in n or "\x00" in n for n in optional):
        return schema, pl.lit("")
    kept = [n for n in required if n not in optional]
    lacks = [pl.when(~present[n] if n in present else pl.lit(True)).then(pl.lit(n)) for n in optional]
    return schema | {"required": kept}, pl.concat_str(lacks, separator=",", ignore_nulls=True)


@dataclass(frozen=True, slots=True)
class Rows:
    """One batch's listings, per row (null where the row is not taken)."""

    lines: list[bytes | None]
    parents: list[bytes | None]
    skus: list[str | None]
    parent_skus: list[str | None]
    firsts: list[int | None]
    taken: list[str | None]
    differs: list[str | None]
    once: list[str | None]
    rejected: list[str | None]


def rows(frame: pl.DataFrame, prefix: str) -> Rows:
    """A batch's listings columns (``{prefix}line``, ...) as lists."""
    binary = [pl.col(f"{prefix}{n}").cast(pl.Binary).alias(n) for n in ("line", "parent")]
    named = ("sku", "parent_sku", "first", "taken")
    lists = frame.select(*binary, *(pl.col(f"{prefix}{n}").alias(n) for n in named))
    rest = frame.select(*(pl.col(f"{prefix}{n}").alias(n) for n in ("differs", "once", "rejected")))
    return Rows(
        lists["line"].to_list(),
        lists["parent"].to_list(),
        lists["sku"].to_list(),
        lists["parent_sku"].to_list(),
        lists["first"].to_list(),
        lists["taken"].to_list(),
        rest["differs"].to_list(),
        rest["once"].to_list(),
        rest["rejected"].to_list(),
    )


def columns(made: Listings, prefix: str) -> dict[str, pl.Expr]:
    """The columns :func:`rows` reads, named with ``prefix``."""
    return {
        f"{prefix}line": made.line,
        f"{prefix}parent": made.parent,
        f"{prefix}sku": made.sku,
        f"{prefix}parent_sku": made.parent_sku,
        f"{prefix}first": made.first,
        f"{prefix}taken": made.taken,
        f"{prefix}differs": pl.when(made.differs != "").then(made.differs),
        f"{prefix}once": made.once,
        f"{prefix}rejected": made.rejected,
    }


@dataclass
class Replay:
    """What the run's Amazon sink does with a row the gate takes: checked first (:meth:`fits`: nothing of the run's
    earlier rows changes what the row makes), then done (:meth:`take`)."""

    encoder: AmazonEncoder
    channel: str
    defined: bool
    writes: bool
    keeps: Callable[[str, str | None, str | None], bool]
    """Whether the run keeps a finding of (code, channel, product id): ``DiagnosticFilter.keeps_of``."""
    add: Callable[[list[tuple[Any, ...]]], None]
    """Tell findings as their fields (``Findings.extend_fields``: the rows taken tell AMZ015 by the hundred
    thousand)."""
    origins: Mapping[str, str]
    """The channel's fields' model fields (``CompiledChannel.origins``): where a finding of a field points."""
    path: str = ""
    columns: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """The source's path and its model fields' columns, as the reader's ``SourceRef`` holds them."""
    _told: set[str] = field(default_factory=set)
    """``once`` texts whose findings were all told."""
    _located: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """The column part of the location of a finding of each field (``located_fields``' last two)."""
    _definitions: dict[str, str] = field(default_factory=dict)
    """How AMZ009 names each product type's definition (``definition_named``)."""
    _last_written: tuple[str, int, bool] | None = None
    """``_written``'s last answer: the parent, the size of the encoder's set of parents written, the answer."""
    _lacked: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)
    """``_required``'s findings, by product type and attribute."""
    _unmapped: tuple[tuple[str, str, str], tuple[str, str, None, str]] | None = None
    """The last family's AMZ019 note (``_unmapped_note``)."""
    _ranks: tuple[Mapping[str, Any] | None, dict[str, int]] = (None, {})
    """The last family's parent's facts and the place of each in the order it took them (``_differing``)."""

    def fits(self, rows: Rows, at: int, taken: bytearray) -> bool:
        if not self._once_told(rows.once[at]):
            return False  # the per-row engine tells it
        parent = rows.parent_skus[at]
        if parent is None:
            return True
        encoder = self.encoder
        if rows.parents[at] is not None:  # the family's first row in the batch: the family is new to the run
            return parent not in encoder._parents and parent not in encoder._families
        first = rows.firsts[at]
        if first is None or not taken[first]:
            return False
        # its first row made the parent the columns compare with, and (a run that writes) wrote it: where that row
        # was rejected (AMZ016 of a family whose later variant names its theme), the encoder writes the parent
        # with this one (found by a review)
        return not self.writes or parent in encoder._parents

    def rejection(self, rows: Rows, at: int, item_id: str, row: int, taken: bytearray) -> list[tuple[Any, ...]] | None:
        """The findings of a row the channel's checks reject for the required facts it lacks alone (``rejected``),
        as their fields, in the order the encoder and its checks tell them: AMZ016 of the theme none fits, AMZ019 of
        its family's parent, AMZ015 of the facts it has otherwise than the parent took them, AMZ009 of each attribute
        its message lacks. None where
        the run's earlier rows change what it makes (its family's state, a finding told once) or the run drops one
        of its findings (the per-row engine decides then whether the item is kept)."""
        if not self._once_told(rows.once[at]):
            return None
        product_type, unmapped, lacks, theme, misfit = rows.rejected[at].split("\x00")  # type: ignore[union-attr]
        encoder, channel, keeps = self.encoder, self.channel, self.keeps
        sku, parent = rows.skus[at], rows.parent_skus[at]
        found: list[tuple[Any, ...]] = []
        if misfit:  # AMZ016, before what its family's parent tells
            if not keeps("AMZ016", channel, item_id):
                return None
            found.append(self._fields("AMZ016", misfit, item_id, "parent_sku", theme, row, "parent_sku"))
        if parent is not None:
            if self._written(parent):
                return None  # written already (by a family of the same parent SKU): no parent is made of the row
            if rows.parents[at] is not None:  # the family's first row in the batch: the family is new to the run
                if parent in encoder._families:
                    return None
                notes = []
            else:  # its first row made the parent the columns compare with
                first = rows.firsts[at]
                family = encoder._families.get(parent)
                if first is None or not taken[first] or family is None or family[0] != rows.skus[first]:
                    return None
                notes = [differs_note(name, sku, parent, family[0]) for name in self._differing(rows, at, family[1])]
            if unmapped:
                notes.insert(0, self._unmapped_note(parent, product_type, unmapped))
            if not all(keeps(note[0], channel, item_id) for note in notes[:2]):  # (AMZ015s: one code)
                return None
            found += [self._fields(code, text, item_id, field, value, row, field) for code, field, value, text in notes]
        if lacks:
            if not keeps("AMZ009", channel, item_id):
                return None
            for name in lacks.split(","):
                field, end, origin = self._required(product_type, name)
                found.append(self._fields("AMZ009", f"sku {sku}: {end}", item_id, field, None, row, origin))
        return found

    def _required(self, product_type: str, name: str) -> tuple[str, str, str]:
        """AMZ009 of an attribute the product type's definition requires that a message lacks (``failure_parts``):
        its field, its text after the SKU's part and the channel field it points at, made once per product type and
        attribute."""
        key = (product_type, name)
        made = self._lacked.get(key)
        if made is None:
            field, _, end, origin = failure_parts(self._named(product_type), Failure((), "required", None, name))
            made = self._lacked[key] = (field, end, origin)
        return made

    def _written(self, parent: str) -> bool:
        """Whether the encoder wrote the parent ``parent``: asked again of the set only when another parent is
        asked, or a parent was written since (a family's rejected variants ask one after another)."""
        parents = self.encoder._parents
        size = len(parents)
        last = self._last_written
        if last is None or last[0] != parent or last[1] != size:
            last = self._last_written = (parent, size, parent in parents)
        return last[2]

    def _unmapped_note(self, parent: str, product_type: str, unmapped: str) -> tuple[str, str, None, str]:
        """``unmapped_note`` of the family's parent, made once for the family's variants one after another."""
        key = (parent, product_type, unmapped)
        last = self._unmapped
        if last is None or last[0] != key:
            properties = self.encoder._checker.properties(product_type) or {}
            last = self._unmapped = (key, unmapped_note(parent, product_type, unmapped.split(","), properties))
        return last[1]

    def reject(self, rows: Rows, at: int, group: str | None, found: list[tuple[Any, ...]]) -> None:
        """The encoder's state as its checking of the rejected row leaves it (the parent's facts kept for its
        family's later variants, never written), the row's findings (``rejection``) told."""
        self.encoder._enter(group)
        parent = rows.parent_skus[at]
        made = rows.parents[at]
        if parent is not None and made is not None:
            unmapped = rows.rejected[at].split("\x00")[1]  # type: ignore[union-attr]
            self._keep_family(rows, at, parent, made, unmapped.split(",") if unmapped else [])
        if found:
            self.add(found)

    def _keep_family(self, rows: Rows, at: int, parent: str, made: bytes, unmapped: list[str]) -> None:
        """The facts the parent ``made`` at the family's first row took (and those no variant carries), as the
        encoder keeps them for the family's later variants."""
        encoder = self.encoder
        taken = rows.taken[at]
        kept = _Facts(taken.split(","), made) if taken else {}
        encoder._families[parent] = (rows.skus[at], kept, unmapped)
        if parent == encoder._item_group:
            encoder._run[1].append(parent)

    def _fields(
        self, code: str, text: str, item_id: str, field: str, value: Any, row: int, origin: str
    ) -> tuple[Any, ...]:
        """A finding of the item as its fields, located at ``origin``'s column (a channel field)."""
        column = self._located.get(origin) or self._column(origin)
        return make_fields(code, text, channel=self.channel, product_id=item_id, field=field, value=value,
                           where=(self.path, row, *column))  # fmt: skip

    def _named(self, product_type: str) -> str:
        """How an AMZ009 finding names the product type's definition of a LISTING message."""
        named = self._definitions.get(product_type)
        if named is None:
            definition = self.encoder._checker.definition(product_type)
            assert definition is not None
            marketplace = self.encoder.settings.marketplace_id
            named = self._definitions[product_type] = definition_named(definition, product_type, marketplace, "LISTING")
        return named

    def _once_told(self, once: str | None) -> bool:
        """Whether the findings a run tells once that the row's making would tell (``once``) were told."""
        if once is not None and once not in self._told:
            if not all(map(self._was_told, once.split(_SEPARATOR))):
                return False
            self._told.add(once)
        return True

    def _was_told(self, token: str) -> bool:
        kind, _, rest = token.partition("\x00")
        product_type, _, name = rest.partition("\x00")
        checker = self.encoder._checker
        if kind == "cut":
            return (product_type, name) in self.encoder._cut_told
        if kind == "left":
            return (product_type, name) in checker._left_out
        return "" in checker._told  # "unchecked"

    def take(self, rows: Rows, at: int, group: str | None, item_id: str, row: int, pending: list[Any]) -> None:
        """The row's messages added to ``pending`` (when written), the encoder's state as its own making of the row
        leaves it, the row's AMZ015 findings told."""
        encoder = self.encoder
        encoder._enter(group)
        parent = rows.parent_skus[at]
        made = rows.parents[at]
        if made is not None:
            assert parent is not None
            if self.writes:
                encoder._parents.add(parent)
                pending.append(made)
            if self.defined:  # the facts the parent took, as the encoder keeps them for its family's variants
                self._keep_family(rows, at, parent, made, [])
        if self.writes:
            pending.append(rows.lines[at])
            rows.lines[at] = None  # (held by ``pending`` alone: let go once written)
        if rows.differs[at] is None or parent is None:
            return
        first, kept, _ = encoder._families[parent]
        notes = self._differing(rows, at, kept)
        if notes and self.keeps(DIFFERS, self.channel, item_id):  # (one code, channel and item: kept together)
            sku = rows.skus[at]
            found = []
            for name in notes:
                code, field, value, text = differs_note(name, sku, parent, first)
                found.append(self._fields(code, text, item_id, field, value, row, field))
            self.add(found)

    def _differing(self, rows: Rows, at: int, kept: Mapping[str, Any]) -> list[str]:
        """The facts of the row's family's parent ``kept`` that the row has otherwise (AMZ015), in the order the
        parent took them."""
        differs = rows.differs[at]
        if differs is None:
            return []
        ranks = self._ranks
        if ranks[0] is not kept:  # (a family's variants come one after another: made once a family)
            ranks = self._ranks = (kept, {name: place for place, name in enumerate(kept)})
        places = ranks[1]
        named = [name for name in differs.split(",") if name in places]  # (the row's one or two, not the dozens)
        if len(named) > 1:
            named.sort(key=places.__getitem__)
        return named

    def _column(self, field: str) -> tuple[Any, ...]:
        """The column part of where a finding of ``field`` points (the same in every row)."""
        column = self._located[field] = located_fields(self.path, None, self.columns, self.origins.get(field))[2:]
        return column


class _Facts(Mapping[str, Any]):
    """The facts a parent took (names in the order taken), their values read from the parent's message only when a
    variant made per row compares with them (most families' variants are all taken: the message is never read)."""

    __slots__ = ("_message", "_names", "_values")

    def __init__(self, names: list[str], message: bytes) -> None:
        self._names = names
        self._message = message
        self._values: dict[str, Any] | None = None

    def __getitem__(self, name: str) -> Any:
        if self._values is None:
            attributes = json.loads(b"{" + self._message[1:])["attributes"]
            self._values = {n: attributes[n] for n in self._names}
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)
