"""A field's template as a neutral plan: the expression of a ``{{ expression }}`` template (or of an expression
field) as a small tree of plain nodes, for engines outside the Jinja fence (:mod:`feedsync.columnar` makes Polars
expressions of it). Only the shapes below are planned; any other template gives None and keeps its channel on
the per-row engine.

The nodes say what the template says, not how Jinja evaluates it: ``Or`` is Jinja's ``a or b`` (``a`` when it is
true, else ``b``), ``Cond`` its ``a if c else b`` (``otherwise`` None: no ``else``, which prints as an empty text),
``Lookup`` an item of a constant mapping (``{'a': 'b'}[x]``), ``Slice`` ``x[:n]``, ``Method`` a call of a method
without arguments or with constant ones (``x.isoformat()``, ``attributes.get('asin', '')``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from feedsync.channels.templating.environment import Compiled


@dataclass(frozen=True, slots=True)
class Var:
    name: str


@dataclass(frozen=True, slots=True)
class Const:
    value: Any


@dataclass(frozen=True, slots=True)
class Attr:
    node: Node
    name: str


@dataclass(frozen=True, slots=True)
class Method:
    node: Node
    name: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Filter:
    name: str
    node: Node
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Not:
    node: Node


@dataclass(frozen=True, slots=True)
class Cond:
    test: Node
    then: Node
    otherwise: Node | None


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Test:
    name: str
    node: Node


@dataclass(frozen=True, slots=True)
class Lookup:
    table: tuple[tuple[Any, Any], ...]
    key: Node


@dataclass(frozen=True, slots=True)
class Slice:
    node: Node
    stop: int


@dataclass(frozen=True, slots=True)
class Items:
    items: tuple[Node, ...]


Node = Var | Const | Attr | Method | Filter | Or | And | Not | Cond | Compare | Test | Lookup | Slice | Items


@dataclass(frozen=True, slots=True)
class Plan:
    node: Node
    renders: bool
    """A template (its value printed as text), not an expression (its value keeps its type)."""


_CONSTANTS = (str, int, float, bool, type(None))


def plan(compiled: Compiled) -> Plan | None:
    """The plan of a compiled field, or None when its template has a shape not planned here."""
    if compiled.simple is not None:
        return Plan(Var(compiled.simple), compiled.renders)
    if compiled.node is None:  # a template of several parts, or a statement
        return None
    node = _node(compiled.node)
    return None if node is None else Plan(node, compiled.renders)


def _node(node: nodes.Node) -> Node | None:
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return Var(node.name)
    if isinstance(node, nodes.Const) and type(node.value) in _CONSTANTS:
        return Const(node.value)
    if isinstance(node, nodes.Getattr):
        inner = _node(node.node)
        return None if inner is None else Attr(inner, node.attr)
    if isinstance(node, nodes.Getitem):
        return _item(node)
    if isinstance(node, nodes.Filter) and node.node is not None:
        return _filter(node)
    if isinstance(node, nodes.Call):
        return _call(node)
    if isinstance(node, (nodes.Or, nodes.And)):
        left, right = _node(node.left), _node(node.right)
        if left is None or right is None:
            return None
        return Or(left, right) if isinstance(node, nodes.Or) else And(left, right)
    if isinstance(node, nodes.Not):
        inner = _node(node.node)
        return None if inner is None else Not(inner)
    if isinstance(node, nodes.CondExpr):
        test, then = _node(node.test), _node(node.expr1)
        otherwise = _node(node.expr2) if node.expr2 is not None else None
        if test is None or then is None or (node.expr2 is not None and otherwise is None):
            return None
        return Cond(test, then, otherwise)
    if isinstance(node, nodes.Compare) and len(node.ops) == 1:
        left, right = _node(node.expr), _node(node.ops[0].expr)
        return None if left is None or right is None else Compare(node.ops[0].op, left, right)
    if isinstance(node, nodes.Test) and not node.args and not node.kwargs and not node.dyn_args:
        inner = _node(node.node)
        return None if inner is None else Test(node.name, inner)
    if isinstance(node, nodes.List):
        items = [_node(item) for item in node.items]
        return None if any(item is None for item in items) else Items(tuple(items))  # type: ignore[arg-type]
    return None


def _item(node: nodes.Getitem) -> Node | None:
    if isinstance(node.node, nodes.Const) and isinstance(node.node.value, dict):  # a literal Jinja folded
        table = node.node.value
        if not all(type(k) in _CONSTANTS and type(v) in _CONSTANTS for k, v in table.items()):
            return None
        key = _node(node.arg)
        return None if key is None else Lookup(tuple(table.items()), key)
    if isinstance(node.node, nodes.Dict):
        pairs = [(item.key, item.value) for item in node.node.items]
        if not all(isinstance(k, nodes.Const) and isinstance(v, nodes.Const) for k, v in pairs):
            return None
        key = _node(node.arg)
        table = tuple((k.value, v.value) for k, v in pairs)  # type: ignore[attr-defined]
        return None if key is None else Lookup(table, key)
    inner = _node(node.node)
    arg = node.arg
    if inner is None or not isinstance(arg, nodes.Slice) or arg.start is not None or arg.step is not None:
        return None
    if not isinstance(arg.stop, nodes.Const) or type(arg.stop.value) is not int or arg.stop.value < 0:
        return None
    return Slice(inner, arg.stop.value)


def _filter(node: nodes.Filter) -> Node | None:
    if node.dyn_args or node.dyn_kwargs:
        return None
    inner = _node(node.node)  # type: ignore[arg-type]
    args = [_node(arg) for arg in node.args]
    kwargs = [(pair.key, _node(pair.value)) for pair in node.kwargs]
    if inner is None or any(arg is None for arg in args) or any(value is None for _, value in kwargs):
        return None
    return Filter(node.name, inner, tuple(args), tuple(kwargs))  # type: ignore[arg-type]


def _call(node: nodes.Call) -> Node | None:
    if not isinstance(node.node, nodes.Getattr) or node.kwargs or node.dyn_args or node.dyn_kwargs:
        return None
    if not all(isinstance(arg, nodes.Const) and type(arg.value) in _CONSTANTS for arg in node.args):
        return None
    inner = _node(node.node.node)
    return None if inner is None else Method(inner, node.node.attr, tuple(arg.value for arg in node.args))  # type: ignore[attr-defined]
