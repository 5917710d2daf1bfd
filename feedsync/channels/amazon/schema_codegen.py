"""The valid/invalid answer of a product type definition as generated Python source, compiled once.

:mod:`feedsync.channels.amazon.schema_check` compiles a definition into nested check closures, one call per
keyword; that is what lists the failures of a message. Most messages pass, and for them only the verdict is
needed: :func:`generate` writes the definition out as straight-line Python and compiles it: one function per
top-level attribute (looked up by the message's keys), per ``$ref`` target and per condition that needs a loop;
every other keyword is inlined, as statements that ``return False`` or, in conditions, as one expression.

It gives the verdict the closures give (tests/channels/test_amazon_schema_codegen.py holds the two side by side
on every shared definition and on random schemas). Its keywords are the closures' (schema_check's module doc),
with the same semantics (``format``: the same predicates, :mod:`.schema_formats`); the rare ones
(``patternProperties``, ``additionalProperties`` with a schema or patterns, ``items`` as a list, unique-items
limits other than 1) call the closure itself. Freedoms taken, each
keeping the verdict: a plain ``type`` is tested first (every other keyword passes an instance of another type)
and then no keyword tests the type again; ``required`` is tested before the rest of its ``allOf``; an ``allOf``
rule guarded by attributes (schema_check's ``_guard``, and an ``if``/``else`` chain whose conditions each
require one) runs only when the object has one of them; an ``anyOf`` with an alternative that every instance of
the known type passes is dropped (``marketplace_id``: a string, or the marketplace's); one entry is one selector
combination, and no more entries share one than there are; an ``if`` whose branches both pass (a required
attribute is there) is not asked its condition; and once the message's ``properties`` passed, the rules after
them read an attribute declared as an array (of objects) without testing those types again.

Memoising verdicts by value (brand, condition, shipping group repeat across a catalog) was measured and left
out: the key (``repr`` of the value list, 0.3-1 µs) costs what the generated check of it costs. By identity it is
kept: the encoder shares the entries of repeated values between messages (made once, never changed after), so the
message's own properties loop keeps the entries that passed last per attribute and skips the same object again
(a check must not be asked again about an object changed since it passed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NamedTuple

from feedsync import diskcache
from feedsync.channels.amazon.schema_check import (
    _KEYWORDS,
    IGNORED,
    Compiler,
    UnsupportedKeyword,
    _false_without,
    _guard,
    _is_integer,
    _utf8,
    canonical,
    is_number,
    number,
)
from feedsync.channels.amazon.schema_formats import FORMATS

Verdict = Callable[[Any], bool]

_PLAIN = {"string": "str", "object": "dict", "array": "list"}  # types an isinstance test answers exactly
_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
    "number": "_is_number({v})",
    "integer": "_is_integer({v})",
}
_LEAF = frozenset(
    {
        "type", "enum", "const", "minLength", "maxLength", "minUtf8ByteLength", "maxUtf8ByteLength", "pattern",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "format",
    }
)  # fmt: skip
_BOUNDS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
_MAX_DEPTH = 8  # blocks nested deeper become a function (Python refuses more than 20 nested blocks)
_COMPOSITE = frozenset({"required", "properties", "not", "allOf", "anyOf"})
_MAX_NESTING = 6  # composite expressions nested deeper become a function
_LONGEST = 3000  # characters of one expression
_OBJECTS = "array of objects"  # a known shape: a list whose entries are dicts
_MANY = 8  # an object with more properties than this looks up its keys' checks in a dict


class _Generator:
    def __init__(self, root: dict[str, Any], compiler: Compiler) -> None:
        self.root = root
        self.compiler = compiler  # for the rare keywords: their closures
        self.names: dict[str, Any] = {
            "_is_number": is_number,
            "_is_integer": _is_integer,
            "_canon": canonical,
            "_num": number,
            "_utf8": _utf8,
            "_ABSENT": ("absent",),
            **{_format_name(f): test for f, (test, _) in FORMATS.items()},
        }
        self.functions: list[str] = []
        self.tables: list[str] = []  # module-level dicts of functions, after the functions
        self._made: dict[tuple[int, str | None], str] = {}  # (id(schema), known type) -> its function
        self._keep: list[Any] = []  # schemas whose id is a key above stay alive
        self._count = 0
        self._local = 0
        self._nesting = 0
        self._facts: dict[str, str] | None = None  # the message's attributes' shapes, once its properties passed
        self._consts: dict[tuple[type, Any], str] = {}
        self._distincts: dict[tuple[str, ...], str] = {}  # selectors -> their distinctness test
        self._bodies: dict[str, str] = {}  # function body -> the function's name
        self.passed: str | None = None  # the table of the message's own attributes that passed last, if made

    # naming -----------------------------------------------------------------------------------------------

    def fresh(self, prefix: str) -> str:
        """A module-level name (function, table, constant)."""
        self._count += 1
        return f"{prefix}{self._count}"

    def local(self, prefix: str) -> str:
        """A variable of the function being written (numbered in it, so that equal functions read the same)."""
        self._local += 1
        return f"{prefix}{self._local}"

    def const(self, value: Any) -> str:
        """A name for a constant; equal values (sets, numbers, patterns) share one, checks each get their own."""
        key = (type(value), value) if isinstance(value, (frozenset, Decimal, re.Pattern, tuple, str)) else None
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self.fresh("_k")
        self.names[name] = value
        if key is not None:
            self._consts[key] = name
        return name

    def resolve(self, target: str) -> Any:
        if not target.startswith("#"):
            raise UnsupportedKeyword(f"$ref to another document: {target}")
        schema: Any = self.root
        for part in filter(None, target[1:].split("/")):
            schema = schema[part.replace("~1", "/").replace("~0", "~")]
        return schema

    # functions --------------------------------------------------------------------------------------------

    def compiled(self, label: str) -> dict[str, Any]:
        """The functions written, compiled: their namespace (its ``__source__``: the source)."""
        source = "\n\n".join(self.functions) + "\n\n" + "\n".join(self.tables) + "\n"
        namespace = dict(self.names)
        exec(diskcache.code(source, f"<{label}>"), namespace)  # our own source, from the definition's keywords
        namespace["__source__"] = source
        return namespace

    def function(self, schema: Any, known: str | None = None) -> str:
        """The name of a generated function answering ``schema`` for an argument of type ``known`` (None: any)."""
        made = self._made.get((id(schema), known))
        if made is not None:
            return made
        name = self.fresh("_f")
        self._made[(id(schema), known)] = name
        self._keep.append(schema)
        outer, self._local = self._local, 0
        facts, self._facts = self._facts, None
        body = "\n".join([*_indent(self.block(schema, "v", known, 1)), "    return True"])
        self._local, self._facts = outer, facts
        same = self._bodies.get(body)
        if same is not None:  # another schema object wrote the same function: one is compiled
            self.tables.append(f"{name} = {same}")  # (a function written meanwhile may call this name)
            return name
        self._bodies[body] = name
        self.functions.append(f"def {name}(v):\n{body}")
        return name

    def fact(self, var: str, name: str) -> str | None:
        """The known shape of ``var[name]``: in the message's own function, after its properties passed."""
        return self._facts.get(name) if self._facts is not None and var == "v" else None

    def test(self, schema: Any, var: str, known: str | None) -> str:
        """A boolean expression answering ``schema`` for ``var``: inline for a leaf, else a function call."""
        leaf = self.expression(schema, var, known)
        return leaf if leaf is not None else f"{self.function(schema, known)}({var})"

    # expressions (leaf schemas) ---------------------------------------------------------------------------

    def expression(self, schema: Any, var: str, known: str | None) -> str | None:
        """The schema as one boolean expression when it has only keywords about a scalar (None otherwise)."""
        if schema is True:
            return "True"
        if schema is False:
            return "False"
        keys = [k for k in schema if k not in IGNORED]
        if "$ref" in keys and len(keys) == 1:
            target = self.resolve(schema["$ref"])
            return self.expression(target, var, known) if isinstance(target, dict) and "$ref" not in target else None
        if "anyOf" in keys and self._anyof_passes(schema["anyOf"], _plain_type(schema) or known):
            keys.remove("anyOf")
        if not all(k in _LEAF or k in _COMPOSITE for k in keys) or self._nesting > _MAX_NESTING:
            return None
        self._nesting += 1
        try:
            parts, known = self._type_parts(schema, var, known)
            keys.sort(key=lambda k: k != "required")  # the cheapest test first
            for key in keys:
                if key == "type":
                    continue
                part = (
                    self._leaf(key, schema[key], var, known)
                    if key in _LEAF
                    else self._composite(key, schema, var, known)
                )
                if part is None:
                    return None
                if part != "True":
                    parts.append(part)
        finally:
            self._nesting -= 1
        text = " and ".join(f"({p})" for p in parts) if parts else "True"
        return text if len(text) <= _LONGEST else None

    def _composite(self, key: str, schema: dict[str, Any], var: str, known: str | None) -> str | None:
        """required, properties (a few), not, allOf, anyOf as an expression (conditions, mostly)."""
        value = schema[key]
        if key in ("allOf", "anyOf"):
            members = sorted(value, key=lambda s: not (isinstance(s, dict) and set(s) <= {"required"}))
            tests = [self.test(s, var, known) for s in members]
            return f" {'and' if key == 'allOf' else 'or'} ".join(f"({t})" for t in tests) or str(key == "allOf")
        if key == "not":
            return f"not ({self.test(value, var, known)})"
        guard = "" if known == "object" else f"not isinstance({var}, dict) or "
        if key == "required":
            names = list(value)
            return f"{guard}({' and '.join(f'{n!r} in {var}' for n in names)})" if names else "True"
        if len(value) > _MANY:
            return None
        present = set(schema.get("required") or ()) if isinstance(schema.get("required"), list) else set()
        tests = [  # a required attribute is there: the required part is tested first
            f"({'' if n in present else f'{n!r} not in {var} or '}({self.test(s, f'{var}[{n!r}]', self.fact(var, n))}))"
            for n, s in value.items()
        ]
        return f"{guard}({' and '.join(tests)})" if tests else "True"

    def _type_parts(self, schema: dict[str, Any], var: str, known: str | None) -> tuple[list[str], str | None]:
        if "type" not in schema:
            return [], known
        value = schema["type"]
        names = [value] if isinstance(value, str) else list(value)
        if len(names) == 1 and names[0] == _base(known):
            return [], known
        test = " or ".join(_TYPE_TESTS[n].format(v=var) for n in names)
        return [test], (names[0] if len(names) == 1 and names[0] in _PLAIN else None)

    def _leaf(self, key: str, value: Any, var: str, known: str | None) -> str:
        is_str = known == "string"
        str_guard = "" if is_str else f"not isinstance({var}, str) or "
        if key == "enum":
            allowed = frozenset(canonical(v) for v in value)
            name = self.const(allowed)
            if is_str:
                return f"{var} in {name}"
            return f"({var} in {name} if type({var}) is str else _canon({var}) in {name})"
        if key == "const":
            return f"_canon({var}) == {self.const(canonical(value))}"
        if key in ("minLength", "maxLength"):
            limit = int(value)
            if key == "minLength" and limit <= 0:
                return "True"
            return f"{str_guard}len({var}) {'<=' if key == 'maxLength' else '>='} {limit}"
        if key in ("minUtf8ByteLength", "maxUtf8ByteLength"):
            limit = int(value)
            if key == "minUtf8ByteLength":
                return "True" if limit <= 0 else f"{str_guard}len({var}) >= {limit} or _utf8({var}) >= {limit}"
            return f"{str_guard}len({var}) * 4 <= {limit} or _utf8({var}) <= {limit}"
        if key == "pattern":
            return f"{str_guard}{self.const(re.compile(value))}.search({var}) is not None"
        if key in _BOUNDS:
            return f"not _is_number({var}) or _num({var}) {_BOUNDS[key]} {self.const(number(value))}"
        if key == "format":  # asserted with the closures' predicate; any other format is an annotation
            return f"{str_guard}{_format_name(value)}({var})" if isinstance(value, str) and value in FORMATS else "True"
        if key == "multipleOf":
            return f"not _is_number({var}) or _num({var}) % {self.const(number(value))} == 0"
        raise AssertionError(key)  # pragma: no cover - _LEAF lists the keys above

    def _anyof_passes(self, alternatives: Any, known: str | None) -> bool:
        """True when one alternative passes every instance of type ``known`` (an empty one, or its type)."""
        for alternative in alternatives:
            if alternative is True:
                return True
            if isinstance(alternative, dict):
                keys = {k for k in alternative if k not in IGNORED}
                if not keys or (keys == {"type"} and known is not None and alternative["type"] in (known, [known])):
                    return True
        return False

    # blocks (statements that return False) ----------------------------------------------------------------

    def block(self, schema: Any, var: str, known: str | None, depth: int) -> list[str]:
        if schema is True:
            return []
        if schema is False:
            return ["return False"]
        if not isinstance(schema, dict):
            raise TypeError(f"a schema is an object or a boolean, not {schema!r}")
        for key in schema:
            if key not in IGNORED and key not in _KEYWORDS:
                raise UnsupportedKeyword(f"keyword {key!r} is not supported")
        leaf = self.expression(schema, var, known)
        if leaf is not None:
            return [] if leaf == "True" else [f"if not ({leaf}):", "    return False"]
        if depth > _MAX_DEPTH:
            return [f"if not {self.function(schema, known)}({var}):", "    return False"]
        parts, known = self._type_parts(schema, var, known)
        lines = [f"if not ({parts[0]}):", "    return False"] if parts else []
        keys = [k for k in schema if k not in IGNORED and k != "type"]
        if "anyOf" in keys and self._anyof_passes(schema["anyOf"], known):
            keys.remove("anyOf")
        if "maxUniqueItems" in keys and "minUniqueItems" in keys:
            keys.remove("minUniqueItems")  # both in one statement
        for key in keys:
            lines += self.keyword(key, schema, var, known, depth)
            if key == "properties" and schema is self.root and var == "v" and self._facts is None:
                self._facts = _shapes(self, schema["properties"])  # what passed it holds below, in this function
        return lines

    def keyword(self, key: str, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        value = schema[key]
        if key in _LEAF:
            text = self._leaf(key, value, var, known)
            return [] if text == "True" else [f"if not ({text}):", "    return False"]
        make = getattr(self, "_" + key.lstrip("$"), None)
        if make is not None:
            return make(value, schema, var, known, depth)
        return self._closure(key, schema, var)

    def _closure(self, key: str, schema: dict[str, Any], var: str) -> list[str]:
        check = _KEYWORDS[key](self.compiler, schema[key], schema)
        if check is None:
            return []
        return [f"if not {self.const(check)}({var}, (), None):", "    return False"]

    def _guarded(self, kind: str, known: str | None, var: str, lines: list[str]) -> list[str]:
        """``lines`` run only when ``var`` is of ``kind`` (the keywords pass any other type)."""
        if not lines:
            return []
        if _base(known) == kind:
            return lines
        return [f"if {_TYPE_TESTS[kind].format(v=var)}:", *_indent(lines)]

    def _ref(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        target = self.resolve(value)
        leaf = self.expression(target, var, known) if isinstance(target, dict) and "$ref" not in target else None
        if leaf is not None:
            return [] if leaf == "True" else [f"if not ({leaf}):", "    return False"]
        return [f"if not {self.function(target, known)}({var}):", "    return False"]

    def _required(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        names = list(value)
        if not names:
            return []
        test = " and ".join(f"{n!r} in {var}" for n in names)
        return self._guarded("object", known, var, [f"if not ({test}):", "    return False"])

    def _properties(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        lines: list[str] = []
        if len(value) > _MANY:
            table, key, item, each = self.fresh("_t"), self.local("k"), self.local("x"), self.local("f")
            # a message's own attributes: the entries of each that passed last are kept, and the same object again
            # (shared by the messages of a catalog: made once, never changed) is not checked again
            passed = self.fresh("_p") if schema is self.root and var == "v" else None
            if passed is not None:
                self.passed = passed
            entries = ", ".join(f"{name!r}: {self.function(sub)}" for name, sub in value.items())
            self.tables.append(f"{table} = {{{entries}}}")
            if passed is None:
                lines = [
                    f"for {key}, {item} in {var}.items():",
                    f"    {each} = {table}.get({key})",
                    f"    if {each} is not None and not {each}({item}):",
                    "        return False",
                ]
            else:
                self.tables.append(f"{passed} = {{}}")
                lines = [
                    f"for {key}, {item} in {var}.items():",
                    f"    if {passed}.get({key}) is not {item}:",
                    f"        {each} = {table}.get({key})",
                    f"        if {each} is not None:",
                    f"            if not {each}({item}):",
                    "                return False",
                    f"            {passed}[{key}] = {item}",
                ]
        else:
            order = list(schema)
            checked = "required" in schema and order.index("required") < order.index("properties")
            present = set(schema["required"]) if checked and isinstance(schema["required"], list) else set()
            for name, sub in value.items():
                item = self.local("x")
                body = self.block(sub, item, self.fact(var, name), depth + 1)
                if body and name in present:  # the required statement above returned False without it
                    lines += [f"{item} = {var}[{name!r}]", *body]
                elif body:
                    lines += [f"if {name!r} in {var}:", f"    {item} = {var}[{name!r}]", *_indent(body)]
        return self._guarded("object", known, var, lines)

    def _additionalProperties(
        self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int
    ) -> list[str]:
        if value is not False or schema.get("patternProperties"):
            return self._closure("additionalProperties", schema, var)
        known_names = self.const(frozenset(schema.get("properties", {})))
        return self._guarded("object", known, var, [f"if not {known_names}.issuperset({var}):", "    return False"])

    def _items(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        if isinstance(value, list):
            return self._closure("items", schema, var)
        entry = self.local("e")
        body = self.block(value, entry, "object" if known == _OBJECTS else None, depth + 1)
        return self._guarded("array", known, var, [f"for {entry} in {var}:", *_indent(body)] if body else [])

    def _contains(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        entry = self.local("e")
        item_known = "object" if known == _OBJECTS else None
        lines = [f"for {entry} in {var}:", f"    if {self.test(value, entry, item_known)}:", "        break"]
        return self._guarded("array", known, var, [*lines, "else:", "    return False"])

    def _minItems(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        limit = int(value)
        return (
            [] if limit <= 0 else self._guarded("array", known, var, [f"if len({var}) < {limit}:", "    return False"])
        )

    def _maxItems(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        return self._guarded("array", known, var, [f"if len({var}) > {int(value)}:", "    return False"])

    def _unique(self, schema: dict[str, Any], var: str, known: str | None) -> list[str]:
        """max/minUniqueItems: one entry is one combination (its verdict is known now); more are counted."""
        kinds = [k for k in ("maxUniqueItems", "minUniqueItems") if k in schema]
        checks = [(k, _KEYWORDS[k](self.compiler, schema[k], schema)) for k in kinds]
        one_passes = all((int(schema[k]) >= 1) if k == "maxUniqueItems" else (int(schema[k]) <= 1) for k, _ in checks)
        many = (
            " and ".join(
                f"{self._distinct(schema)}({var})"
                if k == "maxUniqueItems" and int(schema[k]) == 1
                else f"(len({var}) <= {int(schema[k])} or {self.const(c)}({var}, (), None))"
                if k == "maxUniqueItems"  # no combination is shared by more entries than there are
                else f"{self.const(c)}({var}, (), None)"
                for k, c in checks
                if not (k == "minUniqueItems" and int(schema[k]) <= 1)  # every combination there is counts once
            )
            or "True"
        )
        lines = [] if one_passes else [f"if len({var}) == 1:", "    return False"]
        lines += [f"if len({var}) > 1 and not ({many}):", "    return False"]
        return self._guarded("array", known, var, lines)

    def _distinct(self, schema: dict[str, Any]) -> str:
        """A function telling whether no two entries share a combination of the selectors' values."""
        selectors = list(schema.get("selectors", []))
        made = self._distincts.get(tuple(selectors))
        if made is not None:
            return made
        name = self._distincts[tuple(selectors)] = self.fresh("_u")
        parts = [
            f"((e[{s!r}] if type(e[{s!r}]) is str else _canon(e[{s!r}])) if {s!r} in e else _ABSENT)" for s in selectors
        ]
        key = f"({', '.join(parts)},)" if parts else "()"
        self.functions.append(
            "\n".join(
                [
                    f"def {name}(v):",
                    "    seen = set()",
                    "    for e in v:",
                    f"        key = {key} if isinstance(e, dict) else _canon(e)",
                    "        if key in seen:",
                    "            return False",
                    "        seen.add(key)",
                    "    return True",
                ]
            )
        )
        return name

    def _maxUniqueItems(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        return self._unique(schema, var, known)

    def _minUniqueItems(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        return self._unique(schema, var, known)

    def _allOf(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        lines: list[str] = []
        if known == "object":  # any member's missing attribute fails them all: tested first
            names = [n for rule in value if isinstance(rule, dict) for n in rule.get("required") or ()]
            lines += self._required(names, {}, var, known, depth)
        for rule in value:
            guard = _deep_guard(rule) if known == "object" else None
            if isinstance(rule, dict) and {k for k in rule if k not in IGNORED} == {"properties"}:
                guard = None  # a properties rule looks for its attributes itself
            body = self.block(rule, var, known, depth + (guard is not None))
            if body and guard:
                test = " or ".join(f"{name!r} in {var}" for name in sorted(guard))
                lines += [f"if {test}:", *_indent(body)]
            else:
                lines += body
        return lines

    def _anyOf(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        tests = " or ".join(f"({self.test(s, var, known)})" for s in value)
        return [f"if not ({tests or 'False'}):", "    return False"]

    def _oneOf(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        count = " + ".join(f"(1 if {self.test(s, var, known)} else 0)" for s in value)
        return [f"if ({count or '0'}) != 1:", "    return False"]

    def _not(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        return [f"if {self.test(value, var, known)}:", "    return False"]

    def _if(self, value: Any, schema: dict[str, Any], var: str, known: str | None, depth: int) -> list[str]:
        then = self.block(schema["then"], var, known, depth + 1) if "then" in schema else []
        otherwise = self.block(schema["else"], var, known, depth + 1) if "else" in schema else []
        if not then and not otherwise:
            return []
        condition = self.test(value, var, known)
        if not then:
            lines = [f"if not ({condition}):", *_indent(otherwise)]
        else:
            lines = [f"if {condition}:", *_indent(then)]
            lines += ["else:", *_indent(otherwise)] if otherwise else []
        # When every branch passes (a required attribute is usually there), the condition need not be asked.
        branches = [self.expression(schema[k], var, known) for k in ("then", "else") if k in schema]
        if all(b is not None for b in branches):
            return [f"if not ({' and '.join(f'({b})' for b in branches)}):", *_indent(lines)]
        return lines


def _deep_guard(rule: Any) -> frozenset[str] | None:
    """schema_check's ``_guard``, and for an ``if``/``then``/``else`` chain: the attributes its condition is false
    without, with those its ``else`` cannot fail an object without."""
    guard = _guard(rule)
    if guard is not None or not isinstance(rule, dict) or "else" not in rule:
        return guard
    if {k for k in rule if k not in IGNORED} != {"if"}:
        return None
    condition, rest = _false_without(rule["if"]), _deep_guard(rule["else"])
    return None if condition is None or rest is None else condition | rest


def _format_name(name: str) -> str:
    return "_format_" + name.replace("-", "_")


def _base(known: str | None) -> str | None:
    return "array" if known == _OBJECTS else known


def _shapes(generator: _Generator, properties: dict[str, Any]) -> dict[str, str]:
    """Attribute -> the shape its schema guarantees ("array", an array of objects, "object", "string")."""
    found: dict[str, str] = {}
    for name, sub in properties.items():
        sub = _follow(generator, sub)
        kind = _plain_type(sub) if isinstance(sub, dict) else None
        if kind == "array" and isinstance(sub.get("items"), dict):
            items = _follow(generator, sub["items"])
            kind = _OBJECTS if isinstance(items, dict) and _plain_type(items) == "object" else kind
        if kind is not None:
            found[name] = kind
    return found


def _follow(generator: _Generator, schema: Any) -> Any:
    """A schema that is only a ``$ref``: its target (one step; anything else as it is)."""
    if isinstance(schema, dict) and set(schema) - IGNORED == {"$ref"}:
        return generator.resolve(schema["$ref"])
    return schema


def _plain_type(schema: dict[str, Any]) -> str | None:
    value = schema.get("type")
    return value if isinstance(value, str) and value in _PLAIN else None


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


class Generated(NamedTuple):
    """What :func:`generate` makes of a schema."""

    verdict: Verdict
    source: str
    attributes: dict[str, Verdict]
    """The verdict of each of its properties that has a function of its own (those of an object with many: a
    message's attributes), which a listing of failures skips where it passes."""
    passed: dict[str, Any]
    """The value of each of its properties that passed last, by name (the verdict keeps it, and skips the same
    object again): a listing of failures skips it too."""


def generate(schema: dict[str, Any], compiler: Compiler, label: str = "definition") -> Generated:
    """The verdict function of ``schema``, its source (``compiler``: the closures of the same schema), and its
    attributes' verdicts."""
    generator = _Generator(schema, compiler)
    top = generator.function(schema)
    namespace = generator.compiled(label)
    properties = schema.get("properties") if isinstance(schema, dict) else None
    attributes = {}
    for name, sub in properties.items() if isinstance(properties, dict) else ():
        made = generator._made.get((id(sub), None))
        if made is not None:
            attributes[name] = namespace[made]
    passed = namespace[generator.passed] if generator.passed is not None else {}
    return Generated(namespace[top], namespace["__source__"], attributes, passed)


def rule_verdicts(schema: dict[str, Any], compiler: Compiler, label: str = "definition rules") -> dict[int, Verdict]:
    """The verdict of each of ``schema``'s ``allOf`` rules (an object schema), by its place in the list: what a
    listing of failures skips where it passes (made when a message is first refused: most runs never list one)."""
    rules = schema.get("allOf") if isinstance(schema, dict) else None
    generator = _Generator(schema, compiler)
    made = {n: generator.function(rule) for n, rule in enumerate(rules or ()) if isinstance(rule, dict)}
    namespace = generator.compiled(label)
    return {number: namespace[name] for number, name in made.items()}
