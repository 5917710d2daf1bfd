"""The one place that uses Jinja2: a sandboxed environment with StrictUndefined and feedsync's filters.

Templates and expressions are compiled once per run; ``render``/``evaluate`` are the per-item calls.
"""

from __future__ import annotations

import html
import re
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from markupsafe import EscapeFormatter, Markup

from feedsync.channels import bounds
from feedsync.channels.bounds import LimitExceeded

_SPACE = re.compile(r"\s+")
_SIMPLE_TEMPLATE = re.compile(r"^\{\{-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}$")
_SIMPLE_EXPRESSION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


_TOO_DEEP = "the template nests too deeply to compile"


class TemplateProblem(Exception):
    """A template or expression that does not compile, with the line inside the template if known."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        super().__init__(message)
        self.lineno = lineno


def plaintext(value: Any) -> str:
    """HTML to one line of plain text: tags dropped, entities decoded, whitespace collapsed."""
    return "" if value is None else _plaintext(str(value))


@lru_cache(maxsize=4096)
def _plaintext(value: str) -> str:
    # Cached: the variants of a product share their description, and several channels convert it.
    return _SPACE.sub(" ", html.unescape(_strip_tags(value))).strip()


def _strip_tags(value: str) -> str:
    """Each ``<...>`` replaced by a space, as ``re.sub(r"<[^>]*>", " ", value)`` does, in linear time (that
    pattern rescans the rest of the text from every ``<`` that no ``>`` follows: minutes on hostile HTML)."""
    parts: list[str] = []
    start = 0
    while (opening := value.find("<", start)) >= 0 and (closing := value.find(">", opening)) >= 0:
        parts += (value[start:opening], " ")
        start = closing + 1
    parts.append(value[start:])
    return "".join(parts)


def collapse(value: Any) -> str:
    return "" if value is None else _collapse(str(value))


@lru_cache(maxsize=4096)
def _collapse(value: str) -> str:
    return _SPACE.sub(" ", value).strip()


def truncate_words(value: Any, limit: int, ellipsis: str = "") -> str:
    """At most ``limit`` characters, cut at a word boundary (a single long word is cut hard)."""
    text = collapse(value)
    if len(text) <= limit:
        return text
    room = limit - len(ellipsis)
    cut = text[: room + 1].rsplit(" ", 1)[0] if " " in text[: room + 1] else text[:room]
    return cut.rstrip(" ,;:-") + ellipsis


def variant_pairs(
    attributes: Mapping[str, str] | None, names: Iterable[str], options: Mapping[str, str] | None = None
) -> str:
    """Meta's ``additional_variant_attribute``: ``Key:Value,Key2:Value2`` for the named attributes that are set,
    then the product's ``options`` (its variant options that map to no variant field) not named already; commas
    and colons inside keys and values become spaces, since they are the separators."""
    chosen = [(name, (attributes or {}).get(name)) for name in names]
    named = {name for name, _ in chosen}
    chosen += [(name, value) for name, value in (options or {}).items() if name not in named]
    pairs = []
    for name, value in chosen:
        if value:
            clean = [" ".join(re.sub(r"[,:]", " ", str(x)).split()) for x in (name, value)]
            pairs.append(f"{clean[0]}:{clean[1]}")
    return ",".join(pairs)


def name_variant(title: Any, *values: Any, separator: str = " - ") -> str:
    """``title - value - value``: the title followed by each variant value (a string, or a mapping's values)
    that the title does not already contain as whole words, ignoring case (``Mug Color Verde`` stays as it is
    for colour ``verde``)."""
    text = collapse(title)
    flat: list[str] = []
    for value in values:
        flat += [str(v) for v in value.values()] if isinstance(value, Mapping) else [value] if value else []
    for value in flat:
        value = collapse(value)
        if value and not re.search(rf"(?<!\w){re.escape(value.casefold())}(?!\w)", text.casefold()):
            text = f"{text}{separator}{value}"
    return text


_LI_OPEN = re.compile("<li", re.IGNORECASE)
_LI_CLOSE = re.compile("</li>", re.IGNORECASE)


def bullets(html_text: Any, limit: int = 5) -> list[str]:
    """The list items of an HTML description as plain-text bullet points (at most ``limit``): what
    ``re.findall(r"<li[^>]*>(.*?)</li>", text, re.I | re.S)`` finds, in linear time (that pattern rescans the rest
    of the text from every ``<li`` that no ``>`` or ``</li>`` follows: minutes on hostile HTML)."""
    if not html_text:
        return []
    text = str(html_text)
    found: list[str] = []
    position = 0
    while len(found) < limit and (opening := _LI_OPEN.search(text, position)) is not None:
        tag_end = text.find(">", opening.end())
        closing = _LI_CLOSE.search(text, tag_end + 1) if tag_end >= 0 else None
        if closing is None:
            break  # no later <li can be closed either
        if item := plaintext(text[tag_end + 1 : closing.start()]):
            found.append(item)
        position = closing.end()
    return found


def titlecase(value: Any) -> str:
    """Title Case that leaves words with capitals inside them (``iPhone``, ``USB``) alone."""
    words = collapse(value).split(" ")
    return " ".join(w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:].lower() for w in words)


def _finalize(value: Any) -> Any:
    return "" if value is None else value


def _as_rendered(value: Any) -> str:
    """What ``{{ value }}`` renders to (the fast path of a template that only prints one variable)."""
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled template or expression. ``call(context)`` evaluates it; ``simple`` names the one variable
    it only reads, if so (then ``call`` is a plain lookup that gives what Jinja would, without Jinja)."""

    call: Callable[[Mapping[str, Any]], Any]
    variables: frozenset[str]
    simple: str | None
    renders: bool = False
    """A template (its value is text: ``{{ x }}`` of None is ""), not an expression (its value keeps its type)."""


class _Formatter(SandboxedFormatter):
    """The sandbox's ``str.format`` with widths and the text it builds bounded."""

    total = 0

    def format_field(self, value: Any, format_spec: str) -> Any:
        bounds.format_spec(format_spec)
        text = super().format_field(value, format_spec)
        self.total = bounds.grown(self.total, len(text))
        return text


class _EscapeFormatter(_Formatter, EscapeFormatter):
    pass


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with limits (``feedsync.channels.bounds``): operators and calls that could build a huge value
    are checked first, every loop iteration and call counts against the evaluation's steps (see ``_guard``)."""

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.steps = bounds.Steps()
        bounds.guard_filters(self.filters)
        self.globals["lipsum"] = bounds.lipsum(self.globals["lipsum"])  # type: ignore[arg-type]

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        bounds.before_binop(operator, left, right)
        return bounds.sized(self.binop_table[operator](left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.steps.take()
        bounds.before_call(obj, args)
        return super().call(context, obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if super().wrap_str_format(value) is None:
            return None
        owner: str = value.__self__
        mapping = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if mapping:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                args, kwargs = (), args[0]
            formatter = _EscapeFormatter(self, escape=owner.escape) if isinstance(owner, Markup) else _Formatter(self)
            return type(owner)(formatter.vformat(owner, args, kwargs))

        return wrapper

    def loop_guard(self, iterable: Iterable[Any]) -> Iterable[Any]:
        return self.steps.loop(iterable)

    def bounded(self, value: Any) -> Any:
        return bounds.sized(value)

    def _generate(
        self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False
    ) -> str:
        _guard(source, recursive_loop=False)
        source.set_environment(self)
        return super()._generate(source, name, filename, defer_init)  # type: ignore[no-any-return]


def _wrap(guard: str, node: nodes.Expr) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(guard, lineno=node.lineno), [node], [], None, None, lineno=node.lineno)


def _names(node: nodes.Node, name: str) -> bool:
    return isinstance(node, nodes.Name) and node.name == name


def _guard(node: nodes.Node, *, recursive_loop: bool) -> nodes.Node:
    """Rewrite a template's tree before Jinja generates its code: every ``for`` iterates through
    ``loop_guard`` (each iteration is a step), and so does every ``loop(...)`` of a recursive ``for``; every
    ``~`` concatenation is checked against the length limit."""
    inner = recursive_loop or (isinstance(node, nodes.For) and node.recursive)
    for field in node.fields:
        value = getattr(node, field, None)
        if isinstance(value, nodes.Node):
            setattr(node, field, _guard(value, recursive_loop=inner))
        elif isinstance(value, list):
            setattr(node, field, [_guard(v, recursive_loop=inner) if isinstance(v, nodes.Node) else v for v in value])
    if isinstance(node, nodes.For):
        node.iter = _wrap("loop_guard", node.iter)
    elif isinstance(node, nodes.Concat):
        return _wrap("bounded", node)
    elif recursive_loop and isinstance(node, nodes.Call) and _names(node.node, "loop") and node.args:
        node.args[0] = _wrap("loop_guard", node.args[0])  # the recursion of a ``for ... recursive``
    return node


class Templating:
    def __init__(self, search_path: Iterable[Path], globals_: Mapping[str, Any] | None = None) -> None:
        self.env = _BoundedEnvironment(
            loader=jinja2.FileSystemLoader([str(p) for p in search_path]),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            finalize=_finalize,
            keep_trailing_newline=False,
        )
        self.env.filters["plaintext"] = plaintext
        self.env.filters["collapse"] = collapse
        self.env.filters["truncate_words"] = truncate_words
        self.env.filters["titlecase"] = titlecase
        self.env.filters["variant_pairs"] = variant_pairs
        self.env.filters["name_variant"] = name_variant
        self.env.filters["bullets"] = bullets
        self.env.globals["__decimal__"] = Decimal
        if globals_:
            self.env.globals.update(globals_)

    def context(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The data a compiled template or expression is called with: the environment's globals plus ``values``.
        Building it once per item and rendering with a shared context saves Jinja copying the globals for every
        field of every item."""
        data = dict(self.env.globals)
        data.update(values)
        return data

    def _variables(self, source: str) -> frozenset[str]:
        return frozenset(meta.find_undeclared_variables(self.env.parse(source))) - set(self.env.globals)

    def template(self, source: str) -> Compiled:
        """Compile an inline template; the result renders to a string."""
        try:
            template = self.env.from_string(source)
            variables = self._variables(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or str(exc), exc.lineno) from None
        except RecursionError:
            raise TemplateProblem(_TOO_DEEP) from None
        simple = _SIMPLE_TEMPLATE.match(source.strip())
        if simple:
            name = simple.group(1)
            return Compiled(lambda ctx: _as_rendered(ctx[name]), variables, name, renders=True)
        direct = self._direct(self.env.parse(source))
        if direct is not None:
            return Compiled(lambda ctx: _as_rendered(direct(ctx)), variables, None, renders=True)
        return Compiled(_renderer(template), variables, None, renders=True)

    def template_file(self, name: str) -> Compiled:
        """Compile a template from the template search path (the config's ``templates/``, then built-ins)."""
        try:
            template = self.env.get_template(name)
            assert self.env.loader is not None
            source, _, _ = self.env.loader.get_source(self.env, name)
            variables = self._variables(source)
        except jinja2.TemplateNotFound:
            raise TemplateProblem(f"template file {name!r} not found") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
        except RecursionError:
            raise TemplateProblem(f"{name}: {_TOO_DEEP}") from None
        direct = self._direct(self.env.parse(source))
        if direct is not None:
            return Compiled(lambda ctx: _as_rendered(direct(ctx)), variables, None, renders=True)
        return Compiled(_renderer(template), variables, None, renders=True)

    def expression(self, source: str) -> Compiled:
        """Compile an expression; the result keeps its type (a list stays a list)."""
        try:
            expr = self.env.compile_expression(source, undefined_to_none=False)
            variables = self._variables("{{ " + source + " }}")
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or str(exc), None) from None
        except RecursionError:
            raise TemplateProblem(_TOO_DEEP) from None
        simple = _SIMPLE_EXPRESSION.match(source)
        if simple:
            name = simple.group(1)
            return Compiled(lambda ctx: ctx[name], variables, name)
        direct = self._direct(self.env.parse("{{ " + source + " }}"))
        if direct is not None:
            return Compiled(direct, variables, None)
        template = expr._template  # the expression compiled as ``{% set result = … %}``

        steps: bounds.Steps = self.env.steps

        def evaluate(data: Mapping[str, Any]) -> Any:
            steps.reset()
            context = template.new_context(data, shared=True)  # type: ignore[arg-type]
            try:
                for _ in template.root_render_func(context):
                    pass
            except RecursionError:
                raise LimitExceeded("calls nested too deeply") from None
            return context.vars["result"]

        return Compiled(evaluate, variables, None)

    def _direct(self, tree: nodes.Template) -> Callable[[Mapping[str, Any]], Any] | None:
        """For a template that is one ``{{ expression }}`` of common shapes (names, constants, constant dicts,
        attributes, items and slices, ``or``/``and``/``not``, comparisons, ``a if b else c``, ``~``, filters and
        tests, method calls): a plain Python function giving the value Jinja would, without a Jinja context per
        call. Attribute and item access go through the sandbox's own ``getattr``/``getitem`` and calls through
        its safety check. Anything else (or a filter that takes Jinja's context) returns None: Jinja renders it."""
        if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output) or len(tree.body[0].nodes) != 1:
            return None
        node = tree.body[0].nodes[0]
        return None if isinstance(node, nodes.TemplateData) else _compile_node(self.env, node)


Evaluate = Callable[[Mapping[str, Any]], Any]


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
        sandboxed = env.getattr
        return lambda ctx: _getattr(sandboxed, inner(ctx), attr)
    if isinstance(node, nodes.Getitem):
        inner, key = _compile_node(env, node.node), _compile_key(env, node.arg)
        if inner is None or key is None:
            return None
        return lambda ctx: env.getitem(inner(ctx), key(ctx))
    if isinstance(node, nodes.Or | nodes.And | nodes.Concat | nodes.CondExpr | nodes.Not | nodes.Compare):
        return _compile_logic(env, node)
    if isinstance(node, nodes.Filter | nodes.Test) and node.node is not None:
        table = env.filters if isinstance(node, nodes.Filter) else env.tests
        function = table.get(node.name)
        plain = _PLAIN_FILTERS.get(node.name) if isinstance(node, nodes.Filter) and not env.autoescape else None
        if plain is not None and len(node.args) <= plain[1]:
            function = plain[0]
        inner, args = _compile_node(env, node.node), _compile_args(env, node)
        if function is None or inner is None or args is None or getattr(function, "jinja_pass_arg", None) is not None:
            return None
        return lambda ctx: function(inner(ctx), *(arg(ctx) for arg in args))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
        target, name, args = _compile_node(env, node.node.node), node.node.attr, _compile_args(env, node)
        if target is None or args is None:
            return None

        def call(ctx: Mapping[str, Any]) -> Any:
            method = env.getattr(target(ctx), name)
            if not env.is_safe_callable(method):
                raise SecurityError(f"{method!r} is not safely callable")
            values = [arg(ctx) for arg in args]
            bounds.before_call(method, values)  # type: ignore[arg-type]
            return method(*values)

        return call
    return None


def _select(value: Any) -> Any:
    """Jinja's ``select`` without a test: the truthy elements (lazily, as Jinja gives them)."""
    return (item for item in value if item)


def _join(value: Any, separator: str = "") -> str:
    """Jinja's ``join`` without autoescaping: ``str`` of each element."""
    separator = str(separator)
    if separator and hasattr(value, "__len__") and len(value) * len(separator) > bounds.MAX_LENGTH:
        bounds.before_call(separator.join, (value,))
    return separator.join(map(str, value))


_PLAIN_FILTERS: dict[str, tuple[Callable[..., Any], int]] = {"select": (_select, 0), "join": (_join, 1)}
"""Jinja filters that take its context, as plain functions (with the most positional arguments they take here)
for templates without autoescaping; ``select`` with a test or ``join`` by attribute is left to Jinja."""

_SPECIAL = (
    types.FunctionType,
    types.MethodType,
    type,
    types.CodeType,
    types.TracebackType,
    types.FrameType,
    types.GeneratorType,
    types.CoroutineType,
    types.AsyncGeneratorType,
)


def _getattr(sandboxed: Callable[[Any, str], Any], obj: Any, attr: str) -> Any:
    """``obj.attr`` as the sandbox gives it, without its checks where they cannot refuse: a plain data value
    (not callable) of an object that is not a function, type, code, frame or generator, under a name without a
    leading underscore. Everything else goes through the sandbox."""
    if attr[0] != "_" and not isinstance(obj, _SPECIAL):
        try:
            value = getattr(obj, attr)
        except AttributeError:
            return sandboxed(obj, attr)
        if not callable(value):
            return value
    return sandboxed(obj, attr)


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


def _renderer(template: jinja2.Template) -> Callable[[Mapping[str, Any]], str]:
    """Render ``template`` with data that already holds the globals (see ``Templating.context``)."""

    steps: bounds.Steps = template.environment.steps  # type: ignore[attr-defined]
    limit = bounds.MAX_LENGTH

    def render(data: Mapping[str, Any]) -> str:
        steps.reset()
        parts: list[str] = []
        size = 0
        try:
            for part in template.root_render_func(template.new_context(data, shared=True)):  # type: ignore[arg-type]
                size += len(part)
                if size > limit:
                    bounds.grown(size, 0)
                parts.append(part)
        except RecursionError:
            raise LimitExceeded("calls nested too deeply") from None
        return "".join(parts)

    return render


RenderError = (jinja2.TemplateError, TypeError, ValueError, ArithmeticError, AttributeError, LookupError)
