"""Pulling Amazon definitions when things go wrong: bad names, answers of another shape or product type, refusals,
throttling, and a process killed at each step (a real loopback server): a stored file is whole or absent."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.destinations.amazon_definitions import PULLED_KEY
from feedsync.faults import KILLED
from tests.destinations.test_amazon_definitions import DEFINITION, SCHEMA_URL, answers, config, envelope, mock_lwa
from tests.hostile.killing import points_passed, run_feedsync
from tests.hostile.loopback import JsonHandler, serving
from tests.sources.realdata import REALDATA, needs_realdata

runner = CliRunner()
pytestmark = needs_realdata
TYPES = REALDATA / "amazon" / "product_types"
HOST = "https://sellingpartnerapi-eu.amazon.com"


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


def pull(tmp_path: Path, *types: str) -> object:
    return runner.invoke(
        app, ["amazon", "definitions", "pull", *types, "-c", str(config(tmp_path)), "--into", str(tmp_path / "d")]
    )


@respx.mock
def test_a_name_that_is_no_product_type_is_refused_before_any_request(tmp_path: Path) -> None:
    result = pull(tmp_path, "../../etc/passwd")
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "is not an Amazon product type name" in result.stderr  # type: ignore[attr-defined]
    assert not respx.calls


def test_a_config_without_an_sp_api_destination_says_what_to_do(tmp_path: Path) -> None:
    path = config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").split("    destination:")[0], encoding="utf-8")
    result = runner.invoke(app, ["amazon", "definitions", "pull", "HOME", "-c", str(path), "--into", "d"])
    assert result.exit_code == 2 and "amazon_sp_api" in result.stderr


@respx.mock
def test_a_schema_of_another_product_type_is_not_stored(tmp_path: Path) -> None:
    raw = (TYPES / "PRODUCT-us-2023.json").read_bytes()  # Amazon links a PRODUCT schema for HOME on amazon.de
    mock_lwa(respx.mock)
    respx.get(DEFINITION).mock(side_effect=answers(raw))
    respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    result = pull(tmp_path, "HOME")
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert "is for PRODUCT on ATVPDKIKX0DER, not HOME on A1PA6795UKMFR9" in result.stderr  # type: ignore[attr-defined]
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").iterdir())


@respx.mock
@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(200, json={"productType": "HOME"}), "getDefinitionsProductType"),
        (httpx.Response(200, text="<html>proxy</html>"), "not JSON"),
        (
            httpx.Response(404, json={"errors": [{"code": "NOT_FOUND", "message": "Product type HOMEX not found"}]}),
            "HTTP 404",
        ),
    ],
)
def test_a_refusal_or_a_strange_answer_is_a_remote_error_and_earlier_files_stay(
    tmp_path: Path, answer: httpx.Response, said: str
) -> None:
    raw = (TYPES / "HOME-de.json").read_bytes()
    mock_lwa(respx.mock)
    respx.get(DEFINITION).mock(side_effect=answers(raw))
    respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    respx.get(f"{HOST}/definitions/2020-09-01/productTypes/HOMEX").mock(return_value=answer)
    result = pull(tmp_path, "HOME", "HOMEX")
    assert result.exit_code == 3, result.output  # type: ignore[attr-defined]
    assert said in result.stderr  # type: ignore[attr-defined]
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [
        "HOME.A1PA6795UKMFR9.LISTING_OFFER_ONLY.json",
        "HOME.A1PA6795UKMFR9.LISTING_PRODUCT_ONLY.json",
        "HOME.A1PA6795UKMFR9.json",
    ]


@respx.mock
def test_throttling_is_retried(tmp_path: Path) -> None:
    raw = (TYPES / "HOME-de.json").read_bytes()
    mock_lwa(respx.mock)
    route = respx.get(DEFINITION).mock(
        side_effect=[
            httpx.Response(429, headers={"retry-after": "1"}, json={"errors": [{"code": "QuotaExceeded"}]}),
            httpx.Response(200, json=envelope(raw)),
        ]
    )
    respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    result = runner.invoke(
        app,
        [
            "amazon",
            "definitions",
            "pull",
            "HOME",
            "-c",
            str(config(tmp_path)),
            "--into",
            str(tmp_path / "d"),
            "--requirements",
            "LISTING",
        ],
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert route.call_count == 2 and (tmp_path / "d" / "HOME.A1PA6795UKMFR9.json").is_file()


def _amazon(schemas: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Amazon(JsonHandler):
        def do_POST(self) -> None:  # Login with Amazon
            self.body()
            self.answer({"access_token": "Atza|loopback", "expires_in": 3600})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            name = url.path.rsplit("/", 1)[-1]
            if url.path.startswith("/schemas/"):
                data = schemas[name]
                self.send_response(200)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            assert parse_qs(url.query)["marketplaceIds"] == ["A1PA6795UKMFR9"]
            base = f"http://{self.headers['host']}"
            answer = envelope(schemas[name], requirements=parse_qs(url.query)["requirements"][0])
            answer["productType"] = name
            answer["schema"]["link"]["resource"] = f"{base}/schemas/{name}"
            self.answer(answer)

    return Amazon


def test_a_pull_killed_at_any_step_leaves_whole_files_and_a_rerun_completes(tmp_path: Path) -> None:
    home = (TYPES / "HOME-de.json").read_bytes()
    with serving(_amazon({"HOME": home})) as base:
        path = config(tmp_path)
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"      endpoint: {base}\n      lwa_url: {base}/auth/o2/token\n", encoding="utf-8")
        sets = ("--requirements", "LISTING", "--requirements", "LISTING_OFFER_ONLY")  # two files: 6 kill points
        args = ("amazon", "definitions", "pull", "HOME", "-c", "feedsync.yaml", "--into", "d", *sets)
        points = points_passed(*args, cwd=tmp_path)
        assert points == ["definitions.fetched", "atomic.written", "definitions.stored"] * 2
        seen: dict[str, int] = {}
        for point in points:
            seen[point] = seen.get(point, 0) + 1
            fault = f"{point}:{seen[point]}"
            for file in (tmp_path / "d").glob("*"):
                file.unlink()
            killed = run_feedsync(*args, cwd=tmp_path, fault=fault)
            assert killed.returncode == KILLED, (fault, killed.stderr)
            whole = sorted(p.name for p in (tmp_path / "d").glob("*.json"))
            for name in whole:  # every file there is a whole definition with its version
                stored = json.loads((tmp_path / "d" / name).read_text(encoding="utf-8"))
                assert stored[PULLED_KEY]["productTypeVersion"] == "U8d9Yv3Hl0Xk=", fault
            expected = {"definitions.fetched": 0, "atomic.written": 0, "definitions.stored": 1}[point] + (
                seen[point] - 1
            )
            assert len(whole) == expected, (fault, whole)
            rerun = run_feedsync(*args, cwd=tmp_path)
            assert rerun.returncode == 0, (fault, rerun.stderr)
            assert sorted(p.name for p in (tmp_path / "d").iterdir()) == [  # a killed write's temp file is gone
                "HOME.A1PA6795UKMFR9.LISTING_OFFER_ONLY.json",
                "HOME.A1PA6795UKMFR9.json",
            ]
