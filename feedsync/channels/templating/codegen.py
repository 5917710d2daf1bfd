"""Generated Python for a channel's fields: ONE function per channel that makes every field's value of an item,
built once per run as Python source from the templates' syntax trees and compiled with ``compile``.

It gives what the per-field path gives (``Compiled.call`` per field, then the text of its value): a field whose
template the direct evaluator runs (``evaluator``: one ``{{ expression }}`` of common shapes) becomes an inline
Python expression of the same operations, in the same order, through the same sandbox helpers (attribute access
by the sandbox's rules, calls checked for safety and against the limits, Jinja's filters and tests); any other
field calls its ``Compiled.call``. Errors keep their kind: what the template did wrong on an item is raised as
``FieldFailed`` naming the field (its cause a ``RenderError``); feedsync's own bugs propagate as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from types import CodeType
from typing import Any

from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from feedsync.channels import bounds
from feedsync.channels.templating import evaluator
from feedsync.channels.templating.errors import _PYTHON, RenderError, _fault
from feedsync.kept import kept_copy, same

MODULE = "feedsync.channels.templating.codegen"
"""The module name the generated code runs as (part of the template machinery: see ``errors._MACHINERY``)."""

REUSE = True
"""Whether generated fields functions keep a field's text for the next item whose values it reads are the same
(see ``fields_function``); the tests switch it off to compare."""

_MAX_DEPTH = 40
"""Deeper expressions keep the per-field call (Python's parser bounds the nesting of generated source)."""

_OPERATORS = {"eq": "==", "ne": "!=", "lt": "<", "lteq": "<=", "gt": ">", "gteq": ">=", "in": "in", "notin": "not in"}
_LITERALS = (str, int, bool, type(None))


class FieldFailed(Exception):
    """The template of field number ``index`` failed on this item; ``error`` is the ``RenderError``."""

    def __init__(self, index: int, error: BaseException) -> None:
        super().__init__(index, error)
        self.index = index
        self.error = error


class _Source:
    """Python source of expressions over ``ctx``, with the objects it refers to (named ``_g<n>``)."""

    def __init__(self, env: ImmutableSandboxedEnvironment) -> None:
        self.env = env
        self.names: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self.taken: dict[str, str] = {}
        """Each name of the item's data the code reads -> the local variable holding its value (``_MISSING``
        when the data lacks it), all looked up at once at the start."""

    def local(self, name: str) -> str:
        """The local variable holding the value of the data's ``name``."""
        made = self.taken.get(name)
        if made is None:
            made = self.taken[name] = f"s{len(self.taken)}"
        return made

    def ref(self, value: Any) -> str:
        """The name the generated code uses for ``value``."""
        name = self._ids.get(id(value))
        if name is None:
            name = self._ids[id(value)] = f"_g{len(self.names)}"
            self.names[name] = value
        return name

    def const(self, value: Any) -> str:
        return repr(value) if type(value) in _LITERALS else self.ref(value)

    def expression(self, node: nodes.Node, depth: int = 0) -> str | None:
        """``node`` as a Python expression, for the shapes ``evaluator`` runs; None for any other."""
        if depth > _MAX_DEPTH:
            return None
        down = depth + 1
        if isinstance(node, nodes.Name) and node.ctx == "load":
            name = self.local(node.name)  # as Jinja resolves a name: its value, else undefined
            return f"({name} if {name} is not _MISSING else {self.ref(self.env.undefined)}(name={node.name!r}))"
        if isinstance(node, nodes.Const):
            return self.const(node.value)
        if isinstance(node, nodes.Dict) and all(
            isinstance(item.key, nodes.Const) and isinstance(item.value, nodes.Const) for item in node.items
        ):
            return self.ref({item.key.value: item.value.value for item in node.items})  # type: ignore[attr-defined]
        if isinstance(node, nodes.List) or (isinstance(node, nodes.Tuple) and node.ctx == "load"):
            items = self._all(node.items, down)
            if items is None:
                return None
            return f"[{', '.join(items)}]" if isinstance(node, nodes.List) else f"({''.join(i + ', ' for i in items)})"
        if isinstance(node, nodes.Getattr):
            inner = self.expression(node.node, down)
            getter = self.ref(evaluator.attribute_getter(self.env, node.attr))
            return None if inner is None else f"{getter}({inner})"
        if isinstance(node, nodes.Getitem):
            inner, key = self.expression(node.node, down), self._key(node.arg, down)
            return None if inner is None or key is None else f"{self.ref(self.env.getitem)}({inner}, {key})"
        if isinstance(node, nodes.Filter | nodes.Test) and node.node is not None:
            return self._filter(node, down)
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            target, args = self.expression(node.node.node, down), self._args(node, down)
            if target is None or args is None:
                return None
            method = f"{self.ref(evaluator.method_getter(self.env, node.node.attr))}({target})"
            return f"{self.ref(evaluator.call_bounded)}({method}, [{', '.join(args)}])"
        return self._logic(node, down)

    def _all(self, items: Sequence[nodes.Node], depth: int) -> list[str] | None:
        made = [self.expression(item, depth) for item in items]
        return None if any(m is None for m in made) else made  # type: ignore[return-value]

    def _args(self, node: nodes.Node, depth: int) -> list[str] | None:
        if node.kwargs or node.dyn_args or node.dyn_kwargs:  # type: ignore[attr-defined]
            return None
        return self._all(node.args, depth)  # type: ignore[attr-defined]

    def _key(self, node: nodes.Node, depth: int) -> str | None:
        if not isinstance(node, nodes.Slice):
            return self.expression(node, depth)
        given = (node.start, node.stop, node.step)
        if all(part is None or (isinstance(part, nodes.Const) and type(part.value) in _LITERALS) for part in given):
            # a slice of constants (``[:10]``): made once (a slice never changes)
            return self.ref(slice(*(None if part is None else part.value for part in given)))  # type: ignore[union-attr]
        parts = ["None" if part is None else self.expression(part, depth) for part in given]
        return None if None in parts else f"slice({', '.join(parts)})"  # type: ignore[arg-type]

    def _filter(self, node: nodes.Filter | nodes.Test, depth: int) -> str | None:
        """A filter or test, called as Jinja calls it: the function itself, keyword arguments included (the
        direct evaluator leaves those to Jinja)."""
        function = evaluator.filter_function(self.env, node)
        if function is evaluator._join:
            fused = self._select_join(node, depth)
            if fused is not None:
                return fused
        inner = self.expression(node.node, depth)  # type: ignore[arg-type]
        if node.dyn_args or node.dyn_kwargs or function is None or inner is None:
            return None
        table = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
        if node.kwargs and function is not table.get(node.name):
            return None  # a plain stand-in (``join``) without Jinja's keyword arguments
        args = self._all(node.args, depth)
        kwargs = self._all([pair.value for pair in node.kwargs], depth)
        if args is None or kwargs is None:
            return None
        named = [f"{pair.key}={value}" for pair, value in zip(node.kwargs, kwargs, strict=True)]
        return f"{self.ref(function)}({', '.join([inner, *args, *named])})"

    def _select_join(self, node: nodes.Filter | nodes.Test, depth: int) -> str | None:
        """``x | select | join`` or ``join('text')`` (plain ``select`` and ``join``, the separator a constant text)
        as one call of ``evaluator.select_join``; None for any other ``join``."""
        given = node.node
        if node.kwargs or node.dyn_args or node.dyn_kwargs or len(node.args) > 1:
            return None
        if node.args and not (isinstance(node.args[0], nodes.Const) and type(node.args[0].value) is str):
            return None
        if not isinstance(given, nodes.Filter) or given.args or given.kwargs or given.dyn_args or given.dyn_kwargs:
            return None
        if given.node is None or evaluator.filter_function(self.env, given) is not evaluator._select:
            return None
        inner = self.expression(given.node, depth)
        separator = node.args[0].value if node.args else ""  # type: ignore[attr-defined]
        return None if inner is None else f"{self.ref(evaluator.select_join)}({inner}, {separator!r})"

    def _logic(self, node: nodes.Node, depth: int) -> str | None:
        if isinstance(node, nodes.Not):
            inner = self.expression(node.node, depth)
            return None if inner is None else f"(not {inner})"
        if isinstance(node, nodes.Concat):
            parts = self._all(node.nodes, depth)
            if parts is None:
                return None
            return f"{self.ref(bounds.sized)}(''.join([{', '.join(f'str({p})' for p in parts)}]))"
        if isinstance(node, nodes.Compare):
            first = self.expression(node.expr, depth)
            operands = [(_OPERATORS.get(op.op), self.expression(op.expr, depth)) for op in node.ops]
            if first is None or any(op is None or expr is None for op, expr in operands):
                return None
            chain = " ".join(f"{op} {expr}" for op, expr in operands)
            return f"(True if {first} {chain} else False)"
        if isinstance(node, nodes.CondExpr):
            if node.expr2 is None:
                return None
            test, yes, no = (self.expression(n, depth) for n in (node.test, node.expr1, node.expr2))
            return None if test is None or yes is None or no is None else f"({yes} if {test} else {no})"
        if isinstance(node, nodes.Or | nodes.And):
            left, right = self.expression(node.left, depth), self.expression(node.right, depth)
            if left is None or right is None:
                return None
            return f"({left} {'or' if isinstance(node, nodes.Or) else 'and'} {right})"
        return None


@dataclass(frozen=True, slots=True)
class FieldCode:
    """What the generated function needs of one field: its name and its compiled template (``Compiled``)."""

    name: str
    call: Callable[[Mapping[str, Any]], Any]
    renders: bool
    simple: str | None
    node: nodes.Node | None
    direct: bool = True
    """``call`` is the direct evaluator of ``node``; else Jinja renders ``{{ node }}`` (bounded in length)."""
    reads: tuple[str, ...] | None = None
    """The names its value depends on alone (``purity``), when worth keeping for the next item; else None."""


def fields_function(
    env: ImmutableSandboxedEnvironment,
    fields: Sequence[FieldCode],
    to_text: Callable[[Any], Any],
    reuse: bool = True,
    printed: Callable[[Any], str] = str,
    printed_types: frozenset[type] = frozenset(),
) -> tuple[Callable[[dict[str, Any]], dict[str, Any]], str, int]:
    """The generated function ``values(ctx)`` for ``fields`` (the values by field name, empty ones left out, as
    text: ``to_text`` of an expression's value, ``printed`` of a template's value that is no text: ``str`` or
    what gives the same), its source, and how many fields run inline. ``printed`` is called for values of
    ``printed_types`` alone (those it makes faster than ``str``); any other value is printed by ``str`` itself (an
    enumeration's or a number's text without a call of Python code).

    With ``reuse``, a field whose value depends on the names it reads alone (``FieldCode.reads``) keeps the text
    it made, with those names' values, for the next call: when each holds the same object, or text equal to the
    text it held, the text is reused instead of evaluated again (the variants of a product share most values). A
    failure is never kept: it is evaluated, and fails, again."""
    source = _Source(env)
    body: list[str] = []
    inline = 0
    kept = 0
    unset: list[tuple[Any, ...]] = []  # what each kept field holds before its first evaluation: values never met
    for index, spec in enumerate(fields):
        if spec.simple is not None and spec.renders:
            inline += 1
            body.append(f"        raw = {source.local(spec.simple)}")
            body += _finish(True, repr(spec.name), index, source.ref(spec.call))
            continue
        constant = _constant_text(spec.node) if spec.simple is None else None
        if constant is not None:  # the same text for every item (``status: active``): no call, nothing to fail
            inline += 1
            body += [f"        values[{spec.name!r}] = {constant!r}"] if constant else []
            continue
        if spec.simple is not None:
            name = source.local(spec.simple)
            value = f"({name} if {name} is not _MISSING else {source.ref(spec.call)}(ctx))"
            inline += 1
        else:
            made = _compilable(source.expression(spec.node)) if spec.node is not None else None
            inline += made is not None
            if made is not None and not spec.direct:
                made = f"{source.ref(_printed)}({made})"  # Jinja's output: printed, bounded in length
            value = made or f"{source.ref(spec.call)}(ctx)"
        if reuse and spec.reads is not None and spec.simple is None:
            shared = [_shared(source, read) for read in spec.reads]
            reads = [source.local(read) for read in spec.reads]
            body += _kept(kept, reads, value, spec.renders, repr(spec.name), shared, index)
            unset.append((_UNSET,) * (len(reads) + 1))
            kept += 1
            continue
        body.append(f"        f = {index}")
        body.append(f"        raw = {value}")
        body += _finish(spec.renders, repr(spec.name))
    names = list(source.taken)
    lines = ["def values(ctx):", "    values = {}", "    f = 0", "    try:", "        pass"]
    if kept:
        lines.insert(2, "    _calls[0] += 1")  # items seen: a field's reuses are these less its evaluations
    if names:
        # every name the fields read, looked up once (a name the data lacks: _MISSING, where Jinja's undefined is made)
        taken = "".join(f"{source.taken[name]}, " for name in names)
        lines += [
            "        try:",
            f"            {taken}= _take(ctx)",
            "        except KeyError:",
            f"            {taken}= _take_each(ctx)",
        ]
    lines += body
    lines += [
        "    except _RENDER as exc:",
        "        raise _FieldFailed(f, exc) from None",
        "    except _PYTHON as exc:",
        "        fault = _fault(exc)",
        "        if fault is exc:",
        "            raise",
        "        fault.__cause__ = exc",
        "        raise _FieldFailed(f, fault) from exc",
        "    return values",
    ]
    text = "\n".join(lines) + "\n"
    scope: dict[str, Any] = {
        "__name__": MODULE,
        "_RENDER": RenderError,
        "_PYTHON": _PYTHON,
        "_fault": _fault,
        "_FieldFailed": FieldFailed,
        "_to_text": to_text,
        "_print": printed,
        "_PRINTED": printed_types,
        "_MISSING": _MISSING,
        "_OFF": _OFF,
        "_UNSET": _UNSET,
        "_TRIES": _TRIES,
        "_equal": same,
        "_kept_copy": kept_copy,
        "_take": _taker(names),
        "_take_each": lambda ctx: tuple([ctx.get(name, _MISSING) for name in names]),
        "_kept": unset,
        "_calls": [0],
        "_misses": [0] * kept,
        **source.names,
    }
    exec(_compiled(text), scope)  # the source built above (its names bound in the scope made here)
    return scope["values"], text, inline


@lru_cache(maxsize=64)
def _compiled(text: str) -> CodeType:
    """The code of a fields function's source, compiled once a process: a code object is immutable, and each
    channel compiled runs it in a scope of its own (the tests compile the same profiles build after build; Python
    compiles a large profile's source in tens of milliseconds)."""
    return compile(text, "<feedsync fields>", "exec")


def _compilable(expression: str | None) -> str | None:
    """``expression`` when Python compiles it, else None (the field keeps its call): a template may hold what
    Jinja takes and Python does not (a keyword argument named ``class``)."""
    if expression is None:
        return None
    try:
        compile(expression, "<feedsync field>", "eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return expression


def _constant_text(node: nodes.Node | None) -> str | None:
    """The field's text when its template or expression is a text constant (text alone, ``{{ 'x' }}``, ``'x'``):
    the constant stripped, as ``_printed`` and ``_finish`` (or ``to_text``) make it on every item; else None (a text
    longer than the limit fails on every item: left to that path)."""
    if isinstance(node, nodes.Const) and type(node.value) is str and len(node.value) <= bounds.MAX_LENGTH:
        return node.value.strip()
    return None


def _printed(value: Any) -> str:
    """``value`` as Jinja's ``{{ value }}`` prints it in a profile template (None as nothing), and as its
    renderer bounds the text it makes."""
    text = "" if value is None else str(value)
    if len(text) > bounds.MAX_LENGTH:
        bounds.grown(len(text), 0)
    return text


_PRINT = "(_print(raw) if type(raw) in _PRINTED else str(raw))"
"""The text of ``raw``, a template's value that is no text: what ``printed`` gives (``str``, or the same faster)."""


def _finish(renders: bool, name: str, index: int | None = None, missing: str | None = None) -> list[str]:
    """The lines that store ``raw`` as the field's text, as the per-field path does: text (most values) stripped,
    an empty one left out; a template's other value printed as ``{{ value }}`` would (None as nothing), an
    expression's through ``to_text``. ``index``: the field's number, set where it may fail (its text cannot);
    ``missing``: the field's call, made for a name the data does not hold (``_MISSING``: it fails as Jinja does)."""
    lines = [
        "        if type(raw) is str:",
        "            raw = raw.strip()",
        "            if raw:",
        f"                values[{name}] = raw",
    ]
    if not renders:
        return [
            *lines,
            "        else:",
            "            raw = _to_text(raw)",
            "            if raw is not None:",
            f"                values[{name}] = raw",
        ]
    lines += ["        elif raw is not None:"]
    lines += [f"            f = {index}"] if index is not None else []
    printing = [f"raw = {_PRINT}.strip()", "if raw:", f"    values[{name}] = raw"]
    if missing is None:
        return lines + [f"            {line}" for line in printing]
    lines += ["            if raw is _MISSING:", f"                raw = {missing}(ctx)"]
    lines += ["            if raw is not None:"]
    return lines + [f"                {line}" for line in printing]


def _taker(names: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The values of ``names`` in ``ctx`` as a tuple, in one call (``KeyError`` for a name it lacks)."""
    if len(names) > 1:
        return itemgetter(*names)  # type: ignore[return-value]
    return lambda ctx: tuple([ctx[name] for name in names])


class _Missing:
    """A name the data does not hold (the template fails on it: never kept)."""


_MISSING = _Missing()
_OFF = _Missing()
"""A field that seldom had the same values twice running: evaluated every time, without keeping."""
_UNSET = _Missing()
"""What a kept field holds before its first evaluation, as its text and as the values it read (equal to none)."""
_TRIES = 256
"""A field is switched off after this many evaluations when fewer than a quarter as many items reused its text."""


def _shared(source: _Source, read: str) -> str | None:
    """The name of the environment's global list or dict ``read`` names (``settings``), else None: one object for
    every item, never changed in place (the sandbox is immutable, rules replace values), so kept as itself, and
    the same object again is the same value (no copy made, no walk through it)."""
    value = source.env.globals.get(read)
    return source.ref(value) if type(value) in (list, dict) else None


def _kept(
    slot: int,
    reads: Sequence[str],
    value: str,
    renders: bool,
    name: str,
    shared: Sequence[str | None] = (),
    index: int = 0,
) -> list[str]:
    """The lines of a field whose text is kept in ``_kept[slot]`` with the values it was made from of the names it
    reads (``reads``: the local variables holding them, see ``_Source.local``):
    reused when each value is the same object or equal (``_equal``; text: ``str`` both, not a subclass such as
    ``Markup``, which prints otherwise), else evaluated and kept. A list or dict (a repeated attribute) is copied:
    the item's is its own; the environment's global of that name (``shared``) is kept as itself. A field seldom
    reused is switched off (``_OFF``): its keys cost more than they save. The field's number (``index``) is set
    where it is evaluated (a reuse cannot fail); the values kept before the first evaluation (``_UNSET``) equal
    none, so only a field that reads no names asks whether it was ever evaluated."""
    keys = list(reads)
    same = [
        f"({key} is p{i} or ({key} == p{i} if type({key}) is type(p{i}) is str else _equal({key}, p{i})))"
        for i, key in enumerate(keys)
    ]
    if renders:
        finish = [
            "if raw is None:",
            "    out = None",
            "else:",
            "    if type(raw) is not str:",
            f"        raw = {_PRINT}",
            "    out = raw.strip() or None",
        ]
    else:
        finish = ["if type(raw) is str:", "    out = raw.strip() or None", "else:", "    out = _to_text(raw)"]
    shared = list(shared) or [None] * len(keys)
    snapshot = "".join(
        f"_kept_copy({key}), " if glob is None else f"({key} if {key} is {glob} else _kept_copy({key})), "
        for key, glob in zip(keys, shared, strict=True)
    )
    kept = "".join(f"p{i}, " for i in range(len(keys)))
    lines = [
        f"        m = _kept[{slot}]",
        "        if m is _OFF:",
        f"            f = {index}",
        f"            raw = {value}",
    ]
    lines += [f"            {line}" for line in finish]
    lines += [
        "        else:",
        f"            {kept}out, = m",
        f"            if {' or '.join(f'not {test}' for test in same) if same else 'out is _UNSET'}:",
        f"                f = {index}",
        f"                raw = {value}",
    ]
    lines += [f"                {line}" for line in finish]
    lines += [
        f"                _misses[{slot}] += 1",
        f"                if _misses[{slot}] >= _TRIES and (_calls[0] - _misses[{slot}]) * 4 < _misses[{slot}]:",
        f"                    _kept[{slot}] = _OFF",
        "                else:",
        f"                    _kept[{slot}] = ({snapshot}out,)",
        "        if out is not None:",
        # a template's text is a str; an expression's may be a list (the item gets its own copy)
        f"            values[{name}] = out"
        if renders
        else f"            values[{name}] = out.copy() if type(out) is list else out",
    ]
    return lines
