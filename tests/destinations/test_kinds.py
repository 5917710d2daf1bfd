"""The two kinds of destination: file publishers and item syncs, told apart by their class (never by the methods
they happen to have), and destinations that know nothing of channels."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from feedsync.config import (
    AmazonSpApiDestination,
    DirectoryDestination,
    MetaCatalogApiDestination,
    SftpDestination,
)
from feedsync.destinations import FilePublisher, ItemSync, open_destination
from tests.conftest import HEADER, row
from tests.destinations.gmc import gmc_config

DESTINATIONS = Path(__file__).resolve().parents[2] / "feedsync" / "destinations"


def test_file_publishers_and_item_syncs_are_each_one_kind(tmp_path: Path) -> None:
    secret = {"env": "FS_SECRET"}
    files = [
        open_destination(DirectoryDestination.model_validate({"type": "directory", "path": tmp_path})),
        open_destination(
            SftpDestination.model_validate({"type": "sftp", "host": "127.0.0.1", "username": "u", "password": secret})
        ),
    ]
    gmc = gmc_config(tmp_path, HEADER + row()).channels["google"].destination
    assert gmc is not None
    apis = [
        open_destination(gmc),
        open_destination(
            MetaCatalogApiDestination.model_validate(
                {"type": "meta_catalog_api", "catalog_id": "1", "access_token": secret}
            )
        ),
        open_destination(
            AmazonSpApiDestination.model_validate(
                {"type": "amazon_sp_api", "client_id": "c", "client_secret": secret, "refresh_token": secret}
            )
        ),
    ]
    for destination in files:
        assert isinstance(destination, FilePublisher) and not isinstance(destination, ItemSync)
    for destination in apis:
        assert isinstance(destination, ItemSync) and not isinstance(destination, FilePublisher)
        assert not hasattr(destination, "publish")  # no file method that could only refuse
    google, meta, amazon = apis
    assert [google.refresh_after, meta.refresh_after, amazon.refresh_after] == [timedelta(days=25), None, None]


def test_a_refresh_after_comes_from_the_destinations_refresh_days() -> None:
    secret = {"env": "FS_SECRET"}
    config = {"type": "meta_catalog_api", "catalog_id": "1", "access_token": secret, "refresh_days": 7}
    meta = open_destination(MetaCatalogApiDestination.model_validate(config))
    assert isinstance(meta, ItemSync) and meta.refresh_after == timedelta(days=7)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update([node.module, *(f"{node.module}.{alias.name}" for alias in node.names)])
    return found


@pytest.mark.parametrize("path", sorted(DESTINATIONS.glob("*.py")), ids=lambda p: p.name)
def test_destinations_import_nothing_of_channels(path: Path) -> None:
    """An item sync is handed the channel's encoder: no destination imports feedsync.channels (at any depth)."""
    crossing = sorted(
        name for name in _imports(path) if name == "feedsync.channels" or name.startswith("feedsync.channels.")
    )
    assert crossing == [], f"{path.name} imports {crossing}"
