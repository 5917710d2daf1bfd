from __future__ import annotations

from pathlib import Path

import pytest

from feedsync.config import config_from_flags, load_config
from feedsync.errors import ConfigError
from tests.conftest import write_config


def test_paths_are_relative_to_the_config_file_and_defaults_apply(tmp_path: Path) -> None:
    config = load_config(
        write_config(
            tmp_path,
            "source:\n  path: data/p.csv\nchannels:\n  google:\n"
            "    profile: google_merchant\n    destination: {type: directory, path: www}\n",
        )
    )
    assert config.source.path == tmp_path / "data/p.csv"
    assert config.output_dir == tmp_path / "out"
    assert config.state_path == tmp_path / ".feedsync/state.sqlite"
    assert config.channels["google"].destination.path == tmp_path / "www"
    assert config.source.encoding is None and config.source.format == "auto"


def test_every_unknown_key_is_reported_with_its_line_and_column(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        "source:\n  path: p.csv\n  colums: {}\nchannels:\n  google:\n"
        "    profile: google_merchant\n    destination: {type: directory, path: w, x: 1}\n"
        "outptu_dir: out\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    lines = str(info.value).splitlines()
    assert lines == [
        f"{path}:3:3: unknown key 'source.colums'",
        f"{path}:7:45: unknown key 'channels.google.destination.x'",
        f"{path}:8:1: unknown key 'outptu_dir'",
    ]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "source:\n  path: p.csv\n  currency: usd\n  currency: EUR\nchannels: {g: {profile: google_merchant}}\n",
            ":4:3: duplicate key 'currency'",
        ),
        (
            "source:\n  path: p.csv\n  currency: ABC\nchannels: {g: {profile: google_merchant}}\n",
            ":3:13: source.currency: Value error, 'ABC' is not an ISO 4217 currency code",
        ),
        (
            "source:\n  path: p.csv\n  timezone: Mars/Olympus\nchannels: {g: {profile: google_merchant}}\n",
            ":3:13: source.timezone: Value error, unknown time zone 'Mars/Olympus'",
        ),
        (
            "source:\n  path: p.csv\n  columns: {SKU: sku}\nchannels: {g: {profile: google_merchant}}\n",
            ":3:12: source.columns: Value error, column 'SKU' maps to 'sku', which is not a product field",
        ),
        (
            "source:\n  path: p.csv\nchannels: {'my feed': {profile: google_merchant}}\n",
            ":3:11: channels: Value error, channel name 'my feed'",
        ),
        ("source: {path: p.csv}\nchannels: {}\n", ":2:11: channels: Dictionary should have at least 1 item"),
        ("source:\n  path: [p.csv\n", ":3:1: invalid YAML"),
        ("- just\n- a list\n", ":1:1: the config must be a YAML mapping"),
    ],
)
def test_bad_configs_point_at_the_value(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = write_config(tmp_path, yaml_text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}{message}")


def test_missing_config_file() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(Path("/nonexistent/feedsync.yaml"))


def test_config_from_flags_names_channels_after_profiles(tmp_path: Path) -> None:
    config = config_from_flags(
        source=tmp_path / "p.csv",
        source_format="auto",
        currency="EUR",
        base_url="https://x.example",
        channels=["google_merchant", "mine/custom.yaml"],
        out=tmp_path / "o",
    )
    assert list(config.channels) == ["google_merchant", "custom"]
    assert config.channels["custom"].profile == "mine/custom.yaml"
    assert config.output_dir == tmp_path / "o"
    assert config.source.currency == "EUR"


API_DESTINATIONS = {
    "google_merchant_api": "{type: google_merchant_api, account_id: '1', data_source: '2', credentials: {env: K}}",
    "meta_catalog_api": "{type: meta_catalog_api, catalog_id: '1', access_token: {env: K}}",
    "amazon_sp_api": "{type: amazon_sp_api, client_id: c, client_secret: {env: K}, refresh_token: {env: K}}",
}


@pytest.mark.parametrize(
    ("profile", "destination", "takes", "makes"),
    [
        ("google_local_inventory", "google_merchant_api", "google", "google_local"),
        ("facebook", "google_merchant_api", "google", "meta"),
        ("pinterest", "meta_catalog_api", "meta", "pinterest"),
        ("google_merchant", "amazon_sp_api", "amazon", "google"),
    ],
)
def test_an_api_destination_refuses_another_channel_s_items(
    tmp_path: Path, profile: str, destination: str, takes: str, makes: str
) -> None:
    """An API reads one channel's attributes: the local inventory feed pushed to the Merchant API overwrote each
    product with its stores' rows (142 inserts for 88 offers, without titles), a Meta item went to Google with
    Meta's spellings. Such a pairing is a config error naming the destination's line, before anything is sent."""
    from feedsync.channels.profile import compile_channels

    (tmp_path / "products.csv").write_text("id,title,price\nA,T,1.00\n", encoding="utf-8")
    supplement = "supplements:\n  - {path: stock.csv, key: id, as: stores}\n"
    (tmp_path / "stock.csv").write_text("id,store_code,quantity\nA,S1,3\n", encoding="utf-8")
    config = load_config(
        write_config(
            tmp_path,
            "source: {path: products.csv, currency: USD, base_url: 'https://s.example'}\n" + supplement + "channels:\n"
            f"  shop:\n    profile: {profile}\n    destination: {API_DESTINATIONS[destination]}\n",
        )
    )
    with pytest.raises(ConfigError) as info:
        compile_channels(config, ["shop"])
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'feedsync.yaml'}:7:25: channels.shop.destination: "), message
    assert f"{destination} takes the items of a {takes} channel, and profile {profile} makes {makes} items" in message


@pytest.mark.parametrize(
    ("profile", "destination"),
    [("google_merchant", "google_merchant_api"), ("facebook", "meta_catalog_api"), ("amazon", "amazon_sp_api")],
)
def test_an_api_destination_takes_its_own_channel_s_items(tmp_path: Path, profile: str, destination: str) -> None:
    from feedsync.channels.profile import compile_channels

    (tmp_path / "products.csv").write_text("id,title,price\nA,T,1.00\n", encoding="utf-8")
    settings = "    settings: {seller_id: A2TEST, marketplace: US}\n" if profile == "amazon" else ""
    config = load_config(
        write_config(
            tmp_path,
            "source: {path: products.csv, currency: USD}\nchannels:\n"
            f"  shop:\n    profile: {profile}\n    destination: {API_DESTINATIONS[destination]}\n{settings}",
        )
    )
    [channel] = compile_channels(config, ["shop"])
    assert channel.name == "shop"


def test_a_secret_written_in_the_config_is_refused_saying_how_to_name_it(tmp_path: Path) -> None:
    """A token pasted into feedsync.yaml was refused as "Input should be a valid dictionary or instance of
    SecretRef"; the refusal now says where a secret goes, without repeating it. A URL may still be written."""
    path = write_config(
        tmp_path,
        "source: {path: p.csv}\nnotify: {webhook: 'https://hooks.example/x'}\nchannels:\n  meta:\n"
        "    profile: facebook\n    destination: {type: meta_catalog_api, catalog_id: '1', access_token: EAAB-tok}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (
        f"{path}:6:74: channels.meta.destination.access_token: a secret is never written in feedsync.yaml: keep it "
        "in an environment variable or a file and name it here, {env: NAME} or {file: PATH}"
    )
    assert "EAAB-tok" not in str(info.value)
    path.write_text(path.read_text().replace("EAAB-tok", "{env: META_TOKEN}"), encoding="utf-8")
    assert load_config(path).notify is not None
