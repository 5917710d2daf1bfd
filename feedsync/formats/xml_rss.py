"""RSS 2.0 feed writer with a namespace for the item attributes (e.g. Google's ``g:``), streamed: each item's
bytes are built as one string and written at once, one item in memory at a time, byte-for-byte deterministic.

lxml renders what is written once per feed (the prologue with the namespace declaration and the channel's title,
link and description) and once per attribute name (its start and end tags); the items are assembled directly, with
lxml's text escaping reproduced (``&``, ``<``, ``>`` and CR as ``&amp;``, ``&lt;``, ``&gt;``, ``&#13;``)."""

from __future__ import annotations

import io
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from feedsync.errors import SourceError

# Characters XML 1.0 does not allow (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything a text needs changed before it goes between two tags: the characters above and those escaped.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
_TAIL = b"</channel>\n</rss>\n"
_TEXT = frozenset((str,))
_SEP = "\xa4"
"""Joins an item's texts to look at them at once: a printable character (an item's texts that hold it are looked at
one by one)."""
_PLANS_KEPT = 4096
"""Item layouts kept per writer (a feed has a handful: its attributes, and how many entries a repeated one has)."""
_FRAMED = frozenset((str, list))
_UNKNOWN: Any = object()
_Frame = tuple[list[str | None], tuple[tuple[int, str], ...]]
_OTHER = "other"
"""``_form`` of a value ``render`` leaves to ``_render_each`` (a text: equal to no other form)."""


def xml_text(value: str) -> str:
    """``value`` with the characters XML cannot carry removed."""
    return _INVALID_XML.sub("", value)


def _escaped(value: str) -> str:
    """``value`` (holding a character of ``_SPECIAL``) as element content, the bytes lxml writes for it: invalid
    characters dropped, ``&<>`` and CR escaped (quotes, tab and newline as they are; ``]]>`` becomes ``]]&gt;``)."""
    value = _INVALID_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escaped_printable(value: str) -> str:
    """``value`` (printable) as element content: ``&<>`` escaped."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _form(value: Any) -> tuple[tuple[str, ...] | None, ...] | int | str:
    """The entries of a repeated attribute: how many, when all are texts; else per entry None for a text, the
    names of a group's sub-attributes (texts); ``_OTHER`` for a value ``render`` leaves to ``_render_each``."""
    if type(value) is not list:
        return _OTHER
    if set(map(type, value)) <= _TEXT:
        return len(value)
    form: list[tuple[str, ...] | None] = []
    for entry in value:
        if type(entry) is str:
            form.append(None)
        elif type(entry) is dict and set(map(type, entry.values())) <= _TEXT:
            form.append(tuple(entry))
        else:
            return _OTHER
    return tuple(form)


class RssWriter:
    def __init__(self, handle: BinaryIO, *, meta: Mapping[str, str], namespace: str, prefix: str) -> None:
        self._handle = handle
        self._meta = meta
        self._ns = namespace
        self._prefix = prefix
        self._tags: dict[str, tuple[str, str]] = {}
        self._plans: dict[tuple[tuple[str, ...], tuple[Any, ...] | None], str] = {}
        """An item's layout (its attribute names and its repeated attributes' entries) -> its text with ``%s`` where
        each of its texts goes."""
        self._frames: dict[tuple[Any, ...], _Frame | None] = {}
        """An item's attribute names and its values' types -> its frame (None: ``render`` takes such items value by
        value)."""

    def _render(self, body: Any) -> bytes:
        """What lxml writes for ``<rss>`` with the namespace declared, holding what ``body(xf)`` writes."""
        buffer = io.BytesIO()
        with etree.xmlfile(buffer, encoding="utf-8") as xf:
            xf.write_declaration()
            with xf.element("rss", nsmap={self._prefix: self._ns}, version="2.0"):
                body(xf)
        return buffer.getvalue()

    def _head(self, xf: Any) -> None:
        xf.write("\n")
        with xf.element("channel"):
            xf.write("\n")
            for tag in ("title", "link", "description"):
                xf.write("  ")
                with xf.element(tag):
                    xf.write(xml_text(self._meta.get(tag, "")))
                xf.write("\n")

    def __enter__(self) -> RssWriter:
        document = self._render(self._head)  # ...description>\n</channel></rss>
        end = b"</channel></rss>"
        if not document.endswith(end):
            raise AssertionError(f"unexpected RSS prologue: {document[-40:]!r}")
        self._handle.write(document[: -len(end)])
        return self

    def _tag(self, name: str) -> tuple[str, str]:
        """The start and end tags of attribute ``name`` in the namespace, as lxml writes them (it takes the name as
        it is; an empty one is its ValueError)."""
        tags = self._tags.get(name)
        if tags is None:

            def element(xf: Any) -> None:
                with xf.element(f"{{{self._ns}}}{name}"):
                    pass

            bare = self._render(lambda xf: None)[: -len(b"</rss>")]
            inner = self._render(element)[len(bare) : -len(b"</rss>")].decode("utf-8")  # <TAG></TAG>
            tag = inner[1 : 1 + (len(inner) - 5) // 2]
            tags = self._tags[name] = (f"<{tag}>", f"</{tag}>")
        return tags

    def write(self, values: Mapping[str, Any]) -> None:
        self._handle.write(self.render(values).encode("utf-8"))

    def write_rendered(self, text: str) -> int:
        """An item as ``render`` made it; the number of bytes written."""
        data = text.encode("utf-8")
        self._handle.write(data)
        return len(data)

    def write_bytes(self, data: bytes) -> None:
        """An item's bytes as an earlier feed has them (a row cache copies them)."""
        self._handle.write(data)

    def position(self) -> int:
        """Where the next item starts in the file."""
        return self._handle.tell()

    def render(self, values: Mapping[str, Any]) -> str:
        """The text of one item; a value is a text, or a list of them (a repeated attribute), whose entries may be
        mappings of sub-attributes (written as child elements:
        ``<g:shipping><g:country>ES</g:country>…</g:shipping>``).

        Most items (texts and lists of texts, all printable) are put into their frame: the item's tags with a gap
        for each value, made once per attribute names and value types; a list's entries fill its gap with their tags
        between them. ``&`` alone is escaped in the item at once (no tag holds one); with ``<`` or ``>`` about, the
        values that hold one of ``&<>`` (found where the joined texts hold it) are escaped one by one. Anything else
        (a text to clean, a value of another type, a group) goes through ``_render_shaped``; the two give the same
        text (tests/hostile/test_writer_rss_bytes.py, tests/hostile/test_write_rss_layouts.py)."""
        texts = [*values.values()]
        key = (*values, *map(type, texts))
        frame = self._frames.get(key, _UNKNOWN)
        if frame is _UNKNOWN:
            frame = self._frame(key[: len(texts)], key[len(texts) :])
            if len(self._frames) < _PLANS_KEPT:
                self._frames[key] = frame
        if frame is None:
            return self._render_shaped(values)
        gaps, lists = frame
        seen = texts  # each value's text (a list's entries joined), to look at
        if lists:
            seen = texts.copy()
            for at, _ in lists:
                entries = texts[at]
                if not set(map(type, entries)) <= _TEXT:
                    return self._render_shaped(values)
                seen[at] = "".join(entries)
        joined = "".join(seen)
        if not joined.isprintable():
            return self._render_shaped(values)
        each = "<" in joined or ">" in joined  # escaped value by value (the tags hold both)
        if each:
            found: set[int] = set()
            ends = [*accumulate(map(len, seen))]  # where each value's text ends in ``joined``
            for mark in "&<>":
                at = joined.find(mark)
                while at >= 0:  # the values that hold it (the next looked for past the end of this one)
                    value = bisect_right(ends, at)
                    found.add(value)
                    at = joined.find(mark, ends[value])
            for at in found:
                value = texts[at]
                texts[at] = _escaped_printable(value) if type(value) is str else [*map(_escaped_printable, value)]
        for at, name in lists:
            entries = texts[at]
            if not entries:
                texts[at] = ""  # no element: its tags are not looked up
                continue
            start, end = self._tags.get(name) or self._tag(name)
            opening = "\n    " + start
            texts[at] = opening + (end + opening).join(entries) + end
        pieces = gaps.copy()
        pieces[1::2] = texts
        text = "".join(pieces)
        return text.replace("&", "&amp;") if not each and "&" in joined else text

    def _frame(self, names: tuple[str, ...], kinds: tuple[type, ...]) -> _Frame | None:
        """The frame of items with these attribute ``names`` and value types ``kinds`` (texts and lists): its pieces
        with a gap (None) between each two, and the lists' places and names; None for other types."""
        if not set(kinds) <= _FRAMED:
            return None
        try:
            return self._framed(names, kinds)
        except Exception:  # a name lxml refuses: ``_render_shaped`` fails as it did, where it did
            return None

    def _framed(self, names: tuple[str, ...], kinds: tuple[type, ...]) -> _Frame:
        tags = self._tags
        pieces: list[str | None] = ["  <item>"]
        lists = []
        for at, (name, kind) in enumerate(zip(names, kinds, strict=True)):
            if kind is str:
                start, end = tags.get(name) or self._tag(name)
                pieces[-1] += f"\n    {start}"
                pieces += [None, end]
            else:  # a list's gap holds its entries' elements, tags and all (none when it has no entry)
                lists.append((at, name))
                pieces += [None, ""]
        pieces[-1] += "\n  </item>\n"  # type: ignore[operator]
        return pieces, tuple(lists)

    def _render_shaped(self, values: Mapping[str, Any]) -> str:
        """``render`` for any item: its texts looked at at once, joined: when all are printable (no character to
        drop, no CR) only ``&<>`` can need escaping, and the texts go into the item's layout, made once per layout.
        Anything else (a text to clean, a value of another type) goes through ``_render_each``, value by value; the
        two give the same text."""
        texts = list(values.values())
        shape = None
        if not set(map(type, texts)) <= _TEXT:
            shape = tuple([None if type(value) is str else _form(value) for value in texts])
            if _OTHER in shape:
                return self._render_each(values)
            flat: list[str] = []
            for value, form in zip(texts, shape, strict=True):
                if form is None:
                    flat.append(value)
                    continue
                if type(form) is int:
                    flat += value
                    continue
                for entry in value:
                    if type(entry) is str:
                        flat.append(entry)
                    else:
                        flat += entry.values()
            texts = flat
        key = (tuple(values), shape)
        layout = self._plans.get(key)
        if layout is None:
            layout = self._layout(*key)
            if len(self._plans) < _PLANS_KEPT:
                self._plans[key] = layout
        joined = _SEP.join(texts)
        if not joined.isprintable() or (texts and joined.count(_SEP) != len(texts) - 1):
            special = _SPECIAL.search
            texts = [text if special(text) is None else _escaped(text) for text in texts]
        elif "&" in joined or "<" in joined or ">" in joined:
            texts = joined.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").split(_SEP)
        return layout % tuple(texts)

    def _layout(self, names: tuple[str, ...], shape: tuple[Any, ...] | None) -> str:
        """The text of an item with these attribute ``names`` (and entries, ``shape``), ``%s`` for each text."""
        tags = self._tags
        pieces = ["  <item>"]

        def add(text: str, then: str | None = None) -> None:
            pieces[-1] += text
            if then is not None:
                pieces.append(then)

        for number, name in enumerate(names):
            form = None if shape is None else shape[number]
            if form is None:
                start, end = tags.get(name) or self._tag(name)
                add(f"\n    {start}", end)
                continue
            for entry in (None,) * form if type(form) is int else form:  # a repeated attribute (its tags are
                # looked up only when it has an entry)
                start, end = tags.get(name) or self._tag(name)
                if entry is None:
                    add(f"\n    {start}", end)
                    continue
                add(f"\n    {start}")
                for part in entry:
                    part_start, part_end = tags.get(part) or self._tag(part)
                    add(f"\n      {part_start}", part_end)
                add(f"\n    {end}")
        add("\n  </item>\n")
        return "%s".join(piece.replace("%", "%%") for piece in pieces)

    def _render_each(self, values: Mapping[str, Any]) -> str:
        """``render`` value by value: any text, a repeated attribute of any iterable, entries of any mapping."""
        tags = self._tags
        special = _SPECIAL.search  # most values need no escaping: one scan, no call
        out = ["  <item>"]
        add = out.append
        for name, value in values.items():
            if isinstance(value, str):
                start, end = tags.get(name) or self._tag(name)
                add(f"\n    {start}{value if special(value) is None else _escaped(value)}{end}")
                continue
            for entry in value:  # a repeated attribute (its tags are looked up only when it has an entry)
                start, end = tags.get(name) or self._tag(name)
                if isinstance(entry, str):
                    add(f"\n    {start}{entry if special(entry) is None else _escaped(entry)}{end}")
                    continue
                add(f"\n    {start}")
                for part, text in entry.items():
                    part_start, part_end = tags.get(part) or self._tag(part)
                    add(f"\n      {part_start}{text if special(text) is None else _escaped(text)}{part_end}")
                add(f"\n    {end}")
        add("\n  </item>\n")
        return "".join(out)

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:  # a failed feed is discarded whole: no end tags
            self._handle.write(_TAIL)


def read_items(path: Path) -> Iterator[dict[str, str]]:
    """The fields of each ``<item>`` of an RSS feed file as text (namespaces dropped), streamed: an element's
    text, or for one with children (shipping, tax) ``name=text;...``; repeated elements joined by `` | ``. A file
    that is not well-formed XML is a SourceError naming its line (entities are not resolved, nothing is fetched)."""
    try:
        for _, item in etree.iterparse(str(path), tag="item", resolve_entities=False, no_network=True):
            fields: dict[str, list[str]] = {}
            for child in item:
                name = etree.QName(child).localname
                parts = ";".join(f"{etree.QName(c).localname}={c.text or ''}" for c in child)  # shipping, tax, ...
                fields.setdefault(name, []).append(parts or child.text or "")
            item.clear()
            yield {name: " | ".join(texts) for name, texts in fields.items()}
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path}:{exc.lineno}: not an RSS feed: {exc.msg}") from None
