"""Paths of the real files in ../shared/realdata; tests that need them skip cleanly when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED

REALDATA = SHARED / "realdata"

needs_realdata = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not beside the repo")


def real(relative: str) -> Path:
    return REALDATA / relative
