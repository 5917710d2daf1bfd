"""The family survey in flat memory: a family whose variants come one after another is closed when another family
comes (its answer kept in an id set, its values dropped), a family that comes again after it closed is scattered
(kept by name, and read again when its first values were dropped already). Its answers are those of a plain read
of the whole catalog, in any order; the encoder lets a closed family's parent facts go, and keeps a scattered one's."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.family import AXES, FamilySurvey, Run
from feedsync.channels.amazon.transform import AmazonEncoder
from feedsync.cli.app import app
from tests.channels.test_amazon_families import ROWS, build, by_sku, family_catalog, runner


def _variant(group: str | None, values: dict[str, str], options: dict[str, str]) -> Any:
    return SimpleNamespace(group_id=group, variant_options=options, **{a: values.get(a) for a in AXES})


def _reference(products: list[Any]) -> dict[str, tuple[list[str], list[str]] | None]:
    """What each family differs by, from every variant held at once (as the survey did before it kept memory
    flat)."""
    first: dict[str, dict[str, str]] = {}
    differ: dict[str, set[str]] = {}
    for product in products:
        if not product.group_id:
            continue
        values = {a: str(getattr(product, a) or "") for a in AXES}
        values.update((f"option:{k}", v) for k, v in product.variant_options.items())
        seen = first.setdefault(product.group_id, values)
        changed = {k for k in seen.keys() | values.keys() if seen.get(k, "") != values.get(k, "")}
        differ.setdefault(product.group_id, set()).update(changed)
    return {
        group: ([a for a in AXES if a in found], sorted(k[7:] for k in found if k.startswith("option:")))
        if found
        else None
        for group, found in differ.items()
    }


def _runs(products: list[Any]) -> dict[str, bool]:
    """Whether each family's variants come one after another (variants of no group between them aside)."""
    grouped = [p.group_id for p in products if p.group_id]
    runs = [g for i, g in enumerate(grouped) if i == 0 or grouped[i - 1] != g]
    return {group: runs.count(group) == 1 for group in set(grouped)}


variants = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D", None]),
        st.fixed_dictionaries({}, optional={a: st.sampled_from(["", "x", "y"]) for a in AXES}),
        st.dictionaries(st.sampled_from(["Finish", "Scent"]), st.sampled_from(["m", "n"]), max_size=2),
    ),
    max_size=14,
)


@settings(max_examples=300)
@given(rows=variants, recent=st.sampled_from([0, 1, 2, 1024]))
def test_the_survey_answers_as_a_read_holding_every_family(rows: list[Any], recent: int) -> None:
    products = [_variant(*row) for row in rows]
    reads = 0

    def catalog() -> Iterator[Any]:
        nonlocal reads
        reads += 1
        return iter(products)

    survey = FamilySurvey()
    survey.RECENT = recent
    survey.read(catalog)
    expected = _reference(products)
    assert {group: survey.axes(group) for group in expected} == expected
    runs = _runs(products)
    assert {group: survey.grouped(group) for group in runs} == runs
    assert reads == 1 if all(runs.values()) else reads <= 2
    assert survey.axes("never-read") is None and not survey.grouped("never-read") and not survey.grouped(None)


def _as_runs(products: list[Any], cuts: list[bool], keyed: list[bool]) -> list[Any]:
    """The variants of no option as a columnar read gives them: a family's one after another in runs (a run cut
    where ``cuts`` says, as a batch ends), those of no family left out; the others one by one."""
    made: list[Any] = []
    owned: dict[str, list[Any]] = {"amazon_parent_sku": ["P" if k else "" for k in keyed]}
    ids = [f"S{at}" for at in range(len(products))]
    run: Run | None = None
    for at, product in enumerate(products):
        if product.variant_options:
            made.append(product)
            run = None
            continue
        if not product.group_id:
            continue
        values = {a: str(getattr(product, a) or "") for a in AXES}
        if run is not None and run.group_id == product.group_id and run.end == at and not cuts[at]:
            run.end = at + 1
            run.differ.update(a for a in AXES if values[a] != run.first[a])
            continue
        run = Run(product.group_id, values, set(), owned, ids, at, at + 1)
        made.append(run)
    return made


@settings(max_examples=300)
@given(rows=variants, recent=st.sampled_from([0, 1, 1024]), data=st.data())
def test_runs_of_a_family_s_variants_survey_as_the_variants_one_by_one(rows: list[Any], recent: int, data: Any) -> None:
    """A columnar read hands the survey a family's variants one after another at once (``Run``): the survey's
    answers, whether each family came together, which are scattered or read again, and whether a variant names
    another parent are those of the variants told one by one, however the runs are cut."""
    products = [_variant(*row) for row in rows]
    cuts = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    keyed = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    for product, key in zip(products, keyed, strict=True):
        product.attributes = {"amazon_parent_sku": "P"} if key else {}
        product.id = "x"
    surveys = []
    for told in (products, _as_runs(products, cuts, keyed)):
        survey = FamilySurvey(("amazon_parent_sku",))
        survey.RECENT = recent
        survey.read(lambda told=told: iter(told))
        surveys.append(survey)
    one, runs = surveys
    groups = ["A", "B", "C", "D", None]
    assert [runs.answer(g) for g in groups] == [one.answer(g) for g in groups]
    assert [runs.grouped(g) for g in groups] == [one.grouped(g) for g in groups]
    assert runs.rekeyed == one.rekeyed and set(runs._scattered) == set(one._scattered)


def test_a_family_scattered_past_the_recent_ones_is_read_again() -> None:
    products = [_variant("A", {"color": "Red"}, {}), _variant("B", {}, {}), _variant("A", {"color": "Blue"}, {})]
    reads = []
    survey = FamilySurvey()
    survey.RECENT = 0
    survey.read(lambda: reads.append(1) or iter(products))
    assert len(reads) == 2 and survey.axes("A") == (["color"], []) and not survey.grouped("A")
    reads.clear()
    survey = FamilySurvey()
    survey.read(lambda: reads.append(1) or iter(products))  # A's first values were still kept: one read
    assert len(reads) == 1 and survey.axes("A") == (["color"], [])


SCATTERED = [ROWS[0], ROWS[3], ROWS[1], ROWS[5], ROWS[4], ROWS[2], ROWS[6]]  # lamps and rugs interleaved
ORIGIN = "country_of_origin: \"{{ 'DE' if size == 'Large' else 'CN' }}\""


@pytest.mark.parametrize("recent", [0, 1024])
def test_scattered_families_keep_their_parents_facts_themes_and_findings(
    recent: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(FamilySurvey, "RECENT", recent)
    findings = {}
    messages = {}
    for name, rows in (("grouped", ROWS), ("scattered", SCATTERED)):
        (tmp_path / name).mkdir()
        config = family_catalog(tmp_path / name, "US", rows=rows)
        config.write_text(config.read_text().replace('country_of_origin: "CN"', ORIGIN))
        monkeypatch.chdir(tmp_path / name)
        result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
        assert result.exit_code == 0, result.output
        findings[name] = sorted(
            (d["code"], d["product_id"], d["field"], d["message"]) for d in json.loads(result.stdout)["diagnostics"]
        )
        written = by_sku(build(tmp_path / name, config))
        messages[name] = {sku: {k: v for k, v in m.items() if k != "messageId"} for sku, m in written.items()}
    assert ("AMZ015", "LAMP-L-BLK", "country_of_origin") in {f[:3] for f in findings["scattered"]}
    assert findings["scattered"] == findings["grouped"]
    assert messages["scattered"] == messages["grouped"]


def test_the_parent_facts_of_a_closed_family_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalog of 40 families, each one's variants one after another: the encoder holds one family's parent
    facts at a time, not every family's."""
    monkeypatch.chdir(tmp_path)
    rows = [
        (f"F{n}-{size}", f"F{n}", "Lamp", "9.00", "", "Black", size, "", "", "new", "900 g", "1", "")
        for n in range(40)
        for size in ("Small", "Large")
    ]
    held: list[int] = []
    enter = AmazonEncoder._enter

    def counted(self: AmazonEncoder, group: str | None) -> None:
        enter(self, group)
        held.append(len(self._families))

    monkeypatch.setattr(AmazonEncoder, "_enter", counted)
    messages = by_sku(build(tmp_path, family_catalog(tmp_path, "US", rows=rows)))
    assert len(messages) == 120 and len(held) == 80
    assert max(held) == 1


@pytest.mark.parametrize("keyed", ["override column", "parent template", "rule"])
def test_a_parent_another_family_may_name_is_kept_for_the_run(
    keyed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rugs' items name the lamps' parent (a column overriding their group id in the Amazon channel, the
    channel's parent SKU template, or a rule): the lamps' parent facts are kept after the lamps, and the findings
    are those of a run that keeps every parent's facts."""
    monkeypatch.chdir(tmp_path)
    config = family_catalog(tmp_path, "US")
    origin = "country_of_origin: \"{{ 'DE' if size == 'Large' or pattern else 'CN' }}\""  # the rugs' is another
    config.write_text(config.read_text().replace('country_of_origin: "CN"', origin))
    source = tmp_path / "products.csv"
    if keyed == "override column":
        lines = source.read_text(encoding="utf-8").splitlines()
        rows = [lines[0] + ",amazon_group_id"] + [
            f"{line},{'LAMP' if line.startswith('RUG') else ''}" for line in lines[1:]
        ]
        source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    elif keyed == "parent template":
        parent = "      parent_sku: \"{{ 'LAMP' if group_id == 'RUG' else group_id }}\"\n"
        config.write_text(config.read_text().replace("    fields:\n", "    fields:\n" + parent))
    else:
        rule = "{name: one parent, when: [{field: group_id, equals: RUG}], then: [{set: group_id, value: LAMP}]}"
        config.write_text(config.read_text() + f"    rules:\n      - {rule}\n")
    found = {}
    for name, keep_all in (("kept", True), ("dropped", False)):
        with monkeypatch.context() as patched:
            if keep_all:
                patched.setattr(FamilySurvey, "grouped", lambda self, group_id: False)
            result = runner.invoke(app, ["validate", "-c", str(config), "--format", "json"])
            assert result.exit_code in (0, 1), result.output
            found[name] = [(d["code"], d["product_id"], d["message"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert any(code == "AMZ015" and sku.startswith("RUG") for code, sku, _ in found["kept"])  # against the lamps'
    assert found["dropped"] == found["kept"]


@settings(max_examples=300)
@given(rows=variants)
def test_a_survey_told_each_family_ahead_answers_as_the_whole_read_or_says_it_cannot(rows: list[Any]) -> None:
    """Read a family ahead (a row split's share): the answers of a read of the whole catalog while the families come
    one after another; ``Unsurveyed`` at the first family that comes again."""
    from feedsync.channels.base import Unsurveyed
    from feedsync.lookahead import families_ahead

    products = [_variant(*row) for row in rows]
    survey = FamilySurvey(ahead=True)
    runs = _runs(products)
    read = families_ahead(lambda emit: iter(products), lambda d: None, [survey])
    if not all(runs.values()):
        with pytest.raises(Unsurveyed, match="comes again after another family"):
            list(read)
        return
    for product in read:  # asked as the encoder asks: when the family's first variant comes
        if product.group_id:
            assert survey.axes(product.group_id) == _reference(products)[product.group_id]
    assert {group: survey.grouped(group) for group in runs} == runs


@settings(max_examples=300)
@given(rows=variants, cuts=st.sets(st.integers(1, 13), max_size=4))
def test_a_survey_told_whole_batches_ahead_answers_as_the_whole_read_or_says_it_cannot(
    rows: list[Any], cuts: set[int]
) -> None:
    """Told ahead a batch at a time (the columnar gate's batches, each told before any of its rows is made): a family
    may come again after another within a batch (it is scattered, as a read of the whole catalog finds it); one whose
    rows are in two batches raises ``Unsurveyed`` (its first rows were made already)."""
    from feedsync.channels.base import Unsurveyed

    products = [_variant(*row) for row in rows]
    bounds = [0, *sorted(c for c in cuts if c < len(products)), len(products)]
    batches = [products[a:b] for a, b in itertools.pairwise(bounds)]
    held = [{p.group_id for p in batch if p.group_id} for batch in batches]
    survey = FamilySurvey(ahead=True)
    if any(a & b for a, b in itertools.combinations(held, 2)):  # a family in two batches
        with pytest.raises(Unsurveyed, match="comes again after another family"):
            for batch in batches:
                survey.told(batch)
        return
    for batch in batches:
        survey.told(batch)
    whole = FamilySurvey()
    whole.read(lambda: iter(products))
    for group in {p.group_id for p in products if p.group_id}:
        assert survey.axes(group) == _reference(products)[group] == whole.axes(group)
        assert survey.grouped(group) == whole.grouped(group) == _runs(products)[group]


def test_a_family_scattered_within_a_batch_told_ahead_is_scattered_for_the_run() -> None:
    """A family that came again within its batch is kept by name for the run (its parent's facts with it): told
    again in a later batch, it raises like any other."""
    from feedsync.channels.base import Unsurveyed

    survey = FamilySurvey(ahead=True)
    survey.told([_variant("A", {"size": "S"}, {}), _variant("B", {}, {}), _variant("A", {"size": "M"}, {})])
    assert survey.axes("A") == (["size"], []) and not survey.grouped("A") and survey.grouped("B")
    with pytest.raises(Unsurveyed, match="family 'A' comes again"):
        survey.told([_variant("A", {"size": "L"}, {})])


def test_a_survey_told_each_family_ahead_cannot_answer_for_a_variant_given_another_parent() -> None:
    from feedsync.channels.base import Unsurveyed

    moved = SimpleNamespace(id="V2", attributes={"amazon_parent_sku": "OTHER"}, **vars(_variant("A", {}, {})))
    survey = FamilySurvey(("amazon_group_id", "amazon_parent_sku"), ahead=True)
    survey.family([SimpleNamespace(attributes={}, **vars(_variant("A", {}, {})))])
    with pytest.raises(Unsurveyed, match="'V2' may have another parent"):
        survey.family([moved])
    whole = FamilySurvey(("amazon_group_id", "amazon_parent_sku"))
    whole.read(lambda: iter([moved]))  # read whole, it keeps every parent's facts for the run instead
    assert not whole.grouped("A")
