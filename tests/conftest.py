from __future__ import annotations

import compileall
import csv
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from feedsync import diskcache, secrets
from feedsync.config import Config, load_config

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DEMO = REPO / "examples" / "demo"

# Property tests judge behaviour, not time: no per-example deadline (a loaded CI machine is no failure).
settings.register_profile("feedsync", deadline=None)
settings.load_profile("feedsync")


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Each test starts with an empty secret registry (a real run is one process; tests share one)."""
    yield
    secrets.clear()


def pytest_configure(config: pytest.Config) -> None:
    """The suite keeps what runs keep on disk (``diskcache``) in a folder of its own, which its workers (started by
    this process) and the processes the tests start share, and which it removes at its end: never the user's.

    It compiles the project's modules to bytecode first (2 s once, then only what changed), as ``pip install`` leaves
    an installed package: the tests import the checkout's, and where ``PYTHONDONTWRITEBYTECODE`` is set each of the
    hundreds of processes they start (``python -m feedsync``, a killed run, a row split's) would compile every module
    it imports from its source again (measured on two of the costliest files, their kill and row-split tests: 4:04
    to 4:11 of CPU against 4:28 to 4:47)."""
    if not hasattr(config, "workerinput"):  # (the process that starts the workers, or the only one)
        config._feedsync_cache = os.environ[diskcache.ENVIRONMENT] = tempfile.mkdtemp(prefix="feedsync-test-cache-")  # type: ignore[attr-defined]
        for folder in ("feedsync", "tests"):
            compileall.compile_dir(REPO / folder, quiet=1)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = getattr(config, "_feedsync_cache", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite the golden files under examples/")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A private copy of examples/demo's inputs (config, catalog, category map, store stock, orders, Amazon
    definitions; no outputs)."""
    target = tmp_path / "demo"
    target.mkdir()
    for path in DEMO.iterdir():
        if path.is_file() and path.suffix in (".yaml", ".csv", ".txt"):
            shutil.copy(path, target / path.name)
    shutil.copytree(DEMO / "amazon_definitions", target / "amazon_definitions")
    return target


def write_config(directory: Path, text: str) -> Path:
    path = directory / "feedsync.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def make_config(directory: Path, csv_text: str, channel_extra: str = "", source_extra: str = "") -> Config:
    """A config over a small CSV written into ``directory`` with one google_merchant channel."""
    (directory / "products.csv").write_text(csv_text, encoding="utf-8")
    text = (
        "source:\n  path: products.csv\n  currency: USD\n  base_url: https://shop.example.com\n"
        + source_extra
        + "channels:\n  google:\n    profile: google_merchant\n"
        + channel_extra
    )
    return load_config(write_config(directory, text))


HEADER = "id,group_id,title,description,link,image_link,price,availability,brand,gtin,color,size\n"


def row(id_: str = "SKU-1", **values: str) -> str:
    base = {
        "group_id": "",
        "title": "Merino Tee",
        "description": "<p>Soft &amp; warm</p>",
        "link": "/products/tee",
        "image_link": "/img/tee.jpg",
        "price": "20.00",
        "availability": "in stock",
        "brand": "Acme",
        "gtin": "4006381333931",
        "color": "Navy",
        "size": "M",
    }
    base.update(values)
    cells = [id_] + [base[k] for k in HEADER.strip().split(",")[1:]]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(cells)
    return buffer.getvalue()


def apply_one(channel: object, product: object, emit: object = None) -> object:
    """The single item a channel makes of ``product``, or None when it leaves the product out."""
    items = channel.apply(product, emit or (lambda d: None))  # type: ignore[attr-defined]
    assert len(items) <= 1
    return items[0] if items else None


def sync_failure(report: object, match: str | None = None) -> str:
    """The failure of the one channel whose API destination failed in a push's ``report`` (DST006 told, the run
    left to exit 3): its message, which ``match`` (a regular expression) is searched in."""
    import re

    failed = [result.failed for result in report.channels.values() if result.failed]  # type: ignore[attr-defined]
    assert len(failed) == 1, failed
    assert any(d.code == "DST006" for d in report.diagnostics), report.diagnostics  # type: ignore[attr-defined]
    if match is not None:
        assert re.search(match, failed[0]), (match, failed[0])
    return str(failed[0])
