"""Amazon's ``JSON_LISTINGS_FEED`` document writer: ``{"header": …, "messages": [ … ]}`` streamed one message per
line, with ``messageId`` numbered from 1 in each document. A feed holds at most ``max_messages`` messages
(Amazon's limit is 25,000); past that the writer continues in a new document from ``open_part``."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, BinaryIO

OpenPart = Callable[[int], BinaryIO]
MAX_MESSAGES = 25_000  # listings-feed-schema-v2.json: messages maxItems


def delete_message(sku: str) -> dict[str, Any]:
    """A message that removes a listing."""
    return {"sku": sku, "operationType": "DELETE"}


# One encoder for every message (``json.dumps`` with options builds a new one per call); the same bytes.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _dumps(value: Any) -> bytes:
    return _ENCODE(value).encode("utf-8")


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

    def _start(self) -> None:
        self._handle.write(b'{"header":' + _dumps(self._header) + b',\n"messages":[')
        self._count = 0

    def _finish(self) -> None:
        self._handle.write(b"\n]}\n")

    def __enter__(self) -> JsonListingsWriter:
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
        message = {"messageId": self._count, **values}
        self._handle.write((b"\n" if self._count == 1 else b",\n") + _dumps(message))

    def write_encoded(self, rest: bytes) -> None:
        """A message another writer encoded, without its messageId: the bytes after ``{"messageId":N,``."""
        self._next()
        self._handle.write(b'%s{"messageId":%d,%s' % (b"\n" if self._count == 1 else b",\n", self._count, rest))

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._finish()
