"""Amazon's messages a column at a time: the shapes (:mod:`feedsync.columnar.schema`) of what
``channels.amazon.transform.AmazonEncoder`` makes of an item's flat values, built over the channel's field
columns (:class:`feedsync.columnar.fields.Compiler`), for one product type (its definition or none).

- :meth:`Attributes.of`: a variant's own attributes (``AmazonEncoder.own_attributes``): texts in the marketplace's
  language, identifier, bullet points, images, package weight, condition, shipping group, list price and offer (a
  dated sale as a discounted price), stock, the identifier exemption;
- :meth:`Attributes.message`: its LISTING message: those, the mapped fields' attributes, the definition's cut, and
  with a parent SKU its parentage and variation theme (:meth:`Attributes.own_theme`, :meth:`Attributes.survey_theme`);
- :meth:`Attributes.family`: the family's parent message, the facts it took and the comparisons with them (AMZ015).

A value is a member where the per-row values have it (a field the row lacks is null); the numbers and the values the
definition decides (a weight's unit, a condition, a parent's facts) are asked of the encoder's own functions once per
distinct value. :meth:`Attributes.exact`: where the last shape made holds what the encoder makes and the encoder
tells nothing of the row but AMZ015 (and AMZ018, told once a run), and AMZ019 where ``Family.unmapped`` names the
facts its family's parent lacks. tests/columnar/test_amazon.py holds them to the encoder as a run asks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl

from feedsync import jsonread
from feedsync.channels.amazon.allowed import Allowed
from feedsync.channels.amazon.definitions import Definition
from feedsync.channels.amazon.extra import KNOWN_FIELDS, _shaped, placement
from feedsync.channels.amazon.family import (
    AXES,
    EXEMPTION,
    IDENTIFIERS,
    SHIPPED,
    allowed_themes,
    choose_theme,
    condition_in,
    parent_facts,
    theme_attribute,
    weight_in,
)
from feedsync.channels.amazon.offers import _utc, number_of_text
from feedsync.channels.amazon.spec import CONDITION_TYPES, MAX_OTHER_IMAGES, WEIGHT_UNITS, AmazonSettings
from feedsync.channels.amazon.transform import PARENT_TEXTS, misfit_note, parent_attributes, parents_exempt
from feedsync.columnar.fields import NotColumnar
from feedsync.columnar.schema import Arr, Ask, Const, Leaf, Obj, Shape, complete, json_null, json_text, static
from feedsync.columnar.schema import differs as value_differs
from feedsync.columnar.screens import below
from feedsync.formats.json_listings import message_bytes
from feedsync.model.money import MINOR_UNITS

BULLETS = 5
"""Bullet points a message holds a column at a time (the built-in profile makes at most five): an item with more is
made per row."""
_TEXTS_BEFORE_GTIN = ("item_name", "brand")
_TEXTS_AFTER_BULLETS = ("product_description", "color", "size", "material", "pattern")
_NUMBER = "number"
_ABOVE_ZERO = r"^\+?[0-9.]*[1-9]"
"""A price text ``rules.not_above_zero`` is false of (some such texts it is false of too, made per row)."""
_SHAPED = "shaped"  # a mapped field's text as the definition's declared type makes it (``extra._shaped``)
_PARENTAGE = ("parentage_level", "child_parent_sku_relationship", "variation_theme")
_TAKES_NONE = IDENTIFIERS | PARENT_TEXTS
"""A variant's attributes its family's parent never takes from it (so never differs from)."""
Member = tuple[str, Shape, pl.Expr | None]


@dataclass(frozen=True, slots=True)
class Family:
    """What a variant's family adds to its messages (``AmazonEncoder._parent`` and ``_compare_with_parent``)."""

    parent: pl.Expr
    """The parent's LISTING_PRODUCT_ONLY message as JSON, at the family's first row (null at the others)."""
    taken: pl.Expr
    """The facts the parent took from the family's first variant, in order (a list of attribute names; empty
    without a definition), at every row of the family."""
    differs: dict[str, pl.Expr]
    """Attribute -> whether the variant's value differs from the parent's (taken from the first variant; not an
    attribute the theme names): AMZ015 for each taken attribute that does, in ``taken``'s order."""
    at: pl.Expr
    """The index of the family's first row in the frame (at every row of the family)."""
    unmapped: pl.Expr
    """The facts the definition requires of the parent that no variant of the family carries (AMZ019, an error:
    each variant is rejected), joined by ``,`` ("" where none), at every row of the family."""
    remade: pl.Expr
    """Where the variant's own parent passes the definition but for the facts ``unmapped``: the parent made of the
    variant's own name, brand, theme and the facts the family's parent took (the encoder remakes it for every
    variant while the parent is not written). Asked of the later variants of families with ``unmapped`` facts, and
    of every variant when ``rebuilt`` was asked for (null elsewhere)."""
    rebuilt: pl.Expr | None = None
    """``remade`` at every row (a run that writes no feed remakes the parent for every variant); only when asked for
    (``rebuilt``)."""


def _own(message: Obj) -> Obj:
    """A LISTING message's own attributes: all but its parentage."""
    attributes = dict((name, sub) for name, sub, _ in message.members)["attributes"]
    assert isinstance(attributes, Obj)
    return Obj(tuple(m for m in attributes.members if m[0] not in _PARENTAGE))


def _requirable(schema: Any) -> frozenset[str] | None:
    """The attributes a message schema can require (each ``required`` of the message itself, under any condition):
    the facts ``parent_facts`` can take; None when the schema may require others (a reference)."""
    found: set[str] = set()

    def walk(node: Any) -> bool:
        if not isinstance(node, dict):
            return True
        if "$ref" in node:
            return False
        required = node.get("required")
        if isinstance(required, list):
            found.update(name for name in required if isinstance(name, str))
        subs = [node.get(key) for key in ("if", "then", "else", "not")]
        subs += [sub for key in ("allOf", "anyOf", "oneOf") for sub in node.get(key) or []]
        return all(walk(sub) for sub in subs if sub is not None)

    return frozenset(found) if walk(schema) else None


class _Node(dict[str, Any]):
    """An object a mapped field's part is placed in (``extra._place``), made as the fields come; ``array``: written
    as an array of this one object."""

    def __init__(self, array: bool = False) -> None:
        super().__init__()
        self.array = array


def _shape_of(node: _Node) -> Shape:
    shape = Obj(tuple((name, _shape_of(sub) if isinstance(sub, _Node) else sub, None) for name, sub in node.items()))
    return _one(shape) if node.array else shape


def cut(shape: Shape, schema: Any) -> Shape:
    """``shape`` with what ``schema`` does not allow removed, as ``allowed.Allowed`` cuts a value of it: the members a
    closed object (``additionalProperties: false`` without patterns) does not declare, at any depth."""
    if not isinstance(schema, dict):
        return shape
    items = schema.get("items")
    if isinstance(items, dict):
        return Arr(tuple((cut(e, items), p) for e, p in shape.entries)) if isinstance(shape, Arr) else shape
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not isinstance(shape, Obj):
        return shape
    closed = schema.get("additionalProperties") is False and not schema.get("patternProperties")
    return Obj(
        tuple(
            (name, cut(sub, properties[name]) if name in properties else sub, present)
            for name, sub, present in shape.members
            if name in properties or not closed
        )
    )


def _number(text: str) -> Any:
    """The number the encoder writes of a price's or weight's text (None: not a finite number; the item is not
    exact)."""
    try:
        value = number_of_text(text)[0]
    except ArithmeticError:
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _is_number(text: str) -> bool:
    return _number(text) is not None


def _places(text: str) -> int:
    """The decimals an amount's text needs (``1580.50``: 1); as ``rules.in_minor_units`` counts them."""
    amount = Decimal(text)
    exponent = amount.normalize().as_tuple().exponent if amount.is_finite() else 0
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _one(entry: Shape) -> Arr:
    """An attribute's entries: one, always there."""
    return Arr(((entry, None),))


def _obj(*members: tuple[str, Shape]) -> Obj:
    """An object whose members are always there."""
    return Obj(tuple((name, shape, None) for name, shape in members))


def _guarded(function: Callable[[str], Any]) -> Callable[[str], Any]:
    """``function``, None where it raises (the leaf is then not there: not exact)."""

    def asked(text: str) -> Any:
        try:
            return function(text)
        except (ValueError, ArithmeticError):
            return None

    return asked


@dataclass
class Attributes:
    """An Amazon channel's messages as shapes, over one run's field columns (``values``, ``lists``); ``ask``,
    ``let`` and ``ask_first``: the field compiler's (an answer per distinct value; a column made before the fields
    are read; an answer per group, of one row's value)."""

    settings: AmazonSettings
    values: Mapping[str, pl.Expr]
    lists: set[str]
    ask: Ask
    let: Callable[[pl.Expr], pl.Expr]
    ask_first: Callable[[pl.Expr, pl.Expr, pl.Expr, Callable[[Any], Any], pl.DataType], pl.Expr]
    checks: list[pl.Expr] = field(default_factory=list)
    """Where the last shape made is exact beyond :func:`complete` (no list longer than its slots, ...)."""
    lacking: list[tuple[str, pl.Expr | None]] = field(default_factory=list)
    """The attributes the last message's definition cut away whole (``Allowed.cut``'s lacking: AMZ018, told once a
    product type), each with where it is there."""

    def __post_init__(self) -> None:
        self._market = Const(self.settings.marketplace_id)
        self._language = Const(self.settings.language_tag)

    def _present(self, name: str) -> pl.Expr | None:
        value = self.values.get(name)
        return None if value is None else value.is_not_null()

    def _text_entry(self, text: pl.Expr) -> Obj:
        return _obj(("value", Leaf(text)), ("language_tag", self._language), ("marketplace_id", self._market))

    def _text(self, name: str) -> Shape:
        return _one(self._text_entry(self.values[name]))

    def _entries(self, name: str) -> list[tuple[pl.Expr, pl.Expr]]:
        """The texts of a field that is a list (or one text): (each entry's text, its presence), at most as many
        as its slots; an item with more is not exact."""
        value = self.values[name]
        if name not in self.lists:
            return [(value, value.is_not_null())]
        slots = BULLETS if name == "bullet_point" else MAX_OTHER_IMAGES
        if name == "bullet_point":
            self.checks.append(value.is_null() | (value.list.len() <= slots))
        size = self.let(value.list.len().fill_null(0))  # each slot's presence reads it
        return [(value.list.get(i, null_on_oob=True), size > i) for i in range(slots)]

    def of(self, product_type: str, properties: Mapping[str, Any] | None) -> Obj:
        """A variant's own attributes for one product type (``AmazonEncoder.own_attributes``). Begins a shape:
        :meth:`exact` is that of the shape made since (with its mapped fields and family)."""
        self.checks = []
        self.lacking = []
        market = self._market
        members: list[tuple[str, Shape, pl.Expr | None]] = []
        for name in _TEXTS_BEFORE_GTIN:
            if name in self.values:
                members.append((name, self._text(name), self._present(name)))
        gtin = self.values.get("gtin")
        if gtin is not None:
            kind = pl.when(gtin.str.len_chars() == 12).then(pl.lit("upc"))
            kind = self.let(kind.when(gtin.str.len_chars() == 14).then(pl.lit("gtin")).otherwise(pl.lit("ean")))
            entry = _obj(("type", Leaf(kind)), ("value", Leaf(gtin)), ("marketplace_id", market))
            members.append(("externally_assigned_product_identifier", _one(entry), gtin.is_not_null()))
        if "bullet_point" in self.values:
            bullets = self._entries("bullet_point")
            entries = tuple(
                (self._text_entry(text), present if i else None) for i, (text, present) in enumerate(bullets)
            )
            members.append(("bullet_point", Arr(entries), bullets[0][1]))
        for name in _TEXTS_AFTER_BULLETS:
            if name in self.values:
                members.append((name, self._text(name), self._present(name)))
        if "main_image" in self.values:
            entry = _obj(("media_location", Leaf(self.values["main_image"])), ("marketplace_id", market))
            members.append(("main_product_image_locator", _one(entry), self._present("main_image")))
        if "other_images" in self.values:
            for number, (url, present) in enumerate(self._entries("other_images"), start=1):
                entry = _obj(("media_location", Leaf(url)), ("marketplace_id", market))
                members.append((f"other_product_image_locator_{number}", _one(entry), present))
        weight = self._weight(properties)
        if weight is not None:
            members.append(weight)
        members += self._offers(product_type, properties)
        if self.settings.identifier_exemption and EXEMPTION in (properties or {EXEMPTION: 0}):
            absent = gtin.is_null() if gtin is not None else None
            members.append((EXEMPTION, _one(_obj(("value", Const(True)), ("marketplace_id", market))), absent))
        return Obj(tuple(members))

    def extras(self, properties: Mapping[str, Any] | None) -> list[Member]:
        """The attributes the mapped fields set (``extra.extra_attributes``), in the order the channel's fields first
        set them; an attribute is there where its first field is (an item where its fields are not all there or all
        absent is not exact: its entry would hold some of its parts)."""
        keys = [key for key in self.values if key not in KNOWN_FIELDS]
        tops: dict[str, _Node] = {}
        firsts: dict[str, pl.Expr] = {}
        for key in keys:
            if key in self.lists:
                raise NotColumnar(f"a list in the mapped field {key}")
            where = placement(key, properties)
            if where is None:
                continue  # not an attribute of the product type
            there = self.values[key].is_not_null()
            first = firsts.setdefault(where.name, there)
            if first is not there:
                self.checks.append(there == first)
            top = entry = tops.setdefault(where.name, _Node())
            for part, array, tagged in where.steps:
                found = entry.get(part)
                if not isinstance(found, _Node):
                    found = entry[part] = _Node(array)
                entry = found
                if tagged:
                    entry.setdefault("language_tag", self._language)
            declared = where.declared
            read = (lambda text, d=declared: _shaped(text, d)) if where.shapes else None
            entry[where.last] = Leaf(self.values[key], _SHAPED if read else "string", read)
            if where.tagged:
                top.setdefault("language_tag", self._language)
            top.setdefault("marketplace_id", self._market)
        return [(name, _one(_shape_of(top)), firsts[name]) for name, top in tops.items()]

    def message(self, product_type: str | None, definition: Mapping[str, Any] | None, theme: pl.Expr) -> Obj:
        """A variant's LISTING message (``AmazonEncoder._messages``' last): its own attributes, the mapped fields',
        cut to what the product type's ``definition`` (its LISTING schema; None: none) allows as ``Allowed.cut`` cuts
        it (the attributes cut away whole in ``lacking``), and, with a parent SKU, its parentage and the family's
        variation ``theme`` (a text column). ``product_type`` None: the row's own (no definition)."""
        properties = definition["properties"] if definition is not None else None
        own = list(self.of(product_type or "", properties).members)
        mapped = self.extras(properties)
        names = {name for name, _, _ in own} | set(_PARENTAGE)
        if any(name in names for name, _, _ in mapped):
            raise NotColumnar("a mapped field of an attribute the encoder writes")
        members = own + mapped
        if properties is not None:  # ``Allowed``: closed to its attributes when the message is, each entry cut
            closed = definition.get("additionalProperties") is False  # type: ignore[union-attr]
            self.lacking = [(name, present) for name, _, present in members if name not in properties and closed]
            members = [
                (name, cut(sub, properties[name]) if name in properties else sub, present)
                for name, sub, present in members
                if name in properties or not closed
            ]
        parent = self.values.get("parent_sku")
        if parent is not None:
            market = self._market
            child = _one(_obj(("value", Const("child")), ("marketplace_id", market)))
            relationship = _obj(
                ("child_relationship_type", Const("variation")),
                ("parent_sku", Leaf(parent)),
                ("marketplace_id", market),
            )
            present = parent.is_not_null()
            members += [
                ("parentage_level", child, present),
                ("child_parent_sku_relationship", _one(relationship), present),
                ("variation_theme", _one(_obj(("name", Leaf(theme)))), present),
            ]
        return _obj(
            ("sku", Leaf(self.values["sku"])),
            ("operationType", Const("UPDATE")),
            ("productType", Const(product_type) if product_type is not None else Leaf(self.values["product_type"])),
            ("requirements", Const("LISTING")),
            ("attributes", Obj(tuple(members))),
        )

    def own_theme(self) -> pl.Expr:
        """The variation theme without a definition: the axes the variant has (size and colour, else material and
        pattern), as ``AmazonEncoder._theme`` names them without a family survey (SIZE when it has none); a
        ``variation_theme`` field chooses one."""
        present = {name: self._present(name) for name in AXES}

        def named(names: tuple[str, ...]) -> pl.Expr:
            parts = [pl.when(present[n]).then(pl.lit(n.upper())) for n in names if present[n] is not None]
            return pl.concat_str(parts, separator="/", ignore_nulls=True) if parts else pl.lit("")

        if choose_theme(["color", "size"], None) != "SIZE/COLOR":
            raise NotColumnar("the order of a theme's axes")
        first, then = named(("size", "color")), named(("material", "pattern"))
        theme = pl.when(first != "").then(first).when(then != "").then(then).otherwise(pl.lit("SIZE"))
        chosen = self.values.get("variation_theme")
        return theme if chosen is None else pl.when(chosen.is_not_null() & (chosen != "")).then(chosen).otherwise(theme)

    def survey_theme(
        self,
        product_type: str | None,
        properties: Mapping[str, Any] | None,
        survey: Callable[[str | None], tuple[list[str], list[str]] | None],
        group: pl.Expr,
    ) -> tuple[pl.Expr, pl.Expr]:
        """The variation theme with a family survey (a run with definitions), as ``AmazonEncoder._theme`` chooses it:
        the definition's allowed theme naming what the variant's family (``group``, the product's group id) differs
        by (``survey``: ``FamilySurvey.answer``, asked once per family and axes); for a family whose variants do not
        differ, and a variant of no family, the theme of the axes the variant has; where none fits, the axes
        themselves (SIZE where none); a ``variation_theme`` field chooses one. And where none fits (and no field
        chose one), AMZ016 of it (``misfit_note``: its value and text, joined by NUL), else null."""
        own = pl.concat_str(
            [pl.when(self._present(a)).then(pl.lit(a)) for a in AXES if a in self.values],
            separator=",",
            ignore_nulls=True,
        ) if any(a in self.values for a in AXES) else pl.lit("")  # fmt: skip
        key = pl.concat_str([group.fill_null(""), pl.lit("\x00"), own])

        # (of the family's axes, the axes, the options that differ) -> the theme, or why none fits
        chosen_for: dict[tuple[bool, str, str], str] = {}

        def theme(text: str) -> str:
            named, _, has = text.partition("\x00")
            family = survey(named or None)
            key = (True, ",".join(family[0]), "\x1f".join(family[1])) if family is not None else (False, has, "")
            if key not in chosen_for:
                chosen_for[key] = choose(*key)
            return chosen_for[key]

        def choose(differ: bool, axes: str, options: str) -> str:
            found = axes.split(",") if axes else []
            if differ:
                fits = choose_theme(found, properties) if found else None
            else:
                if properties is None:
                    found = [a for a in ("size", "color") if a in found] or found
                fits = choose_theme(found, properties)
            if fits is not None:
                return fits
            close = ", ".join(allowed_themes(properties, found)) or "none"
            unmapped = options.split("\x1f") if options else []
            _, _, value, text = misfit_note(str(product_type), found, unmapped, differ, close)
            return f"{value}\x00{text}"

        made = self.let(self.ask(key, theme, pl.String()))
        misfit = made.str.contains("\x00", literal=True)
        fitted = pl.when(misfit).then(made.str.split("\x00").list.first()).otherwise(made)
        chosen = self.values.get("variation_theme")
        if chosen is None:
            return fitted, pl.when(misfit).then(made)
        by_field = chosen.is_not_null() & (chosen != "")
        return pl.when(by_field).then(chosen).otherwise(fitted), pl.when(~by_field & misfit).then(made)

    def _weight(self, properties: Mapping[str, Any] | None) -> tuple[str, Shape, pl.Expr | None] | None:
        value, unit = self.values.get("weight_value"), self.values.get("weight_unit")
        if value is None or unit is None:
            return None
        known = unit.is_in(list(WEIGHT_UNITS))
        key = pl.when(known).then(pl.concat_str([value, pl.lit("\x00"), unit]))  # asked of the units it converts

        def converted(text: str) -> tuple[Any, str]:
            amount, written = text.split("\x00")
            return weight_in(amount, WEIGHT_UNITS[written], properties)

        written = self.ask(key, _guarded(lambda text: converted(text)[1]), pl.String())
        amount = self.ask(key, _guarded(lambda text: str(converted(text)[0])), pl.String())
        self.checks.append(amount.is_null() | self.ask(amount, _is_number, pl.Boolean()))
        entry = _obj(
            ("unit", Leaf(written)), ("value", Leaf(amount, _NUMBER, _number)), ("marketplace_id", self._market)
        )
        return "item_package_weight", _one(entry), value.is_not_null() & known.fill_null(False)

    def _offers(
        self, product_type: str, properties: Mapping[str, Any] | None
    ) -> list[tuple[str, Shape, pl.Expr | None]]:
        market = self._market
        settings = self.settings
        condition = self.values.get("condition", pl.lit(None, pl.String)).fill_null("new")
        mapped = self.ask(
            condition, lambda c: condition_in(CONDITION_TYPES.get(c, "new_new"), c, properties), pl.String()
        )
        plain = _obj(("value", Leaf(mapped)), ("marketplace_id", market))
        members: list[tuple[str, Shape, pl.Expr | None]] = [("condition_type", _one(plain), None)]
        group = settings.merchant_shipping_group
        if group and settings.fulfillment_channel_code == "DEFAULT":
            members.append(
                ("merchant_shipping_group", _one(_obj(("value", Const(group)), ("marketplace_id", market))), None)
            )
        price = self.values.get("price")
        if price is not None:
            members += self._prices(price)
        quantity = self.values.get("quantity")
        if quantity is not None:
            stock = self.ask(quantity, _guarded(lambda q: str(max(0, int(q)))), pl.String())
            entry = _obj(
                ("fulfillment_channel_code", Const(settings.fulfillment_channel_code)),
                ("quantity", Leaf(stock, _NUMBER, int)),
            )
            members.append(("fulfillment_availability", _one(entry), quantity.is_not_null()))
        return members

    def _prices(self, price: pl.Expr) -> list[tuple[str, Shape, pl.Expr | None]]:
        market = self._market
        currency = Leaf(self.values.get("currency", pl.lit(None, pl.String)).fill_null("USD"))
        sale, start, end = (self.values.get(n) for n in ("sale_price", "sale_start", "sale_end"))
        dated = (
            pl.lit(False)
            if sale is None or start is None or end is None
            else sale.is_not_null() & start.is_not_null() & end.is_not_null()
        )
        selling = price if sale is None else pl.when(sale.is_not_null() & ~dated).then(sale).otherwise(price)
        given = self.values.get("currency")
        minor = (  # AMZ022: an amount of more decimals than its currency (1580.5 JPY): such a row is made per row
            given.replace_strict(MINOR_UNITS, default=2, return_dtype=pl.Int32()) if given is not None else None
        )
        for text in (price, selling, *(v for v in (sale,) if v is not None)):
            self.checks.append(text.is_null() | self.ask(text, _is_number, pl.Boolean()))
            self.checks.append(text.is_null() | text.str.contains(_ABOVE_ZERO))  # else AMZ022 (0.00), made per row
            if minor is not None:
                self.checks.append(
                    text.is_null() | minor.is_null() | (self.ask(text, _guarded(_places), pl.Int32()) <= minor)
                )
        if sale is not None:  # AMZ022: a sale price not below the price, made per row (floats below: decimals below)
            self.checks.append(sale.is_null() | price.is_null() | below(sale, price))
        if self.settings.market is not None and given is not None:  # AMZ010: an offer in another currency
            self.checks.append(price.is_null() | given.is_null() | (given == self.settings.market.currency))
        listed = _obj(("value", Leaf(price, _NUMBER, _number)), ("currency", currency), ("marketplace_id", market))
        our_price = _obj(("schedule", _one(_obj(("value_with_tax", Leaf(selling, _NUMBER, _number))))))
        offer: list[tuple[str, Shape, pl.Expr | None]] = [
            ("marketplace_id", market, None),
            ("currency", currency, None),
            ("audience", Const("ALL"), None),
            ("our_price", _one(our_price), None),
        ]
        if sale is not None and start is not None and end is not None:
            moments = [self.ask(e, _guarded(_utc), pl.String()) for e in (start, end)]
            schedule = _obj(
                ("start_at", Leaf(moments[0])),
                ("end_at", Leaf(moments[1])),
                ("value_with_tax", Leaf(sale, _NUMBER, _number)),
            )
            offer.append(("discounted_price", _one(_obj(("schedule", _one(schedule)))), dated))
        present = price.is_not_null()
        return [("list_price", _one(listed), present), ("purchasable_offer", _one(Obj(tuple(offer))), present)]

    def family(
        self,
        product_type: str | None,
        definition: Definition | None,
        theme: pl.Expr,
        message: Obj,
        group: pl.Expr,
        *,
        rebuilt: bool = False,
        broken: pl.Expr | None = None,
        misfit: pl.Expr | None = None,
    ) -> Family:
        """The family's parent message and the comparisons with it, for variants whose LISTING ``message``
        (:meth:`message`, with ``theme``) has a parent SKU; ``group``: the family, whole in the batch, its first
        row the variant the parent is made with (its first variant the run accepts), but for the rows ``broken``
        (the channel's rules surely find an error in them: the encoder never meets them). A family of several
        product types, or a later variant with the first's SKU, is not exact. The parent is made once per family by
        the encoder's own functions (``parent_facts`` against the definition's LISTING_PRODUCT_ONLY check).
        ``misfit``: where no allowed theme fits the variant (AMZ016: the encoder checks no attribute against the
        theme, and remakes the parent of each variant, never written)."""
        parent = self.values.get("parent_sku")
        if parent is None:
            raise NotColumnar("no parent SKU")
        own = _own(message)
        name = self.values.get("parent_name")
        item = self.values.get("item_name", pl.lit(None, pl.String))
        named = item if name is None else pl.when(name.is_not_null()).then(name).otherwise(item)
        self.checks.append(parent.is_null() | named.is_not_null())
        brand = self.values.get("brand", pl.lit(None, pl.String))
        properties = definition.schema["properties"] if definition is not None else None
        requirable = _requirable(definition.checker("LISTING_PRODUCT_ONLY").schema) if definition is not None else ()
        facts = Obj(  # what it can take
            tuple(m for m in own.members if (requirable is None or m[0] in requirable) and m[0] not in _TAKES_NONE)
        )
        kind = self.values["product_type"]
        parts_of = Obj(
            (("parent", Leaf(parent), None), ("theme", Leaf(theme), None), ("name", Leaf(named), None),
             ("brand", Leaf(brand), brand.is_not_null()), ("facts", facts, None), ("type", Leaf(kind), None))
        )  # fmt: skip
        known = parent.is_not_null() & theme.is_not_null() & named.is_not_null()
        key = pl.when(known).then(json_text(parts_of, self.ask, controls=False))  # read in Python alone
        gap = json_null(parts_of)  # (where the key is null, without making it)
        keyed = known if gap is False else pl.lit(False) if gap is True else known & ~gap
        row = self.let(pl.int_range(pl.len()))
        # the family's first row in the batch the encoder meets: one the channel's rules surely reject (``broken``)
        # never reaches it (a family of such rows alone has none)
        met = row if broken is None else pl.when(~broken).then(row)
        at = self.let(met.min().over(group))
        first = self.let((row == at).fill_null(False))
        made = self.ask_first(key, group, first, self._parent(product_type, definition), pl.String())
        self.checks.append(parent.is_null() | made.is_not_null())
        parts = made.str.split("\x00")
        sku = self.values["sku"]
        # one product type a family (the encoder's parent is its first variant's), a later variant's SKU another
        self.checks.append(parent.is_null() | (kind.n_unique().over(group) == 1))
        self.checks.append(parent.is_null() | first | (sku != sku.gather(at)).fill_null(False))
        taken = parts.list.get(1, null_on_oob=True).str.split(",").list.eval(pl.element().filter(pl.element() != ""))
        axes = self.let(
            self.ask(
                theme, lambda t: ",".join(theme_attribute(part, properties) for part in t.split("/")), pl.String()
            ).str.split(",")
        )
        if properties is not None:  # AMZ016: the theme names an attribute the variant lacks (made per row)
            held = pl.concat_str(
                [pl.when(p if p is not None else pl.lit(True)).then(pl.lit(n)) for n, _, p in own.members],
                separator=",",
                ignore_nulls=True,
            )

            def carried(text: str) -> bool:
                chosen, _, present = text.partition("\x00")
                have = set(present.split(","))
                names = (theme_attribute(part, properties) for part in chosen.split("/"))
                return all(n in have or n not in properties for n in names)

            carries = self.ask(pl.concat_str([theme, held], separator="\x00"), carried, pl.Boolean())
            self.checks.append(parent.is_null() | (carries if misfit is None else misfit.is_not_null() | carries))
        differs = {}
        for attribute, sub, present in facts.members:
            if attribute in SHIPPED:
                continue  # one the variants may differ in
            if static(sub):
                continue  # the same in every row (the identifier exemption): never differs
            other = value_differs(sub, at, self.ask)
            if other is None:
                continue
            there = present if present is not None else pl.lit(True)
            differs[attribute] = there & other & ~axes.list.contains(attribute)
        unmapped = self.let(parts.list.get(2, null_on_oob=True).fill_null(""))
        remade = pl.lit(None, pl.Boolean)
        if definition is not None:  # the parent of each variant's own parts, with the facts taken
            own = self._own_parts(named, brand, theme, facts)
            family_parts = (parts.list.get(n, null_on_oob=True).fill_null("") for n in (1, 2))
            own_key = pl.when(keyed).then(
                pl.concat_str([own, *(e for part in family_parts for e in (pl.lit("\x00"), part))])
            )
            remakes = unmapped != "" if misfit is None else (unmapped != "") | misfit.is_not_null()
            asked = own_key if rebuilt else pl.when(remakes).then(own_key)
            # (each variant's own: its GTIN, its name)
            verdicts = self._remade(definition, [name for name, _, _ in facts.members])
            remade = parent.is_null() | first | self.ask(asked, verdicts, pl.Boolean(), each=True)
        return Family(
            pl.when(first).then(parts.list.get(0)), taken, differs, at, unmapped, remade, remade if rebuilt else None
        )

    def _parent(self, product_type: str | None, definition: Definition | None) -> Callable[[str], str | None]:
        """The parent's message (JSON), the facts it took and the facts the definition requires of it that no
        variant carries (AMZ019: each variant is rejected), of a family's key, joined by NUL: as
        ``AmazonEncoder._parent`` makes them for a family met for the first time. None where the encoder would tell
        of the parent otherwise (made per row): a definition that cuts its own attributes (AMZ018), a parent the
        definition refuses but for those facts (AMZ009)."""
        market, language = self.settings.marketplace_id, self.settings.language_tag
        allowed = Allowed(definition.schema) if definition is not None else None
        checker = definition.checker("LISTING_PRODUCT_ONLY") if definition is not None else None
        exempt = checker is not None and parents_exempt(checker, market, language)

        def made(key: str) -> str | None:
            parts = jsonread.loads(key)  # (its strings' control characters as they are)
            parent, theme, name, brand = parts["parent"], parts["theme"], parts["name"], parts.get("brand")
            kind = product_type if product_type is not None else parts.get("type")
            if kind is None:  # no product type (AMZ001): its variants are made per row
                return None
            attributes = parent_attributes(name, brand, theme, market, language, exempt)
            if allowed is not None and allowed.cut(attributes):
                return None
            taken: list[str] = []
            unmapped: list[str] = []
            if checker is not None:
                asked = _Verdicts(checker)
                taken, unmapped = parent_facts(attributes, parts["facts"], asked)  # type: ignore[arg-type]
                if not (checker.passes_but(attributes, unmapped) if unmapped else asked.valid(attributes)):
                    return None  # AMZ009 of the parent: made per row
            if any("," in n or "\x00" in n for n in (*taken, *unmapped)):
                return None
            message = {
                "sku": parent, "operationType": "UPDATE", "productType": kind,
                "requirements": "LISTING_PRODUCT_ONLY", "attributes": attributes,
            }  # fmt: skip
            return "\x00".join((message_bytes(message).decode("utf-8"), ",".join(taken), ",".join(unmapped)))

        return made

    def _own_parts(self, named: pl.Expr, brand: pl.Expr, theme: pl.Expr, facts: Obj) -> pl.Expr:
        """The parts of a variant's own parent as JSON texts joined by ``_PIECES``: its name, brand ("" where none)
        and theme, then each of ``facts``' members' values ("" where it has none). (A part's text that holds
        ``_PIECES`` itself, a control character left as it is, splits into more parts than there are: ``_remade``
        then takes the row for none it can answer.)"""

        def piece(shape: Shape) -> pl.Expr:
            return json_text(shape, self.ask, controls=False)

        pieces = [piece(Leaf(named)), pl.when(brand.is_not_null()).then(piece(Leaf(brand))).otherwise(pl.lit(""))]
        pieces.append(piece(Leaf(theme)))
        for _, sub, present in facts.members:
            pieces.append(piece(sub) if present is None else pl.when(present).then(piece(sub)).otherwise(pl.lit("")))
        return pl.concat_str(pieces, separator=_PIECES)

    def _remade(self, definition: Definition, names: list[str]) -> Callable[[list[str | None]], list[bool | None]]:
        """Whether the parent ``AmazonEncoder._parent`` makes again of each later variant of a batch (null where it
        is not asked: its parts, ``_own_parts`` of the facts ``names``, the facts its family's parent took and
        those no variant carries, joined by NUL) passes the definition but for the facts no variant carries (else
        AMZ009 of it, told per row). A part the variant before had alike (a family's description, brand, ...) is
        not read again: its value is the same object, which the definition's generated check skips once it passed
        (by identity, as it skips the encoder's shared entries); parts alike an earlier variant of the batch had
        (the realistic catalog: 26,392 different of 44,815 asked in a share) are its verdict again."""
        market, language = self.settings.marketplace_id, self.settings.language_tag
        checker = definition.checker("LISTING_PRODUCT_ONLY")
        exempt = parents_exempt(checker, market, language)
        count = 3 + len(names)

        def verdicts(texts: list[str | None]) -> list[bool | None]:
            found: list[bool | None] = []
            last: list[str] = [""] * count
            values: list[Any] = [None] * count
            base: dict[str, Any] = {}
            known: dict[str, bool] = {}  # the verdict of each text judged in the batch
            for text in texts:
                if text is None:
                    found.append(None)
                    continue
                verdict = known.get(text)
                if verdict is not None:
                    found.append(verdict)
                    continue
                rest, _, unmapped = text.rpartition("\x00")
                own, _, taken = rest.rpartition("\x00")
                pieces = own.split(_PIECES)
                if len(pieces) != count:  # a part holds ``_PIECES``: made per row
                    found.append(False)
                    known[text] = False
                    continue
                alike = True
                for at, piece in enumerate(pieces):
                    if piece != last[at]:
                        last[at] = piece
                        values[at] = jsonread.loads(piece) if piece else None  # (control characters as they are)
                        alike = alike and at > 2
                if not alike or not base:  # the parent's own attributes: another name, brand or theme
                    base = parent_attributes(values[0], values[1], values[2], market, language, exempt)
                attributes = dict(base)  # (its entries shared: never changed)
                facts = {name: value for name, piece, value in zip(names, pieces[3:], values[3:], strict=True) if piece}
                attributes.update((name, facts[name]) for name in taken.split(",") if name in facts)
                passes = checker.passes_but(attributes, unmapped.split(",")) if unmapped else checker.valid(attributes)
                found.append(passes)
                known[text] = passes
            return found

        return verdicts

    def exact(self, shape: Shape) -> pl.Expr:
        """Where ``shape`` (the last made: :meth:`of`, :meth:`message`, with its :meth:`family`) holds what the
        encoder makes."""
        found = complete(shape)
        checks = [*self.checks, pl.lit(found) if isinstance(found, bool) else found]
        return pl.all_horizontal(checks).fill_null(False)


_PIECES = "\x1e"
"""What joins the parts of a variant's own parent (``Attributes._own_parts``)."""


class _Verdicts:
    """A checker's ``missing`` and ``valid`` (``parent_facts`` asks them), ``valid`` answered again without asking
    for the dict it judged last while no entry was added to it since (the facts a parent takes are only added)."""

    __slots__ = ("_last", "_valid", "missing")

    def __init__(self, checker: Any) -> None:
        self.missing = checker.missing
        self._valid = checker.valid
        self._last: tuple[Any, int, bool] | None = None

    def valid(self, instance: dict[str, Any]) -> bool:
        last = self._last
        if last is not None and last[0] is instance and last[1] == len(instance):
            return last[2]
        verdict = bool(self._valid(instance))
        self._last = (instance, len(instance), verdict)
        return verdict
