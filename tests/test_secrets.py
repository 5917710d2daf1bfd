"""The secret registry: values registered once are masked in every form they travel in."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from feedsync import secrets
from feedsync.config import SecretRef
from feedsync.errors import ConfigError

SECRET = "Atzr|IwEB/refresh+token=&x"


def test_a_registered_secret_is_masked_in_every_encoding() -> None:
    secrets.register(SECRET)
    for form in (
        SECRET,
        quote(SECRET),
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        json.dumps(SECRET)[1:-1],
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode().rstrip("="),
        "Atzr|IwEB/refresh+token=&amp;x",
        SECRET.encode().hex(),
        SECRET.encode().hex().upper(),
    ):
        assert secrets.mask(f"before {form} after") == "before *** after", form


def test_longest_first_and_short_values_ignored() -> None:
    secrets.register("Atzr|abc", "Atzr|abcdef", "x", "", None)
    assert secrets.mask("Atzr|abc and Atzr|abcdef, x") == "*** and ***, x"


def test_nothing_registered_leaves_text_alone() -> None:
    assert secrets.mask("Atzr|abc") == "Atzr|abc"
    assert secrets.mask_data({"a": ["Atzr|abc"]}) == {"a": ["Atzr|abc"]}


def test_basic_auth_pair_is_masked_as_the_header_carries_it() -> None:
    secrets.register_basic("ck_1234", "cs_5678")
    header = base64.b64encode(b"ck_1234:cs_5678").decode()
    assert secrets.mask(f"Authorization: Basic {header}") == "Authorization: Basic ***"


def test_credential_query_values_of_a_configured_url() -> None:
    secrets.register_url("https://hooks.example.com/in?token=t0k3n&format=json&id=abcdefghij")
    text = secrets.mask("POST https://hooks.example.com/in?token=t0k3n&format=json&id=abcdefghij")
    assert text == "POST https://hooks.example.com/in?token=***&format=json&id=***"


def test_secret_ref_registers_what_it_reads(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FS_TEST_SECRET", "env-secret-value")
    (tmp_path / "key").write_text("file-secret-value\n", encoding="utf-8")
    SecretRef(env="FS_TEST_SECRET").value()
    SecretRef(file=tmp_path / "key").value()
    assert secrets.mask("env-secret-value file-secret-value") == "*** ***"


def test_clip_masks_before_it_cuts() -> None:
    secrets.register("0123456789abcdef")
    assert secrets.clip("x" * 10 + "0123456789abcdef", 14) == "x" * 10 + "***"
    assert "0123" not in secrets.clip("x" * 10 + "0123456789abcdef", 14)


def test_mask_data_masks_keys_and_values() -> None:
    secrets.register("hunter22")
    assert secrets.mask_data({"hunter22": ["a hunter22", 3, None]}) == {"***": ["a ***", 3, None]}


def test_a_secret_file_not_utf8_is_a_config_error_that_shows_none_of_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    key = tmp_path / "key.json"
    key.write_bytes('{"private_key": "SECRETKEYDATA"}'.encode("utf-16"))  # (a BOM first: ff fe)
    with pytest.raises(ConfigError) as info:
        SecretRef(file=key).value()
    message = str(info.value)
    assert message == (
        f"cannot read secret file {key}: it is not UTF-8 text (byte 0 is not; it starts as UTF-16 does, as some "
        "Windows tools save files); save it as UTF-8"
    )
    assert "SECRET" not in message and "private" not in message
