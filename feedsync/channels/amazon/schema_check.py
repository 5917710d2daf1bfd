"""A product type definition (JSON Schema 2019-09 + Amazon's vocabulary) compiled ONCE into check functions.

Each schema node becomes a list of keyword checks ``check(instance, path, out) -> bool``. With ``out`` None a
check only answers valid/invalid (and stops at the first failure: the conditions of ``if``, ``anyOf``, ``oneOf``,
``not`` and ``contains``); with a list it appends every :class:`Failure`, as ``jsonschema``'s ``iter_errors`` yields
its errors (one per failing keyword, at the same instance path). Numbers are compared as ``Decimal`` (a float is
taken as the decimal text JSON writes for it), so ``77.99`` is a multiple of ``0.01``.

Covered: type, enum, const, required, properties, additionalProperties, items (schema and list form), contains,
minItems/maxItems, minLength/maxLength, pattern, minimum/maximum/exclusiveMinimum/exclusiveMaximum, multipleOf,
``$ref`` into the document (``#/...``), allOf, anyOf, oneOf, not, if/then/else, and Amazon's maxUtf8ByteLength,
minUtf8ByteLength, maxUniqueItems/minUniqueItems with selectors. ``format`` is asserted for the formats real
definitions use (``date``, ``date-time``, ``uri``: :mod:`~feedsync.channels.amazon.schema_formats`, as the 2019-09
format vocabulary Amazon's meta-schema turns on); any other format is an annotation. editable, hidden, enumNames,
title, description, examples are UI hints.
Any other keyword makes :func:`compile_schema` raise, so a definition using one is never half checked.

Speed (a definition checks every message of a feed): the common shapes get their own checks (one required
attribute, a plain type, a string enum, a pair of keywords), a ``properties`` check that only answers looks up the
instance's keys, a closed object is a set comparison, lower bounds of 0 are dropped, a UTF-8 length is measured
only when the character count does not settle it, and an ``allOf`` runs a rule that is guarded by attributes (an
``if``/``then`` whose condition requires one, a ``properties`` rule) only for objects that have one of them
(:func:`_guard`). No generators in the hot paths: they cost more than the work they replace.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from feedsync.channels.amazon.schema_formats import FORMATS
from feedsync.kept import kept_copy, same

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Failure:
    """One broken rule: where (instance path, as jsonschema's ``absolute_path``), the rule, the value written."""

    path: Path
    rule: str
    value: Any
    missing: str | None = None
    """For ``required``: the attribute that is missing (the path is the object that lacks it)."""

    @property
    def where(self) -> str:
        """``attributes.item_name[0].value`` style; a missing attribute is named at the end."""
        parts = [*self.path, *([self.missing] if self.missing else [])]
        text = ""
        for part in parts:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return text or "(message)"


Check = Callable[[Any, Path, list[Failure] | None], bool]

IGNORED = frozenset(
    {
        "$schema", "$id", "$comment", "$defs", "$lifecycle", "title", "description", "examples", "default",
        "editable", "hidden", "enumNames", "enumDeprecated", "selectors", "then", "else",
    }
)  # fmt: skip


class UnsupportedKeyword(ValueError):
    pass


def number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if type(value) is float and value:  # prices repeat across a catalog: each float's decimal is made once
        return _float_decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


@lru_cache(maxsize=4096)
def _float_decimal(value: float) -> Decimal:
    # Only nonzero floats come here: no two equal keys print differently (1 and 1.0, 0.0 and -0.0 never share an
    # entry). Decimals are immutable.
    return Decimal(repr(value))


_NUMBER_TYPES = (int, float, Decimal)


def is_number(value: Any) -> bool:
    kind = type(value)
    if kind is float or kind is int or kind is Decimal:  # most numbers: no isinstance walk
        return True
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    return False


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def canonical(value: Any) -> Any:
    """A hashable form in which JSON Schema equality is Python equality (1 == 1.0, True != 1)."""
    if isinstance(value, bool):
        return ("bool", value)
    if is_number(value):
        return number(value)
    if isinstance(value, list):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("dict", frozenset((k, canonical(v)) for k, v in value.items()))
    return value


def show(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Compiler:
    """Compiles one definition document; ``$ref`` targets are compiled once and shared."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self._refs: dict[str, Check] = {}
        self.passes: dict[str, Callable[[Any], bool]] = {}
        """The generated verdict of each of the root's properties (``CompiledSchema`` fills it once generated): a
        listing of failures skips the values it passes, which have none (most of a refused message's)."""
        self.passed: dict[str, Any] = {}
        """The values of the root's properties that the generated verdict passed last, by name (as it keeps them)."""
        self.rules: dict[int, Callable[[Any], bool]] = {}
        """The generated verdict of each of the root's ``allOf`` rules, by its place: as ``passes``."""

    def node(self, schema: Any) -> Check:
        if schema is True:
            return lambda inst, path, out: True
        if schema is False:
            return _fail_always
        checks = [c for key in schema if (c := self._keyword(key, schema)) is not None]
        if not checks:
            return lambda inst, path, out: True
        return checks[0] if len(checks) == 1 else _every(checks)

    def ref(self, target: str) -> Check:
        if target not in self._refs:
            if not target.startswith("#"):
                raise UnsupportedKeyword(f"$ref to another document: {target}")
            schema: Any = self.root
            for part in filter(None, target[1:].split("/")):
                schema = schema[part.replace("~1", "/").replace("~0", "~")]
            slot: list[Check] = []
            self._refs[target] = lambda inst, path, out: slot[0](inst, path, out)  # for a reference to itself
            slot.append(self.node(schema))
            self._refs[target] = slot[0]  # later references call the compiled check directly
        return self._refs[target]

    def _keyword(self, key: str, schema: dict[str, Any]) -> Check | None:
        if key in IGNORED:
            return None
        make = _KEYWORDS.get(key)
        if make is None:
            raise UnsupportedKeyword(f"keyword {key!r} is not supported")
        return make(self, schema[key], schema)


def _fail_always(inst: Any, path: Path, out: list[Failure] | None) -> bool:
    if out is not None:
        out.append(Failure(path, "nothing is allowed here", inst))
    return False


def _typed(kind: Callable[[Any], bool], test: Callable[[Any], bool], rule: str) -> Check:
    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not kind(inst) or test(inst):
            return True
        if out is not None:
            out.append(Failure(path, rule, inst))
        return False

    return check


_PLAIN = {"string": str, "object": dict, "array": list}  # types an isinstance test answers exactly


def _type(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    rule = f"type {' or '.join(names)}"
    if len(names) == 1 and names[0] in _PLAIN:
        kind = _PLAIN[names[0]]

        def plain(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if isinstance(inst, kind):
                return True
            if out is not None:
                out.append(Failure(path, rule, inst))
            return False

        return plain
    tests = [_TYPES[n] for n in names]
    return _typed(lambda v: True, lambda v: any(t(v) for t in tests), rule)


def _enum(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    allowed = frozenset(canonical(v) for v in value)
    listed = ", ".join(map(str, value[:8])) + (f", … ({len(value)} values)" if len(value) > 8 else "")
    rule = f"one of: {listed}"

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if (inst in allowed) if type(inst) is str else (canonical(inst) in allowed):  # a str is its own canonical
            return True
        if out is not None:
            out.append(Failure(path, rule, inst))
        return False

    return check


def _const(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    expected = canonical(value)
    return _typed(lambda v: True, lambda v: canonical(v) == expected, f"exactly {value!r}")


def _required(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = list(value)
    if len(names) == 1:  # the usual condition: one attribute
        (only,) = names

        def one(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if not isinstance(inst, dict) or only in inst:
                return True
            if out is not None:
                out.append(Failure(path, "required", None, only))
            return False

        return one

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return True
        ok = True
        for name in names:
            if name not in inst:
                if out is None:
                    return False
                out.append(Failure(path, "required", None, name))
                ok = False
        return ok

    return check


def _properties(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    compiled = {name: c.node(sub) for name, sub in value.items()}
    get = compiled.get
    # a listing of failures skips what the generated verdict passes (the verdict alone stays the closures' own: the
    # generated code's reference)
    passes = c.passes if schema is c.root else {}

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return True
        if out is None and len(inst) < len(compiled):  # only answering: the instance's keys are fewer to look up
            for name in inst:
                each = get(name)
                if each is not None and not each(inst[name], (*path, name), None):
                    return False
            return True
        ok = True
        for name, each in compiled.items():
            if name not in inst:
                continue
            if out is not None and passes:  # listing failures: a value the generated verdict passes has none
                value = inst[name]
                kept = c.passed
                if kept.get(name) is value:
                    continue
                passed = passes.get(name)
                if passed is not None and passed(value):
                    kept[name] = value  # (as the verdict keeps it: the same object again is not asked again)
                    continue
            if not each(inst[name], (*path, name), out):
                if out is None:
                    return False
                ok = False
        return ok

    return check


def _additional(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    known = frozenset(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]

    def extras(inst: dict[str, Any]) -> list[str]:
        return [k for k in inst if k not in known and not any(p.search(k) for p in patterns)]

    if value is False and not patterns:
        superset = known.issuperset

        def closed_plain(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if not isinstance(inst, dict) or superset(inst):
                return True
            if out is not None:
                out.append(Failure(path, "only what the definition declares (no other properties)", extras(inst)))
            return False

        return closed_plain
    if value is False:

        def closed(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if not isinstance(inst, dict) or not (extra := extras(inst)):
                return True
            if out is not None:
                out.append(Failure(path, "only what the definition declares (no other properties)", extra))
            return False

        return closed
    sub = c.node(value)

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return True
        ok = True
        for name in extras(inst):
            if not sub(inst[name], (*path, name), out):
                if out is None:
                    return False
                ok = False
        return ok

    return check


def _items(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    if not isinstance(value, list):
        sub = c.node(value)

        def every(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if not isinstance(inst, list):
                return True
            ok = True
            for index, entry in enumerate(inst):
                if not sub(entry, (*path, index), out):
                    if out is None:
                        return False
                    ok = False
            return ok

        return every
    subs = [c.node(s) for s in value]

    def each_of(inst: Any) -> Iterable[tuple[int, Check]]:
        return zip(range(len(inst)), subs, strict=False)

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, list):
            return True
        ok = True
        for index, each in each_of(inst):
            if not each(inst[index], (*path, index), out):
                if out is None:
                    return False
                ok = False
        return ok

    return check


def _contains(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    sub = c.node(value)

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, list):
            return True
        for entry in inst:
            if sub(entry, (), None):
                return True
        if out is not None:
            out.append(Failure(path, "an entry matching a condition", inst))
        return False

    return check


def _size(kind: type, utf8: bool, upper: bool, what: str) -> Any:
    """minItems/maxItems, minLength/maxLength (characters) and Amazon's min/maxUtf8ByteLength (bytes). A lower
    bound of 0 cannot fail and is not checked; a string's UTF-8 length is measured only when its character count
    does not settle it (1 to 4 bytes a character)."""

    def make(c: Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
        limit = int(value)
        if not upper and limit <= 0:
            return None
        rule = f"{'at most' if upper else 'at least'} {limit} {what}"

        def fits(inst: Any) -> bool:
            size = len(inst)
            if utf8:
                if (size * 4 <= limit) if upper else (size >= limit):
                    return True
                size = _utf8(inst)
            return size <= limit if upper else size >= limit

        def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if not isinstance(inst, kind) or fits(inst):
                return True
            if out is not None:
                out.append(Failure(path, rule, inst))
            return False

        return check

    return make


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _utf8(v: str) -> int:
    return len(v.encode("utf-8", "surrogatepass"))


def _pattern(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    compiled = re.compile(value)
    return _typed(_is_str, lambda v: compiled.search(v) is not None, f"matching {value}")


def _format(c: Compiler, value: Any, schema: dict[str, Any]) -> Check | None:
    known = FORMATS.get(value) if isinstance(value, str) else None
    if known is None:  # not asserted: an annotation
        return None
    test, rule = known
    return _typed(_is_str, test, rule)


def _bound(op: Callable[[Decimal, Decimal], bool], words: str) -> Any:
    def make(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        limit = number(value)
        return _typed(is_number, lambda v: op(number(v), limit), f"{words} {value}")

    return make


def _multiple(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    step = number(value)
    return _typed(is_number, lambda v: number(v) % step == 0, f"a multiple of {value}")


def _all_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    checks = [c.node(s) for s in value]
    guards = [_guard(s) for s in value]
    if sum(g is not None for g in guards) < _WORTH_GUARDING:
        return _every(checks)
    # Skip what cannot fail: a rule guarded by attributes runs only for an object that has one of them.
    always = frozenset(i for i, g in enumerate(guards) if g is None)
    index: dict[str, list[int]] = {}
    for number, guard in enumerate(guards):
        for name in guard or ():
            index.setdefault(name, []).append(number)
    every = _every(checks)
    get = index.get
    passes = c.rules if schema is c.root else {}  # (the verdict alone is the closures' own, as ``_properties``')

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return every(inst, path, out)
        chosen = set(always)
        for key in inst:
            numbers = get(key)
            if numbers is not None:
                chosen.update(numbers)
        ok = True
        for number in sorted(chosen):  # in the definition's order, as the failures are listed without skipping
            if out is not None and passes and (passed := passes.get(number)) is not None and passed(inst):
                continue  # listing failures: a rule the generated verdict passes has none
            if not checks[number](inst, path, out):
                if out is None:
                    return False
                ok = False
        return ok

    return check


_WORTH_GUARDING = 4


def _guard(schema: Any) -> frozenset[str] | None:
    """Attributes one of which an object must have for ``schema`` to be able to fail it (None: it can fail an
    object without any). ``{"if": C, "then": T}`` passes when C is false, and C is false for an object lacking an
    attribute C requires; ``{"properties": P}`` checks only the attributes an object has."""
    if not isinstance(schema, dict):
        return None
    keys = {k for k in schema if k not in IGNORED}
    if keys == {"if"} and "else" not in schema:
        return _false_without(schema["if"])
    if keys == {"properties"} and isinstance(schema["properties"], dict):
        return frozenset(schema["properties"])
    if keys == {"allOf"} and isinstance(schema["allOf"], list):
        parts = [_guard(s) for s in schema["allOf"]]
        return None if any(p is None for p in parts) else frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def _false_without(condition: Any) -> frozenset[str] | None:
    """Attributes such that ``condition`` is false for an object that has none of them (None: no such set)."""
    if not isinstance(condition, dict):
        return None
    required = condition.get("required")
    if isinstance(required, list) and required and isinstance(required[0], str):
        return frozenset(required[:1])  # every keyword must hold: lacking one required attribute is enough
    for member in condition.get("allOf") or []:
        found = _false_without(member)
        if found is not None:
            return found
    for key in ("anyOf", "oneOf"):  # false when every alternative is false
        alternatives = condition.get(key)
        if isinstance(alternatives, list) and alternatives:
            parts = [_false_without(a) for a in alternatives]
            if all(p is not None for p in parts):
                return frozenset().union(*parts)  # type: ignore[arg-type]
    return None


def _every(checks: list[Check]) -> Check:
    """A check that passes when all of ``checks`` pass: it stops at the first failure unless failures are
    collected (``out``), then it runs them all."""

    if len(checks) == 2:  # the common pair (required + properties): no loop
        first, second = checks

        def both(inst: Any, path: Path, out: list[Failure] | None) -> bool:
            if out is None:
                return first(inst, path, None) and second(inst, path, None)
            ok = first(inst, path, out)
            return second(inst, path, out) and ok

        return both

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        ok = True
        for each in checks:
            if not each(inst, path, out):
                if out is None:
                    return False
                ok = False
        return ok

    return check


def _any_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    subs = [c.node(s) for s in value]

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        for sub in subs:
            if sub(inst, (), None):
                return True
        if out is not None:
            out.append(Failure(path, "one of several alternatives", inst))
        return False

    return check


def _one_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    subs = [c.node(s) for s in value]
    return _typed(
        lambda v: True, lambda v: sum(1 for s in subs if s(v, (), None)) == 1, "exactly one of several alternatives"
    )


def _not(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    sub = c.node(value)

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not sub(inst, (), None):
            return True
        if out is not None:
            out.append(Failure(path, "not a forbidden combination", inst))
        return False

    return check


def _if(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    condition = c.node(value)
    then = c.node(schema["then"]) if "then" in schema else None
    otherwise = c.node(schema["else"]) if "else" in schema else None

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        branch = then if condition(inst, path, None) else otherwise
        return branch is None or branch(inst, path, out)

    return check


def _ref(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return c.ref(value)


def _unique(upper: bool) -> Any:
    """Amazon's max/minUniqueItems: how many entries may share one combination of the selectors' values."""

    def make(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        limit = int(value)
        selectors = list(schema.get("selectors", []))

        def key(entry: Any) -> Any:
            if not isinstance(entry, dict):
                return canonical(entry)
            return tuple(canonical(entry.get(s)) if s in entry else ("absent",) for s in selectors)

        def test(v: list[Any]) -> bool:
            if len(v) == 1:  # one entry: one combination, counted once
                return limit >= 1 if upper else limit <= 1
            counts = Counter(key(e) for e in v).values()
            return all(n <= limit for n in counts) if upper else all(n >= limit for n in counts)

        words = "at most" if upper else "at least"
        by = f" per {' + '.join(selectors)}" if selectors else ""
        return _typed(_is_list, test, f"{words} {limit} entr{'y' if limit == 1 else 'ies'}{by}")

    return make


_KEYWORDS: dict[str, Callable[[Compiler, Any, dict[str, Any]], Check | None]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "contains": _contains,
    "minItems": _size(list, False, False, "entries"),
    "maxItems": _size(list, False, True, "entries"),
    "minLength": _size(str, False, False, "characters"),
    "maxLength": _size(str, False, True, "characters"),
    "minUtf8ByteLength": _size(str, True, False, "UTF-8 bytes"),
    "maxUtf8ByteLength": _size(str, True, True, "UTF-8 bytes"),
    "pattern": _pattern,
    "format": _format,
    "minimum": _bound(lambda v, lim: v >= lim, "at least"),
    "maximum": _bound(lambda v, lim: v <= lim, "at most"),
    "exclusiveMinimum": _bound(lambda v, lim: v > lim, "more than"),
    "exclusiveMaximum": _bound(lambda v, lim: v < lim, "less than"),
    "multipleOf": _multiple,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
    "not": _not,
    "if": _if,
    "$ref": _ref,
    "maxUniqueItems": _unique(True),
    "minUniqueItems": _unique(False),
    "patternProperties": lambda c, value, schema: _pattern_properties(c, value),
}


def _pattern_properties(c: Compiler, value: dict[str, Any]) -> Check:
    compiled = [(re.compile(p), c.node(s)) for p, s in value.items()]

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return True
        ok = True
        for pattern, sub in compiled:
            for name, item in inst.items():
                if pattern.search(name) and not sub(item, (*path, name), out):
                    if out is None:
                        return False
                    ok = False
        return ok

    return check


_VALUES = frozenset({"properties", "patternProperties", "additionalProperties"})
"""The keywords of an object that check the values of its properties (every failure they list has a path)."""


class CompiledSchema:
    """A whole schema, compiled once: ``failures(instance)`` lists what breaks it, ``valid`` only answers.

    ``valid`` is the generated code of :mod:`feedsync.channels.amazon.schema_codegen` (the closures' verdict,
    faster); the closures list the failures of the instances it refuses. ``valid`` remembers the attribute values
    that passed (by identity): a value must not be changed once it was checked."""

    valid: Callable[[Any], bool]

    def __init__(self, schema: dict[str, Any]) -> None:
        from feedsync.channels.amazon.schema_codegen import generate  # it builds on this module

        compiler = Compiler(schema)
        self._check = compiler.node(schema)  # raises UnsupportedKeyword, as the generator would
        self._schema, self._compiler = schema, compiler
        self._requires: Check | None = None  # the schema's checks but its properties' own (``missing``)
        # The properties whose values ``missing``'s answer reads besides the names an instance has (None: any of
        # them; found in well under a millisecond), and its last answer with what it depended on
        self._reads = (
            _value_reads({key: value for key, value in schema.items() if key not in _VALUES})
            if isinstance(schema, dict)
            else None
        )
        self._last_missing: tuple[frozenset[str], list[Any], list[str]] | None = None
        self._listed = False  # whether a listing of failures was asked for
        self._relaxed: CompiledSchema | None = None  # the schema without its top ``required`` (``passes_but``)
        try:
            generated = generate(schema, compiler)
        except (RecursionError, SyntaxError):  # past what Python compiles: the closures answer (slower)
            check = self._check
            self.valid, self.source = (lambda instance: check(instance, (), None)), ""
        else:
            self.valid, self.source = generated.verdict, generated.source
            compiler.passes.update(generated.attributes)
            compiler.passed = generated.passed

    @property
    def schema(self) -> dict[str, Any]:
        """The schema compiled."""
        return self._schema

    def failures(self, instance: Any) -> list[Failure]:
        out: list[Failure] = []
        if not self.valid(instance):
            required = self._without_required(instance)
            if required is not None:  # only names the top requires are missing: listed without the closures' walk
                return [Failure((), "required", None, name) for name in required if name not in instance]
            if not self._listed:  # the first refusal: the rules' generated verdicts too (when the rest is)
                self._listed = True
                if self._compiler.passes:
                    from feedsync.channels.amazon import schema_codegen

                    with suppress(RecursionError, SyntaxError):  # past what Python compiles: the closures list all
                        self._compiler.rules.update(schema_codegen.rule_verdicts(self._schema, self._compiler))
            self._check(instance, (), out)
        return out

    def passes_but(self, instance: Any, excused: Iterable[str]) -> bool:
        """Whether ``instance`` passes but for lacking the properties ``excused`` (no failure but those missing at
        its top). Asked first of the schema without its top ``required`` (compiled once: each keyword's failures
        are its own, so where that passes, the only failures are the names required at the top that the instance
        lacks), then of the failures."""
        names = set(excused)
        required = self._without_required(instance)
        if required is not None:
            return all(name in instance or name in names for name in required)
        return not any(f.path or f.missing not in names for f in self.failures(instance))

    def _without_required(self, instance: Any) -> list[Any] | None:
        """The schema's top ``required`` where ``instance`` (an object) passes the schema without it (compiled once:
        each keyword's failures are its own, so the only failures of the whole are then the names required at the
        top that the instance lacks); else None."""
        required = self._schema.get("required")
        if type(instance) is not dict or not isinstance(required, list):
            return None
        relaxed = self._relaxed
        if relaxed is None:
            relaxed = self._relaxed = shared_schema({k: v for k, v in self._schema.items() if k != "required"})
        return required if relaxed.valid(instance) else None

    def missing(self, instance: Any) -> list[str]:
        """The properties the schema requires of ``instance`` (at its top: ``required``, and the rules that require
        one under a condition) that it lacks, in order: the missing names of ``failures`` at the top, without
        listing what the values of the properties it has break (a failure of those has a path). Where the instance
        passes the schema without its top ``required``, those it lacks (no rule requires another then). The answer
        depends only on the names the instance has and the values the rules read: the last one is given again,
        unchecked, for an instance alike in both (a family's parents, one after another)."""
        reads = self._reads
        key, values = None, []
        if reads is not None and type(instance) is dict:  # an answer depends on the names there and these values
            key = frozenset(instance)
            values = [instance[name] for name in reads if name in instance]
            last = self._last_missing
            if last is not None and last[0] == key and same(values, last[1]):
                return list(last[2])
        required = self._without_required(instance)
        if required is not None:  # (what the checks below would list: those passing, only the top ``required`` fails)
            return sorted({name for name in required if name not in instance})
        requires = self._requires
        if requires is None:
            rest = {key: value for key, value in self._schema.items() if key not in _VALUES}
            requires = self._requires = self._compiler.node(rest)
        out: list[Failure] = []
        requires(instance, (), out)
        found = sorted({f.missing for f in out if f.missing and not f.path})
        if key is not None:  # (kept where the checks were asked: what the schema without ``required`` answers is quick)
            self._last_missing = (key, kept_copy(values), found)
        return list(found)


_PRESENCE = frozenset({"required", "dependentRequired", "type"})
"""Keywords of an object's own that read no value of its properties, but which it has (``type`` of an object: it
is one)."""
_UNDER = ("allOf", "anyOf", "oneOf")
_UNDER_ONE = ("not", "if", "then", "else")


def _value_reads(schema: Any) -> tuple[str, ...] | None:
    """The properties whose values the object schema ``schema`` reads (those its ``properties`` name, in it and in
    the schemas it applies to the same object), or None when it may read any (another keyword on the object)."""
    found: dict[str, None] = {}

    def walk(node: Any) -> bool:
        if isinstance(node, bool):
            return True
        if not isinstance(node, dict):
            return False
        for keyword, value in node.items():
            if keyword == "properties" and isinstance(value, dict):
                found.update(dict.fromkeys(value))
            elif keyword in _UNDER:
                if not isinstance(value, list) or not all(walk(sub) for sub in value):
                    return False
            elif keyword in _UNDER_ONE:
                if not walk(value):
                    return False
            elif keyword not in _PRESENCE and keyword not in IGNORED:
                return False
        return True

    return tuple(found) if walk(schema) else None


def compile_schema(schema: dict[str, Any]) -> CompiledSchema:
    return CompiledSchema(schema)


_COMPILED: OrderedDict[bytes, CompiledSchema] = OrderedDict()
"""The definitions' schemas compiled in this process, by a digest of their pickled bytes (``shared_schema``)."""
_KEPT = 8
"""The checks kept (about 6 MB each for Amazon's PRODUCT definition: a definition takes three, its requirement sets'
and the schema without its required names they share)."""
_LOCK = threading.RLock()


def shared_schema(schema: dict[str, Any]) -> CompiledSchema:
    """``compile_schema`` of a definition's schema, or the check compiled before in this process from an equal
    schema (keys in the same order, numbers of the same types): the same definition loaded again (by another run in
    the process, or by another part of this one) is not compiled again, 20-45 ms for Amazon's PRODUCT definition. A
    ``CompiledSchema`` answers the same of the same instance whoever asks it (what it remembers of the values that
    passed, it holds)."""
    try:  # (pickled: its numbers read as Decimal keep their type; equal bytes are an equal schema. About 1 ms)
        key = hashlib.blake2b(pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL), digest_size=20).digest()
    except (TypeError, ValueError, pickle.PicklingError):  # (compiled as it is)
        return compile_schema(schema)
    with _LOCK:  # (held while it compiles: the batch threads of a run ask for the same schema at once)
        compiled = _COMPILED.get(key)
        if compiled is not None:
            _COMPILED.move_to_end(key)
            return compiled
        compiled = _COMPILED[key] = compile_schema(schema)
        while len(_COMPILED) > _KEPT:
            _COMPILED.popitem(last=False)
        return compiled


def _forked() -> None:
    global _LOCK
    _LOCK = threading.RLock()  # (a thread of the parent may have held it as it forked)


os.register_at_fork(after_in_child=_forked)
