"""feedsync's own template filters (``plaintext``, ``collapse``, ``truncate_words``, ``titlecase``,
``variant_pairs``, ``name_variant``, ``bullets``): plain Python on text, also called by channel code directly.

They are feedsync's code, not the template's: an exception raised inside one is a bug and propagates, except
``TemplateFault``, which a filter raises for an argument the template got wrong (see ``environment.evaluate``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from feedsync.channels.templating.errors import TemplateFault


def plaintext(value: Any) -> str:
    """HTML to one line of plain text: tags dropped, entities decoded, whitespace collapsed."""
    return "" if value is None else _plaintext(str(value))


@lru_cache(maxsize=4096)
def _plaintext(value: str) -> str:
    # Cached: the variants of a product share their description, and several channels convert it.
    text = _collapsed(html.unescape(_strip_tags(value)))
    _keep_collapsed(text, text)  # collapsed already: ``truncate_words`` of it (the channels' next step) collapses it
    return text


def _collapsed(value: str) -> str:
    r"""Each run of whitespace one space, none at the ends: what ``re.sub(r"\s+", " ", value).strip()`` makes
    (``\s``, ``str.split`` and ``str.strip`` know the same whitespace, ``str.isspace``), several times faster."""
    return " ".join(value.split())


INLINE_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "big",
        "cite",
        "code",
        "data",
        "del",
        "dfn",
        "em",
        "font",
        "i",
        "ins",
        "kbd",
        "mark",
        "nobr",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "time",
        "tt",
        "u",
        "var",
        "wbr",
    }
)
"""HTML's elements that run inside a line of text: a browser shows ``H<sub>2</sub>O`` as H2O, ``<b>Tee</b>,`` as
Tee, (no space where the tag was)."""

_TAG_NAME = re.compile(r"/?([^ \t\n\r\f/>]*)")
"""A tag's name after its ``<``: up to a space, ``/`` or its ``>`` (the first ``>`` after the ``<``)."""


def _strip_tags(value: str) -> str:
    """Each ``<...>`` dropped where it is a tag of :data:`INLINE_TAGS` (its name after an optional ``/``, up to a
    space, ``/`` or the end, in any ASCII case), else replaced by a space (a block: ``<p>``, ``<li>``, ``<br>``),
    in linear time (``re.sub(r"<[^>]*>", " ", value)`` rescans the rest of the text from every ``<`` that no ``>``
    follows: minutes on hostile HTML). A ``<`` no ``>`` follows stays."""
    parts: list[str] = []
    start = 0
    while (opening := value.find("<", start)) >= 0 and (closing := value.find(">", opening)) >= 0:
        tag = _TAG_NAME.match(value, opening + 1).group(1)  # type: ignore[union-attr]
        parts += (value[start:opening], "" if tag.isascii() and tag.lower() in INLINE_TAGS else " ")
        start = closing + 1
    parts.append(value[start:])
    return "".join(parts)


_COLLAPSED: dict[str, str] = {}
"""Text -> its ``_collapsed`` text, for the texts met last (emptied when it holds ``_COLLAPSED_SIZE``): the variants
of a product share their title and description, several channels collapse them, and ``truncate_words`` collapses
what ``collapse`` or ``plaintext`` made (kept too: collapsing collapsed text gives it again)."""
_COLLAPSED_SIZE = 8192


def collapse(value: Any) -> str:
    if type(value) is not str:  # most values are
        if value is None:
            return ""
        value = str(value)
    made = _COLLAPSED.get(value)
    if made is None:
        made = _collapsed(value)
        _keep_collapsed(value, made)
    return made


def _keep_collapsed(value: str, made: str) -> None:
    """Keep ``made``, the collapsed ``value``, for both (the table is emptied when full)."""
    if len(_COLLAPSED) >= _COLLAPSED_SIZE - 1:
        _COLLAPSED.clear()
    _COLLAPSED[value] = made
    if made != value:
        _COLLAPSED[made] = made


def _wrong(function: str, name: str, value: Any, kind: str) -> TemplateFault:
    """An argument a template gave of the wrong type: the template's fault (a finding), not a bug."""
    return TemplateFault(f"{function}: {name} must be {kind}, not {value!r}")


def truncate_words(value: Any, limit: int, ellipsis: str = "") -> str:
    """At most ``limit`` characters, cut at a word boundary (a single long word is cut hard)."""
    if not isinstance(limit, int):
        raise _wrong("truncate_words", "limit", limit, "a whole number")
    if not isinstance(ellipsis, str):
        raise _wrong("truncate_words", "ellipsis", ellipsis, "text")
    text = collapse(value)
    if len(text) <= limit:
        return text
    return cut_words(text, limit, ellipsis)


def cut_words(text: str, limit: int, ellipsis: str = "") -> str:
    """``text`` (longer than ``limit``) cut to at most ``limit`` characters at its last space, trailing punctuation
    and ``ellipsis`` after it (a single long word is cut hard): ``truncate_words`` of a collapsed text, and a
    channel's cut of a text longer than it takes."""
    room = limit - len(ellipsis)
    cut = text[: room + 1].rsplit(" ", 1)[0] if " " in text[: room + 1] else text[:room]
    return cut.rstrip(" ,;:-") + ellipsis


def variant_pairs(
    attributes: Mapping[str, str] | None, names: Iterable[str], options: Mapping[str, str] | None = None
) -> str:
    """Meta's ``additional_variant_attribute``: ``Key:Value,Key2:Value2`` for the named attributes that are set,
    then the product's ``options`` (its variant options that map to no variant field) not named already; commas
    and colons inside keys and values become spaces, since they are the separators."""
    for name, value in (("attributes", attributes), ("options", options)):
        if value is not None and not isinstance(value, Mapping):
            raise _wrong("variant_pairs", name, value, "a mapping")
    try:
        names = [name for name in names if hash(name) is not None]
    except TypeError:
        raise TemplateFault(f"variant_pairs: names must be a list of attribute names, not {names!r}") from None
    chosen = [(name, (attributes or {}).get(name)) for name in names]
    named = {name for name, _ in chosen}
    chosen += [(name, value) for name, value in (options or {}).items() if name not in named]
    pairs = []
    for name, value in chosen:
        if value:
            pairs.append(f"{variant_text(name)}:{variant_text(value)}")
    return ",".join(pairs)


def variant_text(value: Any) -> str:
    """A name or value as ``variant_pairs`` writes it: its commas and colons (Meta's separators, which it takes no
    escape for) made spaces, its spaces collapsed (Meta's channel tells of each so changed: META009)."""
    return " ".join(re.sub(r"[,:]", " ", str(value)).split())


def name_variant(title: Any, *values: Any, separator: str = " - ") -> str:
    """``title - value - value``: the title followed by each variant value (a string, or a mapping's values)
    that the title does not already contain as whole words, ignoring case (``Mug Color Verde`` stays as it is
    for colour ``verde``)."""
    text, words = _folded(title if type(title) is str else "" if title is None else str(title))
    added: list[str] | None = None
    for given in values:
        if not given:  # None, "", an empty dict (most variant options): nothing to add
            continue
        if type(given) is not str and isinstance(given, Mapping):
            parts: Iterable[Any] = [str(v) for v in given.values()]
        else:  # most values: a colour, a size
            parts = (given,)
        for part in parts:
            value, folded = _folded(part if type(part) is str else "" if part is None else str(part))
            if value and (folded not in words or not _names(words, folded)):
                if added is None:
                    added = [text]
                    separator = f"{separator}"
                    folded_separator = separator.casefold()
                added.append(value)
                words = f"{words}{folded_separator}{folded}"
    return text if added is None else separator.join(added)


def _names(words: str, folded: str) -> bool:
    """Whether ``words`` holds ``folded`` as whole words."""
    return _whole_words(folded)(words) is not None


@lru_cache(maxsize=1024)
def _whole_words(folded: str) -> Callable[[str], re.Match[str] | None]:
    """The search for ``folded`` as whole words, compiled once: a catalog has few colours and sizes."""
    return re.compile(rf"(?<!\w){re.escape(folded)}(?!\w)").search


@lru_cache(maxsize=4096)
def _folded(value: str) -> tuple[str, str]:
    """``collapse`` of ``value`` and its casefolded text (casefold maps each character alone: the folded text of
    a title grown by parts is the folded parts). Cached: the variants of a product share their title, and a
    catalog has few colours and sizes."""
    text = _collapsed(value)
    return text, text.casefold()


_LI_OPEN = re.compile("<li", re.IGNORECASE)
_LI_CLOSE = re.compile("</li>", re.IGNORECASE)


def bullets(html_text: Any, limit: int = 5) -> list[str]:
    """The list items of an HTML description as plain-text bullet points (at most ``limit``): what
    ``re.findall(r"<li[^>]*>(.*?)</li>", text, re.I | re.S)`` finds, in linear time (that pattern rescans the rest
    of the text from every ``<li`` that no ``>`` or ``</li>`` follows: minutes on hostile HTML)."""
    if not isinstance(limit, int):
        raise _wrong("bullets", "limit", limit, "a whole number")
    if not html_text:
        return []
    return list(_bullets(str(html_text), limit))


@lru_cache(maxsize=1024)
def _bullets(text: str, limit: int) -> tuple[str, ...]:
    # Cached: the variants of a product share their description (a tuple: each caller gets its own list).
    found: list[str] = []
    position = 0
    while len(found) < limit and (opening := _LI_OPEN.search(text, position)) is not None:
        tag_end = text.find(">", opening.end())
        closing = _LI_CLOSE.search(text, tag_end + 1) if tag_end >= 0 else None
        if closing is None:
            break  # no later <li can be closed either
        if item := plaintext(text[tag_end + 1 : closing.start()]):
            found.append(item)
        position = closing.end()
    return tuple(found)


def titlecase(value: Any) -> str:
    """Title Case that leaves words with capitals inside them (``iPhone``, ``USB``) alone."""
    words = collapse(value).split(" ")
    return " ".join(w if any(c.isupper() for c in w[1:]) else w[:1].upper() + w[1:].lower() for w in words)
