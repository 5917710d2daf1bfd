"""Helpers for Merchant API tests: a throwaway service account key and a config pushing to the API."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import httpx
import respx

from feedsync.config import Config
from tests.conftest import make_config

TOKEN_URL = "https://oauth2.googleapis.com/token"
API = "https://merchantapi.googleapis.com"
INSERT = f"{API}/products/v1/accounts/123/productInputs:insert"
TOKEN = "ya29.feedsync-test-token"
PRODUCT_INPUT = {"name": "accounts/123/productInputs/ZW5-VVMtQQ", "offerId": "A", "contentLanguage": "en"}
"""What productInputs:insert answers: the ProductInput (its name above all)."""


@lru_cache(maxsize=1)
def service_account_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "feedsync-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "push@feedsync-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": TOKEN_URL,
        }
    )


def gmc_config(tmp: Path, csv_text: str, extra: str = "") -> Config:
    key = tmp / "sa.json"
    key.write_text(service_account_key(), encoding="utf-8")
    return make_config(
        tmp,
        csv_text,
        channel_extra=(
            "    destination:\n      type: google_merchant_api\n      account_id: '123'\n      data_source: '456'\n"
            "      credentials: {file: sa.json}\n      workers: 2\n      requests_per_second: 100000\n" + extra
        ),
    )


def mock_api(router: respx.Router) -> tuple[respx.Route, respx.Route]:
    router.post(TOKEN_URL).mock(
        return_value=httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"})
    )
    insert = router.post(INSERT).mock(return_value=httpx.Response(200, json=PRODUCT_INPUT))
    delete = router.delete(url__startswith=f"{API}/products/v1/accounts/123/productInputs/").mock(
        return_value=httpx.Response(200, json={})
    )
    return insert, delete
