"""A build whose Google RSS and Meta CSV feeds span several of the written files' buffers (``atomic.BUFFER``), killed
where each feed's temp file is complete but not yet renamed into place (``atomic.written``): the temp file holds the
whole feed a clean build writes (the buffered bytes went to the file before it was closed), no feed is put in place
half written, and a rerun writes the clean build's feeds."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lxml import etree

from feedsync.atomic import BUFFER
from feedsync.channels.google.spec import NAMESPACE
from feedsync.faults import KILLED
from tests.hostile.catalogs import goods, native_csv
from tests.hostile.killing import points_passed, run_feedsync

CONFIG = """source: {path: products.csv, currency: USD, base_url: https://shop.example.com}
channels:
  google: {profile: google_merchant}
  facebook: {profile: facebook}
"""
FEEDS = ("google.xml", "facebook.csv")
LONG = "Soft merino wool tee, knitted in Portugal: café-grade wool & < 20 µm fibres. " * 12


def _catalog(folder: Path) -> None:
    products = goods(700, {n: {"description": f"{LONG} Tee number {n}"} for n in range(700)})
    (folder / "products.csv").write_text(native_csv(products), encoding="utf-8")
    (folder / "feedsync.yaml").write_text(CONFIG, encoding="utf-8")


def test_a_build_killed_where_a_feed_is_complete_but_not_in_place(tmp_path: Path) -> None:
    _catalog(tmp_path)
    build = ("build", "-c", "feedsync.yaml")
    clean = run_feedsync(*build, "--out", "clean", cwd=tmp_path)
    assert clean.returncode == 0, clean.stderr
    expected = {name: (tmp_path / "clean" / name).read_bytes() for name in FEEDS}
    assert all(len(data) > 2 * BUFFER for data in expected.values())  # each feed spans several blocks
    items = etree.fromstring(expected["google.xml"]).findall("channel/item")
    assert [item.findtext(f"{{{NAMESPACE}}}id") for item in items] == [f"SKU-{n}" for n in range(1, 701)]
    rows = list(csv.reader(io.StringIO(expected["facebook.csv"].decode("utf-8"))))
    assert [row[0] for row in rows[1:]] == [f"SKU-{n}" for n in range(1, 701)]
    points = points_passed(*build, "--out", "out", cwd=tmp_path)
    assert points.count("atomic.written") == len(FEEDS)
    for feed in FEEDS:
        assert (tmp_path / "out" / feed).read_bytes() == expected[feed]
    for kill in range(1, len(FEEDS) + 1):
        out = tmp_path / f"killed{kill}"
        killed = run_feedsync(*build, "--out", out.name, cwd=tmp_path, fault=f"atomic.written:{kill}")
        assert killed.returncode == KILLED, killed.stderr
        in_place = [name for name in FEEDS if (out / name).exists()]
        assert len(in_place) == kill - 1  # the feeds renamed before the kill; none half written
        for name in in_place:
            assert (out / name).read_bytes() == expected[name]
        complete = [
            name for name in FEEDS for temp in out.glob(f".{name}.*.tmp") if temp.read_bytes() == expected[name]
        ]
        assert len(complete) == 1 and complete[0] not in in_place  # the one killed at its rename: whole
        rerun = run_feedsync(*build, "--out", out.name, cwd=tmp_path)
        assert rerun.returncode == 0, rerun.stderr
        for name in FEEDS:
            assert (out / name).read_bytes() == expected[name]
