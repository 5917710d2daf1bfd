"""Every rule condition and action, rule order, price and inventory rules, category maps and overrides."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from feedsync.channels.profile import compile_channels
from feedsync.channels.rules import Excluded, RuleSpec, compile_rules
from feedsync.channels.templating import TemplateProblem, Templating
from feedsync.diagnostics import Diagnostic
from feedsync.errors import ConfigError
from feedsync.model import Availability, DateRange, Money, Product
from tests.conftest import HEADER, apply_one, make_config, row

UTC_ZONE = ZoneInfo("UTC")


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


def ctx(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "A",
        "title": "Merino Tee",
        "price": usd("20"),
        "product_type": "Men > Tops",
        "quantity": 5,
        "availability": Availability.IN_STOCK,
        "color": "Navy",
        "attributes": {"season": "winter"},
        "sale_price_effective_date": None,
        "now": None,
        "custom_label_0": None,
        "additional_image_links": (),
    }
    base.update(values)
    return base


def run(rules: list[dict[str, Any]], view: dict[str, Any]) -> dict[str, Any]:
    templating = Templating([])
    compiled = compile_rules([RuleSpec.model_validate(r) for r in rules], templating, UTC_ZONE)
    data = templating.context(view)  # the channel's view of a product carries the template globals
    for rule in compiled:
        rule.apply(data, None)
    return data


def label_when(condition: dict[str, Any]) -> str | None:
    return run([{"when": [condition], "then": [{"set": "custom_label_0", "value": "hit"}]}], ctx())["custom_label_0"]


@pytest.mark.parametrize(
    ("condition", "hit"),
    [
        ({"field": "color", "equals": "navy"}, True),  # case-insensitive
        ({"field": "price", "equals": "20.00"}, True),  # numbers compare as numbers
        ({"field": "color", "not_equals": "Navy"}, False),
        ({"field": "title", "contains": "MERINO"}, True),
        ({"field": "title", "not_contains": "wool"}, True),
        ({"field": "product_type", "matches": "^Men >"}, True),
        ({"field": "product_type", "matches": "^Women"}, False),
        ({"field": "custom_label_0", "empty": True}, True),
        ({"field": "title", "empty": True}, False),
        ({"field": "price", "gt": 19.99}, True),
        ({"field": "price", "gte": 20}, True),
        ({"field": "price", "lt": 20}, False),
        ({"field": "quantity", "lte": 5}, True),
        ({"field": "attributes.season", "in": ["summer", "winter"]}, True),
        ({"field": "color", "not_in": ["Navy", "Black"]}, False),
        ({"field": "quantity", "between": [1, 10]}, True),
        ({"field": "price.amount", "between": [25, 30]}, False),
        ({"field": "availability", "equals": "in_stock"}, True),
    ],
)
def test_each_condition(condition: dict[str, Any], hit: bool) -> None:
    assert (label_when(condition) == "hit") is hit


def test_date_window_conditions_on_dates_and_on_now() -> None:
    window = DateRange(start=datetime(2026, 11, 27, tzinfo=UTC), end=datetime(2026, 12, 1, tzinfo=UTC))
    rule = [
        {
            "when": [{"field": "sale_price_effective_date.start", "between": ["2026-11-01", "2026-11-30"]}],
            "then": [{"set": "custom_label_0", "value": "bf"}],
        }
    ]
    assert run(rule, ctx(sale_price_effective_date=window))["custom_label_0"] == "bf"
    on_now = [
        {
            "when": [{"field": "now", "between": ["2026-11-27", "2026-12-01"]}],
            "then": [{"set": "custom_label_0", "value": "cyber week"}],
        }
    ]
    assert run(on_now, ctx(now=datetime(2026, 11, 28, tzinfo=UTC)))["custom_label_0"] == "cyber week"
    assert run(on_now, ctx(now=datetime(2026, 12, 5, tzinfo=UTC)))["custom_label_0"] is None


def test_when_any_needs_one_condition() -> None:
    rule = [
        {
            "when_any": [{"field": "color", "equals": "Red"}, {"field": "quantity", "gt": 3}],
            "then": [{"set": "custom_label_0", "value": "x"}],
        }
    ]
    assert run(rule, ctx())["custom_label_0"] == "x"
    assert run(rule, ctx(quantity=1))["custom_label_0"] is None


@pytest.mark.parametrize(
    ("action", "field", "expected"),
    [
        ({"set": "title", "value": "New"}, "title", "New"),
        ({"append": "title", "value": " - Sale"}, "title", "Merino Tee - Sale"),
        ({"prepend": "title", "value": "NEW "}, "title", "NEW Merino Tee"),
        ({"replace": "title", "find": "Tee", "with": "T-Shirt"}, "title", "Merino T-Shirt"),
        ({"regex_replace": "title", "pattern": "(\\w+) (\\w+)", "with": "\\2 \\1"}, "title", "Tee Merino"),
        ({"copy": "custom_label_0", "from": "attributes.season"}, "custom_label_0", "winter"),
        ({"calculate": "price", "expression": "price.amount * 2 + 0.5"}, "price", usd("40.50")),
        ({"set": "price", "value": "9.99"}, "price", usd("9.99")),  # keeps the price's currency
        ({"set": "availability", "value": "out of stock"}, "availability", Availability.OUT_OF_STOCK),
        ({"set": "quantity", "value": "7"}, "quantity", 7),
        (
            {"set": "additional_image_links", "value": "https://a/1.jpg, https://a/2.jpg"},
            "additional_image_links",
            ("https://a/1.jpg", "https://a/2.jpg"),
        ),
    ],
)
def test_each_action(action: dict[str, Any], field: str, expected: Any) -> None:
    assert run([{"then": [action]}], ctx())[field] == expected


def test_exclude_action_names_its_rule() -> None:
    with pytest.raises(Excluded) as info:
        run([{"name": "no navy", "when": [{"field": "color", "equals": "Navy"}], "then": [{"exclude": True}]}], ctx())
    assert info.value.rule == "no navy"


def test_rule_order_changes_the_result() -> None:
    label = {"when": [{"field": "title", "contains": "Sale"}], "then": [{"set": "custom_label_0", "value": "sale"}]}
    rename = {"then": [{"append": "title", "value": " Sale"}]}
    assert run([label, rename], ctx())["custom_label_0"] is None  # the label rule ran before the title changed
    assert run([rename, label], ctx())["custom_label_0"] == "sale"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"then": [{"set": "title"}]}, "set needs value"),
        ({"then": [{"set": "title", "append": "title", "value": 1}]}, "exactly one of"),
        ({"when": [{"field": "x", "gt": 1, "lt": 2}], "then": [{"exclude": True}]}, "exactly one of"),
        ({"when": [{"field": "x", "between": [1]}], "then": [{"exclude": True}]}, "between takes"),
        ({"then": []}, "at least 1 item"),
    ],
)
def test_malformed_rules_are_rejected(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RuleSpec.model_validate(rule)


def test_bad_regex_and_unordered_bounds_are_config_problems() -> None:
    with pytest.raises(TemplateProblem, match="invalid regular expression"):
        compile_rules(
            [RuleSpec.model_validate({"when": [{"field": "t", "matches": "("}], "then": [{"exclude": True}]})],
            Templating([]),
            UTC_ZONE,
        )
    with pytest.raises(TemplateProblem, match="numbers or dates"):
        compile_rules(
            [RuleSpec.model_validate({"when": [{"field": "t", "gt": "soon"}], "then": [{"exclude": True}]})],
            Templating([]),
            UTC_ZONE,
        )


def product(**values: Any) -> Product:
    base: dict[str, Any] = {
        "id": "A1",
        "title": "Tee",
        "price": usd("20"),
        "link": "https://s.example/a",
        "image_link": "https://s.example/a.jpg",
        "quantity": 2,
    }
    base.update(values)
    return Product.model_validate(base)


def test_inventory_buffer_turns_a_two_unit_product_out_of_stock_on_the_reserving_channel(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, HEADER + row(), channel_extra=("    inventory: {buffer: 2}\n  other:\n    profile: google_merchant\n")
    )
    reserving, plain = compile_channels(config)
    item = apply_one(reserving, product(quantity=2))
    assert item is not None and item.values["availability"] == "out_of_stock"
    other = apply_one(plain, product(quantity=2))
    assert other is not None and other.values["availability"] == "in_stock"


def test_inventory_percent_and_limits(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=("    inventory: {percent: 50, max: 10, min: 1}\n    fields: {quantity: '{{ quantity }}'}\n"),
    )
    [channel] = compile_channels(config)
    assert apply_one(channel, product(quantity=100)).values["quantity"] == "10"
    assert apply_one(channel, product(quantity=5)).values["quantity"] == "2"
    assert apply_one(channel, product(quantity=1)).values["quantity"] == "1"


@pytest.mark.parametrize(
    ("rules", "price", "expected"),
    [
        ("{markup_percent: 10}", "20", "22.00 USD"),
        ("{markup_fixed: 1.5}", "20", "21.50 USD"),
        ("{markup_percent: 10, ending: 0.99}", "20", "22.99 USD"),
        ("{ending: 0.99}", "22.99", "22.99 USD"),
        ("{round_to: 0.05}", "19.97", "19.95 USD"),
        ("{round_to: 0.05}", "19.98", "20.00 USD"),
    ],
)
def test_price_rules(tmp_path: Path, rules: str, price: str, expected: str) -> None:
    config = make_config(tmp_path, HEADER + row(), channel_extra=f"    price: {rules}\n")
    [channel] = compile_channels(config)
    assert apply_one(channel, product(price=usd(price))).values["price"] == expected


def test_minimum_margin_drops_a_sale_price_or_the_item(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row(), channel_extra="    price: {min_margin_percent: 30}\n")
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    kept = apply_one(channel, product(sale_price=usd("11"), attributes={"cost": "10"}), found.append)
    assert kept is not None and "sale_price" not in kept.values and kept.values["price"] == "20.00 USD"
    assert apply_one(channel, product(price=usd("12"), attributes={"cost": "10"}), found.append) is None
    assert [d.code for d in found] == ["CFG005"]


def test_category_map_longest_prefix_and_unmapped_report(tmp_path: Path) -> None:
    (tmp_path / "categories.yaml").write_text(
        "- product_type: Men\n  google_product_category: 1604\n"
        "- product_type: Men > Tops\n  google_product_category: 212\n  amazon_product_type: SHIRT\n",
        encoding="utf-8",
    )
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=(
            "    category_map: categories.yaml\n    fields: {product_type_amazon: '{{ amazon_product_type }}'}\n"
        ),
    )
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    tee = apply_one(channel, product(product_type="Men > Tops > T-Shirts"), found.append)
    assert (tee.values["google_product_category"], tee.values["product_type_amazon"]) == ("212", "SHIRT")
    pants = apply_one(channel, product(product_type="men > pants"), found.append)
    assert pants.values["google_product_category"] == "1604" and "product_type_amazon" not in pants.values
    own = apply_one(channel, product(product_type="Men > Tops", google_product_category="5598"), found.append)
    assert own.values["google_product_category"] == "5598"  # the product's own value wins
    apply_one(channel, product(product_type="Garden"), found.append)
    apply_one(channel, product(product_type="Garden"), found.append)
    assert [(d.code, d.value) for d in found] == [("CFG004", "Garden")]  # once per product_type


def test_category_map_ids_are_checked_against_googles_taxonomy(tmp_path: Path) -> None:
    (tmp_path / "categories.yaml").write_text(
        "- product_type: Men\n  google_product_category: 999999\n", encoding="utf-8"
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra="    category_map: categories.yaml\n")
    with pytest.raises(ConfigError, match=r"categories.yaml:1:3: google_product_category '999999' is not in"):
        compile_channels(config)


def test_per_product_overrides_from_source_columns(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row(), channel_extra="    overrides_prefix: google_\n")
    [channel] = compile_channels(config)
    item = apply_one(channel, product(attributes={"google_title": "Special title", "google_custom_label_0": "hero"}))
    assert (item.values["title"], item.values["custom_label_0"]) == ("Special title", "hero")
    found: list[Diagnostic] = []
    assert apply_one(channel, product(attributes={"google_price": "cheap"}), found.append) is None
    assert [d.code for d in found] == ["CFG003"]


def test_rules_in_feedsync_yaml_run_with_the_profile(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=(
            "    rules:\n"
            "      - name: hide cheap\n        when: [{field: price, lt: 5}]\n        then: [{exclude: true}]\n"
            "      - name: label\n        then: [{set: custom_label_1, value: feedsync}]\n"
        ),
    )
    [channel] = compile_channels(config)
    assert apply_one(channel, product(price=usd("4"))) is None
    assert apply_one(channel, product()).values["custom_label_1"] == "feedsync"


def test_category_map_as_csv(tmp_path: Path) -> None:
    (tmp_path / "categories.csv").write_text(
        "product_type,google_product_category,amazon_product_type\nMen > Tops,212,SHIRT\nHome,536,\n", encoding="utf-8"
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra="    category_map: categories.csv\n")
    [channel] = compile_channels(config)
    assert apply_one(channel, product(product_type="Home > Kitchen")).values["google_product_category"] == "536"
    (tmp_path / "categories.csv").write_text("product_type,google_product_category\nMen,12345678\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"categories.csv:2:1: google_product_category '12345678'"):
        compile_channels(config)


def test_a_csv_category_map_not_utf8_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "categories.csv").write_bytes(
        "product_type,google_product_category\nMen > Tops,212\nDamen > Röcke,1581\n".encode("cp1252")
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra="    category_map: categories.csv\n")
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert str(info.value) == (
        f"{tmp_path / 'categories.csv'}:3: the category map is not UTF-8 text (byte 61, 0xf6); save it as UTF-8 "
        "(Excel: CSV UTF-8)"
    )


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("categories.yaml", "- product_type: Men > Tops\n  amazon_product_type: SHIRT\n"
         "- product_type: Men > Bottoms\n  amazon_prodct_type: PANTS\n", ":4:23"),
        ("categories.csv", "product_type,amazon_prodct_type\nMen > Tops,SHIRT\n", ":1:2"),
    ],
)  # fmt: skip
def test_a_category_map_column_misspelling_a_name_feedsync_reads_is_a_config_error(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    config = make_config(tmp_path, HEADER + row(), channel_extra=f"    category_map: {name}\n")
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert str(info.value) == (
        f"{tmp_path / name}{where}: 'amazon_prodct_type' is not a field feedsync reads from a category map (did you "
        "mean 'amazon_product_type'?): what it sets would reach no feed; rename it amazon_product_type"
    )
    (tmp_path / name).write_text(text.replace("amazon_prodct_type", "season_theme"), encoding="utf-8")
    assert compile_channels(config)  # a name like none of them: a variable for the user's own templates
    (tmp_path / name).write_text(text.replace("amazon_prodct_type", "google_product_category_name"), encoding="utf-8")
    own = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=f"    category_map: {name}\n    fields:\n"
        "      custom_label_4: '{{ google_product_category_name }}'\n",
    )
    assert compile_channels(own)  # close to google_product_category, but the user's own field reads it: theirs
