"""push-tracking on hostile shipments and a full disk: tabs and line breaks in fields, a shipment listed twice,
no space left in the confirmations folder."""

from __future__ import annotations

import csv
import errno
import os
import sqlite3
from pathlib import Path

import pytest

from feedsync.cli.app import app
from feedsync.orders.confirmation_file import FLAT_FILE_COLUMNS
from tests.hostile.tracking_shop import SHIPMENTS, make_shop, order_id, runner, tally, upload_files, write_shipments

ORDER = order_id(0)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inputs") / "shop"
    make_shop(folder)
    return folder


@pytest.fixture
def shop(base: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(base, tmp_path / "shop"))


def push(shop: Path, shipments: Path) -> object:
    return runner.invoke(app, ["push-tracking", "-c", str(shop / "feedsync.yaml"), "--shipments", str(shipments)])


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_tabs_and_line_breaks_in_fields_never_change_the_width_of_a_row(shop: Path) -> None:
    path = shop / "shipments.csv"
    path.write_text(
        SHIPMENTS + f'{ORDER},"Bob\'s\tVans","1Z\t001 ",2026-11-21,"Next\r\n day\r",SKU-1:1\n'
        f'{ORDER},UPS,"\t1Z002\n",2026-11-21,"a\tb  c",SKU-2:1\n',
        encoding="utf-8",
    )
    result = push(shop, path)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    [upload] = upload_files(shop)
    rows = read_back(upload)
    assert [len(row) for row in rows] == [len(FLAT_FILE_COLUMNS)] * 3
    assert rows[1][4:] == ["Other", "Bob's Vans", "1Z 001", "Next day"]
    assert rows[2][4:] == ["UPS", "", "1Z002", "a b  c"]


def test_a_shipment_listed_twice_is_one_package_and_a_warning_naming_both_rows(shop: Path) -> None:
    path = shop / "shipments.csv"
    path.write_text(
        SHIPMENTS + f"{ORDER},UPS,1ZA,2026-11-21,,SKU-1:1\n"  # row 2
        f"{ORDER},UPS,1ZB,2026-11-21,,SKU-2:1\n"  # row 3
        f"{ORDER},UPS,1ZA,2026-11-21,,SKU-1:1\n"  # row 4: row 2 again
        f"{ORDER},UPS,1ZB,2026-11-21,,SKU-3:1\n",  # row 5: more of row 3's package
        encoding="utf-8",
    )
    result = push(shop, path)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    warnings = [text for text in result.stderr.splitlines() if "ORD009" in text]  # type: ignore[attr-defined]
    assert len(warnings) == 2
    assert "row 4 repeats row 2, the same package" in warnings[0]
    assert "row 5 repeats row 3, with other items" in warnings[1]
    rows = read_back(upload_files(shop)[0])[1:]
    assert [(row[1], row[2], row[6]) for row in rows] == [
        ("000001", "1", "1ZA"),
        ("000002", "1", "1ZB"),
        ("000003", "1", "1ZB"),
    ]
    with sqlite3.connect(shop / ".feedsync" / "state.sqlite") as db:
        refs = db.execute("SELECT tracking, package_ref, state FROM shipments ORDER BY tracking").fetchall()
    assert refs == [("1ZA", "1", "confirmed"), ("1ZB", "2", "confirmed")]


def test_a_full_disk_is_a_clean_error_that_confirms_nothing_and_the_next_run_writes_it_all(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipments = [(ORDER, "1ZA", "SKU-1:1"), (ORDER, "1ZB", "SKU-2:1"), (order_id(1), "1ZC", "")]
    path = write_shipments(shop / "shipments.csv", shipments)

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    result = push(shop, path)
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert "No space left on device" in result.stderr and "Traceback" not in result.output  # type: ignore[attr-defined]
    assert "3 package(s) are written on the next run" in result.stderr  # type: ignore[attr-defined]
    assert not list((shop / "outgoing").iterdir())  # no file, no temp file
    with sqlite3.connect(shop / ".feedsync" / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM shipments WHERE state = 'confirmed'").fetchone() == (0,)
    monkeypatch.undo()
    # space freed; the next run writes the three packages even from a shipments file that no longer lists them
    again = push(shop, write_shipments(shop / "none.csv", []))
    assert again.exit_code == 0, again.output  # type: ignore[attr-defined]
    assert tally(shop, shipments) == (0, 0)
    assert len(read_back(upload_files(shop)[0])) == 1 + 2 + 3  # header, 1ZA and 1ZB one line each, 1ZC whole order
