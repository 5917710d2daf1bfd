"""The YAML loader's bounds: nesting, alias expansion and values their tag cannot build are ConfigErrors with
the position, never a RecursionError, a hang or a traceback."""

from __future__ import annotations

import pytest

from feedsync import yamlpos
from feedsync.errors import ConfigError


def alias_bomb(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for previous, name in zip("abcdefghijk", "bcdefghijkl", strict=False):
        if len(lines) == levels:
            break
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_where_it_explodes() -> None:
    with pytest.raises(ConfigError) as info:
        yamlpos.loads(alias_bomb(), "bomb.yaml")
    assert str(info.value).startswith("bomb.yaml:7:4: this value expands to more than 1,000,000 values")


def test_aliases_within_the_limit_still_load() -> None:
    data, _ = yamlpos.loads(alias_bomb(levels=4), "ok.yaml")  # 9**4 = 6,561 values
    assert len(data["d"]) == 9 and data["d"][0] is data["c"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: " + "[" * 5000 + "]" * 5000 + "\n", "x.yaml:1:67: nested more than 64 levels deep"),
        ("x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80)), "x.yaml:64:127: nested more than 64 levels"),
        ("x: &a [1, *a]\n", "x.yaml:1:11: alias *a refers to a value that contains it"),
        ("x: &a {b: *a}\n", "x.yaml:1:11: alias *a refers to a value that contains it"),
        ("x: 2001-13-45\n", "x.yaml:1:4: invalid timestamp '2001-13-45': month must be in 1..12"),
        ("x: !!int zz\n", "x.yaml:1:4: invalid int 'zz'"),
        ("x: !!float zz\n", "x.yaml:1:4: invalid float 'zz'"),
        ("x: !!timestamp zz\n", "x.yaml:1:4: invalid timestamp 'zz'"),
        ("? [a, b]\n: c\n", "x.yaml:1:3: a key must be a plain value, not a list or mapping"),
        ("{[a]: b}\n", "x.yaml:1:2: a key must be a plain value"),
    ],
)
def test_hostile_yaml_is_a_config_error_with_its_position(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        yamlpos.loads(text, "x.yaml")
    assert str(info.value).startswith(message)


def test_nesting_up_to_the_limit_loads() -> None:
    data, _ = yamlpos.loads("x: " + "[" * 62 + "1" + "]" * 62 + "\n", "x.yaml")  # 64 levels with the mapping
    depth = 0
    value = data["x"]
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert (depth, value) == (62, 1)


def test_a_text_read_again_is_parsed_once_and_each_reader_gets_data_of_its_own() -> None:
    text = "channels:\n  google: {profile: google_merchant}\nlabels: &l [a, b]\nagain: *l\n"
    first, node = yamlpos.loads(text, "cached.yaml")
    parsed = yamlpos._parsed.cache_info().hits
    first["channels"]["google"]["profile"] = "changed"
    first["labels"].append("c")
    second, node_again = yamlpos.loads(text, "cached.yaml")
    assert yamlpos._parsed.cache_info().hits == parsed + 1 and node_again is node
    assert second == {"channels": {"google": {"profile": "google_merchant"}}, "labels": ["a", "b"], "again": ["a", "b"]}
    assert second["labels"] is second["again"]  # (an alias stays one value)
    assert yamlpos.locate(node_again, ["channels", "google", "profile"]) == (2, 21)


def test_a_long_text_is_read_each_time_and_not_kept() -> None:
    """A large category map's data and nodes hold tens of times its size: they go with the reader's data."""
    rows = "".join(f"- {{product_type: 'Type {n}', google_product_category: '{n}'}}\n" for n in range(2000))
    assert len(rows) > yamlpos.KEPT_TEXT
    kept = yamlpos._parsed.cache_info()
    first, _ = yamlpos.loads(rows, "categories.yaml")
    second, _ = yamlpos.loads(rows, "categories.yaml")
    assert yamlpos._parsed.cache_info() == kept
    assert (
        first == second
        and first is not second
        and first[1999] == {"product_type": "Type 1999", "google_product_category": "1999"}
    )


def test_a_merge_key_takes_the_base_s_keys_and_its_own_override_them() -> None:
    """``destination: {<<: *dest, filename: local.tsv}`` was refused (``could not determine a constructor for the tag
    'tag:yaml.org,2002:merge'``) though YAML's merge key is what PyYAML's safe loader reads; a key written twice in
    the mapping itself is still refused."""
    from feedsync.yamlpos import loads

    text = "a: &dest {type: directory, path: www}\nb: {<<: *dest, path: other}\nc:\n  <<: *dest\n  filename: f.tsv\n"
    data, _ = loads(text, "x.yaml")
    assert data["b"] == {"type": "directory", "path": "other"}
    assert data["c"] == {"type": "directory", "path": "www", "filename": "f.tsv"}
    with pytest.raises(ConfigError, match=r"x\.yaml:1:23: duplicate key 'y'"):
        loads("a: {<<: {x: 1}, y: 2, y: 3}\n", "x.yaml")
