"""Supplement files: read as the catalog is, their findings naming their own settings."""

from __future__ import annotations

from pathlib import Path

from feedsync.config import SupplementConfig
from feedsync.diagnostics import Diagnostic
from feedsync.supplements import load_supplements


def test_a_supplement_not_utf8_is_read_as_cp1252_and_the_warning_names_its_own_encoding(tmp_path: Path) -> None:
    (tmp_path / "stock.csv").write_bytes("id,store_code,quantity\nA1,München,3\n".encode("cp1252"))
    (tmp_path / "labels.csv").write_text("id,custom_label_0\nA1,sale\n", encoding="utf-8")
    configs = [
        SupplementConfig.model_validate({"path": tmp_path / "labels.csv"}),
        SupplementConfig.model_validate({"path": tmp_path / "stock.csv", "as": "stores"}),
    ]
    found: list[Diagnostic] = []
    _, stock = load_supplements(configs, found.append)
    assert stock.rows["A1"][0][1]["store_code"] == "München"
    assert [(d.code, d.message) for d in found] == [
        ("SRC003", "not valid UTF-8 (byte 27); read as cp1252. Set supplements[1].encoding if that is wrong")
    ]
