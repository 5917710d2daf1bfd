"""IdSet: a set of ids in 16 bytes each (duplicate ids and SKUs in a streamed catalog)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feedsync.idset import IdSet


def test_it_tells_new_ids_from_seen_ones_across_growth() -> None:
    ids = IdSet(capacity=16)
    assert all(ids.add(f"SKU-{n:07d}") for n in range(50_000))
    assert len(ids) == 50_000 and ids._slots >= 100_000  # grown, load at most one half
    assert not ids.add("SKU-0000000") and not ids.add("SKU-0049999")
    assert "SKU-0012345" in ids and "SKU-0050000" not in ids
    assert len(ids._table) == ids._slots * 16  # 16 bytes a slot, nothing per member beyond it


@given(st.lists(st.text(max_size=12), max_size=300))
def test_it_agrees_with_a_python_set(keys: list[str]) -> None:
    ids, reference = IdSet(capacity=4), set()
    for key in keys:
        assert ids.add(key) == (key not in reference)
        reference.add(key)
    assert len(ids) == len(reference)
    assert all(key in ids for key in reference)
