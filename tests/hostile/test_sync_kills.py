"""Kill ``feedsync push`` to an API destination between a batch the destination applied and the state write that
records it (feedsync.faults), then push again: the catalog the destination holds must be exactly the source's
(nothing lost, nothing stale, each item's last data), and the state must say what the destination holds.

The destination is a stand-in for Meta's Catalog Batch API on loopback, keeping the catalog it is sent:
``items_batch`` applies CREATE/UPDATE as upserts and DELETE as a removal (a delete of an item it does not hold is
not an error), and ``check_batch_request_status`` reports every batch finished."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs

import pytest
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.faults import KILLED
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.loopback import JsonHandler, serving

HEADER = "id,title,description,link,image_link,price,availability,brand,condition\n"
ENV = {"FS_META_TOKEN": "meta-token"}
runner = CliRunner(env=ENV)


def catalog(ids: range, price: str, changed: range = range(0)) -> str:
    return HEADER + "".join(
        f"P{n},Tee {n},Soft tee,https://s.example/p{n},https://s.example/p{n}.jpg,"
        f"{'12.00' if n in changed else price},in stock,Acme,new\n"
        for n in ids
    )


V1 = catalog(range(10), "10.00")
V2 = catalog(range(3, 14), "10.00", changed=range(3, 6))  # P0-P2 gone, P3-P5 dearer, P10-P13 new


class Catalog(JsonHandler):
    items: ClassVar[dict[str, dict[str, Any]]] = {}
    batches = 0

    def do_POST(self) -> None:
        form = parse_qs(self.body().decode())
        for request in json.loads(form["requests"][0]):
            data = request["data"]
            if request["method"] == "DELETE":
                type(self).items.pop(data["id"], None)
            else:
                type(self).items[data["id"]] = data
        type(self).batches += 1
        self.answer({"handles": [f"h{type(self).batches}"]})

    def do_GET(self) -> None:
        if self.path.split("?")[0].endswith("/products"):  # the catalog's items (one page), for push --reconcile
            self.answer({"data": [{"retailer_id": item, "id": item} for item in type(self).items]})
            return
        self.answer({"data": [{"status": "finished", "errors": []}]})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(Catalog) as url:
        yield url


def shop(folder: Path, endpoint: str, products: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "products.csv").write_text(products, encoding="utf-8")
    (folder / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\nchannels:\n  meta:\n    profile: facebook\n"
        "    destination: {type: meta_catalog_api, catalog_id: '42', access_token: {env: FS_META_TOKEN}, "
        f"batch_size: 3, poll_interval: 0.01, endpoint: '{endpoint}'}}\n",
        encoding="utf-8",
    )
    return folder


def expected(products: str) -> dict[str, str]:
    """retailer id -> price of the catalog a push of ``products`` must leave at the destination."""
    rows = [line.split(",") for line in products.splitlines()[1:]]
    return {row[0]: f"{row[5]} USD" for row in rows}


def held() -> dict[str, str]:
    return {item: data["price"] for item, data in Catalog.items.items()}


def known(folder: Path) -> set[str]:
    with sqlite3.connect(folder / ".feedsync" / "state.sqlite") as db:
        return {item for (item,) in db.execute("SELECT item_id FROM items WHERE status = 'ok'")}


@pytest.fixture(scope="module")
def first(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop after a clean push of V1, with V2 waiting in its products.csv (the destination's catalog is
    put back to V1 before each case)."""
    folder = shop(tmp_path_factory.mktemp("sync") / "shop", server, V1)
    Catalog.items = {}
    assert run_feedsync("push", cwd=folder, env=ENV).returncode == 0
    assert held() == expected(V1)
    (folder / "products.csv").write_text(V2, encoding="utf-8")
    return folder


def passes(first: Path, tmp_path: Path) -> list[str]:
    work = Path(shutil.copytree(first, tmp_path / "points"))
    Catalog.items = {item: {"id": item, "price": price} for item, price in expected(V1).items()}
    points = [p for p in points_passed("push", cwd=work, env=ENV) if p.startswith("sync.")]
    return [f"{point}:{points[: i + 1].count(point)}" for i, point in enumerate(points)]


def test_a_push_killed_after_any_batch_is_finished_by_the_next(first: Path, tmp_path: Path) -> None:
    kills = passes(first, tmp_path)
    # 4 creates + 3 updates in batches of 3, then 3 deletes in one batch
    assert kills == ["sync.accepted:1", "sync.accepted:2", "sync.accepted:3", "sync.removed:1"]
    for fault in kills:
        work = Path(shutil.copytree(first, tmp_path / fault.replace(":", "-")))
        Catalog.items = {item: {"id": item, "price": price} for item, price in expected(V1).items()}
        assert run_feedsync("push", cwd=work, env=ENV, fault=fault).returncode == KILLED
        rerun = runner.invoke(app, ["push", "-c", str(work / "feedsync.yaml")])  # in this process: quicker
        assert rerun.exit_code == 0, rerun.output
        assert held() == expected(V2), fault  # nothing lost, nothing stale, the last price of each
        assert known(work) == set(expected(V2)), fault  # the state says what the destination holds
        again = Catalog.batches
        assert runner.invoke(app, ["push", "-c", str(work / "feedsync.yaml")]).exit_code == 0
        assert Catalog.batches == again, fault  # and a third push has nothing left to send


def test_a_reconcile_push_killed_after_any_batch_is_finished_by_the_next(first: Path, tmp_path: Path) -> None:
    """The catalog lost two items the state records (deleted in Commerce Manager) and holds one neither the state
    nor the catalog knows: a push --reconcile killed at any step, then run again, leaves the catalog V2 (the lost
    items the catalog still has are sent again) and the stray named, not deleted."""
    lost = {"P7", "P8"}

    def damaged() -> dict[str, dict[str, Any]]:
        items = {item: {"id": item, "price": price} for item, price in expected(V1).items() if item not in lost}
        return items | {"STRAY": {"id": "STRAY", "price": "1.00 USD"}}

    work = Path(shutil.copytree(first, tmp_path / "points"))
    Catalog.items = damaged()
    points = [p for p in points_passed("push", "--reconcile", cwd=work, env=ENV) if p.startswith("sync.")]
    kills = [f"{point}:{points[: i + 1].count(point)}" for i, point in enumerate(points)]
    assert "sync.removed:1" in kills and len(kills) >= 4
    for fault in kills:
        work = Path(shutil.copytree(first, tmp_path / fault.replace(":", "-")))
        Catalog.items = damaged()
        assert run_feedsync("push", "--reconcile", cwd=work, env=ENV, fault=fault).returncode == KILLED
        rerun = runner.invoke(app, ["push", "--reconcile", "-c", str(work / "feedsync.yaml")])
        assert rerun.exit_code == 0, rerun.output
        assert "DST013" in rerun.output and "STRAY" in rerun.output, fault
        assert held() == expected(V2) | {"STRAY": "1.00 USD"}, fault  # P7 and P8 sent again, the stray left
        assert known(work) == set(expected(V2)), fault
