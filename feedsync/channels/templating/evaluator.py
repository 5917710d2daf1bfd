"""The direct evaluator: a template that is one ``{{ expression }}`` of common shapes becomes a plain Python
function over Jinja's syntax tree, giving the value Jinja would without a Jinja context per call (Jinja's own
render per field was the slow part of a build). It is part of the Jinja fence (it walks ``jinja2.nodes``), and it
keeps the sandbox: attribute and item access go through the environment's ``getattr``/``getitem`` (so through
``is_safe_attribute``), calls through ``is_safe_callable`` and the limits of ``feedsync.channels.bounds``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import BuiltinMethodType
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.filters import do_lower
from jinja2.sandbox import ImmutableSandboxedEnvironment

from feedsync.channels import bounds

Evaluate = Callable[[Mapping[str, Any]], Any]


def direct(env: ImmutableSandboxedEnvironment, tree: nodes.Template) -> Evaluate | None:
    """The function for a template that is one ``{{ expression }}`` of the shapes ``_compile_node`` knows, or
    None (Jinja renders it)."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output) or len(tree.body[0].nodes) != 1:
        return None
    node = tree.body[0].nodes[0]
    return None if isinstance(node, nodes.TemplateData) else _compile_node(env, node)


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lteq": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gteq": lambda a, b: a >= b,
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


def _compile_args(env: ImmutableSandboxedEnvironment, node: nodes.Node) -> list[Evaluate] | None:
    """Positional arguments of a filter, test or call (None when it has keyword or * arguments)."""
    if node.kwargs or node.dyn_args or node.dyn_kwargs:  # type: ignore[attr-defined]
        return None
    args = [_compile_node(env, arg) for arg in node.args]  # type: ignore[attr-defined]
    return None if any(arg is None for arg in args) else args  # type: ignore[return-value]


def _compile_node(env: ImmutableSandboxedEnvironment, node: nodes.Node) -> Evaluate | None:
    if isinstance(node, nodes.Name) and node.ctx == "load":
        name = node.name
        return lambda ctx: ctx[name] if name in ctx else env.undefined(name=name)  # as Jinja resolves a name
    if isinstance(node, nodes.Const):
        value = node.value
        return lambda ctx: value
    if isinstance(node, nodes.Dict) and all(
        isinstance(item.key, nodes.Const) and isinstance(item.value, nodes.Const) for item in node.items
    ):
        table = {item.key.value: item.value.value for item in node.items}  # type: ignore[attr-defined]
        return lambda ctx: table
    if isinstance(node, nodes.List) or (isinstance(node, nodes.Tuple) and node.ctx == "load"):
        items = [_compile_node(env, item) for item in node.items]  # type: ignore[attr-defined]
        if any(item is None for item in items):
            return None
        make = list if isinstance(node, nodes.List) else tuple
        return lambda ctx: make(item(ctx) for item in items)  # type: ignore[misc]
    if isinstance(node, nodes.Getattr):
        inner, attr = _compile_node(env, node.node), node.attr
        if inner is None:
            return None
        return _attribute(env, inner, attr)
    if isinstance(node, nodes.Getitem):
        inner, key = _compile_node(env, node.node), _compile_key(env, node.arg)
        if inner is None or key is None:
            return None
        return lambda ctx: env.getitem(inner(ctx), key(ctx))
    if isinstance(node, nodes.Or | nodes.And | nodes.Concat | nodes.CondExpr | nodes.Not | nodes.Compare):
        return _compile_logic(env, node)
    if isinstance(node, nodes.Filter | nodes.Test) and node.node is not None:
        function = filter_function(env, node)
        inner, args = _compile_node(env, node.node), _compile_args(env, node)
        if function is None or inner is None or args is None:
            return None
        return lambda ctx: function(inner(ctx), *(arg(ctx) for arg in args))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        target, name, args = _compile_node(env, node.node.node), node.node.attr, _compile_args(env, node)
        if target is None or args is None:
            return None

        method_of = method_getter(env, name)

        def call(ctx: Mapping[str, Any]) -> Any:
            return call_bounded(method_of(target(ctx)), [arg(ctx) for arg in args])

        return call
    return None


def filter_function(env: ImmutableSandboxedEnvironment, node: nodes.Filter | nodes.Test) -> Callable[..., Any] | None:
    """The function a direct filter or test runs, or None (unknown, or one that takes Jinja's context)."""
    table = env.filters if isinstance(node, nodes.Filter) else env.tests
    function = table.get(node.name)
    plain = _PLAIN_FILTERS.get(node.name) if isinstance(node, nodes.Filter) and not env.autoescape else None
    if plain is not None and len(node.args) <= plain[1]:
        function = plain[0]
    if function is None or getattr(function, "jinja_pass_arg", None) is not None:
        return None
    return function


def _select(value: Any) -> Any:
    """Jinja's ``select`` without a test: the truthy elements (lazily, as Jinja gives them)."""
    return (item for item in value if item)


def _join(value: Any, separator: str = "") -> str:
    """Jinja's ``join`` without autoescaping: ``str`` of each element."""
    separator = str(separator)
    if separator and hasattr(value, "__len__") and len(value) * len(separator) > bounds.MAX_LENGTH:
        bounds.before_call(separator.join, (value,))
    return separator.join(map(str, value))


def select_join(value: Any, separator: str) -> str:
    """``value | select | join(separator)`` for a text ``separator`` (a constant): what ``_join(_select(value),
    separator)`` gives, in one call (the truthy elements' ``str`` joined; a generator has no length, so ``_join``
    checks no bound of it either), each element tested and printed in turn as there."""
    return separator.join([str(item) for item in value if item])


def _lower(value: Any) -> Any:
    """Jinja's ``lower``: a text's ``str.lower`` without the call through ``soft_str`` (anything else as Jinja does)."""
    return value.lower() if type(value) is str else do_lower(value)


_PLAIN_FILTERS: dict[str, tuple[Callable[..., Any], int]] = {
    "select": (_select, 0),
    "join": (_join, 1),
    "lower": (_lower, 0),
}
"""Jinja filters that take its context, and ``lower`` (called on every item by Amazon's item name), as plain
functions (with the most positional arguments they take here) for templates without autoescaping; ``select`` with a
test or ``join`` by attribute is left to Jinja."""


def safe_method(env: ImmutableSandboxedEnvironment, obj: Any, name: str) -> Any:
    """``obj.name`` through the sandbox's ``getattr``, refused unless the sandbox deems it safely callable."""
    method = env.getattr(obj, name)
    if not env.is_safe_callable(method):
        raise SecurityError(f"{method!r} is not safely callable")
    return method


_PLAIN_TYPES = frozenset({str, int, bool, float, Decimal, datetime, date, time, timedelta, dict, list, tuple})
"""Built-in types whose methods are the type's own C methods (the types are immutable, their objects hold no
attributes of their own): the sandbox's answer for a method of one is the same for every object of that type."""


def method_getter(env: ImmutableSandboxedEnvironment, name: str) -> Callable[[Any], Any]:
    """``safe_method(env, obj, name)`` for each ``obj``, asked of the sandbox once per type for the plain built-in
    types (``_PLAIN_TYPES``: ``datetime.isoformat``, ``dict.get``, ``str.upper``): when it gave the object's own
    method, the next object of that type gets its own method without asking again. Anything else (a method the
    sandbox refuses or wraps, such as ``str.format``; an attribute that is no method; any other type) is asked
    every time."""
    plain: dict[type, bool] = {}

    def get(obj: Any) -> Any:
        kind = type(obj)
        if plain.get(kind):
            return getattr(obj, name)
        method = safe_method(env, obj, name)
        if kind in _PLAIN_TYPES and kind not in plain:
            plain[kind] = type(method) is BuiltinMethodType and method.__self__ is obj
        return method

    return get


def call_bounded(method: Callable[..., Any], values: list[Any]) -> Any:
    """``method(*values)`` after the limits' check of the call."""
    bounds.before_call(method, values)  # type: ignore[arg-type]
    return method(*values)


def _attribute(env: ImmutableSandboxedEnvironment, inner: Evaluate, attr: str) -> Evaluate:
    get = attribute_getter(env, attr)
    return lambda ctx: get(inner(ctx))


def attribute_getter(env: ImmutableSandboxedEnvironment, attr: str) -> Callable[[Any], Any]:
    """``obj.attr`` as the sandbox's ``getattr`` gives it. A plain data value (not callable: so not a
    ``str.format`` the sandbox wraps) is returned when the sandbox's ``is_safe_attribute`` allows it, asked once
    per type of object: the immutable sandbox's answer depends on the object's type and the name only (leading
    underscore, internal attributes of functions, types, frames and generators, mutating methods of lists, sets
    and dicts). Everything else (a missing attribute, which falls back to an item; a method) goes through
    ``env.getattr`` itself. A ``dict``'s (``settings.x``) is its item when ``dict`` has no attribute of that name
    (a dict's attributes are its type's): what ``env.getattr`` gives once its attribute look-up failed, without
    raising and catching that failure."""
    sandboxed, unsafe = env.getattr, env.unsafe_undefined
    allowed: dict[type, bool] = {}
    item = not hasattr(dict, attr)

    def get(obj: Any) -> Any:
        if item and type(obj) is dict:
            try:
                return obj[attr]
            except KeyError:
                return sandboxed(obj, attr)
        try:
            value = getattr(obj, attr)
        except AttributeError:
            return sandboxed(obj, attr)
        if callable(value):
            return sandboxed(obj, attr)
        safe = allowed.get(type(obj))
        if safe is None:
            safe = allowed[type(obj)] = env.is_safe_attribute(obj, attr, value)
        return value if safe else unsafe(obj, attr)

    return get


def _compile_key(env: ImmutableSandboxedEnvironment, node: nodes.Node) -> Evaluate | None:
    if not isinstance(node, nodes.Slice):
        return _compile_node(env, node)
    given = (node.start, node.stop, node.step)
    parts = [None if part is None else _compile_node(env, part) for part in given]
    if any(part is None and source is not None for part, source in zip(parts, given, strict=True)):
        return None
    start, stop, step = parts
    return lambda ctx: slice(*(None if part is None else part(ctx) for part in (start, stop, step)))


def _compile_logic(env: ImmutableSandboxedEnvironment, node: nodes.Node) -> Evaluate | None:
    if isinstance(node, nodes.Not):
        inner = _compile_node(env, node.node)
        return None if inner is None else (lambda ctx: not inner(ctx))
    if isinstance(node, nodes.Concat):
        parts = [_compile_node(env, part) for part in node.nodes]
        if any(part is None for part in parts):
            return None
        return lambda ctx: bounds.sized("".join(str(part(ctx)) for part in parts))  # type: ignore[misc]
    if isinstance(node, nodes.Compare):
        first = _compile_node(env, node.expr)
        operands = [(_COMPARE.get(op.op), _compile_node(env, op.expr)) for op in node.ops]
        if first is None or any(fn is None or expr is None for fn, expr in operands):
            return None

        def compare(ctx: Mapping[str, Any]) -> Any:
            left = first(ctx)
            for fn, expr in operands:
                right = expr(ctx)  # type: ignore[misc]
                if not fn(left, right):  # type: ignore[misc]
                    return False
                left = right
            return True

        return compare
    if isinstance(node, nodes.CondExpr):
        if node.expr2 is None:
            return None
        test, yes, no = (_compile_node(env, n) for n in (node.test, node.expr1, node.expr2))
        if test is None or yes is None or no is None:
            return None
        return lambda ctx: yes(ctx) if test(ctx) else no(ctx)
    left, right = _compile_node(env, node.left), _compile_node(env, node.right)  # type: ignore[attr-defined]
    if left is None or right is None:
        return None
    if isinstance(node, nodes.Or):
        return lambda ctx: left(ctx) or right(ctx)
    return lambda ctx: left(ctx) and right(ctx)
