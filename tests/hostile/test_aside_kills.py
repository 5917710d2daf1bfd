"""A build killed after it put a feed it replaces aside (``atomic._put_aside``: a second name for the old file) and
before its rename: the feed stays whole under its name, and the next build removes the second name and writes its
feeds. Also for a row split, whose stitch renames the feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.faults import KILLED
from tests.hostile.test_rows_kills import run_script, write_catalog
from tests.rows_compare import files, write_config

ASIDE_ALWAYS = (
    "import runpy, sys; import feedsync.atomic as atomic, feedsync.rows as rows; atomic.ASIDE = 1; "
    "rows.MIN_ROWS = 1; sys.argv[0] = 'feedsync'; runpy.run_module('feedsync', run_name='__main__')"
)
"""``python -m feedsync`` putting aside every file it replaces (the catalog's feeds here are a few kilobytes), with a
share of any size."""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_killed_between_putting_a_feed_aside_and_its_rename_leaves_it_whole(tmp_path: Path, jobs: str) -> None:
    write_config(tmp_path, "products.csv", max_messages=10)
    write_catalog(tmp_path, "10.00")
    args = ["build", "--validate", "--jobs", jobs]
    assert run_script(ASIDE_ALWAYS, tmp_path, args).returncode == 0
    before = files(tmp_path / "out")
    write_catalog(tmp_path, "12.00")
    killed = run_script(ASIDE_ALWAYS, tmp_path, args, fault="atomic.aside:2")  # the second feed's
    assert killed.returncode == KILLED, killed.stderr
    left = {name: data for name, data in files(tmp_path / "out").items() if name.startswith(".")}
    kept = [name for name in left if name.endswith(".tmp") and left[name] in before.values()]
    assert kept, left  # the second name of a feed it was about to replace: the feed's bytes as they were
    feeds = {name: data for name, data in files(tmp_path / "out").items() if not name.startswith(".")}
    renamed = [name for name in feeds if feeds[name] != before[name]]
    assert len(renamed) == 1 and feeds.keys() == before.keys()  # one feed replaced before the kill; the rest whole
    again = run_script(ASIDE_ALWAYS, tmp_path, args)
    assert again.returncode == 0, again.stderr
    after = files(tmp_path / "out")
    assert after.keys() == before.keys() and after["google.xml"] != before["google.xml"]  # the new prices
    assert [path.name for path in (tmp_path / "out").iterdir() if path.name.startswith(".")] == []
