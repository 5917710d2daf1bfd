"""A product type definition's verdict on messages a column at a time, and the messages' JSON text.

A message is described by its :data:`Shape`: the tree the per-row encoder builds, whose scalars are either
constants (:class:`Const`) or a text column (:class:`Leaf`: a value that varies by row), and whose members and
entries may be present in some rows only (a boolean column; the present entries of an :class:`Arr` come first).

:class:`Verdict` evaluates a definition (JSON Schema 2019-09 and Amazon's vocabulary, as
:mod:`feedsync.channels.amazon.schema_check` reads it) over a shape, symbolically: ``properties``, ``required``,
``items``, ``contains``, the counts of entries, ``allOf``/``anyOf``/``oneOf``/``not``/``if``, ``$ref`` and the
selectors' unique items become boolean expressions of the presence columns; each scalar keyword is asked of the
row's value -- natively for the lengths, enums and types of texts, else by the closure of
:mod:`~feedsync.channels.amazon.schema_check` itself, once per distinct value (``ask``) -- and a subtree without a
column is judged by that closure once. The expression is True exactly where ``CompiledSchema.valid`` holds of the
row's message (tests/columnar/test_schema.py holds the two side by side on random schemas and on the shared
definitions). A keyword this cannot translate raises :class:`~feedsync.columnar.fields.NotColumnar`.

:func:`json_text` is the message's compact JSON as ``formats.json_listings.message_bytes`` writes it.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from typing import Any

import polars as pl

from feedsync.channels.amazon.schema_check import IGNORED, Check, Compiler, canonical
from feedsync.columnar.fields import NotColumnar
from feedsync.columnar.text import Bind, json_controls, json_plain
from feedsync.formats.json_listings import encode

Ask = Callable[[pl.Expr, Callable[[Any], Any], pl.DataType], pl.Expr]
"""``Compiler.ask`` of :mod:`feedsync.columnar.fields`: a function asked of each distinct value of a column."""
Truth = bool | pl.Expr
"""A verdict known before any row (a bool) or a boolean column."""


@dataclass(frozen=True, slots=True)
class Const:
    """A scalar every row holds: a text, a number, a boolean or None."""

    value: Any


@dataclass(frozen=True, slots=True)
class Leaf:
    """A scalar that varies by row: ``text`` a text column (non-null wherever the leaf is present); the message
    holds ``read(text)`` (None: the text itself). ``kind``: the JSON type of every value read (``string``,
    ``number`` or ``boolean``)."""

    text: pl.Expr
    kind: str = "string"
    read: Callable[[str], Any] | None = None


@dataclass(frozen=True, slots=True)
class Obj:
    """An object: its members in order, each (name, shape, present: a boolean column, or None: always)."""

    members: tuple[tuple[str, Shape, pl.Expr | None], ...]


@dataclass(frozen=True, slots=True)
class Arr:
    """An array: its entries in order, each (shape, present: a boolean column, or None: always); a row's present
    entries come before its absent ones."""

    entries: tuple[tuple[Shape, pl.Expr | None], ...]


Shape = Const | Leaf | Obj | Arr

_STRUCTURAL = frozenset(
    {
        "properties", "required", "additionalProperties", "patternProperties", "items", "contains", "minItems",
        "maxItems", "maxUniqueItems", "minUniqueItems",
    }
)  # fmt: skip
"""Keywords that pass every scalar (they test an object's or an array's parts)."""
_OBJECT_ONLY = frozenset({"properties", "required", "additionalProperties", "patternProperties"})
_ARRAY_ONLY = frozenset({"items", "contains", "minItems", "maxItems", "maxUniqueItems", "minUniqueItems"})
_SCALAR = frozenset(
    {
        "type", "enum", "const", "minLength", "maxLength", "minUtf8ByteLength", "maxUtf8ByteLength", "pattern",
        "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    }
)  # fmt: skip
"""Keywords that judge a scalar's value; of them only ``type``, ``enum`` and ``const`` judge an object or array."""
_TEXT_ONLY = frozenset({"minLength", "maxLength", "minUtf8ByteLength", "maxUtf8ByteLength", "pattern", "format"})
_NUMBER_ONLY = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"})
_DEPTH = 64  # $ref followed deeper than this on one instance: a definition that refers to itself


def static(shape: Shape) -> bool:
    """Whether every row holds the same value: no column in it."""
    if isinstance(shape, Const):
        return True
    if isinstance(shape, Obj):
        return all(present is None and static(sub) for _, sub, present in shape.members)
    if isinstance(shape, Arr):
        return all(present is None and static(sub) for sub, present in shape.entries)
    return False


def value_of(shape: Shape) -> Any:
    """The value of a :func:`static` shape."""
    if isinstance(shape, Const):
        return shape.value
    if isinstance(shape, Obj):
        return {name: value_of(sub) for name, sub, _ in shape.members}
    if isinstance(shape, Arr):
        return [value_of(sub) for sub, _ in shape.entries]
    raise NotColumnar("a column in a constant")


def of(value: Any) -> Shape:
    """The shape of a constant value (its objects and arrays as :class:`Obj` and :class:`Arr`)."""
    if isinstance(value, dict):
        return Obj(tuple((name, of(sub), None) for name, sub in value.items()))
    if isinstance(value, list):
        return Arr(tuple((of(sub), None) for sub in value))
    return Const(value)


# Truths -------------------------------------------------------------------------------------------------------


def _expr(truth: Truth) -> pl.Expr:
    return pl.lit(truth) if isinstance(truth, bool) else truth


def _safely(check: Check, value: Any) -> bool:
    """The closure's verdict on a value; False where it cannot judge it (a NaN against a bound): such a row is made
    per row, where the check tells what it does."""
    try:
        return check(value, (), None)
    except (ArithmeticError, ValueError, TypeError):
        return False


def _fold(truths: list[Truth], decisive: bool, join: Callable[[list[pl.Expr]], pl.Expr]) -> Truth:
    """``truths`` joined: ``decisive`` when one of them is; the columns joined, the other bools dropped."""
    if any(t is decisive for t in truths):
        return decisive
    exprs = [t for t in truths if not isinstance(t, bool)]
    if not exprs:
        return not decisive
    return exprs[0] if len(exprs) == 1 else join(exprs)


def every(truths: list[Truth]) -> Truth:
    return _fold(truths, False, pl.all_horizontal)


def some(truths: list[Truth]) -> Truth:
    return _fold(truths, True, pl.any_horizontal)


def negate(truth: Truth) -> Truth:
    return (not truth) if isinstance(truth, bool) else ~truth


def implies(present: pl.Expr | None, truth: Truth) -> Truth:
    """``truth`` where ``present`` holds (always, for None)."""
    return truth if present is None else some([negate(present), truth])


def choose(condition: Truth, then: Truth, otherwise: Truth) -> Truth:
    if isinstance(condition, bool):
        return then if condition else otherwise
    if then is otherwise:
        return then
    return pl.when(condition).then(_expr(then)).otherwise(_expr(otherwise))


def count(presences: list[pl.Expr | None]) -> int | pl.Expr:
    """How many of the entries are present: a number, or a column."""
    always = sum(1 for p in presences if p is None)
    varying = [p.cast(pl.Int32) for p in presences if p is not None]
    if not varying:
        return always
    return pl.sum_horizontal(varying) + always


def _compare(size: int | pl.Expr, test: Callable[[Any], Any]) -> Truth:
    return bool(test(size)) if isinstance(size, int) else test(size)


# The verdict ---------------------------------------------------------------------------------------------------


class Verdict:
    """A definition document's checks over shapes: ``of(schema, shape)`` is the boolean column of
    ``schema``'s verdict on each row's value of ``shape`` (``schema``: the document or a part of it)."""

    def __init__(self, root: dict[str, Any], ask: Ask) -> None:
        self.root = root
        self._ask = ask
        self._closures = Compiler(root)
        self._nodes: dict[int, tuple[Any, Check]] = {}

    def __call__(self, shape: Shape, *, whole: bool = False) -> pl.Expr:
        """The document's verdict on ``shape``: True where the row's message passes, else False (null never).
        ``whole``: the caller's own verdict holds :func:`complete` of ``shape`` (rows where it does not are the
        caller's to refuse), so it is not made twice."""
        return _expr(every([self.of(self.root, shape), True if whole else complete(shape)])).fill_null(False)

    def of(self, schema: Any, shape: Shape, depth: int = 0) -> Truth:
        if schema is True or schema is False:
            return schema
        if not isinstance(schema, dict):
            raise NotColumnar("a schema that is not an object")
        if depth > _DEPTH:
            raise NotColumnar("a definition that refers to itself")
        if static(shape):
            return self._closure(schema)(value_of(shape), (), None)
        truths: list[Truth] = []
        scalars: dict[str, Any] = {}
        for key, value in schema.items():
            if key in IGNORED:
                continue
            if key in _SCALAR:
                scalars[key] = value
            elif key in _STRUCTURAL:
                truths.append(self._structural(key, value, schema, shape, depth))
            else:
                truths.append(self._composite(key, value, schema, shape, depth))
            if truths and truths[-1] is False:
                return False
        if scalars:
            truths.append(self._scalars(scalars, shape))
        return every(truths)

    def _closure(self, schema: Any) -> Check:
        """schema_check's closure of a part of the document (compiled once per part)."""
        found = self._nodes.get(id(schema))
        if found is None:
            found = self._nodes[id(schema)] = (schema, self._closures.node(schema))  # the part kept alive
        return found[1]

    def _composite(self, key: str, value: Any, schema: dict[str, Any], shape: Shape, depth: int) -> Truth:
        if key == "allOf":
            return every([self.of(sub, shape, depth) for sub in value])
        if key == "anyOf":
            return some([self.of(sub, shape, depth) for sub in value])
        if key == "oneOf":
            passed = [self.of(sub, shape, depth) for sub in value]
            return _compare(
                count([None if p is True else _expr(p) for p in passed if p is not False]), lambda n: n == 1
            )
        if key == "not":
            return negate(self.of(value, shape, depth))
        if key == "if":
            condition = self.of(value, shape, depth)
            then = self.of(schema["then"], shape, depth) if "then" in schema else True
            otherwise = self.of(schema["else"], shape, depth) if "else" in schema else True
            return choose(condition, then, otherwise)
        if key == "$ref":
            return self.of(self._resolve(value), shape, depth + 1)
        raise NotColumnar(f"the keyword {key}")

    def _resolve(self, target: Any) -> Any:
        if not isinstance(target, str) or not target.startswith("#"):
            raise NotColumnar(f"$ref to {target!r}")
        found: Any = self.root
        for part in filter(None, target[1:].split("/")):
            found = found[part.replace("~1", "/").replace("~0", "~")]
        return found

    def _structural(self, key: str, value: Any, schema: dict[str, Any], shape: Shape, depth: int) -> Truth:
        if isinstance(shape, Obj) and key in _OBJECT_ONLY:
            return self._object(key, value, schema, shape, depth)
        if isinstance(shape, Arr) and key in _ARRAY_ONLY:
            return self._array(key, value, schema, shape, depth)
        return True  # a keyword of another type's parts passes

    def _object(self, key: str, value: Any, schema: dict[str, Any], shape: Obj, depth: int) -> Truth:
        members = {name: (sub, present) for name, sub, present in shape.members}
        if key == "required":
            return every([_present(members[name][1]) if name in members else False for name in value])
        if key == "properties":
            return every(
                [implies(members[n][1], self.of(sub, members[n][0], depth)) for n, sub in value.items() if n in members]
            )
        if key == "patternProperties":
            truths = []
            for pattern, sub in value.items():
                compiled = re.compile(pattern)
                for name, (member, present) in members.items():
                    if compiled.search(name):
                        truths.append(implies(present, self.of(sub, member, depth)))
            return every(truths)
        # additionalProperties: the members neither properties nor patternProperties name
        known = schema.get("properties", {})
        patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
        extras = [(m, p) for n, (m, p) in members.items() if n not in known and not any(x.search(n) for x in patterns)]
        return every([implies(present, self.of(value, member, depth)) for member, present in extras])

    def _array(self, key: str, value: Any, schema: dict[str, Any], shape: Arr, depth: int) -> Truth:
        entries = shape.entries
        if key == "items":
            if isinstance(value, list):
                pairs: Iterator[tuple[Any, tuple[Shape, pl.Expr | None]]] = zip(value, entries, strict=False)
            else:
                pairs = ((value, entry) for entry in entries)
            return every([implies(present, self.of(sub, entry, depth)) for sub, (entry, present) in pairs])
        if key == "contains":
            return some(
                [every([present if present is not None else True, self.of(value, entry, depth)])
                 for entry, present in entries]
            )  # fmt: skip
        size = count([present for _, present in entries])
        limit = int(value)
        if key == "minItems":
            return True if limit <= 0 else _compare(size, lambda n: n >= limit)
        if key == "maxItems":
            return _compare(size, lambda n: n <= limit)
        # max/minUniqueItems: how many present entries share each combination of the selectors' values
        upper = key == "maxUniqueItems"
        selectors = list(schema.get("selectors", []))
        keys = [_key(entry, selectors) for entry, _ in entries]
        if all(not isinstance(k, list) or all(isinstance(part, tuple) for part in k) for k in keys):
            groups: dict[Any, list[pl.Expr | None]] = {}  # every key known before any row: grouped as Python does
            for k, (_, present) in zip(keys, entries, strict=True):
                groups.setdefault(tuple(part[0] for part in k) if isinstance(k, list) else k, []).append(present)
            sizes = [count(presences) for presences in groups.values()]
            return every([_compare(n, lambda n: (n == 0) | ((n <= limit) if upper else (n >= limit))) for n in sizes])
        if not all(isinstance(k, list) for k in keys):
            raise NotColumnar("unique items of objects that vary beside other values")
        truths = []
        for i, (_, present) in enumerate(entries):  # each present entry: how many present entries share its key
            same = [
                every([_present(present_j), *map(_same_part, keys[i], keys[j])])
                for j, (_, present_j) in enumerate(entries)
            ]
            n = count([None if t is True else _expr(t) for t in same if t is not False])
            truths.append(implies(present, _compare(n, lambda n: (n <= limit) if upper else (n >= limit))))
        return every(truths)

    def _scalars(self, keywords: dict[str, Any], shape: Shape) -> Truth:
        """The scalar keywords of one schema on ``shape``."""
        if isinstance(shape, (Obj, Arr)):
            if "enum" in keywords or "const" in keywords:
                raise NotColumnar("an enum of objects or arrays that vary")
            names = keywords.get("type")
            if names is None:
                return True
            names = [names] if isinstance(names, str) else list(names)
            return ("object" if isinstance(shape, Obj) else "array") in names
        assert isinstance(shape, Leaf)
        if shape.kind == "string" and shape.read is None:
            return self._text(keywords, shape.text)
        asked = dict(keywords)
        check = self._closure(asked)
        read = shape.read or str
        return self._ask(shape.text, lambda text: _safely(check, read(text)), pl.Boolean())

    def _text(self, keywords: dict[str, Any], text: pl.Expr) -> Truth:
        """The scalar keywords on a text column: types, enums, lengths natively; patterns and formats asked."""
        truths: list[Truth] = []
        asked = {}
        for key, value in keywords.items():
            if key in _NUMBER_ONLY:
                continue
            if key == "type":
                names = [value] if isinstance(value, str) else list(value)
                truths.append("string" in names)
            elif key in ("enum", "const"):
                allowed = [v for v in (value if key == "enum" else [value]) if isinstance(v, str)]
                truths.append(text.is_in(allowed) if allowed else False)
            elif key in ("minLength", "maxLength", "minUtf8ByteLength", "maxUtf8ByteLength"):
                size = text.str.len_bytes() if "Utf8" in key else text.str.len_chars()
                limit = int(value)
                truths.append((True if limit <= 0 else size >= limit) if key.startswith("min") else size <= limit)
            else:  # pattern, format
                asked[key] = value
        if asked:
            check = self._closure(asked)
            truths.append(self._ask(text, lambda t: _safely(check, t), pl.Boolean()))
        return every(truths)


def _key(entry: Shape, selectors: list[str]) -> Any:
    """An entry's key among the entries (schema_check's ``_unique``): an object's is a list of its selectors'
    :func:`_part`; any other entry's is its canonical value (known before any row)."""
    if isinstance(entry, Obj):
        return [_part(entry, selector) for selector in selectors]
    if static(entry):
        return canonical(value_of(entry))
    raise NotColumnar("unique items of values that vary")


def _part(entry: Obj, selector: str) -> Any:
    """An object entry's value of a selector: a 1-tuple of its canonical value (``("absent",)`` when the entry
    lacks it), known before any row; or [a text column, its presence (None: always)]."""
    for name, sub, present in entry.members:
        if name != selector:
            continue
        if present is None and static(sub):
            return (canonical(value_of(sub)),)
        if isinstance(sub, Leaf) and sub.kind == "string" and sub.read is None:
            return [sub.text, present]
        raise NotColumnar("a selector that varies other than as a text")
    return (("absent",),)


def _same_part(a: Any, b: Any) -> Truth:
    """Whether two entries' values of one selector are the same (:func:`_part`)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    if isinstance(a, tuple):
        a, b = b, a
    text, present = a
    if isinstance(b, tuple):  # a known value: a text, another value, or absent
        (value,) = b
        if value == ("absent",):
            return False if present is None else negate(present)
        if not isinstance(value, str):
            return False
        return every([_present(present), text == value])
    other, present_b = b
    if present is None and present_b is None:
        return text == other
    both = every([_present(present), _present(present_b)])
    neither = every([negate(_present(present)), negate(_present(present_b))])
    return choose(both, text == other, neither)


def _present(present: pl.Expr | None) -> Truth:
    return True if present is None else present


def complete(shape: Shape, present: tuple[pl.Expr, ...] = ()) -> Truth:
    """Whether the row's value is whole: every presence column says true or false, and every leaf the row holds
    has its value (a present leaf's column is not null). ``present``: the presences the value is within (all must
    hold). What holds of every row is left out: a presence that is itself a null test is never null, and a leaf
    present where its own column is not null has its value there."""
    if isinstance(shape, Leaf):
        held = shape.text.is_not_null()
        if any(p.meta.eq(held) for p in present):
            return True
        return implies(reduce(operator.and_, present) if present else None, held)
    if isinstance(shape, Const):
        return True
    parts = shape.members if isinstance(shape, Obj) else tuple((None, s, p) for s, p in shape.entries)
    truths: list[Truth] = []
    for _, sub, own in parts:
        if own is not None and not _tested(own):
            truths.append(own.is_not_null())
        truths.append(complete(sub, present if own is None else (*present, own)))
    return every(truths)


def json_null(shape: Shape) -> Truth:
    """Where :func:`json_text` of ``shape`` is null, without making the text: a leaf read where its column is null
    (an asked leaf's answer is a text wherever its column holds one), within parts that are always there (a member or
    entry that may be absent is left out where it is, or null: such a part is never null)."""
    if isinstance(shape, Const) or (not isinstance(shape, Leaf) and static(shape)):
        return False
    if isinstance(shape, Leaf):
        return shape.text.is_null()
    parts = [(sub, present) for _, sub, present in shape.members] if isinstance(shape, Obj) else shape.entries
    if any(present is not None for _, present in parts):
        return False
    truths = [json_null(sub) for sub, _ in parts]
    if any(t is True for t in truths):
        return True
    found = [t for t in truths if not isinstance(t, bool)]
    return reduce(operator.or_, found) if found else False


def _tested(e: pl.Expr) -> bool:
    """Whether ``e`` is a null test of one expression (``x.is_not_null()``, ``x.is_null()``): never null."""
    inputs = e.meta.pop()
    return len(inputs) == 1 and (e.meta.eq(inputs[0].is_not_null()) or e.meta.eq(inputs[0].is_null()))


# The JSON text -------------------------------------------------------------------------------------------------


def json_text(
    shape: Shape, ask: Ask, opening: str | None = None, bind: Bind | None = None, controls: bool = True
) -> pl.Expr:
    """The row's value of ``shape`` as compact JSON (``json_listings.encode``: non-ASCII kept; the text
    ``message_bytes`` writes of a message vouched plain), where :func:`complete` holds (null leaves: it says where;
    there the text may be null). ``opening``: a text written in place of an object's or array's first character.
    One text is made of the parts of every object and array whose members are always there (``_parts``), not one
    a level. ``bind``: the text is read more than once (to escape the control characters its strings hold).
    ``controls=False``: those are left as they are (JSON that ``json.loads(text, strict=False)`` reads)."""
    parts = _parts(shape, ask)
    if opening is not None:
        assert isinstance(parts[0], str) and parts[0][:1] in ("{", "[")
        parts[0] = opening + parts[0][1:]
    if not controls or all(isinstance(part, str) for part in parts):
        return _joined(parts)
    joined = _joined(parts) if bind is None else bind(_joined(parts))
    return json_controls(joined)  # (the only control characters in it are its strings')


def _parts(shape: Shape, ask: Ask) -> list[str | pl.Expr]:
    """The texts and columns whose concatenation is :func:`json_text` (null where one is)."""
    if not isinstance(shape, Leaf) and static(shape):  # (a constant part: one text)
        return [encode(value_of(shape))]  # type: ignore[arg-type]
    if isinstance(shape, Const):
        return [encode(shape.value)]  # type: ignore[arg-type]
    if isinstance(shape, Leaf):
        if shape.read is None:
            return ['"', json_plain(shape.text), '"']
        read = shape.read
        return [ask(shape.text, lambda text: encode(read(text)), pl.String())]
    if isinstance(shape, Obj):
        members = [(encode(name) + ":", sub, present) for name, sub, present in shape.members]  # type: ignore[arg-type]
        opening, closing = "{", "}"
    else:
        members = [("", sub, present) for sub, present in shape.entries]
        opening, closing = "[", "]"
    if all(present is None for _, _, present in members):  # a comma before each but the first: spliced in
        parts: list[str | pl.Expr] = [opening]
        for at, (label, sub, _) in enumerate(members):
            parts += ["," + label if at else label, *_parts(sub, ask)]
        return _merged([*parts, closing])
    pieces = [_when(present, _joined([label, *_parts(sub, ask)])) for label, sub, present in members]
    return [opening, pl.concat_str(pieces, separator=",", ignore_nulls=True), closing]


def _merged(parts: list[str | pl.Expr]) -> list[str | pl.Expr]:
    """``parts`` with the texts next to each other joined, and empty ones left out."""
    merged: list[str | pl.Expr] = []
    for part in parts:
        if isinstance(part, str):
            if not part:
                continue
            if merged and isinstance(merged[-1], str):
                merged[-1] += part
                continue
        merged.append(part)
    return merged


def _joined(parts: list[str | pl.Expr]) -> pl.Expr:
    """The concatenation of ``parts`` (null where one is)."""
    parts = _merged(parts)
    exprs = [pl.lit(part) if isinstance(part, str) else part for part in parts]
    if not exprs:
        return pl.lit("")
    return exprs[0] if len(exprs) == 1 else pl.concat_str(exprs)


def differs(shape: Shape, at: pl.Expr, ask: Ask) -> pl.Expr | None:
    """Whether the row's value differs from the value of row ``at`` (a column of row indexes) as Python compares
    them (``1 == 1.0 == True``, ``0.0 == -0.0``), for rows whose values are whole (:func:`complete`): leaf by leaf,
    no text made. None: never (a :func:`static` shape)."""
    if static(shape):
        return None
    if isinstance(shape, Leaf):
        read = shape.read
        value = shape.text if read is None else ask(shape.text, lambda text: _canonical(read(text)), pl.String())
        return value.ne_missing(value.gather(at))
    # an object's members by name; an array's present entries come first (as long a prefix: equal where each is)
    parts = [(sub, present) for _, sub, present in shape.members] if isinstance(shape, Obj) else shape.entries
    found = []
    for sub, present in parts:
        within = differs(sub, at, ask)
        if present is None:
            if within is not None:
                found.append(within)
            continue
        moved = present.ne_missing(present.gather(at))
        found.append(moved if within is None else moved | (present & within))
    return pl.any_horizontal(found) if found else None


def _canonical(value: Any) -> str:
    if isinstance(value, (bool, int, float)) and not isinstance(value, str):
        if value != value:  # NaN equals nothing, itself neither: a text no other value has
            return f"nan{id(value)}"
        return "0" if value == 0 else str(Decimal(value).normalize())
    return encode(value)  # type: ignore[arg-type]


def _when(present: pl.Expr | None, e: pl.Expr) -> pl.Expr:
    return e if present is None else pl.when(present).then(e)
