"""The text filters and escapes of the profiles and writers as Polars expressions over a column of texts.

Each gives, for every text, what its per-row function gives (named beside it), in one pass of Rust over the column.
Where an expression is exact for some texts only, ``*_exact`` gives the column of where it is: the rows it is not
exact for go to the per-row engine (:mod:`feedsync.columnar`). tests/columnar/test_text.py holds each to its
per-row function on random hostile texts and on real exports' descriptions.

Two differences between the engines that the expressions take care of: Python's whitespace (``str.split``,
``str.isspace``) includes the four ASCII separators U+001C-U+001F, Unicode's (Rust's ``\\s``, ``strip_chars``)
does not: whitespace is spelled out here. And ``html.unescape`` knows every HTML entity, with or without its
semicolon, and numeric references; :data:`ENTITIES` are the ones decoded here (those met in real exports), in one
pass, and a text with any other ``&`` that ``html.unescape`` decodes is not exact (``R&D`` is).
"""

from __future__ import annotations

import html.entities
import re
import sys
import unicodedata
from collections.abc import Callable
from functools import cache

import polars as pl

from feedsync import diskcache
from feedsync.channels.templating import filters

WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.isspace`` is true of (so ``str.split`` splits at), every code point of it (a test counts them)."""


def members(chars: str) -> str:
    """``chars`` as the members of a Rust regular expression's character class, by code point, each run of three
    or more consecutive ones as a range (Polars compiles a regular expression again whenever its cache of 32 a
    thread has let it go, which a batch's 46 make happen at every batch: the class of ``name_variant_exact``, 2,012
    code points, compiles in 0.5 ms as 269 ranges, in 1.2 ms listed one by one)."""
    runs: list[list[int]] = []
    for point in sorted({ord(c) for c in chars}):
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    parts = []
    for first, last in runs:
        parts.append(f"\\x{{{first:x}}}")
        if last > first:
            parts.append(f"{'-' if last > first + 1 else ''}\\x{{{last:x}}}")
    return "".join(parts)


SPACES = members(WHITESPACE)
"""Python's whitespace as character class members."""
_RUNS = f"[{SPACES}]+"

_NAMES = (
    *("amp", "lt", "gt", "quot", "apos", "nbsp", "bull", "trade", "reg", "copy", "ndash", "mdash", "hellip"),
    *("lsquo", "rsquo", "ldquo", "rdquo", "laquo", "raquo", "middot", "deg", "times", "frac12", "frac14", "frac34"),
    *("eacute", "egrave", "ecirc", "agrave", "acirc", "aacute", "ccedil", "ouml", "uuml", "auml", "Ouml", "Uuml"),
    *("Auml", "szlig", "oslash", "aring", "euro", "pound", "yen", "cent", "sect", "para", "plusmn", "micro"),
)
ENTITIES: dict[str, str] = {f"&{name};": html.entities.html5[f"{name};"] for name in _NAMES} | {"&#39;": "'"}
"""Entity -> its text, as ``html.unescape`` decodes it."""
_ENTITY_KEYS = list(ENTITIES)
_REFERENCES = [
    "&#",
    *sorted(
        f"&{n}" for n in html.entities.html5 if not any(n[:end] in html.entities.html5 for end in range(2, len(n)))
    ),
]
"""What ``html.unescape`` decodes an ``&`` by: a numeric reference, or a name it knows (with or without its
semicolon) beginning the text after it; the names another of them begins left out (that one is found). An ``&``
followed by anything else (``R&D``, ``AT&T``, ``Fish & chips``) is left as it is."""

INVALID_XML_CHARS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))
"""What ``formats.xml_rss`` drops from element content (a Polars text holds no lone surrogate)."""
INVALID_XML = f"[{members(INVALID_XML_CHARS)}]"

_XML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}

_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\x0c": "\\f", "\r": "\\r"}
_JSON = _JSON_SHORT | {chr(c): f"\\u{c:04x}" for c in range(32) if chr(c) not in _JSON_SHORT}
"""A character of a JSON string -> how orjson writes it (the others as they are, in UTF-8)."""


Bind = Callable[[pl.Expr], pl.Expr]
"""Makes a column of an expression used more than once and gives the expression reading it (the compiler's
``let``), so that it is made once; by default the expression itself."""


def unbound(e: pl.Expr) -> pl.Expr:
    """The ``Bind`` of a caller with no compiler: the expression itself, made where it is read."""
    return e


def per_run(e: pl.Expr, make: Callable[[pl.Expr], pl.Expr], bind: Bind = unbound) -> pl.Expr:
    """``make(e)``, made once for each run of equal values one after another (the variants of a product share
    their title and description) and repeated over the run's rows."""
    first = bind(e.ne_missing(e.shift(1)) | (pl.int_range(pl.len()) == 0))
    return _spread(e, first, make)


def _spread(e: pl.Expr, asked: pl.Expr, make: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``make`` of the rows ``asked`` (the first row always one), each row given the answer of the last row asked
    at or before it."""
    return make(e.filter(asked)).gather(asked.cum_sum() - 1)


def strip_python(e: pl.Expr) -> pl.Expr:
    """Python's ``str.strip``: its whitespace off both ends."""
    return e.str.strip_chars(WHITESPACE)


_NOT_SPACE = "[^" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"
"""A character ``str.isspace`` is false of."""


def stripped(e: pl.Expr) -> pl.Expr:
    """Python's ``str.strip``, and null for an empty text (what the row reader and ``to_text`` keep of a text). (A
    text with a character other than whitespace is stripped once: ``made != ""`` beside ``then(made)`` made it
    twice, a copy of the column each.)"""
    return pl.when(e.str.contains(_NOT_SPACE)).then(strip_python(e))


_INLINE_TAG = (
    "<(?i-u:/?(?:" + "|".join(sorted(filters.INLINE_TAGS, key=lambda n: (-len(n), n))) + "))(?:[ \\t\\n\\r\\f/][^>]*)?>"
)
"""A tag of ``filters.INLINE_TAGS`` (its name in any ASCII case, as the per-row code compares it)."""


def strip_tags(e: pl.Expr) -> pl.Expr:
    """``filters._strip_tags``: each inline ``<...>`` dropped, every other one a space (a ``<`` no ``>`` follows
    stays); exact where :func:`strip_tags_exact` holds."""
    return e.str.replace_all(_INLINE_TAG, "").str.replace_all("<[^>]*>", " ")


def strip_tags_exact(e: pl.Expr) -> pl.Expr:
    """Whether :func:`strip_tags` gives the per-row text: no inline tag starts inside another ``<...>`` (``a <
    <b>x``: the per-row code takes ``< <b>`` as one tag, a space; the expressions would drop ``<b>`` alone). Then
    each ``<...>`` the per-row code finds is one the expressions find, and judged alike."""
    return ~e.str.contains("<[^>]*" + _INLINE_TAG)


def collapse(e: pl.Expr) -> pl.Expr:
    """``filters._collapsed``: each run of whitespace one space, none at the ends."""
    return e.str.replace_all(_RUNS, " ").str.strip_chars(" ")


def unescape(e: pl.Expr) -> pl.Expr:
    """``html.unescape`` where :func:`unescape_exact` holds: each of :data:`ENTITIES` decoded."""
    return e.str.replace_many(_ENTITY_KEYS, list(ENTITIES.values()))


def unescape_exact(e: pl.Expr) -> pl.Expr:
    """Whether :func:`unescape` gives ``html.unescape``'s text: every ``&`` begins one of :data:`ENTITIES`, or
    nothing ``html.unescape`` decodes (``_REFERENCES``)."""
    return ~e.str.replace_many(_ENTITY_KEYS, [""] * len(_ENTITY_KEYS)).str.contains_any(_REFERENCES)


def plaintext(e: pl.Expr) -> pl.Expr:
    """``filters.plaintext``: tags dropped, entities decoded, whitespace collapsed (exact where
    :func:`plaintext_exact` holds)."""
    return collapse(unescape(strip_tags(e)))


def plaintext_exact(e: pl.Expr) -> pl.Expr:
    return strip_tags_exact(e) & unescape_exact(strip_tags(e))


def truncate_words(e: pl.Expr, limit: int, ellipsis: str = "", bind: Bind = unbound) -> pl.Expr:
    """``filters.truncate_words``: the collapsed text, or at most ``limit`` characters of it cut at a space (a long
    word cut hard) with ``ellipsis`` after it. A limit shorter than the ellipsis is not translated (the per-row
    function slices from the end there): ValueError."""
    room = limit - len(ellipsis)
    if room < 0:
        raise ValueError(f"truncate_words: limit {limit} is shorter than the ellipsis {ellipsis!r}")
    text = bind(collapse(e))
    head = text.str.slice(0, room + 1)
    cut = (
        pl.when(head.str.contains(" ", literal=True))
        .then(head.str.replace(" [^ ]*$", ""))
        .otherwise(text.str.slice(0, room))
        .str.strip_chars_end(" ,;:-")
    )
    return pl.when(text.str.len_chars() <= limit).then(text).otherwise(cut + pl.lit(ellipsis))


def xml_content(e: pl.Expr) -> pl.Expr:
    """``formats.xml_rss._escaped``: the characters XML cannot carry dropped, ``&<>`` and CR escaped."""
    return xml_escaped(e.str.replace_all(INVALID_XML, ""))


def xml_escaped(e: pl.Expr) -> pl.Expr:
    """``&<>`` and CR escaped: :func:`xml_content` of a text that holds no character XML cannot carry. (CR is
    escaped after the others, which never make one, and its ``&#13;`` is not escaped again: one replacement of all
    four. Three texts are found at once quickly; with a fourth the search is several times slower.)"""
    return _where_held(e, "[&<>\r]", _xml_escaped)


def _xml_escaped(e: pl.Expr) -> pl.Expr:
    escaped = e.str.replace_many(["&", "<", ">"], ["&amp;", "&lt;", "&gt;"])
    return escaped.str.replace_all("\r", _XML["\r"], literal=True)


def _where_held(e: pl.Expr, held: str, make: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``make(e)`` of a column ``e`` where a text holds a character of the class ``held`` (else the text as it is:
    a batch none of whose texts holds one is not made again); of another expression, ``make(e)``. Not
    :func:`only_where`, which makes ``make`` of the rows that need it alone: its gathers cost more than an escape of
    the whole column where only some batches need one (Google's item text 13.4 ms a batch here, 18.6 ms so)."""
    if not e.meta.is_column():
        return make(e)  # (it would be made twice)
    return pl.when(e.str.contains(held)).then(make(e)).otherwise(e)


def json_string(e: pl.Expr) -> pl.Expr:
    """A JSON string's content as orjson writes it: quote, backslash and control characters escaped."""
    return json_controls(json_plain(e))


_PLAIN = ('"', "\\", "\n")
_CONTROLS = "".join(c for c in _JSON if c not in _PLAIN)


def json_plain(e: pl.Expr) -> pl.Expr:
    """:func:`json_string` but for the control characters other than line feed (rare: :func:`json_controls`
    escapes them). Three texts are found at once quickly, more several times slower."""
    return _where_held(e, '["\\\\\n]', lambda x: x.str.replace_many(list(_PLAIN), [_JSON[c] for c in _PLAIN]))


def json_controls(e: pl.Expr) -> pl.Expr:
    """The control characters but line feed escaped as orjson escapes them, in the texts that hold one alone. Of
    JSON whose strings are :func:`json_plain` (its other parts hold no control character), the JSON
    :func:`json_string` would have made: no escape holds a character another escapes."""
    return only_where(
        holds_any(e, _CONTROLS), e, lambda x: x.str.replace_many(list(_CONTROLS), [_JSON[c] for c in _CONTROLS])
    )


_CLASS = 10
"""The most characters a class of Rust's regular expressions holds and is still found quickly (a class of eleven
scans every byte, about fifteen times slower)."""


def holds_any(texts: pl.Expr | list[pl.Expr], chars: str) -> pl.Expr:
    """Whether each text holds any of ``chars`` (null where the text is); of a list of texts, whether any of a row's
    does (false where none is there). A search for each ten of the characters, each several times quicker than one
    for all."""
    ordered = sorted(set(chars))
    classes = ["[" + members("".join(ordered[at : at + _CLASS])) + "]" for at in range(0, len(ordered), _CLASS)]
    text = texts if isinstance(texts, pl.Expr) else pl.concat_str(texts, ignore_nulls=True)
    found = [text.str.contains(c) for c in classes]
    return found[0] if len(found) == 1 else pl.any_horizontal(found)


def only_where(need: pl.Expr, e: pl.Expr, make: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``make(e)`` where ``need`` holds, ``e`` elsewhere: ``make`` is asked of those rows alone (and of the first,
    so that it is never asked of none)."""
    asked = need.fill_null(False) | (pl.int_range(pl.len()) == 0)
    return pl.when(need).then(_spread(e, asked, make)).otherwise(e)


def bullets(e: pl.Expr, limit: int = 5) -> pl.Expr:
    """``filters.bullets``: the plain texts of the list items (``<li ...>`` to ``</li>``, any case), the empty ones
    left out, at most ``limit``; a list column (exact where :func:`bullets_exact` holds)."""
    found = _items(e).list.eval(plaintext(pl.element()))
    return found.list.eval(pl.element().filter(pl.element() != "")).list.head(limit)


def bullets_exact(e: pl.Expr) -> pl.Expr:
    """Whether :func:`bullets` gives the per-row list: each item's plaintext exact, and no dotted or dotless i
    (Python's ``re.IGNORECASE`` takes them for ``i`` in ``<li``, Rust's does not)."""
    return ~e.fill_null("").str.contains("[İı]") & _items(e).list.eval(plaintext_exact(pl.element())).list.all()


def _items(e: pl.Expr) -> pl.Expr:
    return (
        e.fill_null("")
        .str.extract_all("(?is)<li[^>]*>.*?</li>")
        .list.eval(pl.element().str.replace("(?is)^<li[^>]*>", "").str.replace("(?i)</li>$", ""))
    )


def name_variant(title: pl.Expr, *parts: pl.Expr, separator: str = " - ", bind: Bind = unbound) -> pl.Expr:
    """``filters.name_variant`` of text parts: the collapsed title, then each part that the title (with the parts
    added before it) does not already hold as whole words, ignoring case (exact where :func:`name_variant_exact`
    holds)."""
    text = bind(collapse(title.fill_null("")))
    words = bind(text.str.to_lowercase())
    folded_separator = pl.lit(separator.casefold())
    added = []
    for part in parts:
        value = bind(collapse(part.fill_null("")))
        folded = bind(value.str.to_lowercase())
        whole = pl.concat_str([pl.lit("(?:^|\\W)"), folded.str.replace_all(_META, "\\$0"), pl.lit("(?:$|\\W)")])
        add = bind((value != "") & ~_holds_words(words, folded, whole, bind))
        added.append(pl.when(add).then(value))
        words = bind(pl.when(add).then(pl.concat_str([words, folded_separator, folded])).otherwise(words))
    return pl.concat_str([text, *added], separator=separator, ignore_nulls=True)


def _holds_words(words: pl.Expr, folded: pl.Expr, whole: pl.Expr, bind: Bind) -> pl.Expr:
    """Whether ``words`` holds ``folded`` as whole words (``whole``: the regular expression of that, a pattern per
    row). A pattern is compiled for each row it is asked of, so it is asked only where the text holds ``folded`` at
    all (as ``filters.name_variant`` asks it): few rows, when a variant's values are many (a size per row)."""
    inside = bind(words.str.contains(folded, literal=True).fill_null(False))
    asked = bind(inside | (pl.int_range(pl.len()) == 0))  # never none: a frame's first row is asked
    found = _spread(words, asked, lambda asked_words: asked_words.str.contains(whole.filter(asked)))
    return inside & found.fill_null(False)


def name_variant_exact(*texts: pl.Expr) -> pl.Expr:
    """Whether :func:`name_variant` of these texts gives the per-row text: none holds a character whose lower case
    is not its case folding, that Rust lowers otherwise than Python, that the two take otherwise for a word
    character, or that lies outside the Basic Multilingual Plane."""
    pattern = _unsafe()
    filled = [text.fill_null("") for text in texts]
    # (a class finds a character: in the texts joined where in one of them, one search rather than one a text)
    return ~(filled[0] if len(filled) == 1 else pl.concat_str(filled)).str.contains(pattern)


_META = "[\\\\.+*?()|\\[\\]{}^$#&\\-~]"
"""What a regular expression must escape in a text it looks for."""


@cache
def _unsafe() -> str:
    """The character class of :func:`name_variant_exact`, found by asking both engines of every character of the
    Basic Multilingual Plane (their Unicode versions may differ) once per process, or read as kept by an earlier
    run with the same versions of both (about 50 ms in each process of a row split)."""
    versions = (pl.__version__, sys.version, unicodedata.unidata_version)
    return diskcache.text(("name_variant_exact", *versions), _unsafe_made)


def _unsafe_made() -> str:
    """:func:`_unsafe`, asked of both engines."""
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c < 0xE000]
    frame = pl.DataFrame({"c": chars}).select(
        lower=pl.col("c").str.to_lowercase(), word=pl.col("c").str.contains("^\\w$")
    )
    word = re.compile("\\w")
    apart = {c for c, is_word in zip(chars, frame["word"], strict=True) if is_word != bool(word.match(c))}
    unsafe = {
        c
        for c, lower in zip(chars, frame["lower"], strict=True)
        # (a character the engines lower alike may lower into one they take otherwise for a word character:
        # İ into i and U+0307, a mark Rust counts in a word and Python does not)
        if c.lower() != lower or c.casefold() != lower or c in apart or not apart.isdisjoint(lower)
    }
    unsafe.add("Σ")  # lowered by its place in a word (final sigma), case-folded alike everywhere
    return f"[{members(''.join(sorted(unsafe)))}\\x{{10000}}-\\x{{10ffff}}]"
