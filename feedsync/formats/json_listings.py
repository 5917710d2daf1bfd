"""Amazon's ``JSON_LISTINGS_FEED`` document writer: ``{"header": …, "messages": [ … ]}`` streamed one message per
line, with ``messageId`` numbered from 1 in each document. A feed holds at most ``max_messages`` messages
(Amazon's limit is 25,000); past that the writer continues in a new document from ``open_part``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring
from typing import Any, BinaryIO

import orjson

from feedsync.direct import settle
from feedsync.formats.gathered import Piece, write_gathered

OpenPart = Callable[[int], BinaryIO]
MAX_MESSAGES = 25_000  # listings-feed-schema-v2.json: messages maxItems
END = b"\n]}\n"
"""What a document holds after its last message."""


def max_messages(options: Mapping[str, Any]) -> int:
    """The messages a document of a channel with writer ``options`` holds at most."""
    return int(options.get("max_messages", MAX_MESSAGES))


def numbered(rests: Iterable[Piece], first: int) -> list[Piece]:
    """Messages encoded without their numbers (each the bytes after ``{"messageId":N``: ``,`` and its keys, or
    ``}``), as the pieces of a document that number them from ``first``: each after ``,`` and a line feed, the
    document's first (``first`` 1) after a line feed alone, as it follows its header's ``[``."""
    pieces: list[Piece] = []
    for number, rest in enumerate(rests, first):
        pieces += (b',\n{"messageId":%d' % number, rest)
    if first == 1 and pieces:
        pieces[0] = pieces[0][1:]
    return pieces


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


_FAST_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
"""Types ``json`` refuses go to ``_refuse`` (and so to ``json``, which refuses them as it did), not to orjson's own
form of them."""


_SIGNED = b"e+" in orjson.dumps(1e16)
"""This orjson writes an exponent with its sign (``1e+16``, as 3.13 does); other releases write ``1e16``."""
_FOLDED = bytes.maketrans(b"123456789E", b"000000000e")
"""Every digit as ``0`` and ``E`` as ``e``: a digit before an ``e`` is ``0e`` after it."""


def _unlike(data: bytes) -> bool:
    """Whether orjson's ``data`` may not be ``json``'s bytes: it holds a float below 1e-4 or from 1e16 (``json``
    writes ``1e-05``, orjson ``0.00001``; their exponent forms differ too: every exponent is checked) or NaN or
    infinity (``json``: ``NaN``, orjson: ``null``). A text that holds such bytes (``null``, ``0.0000``, a digit
    before an exponent's ``e``) makes ``json`` write the message too: the same bytes, more slowly."""
    if b"null" in data or b"0.0000" in data:
        return True
    if not _SIGNED:  # any digit before an ``e`` (a few microseconds more a message)
        return b"0e" in data.translate(_FOLDED)
    # An exponent has its sign: the rare ``e-``/``e+`` are enough to look at; ``e+`` only when the bytes hold a
    # ``+`` at all (one byte looked for: a scan several times quicker than a search for two)
    for mark in (b"e-", b"e+") if b"+" in data else (b"e-",):
        at = data.find(mark)
        while at > 0:
            if 48 <= data[at - 1] <= 57:  # a digit: an exponent, or a text like "2e-3"
                return True
            at = data.find(mark, at + 1)
    return False


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


class PlainMessage(dict[str, Any]):
    """A message its maker vouches for: it holds texts, booleans, None, integers, lists and dicts with text keys,
    and only floats ``json`` writes without an exponent (0, or ``1e-4 <= abs(x) < 1e16``; never NaN or infinity).
    Of such a value orjson writes ``json``'s bytes, so ``message_bytes`` takes them without the ``_unlike`` scan
    of the whole message (a value orjson refuses -- an integer past 64 bits, a text UTF-8 cannot carry -- still
    goes to ``json``). Never changed once made."""

    __slots__ = ()


def plain_number(number: float | int) -> bool:
    """Whether orjson writes ``number`` (an ``int`` or a ``float``) as ``json`` does: any integer (one past 64
    bits orjson refuses), a float without an exponent in ``json``'s form and finite."""
    return type(number) is int or number == 0.0 or 1e-4 <= abs(number) < 1e16


def plain_scalar(value: Any) -> bool:
    """Whether ``value`` is a text, a boolean, None, an integer or a ``plain_number`` float: a value of a
    ``PlainMessage`` (a subclass of one, or a container, is not vouched for)."""
    kind = type(value)
    return kind is str or kind is bool or kind is int or value is None or (kind is float and plain_number(value))


def message_bytes(value: Mapping[str, Any]) -> bytes:
    """``value`` as compact JSON in UTF-8: the bytes ``encode`` gives, made by orjson (about a sixth of the
    time) wherever its bytes are sure to be those; else by ``json`` (a value orjson refuses -- a type ``json``
    refuses too, an integer past 64 bits, a text UTF-8 cannot carry -- fails there as it did). One difference is
    left: a plain ``Enum`` member or a ``UUID``, which ``json`` refuses, orjson writes (the Amazon encoder makes
    neither: its messages hold texts, numbers, booleans, None, lists and dicts). A ``PlainMessage``'s bytes are
    taken as orjson gives them: its maker vouched that they are those (``_unlike`` is not asked)."""
    try:
        data = orjson.dumps(value, default=_refuse, option=_FAST_OPTIONS)
    except TypeError:
        return _dumps(value)
    return data if type(value) is PlainMessage or not _unlike(data) else _dumps(value)


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
        self._handle.write(END)

    def __enter__(self) -> JsonListingsWriter:
        if not self._begun:
            self._start()
        return self

    def _next(self) -> None:
        self._roll()
        self._count += 1

    def _roll(self) -> None:
        """A new document when this one is full."""
        if self._count >= self._max:
            if self._open_part is None:
                raise ValueError(f"more than {self._max} messages and no way to open another document")
            self._finish()
            settle(self._handle)  # whole: in its file, its stage let go
            self._part += 1
            self._handle = self._open_part(self._part)
            self._start()

    def write(self, values: Mapping[str, Any]) -> None:
        self._next()
        separator = b"\n" if self._count == 1 else b",\n"
        if "messageId" in values:  # the numbering's value in the first place (never so in a message of feedsync's)
            self._handle.write(separator + _dumps({"messageId": self._count, **values}))
            return
        # ``{"messageId":N,`` spliced before the message's own keys: no copy of the message to put it first
        data = message_bytes(values)
        if data == b"{}":
            self._handle.write(b'%s{"messageId":%d}' % (separator, self._count))
            return
        self._handle.write(b'%s{"messageId":%d,%s' % (separator, self._count, memoryview(data)[1:]))

    def write_encoded(self, rests: Sequence[bytes | memoryview]) -> None:
        """Messages another writer encoded, each without its number: the bytes after ``{"messageId":N`` (``,`` and
        its keys, or ``}``). Numbered on as ``write`` numbers them, each document's run in one gathered write."""
        at = 0
        while at < len(rests):
            self._roll()
            run = rests[at : at + self._max - self._count]
            write_gathered(self._handle, numbered(run, self._count + 1))
            self._count += len(run)
            at += len(run)

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._finish()
