"""Meta's field names: a Meta profile field that misspells one is a config error at the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedsync.channels.meta.names import ATTRIBUTES
from feedsync.channels.names import misspelt
from feedsync.channels.profile import compile_channels
from feedsync.errors import ConfigError
from tests.conftest import HEADER, REPO, SHARED, make_config, row

MAPPING = SHARED / "realdata" / "meta" / "google_category_to_attribute_mapping_fields.json"


def _meta_config(tmp: Path, fields: str) -> object:
    """A config whose one channel is a Meta channel with ``fields`` (YAML lines under ``fields:``)."""
    config = make_config(tmp, HEADER + row())
    path = tmp / "feedsync.yaml"
    text = path.read_text(encoding="utf-8").replace("profile: google_merchant", "profile: facebook")
    path.write_text(text + "    fields:\n" + fields, encoding="utf-8")
    from feedsync.config import load_config

    assert config is not None
    return load_config(path)


@pytest.mark.parametrize(
    ("field", "meant"),
    [("colour", "color"), ("custom_lable_0", "custom_label_0"), ("additional_image_links", "additional_image_link"),
     ("matrial", "material"), ("quantity_to_sell_on_fb", "quantity_to_sell_on_facebook"),
     ("item_groupid", "item_group_id")],
)  # fmt: skip
def test_a_meta_field_misspelling_one_of_metas_is_a_config_error(tmp_path: Path, field: str, meant: str) -> None:
    """A Meta field named like one of Meta's but not as Meta names it (``colour``) was written as a column of its
    own, which Meta leaves out of the item, with exit 0: refused at the field, naming the field meant."""
    config = _meta_config(tmp_path, f'      {field}: "{{{{ color }}}}"\n')
    with pytest.raises(ConfigError) as info:
        compile_channels(config)  # type: ignore[arg-type]
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'feedsync.yaml'}:9:{len(field) + 9}: fields.{field}: "), text
    assert f"is not a field of Meta's catalog (did you mean {meant}?)" in text


def test_a_meta_field_like_none_of_metas_is_written_as_it_is(tmp_path: Path) -> None:
    """A name like none of Meta's (one of the user's own), or one of Meta's with a part of its own, compiles."""
    fields = '      season: "{{ brand }}"\n      material_2: "y"\n      custom_number_0: "3"\n'
    [channel] = compile_channels(_meta_config(tmp_path, fields))  # type: ignore[arg-type]
    assert {"season", "material_2", "custom_number_0"} <= {field.name for field in channel.fields}


def test_the_builtin_meta_profile_and_the_examples_name_only_metas_fields() -> None:
    """Every field of the built-in Meta profile, and of every example's Meta channel, is Meta's own name."""
    from feedsync.channels.profile import profile_path
    from feedsync.yamlpos import load

    data, _ = load(profile_path("facebook", Path.cwd()))
    assert set(data["fields"]) <= ATTRIBUTES, set(data["fields"]) - ATTRIBUTES
    for config in sorted((REPO / "examples").glob("*/feedsync.yaml")):
        channels = (load(config)[0] or {}).get("channels", {})
        for channel in channels.values():
            if channel.get("profile") == "facebook":
                named = set(channel.get("fields", {}))
                assert not {n for n in named if misspelt(n, ATTRIBUTES)}, config


@pytest.mark.skipif(not MAPPING.is_file(), reason="../shared/realdata is absent")
def test_no_category_field_of_metas_own_mapping_is_taken_for_a_misspelling() -> None:
    """Meta's category-specific fields (its mapping of categories to fields, as the WooCommerce integration ships
    it) are fields a profile may name: none of them is refused as a misspelling of a common field."""
    fields = {entry["key"] for entry in json.loads(MAPPING.read_text(encoding="utf-8")).values()}
    assert len(fields) > 200
    refused = {name: misspelt(name, ATTRIBUTES) for name in fields if misspelt(name, ATTRIBUTES)}
    assert refused == {}
