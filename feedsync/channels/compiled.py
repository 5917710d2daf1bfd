"""A channel profile compiled once per run, applied to every product.

For each product the channel builds its own view (a dict of the product's fields), then runs, in order:
per-product overrides from source columns, the category map, price rules, inventory rules, the if/then rules,
the include/exclude filters, and finally the field templates (once per element of ``expand``, if set).
``explain`` passes a trace that records every change with the value before and after.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from feedsync import values as v
from feedsync.channels.base import ChannelItem, ChannelSpec, FormatSpec, Group, Value, printed, to_text
from feedsync.channels.bounds import LimitExceeded
from feedsync.channels.categories import CategoryMap
from feedsync.channels.pricing import (
    InventoryRules,
    MarginTooLow,
    PriceRules,
    apply_inventory_rules,
    apply_price_rules,
)
from feedsync.channels.rules import Change, CompiledRule, Excluded, RegexTimeout, RuleError, Trace, coerce
from feedsync.channels.tally import Tally
from feedsync.channels.templating import Compiled, FieldFailed, RenderError
from feedsync.config import ChannelConfig
from feedsync.diagnostics import Diagnostic, Emit, Location, locate
from feedsync.diagnostics.codes import make
from feedsync.diagnostics.gate import Selection
from feedsync.ids import fit_ascii_id, fit_id, printable_ascii
from feedsync.idset import IdSet
from feedsync.model.product import Product

_PRODUCT_FIELDS = frozenset(Product.model_fields)
"""The keys of every product's ``__dict__`` (a Product holds each of its fields)."""
_REMEMBERED = 256
"""Lists of source columns whose override columns a channel remembers (a file has one or a few)."""


@dataclass(frozen=True, slots=True)
class CompiledField:
    name: str
    compiled: Compiled
    origin: str | None  # the one product field it reads, for source positions


@dataclass(slots=True)
class CompiledChannel:
    """A profile compiled for one channel: ``apply`` it to each product to get its channel items."""

    name: str
    spec: ChannelSpec
    format_name: str
    format: FormatSpec
    feed: dict[str, str]
    fields: list[CompiledField]
    include: list[Compiled]
    exclude: list[Compiled]
    config: ChannelConfig
    filters: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """The texts of ``include`` and ``exclude``, as the profile writes them (for the finding an item left out by one
    of them gets)."""
    settings: dict[str, Any] = field(default_factory=dict)
    rules: list[CompiledRule] = field(default_factory=list)
    price: PriceRules | None = None
    inventory: InventoryRules | None = None
    category_map: CategoryMap | None = None
    overrides_prefix: str | None = None
    expand: tuple[str, str] | None = None  # (list field, loop variable)
    now: datetime | None = None
    reads_now: str = ""
    """Where the profile reads ``now`` ("templates", "rules" or ""): an item may change with time alone."""
    now_moments: tuple[datetime, ...] = ()
    """The dates and times the rules are written with (where a rule comparing ``now`` may change its outcome)."""
    variables: tuple[str, ...] = ()
    selection: Selection = field(default_factory=Selection)
    globals: dict[str, Any] = field(default_factory=dict)
    """The template environment's globals (``channel``, ``settings``, Jinja's own): the base of every item's
    data, so templates render with a shared context."""
    field_values: Callable[[dict[str, Any]], dict[str, Value]] | None = None
    """The generated function giving every field's value for an item's data (``Templating.fields_function``);
    None: ``values_by_field``, one call per field."""
    origins: dict[str, str] = field(default_factory=dict)
    attribute_reads: dict[str, tuple[str, Location]] = field(default_factory=dict)
    """The attribute keys feedsync.yaml's fields and filters of this channel read by name, each with where it reads
    it first (``"fields.custom_label_0"``, its line there): a key no column of the source has is CFG011."""
    tally: Tally = field(default_factory=Tally)
    """Findings told once per attribute and value with a count (``tally.findings`` at the end of a run)."""
    _reported_unmapped: set[str] = field(default_factory=set)
    written_ids: IdSet = field(default_factory=IdSet)
    """The ids of the items kept this run and the parents they wrote (``channels.written``: MDL021)."""
    written_parents: IdSet = field(default_factory=IdSet)
    """The parent ids of those (Amazon's parent SKUs)."""
    _names: frozenset[str] = frozenset()
    _base: dict[str, Any] | None = None
    _overrides: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.origins = {f.name: f.origin for f in self.fields if f.origin}
        self._names = frozenset(f.name for f in self.fields)

    @property
    def filename(self) -> str:
        return f"{self.name}.{self.format.extension}"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def view(
        self, product: Product, extras: Mapping[str, Any] | None, emit: Emit, trace: Trace | None = None
    ) -> dict[str, Any] | None:
        """The channel's view of ``product`` after overrides, categories, price, inventory and rules; None when
        the item is left out of this channel."""
        base = self._base
        if base is None:  # the globals and the profile's variables a product field does not name: made once
            names = {**self.globals, **dict.fromkeys(self.variables)}
            base = self._base = {key: value for key, value in names.items() if key not in _PRODUCT_FIELDS}
        # The product's fields, then the rest: a copy of its dict grown by a few keys (a copy of the globals
        # grown by the product's fields resizes the dict several times: several times the cost)
        ctx: dict[str, Any] = product.__dict__.copy()
        ctx.update(base)
        ctx["now"] = self.now
        if extras:
            ctx.update(extras)
        if self.overrides_prefix and product.attributes:
            attributes = product.attributes
            for key in self._override_columns(attributes):
                raw = attributes[key]
                if not raw:
                    continue
                # a column named as one of the profile's variables (amazon_product_type) sets that variable
                target = key if key in self.variables else key[len(self.overrides_prefix) :]
                before = ctx.get(target)
                try:
                    ctx[target] = coerce(ctx, target, raw)
                except v.ValueProblem as problem:
                    emit(
                        make(
                            "CFG003",
                            f"column {key}: {problem.message}",
                            channel=self.name,
                            product_id=product.id,
                            field=target,
                            value=raw,
                            location=locate(product.source, None),
                        )
                    )
                    return None
                if trace is not None:
                    trace.append(Change("overrides", f"column {key}", target, before, ctx[target]))
        if self.category_map is not None:
            self._categorize(ctx, product, emit, trace)
        try:
            if self.price is not None:
                apply_price_rules(ctx, self.price, trace)
            if self.inventory is not None:
                apply_inventory_rules(ctx, self.inventory, trace)
            for rule in self.rules:
                rule.apply(ctx, trace)
        except MarginTooLow as exc:
            where = locate(product.source, None)
            emit(make("CFG005", str(exc), channel=self.name, product_id=product.id, field="price", location=where))
            return None
        except Excluded as exc:
            self._left_out(product, f"rule {exc.rule}", f"rule {exc.rule!r} excludes it (exclude: true)")
            return None
        except RegexTimeout as exc:
            where = locate(product.source, None)
            emit(make("CFG008", str(exc), channel=self.name, product_id=product.id, field=exc.field, location=where))
            return None
        except RuleError as exc:
            code = "CFG007" if isinstance(exc, LimitExceeded) else "CFG006"
            where = locate(product.source, None)
            emit(make(code, f"rule failed: {exc}", channel=self.name, product_id=product.id, location=where))
            return None
        try:
            for index, expr in enumerate(self.include):
                if not expr.call(ctx):
                    text = self.filters[0][index]
                    self._left_out(product, f"filters.include[{index}]", f"filters.include[{index}] {text!r} is false")
                    return None
            for index, expr in enumerate(self.exclude):
                if expr.call(ctx):
                    text = self.filters[1][index]
                    self._left_out(product, f"filters.exclude[{index}]", f"filters.exclude[{index}] {text!r} is true")
                    return None
        except RenderError as exc:
            code = "CFG007" if isinstance(exc, LimitExceeded) else "CFG002"
            where = locate(product.source, None)
            emit(make(code, f"filter failed: {exc}", channel=self.name, product_id=product.id, location=where))
            return None
        return ctx

    def _override_columns(self, attributes: Mapping[str, str]) -> tuple[str, ...]:
        """The columns of ``attributes`` named with the overrides prefix, in their order: found once for each list
        of columns (the rows of a file have the same)."""
        columns = tuple(attributes)
        found = self._overrides.get(columns)
        if found is None:
            prefix = self.overrides_prefix
            assert prefix is not None
            found = tuple(key for key in columns if key.startswith(prefix))
            if len(self._overrides) < _REMEMBERED:
                self._overrides[columns] = found
        return found

    def _categorize(self, ctx: dict[str, Any], product: Product, emit: Emit, trace: Trace | None) -> None:
        assert self.category_map is not None
        product_type = ctx.get("product_type")
        found = self.category_map.lookup(product_type)
        if found is None:
            if product_type and product_type not in self._reported_unmapped:
                self._reported_unmapped.add(product_type)
                emit(
                    make(
                        "CFG004",
                        f"product_type {product_type!r} is not in the category map {self.category_map.path.name}",
                        channel=self.name,
                        product_id=product.id,
                        field="product_type",
                        value=product_type,
                        location=locate(product.source, "product_type"),
                    )
                )
            return
        for key, value in found.items():
            if not ctx.get(key):
                ctx[key] = value
                if trace is not None:
                    trace.append(Change("categories", f"category map {self.category_map.path.name}", key, None, value))

    def apply(
        self, product: Product, emit: Emit, extras: Mapping[str, Any] | None = None, trace: Trace | None = None
    ) -> list[ChannelItem]:
        """The channel items for ``product``: usually one; none when it is left out; one per element of the
        ``expand`` list (e.g. one per store)."""
        ctx = self.view(product, extras, emit, trace)
        if ctx is None:
            return []
        if self.expand is None:
            item = self._render(product, ctx, emit)
            return [item] if item is not None else []
        source_field, alias = self.expand
        items = []
        elements = ctx.get(source_field) or ()
        for element in elements:
            ctx[alias] = element
            item = self._render(product, ctx, emit)
            if item is not None:
                items.append(item)
        if not elements:
            self._left_out(product, f"expand {source_field}", f"no {source_field} (expand makes an item of each)")
        return items

    def _left_out(self, product: Product, cause: str, why: str) -> None:
        """Count ``product`` as left out of this channel by its profile's ``cause`` (CFG009: one finding a cause,
        with how many items and the first of them, at the run's end; ``explain`` tells it of any one)."""
        where = locate(product.source, None)
        self.tally.add("CFG009", "", cause, f"left out of this channel: {why}", product.id, where)

    def _render(self, product: Product, ctx: dict[str, Any], emit: Emit) -> ChannelItem | None:
        try:
            values = self.field_values(ctx) if self.field_values is not None else self.values_by_field(ctx)
        except FieldFailed as failed:
            spec, exc = self.fields[failed.index], failed.error
            emit(
                make(
                    "CFG007" if isinstance(exc, LimitExceeded) else "CFG001",
                    f"field {spec.name}: {exc}",
                    channel=self.name,
                    product_id=product.id,
                    field=spec.name,
                    location=locate(product.source, spec.origin),
                )
            )
            return None
        self._fit_ids(product, values, emit)
        item = ChannelItem(id=product.id, values=values, product=product, origins=self.origins)
        if self.spec.passthrough and product.feed_attributes:
            self._pass_through(item)
        if self.spec.prepare_item is not None:
            for note in self.spec.prepare_item(item):
                where = locate(product.source, self.origins.get(note.attribute))
                self.tally.add(note.code, note.attribute, note.value, note.message, item.id, where)
        return item

    def values_by_field(self, ctx: dict[str, Any]) -> dict[str, Value]:
        """The fields' values one call per field: the reference for the generated ``field_values`` (the same
        values, the same ``FieldFailed``)."""
        values: dict[str, Value] = {}
        for index, spec in enumerate(self.fields):
            compiled = spec.compiled
            try:
                if compiled.renders and compiled.simple is not None and compiled.simple in ctx:
                    raw: Any = ctx[compiled.simple]  # ``{{ name }}``: what Jinja prints, without the call
                    if raw is None:
                        continue
                    if type(raw) is not str:
                        raw = printed(raw)
                else:
                    raw = compiled.call(ctx)
                if type(raw) is str:  # most fields: skip to_text's dispatch
                    raw = raw.strip()
                    if raw:
                        values[spec.name] = raw
                    continue
                text = to_text(raw)
            except RenderError as exc:
                raise FieldFailed(index, exc) from None
            if text is not None:
                values[spec.name] = text
        return values

    def _fit_ids(self, product: Product, values: dict[str, Value], emit: Emit) -> None:
        """Ids and group ids longer than the channel allows (or, where the channel wants ASCII, holding other
        characters) become a readable prefix + a hash (MDL017)."""
        for attr in self.spec.id_limits:
            value = values.get(attr)
            if not isinstance(value, str) or self.fits(attr, value):
                continue
            values[attr], message = self.fitted_id(attr, value)
            emit(
                make(
                    "MDL017",
                    message,
                    channel=self.name,
                    product_id=product.id,
                    field=attr,
                    value=value[:200],
                    location=locate(product.source, self.origins.get(attr)),
                )
            )

    def fits(self, attr: str, value: str) -> bool:
        """Whether the id ``value`` of ``attr`` (one of ``spec.id_limits``) is published as it is (else fitted)."""
        return len(value) <= self.spec.id_limits[attr] and (not self.spec.ascii_ids or printable_ascii(value))

    def fitted_id(self, attr: str, value: str) -> tuple[str, str]:
        """The id ``value`` of ``attr`` (one of ``spec.id_limits``, which it does not fit) as the channel publishes
        it, and the MDL017 finding's message telling why."""
        limit = self.spec.id_limits[attr]
        fitted = fit_ascii_id(value, limit) if self.spec.ascii_ids else fit_id(value, limit)
        why = (
            f"is {len(value)} characters, more than {self.name}'s {limit}"
            if len(value) > limit
            else f"holds characters {self.name} does not take (it allows printable ASCII only)"
        )
        return fitted, f"{attr} {why}: published as {fitted!r}"

    def _pass_through(self, item: ChannelItem) -> None:
        """Add the source feed's attributes that no profile field makes, as they were (repeated ones as a list,
        grouped ones as sub-attributes); one the profile makes itself keeps the profile's value (GMC018)."""
        kept: dict[str, list[str | Group]] = {}
        for attribute in item.product.feed_attributes:
            name = attribute.name
            if self.overrides_prefix and name.startswith(self.overrides_prefix):
                continue  # a per-product override column, read as such
            if name not in self._names:
                kept.setdefault(name, []).append(dict(attribute.parts) if attribute.parts else attribute.value)
                if self.format.writer == "delimited" and any(":" in v or "," in v for _, v in attribute.parts):
                    message = (
                        f"the source feed's {name} holds ':' or ',' inside a sub-attribute, which Google's text (TSV) "
                        "form cannot carry; Google will read it wrongly: use format: xml for this channel"
                    )
                    self.tally.add("GMC018", name, "", message, item.id, locate(item.product.source, None))
                continue
            text = attribute.value or ";".join(f"{k}={v}" for k, v in attribute.parts)
            made = item.values.get(name)
            if text != made and not (isinstance(made, list) and text in made):
                message = (
                    f"the source feed's {name} {text[:60]!r} is not written: the profile makes {name} itself"
                    + (f" ({made!r})" if isinstance(made, str) else " (empty here)" if made is None else "")
                    + f"; map it in fields: {name} to choose the value"
                )
                where = locate(item.product.source, None)
                self.tally.add("GMC018", name, "", message, item.id, where)
        for name, entries in kept.items():
            single = entries[0]
            item.values[name] = single if len(entries) == 1 and isinstance(single, str) else entries


def unmet_attributes(
    channel: CompiledChannel,
    met: set[str],
    joined: frozenset[str],
    fields: Mapping[str, str],
    *,
    learnt: bool = False,
    options: Mapping[str, str] | None = None,
) -> Iterator[Diagnostic]:
    """CFG011 (CFG012 where ``learnt``) for each attribute key the channel's fields and filters in feedsync.yaml
    read by name
    (``attribute_reads``) that the source's products do not have (``met``: the columns it keeps as attributes, or
    where ``learnt`` the attribute names its products had, once the rows are read; ``fields``: its columns, each
    with the field or role it is read as) and no supplement adds (``joined``: their columns, casefolded): the value
    it was to give is empty on every item (a name mistyped, in another case, or a column read as a field);
    ``options``: the options met that are read as a field, by name (an export's ``Size``, ``Choose Ring Size``)."""
    for key, (where, location) in channel.attribute_reads.items():
        if key in met or key.casefold() in joined:
            continue
        field = fields.get(key)
        option = (options or {}).get(key)
        if field in _PRODUCT_FIELDS or option in _PRODUCT_FIELDS:
            kind, field = ("column", field) if field in _PRODUCT_FIELDS else ("option", option)
            why = f"the source's {kind} {key!r} is read as the field {field} (read it as {{{{ {field} }}}})"
        else:
            closest = difflib.get_close_matches(key, sorted(met), n=3, cutoff=0.6)
            folded = [name for name in met if name.casefold() == key.casefold()]
            hint = folded or closest
            also = f" (closest: {', '.join(repr(name) for name in hint)})" if hint else ""
            none = "no product read has an attribute" if learnt else "the source has no column"
            why = f"{none} of that name, nor does a supplement add one{also}"
        yield make(
            "CFG012" if learnt else "CFG011",
            f"{where} reads attributes {key!r}, but {why}: it is empty on every item",
            channel=channel.name,
            field=where,
            value=key,
            location=location,
        )
