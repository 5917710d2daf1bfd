"""Characters Python calls digits that ``int`` refuses (superscripts: ``²``) in a GTIN, a Shopify image position
or a unix-seconds date are bad values the user is told about, never an internal error (exit 70)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from feedsync.checks import gtin_problem
from tests.conftest import SHARED
from tests.hostile.killing import run_feedsync

INTERNAL = 70


@pytest.mark.parametrize("gtin", ["400638133393²", "²²²²²²²²", "4006381333931", "٤٠٠٦٣٨١٣٣٣٩٣١"])
def test_gtin_check_names_superscripts_and_keeps_decimal_digits(gtin: str) -> None:
    problem = gtin_problem(gtin)
    if "²" in gtin:
        assert problem == f"gtin {gtin!r} has characters other than digits"
    else:
        assert problem is None  # Arabic-Indic digits are decimal digits: int() reads them, as before


def test_a_catalog_with_a_superscript_gtin_is_a_finding(tmp_path: Path) -> None:
    (tmp_path / "products.csv").write_text(
        "id,title,price,link,image_link,gtin,brand,availability\n"
        "A-1,Mug,9.50 EUR,https://shop.example/a,https://shop.example/a.jpg,400638133393²,Acme,in stock\n",
        encoding="utf-8",
    )
    done = run_feedsync("validate", "--source", "products.csv", "--channel", "google_merchant", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "GMC008" in done.stdout + done.stderr and "other than digits" in done.stdout + done.stderr


def test_a_shopify_image_position_in_superscript_is_read(tmp_path: Path) -> None:
    export = SHARED / "realdata" / "shopify" / "rosarose-products_export_1.csv"
    if not export.is_file():
        pytest.skip("../shared is absent")
    with export.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    position = rows[0].index("Image Position")
    changed = next(i for i, row in enumerate(rows[1:], start=1) if row[position].strip())
    rows[changed][position] = "²"
    with (tmp_path / "products_export.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    done = run_feedsync(
        "build", "--source", "products_export.csv", "--channel", "google_merchant", "--out", "out", cwd=tmp_path
    )
    assert done.returncode in (0, 1) and done.returncode != INTERNAL, done.stderr
    assert (tmp_path / "out" / "google_merchant.xml").is_file()
