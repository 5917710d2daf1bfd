"""Which names a template's value depends on alone, from its syntax tree: what lets the generated fields
function reuse a field's text for the next item when those names hold the same values (``codegen``).

A template qualifies when its value is a function of the names it reads and nothing else: no ``now``, no call
of a function found by name (a global such as ``lipsum``, a macro: their results may vary or read more than the
tree shows), no ``random`` filter, no other template pulled in (``include``, ``import``, ``extends``: it reads
names this tree does not show). Method calls on values (``title.upper()``, ``attributes.get('x')``) qualify: the
immutable sandbox allows no method that changes its object.
"""

from __future__ import annotations

from jinja2 import nodes

_DYNAMIC_NAMES = frozenset({"now", "lipsum", "cycler", "joiner", "namespace"})
"""Names whose value changes with time or from call to call (``now``; the globals that make random text or keep
state between calls)."""
_DYNAMIC_FILTERS = frozenset({"random"})
_OTHER_TEMPLATES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def renders_others(tree: nodes.Template) -> bool:
    """Whether ``tree`` renders other templates (include, import, extends), whose names it does not say."""
    return any(True for _ in tree.find_all(_OTHER_TEMPLATES))


def pure_reads(tree: nodes.Template) -> tuple[str, ...] | None:
    """The names ``tree`` reads from its data (sorted), when its value depends on them alone; None when it may
    depend on anything else."""
    if renders_others(tree):
        return None
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Getattr):
            return None
    for node in tree.find_all(nodes.Filter):
        if node.name in _DYNAMIC_FILTERS:
            return None
    # Every name it loads, its own variables and the environment's globals included (Jinja's own list leaves
    # those out; a global may be shadowed in the data): more names than it reads from the data is never wrong
    names = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load"}
    if names & _DYNAMIC_NAMES:
        return None
    return tuple(sorted(names))


def costly(tree: nodes.Template) -> bool:
    """Whether evaluating ``tree`` does more than look up names and compare them: a filter, test, call,
    attribute or item access, concatenation, or any statement (worth keeping its value for the next item)."""
    shapes = (nodes.Filter, nodes.Test, nodes.Call, nodes.Getattr, nodes.Getitem, nodes.Concat, nodes.Stmt)
    body = tree.body
    if len(body) != 1 or not isinstance(body[0], nodes.Output):
        return True
    return any(True for _ in body[0].find_all(shapes))


_DICT_METHODS = frozenset({"get", "items", "keys", "values"})


def attribute_keys(tree: nodes.Template) -> frozenset[str]:
    """The keys ``tree`` reads of ``attributes`` by name (``attributes.get('season', '')``, ``attributes['season']``,
    ``attributes.season``): what it expects a product's attributes to hold. A key it makes as it runs is not
    among them, nor are names shadowing ``attributes`` (``{% set attributes = ... %}``, a loop's variable)."""
    shadowed = any(
        isinstance(node, nodes.Name) and node.name == "attributes" and node.ctx in ("store", "param")
        for node in tree.find_all(nodes.Name)
    )
    if shadowed:
        return frozenset()

    def own(node: nodes.Node) -> bool:
        return isinstance(node, nodes.Name) and node.name == "attributes" and node.ctx == "load"

    keys: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Getattr) and own(node.node) and node.attr not in _DICT_METHODS:
            keys.add(node.attr)
        elif isinstance(node, nodes.Getitem) and own(node.node) and isinstance(node.arg, nodes.Const):
            if isinstance(node.arg.value, str):
                keys.add(node.arg.value)
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr) and own(node.node.node):
            first = node.args[0] if node.args else None
            if node.node.attr == "get" and isinstance(first, nodes.Const) and isinstance(first.value, str):
                keys.add(first.value)
    return frozenset(keys)
