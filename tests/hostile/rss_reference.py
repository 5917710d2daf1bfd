"""The RSS writer as it was before it wrote bytes directly (lxml's ``xmlfile``, element by element), kept as the
reference the direct writer must match byte for byte."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any, BinaryIO

from lxml import etree

from feedsync.formats.xml_rss import xml_text


class LxmlRssWriter:
    def __init__(self, handle: BinaryIO, *, meta: Mapping[str, str], namespace: str, prefix: str) -> None:
        self._handle = handle
        self._meta = meta
        self._ns = namespace
        self._prefix = prefix
        self._stack = ExitStack()
        self._xf: Any = None
        self._tags: dict[str, str] = {}

    def __enter__(self) -> LxmlRssWriter:
        xf = self._stack.enter_context(etree.xmlfile(self._handle, encoding="utf-8"))
        xf.write_declaration()
        self._stack.enter_context(xf.element("rss", nsmap={self._prefix: self._ns}, version="2.0"))
        xf.write("\n")
        self._stack.callback(xf.write, "\n")  # between </channel> and </rss>, on a clean exit only
        self._stack.enter_context(xf.element("channel"))
        xf.write("\n")
        for tag in ("title", "link", "description"):
            xf.write("  ")
            with xf.element(tag):
                xf.write(xml_text(self._meta.get(tag, "")))
            xf.write("\n")
        self._xf = xf
        return self

    def _tag(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self._ns}}}{name}"
        return tag

    def write(self, values: Mapping[str, Any]) -> None:
        """One item; a value is a text, or a list of them (a repeated attribute), whose entries may be mappings of
        sub-attributes (written as child elements: ``<g:shipping><g:country>ES</g:country>…</g:shipping>``)."""
        xf = self._xf
        xf.write("  ")
        with xf.element("item"):
            for name, value in values.items():
                tag = self._tag(name)
                for entry in (value,) if isinstance(value, str) else value:
                    xf.write("\n    ")
                    with xf.element(tag):
                        if isinstance(entry, str):
                            xf.write(xml_text(entry))
                            continue
                        for part, text in entry.items():
                            xf.write("\n      ")
                            with xf.element(self._tag(part)):
                                xf.write(xml_text(text))
                        xf.write("\n    ")
            xf.write("\n  ")
        xf.write("\n")

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is not None:
            # A failed feed is discarded whole, but lxml's contexts are still unwound, with the error, so that lxml
            # lets go of the file now: an xmlfile left open crashes the garbage collector later (seen when the
            # disk filled up in the middle of a feed). What they write no longer matters; their errors neither.
            with contextlib.suppress(Exception):
                self._stack.__exit__(*exc)
            return
        self._stack.close()
        self._handle.write(b"\n")
