"""A channel's fields compiled into expressions (``columnar.fields``) against the per-row engine: for the built-in
profiles over random native catalogs and the demo catalog, every row the expressions say they are exact for has
the values the channel's generated ``field_values`` gives for the product's view (the category map, the
settings, the model's defaults). Channels whose view does more (rules) are not translated."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedsync.channels.profile import compile_channels
from feedsync.columnar.fields import Compiler, NotColumnar, shared_lets
from feedsync.columnar.source import normalized
from feedsync.config import Config, load_config
from feedsync.sources import open_source
from feedsync.sources.base import normalize_context
from tests.columnar.test_source import BASELINE, CHOICES, COLUMNS
from tests.conftest import DEMO, write_config

PROFILES = ("google_merchant", "facebook", "pinterest", "amazon")


def _config(directory: Path, catalog: Path) -> Config:
    channels = "".join(
        f"  {profile}:\n    profile: {profile}\n    category_map: {DEMO / 'categories.yaml'}\n" for profile in PROFILES
    )
    channels += "    settings: {seller_id: A2FIELDS00001}\n"  # amazon's, the last
    text = f"source:\n  path: {catalog}\n  currency: USD\n  base_url: https://shop.example.com\n"
    return load_config(write_config(directory, text + f"channels:\n{channels}"))


def compare(config: Config) -> dict[str, tuple[int, int]]:
    """Each channel's rows compared and rows read; asserts the values of every row compared."""
    context = normalize_context(config.source)
    raw = pl.read_csv(config.source.path, infer_schema=False)
    out, exact = normalized(raw.columns, context)
    frame = raw.select(exact=exact, **out)
    products = {product.source.row: product for product in open_source(config.source).products(lambda d: None)}
    counts = {}
    for channel in compile_channels(config):
        compiler = Compiler(channel, context.currency or "")
        fields = compiler.fields()
        ok = pl.col("exact") & compiler.exact()
        made = compiler.run(frame).select(ok=ok, **fields)
        # told what is read of it, a run lets go of every other column it made, and reads the same values
        read = {name for e in [ok, *fields.values()] for name in e.meta.root_names()}
        kept = compiler.run(frame, read)
        assert set(kept.columns) <= set(frame.columns) | read
        assert kept.select(ok=ok, **fields).equals(made)
        compared = 0
        for index, row in enumerate(made.to_dicts()):
            if not row.pop("ok"):
                continue
            product = products[index + 2]  # the header is row 1
            view = channel.view(product, None, lambda d: None)
            assert view is not None and channel.field_values is not None
            expected = channel.field_values(view)
            assert {name: value for name, value in row.items() if value is not None} == expected, (channel.name, index)
            compared += 1
        counts[channel.name] = (compared, made.height)
    return counts


_TYPES = ["Men > Tops", "Men > Tops > Tees", "women >  dresses", "Toys", ""]
_DESCRIPTIONS = ["<p>Soft &amp; warm</p><ul><li>One</li><li>Two &bull; x</li></ul>", "Plain", "<li>a < b</li>", "&#39;"]
_COMMON = {
    "product_type": _TYPES,
    "description": _DESCRIPTIONS,
    "title": ["Tee", "Blue Tee", "Tee (S)", "NORTHWIND Tee", " Tee  2 "],
    "brand": ["Northwind", "", "tee"],
    "color": ["Blue", "blue", "", "Crème"],
}


def catalog_row(choose: Callable[[list[Any]], Any]) -> dict[str, str]:
    """A row of the catalog's common forms (a product type of the demo's map or not, descriptions with list items
    and entities), a few of its cells drawn from the forms only the per-row reader takes or that have problems."""
    row = dict(BASELINE) | {name: choose(values) for name, values in _COMMON.items()}
    row["id"] = f"SKU-{choose(list(range(40)))}"
    for name in choose([[], [], ["price"], ["weight", "gtin"], ["title", "link", "quantity"], COLUMNS[:3]]):
        row[name] = choose(CHOICES[name])
    return row


@st.composite
def catalog_rows(draw: st.DrawFn) -> dict[str, str]:
    return catalog_row(lambda values: draw(st.sampled_from(values)))


def _write(catalog: Path, batch: list[dict[str, str]]) -> None:
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(COLUMNS)
        writer.writerows([row[name] for name in COLUMNS] for row in batch)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=25)
@given(st.lists(catalog_rows(), min_size=1, max_size=30))
def test_exact_rows_have_the_per_row_values(tmp_path: Path, batch: list[dict[str, str]]) -> None:
    _write(tmp_path / "products.csv", batch)
    counts = compare(_config(tmp_path, tmp_path / "products.csv"))
    assert set(counts) == set(PROFILES)


def test_random_catalogs_are_compared_on_many_rows(tmp_path: Path) -> None:
    """The property above is no vacuous truth: on a sample of its rows (half of them with a cell only the per-row
    reader takes, a fifth of a product type the map lacks) many are compared."""
    rng = random.Random(17)
    _write(tmp_path / "products.csv", [catalog_row(rng.choice) for _ in range(300)])
    counts = compare(_config(tmp_path, tmp_path / "products.csv"))
    assert all(compared >= read // 5 for compared, read in counts.values()), counts


def test_the_demo_catalog_has_the_per_row_values_nearly_everywhere(tmp_path: Path) -> None:
    counts = compare(_config(tmp_path, DEMO / "products.csv"))
    assert set(counts) == set(PROFILES)
    for compared, read in counts.values():
        assert compared >= read * 9 // 10 and read > 50


def test_a_channel_with_rules_stays_per_row() -> None:
    config = load_config(DEMO / "feedsync.yaml")
    facebook = next(channel for channel in compile_channels(config) if channel.name == "facebook")
    with pytest.raises(NotColumnar, match="rules"):
        Compiler(facebook, "USD")


def test_fields_of_other_shapes_have_the_per_row_values(tmp_path: Path) -> None:
    """Fields a shop writes itself: Jinja's lower of nothing ("none"), a short truncation with an ellipsis (cut a
    column at a time) and a long one (texts over it go per row)."""
    rng = random.Random(5)
    batch = [catalog_row(rng.choice) for _ in range(150)]
    for index, row in enumerate(batch):
        if index % 3 == 0:
            row["description"] = "<p>" + " ".join(["word"] * (index * 20)) + "</p>"
    _write(tmp_path / "products.csv", batch)
    fields = {
        "custom_label_0": "{{ brand | lower }}",
        "custom_label_1": "{{ title | truncate_words(5, '...') }}",
        "custom_label_2": "{{ description | plaintext | truncate_words(1200) }}",
    }
    text = (
        f"source:\n  path: {tmp_path / 'products.csv'}\n  currency: USD\n  base_url: https://shop.example.com\n"
        f"channels:\n  google:\n    profile: google_merchant\n    category_map: {DEMO / 'categories.yaml'}\n"
        "    fields:\n" + "".join(f'      {name}: "{source}"\n' for name, source in fields.items())
    )
    counts = compare(load_config(write_config(tmp_path, text)))
    compared, read = counts["google"]
    assert 20 <= compared < read  # the long descriptions among them go per row


def test_lets_and_asks_are_made_in_steps_as_they_read_each_other() -> None:
    """Lets and asks that read one another in chains, made a step at a time: each column as made in order, one by
    one; each value is asked once a batch, and not again in the next. ``ask_first`` answers every row of a group
    (a null group too) with the answer of its row ``at`` (its last, its first), and none where the group has no
    such row."""
    config = load_config(DEMO / "feedsync.yaml")
    google = next(channel for channel in compile_channels(config) if channel.name == "google")
    compiler = Compiler(google, "USD")
    asked: list[str] = []

    def shout(value: str) -> str:
        asked.append(value)
        return value.upper() + "!"

    a = compiler.let(pl.col("x") + "-a")
    b = compiler.ask(a, shout, pl.String())  # reads a let
    c = compiler.let(pl.concat_str([b, pl.col("x")]))  # a let reading an ask
    d = compiler.ask(pl.concat_str([c, a]), shout, pl.String())  # an ask of an expression of both
    last = pl.col("g").is_last_distinct()
    e = compiler.ask_first(pl.concat_str([d, pl.col("x")]), pl.col("g"), last, shout, pl.String())
    upper_first = pl.col("g").str.to_uppercase().is_first_distinct()
    f = compiler.ask_first(pl.col("x"), pl.col("g").str.to_uppercase(), upper_first, str.upper, pl.String())
    g1 = (pl.col("g") == "g1").fill_null(False) & pl.col("g").is_first_distinct()
    h = compiler.ask_first(pl.col("x"), pl.col("g"), g1, str.upper, pl.String())  # the other groups: no row
    rng = random.Random(4)
    before: set[str] = set()
    ever: set[str] = set()
    for _ in range(3):
        asked.clear()
        rows = {
            "x": [rng.choice(["p", "q", "r", None]) for _ in range(60)],
            "g": [rng.choice(["g1", "g2", "G2", None]) for _ in range(60)],
        }
        frame = pl.DataFrame(
            rows | {"product_type": [None] * 60}, schema=dict.fromkeys(("x", "g", "product_type"), pl.String)
        )
        frame = compiler.run(frame)
        got = frame.select(a=a, b=b, c=c, d=d, e=e, f=f, h=h).to_dicts()
        lasts: dict[Any, int] = {}
        firsts: dict[Any, int] = {}
        upper: dict[Any, int] = {}
        for index, group in enumerate(rows["g"]):
            lasts[group] = index
            firsts.setdefault(group, index)
            upper.setdefault(group.upper() if group is not None else None, index)
        for index, row in enumerate(got):
            x = rows["x"][index]
            want_a = None if x is None else x + "-a"
            want_b = None if want_a is None else want_a.upper() + "!"
            want_c = None if want_b is None or x is None else want_b + x
            want_d = None if want_c is None else (want_c + want_a).upper() + "!"
            assert row["a"] == want_a and row["b"] == want_b and row["c"] == want_c and row["d"] == want_d
            group = rows["g"][index]
            chosen = got[lasts[group]]
            chosen_x = rows["x"][lasts[group]]
            want_e = None if chosen["d"] is None or chosen_x is None else (chosen["d"] + chosen_x).upper() + "!"
            assert row["e"] == want_e, (index, group)
            named = rows["x"][upper[group.upper() if group is not None else None]]
            assert row["f"] == (named.upper() if named is not None else None)
            g1_x = rows["x"][firsts["g1"]] if group == "g1" else None
            assert row["h"] == (g1_x.upper() if g1_x is not None else None)
        assert len(asked) == len(set(asked)) and not before & set(asked)  # once a batch; the last one's kept
        before = set(asked)
        ever |= before
    assert ever


def test_an_ask_of_each_row_answers_every_row_and_keeps_nothing() -> None:
    """``ask(..., each=True)``: the function is asked of the batch's values row by row (None where one is null), in
    a step after the columns they read, and its answers are the rows'; nothing is kept for the next batch."""
    config = load_config(DEMO / "feedsync.yaml")
    google = next(channel for channel in compile_channels(config) if channel.name == "google")
    compiler = Compiler(google, "USD")
    asked: list[list[str | None]] = []

    def shout(values: list[str | None]) -> list[str | None]:
        asked.append(values)
        return [None if value is None else value.upper() + "!" for value in values]

    first = compiler.ask(pl.col("x") + "-a", lambda value: value.upper() + "!", pl.String())
    each = compiler.ask(pl.concat_str([first, pl.col("x")]), shout, pl.String(), each=True)
    rng = random.Random(9)
    for _ in range(2):
        rows = [rng.choice(["p", "q", None]) for _ in range(40)]
        frame = pl.DataFrame(
            {"x": rows, "product_type": [None] * 40}, schema={"x": pl.String, "product_type": pl.String}
        )
        asked.clear()
        got = compiler.run(frame).select(each=each)["each"].to_list()
        assert got == [None if x is None else f"{x.upper()}-A!{x}".upper() + "!" for x in rows]
        assert asked == [[None if x is None else f"{x.upper()}-A!{x}" for x in rows]]  # once, every row


def test_an_expression_let_twice_is_one_column() -> None:
    """``let`` of the same tree gives the column made the first time (a GTIN's number read once for two checks);
    another tree, or one Polars cannot serialize (a Python function), a column of its own."""
    config = load_config(DEMO / "feedsync.yaml")
    google = next(channel for channel in compile_channels(config) if channel.name == "google")
    compiler = Compiler(google, "USD")
    number = compiler.let(pl.col("gtin").str.to_integer(strict=False))
    assert compiler.let(pl.col("gtin").str.to_integer(strict=False)).meta.eq(number)
    assert not compiler.let(pl.col("gtin").str.to_integer(strict=True)).meta.eq(number)
    odd = pl.col("gtin").map_elements(len, return_dtype=pl.Int64)
    assert not compiler.let(odd).meta.eq(compiler.let(odd))
    assert len(compiler.lets) == 4


def test_a_run_told_what_is_read_lets_go_of_the_rest_unless_a_selector_reads_columns() -> None:
    """``run(frame, read)`` drops each column the compiler made once no later step reads it and ``read`` does not
    name it; a step that reads columns through a selector (which names none) keeps every column it made."""
    config = load_config(DEMO / "feedsync.yaml")
    google = next(channel for channel in compile_channels(config) if channel.name == "google")
    frame = pl.DataFrame(
        {"x": ["a", None, "b"], "product_type": [None] * 3}, schema=dict.fromkeys(["x", "product_type"], pl.String)
    )
    compiler = Compiler(google, "USD")
    a = compiler.let(pl.col("x") + "-a")
    b = compiler.let(pl.concat_str([a, pl.lit("!")]))
    c = compiler.let(pl.concat_str([b, pl.col("x")]))
    made = compiler.run(frame, {c.meta.output_name()})
    assert [n for n in made.columns if n.startswith("__")] == [c.meta.output_name()]
    assert made[c.meta.output_name()].to_list() == ["a-a!a", None, "b-a!b"]
    held = Compiler(google, "USD")
    a = held.let(pl.col("x") + "-a")
    b = held.let(pl.col("x") + "-b")
    every = pl.struct(pl.col("^__let.*$")).struct.json_encode()  # reads ``a`` through a selector, after ``b``
    d = held.let(pl.concat_str([b, every]))
    made = held.run(frame, {d.meta.output_name()})
    assert a.meta.output_name() in made.columns  # kept: the selector reads it
    assert all("-a" in value for value in made[d.meta.output_name()].drop_nulls().to_list())


def test_a_check_two_channels_make_alike_is_made_once(tmp_path: Path) -> None:
    """Google's and Meta's descriptions are one text made plain: where it is exact is one column, made once a batch
    before the channels (``shared_lets``), not a check in each channel's."""
    channels = {c.name: c for c in compile_channels(_config(tmp_path, DEMO / "products.csv"))}
    compilers = [Compiler(channels[name], "USD") for name in ("google_merchant", "facebook")]
    for compiler in compilers:
        compiler.fields()
    steps = shared_lets(compilers)
    assert any("contains_any" in str(e) for step in steps for e in step)  # the references html.unescape decodes
    for compiler in compilers:
        assert not any("contains_any" in str(e) for _, e in compiler.lets)
        assert not any("contains_any" in str(guard) for guard in compiler.guards)
