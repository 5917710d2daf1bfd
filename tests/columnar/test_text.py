"""The columnar text expressions against the per-row functions they stand for: random hostile texts (tags,
entities, the whitespace Python and Rust disagree on, control characters, non-ASCII) and the descriptions of real
exports. Where an expression says it is exact it must give the per-row text; on real descriptions it must say so
for nearly all."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import orjson
import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feedsync import diskcache
from feedsync.channels.templating import filters
from feedsync.columnar import text
from feedsync.formats.xml_rss import _escaped
from tests.sources.realdata import REALDATA, needs_realdata

_PIECES = [
    *'<>&;#/ abcilmnpstx39,:-."\\',
    *"\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2007\u2028\u2029\u3000\u200b",
    *"\x00\x01\x08\x1b\x7f\ufffe\uffffßéİﬁ😀",
    *text.ENTITIES,
    *("<b>", "</B>", "<sub ", "<br>", "<p>", "</strong>", "<ſpan>", "span", "wbr", "<a href=x>", "<//i>", "<b/>"),
    "&amp",
    "&ampx;",
    "&AMP;",
    "&#39",
    "&#x27;",
    "&#8217;",
    "&notit;",
    *("&copy", "&copyright", "&D", "&T", "&Aacute", "&#", "&#x", "& ", "&1", "&\u212a", "R&D", "o", "y", "g", "r"),
    "<p>",
    "</li>",
    "<li class='x'>",
    "<br/>",
]
texts = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


def _apply(values: list[str], **expressions: pl.Expr) -> list[dict[str, object]]:
    return pl.DataFrame({"s": values}, schema={"s": pl.String}).select(**expressions).to_dicts()


def test_whitespace_is_every_code_point_python_splits_at() -> None:
    assert sorted(text.WHITESPACE) == [chr(c) for c in range(0x110000) if chr(c).isspace()]


_POINTS = [chr(c) for c in range(0x3100) if not 0xD800 <= c < 0xE000]


@given(st.sets(st.sampled_from(_POINTS[:0x400]) | st.sampled_from(_POINTS), min_size=1, max_size=300))
def test_members_are_the_characters_given_and_no_others(chars: set[str]) -> None:
    """A class of ``members`` (runs of code points written as ranges) holds each character given, once or twice,
    in any order, and none other (asked of every code point to U+30FF, the ranges' neighbours among them)."""
    given_text = "".join(sorted(chars, reverse=True)) + "".join(sorted(chars))[:5]
    pattern = f"[{text.members(given_text)}]"
    found = pl.DataFrame({"c": _POINTS}).select(pl.col("c").str.contains(pattern))["c"].to_list()
    assert [c for c, hit in zip(_POINTS, found, strict=True) if hit] == sorted(chars)
    assert pattern.count("\\x{") <= 2 * len(chars)  # (a run of three or more: its ends alone)


def test_the_name_variant_class_is_written_as_ranges() -> None:
    """The class ``name_variant_exact`` searches with (a regular expression Polars compiles again at every batch):
    its 2,012 code points of the Basic Multilingual Plane as a few hundred ranges, the same characters as listed
    one by one."""
    pattern = text._unsafe()
    assert pattern.count("\\x{") < 600
    frame = pl.DataFrame({"c": _POINTS})
    ranged = [c for c, hit in zip(_POINTS, frame.select(pl.col("c").str.contains(pattern))["c"], strict=True) if hit]
    one_by_one = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in ranged) + "]"
    assert frame.select(pl.col("c").str.contains(one_by_one))["c"].to_list() == [c in set(ranged) for c in _POINTS]
    assert "ß" in ranged and "Σ" in ranged and "a" not in ranged


def test_stripped_is_python_s_strip_and_none_for_an_empty_text() -> None:
    """Every code point (but the surrogates) alone, those of the BMP's first 12,544 between spaces, a null and an
    empty text."""
    values: list[str | None] = [None, "", " \t\n ", *(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)]
    values += [f" {chr(c)}\u3000" for c in range(0x3100)]
    expected = [v.strip(text.WHITESPACE) or None if v is not None else None for v in values]
    assert expected == [v.strip() or None if v is not None else None for v in values]  # (WHITESPACE: Python's own)
    made = pl.DataFrame({"s": values}, schema={"s": pl.String}).select(text.stripped(pl.col("s")))["s"].to_list()
    assert made == expected


@given(st.lists(texts, min_size=1, max_size=25), st.integers(0, 40), st.sampled_from(["", "...", " …"]))
def test_each_expression_gives_the_per_row_text(values: list[str], limit: int, ellipsis: str) -> None:
    s = pl.col("s")
    limit = max(limit, len(ellipsis))  # shorter: not translated (below)
    rows = _apply(
        values,
        strip_tags=text.strip_tags(s),
        strip_tags_exact=text.strip_tags_exact(s),
        collapse=text.collapse(s),
        truncated=text.truncate_words(s, limit, ellipsis),
        xml=text.xml_content(s),
        json=text.json_string(s),
        plain=text.plaintext(s),
        plain_exact=text.plaintext_exact(s),
        unescaped=text.unescape(s),
        unescape_exact=text.unescape_exact(s),
    )
    for value, row in zip(values, rows, strict=True):
        if row["strip_tags_exact"]:
            assert row["strip_tags"] == filters._strip_tags(value)
        assert row["collapse"] == filters._collapsed(value)
        assert row["truncated"] == filters.truncate_words(value, limit, ellipsis)
        assert row["xml"] == _escaped(value)
        assert row["json"] == orjson.dumps(value).decode()[1:-1]
        if row["unescape_exact"]:
            assert row["unescaped"] == html.unescape(value)
        if row["plain_exact"]:
            assert row["plain"] == filters.plaintext(value)


def test_a_limit_shorter_than_the_ellipsis_is_not_translated() -> None:
    with pytest.raises(ValueError, match="shorter than the ellipsis"):
        text.truncate_words(pl.col("s"), 2, "...")


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        ("Fish &amp; chips&nbsp;&bull; &#39;hot&#39;", True),
        ("&amp;lt;", True),  # decoded once: &lt;
        ("&ampx;", False),  # html.unescape knows &amp without its semicolon
        ("&#8217;", False),  # a numeric reference
        ("AT&T", True),  # the text after "&" ("T") begins with no name html.unescape knows
        ("R&D &c &1 & x &", True),
        ("&copyright", False),  # html.unescape reads "&copy" of it
        ("&Tab", True),  # "&Tab;" is a name, "&Tab" none
        ("&Tab;x", False),
        ("&#65", False),
        ("<b>no entity</b>", True),
    ],
)
def test_unescape_says_where_it_is_exact(value: str, exact: bool) -> None:
    [row] = _apply([value], made=text.unescape(pl.col("s")), exact=text.unescape_exact(pl.col("s")))
    assert row["exact"] is exact
    if exact:
        assert row["made"] == html.unescape(value)


_SAFE = ["Tee", "navy", "Navy", "NAVY", "Heather Grey", "XS", "x+y", "(", ")", "-", "/", ".", "*", "[", "]", "#"]
_SAFE += ["~", "&", "_", "1", "Crème", " ", "  ", "\t", "\xa0"]
_UNSAFE = ["Größe", "GRÖSSE", "ß", "İ", "ı", "ΟΔΟΣ", "οδος", "οδοσ", "e\u0301", "²", "ﬁ", "😀"]
names = st.lists(st.sampled_from(_SAFE) | st.sampled_from(_UNSAFE), max_size=6).map("".join)


@st.composite
def variant_names(draw: st.DrawFn) -> tuple[str, str, str]:
    """A title and two parts, each part often a word of the title (in another case) so the whole-word test
    decides, and now and then a character the engines disagree on."""
    words = draw(st.lists(st.sampled_from(_SAFE), min_size=1, max_size=6))
    if draw(st.integers(0, 4)) == 0:
        words.append(draw(st.sampled_from(_UNSAFE)))
    title = " ".join(words)

    def part() -> str:
        if draw(st.booleans()):
            word = draw(st.sampled_from(words))
            return draw(st.sampled_from([word, word.upper(), word.lower(), word.casefold(), f" {word} ", f"{word}s"]))
        return draw(names)

    return title, part(), part()


@given(st.lists(variant_names(), min_size=1, max_size=20), st.sampled_from([" - ", " ", "/"]))
@example([("Tee", "İGRÖSSE", "GRÖSSE")], " - ")  # (İ lowers into i and a mark only Rust counts in a word)
def test_name_variant_gives_the_per_row_title_where_exact(rows: list[tuple[str, str, str]], separator: str) -> None:
    frame = pl.DataFrame(rows, schema=["t", "c", "s"], orient="row")
    parts = (pl.col("t"), pl.col("c"), pl.col("s"))
    made = frame.select(
        named=text.name_variant(*parts, separator=separator), exact=text.name_variant_exact(*parts)
    ).to_dicts()
    for (title, color, size), row in zip(rows, made, strict=True):
        if row["exact"]:
            assert row["named"] == filters.name_variant(title, color, size, separator=separator)


def test_name_variant_is_exact_for_common_titles_and_says_where_it_is_not() -> None:
    rows = [("Flannel Tee 1", "Bordeaux", "XS"), ("Tee (Navy)", "navy", "S"), ("Mug", "Crème", None), ("Größe", "", "")]
    rows.append(
        ("ΟΔΟΣ", "οδοσ", "")
    )  # Rust lowers a final capital sigma to the final form, case folding to the plain one
    frame = pl.DataFrame(rows, schema=["t", "c", "s"], orient="row")
    made = frame.select(exact=text.name_variant_exact(pl.col("t"), pl.col("c"), pl.col("s")))["exact"].to_list()
    assert made == [True, True, True, False, False]


def test_a_character_of_the_class_in_any_of_the_texts_makes_the_name_not_exact() -> None:
    rows = [("Tee", "Größe", "M"), ("Tee", "navy", "ß"), ("Tee", None, "ﬁ"), ("Tee", "navy", None), (None, None, None)]
    frame = pl.DataFrame(rows, schema=["t", "c", "s"], orient="row")
    made = frame.select(exact=text.name_variant_exact(pl.col("t"), pl.col("c"), pl.col("s")))["exact"].to_list()
    assert made == [False, False, False, True, True]


@given(st.lists(st.tuples(*[st.none() | names] * 3), min_size=1, max_size=20))
def test_the_texts_searched_together_say_what_each_searched_alone_says(rows: list[tuple[str | None, ...]]) -> None:
    frame = pl.DataFrame(rows, schema={"t": pl.String, "c": pl.String, "s": pl.String}, orient="row")
    parts = [pl.col("t"), pl.col("c"), pl.col("s")]
    alone = {f"alone{n}": text.name_variant_exact(part) for n, part in enumerate(parts)}
    made = frame.select(together=text.name_variant_exact(*parts), **alone).to_dicts()
    assert [row["together"] for row in made] == [row["alone0"] and row["alone1"] and row["alone2"] for row in made]


_ITEM_TAGS = ["<li>", "<LI x='1'>", "<li\n>", "<lİ>", "<link>"]
_ITEM_ENDS = ["</li>", "</LI>", "</Li>", ""]


@st.composite
def lists_html(draw: st.DrawFn) -> str:
    """A description with list items (tags in any case, items empty or holding tags and entities) among noise."""
    bodies = texts | st.sampled_from(["a < b", "x <i>y</i>", "One &amp; two", " "])
    items = draw(st.lists(st.tuples(st.sampled_from(_ITEM_TAGS), bodies, st.sampled_from(_ITEM_ENDS)), max_size=7))
    return draw(texts) + "<ul>" + "".join(a + b + c for a, b, c in items) + "</ul>" + draw(texts)


@given(st.lists(lists_html(), min_size=1, max_size=20), st.integers(0, 6))
def test_bullets_give_the_per_row_items_where_exact(values: list[str], limit: int) -> None:
    made = _apply(values, items=text.bullets(pl.col("s"), limit), exact=text.bullets_exact(pl.col("s")))
    for value, row in zip(values, made, strict=True):
        if row["exact"]:
            assert row["items"] == filters.bullets(value, limit)


def _real_descriptions() -> list[str]:
    columns = {"Body (HTML)", "Description", "Short description", "description", "short_description"}
    found = []
    for path in sorted(REALDATA.glob("*/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                found += [value for key, value in row.items() if key in columns and value]
    return found


@needs_realdata
def test_real_descriptions_are_decoded_alike_and_nearly_all_exactly() -> None:
    values = _real_descriptions()
    assert len(values) > 2000  # Shopify, WooCommerce and Magento exports
    s = pl.col("s")
    rows = _apply(
        values,
        plain=text.plaintext(s),
        exact=text.plaintext_exact(s),
        xml=text.xml_content(s),
        bullets=text.bullets(s, 5),
        bullets_exact=text.bullets_exact(s),
    )
    inexact = [value for value, row in zip(values, rows, strict=True) if not row["exact"]]
    for value, row in zip(values, rows, strict=True):
        assert row["xml"] == _escaped(value)
        if row["exact"]:
            assert row["plain"] == filters.plaintext(value)
        if row["bullets_exact"]:
            assert row["bullets"] == filters.bullets(value, 5)
    assert sum(bool(row["bullets"]) for row in rows) > 100  # descriptions with list items among them
    # the rest go to the per-row engine: numeric references (&#x1f525;) in a few Shopify descriptions
    assert len(inexact) <= len(values) // 100, inexact[:5]


_CHARS = "".join(map(chr, range(0x20))) + '"\\&<>\x7f\ufffe\uffffß'


@given(st.lists(texts, min_size=1, max_size=20), st.text(alphabet=_CHARS, min_size=1, max_size=40))
def test_holds_any_is_whether_a_text_holds_one_of_the_characters(values: list[str], chars: str) -> None:
    """Its classes of at most ten characters, each searched alone, find what one class of them all finds."""
    frame = pl.DataFrame({"t": [*values, None], "u": [None, *values[::-1]]})
    got = frame.select(text.holds_any(pl.col("t"), chars))["t"].to_list()
    assert got == [any(c in v for c in chars) for v in values] + [None]
    either = frame.select(text.holds_any([pl.col("t"), pl.col("u")], chars).alias("x"))["x"].to_list()
    assert either == [any(c in v for v in row if v is not None for c in chars) for row in frame.rows()]


def test_the_class_of_unsafe_characters_read_back_is_the_one_asked_of_both_engines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``_unsafe`` is kept on disk (``diskcache``) by the versions of Polars, Python and its Unicode tables, and the
    code of its module: read back, it is what the engines answer; with another version of any, it is asked again."""
    monkeypatch.setenv(diskcache.ENVIRONMENT, str(tmp_path))
    made = text._unsafe_made
    asked = made()
    assert "\\x{3a3}" in asked and asked.endswith("\\x{10000}-\\x{10ffff}]")
    calls: list[int] = []

    def counted() -> str:
        calls.append(1)
        return made()

    counted.__module__ = text.__name__  # (the module whose code the entry depends on)
    monkeypatch.setattr(text, "_unsafe_made", counted)
    assert text._unsafe.__wrapped__() == asked and calls == [1] and len(list(tmp_path.glob("*.kept"))) == 1
    assert text._unsafe.__wrapped__() == asked and calls == [1]  # read back
    for version in ((text.pl, "__version__"), (text.sys, "version"), (text.unicodedata, "unidata_version")):
        with monkeypatch.context() as patch:
            patch.setattr(*version, "0.0.0")
            assert text._unsafe.__wrapped__() == asked
    assert calls == [1, 1, 1, 1]  # each asked again


@pytest.mark.parametrize(
    "value",
    ["H<sub>2</sub>O", "<p>Soft <strong>merino</strong>, tee</p><ul><li>a</li></ul>", "<SPAN>x</Span>,", "<ſpan>y"],
)
def test_inline_tags_are_dropped_and_block_tags_spaced_alike(value: str) -> None:
    [row] = _apply([value], plain=text.plaintext(pl.col("s")), exact=text.plaintext_exact(pl.col("s")))
    assert row == {"plain": filters.plaintext(value), "exact": True}


def test_a_lone_bracket_before_a_tag_is_left_to_the_per_row_code() -> None:
    """``<<b>``: the per-row code takes ``<<b>`` as one tag (a space), the expressions drop ``<b>`` and keep ``<``;
    a ``<`` before a block's tag is alike both ways."""
    rows = _apply(["a <<b>x", "a < b <i>x", "1 < 2 <br>x", "a<<p>b"], exact=text.plaintext_exact(pl.col("s")))
    assert [row["exact"] for row in rows] == [False, False, True, True]
    assert filters.plaintext("a <<b>x") == "a x"
