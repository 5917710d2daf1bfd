"""Hostile catalogs for the accounting: every row broken, every id repeated, unpublished products, a supplement
that breaks the join. validate and push report the same counts, every variant read is an item, excluded or
rejected in every channel, and push publishes no empty feed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync import pipeline
from feedsync.cli.app import app
from feedsync.state import State
from tests.conftest import HEADER, row
from tests.destinations.gmc import INSERT, PRODUCT_INPUT, gmc_config, mock_api

runner = CliRunner()
SHOPIFY = "Handle,Title,Status,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Vendor,Variant Barcode\n"


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    data: str
    variants: int
    google: tuple[int, int, int]
    extra: str = ""


CASES = [
    Case("every-row-broken", "p.csv", HEADER + "".join(row(f"P{i}", price="12,x") for i in range(4)), 4, (0, 0, 4)),
    Case("every-id-repeated", "p.csv", HEADER + row("A") + row("A", size="L") + row("A", size="S"), 3, (1, 0, 2)),
    Case(
        "unpublished-products",
        "products_export.csv",
        SHOPIFY
        + "tee,Tee,active,Size,S,T-S,10.00,https://i.example/t.jpg,Acme,\n"
        + "tee,,,,M,T-M,10.00,,,\n"
        + "cap,Cap,draft,Size,S,C-S,5.00,https://i.example/c.jpg,Acme,\n"
        + "cap,,,,M,C-M,5.00,,,\n"
        + "cap,,,,L,C-L,5.00,,,\n",
        5,
        (2, 3, 0),
    ),
    Case(
        "supplement-breaks-the-join",
        "p.csv",
        HEADER + row("A") + row("B", size="L"),
        2,
        (1, 0, 1),
        "supplements:\n  - {path: stock.csv, key: id}\n",
    ),
]


def _report(tmp_path: Path, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, [*args, "-c", str(tmp_path / "feedsync.yaml")])
    assert result.exit_code not in (2, 70) and "Traceback" not in result.output, result.output
    return result.exit_code, json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_catalog_is_accounted_for(tmp_path: Path, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / case.file).write_text(case.data, encoding="utf-8")
    (tmp_path / "stock.csv").write_text("id,quantity\nB,many\n", encoding="utf-8")
    (tmp_path / "feedsync.yaml").write_text(
        f"source: {{path: {case.file}, currency: USD, base_url: https://shop.example.com}}\n{case.extra}"
        "channels:\n"
        "  google: {profile: google_merchant, destination: {type: directory, path: www}}\n"
        "  meta: {profile: facebook, destination: {type: directory, path: www}}\n",
        encoding="utf-8",
    )
    _, validated = _report(tmp_path, "validate", "--format", "json", "-o", "r.json")
    code, pushed = _report(tmp_path, "push", "--report", "r.json")
    counts = {n: (c["items"], c["excluded"], c["rejected"]) for n, c in validated["channels"].items()}
    assert counts == {n: (c["items"], c["excluded"], c["rejected"]) for n, c in pushed["channels"].items()}
    assert validated["summary"]["variants"] == pushed["summary"]["variants"] == case.variants
    assert counts["google"] == case.google
    assert all(sum(c) == case.variants for c in counts.values())
    if case.google[0] == 0:  # nothing to publish: refused, and no empty feed written
        assert code == 1 and {d["code"] for d in pushed["diagnostics"]} >= {"DST008"}
        assert not (tmp_path / "www" / "google.xml").exists()


def test_an_item_the_api_rejects_moves_from_items_to_rejected(tmp_path: Path) -> None:
    """The Merchant API refuses B: the run counts 1 item and 1 rejected, still 2 variants in all."""
    with respx.mock(assert_all_called=False) as router:
        mock_api(router)
        router.post(INSERT).mock(
            side_effect=lambda request: (
                httpx.Response(400, json={"error": {"message": "bad"}})
                if b'"offerId":"B"' in request.content
                else httpx.Response(200, json=PRODUCT_INPUT)
            )
        )
        config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L"))
        with State(config.state_path) as state:
            report = pipeline.run(config, "push", state=state)
    google = next(iter(report.channels.values()))
    assert (google.items, google.excluded, google.rejected) == (1, 0, 1) and report.variants == 2


def test_an_item_whose_update_the_api_refused_is_deleted_once_it_leaves_the_catalog(tmp_path: Path) -> None:
    """The Merchant API holds A and B; B's update is refused, so it still holds B as it was. Once B leaves the
    catalog, the push deletes it (the state kept that the API holds a version of B). An item whose first version
    was refused is never deleted: the API holds none of it."""
    with respx.mock(assert_all_called=False) as router:
        _, delete = mock_api(router)
        refused = {b'"offerId":"B"': False, b'"offerId":"C"': True}

        def insert(request: httpx.Request) -> httpx.Response:
            if any(marker in request.content and refuse for marker, refuse in refused.items()):
                return httpx.Response(400, json={"error": {"message": "bad"}})
            return httpx.Response(200, json=PRODUCT_INPUT)

        router.post(INSERT).mock(side_effect=insert)
        config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="L") + row("C", size="S"))
        with State(config.state_path) as state:
            pipeline.run(config, "push", state=state)  # A and B held; C refused
            refused[b'"offerId":"B"'] = True
            config = gmc_config(tmp_path, HEADER + row("A") + row("B", size="XL") + row("C", size="S"))
            second = pipeline.run(config, "push", state=state)
            assert next(iter(second.channels.values())).rejected == 2 and not delete.called
            config = gmc_config(tmp_path, HEADER + row("A"))
            pipeline.run(config, "push", state=state, force=True)
    from feedsync.destinations.google_merchant import product_name

    assert [call.request.url.path.rsplit("/", 1)[-1] for call in delete.calls] == [product_name("en", "US", "B")]
