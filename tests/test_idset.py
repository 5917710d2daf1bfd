"""IdSet: a set of ids in about 15 bytes a member (duplicate ids and SKUs in a streamed catalog)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedsync import idset
from feedsync.idset import SLOT, IdSet, _holds, digest


def test_it_tells_new_ids_from_seen_ones() -> None:
    ids = IdSet()
    assert all(ids.add(f"SKU-{n:07d}") for n in range(50_000))
    assert len(ids) == 50_000
    assert not ids.add("SKU-0000000") and not ids.add("SKU-0049999")
    assert "SKU-0012345" in ids and "SKU-0050000" not in ids
    # 12 bytes a member in the shards, nothing per member beyond them
    assert ids.nbytes == SLOT * len(ids)


@pytest.mark.parametrize("count", [0, 100, 5_000, 40_000])
def test_its_shards_are_as_many_as_its_members_need(count: int) -> None:
    # the memory follows the ids held: a small set has few shards, a large one about FULL / 2 to FULL a shard
    ids = IdSet()
    for n in range(count):
        ids.add(f"SKU-{n:07d}")
    assert len(ids._shards) == max(1 << idset.FIRST, 1 << (max(0, count - 1) // idset.FULL).bit_length())
    assert len(ids._shards) * idset.FULL // 2 <= max(count, idset.FULL << idset.FIRST)
    held = sys.getsizeof(ids._shards) + sum(map(sys.getsizeof, {id(s): s for s in ids._shards}.values()))
    assert held < 18 * count + 8192


@given(st.lists(st.text(max_size=8), max_size=400), st.integers(1, 4))
def test_a_set_that_doubles_its_shards_keeps_every_id(keys: list[str], full: int) -> None:
    # shards made to double every few ids (from two of them up to the most): the set agrees with a Python set
    # before, during and after, and a copy and the set algebra too
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idset, "FIRST", 1)
        patch.setattr(idset, "FULL", full)
        ids, reference = IdSet(), set[str]()
        for key in keys:
            assert ids.add(key) == (key not in reference)
            reference.add(key)
            assert len(ids) == len(reference) and key in ids
        absent = {f"\x00{key}" for key in reference} - reference  # ('\x00' + '' may be one of the ids)
        assert all(key in ids for key in reference) and not any(key in ids for key in absent)
        # asked by digest alone (a share's SKUs against the shares' before it), the first SLOT bytes or the whole
        assert all(ids.has_digest(digest(key)) and ids.has_digest(digest(key)[:SLOT]) for key in reference)
        assert not any(ids.has_digest(digest(key)) for key in absent)
        assert ids.nbytes == SLOT * len(reference)
        assert len(ids._shards) == max(2, 1 << min(idset.BITS, (max(0, len(reference) - 1) // full).bit_length()))
        other = IdSet()
        for key in keys[::2]:
            other.add(key)
        assert not (other - ids) and len(ids & other) == len(other) and (ids | other) == ids == ids.copy()


def test_a_match_across_two_members_is_not_a_member() -> None:
    first, second = bytes(range(1, 13)), bytes(range(101, 113))
    shard = bytearray(first + second)
    assert _holds(shard, first) and _holds(shard, second)
    assert not _holds(shard, first[6:] + second[:6])  # the bytes are there, straddling two members
    assert _holds(shard + first[6:] + second[:6], first[6:] + second[:6])  # and found when it is one


def test_ids_in_the_same_shard_are_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    # every id's digest made to pick one shard: each is found among the others, and none answers for another
    monkeypatch.setattr(idset, "digest", lambda key: b"\x07\x07" + digest(key)[2:])
    monkeypatch.setattr(idset, "FULL", 1)  # and the shards doubled as they would be for a set that large
    ids = IdSet()
    assert all(ids.add(f"id-{n}") and not ids.add(f"id-{n}") for n in range(2000))
    assert all(f"id-{n}" in ids for n in range(2000)) and not any(f"id-{n}" in ids for n in range(2000, 4000))
    assert len(ids) == 2000 and ids.nbytes == SLOT * 2000 == len(ids._shards[0x0707 >> ids._shift])
    other = IdSet()
    assert other.add("id-1999") and other.add("id-2000")
    assert not ids.isdisjoint(other) and len(ids - other) == 1999 and len(ids & other) == 1
    ids.update(other)
    assert len(ids) == 2001 and "id-2000" in ids


@given(st.lists(st.text(max_size=12), max_size=300))
def test_it_agrees_with_a_python_set(keys: list[str]) -> None:
    ids, reference = IdSet(), set()
    for key in keys:
        assert ids.add(key) == (key not in reference)
        reference.add(key)
    assert len(ids) == len(reference)
    assert all(key in ids for key in reference)


@given(st.sets(st.text(max_size=6), max_size=80), st.sets(st.text(max_size=6), max_size=80))
def test_disjoint_and_update_agree_with_python_sets(first: set[str], second: set[str]) -> None:
    a, b = IdSet(), IdSet()
    for key in first:
        a.add(key)
    for key in second:
        b.add(key)
    assert a.isdisjoint(b) == first.isdisjoint(second) == b.isdisjoint(a)
    a.update(b)
    assert len(a) == len(first | second)
    a.update(a)  # with itself: the same set
    assert len(a) == len(first | second)
    assert all(key in a for key in first | second)
    assert all(a.add(key) == (key not in first | second) for key in ["new-1", "new-2", *second])


@given(
    st.sets(st.text(max_size=6), max_size=300),
    st.sets(st.text(max_size=6), max_size=30),
    st.sets(st.text(max_size=6), max_size=5),
)
def test_sets_of_different_shard_counts_are_disjoint_as_python_sets(
    large: set[str], small: set[str], common: set[str]
) -> None:
    # shards that double every few ids: the two sets have different numbers of them, and a member of both is in a
    # shard of each that the other's shard is split into (or is the union of)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idset, "FIRST", 1)
        patch.setattr(idset, "FULL", 2)
        a, b = IdSet(), IdSet()
        for key in large | common:
            a.add(key)
        for key in small | common:
            b.add(key)
        expected = (large | common).isdisjoint(small | common)
        assert a.isdisjoint(b) == b.isdisjoint(a) == expected


@given(
    st.sets(st.text(max_size=6), max_size=300),
    st.sets(st.text(max_size=6), max_size=300),
    st.sets(st.text(max_size=6), max_size=5),
)
def test_sets_of_different_shard_counts_are_united_as_python_sets(
    first: set[str], second: set[str], common: set[str]
) -> None:
    """``update`` a shard at a time (a row split's merge of each share's ids): into a set of more shards than the
    other's, of fewer, or as many; every member in the shard its leading bits pick, and no more members."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idset, "FIRST", 1)
        patch.setattr(idset, "FULL", 2)
        a, b = IdSet(), IdSet()
        for key in first | common:
            a.add(key)
        for key in second | common:
            b.add(key)
        before = b.copy()
        a.update(b)
        assert b == before
        assert _members(a, first | second | common | {"absent"}) == first | second | common
        for index, shard in enumerate(a._shards):
            assert all(a._index(bytes(shard[at : at + idset.SLOT])) == index for at in range(0, len(shard), idset.SLOT))
        assert len(a) <= idset.FULL << a._bits or a._bits == idset.BITS
        assert all(a.add(key) == (key not in first | second | common) for key in ["new-1", *second])


def test_a_member_of_a_set_of_many_shards_and_one_of_few_is_found() -> None:
    many, few = IdSet(), IdSet()
    for n in range(40_000):
        many.add(f"SKU-{n:07d}")
    for n in (-1, -2, 39_999):
        few.add(f"SKU-{n:07d}")
    assert many._bits > few._bits
    assert not many.isdisjoint(few) and not few.isdisjoint(many)
    few = IdSet()
    for n in range(40_000, 40_100):
        few.add(f"SKU-{n:07d}")
    assert many.isdisjoint(few) and few.isdisjoint(many)


def _members(ids: IdSet, universe: set[str]) -> set[str]:
    """The keys of ``universe`` that ``ids`` holds (and no more members than those)."""
    found = {key for key in universe if key in ids}
    assert len(ids) == len(found)
    return found


@given(st.sets(st.text(max_size=6), max_size=60), st.sets(st.text(max_size=6), max_size=60))
def test_set_algebra_agrees_with_python_sets(first: set[str], second: set[str]) -> None:
    """What the row split asks of the Amazon parents written (union, difference, intersection, a copy, emptying):
    the same members as Python's sets, and the operands left as they were."""
    mine, theirs = IdSet(), IdSet()
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
    ids, reference = IdSet(), set[str]()
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


@given(st.lists(st.tuples(st.text(max_size=6), st.booleans()), max_size=60))
def test_an_id_added_with_its_digest_is_added_as_without(ids: list[tuple[str, bool]]) -> None:
    """``add(key, digest(key))`` (a caller that hashed the id once for two sets) answers and holds what
    ``add(key)`` does."""
    given_digests, plain = IdSet(), IdSet()
    for key, hashed in ids:
        assert given_digests.add(key, digest(key) if hashed else None) == plain.add(key)
    assert given_digests == plain and given_digests.nbytes == plain.nbytes
    assert all(key in given_digests for key, _ in ids)


@given(st.lists(st.text(max_size=8), max_size=40), st.lists(st.text(max_size=8), max_size=40))
def test_holds_of_a_digest_answers_as_in(members: list[str], asked: list[str]) -> None:
    ids = IdSet()
    for key in members:
        ids.add(key, digest(key))
    for key in [*asked, *members]:
        assert ids.holds(key, digest(key)) == (key in members) == (key in ids)


@given(st.lists(st.tuples(st.text(max_size=6), st.booleans()), max_size=300), st.integers(1, 4))
def test_a_vacancy_filled_adds_the_id_and_one_not_filled_adds_nothing(steps: list[tuple[str, bool]], full: int) -> None:
    # the columnar gate's replay asks where an id would go, then adds it there only once its other checks pass: the
    # set agrees with a Python set, through doublings of its shards
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(idset, "FIRST", 1)
        patch.setattr(idset, "FULL", full)
        ids, reference = IdSet(), set[str]()
        for key, adds in steps:
            vacancy = ids.vacancy(key, digest(key) if adds else None)
            assert (vacancy is None) == (key in reference)
            if vacancy is not None and adds:
                ids.fill(key, vacancy)
                reference.add(key)
            assert len(ids) == len(reference) and all(k in ids for k in reference)
            assert ids.add(key) == (key not in reference)  # and what add says agrees
            reference.add(key)
        assert ids.nbytes == SLOT * len(reference)
