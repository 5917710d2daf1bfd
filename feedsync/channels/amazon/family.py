"""What a product type definition requires, made from what feedsync knows: the variation theme of a family (one
of the definition's allowed themes), the facts a parent carries (the attributes its definition requires, taken
from its variant), weight units the marketplace allows, and conditions in the definition's enum."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from feedsync.channels.amazon.schema_check import CompiledSchema
from feedsync.channels.base import Unsurveyed
from feedsync.idset import IdSet
from feedsync.model.product import Product

# The variant fields a family can differ by, as Amazon attributes (source.options maps other options to these).
AXES = ("color", "size", "material", "pattern")
GRAMS_PER = {
    "milligrams": Decimal("0.001"),
    "grams": Decimal(1),
    "kilograms": Decimal(1000),
    "tons": Decimal(1000000),
    "ounces": Decimal("28.349523125"),
    "pounds": Decimal("453.59237"),
    "hundredths_pounds": Decimal("4.5359237"),
}
_CENT = Decimal("0.01")
IDENTIFIERS = frozenset({"externally_assigned_product_identifier", "merchant_suggested_asin"})
"""A variant's own identifiers: a parent never takes them from its variant (a variation parent has no barcode or
ASIN of its own; a variant's on it would be a second listing of the same product)."""
EXEMPTION = "supplier_declared_has_product_identifier_exemption"
SHIPPED = frozenset({"item_package_weight", "item_package_dimensions", "item_weight", "item_dimensions"})
"""A variant's weights and dimensions: where the definition requires them of a parent (PRODUCT of 2023 does, of a
listing without a fulfilment channel) it takes its first variant's, but a parent is never sold or shipped, and the
variants of a family differ in them by nature (a larger size weighs more): no variant is told of differing from it
(AMZ015)."""


def _enum(properties: Mapping[str, Any] | None, attribute: str, sub: str) -> list[Any]:
    item = ((properties or {}).get(attribute) or {}).get("items") or {}
    declared = ((item.get("properties") or {}).get(sub) or {}) if isinstance(item, dict) else {}
    enum = declared.get("enum") if isinstance(declared, dict) else None
    return list(enum) if isinstance(enum, list) else []


def theme_attribute(token: str, properties: Mapping[str, Any] | None) -> str:
    """The attribute a theme part names: ``COLOR_NAME`` -> color, ``MATERIAL_TYPE`` -> material."""
    name = token.lower()
    for suffix in ("_name", "_type"):
        if name.endswith(suffix) and (name not in (properties or {}) or name[: -len(suffix)] in AXES):
            return name[: -len(suffix)]
    return name


def choose_theme(axes: list[str], properties: Mapping[str, Any] | None) -> str | None:
    """The first allowed theme of the definition that names exactly the attributes a family differs by, one the
    definition does not deprecate before one it does (``$lifecycle.enumDeprecated``: "will be removed"; the order
    of the enum differs between marketplaces); without a definition, the axes themselves (SIZE/COLOR); None when
    the definition allows no theme that fits."""
    allowed = _enum(properties, "variation_theme", "name")
    if not allowed:  # size before colour, as feedsync has always named themes without a definition
        ordered = [a for a in ("size", "color") if a in axes] + [a for a in axes if a not in ("size", "color")]
        return "/".join(a.upper() for a in ordered) or "SIZE"
    wanted = set(axes)
    fitting = [
        theme
        for theme in allowed
        if isinstance(theme, str) and {theme_attribute(t, properties) for t in theme.split("/")} == wanted
    ]
    deprecated = _deprecated(properties)
    return next((theme for theme in fitting if theme not in deprecated), fitting[0] if fitting else None)


def _deprecated(properties: Mapping[str, Any] | None) -> frozenset[str]:
    """The variation theme names the definition deprecates."""
    item = (((properties or {}).get("variation_theme") or {}).get("items") or {}).get("properties") or {}
    lifecycle = (item.get("name") or {}).get("$lifecycle") if isinstance(item, dict) else None
    names = lifecycle.get("enumDeprecated") if isinstance(lifecycle, dict) else None
    return frozenset(n for n in names if isinstance(n, str)) if isinstance(names, list) else frozenset()


@dataclass(slots=True)
class Run:
    """Variants of one family one after another, as a survey reads them at once (``columnar.survey``): the first's
    axis values (``first``), the axes where a later one differs from it (``differ``), and the catalog's own columns
    of the variants (``owned``: name -> the values of a batch, the run's from ``start`` to ``end``) with their ids
    (``ids``, likewise)."""

    group_id: str
    first: dict[str, str]
    differ: set[str]
    owned: dict[str, list[Any]]
    ids: list[Any]
    start: int
    end: int

    def keyed(self, keys: tuple[str, ...]) -> tuple[str | None] | None:
        """The id of the first variant with a value in one of the columns ``keys`` (in a tuple), None if none has."""
        columns = [self.owned[key] for key in keys if key in self.owned]
        for at in range(self.start, self.end) if columns else ():
            if any(column[at] for column in columns):
                return (self.ids[at],)
        return None


class FamilySurvey:
    """What the variants of each family (group id) differ by, from a read of the whole catalog before the feed
    is written: a parent names its variation theme before its children have been read. The axes a family differs
    by are ``color``, ``size``, ... and ``option:NAME`` for options that map to no variant field.

    Memory stays flat while a catalog's families come one after another (as exports list them): a family is open
    while its variants follow one another, and when another family's variant comes, it is closed: what it differs by
    joins the families that differ alike (an id set per kind of difference: about 15 bytes a family), and its first
    variant's values are dropped. A family that comes again after it closed is *scattered*: its answer is kept by
    name, and the rows are read a second time for the scattered families whose first values were dropped already
    (``RECENT`` closed families keep them, so a catalog that interleaves only neighbours reads once). The encoder
    keeps the state of a family's parent until the family closes, for good (``grouped``), or for the whole run
    (scattered). It keeps every parent's state for the run when a variant's parent may be another than its
    product's group (``keys``).

    ``ahead``: nothing is read before the feed; the stream tells each family once all its variants are read (``family``,
    the rows read a family ahead). That answers as a read of the whole catalog while the families come one after another
    and no variant names another parent (``keys``); the first that does not raises ``Unsurveyed`` (a share surveys its
    own rows whole, or the run is not split and surveys the catalog whole; ``apart``: never where the parent may be
    another than the group's). ``fed``: another engine tells it the rows, a batch of whole families at a time
    (:meth:`told`), while the run asks it: the stream tells it nothing. A batch is told before any of its rows is made,
    so a family may come again after another within it (scattered), not after it."""

    RECENT = 1024
    """Closed families whose first values are kept, should one come again."""

    def __init__(self, keys: tuple[str, ...] | None = (), *, ahead: bool = False) -> None:
        # The source columns that would give a variant's item another parent than its product's group (the
        # channel's overrides), or None when something else may (``family_keys``)
        self._keys = keys
        self.ahead = ahead
        self.fed = False
        self._lock = threading.Lock()  # ``told`` in one thread, ``answer`` and ``grouped`` in another
        self._rekeyed = keys is None  # a variant of the catalog has one of them
        self._open: tuple[str, dict[str, str], set[str]] | None = None  # group id, first values, axes that differ
        self._recent: dict[str, tuple[dict[str, str], set[str]]] = {}  # closed families, oldest first
        self._closed = IdSet()
        self._alike: dict[frozenset[str], IdSet] = {}  # what closed families differ by -> the families
        self._scattered: dict[str, tuple[dict[str, str], set[str]]] = {}  # group id -> its state, for the run
        self._lost: set[str] = set()  # scattered families whose first values were dropped: read again
        self._answers: tuple[str | None, tuple[list[str], list[str]] | None] = (None, None)  # the last asked
        # ``ahead``, within one ``family`` call (a batch told whole before any of its rows is made): the families
        # it closed, with their state should one come again in it (scattered then)
        self._batch: dict[str, tuple[dict[str, str], set[str]]] | None = None

    def read(self, catalog: Callable[[], Iterable[Product]]) -> None:
        """Survey every variant of ``catalog()``; read it again for the scattered families whose first values were
        dropped (``RECENT``)."""
        self.family(catalog())
        self._recent = {}  # only this read needed them
        lost, self._lost = self._lost, set()
        if not lost:
            return
        found: dict[str, tuple[dict[str, str], set[str]]] = {}
        for product in catalog():
            group = product.group_id
            if group and group in lost:
                state = found.get(group)
                if state is None:
                    state = found[group] = ({}, set())
                if type(product) is Run:
                    self._compare(state, product.first, product.differ)
                else:
                    self._compare(state, _axis_values(product))
        self._scattered.update(found)

    @property
    def rekeyed(self) -> bool:
        """Whether a variant read names another parent than its group's (a family key column filled)."""
        return self._rekeyed

    def told(self, products: Iterable[Product]) -> None:
        """Of a ``fed`` survey: :meth:`family` of a batch of the rows whose families are whole in it (its last one
        closed: a family that goes on in the next batch raises ``Unsurveyed``), while another thread may ask."""
        with self._lock:
            self.family(products)

    def family(self, products: Iterable[Product | Run]) -> None:
        """Survey ``products`` and close the family they end with: a part of the catalog, or (``ahead``) whole
        families, all their variants, with the variants of no group among them (or runs of a family's variants:
        ``Run``). Told ahead, a family may come again after another within ``products`` (it is scattered: none of
        them has been made yet), not after them."""
        add, add_run = self.add, self._add_run
        if self.ahead:
            self._batch = {}
        try:
            for product in products:
                if type(product) is Run:
                    add_run(product)
                else:
                    add(product)
            self._close()
        finally:
            self._batch = None

    def add(self, product: Product) -> None:
        group = product.group_id
        if not group:
            return
        if self._keys and product.attributes and any(map(product.attributes.get, self._keys)):
            self._keyed(product.id)
        self._met(group, _axis_values(product), ())

    def _add_run(self, run: Run) -> None:
        """:meth:`add` of each variant of ``run``, at once."""
        if self._keys:
            keyed = run.keyed(self._keys)
            if keyed is not None:
                self._keyed(keyed[0])
        self._met(run.group_id, run.first, run.differ)

    def apart(self) -> str | None:
        if self._keys is None:  # (a variant's own columns would tell otherwise: ``_keyed``)
            return (
                "an Amazon item's parent may be another than its group's (a supplement sets its group or its parent's "
                "column, or the channel sets its parent SKU otherwise than as the group id)"
            )
        return None

    def _keyed(self, variant: str | None) -> None:
        """A variant whose parent may be another than its group's."""
        if self.ahead:
            raise Unsurveyed(f"variant {variant!r} may have another parent than its group's")
        self._rekeyed = True

    def _met(self, group: str, values: dict[str, str], differ: Iterable[str]) -> None:
        """Variants of ``group`` came: the first's axis ``values``, the axes where the later ones differ from it."""
        opened = self._open
        if opened is not None and opened[0] == group:
            self._compare((opened[1], opened[2]), values, differ)
            return
        self._close()  # another family came
        state = self._scattered.get(group)
        batch = self._batch
        if self.ahead and (state is not None or group in self._closed) and (batch is None or group not in batch):
            # its variants told before were made already (a family told again: the rows are surveyed whole)
            raise Unsurveyed(f"family {group!r} comes again after another family", local=True)
        if state is None and group in self._closed:  # a closed family again: scattered
            if batch is not None:  # (told ahead: closed earlier in this batch, its state kept for it)
                state = self._scattered[group] = batch[group]
                self._compare(state, values, differ)
                return
            state = self._recent.pop(group, None)
            if state is None:
                self._lost.add(group)
                state = ({}, set())
            self._scattered[group] = state
        if state is not None:
            if group not in self._lost:
                self._compare(state, values, differ)
            return
        self._open = (group, values, set(differ))

    @staticmethod
    def _compare(state: tuple[dict[str, str], set[str]], values: dict[str, str], differ: Iterable[str] = ()) -> None:
        """Variants whose first has ``values`` and whose later ones differ from it by ``differ``, compared with the
        family's first (none yet: theirs)."""
        first, found = state
        if not first:
            first.update(values)
        elif first != values:
            found.update(k for k in first.keys() | values.keys() if first.get(k, "") != values.get(k, ""))
        found.update(differ)

    def _close(self) -> None:
        """The open family is over: what it differs by kept by kind, its first values among the recent."""
        if self._open is None:
            return
        group, first, differ = self._open
        self._open = None
        self._closed.add(group)
        if differ:
            alike = frozenset(differ)
            members = self._alike.get(alike)
            if members is None:
                members = self._alike[alike] = IdSet()
            members.add(group)
        if self.ahead:  # a family that comes again after this batch is not read again: the rows are surveyed whole
            if self._batch is not None:
                self._batch[group] = (first, differ)
            return
        recent = self._recent
        recent[group] = (first, differ)
        if len(recent) > self.RECENT:
            del recent[next(iter(recent))]

    def grouped(self, group_id: str | None) -> bool:
        """Whether the family's variants all came one after another and its parent is its own (its state can go
        once another family comes)."""
        if not group_id:
            return False
        with self._lock:
            return not self._rekeyed and group_id not in self._scattered and group_id in self._closed

    def axes(self, group_id: str | None) -> tuple[list[str], list[str]] | None:
        """(the variant fields the family differs by, in AXES order; the options mapped to none that differ), or
        None when its variants do not differ (one variant, or a family not surveyed)."""
        answers = self._answers
        if group_id == answers[0]:
            return answers[1]
        answer = self.answer(group_id)
        self._answers = (group_id, answer)
        return answer

    def answer(self, group_id: str | None) -> tuple[list[str], list[str]] | None:
        """:meth:`axes` without the last answer kept: what another thread may ask while the run asks ``axes``."""
        differ: frozenset[str] | set[str] | None = None
        if group_id:
            with self._lock:
                state = self._scattered.get(group_id)
                if state is not None:
                    differ = state[1]
                else:
                    differ = next((alike for alike, members in self._alike.items() if group_id in members), None)
        answer = None
        if differ:
            options = sorted(k.split(":", 1)[1] for k in differ if k.startswith("option:"))
            answer = [a for a in AXES if a in differ], options
        return answer


def family_keys(channel: Any) -> tuple[str, ...] | None:
    """The source columns that would give a variant's Amazon item another parent than its product's group id in
    ``channel`` (a compiled channel): its overrides of ``group_id`` and ``parent_sku``; None when its parent SKU is
    not the group id itself for every item (another template, or a rule that sets either)."""
    template = next((f.compiled for f in channel.fields if f.name == "parent_sku"), None)
    if template is None or template.simple != "group_id":
        return None
    if any(target in ("group_id", "parent_sku") for rule in channel.rules for _, target, _ in rule.actions):
        return None
    prefix = channel.overrides_prefix
    return (f"{prefix}group_id", f"{prefix}parent_sku") if prefix else ()


def _axis_values(product: Product) -> dict[str, str]:
    values = {a: str(getattr(product, a) or "") for a in AXES}
    values.update((f"option:{k}", v) for k, v in product.variant_options.items())
    return values


def allowed_themes(properties: Mapping[str, Any] | None, axes: list[str], limit: int = 6) -> list[str]:
    """Allowed themes that name one of the axes (for the finding when none fits)."""
    found = [
        t
        for t in _enum(properties, "variation_theme", "name")
        if isinstance(t, str) and any(theme_attribute(p, properties) in axes for p in t.split("/"))
    ]
    return found[:limit]


def parent_facts(
    attributes: dict[str, Any], child: Mapping[str, Any], checker: CompiledSchema, rounds: int = 5
) -> tuple[list[str], list[str]]:
    """Adds to a parent's ``attributes`` each attribute its definition requires that its variant ``child`` has;
    returns the names added and the required ones still missing (no variant carries them; a variant's identifiers
    are never taken: :data:`IDENTIFIERS`). Repeated, since an added attribute can make a rule require another. Once
    facts are added, the parent is usually whole: the generated verdict says so without the list of failures."""
    added: list[str] = []
    missing = checker.missing(attributes)
    for _ in range(rounds):
        take = [name for name in missing if name in child and name not in attributes and name not in IDENTIFIERS]
        if not take:
            break
        for name in take:
            attributes[name] = child[name]
        added += take
        missing = [] if checker.valid(attributes) else checker.missing(attributes)
    return added, missing


def field_keys(name: str, properties: Mapping[str, Any]) -> list[str]:
    """The channel fields that set each required part of an attribute: ``NAME`` for its value, ``NAME__PART``
    (``NAME__PART__SUB``) for the parts of an entry without one, each with its allowed values when few."""
    schema = properties.get(name) if isinstance(properties.get(name), dict) else {}
    entry = schema.get("items", schema) if isinstance(schema, dict) else {}
    return list(_keys(name, entry, top=True))


_SELECTORS = ("marketplace_id", "language_tag")
"""The parts of an entry feedsync fills itself."""


def _keys(prefix: str, schema: Any, *, top: bool = False) -> Any:
    declared = (schema.get("properties") or {}) if isinstance(schema, dict) else {}
    required = schema.get("required") or list(declared) if isinstance(schema, dict) else []
    parts = [p for p in required if p not in _SELECTORS]
    if not parts:  # only its selectors required (PRODUCT's color): its value, else each other part declared
        parts = ["value"] if "value" in declared else [p for p in declared if p not in _SELECTORS]
    if not declared:
        yield prefix + _choices(schema)
        return
    for part in parts:
        sub = declared.get(part) or {}
        sub = sub.get("items", sub) if isinstance(sub, dict) and sub.get("type") == "array" else sub
        key = prefix if top and part == "value" else f"{prefix}__{part}"
        if isinstance(sub, dict) and sub.get("properties"):
            yield from _keys(key, sub)
        else:
            yield key + _choices(sub)


def _choices(schema: Any) -> str:
    enum = schema.get("enum") if isinstance(schema, dict) else None
    if isinstance(enum, list) and 0 < len(enum) <= 6:
        return f" ({' or '.join(str(v).lower() if isinstance(v, bool) else str(v) for v in enum)})"
    return ""


def weight_units(properties: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The package weight units the definition allows that feedsync converts between, in its order."""
    return tuple(u for u in _enum(properties, "item_package_weight", "unit") if u in GRAMS_PER)


def weight_target(unit: str, allowed: tuple[str, ...]) -> str | None:
    """The unit a weight in ``unit`` is converted into (the first allowed), or None: it is written as it is."""
    return None if not allowed or unit in allowed or unit not in GRAMS_PER else allowed[0]


def weight_in(value: Any, unit: str, properties: Mapping[str, Any] | None) -> tuple[Decimal, str]:
    """A package weight in a unit the definition allows (the first it lists), to the hundredth."""
    target = weight_target(unit, weight_units(properties))
    amount = Decimal(str(value))
    if target is None:
        return amount, unit
    converted = (amount * GRAMS_PER[unit] / GRAMS_PER[target]).quantize(_CENT, ROUND_HALF_UP)
    return max(converted, _CENT) if amount > 0 else converted, target


def condition_in(mapped: str, condition: str, properties: Mapping[str, Any] | None) -> str:
    """The condition as the definition's enum spells it: the source's value when it is one (``used_like_new``),
    else feedsync's mapping (``used`` -> used_good), else the first of the enum with that prefix."""
    allowed = [str(v) for v in _enum(properties, "condition_type", "value")]
    if condition in allowed:
        return condition
    if not allowed or mapped in allowed:
        return mapped
    prefix = condition.split("_")[0] + "_"
    return next((v for v in allowed if v.startswith(prefix)), mapped)
