"""Hostile shipments files for ``push-tracking``: each case asserts the exit code, that no traceback reaches the
user, and that every data row ends in the upload file (as its tracking number) or in a finding naming its row."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from feedsync.cli.app import app
from tests.hostile.tracking_shop import SHIPMENTS, make_shop, order_id, runner, upload_files

GOOD = f"{order_id(0)},UPS,1ZGOOD,2026-11-21T10:00:00Z,Ground,SKU-1:1\n"
"""Row 2 of every CSV case: a shipment that must be confirmed whatever follows it."""
O1, O2 = order_id(1), order_id(2)

# (id, file name, content, exit code, {row: tracking number written | None for "named in a finding"})
CASES: list[tuple[str, str, bytes | str, int, dict[int, str | None]]] = [
    ("only the good row", "s.csv", SHIPMENTS + GOOD, 0, {2: "1ZGOOD"}),
    ("empty order id", "s.csv", SHIPMENTS + GOOD + ",UPS,1Z3,2026-11-21,,\n", 1, {2: "1ZGOOD", 3: None}),
    ("empty carrier", "s.csv", SHIPMENTS + GOOD + f"{O1},,1Z3,2026-11-21,,\n", 1, {2: "1ZGOOD", 3: None}),
    ("empty tracking", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,,2026-11-21,,\n", 1, {2: "1ZGOOD", 3: None}),
    ("ship date not a date", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z3,yesterday,,\n", 1, {2: "1ZGOOD", 3: None}),
    ("ship date year 1", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z3,0001-01-01,,\n", 1, {2: "1ZGOOD", 3: None}),
    (
        "ship date year 9999 with offset",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,9999-12-31T23:00:00-05:00,,\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    ("ship date year 10000", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z3,10000-01-01,,\n", 1, {2: "1ZGOOD", 3: None}),
    (
        "unknown order",
        "s.csv",
        SHIPMENTS + GOOD + "999-0000000-0000000,UPS,1Z3,2026-11-21,,\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    ("unknown item", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,NOPE:1\n", 1, {2: "1ZGOOD", 3: None}),
    ("quantity zero", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:0\n", 1, {2: "1ZGOOD", 3: None}),
    (
        "quantity negative",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:-2\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    (
        "quantity 10^30",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:{10**30}\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    (
        "quantity not a number",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:abc\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    (
        "more shipped than ordered",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:5\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    ("the same row twice", "s.csv", SHIPMENTS + GOOD + GOOD, 0, {2: "1ZGOOD", 3: None}),
    ("a short row", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS\n", 1, {2: "1ZGOOD", 3: None}),
    (
        "a long row",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,SKU-1:1,extra,cells\n",
        0,
        {2: "1ZGOOD", 3: "1Z3"},
    ),
    (
        "blank lines between rows",
        "s.csv",
        SHIPMENTS + "\n" + GOOD + "\n\n" + f"{O1},UPS,1Z3,2026-11-21,,\n",
        0,
        {3: "1ZGOOD", 6: "1Z3"},
    ),
    (
        "CRLF line ends",
        "s.csv",
        (SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,,\n").replace("\n", "\r\n"),
        0,
        {2: "1ZGOOD", 3: "1Z3"},
    ),
    ("a BOM", "s.csv", "\ufeff" + SHIPMENTS + GOOD, 0, {2: "1ZGOOD"}),
    (
        "a quote never closed",
        "s.csv",
        SHIPMENTS + GOOD + f'{O1},UPS,"1Z3,2026-11-21,,\n{O2},UPS,1Z4,2026-11-21,,\n',
        2,
        {},
    ),
    ("a NUL byte", "s.csv", SHIPMENTS + GOOD + f"{O1},UPS,1Z\x003,2026-11-21,,\n", 1, {2: "1ZGOOD", 3: None}),
    (
        "control characters in the tracking number",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,1Z\x073,2026-11-21,,\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    (
        "a 100k-character tracking number",
        "s.csv",
        SHIPMENTS + GOOD + f"{O1},UPS,{'9' * 100_000},2026-11-21,,\n",
        1,
        {2: "1ZGOOD", 3: None},
    ),
    (
        "not UTF-8",
        "s.csv",
        (SHIPMENTS + GOOD + f"{O1},UPS,1Z3,2026-11-21,Stra\xdfe,\n").encode("cp1252"),
        0,
        {2: "1ZGOOD", 3: "1Z3"},
    ),
    ("empty file", "s.csv", b"", 2, {}),
    ("header only", "s.csv", SHIPMENTS, 0, {}),
    ("a column missing", "s.csv", "order_id,carrier,ship_date\n" + f"{O1},UPS,2026-11-21\n", 2, {}),
    ("semicolons", "s.csv", SHIPMENTS.replace(",", ";") + GOOD.replace(",", ";"), 0, {2: "1ZGOOD"}),
    ("binary garbage", "s.csv", bytes(range(256)) * 4, 2, {}),
    (
        "JSON",
        "s.json",
        f'[{{"order_id": "{order_id(0)}", "carrier": "UPS", "tracking_number": "1ZGOOD", "ship_date": "2026-11-21"}}]',
        0,
        {1: "1ZGOOD"},
    ),
    ("JSON not a list", "s.json", '{"order_id": "x"}', 2, {}),
    ("JSON with a scalar", "s.json", "[1, 2]", 2, {}),
    ("JSON not well formed", "s.json", '[{"order_id": ', 2, {}),
    ("JSON nested too deep", "s.json", "[" * 100_000 + "]" * 100_000, 2, {}),
    (
        "JSON items not a list",
        "s.json",
        f'[{{"order_id": "{O1}", "carrier": "UPS", "tracking_number": "1Z3", '
        '"ship_date": "2026-11-21", "items": {"id": 1}}]',
        1,
        {1: None},
    ),
    (
        "JSON quantity a float",
        "s.json",
        f'[{{"order_id": "{O1}", "carrier": "UPS", "tracking_number": "1Z3", '
        '"ship_date": "2026-11-21", "items": [{"id": "SKU-1", "quantity": 1.5}]}]',
        1,
        {1: None},
    ),
    (
        "JSON quantity true",
        "s.json",
        f'[{{"order_id": "{O1}", "carrier": "UPS", "tracking_number": "1Z3", '
        '"ship_date": "2026-11-21", "items": [{"id": "SKU-1", "quantity": true}]}]',
        1,
        {1: None},
    ),
    (
        "JSON order id an object",
        "s.json",
        '[{"order_id": {"a": 1}, "carrier": "UPS", "tracking_number": "1Z3", "ship_date": "2026-11-21"}]',
        1,
        {1: None},
    ),
]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shipments") / "shop"
    make_shop(folder)
    return folder


def _written(shop: Path) -> list[str]:
    """The tracking number of each package in the upload files (a package has a row per order item)."""
    packages = {
        (path.name, *line.split("\t")[::6][:2])
        for path in upload_files(shop)
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
    }
    return [tracking for _, _, tracking in packages]


@pytest.mark.parametrize(("name", "content", "exit_code", "rows"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_shipment_row_is_confirmed_or_named(
    base: Path, tmp_path: Path, name: str, content: bytes | str, exit_code: int, rows: dict[int, str | None]
) -> None:
    shop = Path(shutil.copytree(base, tmp_path / "shop"))
    path = shop / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    result = runner.invoke(app, ["push-tracking", "-c", str(shop / "feedsync.yaml"), "--shipments", str(path)])
    output = result.output
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.exit_code == exit_code, output
    if exit_code == 2:
        assert f"{path}" in output, output  # the refusal names the file
        assert _written(shop) == []
        return
    named = {int(row) for row in re.findall(re.escape(str(path)) + r":(\d+)", output)}
    written = _written(shop)
    for row, tracking in rows.items():
        if tracking is None:
            assert row in named, f"row {row} is neither confirmed nor named:\n{output}"
        else:
            assert written.count(tracking) == 1, (row, written, output)
    assert len(written) == sum(1 for t in rows.values() if t is not None)
