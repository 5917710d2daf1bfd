"""The Jinja fence: the sandboxed environment (StrictUndefined, the limits of ``feedsync.channels.bounds``,
feedsync's filters), compiling templates and expressions once per run, and the per-item calls.

Templates and expressions are compiled once per run; ``Compiled.call`` is the per-item call. A template that is
one ``{{ expression }}`` of common shapes is evaluated by ``evaluator`` (plain Python over Jinja's syntax tree),
anything else by Jinja's own generated code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta, nodes
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter
from markupsafe import EscapeFormatter, Markup

from feedsync.channels import bounds
from feedsync.channels.bounds import LimitExceeded
from feedsync.channels.templating import codegen, evaluator, purity
from feedsync.channels.templating.errors import TemplateProblem, checked
from feedsync.channels.templating.filters import (
    bullets,
    collapse,
    name_variant,
    plaintext,
    titlecase,
    truncate_words,
    variant_pairs,
)
from feedsync.decoding import undecodable

# A lone name is looked up as it is; Jinja's constants (``true``, ``none``, ``False``, ...) are names to the
# pattern, not variables: they are left to the evaluator.
_CONSTANTS = r"(?!(?:true|false|none|True|False|None)\b)"
_SIMPLE_TEMPLATE = re.compile(r"^\{\{-?\s*" + _CONSTANTS + r"([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}$")
_SIMPLE_EXPRESSION = re.compile(r"^\s*" + _CONSTANTS + r"([A-Za-z_][A-Za-z0-9_]*)\s*$")


_TOO_DEEP = "the template nests too deeply to compile"


def _finalize(value: Any) -> Any:
    return "" if value is None else value


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled template or expression. ``call(context)`` evaluates it; ``simple`` names the one variable
    it only reads, if so (then ``call`` is a plain lookup that gives what Jinja would, without Jinja)."""

    call: Callable[[Mapping[str, Any]], Any]
    variables: frozenset[str]
    simple: str | None
    renders: bool = False
    """A template (its value is text: ``{{ x }}`` of None is ""), not an expression (its value keeps its type)."""
    node: nodes.Expr | None = None
    """The one expression of a ``{{ expression }}`` template or of an expression, from which ``codegen`` makes
    inline code."""
    direct: bool = True
    """``call`` is the direct evaluator of ``node`` (else Jinja renders the template ``node`` is the output of)."""
    reads: tuple[str, ...] | None = None
    """The names its value depends on alone, when it is worth keeping for the next item with the same values
    (``purity``); None: it is evaluated for every item."""
    opaque: bool = False
    """It renders other templates (include, import, extends): ``variables`` are its own, not all it reads."""


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

    def compile(  # type: ignore[override]
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Jinja's ``compile`` of the tree after ``_guard`` rewrote it (every template and expression comes here)."""
        tree = source if isinstance(source, nodes.Template) else self.parse(source, name, filename)
        _guard(tree, recursive_loop=False)
        tree.set_environment(self)
        return super().compile(tree, name, filename, raw, defer_init)


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

    def _variables(self, tree: nodes.Template) -> frozenset[str]:
        """The names ``tree`` reads that are not globals. Jinja finds them by running its code generator over the
        tree, so this is also where an unknown filter or test is refused (as compiling would)."""
        return frozenset(meta.find_undeclared_variables(tree)) - set(self.env.globals)

    def _expression_syntax(self, source: str) -> None:
        """Refuse what ``compile_expression`` refuses before it compiles: not one expression, or more after it."""
        parser = Parser(self.env, source, state="variable")
        try:
            parser.parse_expression()
            if not parser.stream.eos:
                raise jinja2.TemplateSyntaxError("chunk after expression", parser.stream.current.lineno, None, None)
        except jinja2.TemplateSyntaxError:
            self.env.handle_exception(source=source)

    def template(self, source: str) -> Compiled:
        """Compile an inline template; the result renders to a string. It is parsed once; Jinja generates and
        compiles its code only when Jinja renders it (neither a plain lookup nor the direct evaluator does)."""
        try:
            tree = self.env.parse(source)
            variables = self._variables(tree)
            simple = _SIMPLE_TEMPLATE.match(source.strip())
            if simple:
                name = simple.group(1)
                return Compiled(checked(itemgetter(name), text=True), variables, name, renders=True)
            direct = self._direct(tree)
            if direct is not None:
                node = _expression(tree)
                return Compiled(checked(direct, text=True), variables, None, True, node, reads=_reads(tree))
            template = self.env.from_string(source)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or str(exc), exc.lineno) from None
        except RecursionError:
            raise TemplateProblem(_TOO_DEEP) from None
        return self._rendered(template, variables, tree)

    def template_file(self, name: str) -> Compiled:
        """Compile a template from the template search path (the config's ``templates/``, then built-ins)."""
        tree = self._file_tree(name)
        assert tree is not None
        try:
            template = self.env.get_template(name)
            variables = self._variables(tree)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
        except RecursionError:
            raise TemplateProblem(f"{name}: {_TOO_DEEP}") from None
        direct = self._direct(tree)
        if direct is not None:
            node = _expression(tree)
            return Compiled(checked(direct, text=True), variables, None, True, node, reads=_reads(tree))
        return self._rendered(template, variables, tree, name)

    def _file_tree(self, name: str, named_in: str | None = None, *, missing_ok: bool = False) -> nodes.Template | None:
        """The template file ``name`` of the search path, parsed; a TemplateProblem naming it when it is missing
        (``named_in``: the template that names it; None where ``missing_ok``), unreadable or broken."""
        try:
            assert self.env.loader is not None
            source, _, _ = self.env.loader.get_source(self.env, name)
            return self.env.parse(source, name)
        except jinja2.TemplateNotFound:
            if missing_ok:
                return None
            where = f" (named in {named_in})" if named_in else ""
            raise TemplateProblem(f"template file {name!r} not found{where}") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
        except RecursionError:
            raise TemplateProblem(f"{name}: {_TOO_DEEP}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise self._unreadable(name, exc) from None

    def _unreadable(self, name: str, exc: OSError | UnicodeDecodeError) -> TemplateProblem:
        """A template file found on the search path that cannot be read (no permission, not UTF-8 text)."""
        assert isinstance(self.env.loader, jinja2.FileSystemLoader)
        found = (Path(folder, *name.split("/")) for folder in self.env.loader.searchpath)
        path = next((p for p in found if p.is_file()), Path(name))
        if isinstance(exc, UnicodeDecodeError):
            at = undecodable(path)
            where = f"{path}:{at.line}: the template file is not UTF-8 text ({at.what})" if at else f"{path}: not UTF-8"
            return TemplateProblem(f"{where}; save it as UTF-8")
        return TemplateProblem(
            f"cannot read template file {path}: {exc.strerror or exc}; give the user running feedsync read access"
            if isinstance(exc, PermissionError)
            else f"cannot read template file {path}: {exc.strerror or exc}"
        )

    def expression(self, source: str) -> Compiled:
        """Compile an expression; the result keeps its type (a list stays a list). It is checked as Jinja's
        ``compile_expression`` checks it and parsed once; Jinja generates and compiles its code only when Jinja
        evaluates it."""
        try:
            self._expression_syntax(source)
            tree = self.env.parse("{{ " + source + " }}")
            variables = self._variables(tree)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or str(exc), None) from None
        except RecursionError:
            raise TemplateProblem(_TOO_DEEP) from None
        simple = _SIMPLE_EXPRESSION.match(source)
        if simple:
            name = simple.group(1)
            return Compiled(checked(itemgetter(name)), variables, name)
        direct = self._direct(tree)
        if direct is not None:
            return Compiled(checked(direct), variables, None, node=_expression(tree), reads=_reads(tree))
        reads = _reads(tree)  # before the tree is compiled (``_guard`` rewrites it)
        # the expression compiled as ``{% set result = … %}``, as ``compile_expression`` does
        output = tree.body[0] if len(tree.body) == 1 else None
        if not isinstance(output, nodes.Output) or len(output.nodes) != 1:
            raise TemplateProblem("chunk after expression")
        assign = nodes.Assign(nodes.Name("result", "store"), output.nodes[0], lineno=1)
        try:
            template = self.env.from_string(nodes.Template([assign], lineno=1))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or str(exc), None) from None
        except RecursionError:
            raise TemplateProblem(_TOO_DEEP) from None

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

        return Compiled(checked(evaluate), variables, None, reads=reads)

    def _included(self, tree: nodes.Template, within: str) -> None:
        """Read each template file ``tree`` includes, imports or extends by name, and theirs in turn, so that one
        missing, unreadable or broken is a config error naming it (Jinja reads it only as an item is rendered: an
        error for every item, naming no file). A name made as it renders, or ``ignore missing``, is left to it."""
        pending = [(tree, within)]
        seen: set[str] = set()
        while pending:
            node, parent = pending.pop()
            for use in node.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
                name = use.template.value if isinstance(use.template, nodes.Const) else None
                if not isinstance(name, str) or name in seen:
                    continue
                seen.add(name)
                found = self._file_tree(name, parent, missing_ok=isinstance(use, nodes.Include) and use.ignore_missing)
                if found is not None:
                    pending.append((found, name))

    def _rendered(
        self, template: jinja2.Template, variables: frozenset[str], tree: nodes.Template, within: str = "the template"
    ) -> Compiled:
        """A template Jinja renders; its ``node`` is its one expression, or (text alone) the text it renders."""
        self._included(tree, within)
        render = _renderer(template)
        node = _single(tree)
        text_alone = all(
            isinstance(n, nodes.Output) and all(isinstance(c, nodes.TemplateData) for c in n.nodes) for n in tree.body
        )
        reads = None
        if node is None and text_alone:
            node = nodes.Const(render(self.context({})))  # the same for every item
        else:
            reads = _reads(tree)
        opaque = purity.renders_others(tree)
        return Compiled(
            checked(render), variables, None, renders=True, node=node, direct=False, reads=reads, opaque=opaque
        )

    def fields_function(
        self,
        fields: Sequence[tuple[str, Compiled]],
        to_text: Callable[[Any], Any],
        printed: Callable[[Any], str] = str,
        printed_types: frozenset[type] = frozenset(),
    ) -> Callable[[dict[str, Any]], dict[str, Any]]:
        """ONE generated function giving every field's text for an item's data (``codegen``): what calling each
        field's ``Compiled`` and ``to_text`` of its value gives (``printed``: ``str`` of a template's value, or what
        gives the same, called for values of ``printed_types`` alone). It raises ``codegen.FieldFailed`` naming the
        field whose template failed (its ``error`` is the ``RenderError``)."""
        code = [codegen.FieldCode(name, c.call, c.renders, c.simple, c.node, c.direct, c.reads) for name, c in fields]
        function, _, _ = codegen.fields_function(
            self.env, code, to_text, reuse=codegen.REUSE, printed=printed, printed_types=printed_types
        )
        return function

    def _direct(self, tree: nodes.Template) -> Callable[[Mapping[str, Any]], Any] | None:
        """For a template that is one ``{{ expression }}`` of common shapes (names, constants, constant dicts,
        attributes, items and slices, ``or``/``and``/``not``, comparisons, ``a if b else c``, ``~``, filters and
        tests, method calls): a plain Python function giving the value Jinja would, without a Jinja context per
        call. Attribute and item access go through the sandbox's own ``getattr``/``getitem`` and calls through
        its safety check. Anything else (or a filter that takes Jinja's context) returns None: Jinja renders it."""
        return evaluator.direct(self.env, tree)


def _reads(tree: nodes.Template) -> tuple[str, ...] | None:
    """The names a template's value depends on alone, when evaluating it costs more than looking them up."""
    return purity.pure_reads(tree) if purity.costly(tree) else None


def _single(tree: nodes.Template) -> nodes.Expr | None:
    """The one expression of a template that is ``{{ expression }}`` alone (Jinja prints its value), else None."""
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output) or len(tree.body[0].nodes) != 1:
        return None
    node = tree.body[0].nodes[0]
    return None if isinstance(node, nodes.TemplateData) else node


def _expression(tree: nodes.Template) -> nodes.Expr:
    """The one expression of a template the direct evaluator runs."""
    return tree.body[0].nodes[0]  # type: ignore[attr-defined,no-any-return]


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


def render_page(folder: Path, name: str, values: Mapping[str, Any]) -> str:
    """One of feedsync's own page templates in ``folder`` (the HTML report), rendered with HTML autoescaping.
    These are feedsync's templates, not a profile's: no sandbox, no limits, errors are bugs."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(name).render(values)
