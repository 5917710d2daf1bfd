"""IdSet: a set of ids in 12 bytes a slot (duplicate ids and SKUs in a streamed catalog)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedsync.idset import SLOT, IdSet


def test_it_tells_new_ids_from_seen_ones_across_growth() -> None:
    ids = IdSet(capacity=16)
    assert all(ids.add(f"SKU-{n:07d}") for n in range(50_000))
    assert len(ids) == 50_000
    assert not ids.add("SKU-0000000") and not ids.add("SKU-0049999")
    assert "SKU-0012345" in ids and "SKU-0050000" not in ids
    # every table grew at least once: between 16 and 24 bytes a member, nothing per member beyond the tables
    assert 16 * len(ids) <= ids.nbytes <= 24 * len(ids)
    assert all(len(t.table) == t.slots * SLOT for t in ids._tables)


def test_growing_never_copies_more_than_one_small_table() -> None:
    ids = IdSet()
    for n in range(100_000):
        ids.add(f"id-{n}")
    assert max(len(t.table) for t in ids._tables) * 50 < ids.nbytes


def test_a_large_capacity_is_taken_up_front() -> None:
    ids = IdSet(capacity=1_000_000)
    slots = {t.slots for t in ids._tables}
    assert len(slots) == 1 and slots.pop() * 3 >= 1_000_000 // 256 * 4


@given(st.lists(st.text(max_size=12), max_size=300))
def test_it_agrees_with_a_python_set(keys: list[str]) -> None:
    ids, reference = IdSet(capacity=4), set()
    for key in keys:
        assert ids.add(key) == (key not in reference)
        reference.add(key)
    assert len(ids) == len(reference)
    assert all(key in ids for key in reference)


@given(st.sets(st.text(max_size=6), max_size=80), st.sets(st.text(max_size=6), max_size=80))
def test_disjoint_and_update_agree_with_python_sets(first: set[str], second: set[str]) -> None:
    a, b = IdSet(capacity=4), IdSet(capacity=4)
    for key in first:
        a.add(key)
    for key in second:
        b.add(key)
    assert a.isdisjoint(b) == first.isdisjoint(second) == b.isdisjoint(a)
    a.update(b)
    assert len(a) == len(first | second)
    assert all(key in a for key in first | second)
    assert all(a.add(key) == (key not in first | second) for key in ["new-1", "new-2", *second])


def _members(ids: IdSet, universe: set[str]) -> set[str]:
    """The keys of ``universe`` that ``ids`` holds (and no more members than those)."""
    found = {key for key in universe if key in ids}
    assert len(ids) == len(found)
    return found


@given(st.sets(st.text(max_size=6), max_size=60), st.sets(st.text(max_size=6), max_size=60))
def test_set_algebra_agrees_with_python_sets(first: set[str], second: set[str]) -> None:
    """What the row split asks of the Amazon parents written (union, difference, intersection, a copy, emptying):
    the same members as Python's sets, and the operands left as they were."""
    mine, theirs = IdSet(0), IdSet(0)
    for key in first:
        mine.add(key)
    for key in second:
        theirs.add(key)
    universe = first | second
    assert _members(mine | theirs, universe) == first | second
    assert _members(mine - theirs, universe) == first - second
    assert _members(mine & theirs, universe) == first & second
    assert bool(mine & theirs) is bool(first & second)
    assert _members(mine, universe) == first and _members(theirs, universe) == second  # the operands unchanged
    copied, extra = mine.copy(), "\x00only in the copy"
    copied.add(extra)
    assert extra not in mine
    assert _members(copied, universe | {extra}) == first | {extra}
    assert (mine == theirs) is (first == second) and mine == mine.copy() and copied != mine
    mine.clear()
    assert len(mine) == 0 and not mine and not any(key in mine for key in first)
    assert mine.add("again") and "again" in mine


_OPS = st.lists(st.tuples(st.sampled_from(["add", "in", "clear"]), st.sampled_from(["a", "b", "é", "\ud800", ""])))


@given(_OPS)
def test_the_last_id_remembered_never_answers_for_one_it_does_not_hold(ops: list[tuple[str, str]]) -> None:
    # the same few ids asked again and again, the set cleared between: the one-id memory agrees with a Python set
    ids, reference = IdSet(capacity=4), set[str]()
    for op, key in ops:
        if op == "add":
            assert ids.add(key) == (key not in reference)
            reference.add(key)
        elif op == "in":
            assert (key in ids) == (key in reference)
        else:
            ids.clear()
            reference.clear()
        assert len(ids) == len(reference)


def test_a_copy_and_a_cleared_set_forget_the_last_id() -> None:
    ids = IdSet()
    assert ids.add("G-1") and "G-1" in ids
    ids.clear()
    assert "G-1" not in ids and ids.add("G-1")
    emptied = ids - ids
    assert "G-1" not in emptied and emptied.add("G-1")
