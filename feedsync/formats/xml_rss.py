"""RSS 2.0 feed writer with a namespace for the item attributes (e.g. Google's ``g:``), streamed: each item's
bytes are built as one string and written at once, one item in memory at a time, byte-for-byte deterministic.

lxml renders what is written once per feed (the prologue with the namespace declaration and the channel's title,
link and description) and once per attribute name (its start and end tags); the items are assembled directly, with
lxml's text escaping reproduced (``&``, ``<``, ``>`` and CR as ``&amp;``, ``&lt;``, ``&gt;``, ``&#13;``)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree

from feedsync.errors import SourceError

# Characters XML 1.0 does not allow (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Anything a text needs changed before it goes between two tags: the characters above and those escaped.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
_TAIL = b"</channel>\n</rss>\n"


def xml_text(value: str) -> str:
    """``value`` with the characters XML cannot carry removed."""
    return _INVALID_XML.sub("", value)


def _escaped(value: str) -> str:
    """``value`` (holding a character of ``_SPECIAL``) as element content, the bytes lxml writes for it: invalid
    characters dropped, ``&<>`` and CR escaped (quotes, tab and newline as they are; ``]]>`` becomes ``]]&gt;``)."""
    value = _INVALID_XML.sub("", value)
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


class RssWriter:
    def __init__(self, handle: BinaryIO, *, meta: Mapping[str, str], namespace: str, prefix: str) -> None:
        self._handle = handle
        self._meta = meta
        self._ns = namespace
        self._prefix = prefix
        self._tags: dict[str, tuple[str, str]] = {}

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
        ``<g:shipping><g:country>ES</g:country>…</g:shipping>``)."""
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
