"""Amazon's ``JSON_LISTINGS_FEED`` document writer: ``{"header": …, "messages": [ … ]}`` streamed one message per
line, with ``messageId`` numbered from 1 in each document. A feed holds at most ``max_messages`` messages
(Amazon's limit is 25,000); past that the writer continues in a new document from ``open_part``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring
from typing import Any, BinaryIO

OpenPart = Callable[[int], BinaryIO]
MAX_MESSAGES = 25_000  # listings-feed-schema-v2.json: messages maxItems


def delete_message(sku: str) -> dict[str, Any]:
    """A message that removes a listing."""
    return {"sku": sku, "operationType": "DELETE"}


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The C encoder ``_ENCODER.encode`` builds anew for every call (with a fresh dict of the containers it is inside, to
# catch a cycle), made once and without that dict: a message is a tree built by the Amazon encoder, never cyclic.
# The same bytes as ``_ENCODER.encode`` (tests/formats/test_json_listings.py).
_CHUNKS: Callable[[Any, int], list[str]] | None = (
    c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", False, False, True)
    if c_make_encoder is not None
    else None
)


def encode(value: Mapping[str, Any]) -> str:
    """``value`` as compact JSON text (non-ASCII kept, ``,`` and ``:`` without spaces)."""
    return "".join(_CHUNKS(value, 0)) if _CHUNKS is not None else _ENCODER.encode(value)


def _dumps(value: Any) -> bytes:
    return encode(value).encode("utf-8")


class JsonListingsWriter:
    def __init__(
        self, handle: BinaryIO, *, header: Mapping[str, Any], max_messages: int, open_part: OpenPart | None
    ) -> None:
        self._handle = handle
        self._header = dict(header)
        self._max = max_messages
        self._open_part = open_part
        self._count = 0
        self._part = 1
        self._begun = False

    def resume(self, count: int, part: int) -> JsonListingsWriter:
        """This writer continues a document of the same feed already begun: the ``part``-th, whose handle is at the
        end of its ``count``-th message (its end not written). Entered, it writes no header."""
        self._count, self._part, self._begun = count, part, True
        return self

    def _start(self) -> None:
        self._handle.write(b'{"header":' + _dumps(self._header) + b',\n"messages":[')
        self._count = 0

    def _finish(self) -> None:
        self._handle.write(b"\n]}\n")

    def __enter__(self) -> JsonListingsWriter:
        if not self._begun:
            self._start()
        return self

    def _next(self) -> None:
        if self._count >= self._max:
            if self._open_part is None:
                raise ValueError(f"more than {self._max} messages and no way to open another document")
            self._finish()
            self._part += 1
            self._handle = self._open_part(self._part)
            self._start()
        self._count += 1

    def write(self, values: Mapping[str, Any]) -> None:
        self._next()
        separator = b"\n" if self._count == 1 else b",\n"
        if "messageId" in values:  # the numbering's value in the first place (never so in a message of feedsync's)
            self._handle.write(separator + _dumps({"messageId": self._count, **values}))
            return
        # ``{"messageId":N,`` spliced before the message's own keys: no copy of the message to put it first
        text = encode(values)
        rest = b"}" if text == "{}" else b"," + text[1:].encode("utf-8")
        self._handle.write(b'%s{"messageId":%d%s' % (separator, self._count, rest))

    def write_encoded(self, rest: bytes) -> None:
        """A message another writer encoded, without its messageId: the bytes after ``{"messageId":N,``."""
        self._next()
        self._handle.write(b'%s{"messageId":%d,%s' % (b"\n" if self._count == 1 else b",\n", self._count, rest))

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._finish()
