"""An item the Amazon channel's rules find an error in is left out even where the run ignores that finding (a row's
``feedsync_ignore``, ``--ignore``): the encoder has nothing to list it under (AMZ001: no product type). It is counted
rejected, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedsync import pipeline
from feedsync.config import load_config
from feedsync.diagnostics.gate import Selection
from tests.columnar.test_gate import HEADER, write_catalog
from tests.columnar.test_gate_amazon import DEFINITIONS, _config, _families


@pytest.mark.parametrize("how", ["column", "selection"])
@pytest.mark.parametrize("command", ["build", "validate"])
def test_an_ignored_error_leaves_the_item_out(tmp_path: Path, how: str, command: str) -> None:
    if not DEFINITIONS.is_dir():
        pytest.skip("../shared is not beside the project")
    _config(tmp_path, definitions=True)
    rows = _families(8)
    rows[3]["product_type"] = "Nothing Mapped"  # no Amazon product type (AMZ001), none by default
    for row in rows:
        row["feedsync_ignore"] = "AMZ001" if how == "column" else ""
    write_catalog(tmp_path / "products.csv", rows, header=[*HEADER, "feedsync_ignore"])
    selection = Selection.parse(ignore=["AMZ001"]) if how == "selection" else None
    options = {"out_dir": tmp_path / "out"} if command == "build" else {}
    report = pipeline.run(load_config(tmp_path / "feedsync.yaml"), command, jobs=1, selection=selection, **options)
    amazon = report.channels["amazon"]
    assert (amazon.items, amazon.excluded, amazon.rejected) == (7, 0, 1)
    assert "AMZ001" not in {d.code for d in report.diagnostics}
    if command == "build":
        assert b"SKU-3" not in (tmp_path / "out" / "amazon.json").read_bytes()
