"""``same``: equal values of the same types all through (what lets a generated field reuse what it made of an equal
value), held to an element-by-element comparison over nested values."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from feedsync.kept import ATOMS, kept_copy, same


def reference(a: Any, b: Any) -> bool:
    """``same`` as it was first written: element by element, types first."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind in ATOMS:
        return bool(a == b)
    if kind is tuple or kind is list:
        return len(a) == len(b) and all(reference(x, y) for x, y in zip(a, b, strict=True))
    if kind is dict:
        return len(a) == len(b) and all(
            reference(k, j) and reference(x, y) for (k, x), (j, y) in zip(a.items(), b.items(), strict=True)
        )
    return False


_ATOMS = st.one_of(
    st.sampled_from(["", "a", "b", "1"]),
    st.sampled_from([0, 1, 2]),
    st.booleans(),
    st.none(),
    st.sampled_from([Markup("a"), 1.0]),
)
_VALUES = st.recursive(
    _ATOMS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2),
    ),
    max_leaves=8,
)


@given(_VALUES, _VALUES)
def test_same_answers_as_the_element_by_element_comparison(a: Any, b: Any) -> None:
    assert same(a, b) == reference(a, b)
    assert same(a, kept_copy(a)) == reference(a, a)


def test_texts_only_are_compared_as_texts_and_a_text_subclass_or_a_number_is_not_a_text() -> None:
    assert same(("a", "b"), ("a", "b")) and same(["a"], ["a"])
    assert not same(("a", "b"), ("a", "c")) and not same(("a",), ["a"])
    assert not same(("a", Markup("b")), ("a", "b")) and not same([1], [True]) and not same(["1"], [1])
    assert same((), ()) and not same((), [])
