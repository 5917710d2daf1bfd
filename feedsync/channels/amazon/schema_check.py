"""A product type definition (JSON Schema 2019-09 + Amazon's vocabulary) compiled ONCE into check functions.

Each schema node becomes a list of keyword checks ``check(instance, path, out) -> bool``. With ``out`` None a
check only answers valid/invalid (and stops at the first failure: the conditions of ``if``, ``anyOf``, ``oneOf``,
``not`` and ``contains``); with a list it appends every :class:`Failure`, as ``jsonschema``'s ``iter_errors`` yields
its errors (one per failing keyword, at the same instance path). Numbers are compared as ``Decimal`` (a float is
taken as the decimal text JSON writes for it), so ``77.99`` is a multiple of ``0.01``.

Covered: type, enum, const, required, properties, additionalProperties, items (schema and list form), contains,
minItems/maxItems, minLength/maxLength, pattern, minimum/maximum/exclusiveMinimum/exclusiveMaximum, multipleOf,
``$ref`` into the document (``#/...``), allOf, anyOf, oneOf, not, if/then/else, and Amazon's maxUtf8ByteLength,
minUtf8ByteLength, maxUniqueItems/minUniqueItems with selectors. ``format`` is an annotation (as in
``jsonschema`` without a format checker); editable, hidden, enumNames, title, description, examples are UI hints.
Any other keyword makes :func:`compile_schema` raise, so a definition using one is never half checked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
        "editable", "hidden", "enumNames", "enumDeprecated", "format", "selectors", "then", "else",
    }
)  # fmt: skip


class UnsupportedKeyword(ValueError):
    pass


def number(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


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
            self._refs[target] = lambda inst, path, out: slot[0](inst, path, out)
            slot.append(self.node(schema))
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


def _type(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    tests = [_TYPES[n] for n in names]
    return _typed(lambda v: True, lambda v: any(t(v) for t in tests), f"type {' or '.join(names)}")


def _enum(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    allowed = frozenset(canonical(v) for v in value)
    listed = ", ".join(map(str, value[:8])) + (f", … ({len(value)} values)" if len(value) > 8 else "")
    return _typed(lambda v: True, lambda v: canonical(v) in allowed, f"one of: {listed}")


def _const(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    expected = canonical(value)
    return _typed(lambda v: True, lambda v: canonical(v) == expected, f"exactly {value!r}")


def _required(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    names = list(value)

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

    def check(inst: Any, path: Path, out: list[Failure] | None) -> bool:
        if not isinstance(inst, dict):
            return True
        ok = True
        for name, each in compiled.items():
            if name in inst and not each(inst[name], (*path, name), out):
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
    if isinstance(value, list):
        subs = [c.node(s) for s in value]

        def each_of(inst: Any) -> Iterable[tuple[int, Check]]:
            return zip(range(len(inst)), subs, strict=False)
    else:
        sub = c.node(value)

        def each_of(inst: Any) -> Iterable[tuple[int, Check]]:
            return ((i, sub) for i in range(len(inst)))

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
    return _typed(
        lambda v: isinstance(v, list), lambda v: any(sub(i, (), None) for i in v), "an entry matching a condition"
    )


def _size(kind: Callable[[Any], bool], measure: Callable[[Any], int], upper: bool, what: str) -> Any:
    def make(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        limit = int(value)
        if upper:
            return _typed(kind, lambda v: measure(v) <= limit, f"at most {limit} {what}")
        return _typed(kind, lambda v: measure(v) >= limit, f"at least {limit} {what}")

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


def _bound(op: Callable[[Decimal, Decimal], bool], words: str) -> Any:
    def make(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
        limit = number(value)
        return _typed(is_number, lambda v: op(number(v), limit), f"{words} {value}")

    return make


def _multiple(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    step = number(value)
    return _typed(is_number, lambda v: number(v) % step == 0, f"a multiple of {value}")


def _all_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    return _every([c.node(s) for s in value])


def _every(checks: list[Check]) -> Check:
    """A check that passes when all of ``checks`` pass: it stops at the first failure unless failures are
    collected (``out``), then it runs them all."""

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
    return _typed(lambda v: True, lambda v: any(s(v, (), None) for s in subs), "one of several alternatives")


def _one_of(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    subs = [c.node(s) for s in value]
    return _typed(
        lambda v: True, lambda v: sum(1 for s in subs if s(v, (), None)) == 1, "exactly one of several alternatives"
    )


def _not(c: Compiler, value: Any, schema: dict[str, Any]) -> Check:
    sub = c.node(value)
    return _typed(lambda v: True, lambda v: not sub(v, (), None), "not a forbidden combination")


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
            counts = Counter(key(e) for e in v).values()
            return all(n <= limit for n in counts) if upper else all(n >= limit for n in counts)

        words = "at most" if upper else "at least"
        by = f" per {' + '.join(selectors)}" if selectors else ""
        return _typed(_is_list, test, f"{words} {limit} entr{'y' if limit == 1 else 'ies'}{by}")

    return make


_KEYWORDS: dict[str, Callable[[Compiler, Any, dict[str, Any]], Check]] = {
    "type": _type,
    "enum": _enum,
    "const": _const,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "contains": _contains,
    "minItems": _size(_is_list, len, False, "entries"),
    "maxItems": _size(_is_list, len, True, "entries"),
    "minLength": _size(_is_str, len, False, "characters"),
    "maxLength": _size(_is_str, len, True, "characters"),
    "minUtf8ByteLength": _size(_is_str, _utf8, False, "UTF-8 bytes"),
    "maxUtf8ByteLength": _size(_is_str, _utf8, True, "UTF-8 bytes"),
    "pattern": _pattern,
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


class CompiledSchema:
    """A whole schema, compiled once: ``failures(instance)`` lists what breaks it, ``valid`` only answers."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._check = Compiler(schema).node(schema)

    def valid(self, instance: Any) -> bool:
        return self._check(instance, (), None)

    def failures(self, instance: Any) -> list[Failure]:
        out: list[Failure] = []
        if not self._check(instance, (), None):
            self._check(instance, (), out)
        return out


def compile_schema(schema: dict[str, Any]) -> CompiledSchema:
    return CompiledSchema(schema)
