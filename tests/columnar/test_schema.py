"""A definition's verdict a column at a time (feedsync.columnar.schema) is the per-row verdict
(``CompiledSchema.valid`` of each row's message, and schema_check's closures), and its JSON text is
``json_listings.encode``'s: on random schemas over random shapes, and on the shared product type definitions over
messages built from their own attributes."""

from __future__ import annotations

import contextlib
import copy
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.channels.amazon.offers import number_of_text
from feedsync.channels.amazon.schema_check import compile_schema
from feedsync.columnar.fields import NotColumnar
from feedsync.columnar.schema import Arr, Const, Leaf, Obj, Shape, Verdict, differs, json_null, json_text
from feedsync.columnar.schema import complete as complete_shape
from feedsync.formats.json_listings import encode
from tests.channels.amazon_reference import DEFINITIONS, SHARED_FILES, load
from tests.channels.test_amazon_schema_check import BROKEN, FORMATTED, complete
from tests.channels.test_amazon_schema_codegen import NAMES, objects, requirement_schemas, schemas


def _read_number(text: str) -> Any:
    return number_of_text(text)[0]


def _read_bool(text: str) -> bool:
    return text == "true"


TEXTS = ["", "a", "ab", "abc", "b", "value", "ü", "üü", "ü" * 300, "not-in-any-enum", "x" * 2100, "1", 'A\n"b\\']
TEXTS += ["tab\there", "cr\r\nlf", "\x00\x1f\x08\x0c\x0b", "\x7f\u2028\x1e"]  # escaped in the whole text
TEXTS += [*FORMATTED.values(), *BROKEN]
NUMBERS = ["0", "1", "2", "-1", "1.0", "0.5", "2.5", "0.10", "77.99", "0.1", "12.345", "3", "1000000", "0.00001"]
BOOLS = ["true", "false"]
READS: dict[str, tuple[list[str], Callable[[str], Any] | None]] = {
    "string": (TEXTS, None),
    "number": (NUMBERS, _read_number),
    "boolean": (BOOLS, _read_bool),
}


@dataclass
class Columns:
    """The columns a shape reads, with the values each may take in a row."""

    choices: dict[str, list[Any]] = field(default_factory=dict)
    base: dict[str, Any] = field(default_factory=dict)
    """A row of the value the template was made from (``_template_of``)."""
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def new(self, choices: list[Any], base: Any = None) -> str:
        name = f"c{next(self.counter)}"
        self.choices[name] = choices
        self.base[name] = choices[0] if base is None else base
        return name


# A template: the shape and how to make a row's value of it -------------------------------------------------------


@dataclass
class Template:
    shape: Shape
    value: Callable[[dict[str, Any]], Any]
    """The row's value (absent: ``_ABSENT``)."""


_ABSENT = object()


def const(value: Any) -> Template:
    return Template(Const(value), lambda row: copy.deepcopy(value))


def leaf(columns: Columns, kind: str, choices: list[str] | None = None) -> Template:
    pool, read = READS[kind]
    name = columns.new(choices or pool)
    reader = read or (lambda text: text)
    return Template(Leaf(pl.col(name), kind, read), lambda row: reader(row[name]))


def obj(columns: Columns, members: list[tuple[str, Template, bool]], extra: str | None = None) -> Template:
    """``extra``: the member absent from the base row."""
    made, presences = [], []
    for member_name, template, varies in members:
        present = columns.new([True, False], member_name != extra) if varies else None
        made.append((member_name, template.shape, None if present is None else pl.col(present)))
        presences.append((member_name, template, present))

    def value(row: dict[str, Any]) -> Any:
        return {n: t.value(row) for n, t, p in presences if p is None or row[p]}

    return Template(Obj(tuple(made)), value)


def arr(columns: Columns, entries: list[Template], varies: bool, base: int | None = None) -> Template:
    size = columns.new(list(range(len(entries) + 1)), base) if varies else None
    made = tuple((t.shape, None if size is None else pl.col(size) > i) for i, t in enumerate(entries))

    def value(row: dict[str, Any]) -> Any:
        kept = entries if size is None else entries[: row[size]]
        return [t.value(row) for t in kept]

    return Template(Arr(made), value)


scalars = st.sampled_from([None, True, False, 0, 1, -1, 1.0, 0.5, 0.1, "", "a", "ab", "ü", "value"])  # as messages hold


@st.composite
def templates(draw: st.DrawFn, columns: Columns, depth: int = 0) -> Template:
    kind = draw(st.sampled_from(["const", "string", "number", "boolean", "obj", "arr"] if depth < 3 else ["string"]))
    if kind == "const":
        return const(draw(scalars))
    if kind in READS:
        return leaf(columns, kind)
    if kind == "obj":
        names = draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
        return obj(columns, [(n, draw(templates(columns, depth + 1)), draw(st.booleans())) for n in names])
    entries = draw(st.lists(templates(columns, depth + 1), max_size=3))
    return arr(columns, entries, draw(st.booleans()))


def rows_of(columns: Columns, rng: random.Random, height: int) -> list[dict[str, Any]]:
    return [{name: rng.choice(choices) for name, choices in columns.choices.items()} for _ in range(height)]


class Asks:
    """``Compiler.ask`` for tests: each ask a column of the function's answers, made by ``run``."""

    def __init__(self) -> None:
        self.asks: list[tuple[str, pl.Expr, Callable[[Any], Any], Any]] = []
        self.asked = 0

    def __call__(self, e: pl.Expr, function: Callable[[Any], Any], dtype: Any) -> pl.Expr:
        name = f"__ask{len(self.asks)}"
        self.asks.append((name, e, function, dtype))
        return pl.col(name)

    def run(self, frame: pl.DataFrame) -> pl.DataFrame:
        for name, e, function, dtype in self.asks:
            distinct = frame.select(e.drop_nulls().unique().alias("v"))["v"].to_list()
            self.asked += len(distinct)
            table = {value: function(value) for value in distinct}
            frame = frame.with_columns(e.replace_strict(table, default=None, return_dtype=dtype).alias(name))
        return frame


def frame_of(columns: Columns, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {
        name: pl.Boolean if choices and isinstance(choices[0], bool) else pl.Int32 if isinstance(choices[0], int)
        else pl.String
        for name, choices in columns.choices.items()
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema) if schema else pl.DataFrame({"_": [0] * len(rows)})


def verdicts(
    schema: Any, template: Template, columns: Columns, rows: list[dict[str, Any]]
) -> tuple[list[bool], list[str]]:
    asks = Asks()
    verdict = Verdict(schema if isinstance(schema, dict) else {}, asks)
    made = verdict.of(schema, template.shape) if not isinstance(schema, dict) else None
    check = verdict(template.shape) if made is None else pl.lit(made) if isinstance(made, bool) else made
    text = json_text(template.shape, asks)
    frame = asks.run(frame_of(columns, rows))
    out = frame.with_columns(ok=check, text=text)  # (literals as tall as the frame)
    return out["ok"].to_list(), out["text"].to_list()


def assert_same(schema: Any, template: Template, columns: Columns, rows: list[dict[str, Any]]) -> None:
    got, texts = verdicts(schema, template, columns, rows)
    compiled = compile_schema(schema if isinstance(schema, dict) else {"allOf": [schema]})
    for row, verdict, text in zip(rows, got, texts, strict=True):
        value = template.value(row)
        assert verdict is compiled.valid(value), (schema, value)
        assert verdict is compiled._check(value, (), None), (schema, value)
        assert text == encode(value), value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schemas, st.data(), st.randoms(use_true_random=False))
def test_random_schemas_on_random_shapes_are_the_per_row_verdict(schema: Any, data: Any, rng: random.Random) -> None:
    columns = Columns()
    template = data.draw(templates(columns))
    with contextlib.suppress(
        NotColumnar
    ):  # only an enum or const of objects and arrays that vary, or selectors that vary
        assert_same(schema, template, columns, rows_of(columns, rng, 12))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(objects, st.data(), st.randoms(use_true_random=False))
def test_random_rule_sets_on_messages_are_the_per_row_verdict(schema: Any, data: Any, rng: random.Random) -> None:
    columns = Columns()
    names = data.draw(st.lists(st.sampled_from(NAMES), max_size=3, unique=True))
    members = []
    for name in names:
        entry = obj(columns, [(n, data.draw(templates(columns, 2)), data.draw(st.booleans())) for n in NAMES[:2]])
        members.append((name, arr(columns, [entry, entry], data.draw(st.booleans())), data.draw(st.booleans())))
    template = obj(columns, members)
    with contextlib.suppress(NotColumnar):
        assert_same(schema, template, columns, rows_of(columns, rng, 12))


def test_translated_where_the_encoder_makes_it_so() -> None:
    """Selectors that are the same in every row (marketplace, language) count entries by presence; an enum of a
    varying object is refused, not guessed."""
    columns = Columns()
    entry = obj(columns, [("value", leaf(columns, "string"), False), ("marketplace_id", const("M"), False)])
    template = arr(columns, [entry, entry, entry], True)
    schema = {"maxUniqueItems": 2, "selectors": ["marketplace_id"], "items": {"required": ["value"]}}
    rows = rows_of(columns, random.Random(3), 40)
    assert_same(schema, template, columns, rows)
    assert {len(template.value(r)) for r in rows} == {0, 1, 2, 3}
    with pytest.raises(NotColumnar):
        verdicts({"enum": [[]]}, template, columns, rows)
    # entries that are not objects are their own keys, whatever the selectors: None and true are two
    columns = Columns()
    template = arr(columns, [const(None), const(True), const(1), const(1.0)], True)
    rows = rows_of(columns, random.Random(4), 40)
    assert_same({"maxUniqueItems": 1, "selectors": []}, template, columns, rows)
    assert_same({"maxUniqueItems": 1, "selectors": ["a"]}, template, columns, rows)
    assert {len(template.value(r)) for r in rows} == {0, 1, 2, 3, 4}
    # selectors' values compared as JSON Schema compares them: true is not 1, 1.0 is 1
    columns = Columns()
    kinds = [const(True), const(1), const(1.0)]
    template = arr(columns, [obj(columns, [("kind", kind, False)]) for kind in kinds], True)
    rows = rows_of(columns, random.Random(5), 40)
    got, _ = verdicts({"maxUniqueItems": 1, "selectors": ["kind"]}, template, columns, rows)
    assert got == [len(template.value(row)) < 3 for row in rows]
    assert_same({"maxUniqueItems": 1, "selectors": ["kind"]}, template, columns, rows)


def test_one_of_is_exactly_one() -> None:
    columns = Columns()
    template = leaf(columns, "string", ["a", "ab", "abc", "abcd"])
    rows = rows_of(columns, random.Random(7), 60)
    schema = {"oneOf": [{"maxLength": 2}, {"enum": ["ab", "abc"]}]}
    got, _ = verdicts(schema, template, columns, rows)
    assert got == [row["c0"] in ("a", "abc") for row in rows]  # "ab" passes both
    assert_same(schema, template, columns, rows)


def test_selectors_that_vary_count_the_entries_that_share_them() -> None:
    """An identifier's type varies by row (ean, upc, gtin), absent in some entries, known in others."""
    columns = Columns()
    kinds = ["ean", "upc", "gtin"]

    def entry(kind: Template, varies: bool) -> Template:
        return obj(
            columns,
            [("type", kind, varies), ("value", leaf(columns, "string"), False), ("marketplace_id", const("M"), False)],
        )

    entries = [entry(leaf(columns, "string", kinds), True), entry(leaf(columns, "string", kinds), False)]
    entries += [entry(const("ean"), False), entry(leaf(columns, "string", kinds), True)]
    template = arr(columns, entries, True)
    rows = rows_of(columns, random.Random(6), 400)
    for schema in (
        {"maxUniqueItems": 1, "selectors": ["marketplace_id", "type"]},
        {"minUniqueItems": 2, "selectors": ["type"]},
        {"maxUniqueItems": 1, "selectors": ["type", "absent"]},
    ):
        assert_same(schema, template, columns, rows)
        got, _ = verdicts(schema, template, columns, rows)
        assert 40 < sum(got) < 360, schema  # both verdicts, often


def test_texts_are_judged_natively_and_patterns_once_per_value() -> None:
    columns = Columns()
    template = leaf(columns, "string", ["a", "b", "ab", "ü" * 3])
    rows = rows_of(columns, random.Random(1), 200)
    asks = Asks()
    verdict = Verdict({}, asks)
    native = verdict.of(
        {"type": "string", "maxLength": 3, "enum": ["a", "ab", "üüü"], "maxUtf8ByteLength": 4}, template.shape
    )  # "üüü": three characters, six bytes
    assert not asks.asks  # no value asked
    pattern = verdict.of({"pattern": "^a"}, template.shape)
    frame = asks.run(frame_of(columns, rows))
    assert asks.asked == 4  # each distinct value once
    out = frame.select(native=native, pattern=pattern)
    for row, ok, matched in zip(rows, out["native"], out["pattern"], strict=True):
        assert ok is (row["c0"] in ("a", "ab"))  # "üüü" is over the UTF-8 limit
        assert matched is row["c0"].startswith("a")


# The shared definitions, over messages made of their own attributes ---------------------------------------------


SELECTORS = ("marketplace_id", "language_tag")
"""The entries' selectors: the encoder writes the channel's marketplace and language in every entry."""


def _template_of(value: Any, columns: Columns, rng: random.Random, top: bool = False) -> Template:
    """A template whose rows hold ``value`` or values like it: each scalar a column of values of its type, each
    attribute present or not, each list of entries holding the first few or all."""
    if isinstance(value, dict):
        members = [
            (k, const(v), False) if k in SELECTORS else (k, _template_of(v, columns, rng), top or rng.random() < 0.2)
            for k, v in value.items()
        ]
        if top:
            members.append(("unexpected_attribute", const([{"value": 1}]), True))
        return obj(columns, members, "unexpected_attribute")
    if isinstance(value, list):
        entries = [_template_of(v, columns, rng) for v in value]
        if value and isinstance(value[0], dict):
            entries.append(_template_of(value[0], columns, rng))  # a second entry of the same selectors
        return arr(columns, entries, True, len(value))
    if isinstance(value, bool):
        return leaf(columns, "boolean", ["true" if value else "false", *BOOLS])
    if isinstance(value, (int, float, Decimal)):
        return leaf(columns, "number", [str(value), *rng.sample(NUMBERS, 4)])
    if isinstance(value, str):
        return leaf(columns, "string", [value, value, *rng.sample(TEXTS, 4)])
    return const(value)


@pytest.mark.parametrize("name", SHARED_FILES)
def test_the_shared_definitions_on_messages_of_their_attributes(name: str) -> None:
    if not DEFINITIONS.is_dir():
        pytest.skip("../shared is not beside the project")
    schemas = requirement_schemas(load(DEFINITIONS / name))
    rng = random.Random(name)
    passed = failed = 0
    for schema in schemas.values():
        compiled = compile_schema(schema)
        for _ in range(3):
            message = complete(schema, rng, optional=6)
            columns = Columns()
            template = _template_of(message, columns, rng, top=True)
            rows = rows_of(columns, rng, 100)
            for _ in range(150):  # the message with a few values changed
                row = dict(columns.base)
                for changed in rng.sample(sorted(row), min(len(row), rng.randrange(3))):
                    row[changed] = rng.choice(columns.choices[changed])
                rows.append(row)
            rows.append(dict(columns.base))  # the message itself
            assert template.value(rows[-1]) == message
            got, texts = verdicts(schema, template, columns, rows)
            for row, verdict, text in zip(rows, got, texts, strict=True):
                value = template.value(row)
                assert verdict is compiled.valid(value), (name, value)
                assert text == encode(value)
                passed += verdict
                failed += not verdict
    assert passed > 20 and failed > 20, (passed, failed)


def _differs(template: Template, columns: Columns, rows: list[dict[str, Any]], at: list[int]) -> list[bool]:
    """Each row's ``differs`` from the row ``at`` names, made a column at a time."""
    asks = Asks()
    made = differs(template.shape, pl.col("__at"), asks)
    if made is None:  # never differs
        return [False] * len(rows)
    frame = asks.run(frame_of(columns, rows)).with_columns(__at=pl.Series(at, dtype=pl.Int64))
    return frame.select(d=made)["d"].to_list()


def test_values_differ_where_python_finds_them_unequal() -> None:
    """Numbers by value (906 and 906.0, 0 and -0.0, 1000 and 1e3), never a number and a text; a member present
    in one row only differs."""
    columns = Columns()
    texts = ["906", "906.0", "1e3", "1000", "0", "-0.0", "0.0", "0.1", "0.10", "2.5", "1"]
    template = obj(
        columns, [("n", leaf(columns, "number", texts), True), ("t", leaf(columns, "string", ["1", "a"]), False)]
    )
    rows = rows_of(columns, random.Random(9), 200)
    values = [template.value(row) for row in rows]
    alike = [(i, j) for i, j in itertools.combinations(range(len(rows)), 2) if values[i] == values[j]]
    written_otherwise = [(i, j) for i, j in alike if encode(values[i]) != encode(values[j])]
    assert written_otherwise  # (the catalog has such rows)
    for first in {0, 7, 31, *written_otherwise[0]}:
        got = _differs(template, columns, rows, [first] * len(rows))
        assert got == [value != values[first] for value in values]
        assert 0 < sum(got) < len(rows) - 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.randoms(use_true_random=False))
def test_random_shapes_differ_where_python_finds_them_unequal(data: Any, rng: random.Random) -> None:
    """Rows made of a first row with a column or two changed (so that many are equal), each compared with a row of
    the batch: the verdict is Python's ``!=`` of their values."""
    columns = Columns()
    template = data.draw(templates(columns))
    base = rows_of(columns, rng, 1)[0]
    rows = []
    for _ in range(16):
        row = dict(base)
        for name in rng.sample(sorted(columns.choices), min(len(columns.choices), rng.choice([0, 1, 1, 2]))):
            row[name] = rng.choice(columns.choices[name])
        rows.append(row)
    at = [rng.randrange(len(rows)) for _ in rows]
    values = [template.value(row) for row in rows]
    got = _differs(template, columns, rows, at)
    assert got == [values[i] != values[at[i]] for i in range(len(rows))], values


def _plain_complete(shape: Any, present: pl.Expr | None = None) -> Any:
    """``complete`` as a formula over every presence and leaf, nothing left out (the reference)."""
    if isinstance(shape, Leaf):
        held = shape.text.is_not_null()
        return held if present is None else (~present | held)
    if isinstance(shape, Const):
        return pl.lit(True)
    parts = shape.members if isinstance(shape, Obj) else tuple((None, s, p) for s, p in shape.entries)
    truths = [pl.lit(True)]
    for _, sub, own in parts:
        if own is not None:
            truths.append(own.is_not_null())
        given = own if present is None else (present if own is None else present & own)
        truths.append(_plain_complete(sub, given))
    return pl.all_horizontal(truths)


@settings(max_examples=200, deadline=None)
@given(st.data(), st.randoms(use_true_random=False))
def test_what_complete_leaves_out_holds_of_every_row(data: Any, rng: random.Random) -> None:
    """A presence that is a null test (of its own leaf, of another column) and nested presences, over columns with
    nulls: ``complete`` says what the whole formula says, row by row, nulls included (what it leaves out, the null
    test of a null test and a leaf's own test of a leaf within it, is true of every row)."""
    names = [f"t{n}" for n in range(4)] + [f"b{n}" for n in range(3)]

    def presence() -> pl.Expr | None:
        kind = data.draw(st.sampled_from(["none", "flag", "own", "other", "null-test"]))
        column = data.draw(st.sampled_from(names[:4]))
        return {
            "none": None,
            "flag": pl.col(data.draw(st.sampled_from(names[4:]))),
            "own": None,  # replaced by the leaf's own test below
            "other": pl.col(column).is_not_null(),
            "null-test": pl.col(column).is_null(),
        }[kind], kind

    def shape(depth: int) -> Any:
        if depth == 0 or data.draw(st.booleans()):
            return Leaf(pl.col(data.draw(st.sampled_from(names[:4]))), "string", None)
        members = []
        for index in range(data.draw(st.integers(1, 3))):
            sub = shape(depth - 1)
            own, kind = presence()
            if kind == "own" and isinstance(sub, Leaf):
                own = sub.text.is_not_null()
            members.append((f"m{index}", sub, own))
        return Obj(tuple(members))

    made = shape(3)
    rows = {n: [rng.choice(["x", None]) for _ in range(24)] for n in names[:4]}
    rows |= {n: [rng.choice([True, False, None]) for _ in range(24)] for n in names[4:]}
    frame = pl.DataFrame(rows, schema={n: pl.String if n.startswith("t") else pl.Boolean for n in names})
    got = complete_shape(made)
    got = pl.lit(got) if isinstance(got, bool) else got
    made_here = frame.with_columns(got.alias("got"), _plain_complete(made).alias("plain"))
    assert made_here["got"].to_list() == made_here["plain"].to_list()


@settings(max_examples=200, deadline=None)
@given(st.data(), st.randoms(use_true_random=False))
def test_where_the_text_is_null_is_found_without_making_it(data: Any, rng: random.Random) -> None:
    """``json_null``: row by row, where ``json_text`` of the shape is null (escaped or not), over leaves read as
    they are or asked (numbers, booleans), constants, and objects and arrays whose parts are always there or present
    where a column says (true, false or null), over columns with nulls."""
    values = {"leaf": ["x", 'a"b', None], "number": ["1", "2.5", None], "boolean": ["true", "false", None]}
    texts = {f"{kind}{n}": kind for kind in values for n in range(2)}  # each column read as one kind
    flags = [f"b{n}" for n in range(3)]

    def shape(depth: int) -> Shape:
        kind = data.draw(st.sampled_from(["leaf", "number", "boolean", "const", "obj", "arr"] if depth else ["leaf"]))
        if kind in values:
            column = data.draw(st.sampled_from([name for name, of in texts.items() if of == kind]))
            read = None if kind == "leaf" else READS[kind][1]
            return Leaf(pl.col(column), "string" if kind == "leaf" else kind, read)
        if kind == "const":
            return Const(data.draw(scalars))
        parts = []
        for _ in range(data.draw(st.integers(0, 3))):
            present = data.draw(st.sampled_from([None, None, *flags]))
            parts.append((shape(depth - 1), None if present is None else pl.col(present)))
        if kind == "arr":
            return Arr(tuple(parts))
        return Obj(tuple((f"m{index}", sub, present) for index, (sub, present) in enumerate(parts)))

    made = shape(3)
    rows: dict[str, list[Any]] = {n: [rng.choice(values[kind]) for _ in range(24)] for n, kind in texts.items()}
    rows |= {n: [rng.choice([True, False, None]) for _ in range(24)] for n in flags}
    frame = pl.DataFrame(rows, schema={n: pl.String if n in texts else pl.Boolean for n in rows})
    asks = Asks()
    plain, escaped = json_text(made, asks, controls=False), json_text(made, asks)
    found = json_null(made)
    frame = asks.run(frame).with_columns(
        null=pl.lit(found) if isinstance(found, bool) else found, plain=plain.is_null(), escaped=escaped.is_null()
    )
    assert frame["null"].to_list() == frame["plain"].to_list() == frame["escaped"].to_list()
    if not isinstance(found, bool):
        assert frame["null"].null_count() == 0
