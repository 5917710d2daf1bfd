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
