"""The README documents what the code registers."""

from __future__ import annotations

from feedsync.diagnostics import CODES
from tests.conftest import REPO


def test_every_diagnostic_code_is_in_the_readme_with_its_name_and_severity() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for info in CODES.values():
        assert f"| {info.code} | {info.name} | {info.severity.value} |" in readme, info.code


def test_every_code_has_a_doc_text() -> None:
    for info in CODES.values():
        assert len(info.doc) > 40, info.code
