"""The shares' processes divide the cores for Polars' own threads: set while they are made (none has imported Polars
yet), as the user set it when they did, and the environment as it was afterwards."""

from __future__ import annotations

import importlib
import os
import sys

import pytest

rows = importlib.import_module("feedsync.rows")


@pytest.mark.parametrize(("cores", "shares", "threads"), [(2, 2, "1"), (8, 2, "4"), (4, 3, "1"), (1, 4, "1")])
def test_each_share_takes_its_part_of_the_cores(
    cores: int, shares: int, threads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    monkeypatch.setattr(rows.os, "cpu_count", lambda: cores)
    with rows._polars_threads(shares):
        assert os.environ["POLARS_MAX_THREADS"] == threads
    assert "POLARS_MAX_THREADS" not in os.environ


def test_what_the_user_set_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLARS_MAX_THREADS", "3")
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    with rows._polars_threads(2):
        assert os.environ["POLARS_MAX_THREADS"] == "3"
    assert os.environ["POLARS_MAX_THREADS"] == "3"


def test_nothing_is_set_once_polars_is_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its threads are made at its import: a setting then would say what is not so."""
    import polars  # noqa: F401

    monkeypatch.delenv("POLARS_MAX_THREADS", raising=False)
    with rows._polars_threads(2):
        assert "POLARS_MAX_THREADS" not in os.environ
