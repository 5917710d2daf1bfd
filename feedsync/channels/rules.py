"""Ordered if/then rules of a channel profile: conditions on any field, actions that change fields or drop the
item. Rules run top to bottom on the channel's view of a product (a dict of field -> value), as Channable's do.

Schema (YAML)::

    rules:
      - name: clearance label            # optional, shown by `feedsync explain`
        when:                            # every condition must hold (``when_any``: at least one)
          - {field: price, lt: 20}
          - {field: product_type, contains: Sale}
        then:
          - {set: custom_label_0, value: clearance}
          - {append: title, value: " - Sale"}
          - {exclude: true}

Conditions: equals, not_equals, contains, not_contains, matches (regex), empty (true/false), gt, gte, lt, lte,
in, not_in, between ([low, high]; numbers or dates). Fields are dotted paths (``price.amount``,
``attributes.season``, ``sale_price_effective_date.start``); ``now`` is the time of the run.
Actions: set, append, prepend, replace (find/with), regex_replace (pattern/with), copy (from), calculate
(a Jinja expression), exclude.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from feedsync import values as v
from feedsync.channels.templating import (
    Compiled,
    RenderError,
    TemplateFault,
    TemplateProblem,
    Templating,
    fault_text,
)
from feedsync.model.money import Money
from feedsync.model.product import AgeGroup, Availability, Condition, Gender

if TYPE_CHECKING:
    import regex  # imported by the rules that use a regular expression (a profile without one never does)

Context = dict[str, Any]

OPERATORS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "matches",
    "empty",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "between",
)
ACTIONS = ("set", "append", "prepend", "replace", "regex_replace", "copy", "calculate", "exclude")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConditionSpec(_Strict):
    field: str
    """A dotted field path (``price.amount``, ``attributes.season``); ``now`` is the run's time."""
    equals: Any = None
    """The field equals this value."""
    not_equals: Any = None
    """The field does not equal this value."""
    contains: str | None = None
    """The field's text contains this."""
    not_contains: str | None = None
    """The field's text does not contain this."""
    matches: str | None = None
    """The field's text matches this regular expression."""
    empty: bool | None = None
    """true: the field is empty; false: it has a value."""
    gt: Any = None
    """Greater than (numbers, money or dates)."""
    gte: Any = None
    """Greater than or equal."""
    lt: Any = None
    """Less than."""
    lte: Any = None
    """Less than or equal."""
    in_: list[Any] | None = Field(default=None, alias="in")
    """The field is one of these values."""
    not_in: list[Any] | None = None
    """The field is none of these values."""
    between: list[Any] | None = None
    """``[low, high]``, both included (numbers or dates)."""

    @model_validator(mode="after")
    def _one_operator(self) -> ConditionSpec:
        given = [op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None]
        if len(given) != 1:
            raise ValueError(f"a condition takes a field and exactly one of: {', '.join(OPERATORS)}")
        if self.between is not None and len(self.between) != 2:
            raise ValueError("between takes [low, high]")
        return self

    @property
    def operator(self) -> tuple[str, Any]:
        op = next(op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None)
        return op, getattr(self, "in_" if op == "in" else op)


class ActionSpec(_Strict):
    set: str | None = None
    """Set this field to ``value`` (a template)."""
    append: str | None = None
    """Append ``value`` (a template) to this field."""
    prepend: str | None = None
    """Put ``value`` (a template) before this field."""
    replace: str | None = None
    """In this field, replace ``find`` with ``with``."""
    regex_replace: str | None = None
    """In this field, replace matches of ``pattern`` with ``with``."""
    copy_: str | None = Field(default=None, alias="copy")
    """Copy field ``from`` into this field."""
    calculate: str | None = None
    """Set this field to ``expression`` (exact decimal arithmetic)."""
    exclude: bool | None = None
    """true: leave the item out of the channel."""
    value: Any = None
    """The value (a template) for set, append and prepend."""
    find: str | None = None
    """The text replace looks for."""
    with_: str | None = Field(default=None, alias="with")
    """The replacement text for replace and regex_replace."""
    pattern: str | None = None
    """The regular expression of regex_replace."""
    from_: str | None = Field(default=None, alias="from")
    """The field copy reads."""
    expression: str | None = None
    """The expression calculate evaluates."""

    @model_validator(mode="after")
    def _one_action(self) -> ActionSpec:
        given = [a for a in ACTIONS if getattr(self, a + "_" if a == "copy" else a) is not None]
        if len(given) != 1:
            raise ValueError(f"an action takes exactly one of: {', '.join(ACTIONS)}")
        needs = {
            "set": ("value",),
            "append": ("value",),
            "prepend": ("value",),
            "replace": ("find", "with_"),
            "regex_replace": ("pattern", "with_"),
            "copy": ("from_",),
            "calculate": ("expression",),
        }
        for name in needs.get(given[0], ()):
            if getattr(self, name) is None:
                raise ValueError(f"{given[0]} needs {name.rstrip('_')}")
        return self

    @property
    def kind(self) -> str:
        return next(a for a in ACTIONS if getattr(self, a + "_" if a == "copy" else a) is not None)

    @property
    def target(self) -> str | None:
        kind = self.kind
        return None if kind == "exclude" else getattr(self, kind + "_" if kind == "copy" else kind)


class RuleSpec(_Strict):
    name: str | None = None
    """Shown by ``feedsync explain``."""
    when: list[ConditionSpec] = Field(default_factory=list)
    """Conditions that must all hold."""
    when_any: list[ConditionSpec] = Field(default_factory=list)
    """Conditions of which at least one must hold."""
    then: list[ActionSpec] = Field(min_length=1)
    """Actions, in order."""


REGEX_TIMEOUT = 0.1
"""Seconds a rule's regular expression may take on one value (a catastrophic pattern such as ``(a+)+$``
backtracks for ages on "aaaa…b"); the product then gets a CFG008 finding instead of hanging the run."""


class RegexTimeout(Exception):
    """A rule's regular expression took too long on one product's value."""

    def __init__(self, pattern: str, field: str) -> None:
        super().__init__(pattern, field)
        self.pattern = pattern
        self.field = field
        self.rule = ""

    def __str__(self) -> str:
        return (
            f"rule {self.rule!r}: the regular expression {self.pattern!r} took more than {REGEX_TIMEOUT} s on field "
            f"{self.field} (it backtracks catastrophically on this value); the item is left out"
        )


def compile_regex(pattern: str) -> regex.Pattern[str]:
    """A rule's pattern (Python ``re`` syntax), run by the ``regex`` engine, which can give up after a time."""
    import regex

    try:
        return regex.compile(pattern)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise TemplateProblem(f"invalid regular expression {pattern!r}: {exc}") from None


class Excluded(Exception):
    """An ``exclude`` action fired: the item is left out of this channel."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


@dataclass(frozen=True, slots=True)
class Change:
    stage: str
    rule: str
    field: str
    before: Any
    after: Any


Trace = list[Change]


# -- reading values ------------------------------------------------------------------------------------------


def get_path(ctx: Mapping[str, Any], path: str) -> Any:
    """``price.amount`` / ``attributes.season`` / ``now`` from the channel view of a product."""
    head, _, rest = path.partition(".")
    value = ctx.get(head)
    for part in rest.split(".") if rest else ():
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def comparable(value: Any) -> Any:
    """Money -> its amount, enums -> their value; numbers stay numbers, everything else becomes text."""
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, Enum):
        return value.value
    return value


def _number(value: Any) -> Decimal | None:
    value = comparable(value)
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


def _when(value: Any, tz: ZoneInfo) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=tz)
    if isinstance(value, str):
        try:
            return v.parse_loose_datetime(value, tz)
        except v.ValueProblem:
            return None
    return None


def _text(value: Any) -> str:
    value = comparable(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(x) for x in value)
    return str(value)


Check = Callable[[Context], bool]


def compile_condition(spec: ConditionSpec, tz: ZoneInfo) -> Check:
    field = spec.field
    op, arg = spec.operator
    if op == "matches":
        pattern = compile_regex(arg)

        def matches(ctx: Context) -> bool:
            try:
                return pattern.search(_text(get_path(ctx, field)), timeout=REGEX_TIMEOUT) is not None
            except TimeoutError:
                raise RegexTimeout(arg, field) from None

        return matches
    if op in ("contains", "not_contains"):
        needle = str(arg).casefold()
        positive = op == "contains"

        def contains(ctx: Context) -> bool:
            value = get_path(ctx, field)
            found = (
                any(needle == str(x).casefold() for x in value)
                if isinstance(value, (list, tuple, dict))
                else needle in _text(value).casefold()
            )
            return found is positive

        return contains
    if op == "empty":
        wanted = bool(arg)
        return lambda ctx: (get_path(ctx, field) in (None, "", (), [], {})) is wanted
    if op in ("equals", "not_equals", "in", "not_in"):
        options = [str(comparable(x)).casefold() for x in (arg if op in ("in", "not_in") else [arg])]
        positive = op in ("equals", "in")

        def member(ctx: Context) -> bool:
            value = _text(get_path(ctx, field)).casefold()
            number = _number(get_path(ctx, field))
            hit = value in options or (number is not None and any(_number(o) == number for o in options))
            return hit is positive

        return member
    bounds = arg if op == "between" else [arg]
    numbers = [_number(b) for b in bounds]
    if all(n is not None for n in numbers):

        def numeric(ctx: Context) -> bool:
            value = _number(get_path(ctx, field))
            return value is not None and _compare(op, value, numbers)

        return numeric
    moments = [_when(b, tz) for b in bounds]
    if any(m is None for m in moments):
        raise TemplateProblem(f"{op} needs numbers or dates, not {arg!r}")

    def temporal(ctx: Context) -> bool:
        value = _when(get_path(ctx, field), tz)
        return value is not None and _compare(op, value, moments)

    return temporal


def _compare(op: str, value: Any, bounds: list[Any]) -> bool:
    if op == "gt":
        return bool(value > bounds[0])
    if op == "gte":
        return bool(value >= bounds[0])
    if op == "lt":
        return bool(value < bounds[0])
    if op == "lte":
        return bool(value <= bounds[0])
    return bool(bounds[0] <= value <= bounds[1])


# -- writing values ------------------------------------------------------------------------------------------

_ENUMS: dict[str, type[Enum]] = {
    "availability": Availability,
    "condition": Condition,
    "gender": Gender,
    "age_group": AgeGroup,
}


def coerce(ctx: Context, field: str, value: Any) -> Any:
    """A value assigned to ``field`` gets that field's type (a price stays Money in the price's currency)."""
    if value is None or value == "":
        return None
    if field in ("price", "sale_price"):
        if isinstance(value, Money):
            return value
        currency = ctx["price"].currency if isinstance(ctx.get("price"), Money) else None
        if isinstance(value, (int, float, Decimal)):
            value = format(Decimal(str(value)), "f")
        return v.parse_money(str(value), currency, what=field)
    if field == "quantity":
        return v.parse_int(str(value), what="quantity")
    if field in _ENUMS:
        return value if isinstance(value, Enum) else v.parse_enum(str(value), _ENUMS[field], what=field)
    if field == "additional_image_links":
        return (
            tuple(value)
            if isinstance(value, (list, tuple))
            else tuple(x.strip() for x in str(value).split(",") if x.strip())
        )
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        return value
    return value if isinstance(value, (list, tuple, dict, Money)) else str(value)


Apply = Callable[[Context], None]
_FLOAT = re.compile(r"(?<![\w.'\"])\d+\.\d+(?![\w.])")


def compile_action(spec: ActionSpec, templating: Templating) -> tuple[str, str | None, Apply]:
    kind, target = spec.kind, spec.target
    if kind == "exclude":

        def exclude(ctx: Context) -> None:
            raise Excluded("")

        return kind, None, exclude
    assert target is not None
    if "." in target:
        raise TemplateProblem(f"{kind} writes a field, not a path: {target!r}")
    made = _made(spec.value, templating) if kind in ("set", "append", "prepend") else None
    if kind == "set":
        value = spec.value
        if made is not None:
            return kind, target, lambda ctx: ctx.__setitem__(target, coerce(ctx, target, made.call(ctx)))
        return kind, target, lambda ctx: ctx.__setitem__(target, coerce(ctx, target, value))
    if kind in ("append", "prepend"):
        text = str(spec.value)

        def more(ctx: Context) -> str:
            return text if made is None else _text(made.call(ctx))

        def join(ctx: Context) -> None:
            now = _text(ctx.get(target))
            ctx[target] = coerce(ctx, target, now + more(ctx) if kind == "append" else more(ctx) + now)

        return kind, target, join
    if kind == "replace":
        find, with_ = str(spec.find), str(spec.with_)
        return (
            kind,
            target,
            lambda ctx: ctx.__setitem__(
                target, coerce(ctx, target, _text(ctx.get(target)).replace(find, with_)) if ctx.get(target) else None
            ),
        )
    if kind == "regex_replace":
        return kind, target, _regex_replace(target, str(spec.pattern), str(spec.with_))
    if kind == "copy":
        source = str(spec.from_)
        return kind, target, lambda ctx: ctx.__setitem__(target, coerce(ctx, target, get_path(ctx, source)))
    # Decimal literals, so that money arithmetic stays exact (Decimal and float do not mix).
    source = _FLOAT.sub(lambda m: f"__decimal__('{m.group()}')", str(spec.expression))
    expression = templating.expression(source)

    def calculate(ctx: Context) -> None:
        ctx[target] = coerce(ctx, target, expression.call(ctx))

    return kind, target, calculate


def _made(value: Any, templating: Templating) -> Compiled | None:
    """The template of a set, append or prepend ``value`` written as one (``' {{ brand }}'``), else None: the value
    as written (a value of another type keeps it)."""
    if isinstance(value, str) and ("{{" in value or "{%" in value):
        return templating.template(value)
    return None


def _regex_replace(target: str, source: str, with_: str) -> Apply:
    import regex

    pattern = compile_regex(source)

    def replace(ctx: Context) -> None:
        if not ctx.get(target):
            ctx[target] = None
            return
        try:
            replaced = pattern.sub(with_, _text(ctx.get(target)), timeout=REGEX_TIMEOUT)
        except TimeoutError:
            raise RegexTimeout(source, target) from None
        except regex.error as exc:  # e.g. a group the pattern does not have: found at the first match
            raise TemplateFault(f"regex_replace with {with_!r}: {exc}") from None
        ctx[target] = coerce(ctx, target, replaced)

    return replace


@dataclass(frozen=True, slots=True)
class CompiledRule:
    name: str
    all_of: list[Check]
    any_of: list[Check]
    actions: list[tuple[str, str | None, Apply]]
    reads: frozenset[str] = frozenset()
    """The names of the channel's view its conditions, copies and calculations read."""

    def apply(self, ctx: Context, trace: Trace | None) -> None:
        try:
            self._apply(ctx, trace)
        except RegexTimeout as exc:
            exc.rule = self.name
            raise
        except ArithmeticError as exc:  # decimal's, on this product's values (a NaN compared): the rule's fault
            raise TemplateFault(fault_text(exc)) from None

    def _apply(self, ctx: Context, trace: Trace | None) -> None:
        if self.all_of and not all(check(ctx) for check in self.all_of):
            return
        if self.any_of and not any(check(ctx) for check in self.any_of):
            return
        for kind, target, act in self.actions:
            before = ctx.get(target) if target else None
            try:
                act(ctx)
            except Excluded:
                if trace is not None:
                    trace.append(Change("rules", self.name, "(item)", "included", "excluded"))
                raise Excluded(self.name) from None
            if trace is not None and target is not None:
                trace.append(Change("rules", f"{self.name} ({kind})", target, before, ctx.get(target)))


def compile_rules(specs: list[RuleSpec], templating: Templating, tz: ZoneInfo) -> list[CompiledRule]:
    compiled = []
    for number, spec in enumerate(specs, start=1):
        compiled.append(
            CompiledRule(
                name=spec.name or f"rule {number}",
                all_of=[compile_condition(c, tz) for c in spec.when],
                any_of=[compile_condition(c, tz) for c in spec.when_any],
                actions=[compile_action(a, templating) for a in spec.then],
                reads=_reads(spec, templating),
            )
        )
    return compiled


def _reads(spec: RuleSpec, templating: Templating) -> frozenset[str]:
    """The names of the view ``spec`` reads (the first part of a dotted path)."""
    names = {condition.field.split(".")[0] for condition in (*spec.when, *spec.when_any)}
    for action in spec.then:
        if action.kind == "copy":
            names.add(str(action.from_).split(".")[0])
        elif action.kind == "calculate":
            names |= templating.expression(str(action.expression)).variables
        elif action.kind in ("set", "append", "prepend") and (made := _made(action.value, templating)) is not None:
            names |= made.variables
    return frozenset(names)


RuleError = (*RenderError, v.ValueProblem)
"""What a rule did wrong on one product (the product gets a finding); anything else from the rules' code is a bug."""
