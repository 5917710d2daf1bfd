"""Paths of the real files in ../shared/realdata; tests that need them skip cleanly when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

REALDATA = SHARED / "realdata"

needs_realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not beside the repo")


def real(relative: str) -> Path:
    return REALDATA / relative


def names_no_catalog_column(path: Path) -> bool:
    """Whether ``path``, read as a native table (CSV, TSV), has a header naming no id, title or price column: no
    catalog of feedsync's format (a PrestaShop import file, BigCommerce's list of carriers), which the reader
    refuses."""
    from feedsync.config import SourceConfig
    from feedsync.errors import FeedsyncError
    from feedsync.sources.base import field_for, resolve_format
    from feedsync.sources.tabular import open_table

    try:
        if resolve_format(SourceConfig(path=path)) not in ("csv", "tsv"):
            return False
    except (FeedsyncError, ValueError, OSError):  # (a file feedsync reads as no format at all: not this case)
        return False
    with open_table(SourceConfig(path=path)) as table:
        return not {"id", "title", "price"} & {field_for(name, {}) for name in table.header}
