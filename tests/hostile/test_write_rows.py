"""The delimited writer makes each row's line itself (``line_maker``): for any values (quotes, delimiters, CR, LF,
NUL, tabs, unicode, lone surrogates, empty rows and values) and any one-character delimiter it makes exactly the
text the csv module's writer makes (``QUOTE_MINIMAL``, CRLF line ends), and a whole feed has the same bytes, or
fails the same way."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync.formats import open_writer
from feedsync.formats.delimited import line_maker

NASTY = ['"', '""', ",", "\t", ";", "|", " ", "\r", "\n", "\r\n", "\x00", "\x1f", "\x7f", "\x85", "\u2028", "é", "€"]
NASTY += ["\ud800", "\udfff", "\U0001f600", "=1+1", "", "a", "\\", "'"]
texts = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=8)), max_size=6).map("".join)
cells = st.lists(texts, max_size=6)
# One character, as the feeds' formats have them and as a setting could make them; a quote, CR, LF and longer
# ones go to the csv module itself.
delimiters = st.one_of(st.sampled_from([",", "\t", ";", "|", " ", "\x00", "\\", "é", '"', "\r", "\n"]), st.characters())


def reference(row: list[str], delimiter: str) -> Any:
    buffer = io.StringIO()
    try:
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(row)
    except Exception as exc:  # the failure itself is what is compared
        return type(exc)
    return buffer.getvalue()


def made(row: list[str], delimiter: str) -> Any:
    try:
        return line_maker(delimiter)(row)
    except Exception as exc:
        return type(exc)


@settings(max_examples=600, deadline=None)
@given(cells, delimiters)
@example([""], ",")
@example([], ",")
@example(["", ""], ",")
@example(['a"b', "c,d", "e\rf", "g\nh"], ",")
@example(["a,b", "c"], ",")
@example(["a\x00b", "\x00"], "\x00")
def test_a_line_is_the_text_the_csv_module_writes(row: list[str], delimiter: str) -> None:
    assert made(row, delimiter) == reference(row, delimiter)


@pytest.mark.parametrize("delimiter", ["", ",,", 5, None])
def test_a_delimiter_the_csv_module_refuses_is_refused_the_same_way(delimiter: Any) -> None:
    with pytest.raises(TypeError):
        csv.writer(io.StringIO(), delimiter=delimiter)
    with pytest.raises(TypeError):
        line_maker(delimiter)


COLUMNS = ["id", "title", "additional_image_link", "price"]
values = st.dictionaries(st.sampled_from([*COLUMNS, "other"]), st.one_of(texts, st.lists(texts, max_size=3)))


def feed(rows: list[dict[str, Any]], delimiter: str, through_render: bool) -> Any:
    buffer = io.BytesIO()
    options = {"delimiter": delimiter, "list_separator": ","}
    try:
        with open_writer("delimited", buffer, columns=COLUMNS, meta={}, options=options) as writer:
            for row in rows:
                if through_render:  # as a row cache writes a row it computes
                    writer.write_rendered(writer.render(row))  # type: ignore[attr-defined]
                else:
                    writer.write(row)
    except Exception as exc:
        return type(exc)
    return buffer.getvalue()


def reference_feed(rows: list[dict[str, Any]], delimiter: str) -> Any:
    """The feed as the writer wrote it through a csv writer on a UTF-8 text layer."""
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    try:
        writer.writerow(COLUMNS)
        for row in rows:
            cells = [row.get(name, "") for name in COLUMNS]
            writer.writerow([c if isinstance(c, str) else ",".join(c) for c in cells])
        text.flush()
    except Exception as exc:
        return type(exc)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(st.lists(values, max_size=5), st.sampled_from([",", "\t", ";", "|"]), st.booleans())
def test_a_feed_has_the_bytes_the_csv_module_wrote(rows: list[dict[str, Any]], delimiter: str, render: bool) -> None:
    assert feed(rows, delimiter, render) == reference_feed(rows, delimiter)


class Text(str):
    """A str subclass (as a template's markup)."""


# Rows of a few cells where the delimiter, quotes, CR and LF come and go from row to row: the cells a line maker
# quoted in one row are looked at first in the next.
PLACED = ["a,b", "a\tb", "a;b", '"', "\r", "\n", "", "x", "é,€", "\x00", "\x01", ",,", "\t\t"]
placed_rows = st.lists(
    st.lists(st.one_of(st.sampled_from(PLACED), texts, st.sampled_from(PLACED).map(Text)), max_size=5),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(placed_rows, st.sampled_from([",", "\t", ";", "\x00", "\x01"]))
@example([["a,b", "c"], ["d,e", "f"], ["g", "h,i"], ["j,k", 'l"'], ["m,n", "o\n"], ["p,q", "r"]], ",")
@example([["a\x00b", "c"], ["d\x00e", "f\x01"]], "\x00")
@example([["a,b"], [Text("c,d")], ["e"], [""]], ",")
@example([["a,b"], [], ["c,d"], [""], ["e,f", "g"], ["h"]], ",")
def test_one_line_maker_makes_each_row_of_a_feed_as_the_csv_module_does(rows: list[list[str]], delimiter: str) -> None:
    line = line_maker(delimiter)
    assert [line(row) for row in rows] == [reference(row, delimiter) for row in rows]


def test_a_cell_that_is_no_text_is_refused_where_the_cells_were_quoted_before() -> None:
    line = line_maker(",")
    assert line(["a,b", "c"]) == '"a,b",c\r\n'
    for cells in (["a,b", 5], [["x", ","], "c"], [5, "c"]):
        with pytest.raises(TypeError):
            line(cells)  # type: ignore[arg-type]


moving_values = st.dictionaries(
    st.sampled_from([*COLUMNS, "other"]),
    st.one_of(st.sampled_from(PLACED), texts, st.lists(st.sampled_from(PLACED), max_size=3)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(moving_values, max_size=12), st.sampled_from([",", "\t"]), st.booleans())
def test_a_feed_whose_lists_and_quoted_cells_move_has_the_bytes_the_csv_module_wrote(
    rows: list[dict[str, Any]], delimiter: str, render: bool
) -> None:
    assert feed(rows, delimiter, render) == reference_feed(rows, delimiter)


@pytest.mark.parametrize("bad", [5, None, object()])
def test_a_value_that_is_no_text_fails_as_it_did_after_rows_with_lists(bad: Any) -> None:
    rows = [{"id": "A", "additional_image_link": ["x", "y"]}, {"id": "B", "title": "a,b"}, {"id": "C", "price": bad}]
    buffer = io.BytesIO()
    options = {"delimiter": ",", "list_separator": ","}
    with pytest.raises((TypeError, AttributeError)) as failed:  # noqa: SIM117
        with open_writer("delimited", buffer, columns=COLUMNS, meta={}, options=options) as writer:
            for row in rows:
                writer.write(row)
    before = io.BytesIO()
    with pytest.raises(failed.type):  # noqa: SIM117
        with open_writer("delimited", before, columns=COLUMNS, meta={}, options=options) as writer:
            writer.write(rows[2])
    assert buffer.getvalue().count(b"\r\n") == 3  # the header and the rows before it


def test_entries_that_are_no_text_are_written_as_they_were_after_rows_with_lists() -> None:
    rows = [{"id": "A", "additional_image_link": ["x", "y"]}, {"id": "B", "title": "a,b", "price": [5, "p", None]}]
    buffer = io.BytesIO()
    options = {"delimiter": ",", "list_separator": ","}
    with open_writer("delimited", buffer, columns=COLUMNS, meta={}, options=options) as writer:
        for row in rows:
            writer.write(row)
    assert buffer.getvalue().split(b"\r\n")[1:] == [b'A,,"x,y",', b'B,"a,b",,",p,"', b""]
