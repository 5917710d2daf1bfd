from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from feedsync.channels.profile import builtin_profiles, compile_channel, compile_channels
from feedsync.config import load_config
from feedsync.diagnostics import Diagnostic
from feedsync.errors import ConfigError
from feedsync.model import Money, Product
from feedsync.model.product import SourceRef
from tests.conftest import HEADER, apply_one, make_config, row


def product(**values: object) -> Product:
    base: dict[str, object] = {
        "id": "A1",
        "title": "Tee",
        "price": Money(amount=Decimal("20"), currency="USD"),
        "link": "https://s.example/a",
        "image_link": "https://s.example/a.jpg",
    }
    base.update(values)
    return Product.model_validate(base)


def test_builtin_google_profile_maps_the_model(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row())
    [channel] = compile_channels(config)
    assert channel.filename == "google.xml"
    found: list[Diagnostic] = []
    item = apply_one(
        channel,
        product(
            color="Navy",
            size="M",
            group_id="G",
            description="<b>Soft</b> &amp; warm",
            additional_image_links=[f"https://s.example/{i}.jpg" for i in range(12)],
        ),
        found.append,
    )
    assert found == []
    assert item is not None
    assert item.values["title"] == "Tee - Navy - M"
    assert item.values["description"] == "Soft & warm"
    assert item.values["price"] == "20.00 USD"
    assert item.values["availability"] == "in_stock"
    assert item.values["item_group_id"] == "G"
    assert item.values["identifier_exists"] == "no"
    assert item.values["condition"] == "new"
    assert len(item.values["additional_image_link"]) == 10  # Google takes up to 10
    assert "sale_price" not in item.values and "gtin" not in item.values  # empty values are left out
    assert list(item.values)[:3] == ["id", "item_group_id", "title"]  # profile order


def test_identifier_exists_only_when_no_identifiers(tmp_path: Path) -> None:
    [channel] = compile_channels(make_config(tmp_path, HEADER + row()))
    with_gtin = apply_one(channel, product(gtin="4006381333931"), print)
    with_mpn = apply_one(channel, product(brand="Acme", mpn="X-1"), print)
    assert with_gtin is not None and "identifier_exists" not in with_gtin.values
    assert with_mpn is not None and "identifier_exists" not in with_mpn.values


def test_overrides_replace_remove_and_add_fields_and_switch_format(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=(
            "    format: tsv\n"
            "    fields:\n"
            '      title: "{{ brand }} {{ title | upper }}"\n'
            "      gender: null\n"
            "      custom_label_4: \"{{ attributes.get('season', 'none') }}\"\n"
            "      promotion_id:\n"
            "        value: \"['BF-2026', id]\"\n"
        ),
    )
    [channel] = compile_channels(config)
    assert channel.filename == "google.tsv"
    assert "gender" not in channel.columns
    assert channel.columns[-1] == "promotion_id"
    item = apply_one(channel, product(brand="Acme", gender="male", attributes={"season": "winter"}), print)
    assert item is not None
    assert item.values["title"] == "Acme TEE"
    assert "gender" not in item.values
    assert item.values["custom_label_4"] == "winter"
    assert item.values["promotion_id"] == ["BF-2026", "A1"]


def test_filters_include_and_exclude(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=(
            "    filters:\n"
            '      include: ["price.amount >= 10"]\n'
            "      exclude: [\"availability == 'out_of_stock'\", \"'hidden' in attributes\"]\n"
        ),
    )
    [channel] = compile_channels(config)
    assert apply_one(channel, product(), print) is not None
    assert apply_one(channel, product(price=Money(amount=Decimal("9.99"), currency="USD")), print) is None
    assert apply_one(channel, product(availability="out_of_stock"), print) is None
    assert apply_one(channel, product(attributes={"hidden": "1"}), print) is None


def test_a_template_that_fails_for_one_product_reports_it_and_drops_only_that_item(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        HEADER + row(),
        channel_extra=('    fields:\n      custom_label_0: "{{ attributes.season | upper }}"\n'),
    )
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    ref = SourceRef.model_construct(path="p.csv", row=7, columns={"attributes": ("season", 12)})
    assert apply_one(channel, product(attributes={"season": "fall"}), found.append).values["custom_label_0"] == "FALL"
    assert apply_one(channel, product(source=ref), found.append) is None
    [diagnostic] = found
    assert (diagnostic.code, diagnostic.channel, diagnostic.field) == ("CFG001", "google", "custom_label_0")
    assert "season" in diagnostic.message
    assert (diagnostic.location.row, diagnostic.location.column) == (7, 12)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('    fields:\n      title: "{{ titel }}"\n', ":9:14: fields.title.template: unknown product field(s) titel"),
        ('    fields:\n      title: "{{ title "\n', ":9:14: fields.title.template: unexpected end of template"),
        ('    fields:\n      title: {value: "title +"}\n', ":9:22: fields.title.value: unexpected 'end of template'"),
        (
            "    fields:\n      title: {template: x, value: y}\n",
            ":9:14: fields.title: Value error, a field takes exactly one of",
        ),
        (
            "    fields:\n      title: {template_file: nope.j2}\n",
            ":9:30: fields.title.template_file: template file 'nope.j2' not found",
        ),
        ('    filters:\n      exclude: ["price >"]\n', ":9:17: filters.exclude.0: unexpected"),
        ("    format: pdf\n", ":8:13: format: Value error, channel google writes format xml, tsv, not 'pdf'"),
        ("    feeds: {}\n", ":8:5: unknown key 'feeds'"),
    ],
)
def test_profile_problems_in_feedsync_yaml_point_at_the_override(tmp_path: Path, extra: str, message: str) -> None:
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert str(info.value).startswith(f"{tmp_path / 'feedsync.yaml'}{message}"), str(info.value)


def test_problems_in_a_profile_file_point_into_that_file(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        'channel: google\nformat: xml\nfields:\n  id: "{{ id }}"\n  title: "{{ nme }}"\n', encoding="utf-8"
    )
    config = make_config(tmp_path, HEADER + row())
    channel = config.channels["google"].model_copy(update={"profile": "mine.yaml"})
    with pytest.raises(ConfigError, match=r"mine.yaml:5:10: fields.title.template: unknown product field\(s\) nme"):
        compile_channel("google", channel, config)
    (tmp_path / "mine.yaml").write_text("channel: bing\nformat: xml\nfields: {id: x}\n", encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=r"mine.yaml:1:10: channel: Value error, unknown channel 'bing' \(one of: amazon, google, google_local, ",
    ):
        compile_channel("google", channel, config)


def test_a_setting_a_built_in_profile_leaves_to_the_config_is_asked_for_in_feedsync_yaml(tmp_path: Path) -> None:
    """An Amazon channel without its seller id was refused at the installed package's amazon.yaml:17:14 ("String
    should have at least 1 character"), a file the user does not edit; it is asked for at the channel's entry."""
    (tmp_path / "products.csv").write_text(HEADER + row(), encoding="utf-8")
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\nchannels:\n  amazon: {profile: amazon}\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as info:
        compile_channels(load_config(tmp_path / "feedsync.yaml"))
    assert str(info.value) == (
        f"{tmp_path / 'feedsync.yaml'}:3:11: channels.amazon.settings.seller_id is required and the built-in profile "
        "amazon leaves it to you: set it under this channel's settings in feedsync.yaml (settings: {seller_id: ...})"
    )
    (tmp_path / "feedsync.yaml").write_text(
        "source: {path: products.csv, currency: USD}\nchannels:\n  amazon:\n    profile: amazon\n"
        "    settings: {seller_id: '', marketplace: US}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"feedsync.yaml:5:27: settings.seller_id: String should have at least 1"):
        compile_channels(load_config(tmp_path / "feedsync.yaml"))  # an empty one written in feedsync.yaml: there


def test_user_templates_beside_the_config_come_before_builtins(tmp_path: Path) -> None:
    (tmp_path / "templates" / "google").mkdir(parents=True)
    (tmp_path / "templates" / "google" / "title.j2").write_text("{{ brand }}: {{ title }}", encoding="utf-8")
    [channel] = compile_channels(make_config(tmp_path, HEADER + row()))
    item = apply_one(channel, product(brand="Acme"), print)
    assert item is not None and item.values["title"] == "Acme: Tee"


def test_unknown_profile_and_channel_selection(tmp_path: Path) -> None:
    config = make_config(tmp_path, HEADER + row())
    assert "google_merchant" in builtin_profiles()
    with pytest.raises(ConfigError, match=r"unknown channel.*nope.*the config has google"):
        compile_channels(config, ["nope"])
    bad = config.channels["google"].model_copy(update={"profile": "gogle"})
    with pytest.raises(ConfigError, match=r"unknown profile 'gogle'.*google_merchant"):
        compile_channel("google", bad, config)


def test_templates_are_sandboxed(tmp_path: Path) -> None:
    config = make_config(
        tmp_path, HEADER + row(), channel_extra=('    fields:\n      title: "{{ title.__class__.__mro__ }}"\n')
    )
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    assert apply_one(channel, product(), found.append) is None
    assert [d.code for d in found] == ["CFG001"]


@pytest.mark.parametrize(
    ("then", "message"),
    [
        (
            "{set: internal_label, value: vip}",
            ":11:13: rules[0]: set internal_label: no field, filter or rule of the profile reads 'internal_label', "
            "so what it writes would reach no feed",
        ),
        (
            "{set: custom_lable_0, value: vip}",
            ":11:13: rules[0]: set custom_lable_0: no field, filter or rule of the profile reads 'custom_lable_0', "
            "so what it writes would reach no feed (did you mean custom_label_0?)",
        ),
    ],
)
def test_a_rule_writing_what_nothing_reads_is_a_config_error(tmp_path: Path, then: str, message: str) -> None:
    """A rule's set of a name no field of the profile reads (a label of the user's own, a misspelt field) reached
    no feed and no finding: explain showed the value set, the feeds and the APIs never had it."""
    extra = f"    rules:\n      - when: [{{field: brand, equals: Acme}}]\n        then:\n          - {then}\n"
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert str(info.value).startswith(f"{tmp_path / 'feedsync.yaml'}{message}"), str(info.value)


@pytest.mark.parametrize(
    ("field", "meant"),
    [("shiping_weight", "shipping_weight"), ("colour", "color"), ("custom_label0", "custom_label_0"),
     ("product_types", "product_type"), ("custom_label_5", "custom_label_4")],
)  # fmt: skip
def test_a_google_field_misspelling_an_attribute_is_a_config_error(tmp_path: Path, field: str, meant: str) -> None:
    """A Google field named like one of Google's attributes but not as Google names it (``shiping_weight``) was
    written to the feed, where Google keeps it as a custom attribute and uses none of it: refused at the field,
    naming the attribute meant."""
    extra = f'    fields:\n      {field}: "{{{{ weight }}}}"\n'
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 'feedsync.yaml'}:9:{len(field) + 9}: fields.{field}: "), text
    assert f"is not an attribute of Google's (did you mean {meant}?)" in text


def test_a_google_field_like_no_attribute_is_a_custom_attribute(tmp_path: Path) -> None:
    """A name like none of Google's attributes is a custom attribute meant as one (for Google's feed rules): it is
    written as it is, as are the attributes Google names alike (``product_height`` beside ``shipping_height``) and
    one of Google's with a part of its own (``description_en``, ``material_2``)."""
    extra = (
        '    fields:\n      season: "{{ brand }}"\n      product_height: "12 cm"\n      vin: ""\n'
        '      description_en: "x"\n      material_2: "y"\n      shipping_weight_kg: "1"\n'
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    [channel] = compile_channels(config)
    item = apply_one(channel, product(brand="Acme"), print)
    assert item is not None
    assert (item.values["season"], item.values["product_height"]) == ("Acme", "12 cm")
    assert (item.values["description_en"], item.values["material_2"]) == ("x", "y")  # Google's with a part of its own


def test_the_builtin_profiles_name_only_google_attributes() -> None:
    """Every field of the built-in Google profile, and of every example's Google channel, is Google's own name."""
    from feedsync.channels.google.names import ATTRIBUTES
    from feedsync.channels.profile import profile_path
    from feedsync.yamlpos import load

    data, _ = load(profile_path("google_merchant", Path.cwd()))
    assert set(data["fields"]) <= ATTRIBUTES, set(data["fields"]) - ATTRIBUTES


def test_a_rule_value_written_as_a_template_is_rendered(tmp_path: Path) -> None:
    """A set, append or prepend ``value`` is a template, as the profile reference says: ``' {{ brand }}'`` was
    appended as written (``Merino Tee {{ brand }}`` in the feed, exit 0). A value of another type keeps it."""
    extra = (
        "    rules:\n"
        "      - then: [{append: title, value: ' by {{ brand }}'}, {prepend: custom_label_0, value: '{{ size }}-'},\n"
        "               {set: custom_label_1, value: '{% if gtin %}coded{% endif %}'},\n"
        "               {set: custom_label_2, value: 7}]\n"
        "    fields:\n"
        "      custom_label_0: \"{{ custom_label_0 or 'x' }}\"\n"
        '      custom_label_1: "{{ custom_label_1 }}"\n'
        '      custom_label_2: "{{ custom_label_2 }}"\n'
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    [item] = channel.apply(product(brand="Acme", size="M", gtin="4006381333931"), found.append)
    assert not found
    assert item.values["title"].startswith("Tee by Acme")
    assert (item.values["custom_label_0"], item.values["custom_label_1"], item.values["custom_label_2"]) == (
        "M-",
        "coded",
        "7",
    )


@pytest.mark.parametrize(
    ("then", "message"),
    [
        ("{field: salee_price, empty: false}", "reads 'salee_price', which no product field, supplement, category "
         "map or earlier rule provides (did you mean sale_price?)"),
        ("{field: brand, equals: x}]\n        then: [{append: title, value: ' {{ brnd }}'}", "reads 'brnd'"),
    ],
)  # fmt: skip
def test_a_rule_reading_a_name_nothing_provides_is_a_config_error(tmp_path: Path, then: str, message: str) -> None:
    """A condition on a misspelt field (``salee_price``) never matched, with no word; a value template of an unknown
    name failed on every product. Both are config errors at the rule now."""
    extra = f"    rules:\n      - when: [{then}]\n        then: [{{set: custom_label_0, value: x}}]\n"
    if "brnd" in then:
        extra = f"    rules:\n      - when: [{then}]\n"
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert f"rules[0]: {message}" in str(info.value)


def test_a_rule_may_write_a_name_a_later_rule_reads(tmp_path: Path) -> None:
    """A name of the user's own that a later rule's condition, copy or calculation reads is read: no error."""
    extra = (
        "    rules:\n"
        "      - then: [{set: tier, value: gold}, {calculate: markup, expression: '2'}]\n"
        "      - when: [{field: tier, equals: gold}]\n"
        "        then: [{set: custom_label_0, value: vip}, {calculate: custom_label_1, expression: 'markup * 3'}]\n"
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    [item] = channel.apply(product(), found.append)
    assert (item.values["custom_label_0"], item.values["custom_label_1"]) == ("vip", "6") and not found


def test_a_field_whose_value_is_a_mapping_is_an_error_in_both_engines(tmp_path: Path) -> None:
    """A profile field mapped to sub-attributes (``shipping: {value: "[{'country': 'US', ...}]"}``) went to every
    feed as its Python text (``<g:shipping>{'country': 'US', ...}</g:shipping>``), with no finding: it is now the
    field's error (CFG001) on each item, alike made per row and a column at a time."""
    from tests.columnar.test_gate import same

    fields = (
        "    fields:\n"
        "      shipping: {value: \"[{'country': 'US', 'service': 'Standard', 'price': '4.95 USD'}]\"}\n"
        "      tax: {value: \"{'country': 'US', 'rate': brand}\"}\n"
    )
    config = make_config(tmp_path, HEADER + "".join(row(f"SKU-{n}") for n in range(40)), channel_extra=fields)
    report, _ = same(config.base_dir)
    found = [d for d in report.diagnostics if d.code == "CFG001"]
    assert len(found) == 40 and {d.field for d in found} == {"shipping"}
    assert found[0].message.startswith("field shipping: the value is a mapping of sub-attributes ({'country': 'US'")
    assert report.channels["google"].rejected == 40


def test_a_rule_may_write_a_name_a_template_it_includes_reads(tmp_path: Path) -> None:
    """A field's template may render another (include, import, extends) whose names it does not say: a rule
    writing such a name was refused, and a cron push that worked before exited 2."""
    (tmp_path / "templates" / "parts").mkdir(parents=True)
    (tmp_path / "templates" / "label.j2").write_text("{% include 'parts/tier.j2' %}", encoding="utf-8")
    (tmp_path / "templates" / "parts" / "tier.j2").write_text("{{ tier }}", encoding="utf-8")
    extra = (
        "    fields:\n      custom_label_2: {template_file: label.j2}\n"
        "    rules:\n      - then: [{set: tier, value: gold}]\n"
    )
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    [channel] = compile_channels(config)
    [item] = channel.apply(product(), lambda d: None)
    assert item.values["custom_label_2"] == "gold"


def test_a_rule_writing_a_field_the_profile_makes_without_it_says_so(tmp_path: Path) -> None:
    extra = '    fields:\n      custom_label_0: "{{ brand }}"\n'
    extra += "    rules:\n      - then: [{set: custom_label_0, value: x}]\n"
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    with pytest.raises(
        ConfigError, match=r"set custom_label_0: .* \(the profile's field custom_label_0 is made without"
    ):
        compile_channels(config)


def test_a_template_file_not_utf8_or_unreadable_is_a_config_error_naming_it(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import jinja2.loaders

    title = tmp_path / "templates" / "google" / "title.j2"
    title.parent.mkdir(parents=True)
    title.write_bytes("{# Google's title #}\n{{ brand }} – {{ title }}\n".encode("cp1252"))
    config = make_config(tmp_path, HEADER + row())
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert str(info.value).endswith(
        f"fields.title.template_file: {title}:2: the template file is not UTF-8 text (byte 33, 0x96); save it as UTF-8"
    ), str(info.value)

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    title.write_text("{{ title }}", encoding="utf-8")
    monkeypatch.setattr(jinja2.loaders, "open", refused, raising=False)  # (the tests run as root, whom chmod binds not)
    with pytest.raises(ConfigError, match=f"fields.title.template_file: cannot read template file {title}: Permission"):
        compile_channels(config)


@pytest.mark.parametrize(
    ("part", "told"),
    [
        ("Caf\xe9 {{ title }}".encode("cp1252"), "{part}:1: the template file is not UTF-8 text (byte 3, 0xe9)"),
        (b'{% include "google/gone.j2" %}', "template file 'google/gone.j2' not found (named in google/part.j2)"),
        (b"{% if title %}", "google/part.j2:1: Unexpected end of template"),
    ],
)
def test_a_template_a_template_file_includes_is_read_as_the_channel_is_compiled(
    tmp_path: Path, part: bytes, told: str
) -> None:
    """Not as each item is rendered (an error for every item, naming no file): a config error naming it."""
    folder = tmp_path / "templates" / "google"
    folder.mkdir(parents=True)
    (folder / "title.j2").write_text('{% include "google/part.j2" %} {{ title }}', encoding="utf-8")
    (folder / "part.j2").write_bytes(part)
    config = make_config(tmp_path, HEADER + row())
    with pytest.raises(ConfigError) as info:
        compile_channels(config)
    assert f"fields.title.template_file: {told.format(part=folder / 'part.j2')}" in str(info.value), str(info.value)
    (folder / "part.j2").write_text('{% include "google/gone.j2" ignore missing %}ok', encoding="utf-8")
    [channel] = compile_channels(config)
    [item] = channel.apply(product(), lambda d: None)
    assert item.values["title"].startswith("ok ")


@pytest.mark.parametrize(
    ("expression", "told"),
    [
        ("price.amount / 0", "division by zero"),
        ("price * 2", "a price is an amount and a currency: compute with its amount (price.amount * 2)"),
    ],
)
def test_a_calculation_that_fails_says_why_in_words(tmp_path: Path, expression: str, told: str) -> None:
    """A calculation dividing by zero was told as ``rule failed: [<class 'decimal.DivisionByZero'>]``; one on a
    price as ``unsupported operand type(s) for *: 'Money' and 'int'``: both say what went wrong now."""
    extra = f"    rules:\n      - then: [{{calculate: custom_label_0, expression: '{expression}'}}]\n"
    config = make_config(tmp_path, HEADER + row(), channel_extra=extra)
    [channel] = compile_channels(config)
    found: list[Diagnostic] = []
    assert channel.apply(product(), found.append) == []
    [finding] = found
    assert finding.code == "CFG006" and told in finding.message and "<class" not in finding.message
