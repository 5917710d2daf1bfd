"""RSS 2.0 feed writer with a namespace for the item attributes (e.g. Google's ``g:``), streamed: each item's
bytes are built as one string and written at once, one item in memory at a time, byte-for-byte deterministic.

lxml renders what is written once per feed (the prologue with the namespace declaration and the channel's title,
link and description) and once per attribute name (its start and end tags); the items are assembled directly, with
lxml's text escaping reproduced (``&``, ``<``, ``>`` and CR as ``&amp;``, ``&lt;``, ``&gt;``, ``&#13;``)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from feedsync.errors import SourceError
from feedsync.formats.gathered import write_gathered

# Characters XML 1.0 does not allow (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything a text needs changed before it goes between two tags: the characters above and those escaped.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
_TAIL = b"</channel>\n</rss>\n"
_SEP = "`"
"""Joins an item's texts to look at them at once: a printable ASCII character (when one of them holds it, each is
escaped)."""
_FRAMES_KEPT = 4096
"""Item frames kept per writer (a feed has a handful: one per set of attribute names)."""
_ESCAPES_KEPT = 1024
"""Escaped texts kept per writer (emptied when full)."""
_FRAMED = frozenset((str, list))
_UNKNOWN: Any = object()
_Frame = tuple[list[str | None], tuple[tuple[int, str], ...], list[list[Any]]]
_LONG = 80
"""A text at least this long in the first item of a frame is kept at its place with its escaped text, to be taken
as it is when the next item has it too (a product's variants share their description); so is, from then on, a text
that needed escaping (a product type with ``>``)."""
_LONGS_KEPT = 8
"""Places kept per frame, at most."""
_CONTROLS = bytes(code for code in range(32) if chr(code) not in "\t\n")
"""The ASCII characters a text cannot carry as they are: XML's C0 controls but tab and newline, and CR."""


def _plain_ascii(text: str) -> bool:
    """Whether ``text`` (ASCII) holds none of ``_CONTROLS`` (as bytes, looked at in C at once)."""
    data = text.encode("ascii")
    return len(data.translate(None, _CONTROLS)) == len(data)


def xml_text(value: str) -> str:
    """``value`` with the characters XML cannot carry removed."""
    return _INVALID_XML.sub("", value)


def _escaped(value: str) -> str:
    """``value`` (holding a character of ``_SPECIAL``) as element content, the bytes lxml writes for it: invalid
    characters dropped, ``&<>`` and CR escaped (quotes, tab and newline as they are; ``]]>`` becomes ``]]&gt;``)."""
    value = _INVALID_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _escaped_printable(value: str) -> str:
    """``value`` (printable) as element content: ``&<>`` escaped, by ``str``'s own ``replace`` (a ``str`` subclass's
    may do otherwise: markupsafe's ``Markup`` escapes what it puts in)."""
    return str.replace(value, "&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class RssWriter:
    def __init__(self, handle: BinaryIO, *, meta: Mapping[str, str], namespace: str, prefix: str) -> None:
        self._handle = handle
        self._meta = meta
        self._ns = namespace
        self._prefix = prefix
        self._tags: dict[str, tuple[str, str]] = {}
        self._frames: dict[tuple[str, ...], _Frame | None] = {}
        """An item's attribute names -> its frame (None: ``render`` takes such items value by value)."""
        self._joints: dict[str, tuple[str, str, str]] = {}
        """A repeated attribute's name -> what goes before, between and after its entries."""
        self._escapes: dict[str, str] = {}
        """Texts escaped lately -> their escaped text (a product's variants share their description, type...)."""

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

    def tag(self, name: str) -> tuple[str, str]:
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
        self._handle.write(self.render(values))

    def write_rendered(self, data: bytes) -> int:
        """An item as ``render`` made it; the number of bytes written."""
        self._handle.write(data)
        return len(data)

    def write_many(self, rendered: Sequence[bytes]) -> None:
        """Items as ``render`` made them, in order, by one gathered write (a batch's thousands)."""
        write_gathered(self._handle, rendered)

    def write_bytes(self, data: bytes) -> None:
        """An item's bytes as an earlier feed has them (a row cache copies them)."""
        self._handle.write(data)

    def position(self) -> int:
        """Where the next item starts in the file."""
        return self._handle.tell()

    def render(self, values: Mapping[str, Any]) -> bytes:
        """The bytes of one item; a value is a text, or a list of them (a repeated attribute), whose entries may be
        mappings of sub-attributes (written as child elements: ``<g:shipping><g:country>ES</g:country>…</g:shipping>``).

        An item whose values are texts and lists of texts, all printable, is put into its frame: the item's tags with
        a gap for each value, made once per set of attribute names; a list's entries fill its gap with their tags
        between them. Its texts are looked at at once, joined: only ``&<>`` can need escaping there, and the values
        that hold one are found in the joined text and escaped one by one (a value met again is escaped once).
        Anything else (a text to clean, a value of another type, a group) goes value by value (``_render_each``);
        the two give the bytes lxml wrote (tests/hostile/test_writer_rss_bytes.py, test_write_rss_frames.py)."""
        texts = [*values.values()]
        frame = self._frames.get(names := tuple(values), _UNKNOWN)
        if frame is _UNKNOWN:
            frame = self._frame(names, texts)
            if len(self._frames) < _FRAMES_KEPT:
                self._frames[names] = frame
        if frame is None:
            return self._render_each(values)
        gaps, lists, longs = frame
        seen = texts.copy()  # each value's text (a list's entries joined), to look at
        missed = []
        for long in longs:
            at = long[0]
            text = texts[at]
            if text is long[1] or (type(text) is str and text == long[1]):  # as in the item before: taken as it was
                seen[at] = ""
                texts[at] = long[2]
            else:
                missed.append(long)
        try:
            for at, _ in lists:
                entries = texts[at]
                if type(entries) is not list:
                    return self._render_each(values)
                seen[at] = "".join(entries)
            joined = _SEP.join(seen)  # a value that is no text (a list where the frame has a text) fails here
        except TypeError:
            return self._render_each(values)
        if not (_plain_ascii(joined) if joined.isascii() else joined.isprintable()):
            return self._render_each(values)
        escaped: Any = ()
        if "&" in joined or "<" in joined or ">" in joined:
            if joined.count(_SEP) == len(seen) - 1:
                escaped = self._escape(joined, texts)
            else:  # a value holds the joining character: each is escaped (but those taken as they were)
                texts = [
                    text
                    if not look
                    else _escaped_printable(text)
                    if isinstance(text, str)
                    else [*map(_escaped_printable, text)]
                    for text, look in zip(texts, seen, strict=True)
                ]
        for long in missed:  # a text (a list there failed the join), kept with its escaped text for the next item
            at = long[0]
            long[1], long[2] = seen[at], texts[at]
        for at in escaped:  # a text that needed escaping is kept at its place from now on (a type, a category)
            if type(texts[at]) is str and len(longs) < _LONGS_KEPT and all(long[0] != at for long in longs):
                longs.append([at, seen[at], texts[at]])
        for at, name in lists:
            entries = texts[at]
            if entries:  # else no element: its tags are not looked up
                opening, between, end = self._joints.get(name) or self._joint(name)
                texts[at] = f"{opening}{between.join(entries)}{end}"
            else:
                texts[at] = ""
        pieces = gaps.copy()
        pieces[1::2] = texts
        return "".join(pieces).encode("utf-8")

    def _joint(self, name: str) -> tuple[str, str, str]:
        """What goes before, between and after the entries of a repeated attribute ``name``."""
        start, end = self._tags.get(name) or self.tag(name)
        joint = self._joints[name] = ("\n    " + start, end + "\n    " + start, end)
        return joint

    def _escape(self, joined: str, texts: list[Any]) -> set[int]:
        """Escape (``&<>``) in place each of ``texts`` (printable texts and lists of them) that holds one of them
        where ``joined`` (``texts`` joined by ``_SEP``, none holding it) does; their places."""
        find, count = joined.find, joined.count
        done: set[int] = set()
        escapes = self._escapes
        for mark in "&<>":
            at = find(mark)
            while at >= 0:
                number = count(_SEP, 0, at)  # the value it is in (the next looked for past its end)
                if number not in done:
                    done.add(number)
                    value = texts[number]
                    if isinstance(value, str):  # a str subclass too (a list's entries else)
                        escaped = escapes.get(value)
                        if escaped is None:
                            if len(escapes) >= _ESCAPES_KEPT:
                                escapes.clear()
                            escaped = escapes[value] = _escaped_printable(value)
                        texts[number] = escaped
                    else:
                        texts[number] = [*map(_escaped_printable, value)]
                end = find(_SEP, at)
                if end < 0:
                    break
                at = find(mark, end)
        return done

    def _frame(self, names: tuple[str, ...], texts: list[Any]) -> _Frame | None:
        """The frame of items with these attribute ``names`` whose values have the types of ``texts`` (texts and
        lists): its pieces with a gap (None) between each two, and the lists' places and names; None when a value
        is of another type or lxml refuses a name (``_render_each`` then fails as it did, where it did)."""
        if not {*map(type, texts)} <= _FRAMED:
            return None
        tags = self._tags
        pieces: list[str | None] = ["  <item>"]
        lists = []
        longs: list[list[Any]] = []
        try:
            for at, (name, text) in enumerate(zip(names, texts, strict=True)):
                if type(text) is str:
                    if len(text) >= _LONG and len(longs) < _LONGS_KEPT:
                        longs.append([at, _UNKNOWN, None])  # the text last met there (none yet) and its escaped text
                    start, end = tags.get(name) or self.tag(name)
                    pieces[-1] += f"\n    {start}"
                    pieces += [None, end]
                else:  # a list's gap holds its entries' elements, tags and all (none when it has no entry)
                    lists.append((at, name))
                    pieces += [None, ""]
        except Exception:
            return None
        pieces[-1] += "\n  </item>\n"  # type: ignore[operator]
        return pieces, tuple(lists), longs

    def _render_each(self, values: Mapping[str, Any]) -> bytes:
        """``render`` value by value: any text, a repeated attribute of any iterable, entries of any mapping."""
        tags = self._tags
        special = _SPECIAL.search  # most values need no escaping: one scan, no call
        out = ["  <item>"]
        add = out.append
        for name, value in values.items():
            if isinstance(value, str):
                start, end = tags.get(name) or self.tag(name)
                add(f"\n    {start}{value if special(value) is None else _escaped(value)}{end}")
                continue
            for entry in value:  # a repeated attribute (its tags are looked up only when it has an entry)
                start, end = tags.get(name) or self.tag(name)
                if isinstance(entry, str):
                    add(f"\n    {start}{entry if special(entry) is None else _escaped(entry)}{end}")
                    continue
                add(f"\n    {start}")
                for part, text in entry.items():
                    part_start, part_end = tags.get(part) or self.tag(part)
                    add(f"\n      {part_start}{text if special(text) is None else _escaped(text)}{part_end}")
                add(f"\n    {end}")
        add("\n  </item>\n")
        return "".join(out).encode("utf-8")

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
