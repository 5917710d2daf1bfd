"""A parent's facts (``parent_facts``): the attributes its product type's definition requires of it, taken from a
variant, round after round as the rules ask for more. The generated verdict ends the rounds once the parent is
whole, and what is missing is found without checking the values of the attributes it has; the answer is that of
asking the list of failures every round (the reference here), on Amazon's real definitions, for any variant's
subset of attributes."""

from __future__ import annotations

import random
import shutil
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.definitions import OFFER_ATTRIBUTES, derive
from feedsync.channels.amazon.family import EXEMPTION, IDENTIFIERS, parent_facts
from feedsync.channels.amazon.schema_check import CompiledSchema, compile_schema
from feedsync.channels.amazon.transform import AmazonEncoder
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, load
from tests.channels.test_amazon_schema_check import complete, mutate
from tests.sources.realdata import needs_realdata

pytestmark = needs_realdata

VARIANT = {
    "sku": "S1",
    "parent_sku": "G1",
    "item_name": "Lamp Black Small",
    "brand": "Acme",
    "gtin": "4006381333931",
    "bullet_point": ["soft", "warm"],
    "product_description": "A lamp.",
    "price": "19.99",
    "currency": "USD",
    "quantity": "3",
    "condition": "new",
    "main_image": "https://shop.example.com/a.jpg",
    "color": "Black",
    "size": "Small",
    "weight_value": "900",
    "weight_unit": "g",
    "country_of_origin": "CN",
    "item_type_keyword": "lamps",
    "supplier_declared_dg_hz_regulation": "not_applicable",
    "batteries_required": "false",
    "number_of_items": "1",
    "item_package_dimensions__height__value": "10",
    "item_package_dimensions__height__unit": "centimeters",
    "item_package_dimensions__length__value": "30",
    "item_package_dimensions__length__unit": "centimeters",
    "item_package_dimensions__width__value": "20",
    "item_package_dimensions__width__unit": "centimeters",
}
OWN = ("item_name", "brand", "parentage_level", "child_parent_sku_relationship", "variation_theme", EXEMPTION)
"""A parent's own attributes (the encoder's ``_parent``), before it takes facts from a variant (the exemption where
its definition requires an identifier of a parent: PRODUCT's)."""
TYPES = {"HOME-us.json": "HOME", "PRODUCT-us-2023.json": "PRODUCT"}


def _reference(
    attributes: dict[str, Any], child: dict[str, Any], checker: CompiledSchema, rounds: int
) -> tuple[list[str], list[str]]:
    """The rounds as they were: the failures listed in every round, and once more after the last."""
    added: list[str] = []
    for _ in range(rounds):
        missing = sorted({f.missing for f in checker.failures(attributes) if f.missing and not f.path})
        take = [name for name in missing if name in child and name not in attributes and name not in IDENTIFIERS]
        if not take:
            return added, missing
        for name in take:
            attributes[name] = child[name]
        added += take
    return added, sorted({f.missing for f in checker.failures(attributes) if f.missing and not f.path})


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], dict[str, Any], Any]]:
    """Per definition: a parent's own attributes, its variant's, and the parent's checker, as the encoder makes
    them."""
    found = {}
    for file, product_type in TYPES.items():
        folder = tmp_path_factory.mktemp(product_type)
        shutil.copy(DEFINITIONS / file, folder / file)
        encoder = AmazonEncoder({"seller_id": "A1", "marketplace": "US", "definitions": str(folder)})
        parent, child = encoder.encode_values({**VARIANT, "product_type": product_type})
        definition = encoder._checker.definition(product_type)
        assert definition is not None
        found[file] = (parent["attributes"], child["attributes"], definition.checker("LISTING_PRODUCT_ONLY"))
    return found


def test_the_parent_takes_what_its_definition_requires_from_its_variant(made: dict[str, Any]) -> None:
    """The fixture's parents are whole: each took facts from the variant, and with them passes its definition."""
    for file, (parent, child, checker) in made.items():
        own = {k: parent[k] for k in OWN if k in parent}
        added, missing = parent_facts(dict(own), child, checker)
        assert added and not missing, file
        assert checker.valid({**own, **{name: child[name] for name in added}}), file


@settings(max_examples=200, deadline=None)
@given(data=st.data(), file=st.sampled_from(sorted(TYPES)))
def test_parent_facts_answer_as_the_failures_asked_every_round(
    data: st.DataObject, file: str, made: dict[str, Any]
) -> None:
    parent, child, checker = made[file]
    kept_parent = data.draw(st.sets(st.sampled_from(OWN)))
    kept_child = data.draw(st.sets(st.sampled_from(sorted(child))))
    rounds = data.draw(st.integers(1, 5))
    own = {k: parent[k] for k in OWN if k in kept_parent and k in parent}
    variant = {k: v for k, v in child.items() if k in kept_child}
    expected_attributes = dict(own)
    expected = _reference(expected_attributes, variant, checker, rounds)
    attributes = dict(own)
    assert parent_facts(attributes, variant, checker, rounds) == expected
    assert attributes == expected_attributes


def test_the_verdict_spares_the_last_list_of_failures(made: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A parent made whole in one round lists its failures once (before it took anything), not twice."""
    parent, child, checker = made["PRODUCT-us-2023.json"]
    listed = []
    missing = checker.missing
    monkeypatch.setattr(checker, "missing", lambda a: listed.append(1) or missing(a))
    own = {k: parent[k] for k in OWN if k in parent}
    added, left = parent_facts(own, child, checker)
    assert added and not left and len(listed) == 1


@pytest.mark.parametrize("name", SHARED_FILES)
def test_what_is_missing_is_what_the_failures_say_is_missing(name: str) -> None:
    """``missing`` (the schema without its properties' own checks) names the top-level required attributes that
    ``failures`` lists, on messages with attributes removed, values broken and rules' conditions met, on every
    shared definition and requirement set."""
    root = load(DEFINITIONS / name)
    schemas = [
        root,
        derive(root, lambda n: n not in OFFER_ATTRIBUTES),
        derive(root, lambda n: n in OFFER_ATTRIBUTES),
    ]
    rng = random.Random(name)
    bases = [complete(root, rng, optional=rng.randrange(0, 20)) for _ in range(3)]
    seen = 0
    for schema in schemas:
        compiled = compile_schema(schema)
        for base in bases:
            messages = [base, {}, *(mutate(base, rng) for _ in range(20))]
            messages += [{k: v for k, v in base.items() if rng.random() < 0.6} for _ in range(20)]
            for message in messages:
                expected = sorted({f.missing for f in compiled.failures(message) if f.missing and not f.path})
                assert compiled.missing(message) == expected, message
                seen += bool(expected)
    assert seen > 20


def test_what_is_missing_is_asked_again_only_of_other_names_or_values_the_rules_read(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A family's parent after another's: the same attributes, and the same values of those the definition's rules
    read, have the same answer, given without asking the rules again; another value of one they read (changed in
    place, or ``True`` for ``1``), another attribute, or another value anywhere in a schema whose rules may read
    any, is asked again."""
    parent, _, checker = made["PRODUCT-us-2023.json"]
    own = {k: parent[k] for k in OWN}
    first = checker.missing(own)
    assert "supplier_declared_dg_hz_regulation" in checker._reads and "item_name" not in checker._reads
    asked = []
    requires = checker._requires
    monkeypatch.setattr(checker, "_requires", lambda *args: asked.append(1) or requires(*args))
    other = {**own, "item_name": [{"value": "Rug", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}]}
    assert checker.missing(other) == first and not asked  # a value the rules do not read
    regulation = [{"value": "not_applicable", "marketplace_id": "ATVPDKIKX0DER"}]
    with_regulation = {**own, "supplier_declared_dg_hz_regulation": regulation}
    plain = checker.missing(with_regulation)
    assert len(asked) == 1 and checker.missing(with_regulation) == plain and len(asked) == 1
    regulation[0]["value"] = "ghs"  # changed in place: read again
    assert "ghs" in checker.missing(with_regulation) and "ghs" not in plain and len(asked) == 2
    regulation[0]["value"] = "not_applicable"
    assert checker.missing(with_regulation) == plain and len(asked) == 3
    for value in (True, 1):  # equal, of other types: asked again
        checker.missing({**with_regulation, "batteries_required": [{"value": value}]})
    assert len(asked) == 5
    assert checker.missing({**own, "brand": own["brand"], "color": []}) is not None and len(asked) == 6


def test_an_answer_given_again_asks_no_schema_and_holds_where_a_value_the_rules_do_not_read_breaks(
    made: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next parent alike in its names and in the values the rules read has the answer again before the schema
    without its top ``required`` is asked (its check costs what the answer spares), and the answer is right where
    another value breaks that schema, or passes it (the failures' answer)."""
    parent, child, checker = made["PRODUCT-us-2023.json"]
    own = {k: parent[k] for k in OWN}
    checker._last_missing = None
    first = checker.missing(own)
    assert first and checker._without_required(own) is None  # the rules answered it: the answer is kept
    broken = {**own, "item_name": [{"value": 5, "marketplace_id": "ATVPDKIKX0DER"}]}
    renamed = {**own, "item_name": [{"value": "Rug", "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}]}
    expected = [sorted({f.missing for f in checker.failures(m) if f.missing and not f.path}) for m in (broken, renamed)]
    asked = []
    relaxed, requires = checker._without_required, checker._requires
    monkeypatch.setattr(checker, "_without_required", lambda i: asked.append(1) or relaxed(i))
    monkeypatch.setattr(checker, "_requires", lambda *args: asked.append(2) or requires(*args))
    assert [checker.missing(broken), checker.missing(renamed)] == expected == [first, first] and not asked
    whole = {**own, **{n: child[n] for n in parent_facts(dict(own), child, checker)[0]}}
    assert checker.missing(whole) == [] and asked == [1]  # other names: asked, that schema first (it passes)


def test_a_schema_whose_rules_may_read_any_value_is_asked_every_time() -> None:
    checker = compile_schema({"$defs": {"r": {"required": ["a"]}}, "allOf": [{"$ref": "#/$defs/r"}]})
    assert checker.missing({"b": 1}) == ["a"] and checker._reads is None  # a reference: not followed, no memo
    asked = []
    requires = checker._requires
    checker._requires = lambda *args: asked.append(1) or requires(*args)  # type: ignore[method-assign]
    checker.missing({"b": 1})
    checker.missing({"b": 1})
    assert len(asked) == 2


@pytest.mark.parametrize("name", SHARED_FILES)
def test_passing_but_for_absent_facts_is_what_the_failures_say(name: str) -> None:
    """``passes_but`` (asked first of the schema whose top ``required`` leaves the excused names out) answers as the
    failures do: no failure but those names missing at the top, on messages with attributes removed, values broken
    and rules' conditions met, excusing names the schema requires, names only its rules require and others, on every
    shared definition and requirement set."""
    root = load(DEFINITIONS / name)
    schemas = [root, derive(root, lambda n: n not in OFFER_ATTRIBUTES)]
    rng = random.Random(f"passes {name}")
    bases = [complete(root, rng, optional=rng.randrange(0, 20)) for _ in range(3)]
    answers = {True: 0, False: 0}
    for schema in schemas:
        compiled = compile_schema(schema)
        required = [n for n in schema.get("required", []) if isinstance(n, str)]
        for base in bases:
            messages = [base, {}, *(mutate(base, rng) for _ in range(15))]
            messages += [{k: v for k, v in base.items() if rng.random() < 0.7} for _ in range(15)]
            for message in messages:
                missing = compiled.missing(message)
                failures = compiled.failures(message)
                for excused in (missing, missing[:1], required, [*missing, "no_such_attribute"], []):
                    expected = not any(f.path or f.missing not in excused for f in failures)
                    assert compiled.passes_but(message, excused) is expected, (excused, message)
                    answers[expected] += 1
    assert min(answers.values()) > 20, answers
