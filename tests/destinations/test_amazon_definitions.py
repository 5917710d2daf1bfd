"""``feedsync amazon definitions pull|search`` against respx, shaped by Amazon's Product Type Definitions API model
(definitionsProductTypes_2020-09-01.json): the exact requests, the stored file and its version."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import respx
from typer.testing import CliRunner

from feedsync.cli.app import app
from feedsync.destinations.amazon_definitions import PULLED_KEY
from tests.sources.realdata import REALDATA, needs_realdata

HOST = "https://sellingpartnerapi-eu.amazon.com"
LWA = "https://api.amazon.com/auth/o2/token"
SCHEMA_URL = "https://selling-partner-definitions-prod-iad.s3.amazonaws.com/schema/amzn1.ps.HOME.json?X-Amz-Sig=s"
DEFINITION = f"{HOST}/definitions/2020-09-01/productTypes/HOME"
SEARCH = f"{HOST}/definitions/2020-09-01/productTypes"
MODEL = REALDATA / "amazon" / "definitionsProductTypes_2020-09-01.json"
HOME_DE = REALDATA / "amazon" / "product_types" / "HOME-de.json"
runner = CliRunner()
pytestmark = needs_realdata


def config(tmp: Path, settings: str = "") -> Path:
    (tmp / "products.csv").write_text("id,title,price\nA,Mug,12.00\n", encoding="utf-8")
    (tmp / "refresh").write_text("Atzr|refresh-secret-value", encoding="utf-8")
    (tmp / "client").write_text("amzn-client-secret-value", encoding="utf-8")
    path = tmp / "feedsync.yaml"
    path.write_text(
        "source: {path: products.csv, currency: EUR}\n"
        "channels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: A1SELLER, marketplace_id: A1PA6795UKMFR9, language_tag: de_DE" + settings + "}\n"
        "    destination:\n      type: amazon_sp_api\n      region: eu\n"
        "      client_id: amzn1.application-oa2-client.x\n"
        "      client_secret: {file: client}\n      refresh_token: {file: refresh}\n",
        encoding="utf-8",
    )
    return path


def model_schema(name: str) -> dict[str, Any]:
    """A definition of the API model as a JSON Schema (draft 4, the model's own dialect) with its references."""
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    return {**model["definitions"][name], "definitions": model["definitions"]}


def envelope(
    raw: bytes, product_type: str = "HOME", marketplace: str = "A1PA6795UKMFR9", requirements: str = "LISTING"
) -> dict[str, Any]:
    """What getDefinitionsProductType answers (the model's example, for HOME on amazon.de)."""
    checksum = base64.b64encode(hashlib.md5(raw).digest()).decode()
    answer = {
        "metaSchema": {"link": {"resource": "https://meta-schema-url", "verb": "GET"}, "checksum": "x"},
        "schema": {"link": {"resource": SCHEMA_URL, "verb": "GET"}, "checksum": checksum},
        "requirements": requirements,
        "requirementsEnforced": "ENFORCED",
        "propertyGroups": {"product_identity": {"title": "Product Identity", "propertyNames": ["item_name"]}},
        "locale": "de_DE",
        "marketplaceIds": [marketplace],
        "productType": product_type,
        "displayName": "Home",
        "productTypeVersion": {"version": "U8d9Yv3Hl0Xk=", "latest": True, "releaseCandidate": False},
    }
    jsonschema.Draft4Validator(model_schema("ProductTypeDefinition")).validate(answer)
    return answer


def answers(
    raw: bytes, product_type: str = "HOME", marketplace: str = "A1PA6795UKMFR9"
) -> Callable[[httpx.Request], httpx.Response]:
    """getDefinitionsProductType answering for the requirement set each request asks for."""

    def answer(request: httpx.Request) -> httpx.Response:
        wanted = request.url.params["requirements"]
        return httpx.Response(200, json=envelope(raw, product_type, marketplace, wanted))

    return answer


def mock_lwa(router: respx.Router) -> respx.Route:
    return router.post(LWA).mock(
        return_value=httpx.Response(200, json={"access_token": "Atza|access-token-1", "expires_in": 3600})
    )


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("time.sleep", lambda seconds: None)


@respx.mock
def test_pull_fetches_the_definition_and_its_schema_and_stores_them_with_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # --into d: relative to where the command runs
    raw = HOME_DE.read_bytes()
    lwa = mock_lwa(respx.mock)
    definition = respx.get(DEFINITION).mock(side_effect=answers(raw))
    schema = respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    result = runner.invoke(app, ["amazon", "definitions", "pull", "home", "-c", str(config(tmp_path)), "--into", "d"])
    assert result.exit_code == 0, result.output
    assert lwa.call_count == 1
    sets = ["LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY"]  # each requirement set Amazon serves
    assert [dict(call.request.url.params) for call in definition.calls] == [
        {"marketplaceIds": "A1PA6795UKMFR9", "requirements": wanted, "locale": "de_DE", "sellerId": "A1SELLER"}
        for wanted in sets
    ]
    assert all(c.request.headers["x-amz-access-token"] == "Atza|access-token-1" for c in definition.calls)
    assert schema.call_count == 3
    assert all("x-amz-access-token" not in c.request.headers for c in schema.calls)  # presigned: no SP-API token
    paths = [
        Path("d") / f"HOME.A1PA6795UKMFR9{suffix}.json"
        for suffix in ("", ".LISTING_PRODUCT_ONLY", ".LISTING_OFFER_ONLY")
    ]
    assert result.stdout == "".join(
        f"HOME A1PA6795UKMFR9 {wanted} version U8d9Yv3Hl0Xk=: {path}\n"
        for wanted, path in zip(sets, paths, strict=True)
    )
    for wanted, stored_path in zip(sets, paths, strict=True):
        stored = json.loads(stored_path.read_text(encoding="utf-8"))
        pulled = stored.pop(PULLED_KEY)
        assert stored == json.loads(raw)  # Amazon's schema, whole
        assert list(stored)[:2] == ["$schema", "$id"]
        assert {k: pulled[k] for k in ("productType", "marketplaceId", "productTypeVersion", "requirements")} == {
            "productType": "HOME",
            "marketplaceId": "A1PA6795UKMFR9",
            "productTypeVersion": "U8d9Yv3Hl0Xk=",
            "requirements": wanted,
        }
    assert "checksum" not in result.stderr
    assert "refresh-secret-value" not in result.output


@respx.mock
@pytest.mark.parametrize("marketplace", ["A1F83G8C2ARO7P", "GB", "gb"])
def test_pull_for_another_marketplace_asks_for_its_primary_locale(tmp_path: Path, marketplace: str) -> None:
    raw = (REALDATA / "amazon" / "product_types" / "HOME-gb.json").read_bytes()
    mock_lwa(respx.mock)
    definition = respx.get(DEFINITION).mock(side_effect=answers(raw, "HOME", "A1F83G8C2ARO7P"))
    respx.get(SCHEMA_URL).mock(return_value=httpx.Response(200, content=raw))
    args = ["amazon", "definitions", "pull", "HOME", "-c", str(config(tmp_path)), "--into", str(tmp_path / "d")]
    result = runner.invoke(app, [*args, "--marketplace", marketplace])
    assert result.exit_code == 0, result.output
    params = dict(definition.calls[0].request.url.params)
    assert (params["marketplaceIds"], params["locale"]) == ("A1F83G8C2ARO7P", "DEFAULT")
    assert (tmp_path / "d" / "HOME.A1F83G8C2ARO7P.json").is_file()


@respx.mock
def test_search_lists_the_product_types_amazon_finds(tmp_path: Path) -> None:
    mock_lwa(respx.mock)
    answer = {
        "productTypes": [
            {"name": "LAMP", "displayName": "Lampe", "marketplaceIds": ["A1PA6795UKMFR9"]},
            {"name": "HOME", "displayName": "Haus", "marketplaceIds": ["A1PA6795UKMFR9"]},
        ],
        "productTypeVersion": "UHqSqmb4FNUk=",
    }
    jsonschema.Draft4Validator(model_schema("ProductTypeList")).validate(answer)
    search = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=answer))
    result = runner.invoke(app, ["amazon", "definitions", "search", "lamp", "desk", "-c", str(config(tmp_path))])
    assert result.exit_code == 0, result.output
    [call] = search.calls
    assert dict(call.request.url.params) == {
        "keywords": "lamp,desk",
        "marketplaceIds": "A1PA6795UKMFR9",
        "locale": "de_DE",
    }
    assert result.stdout == "LAMP\tLampe\tA1PA6795UKMFR9\nHOME\tHaus\tA1PA6795UKMFR9\n"
    assert "2 product type(s) on A1PA6795UKMFR9 (version UHqSqmb4FNUk=)" in result.stderr


def test_the_requests_sent_are_the_ones_amazons_api_model_declares() -> None:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    get = model["paths"]["/definitions/2020-09-01/productTypes/{productType}"]["get"]
    search = model["paths"]["/definitions/2020-09-01/productTypes"]["get"]
    assert get["operationId"] == "getDefinitionsProductType"
    assert search["operationId"] == "searchDefinitionsProductTypes"
    declared = {p["name"]: p for p in get["parameters"]}
    assert {"marketplaceIds", "requirements", "locale", "sellerId"} <= set(declared)
    assert "LISTING" in declared["requirements"]["enum"] and "de_DE" in declared["locale"]["enum"]
    assert "DEFAULT" in declared["locale"]["enum"]
    assert {"keywords", "marketplaceIds", "locale"} <= {p["name"] for p in search["parameters"]}
    assert model["definitions"]["SchemaLink"]["properties"]["link"]["required"] == ["resource", "verb"]
