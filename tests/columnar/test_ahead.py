"""What a later share of a row split reads of the file before its rows (``columnar.ahead``), a piece at a time whatever
the pieces' size: the ids of a share's rows the records before it hold, and a family in two shares (the split runs
that use them: tests/columnar/test_gate_shares.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.channels.base import Unsurveyed
from feedsync.columnar import ahead
from feedsync.rows.cuts import cut
from tests.columnar.test_gate import HEADER, write_catalog
from tests.columnar.test_gate_amazon import _families


def _shares(path: Path) -> list:
    return cut(path, ",", 3, group_of=lambda names: names.index("group_id"), encoding="utf-8")


def _guesses(shares: list, group: int | None) -> list[frozenset[str] | str]:
    found: list[frozenset[str] | str] = []
    for index in range(1, len(shares)):
        try:
            found.append(ahead.read_ahead(shares, index, HEADER.index("id"), group))
        except Unsurveyed as exc:
            found.append(str(exc))
    return found


@pytest.mark.parametrize("piece", [64, 4096, ahead.PIECE])
def test_the_ids_a_share_s_rows_share_with_the_records_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int
) -> None:
    rows = _families(240)
    for number, earlier in {100: 3, 101: 3, 170: 60, 230: 120}.items():
        rows[number]["id"] = rows[earlier]["id"]
    rows[200]["id"] = f" {rows[200]['id']} "
    rows[5]["description"] = "Line one\nline two"
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    shares = _shares(tmp_path / "products.csv")
    assert len(shares) == 3
    monkeypatch.setattr(ahead, "PIECE", piece)  # (64: a record or two a piece, the value over several lines whole)
    found = _guesses(shares, None)
    bounds = [share.first_row - 2 for share in shares] + [len(rows)]  # (each share's records: rows from the second)
    expected = [
        frozenset(
            row["id"].strip()
            for row in rows[bounds[index] : bounds[index + 1]]
            if row["id"].strip() in {earlier["id"].strip() for earlier in rows[: bounds[index]]}
        )
        for index in (1, 2)
    ]
    assert found == expected and all(expected), (found, expected)


@pytest.mark.parametrize("piece", [1000, ahead.PIECE])
def test_a_family_in_two_shares_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, piece: int) -> None:
    rows = _families(240)
    rows.append(dict(rows[10], id="moved"))
    write_catalog(tmp_path / "products.csv", rows, header=HEADER)
    shares = _shares(tmp_path / "products.csv")
    monkeypatch.setattr(ahead, "PIECE", piece)
    guesses = _guesses(shares, HEADER.index("group_id"))
    family = rows[10]["group_id"]
    assert guesses[0] == frozenset()  # (the second share holds none of it)
    assert guesses[1] == f"family {family!r} is in two shares (rows 10 and 242)", guesses
