"""Values kept to be compared with later ones: a copy all through (``kept_copy``), and an equality of the same types
all through (``same``), so that a value equal to a kept one may reuse what was made of it."""

from __future__ import annotations

from typing import Any

ATOMS = frozenset({str, int, bool, type(None)})
"""Types whose equal values print the same (exactly these: ``Markup`` is a ``str`` that prints otherwise, a
``Decimal`` or ``float`` may be equal and print otherwise; ``True == 1`` of different types)."""
DEPTH = 12
"""How deep lists, tuples and dicts are kept and compared; deeper ones are never reused."""


class _TooDeep:
    """What a kept copy holds in place of a value nested past ``DEPTH`` (equal to none)."""


TOO_DEEP = _TooDeep()


def same(a: Any, b: Any) -> bool:
    """``a`` and ``b`` are equal values of the same types all through: texts, whole numbers, booleans, None, and
    lists, tuples and dicts of them (keys and values in the same order). Any other pair that is not the same object:
    False (``b``, a kept copy, ends in ``TOO_DEEP`` past ``DEPTH``)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind in ATOMS:
        return a == b  # type: ignore[no-any-return]
    if kind is tuple or kind is list:
        if len(a) != len(b):
            return False
        return not a or all(same(x, y) for x, y in zip(a, b, strict=True))
    if kind is dict:
        if len(a) != len(b):
            return False
        return not a or all(same(k, j) and same(x, y) for (k, x), (j, y) in zip(a.items(), b.items(), strict=True))
    return False


def kept_copy(value: Any, depth: int = 0) -> Any:
    """What is kept of a value: lists, tuples and dicts copied all through (the value's own may change after, a
    list inside a tuple too), ``TOO_DEEP`` in place of those nested deeper than ``DEPTH``."""
    kind = type(value)
    if kind is list or kind is tuple:
        if depth >= DEPTH:
            return TOO_DEEP
        made = [kept_copy(x, depth + 1) for x in value]
        return made if kind is list else tuple(made)
    if kind is dict:
        return {k: kept_copy(x, depth + 1) for k, x in value.items()} if depth < DEPTH else TOO_DEEP
    return value
