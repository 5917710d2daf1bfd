"""The JSON listings writer's encoding against the standard library's: the same bytes for any message."""

from __future__ import annotations

import io
import json
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedsync.formats import json_listings
from feedsync.formats.json_listings import JsonListingsWriter, encode, message_bytes

HOSTILE = [
    "",
    'say "hi"',
    "back\\slash\\",
    "\x00\x01\x1f\x7f tab\t new\nline\r",
    "line\u2028separator\u2029paragraph",
    "non-BMP \U0001f600 \U00010348 𝄞",
    "</script><!-- & ' >",
    "\ufeffBOM and \ufffe \uffff",
    "é\u0301 combining",
]
texts = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))
# What a message holds: texts, numbers (ints, floats as prices are), booleans, null, lists and objects of them
leaves = st.one_of(
    texts,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)


def nested(leaf: st.SearchStrategy[Any], max_leaves: int) -> st.SearchStrategy[Any]:
    """Lists and objects (keyed by texts) of ``leaf`` values, nested."""
    return st.recursive(
        leaf,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
        max_leaves=max_leaves,
    )


values = nested(leaves, 20)
messages = st.dictionaries(texts, values, max_size=6)


def _reference(messages: list[dict[str, Any]], header: dict[str, Any]) -> bytes:
    """The document as ``json`` writes each part (messageId first in each message)."""

    def dumps(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    lines = [dumps({"messageId": number, **message}) for number, message in enumerate(messages, start=1)]
    return (
        b'{"header":'
        + dumps(header)
        + b',\n"messages":['
        + b"".join((b"\n" if n == 0 else b",\n") + line for n, line in enumerate(lines))
        + b"\n]}\n"
    )


def _written(messages: list[dict[str, Any]], header: dict[str, Any]) -> bytes:
    sink = io.BytesIO()
    with JsonListingsWriter(sink, header=header, max_messages=25_000, open_part=None) as writer:
        for message in messages:
            writer.write(message)
    return sink.getvalue()


@settings(max_examples=100, deadline=None)
@given(st.lists(messages, max_size=4), st.dictionaries(texts, texts, max_size=3))
def test_documents_are_the_bytes_json_writes(batch: list[dict[str, Any]], header: dict[str, str]) -> None:
    assert _written(batch, header) == _reference(batch, header)
    assert json.loads(_written(batch, header))["messages"] == [
        {"messageId": n, **m} for n, m in enumerate(batch, start=1)
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_each_hostile_text_in_a_message_shape_is_encoded_as_json_does(text: str) -> None:
    message = {
        "sku": text,
        "operationType": "UPDATE",
        "attributes": {"item_name": [{"value": text, "language_tag": "en_US", "marketplace_id": "ATVPDKIKX0DER"}]},
        "price": [{"value": 12.5, "quantity": 3, "exempt": True, "none": None}],
    }
    assert encode(message) == json.dumps(message, ensure_ascii=False, separators=(",", ":"))
    assert _written([message], {}) == _reference([message], {})


def test_a_message_carrying_its_own_message_id_is_written_as_before() -> None:
    batch = [{"messageId": 99, "sku": "A"}, {}, {"sku": "B", "messageId": "x"}]
    assert _written(batch, {"v": "2.0"}) == _reference(batch, {"v": "2.0"})
    assert b'{"messageId":99,"sku":"A"}' in _written(batch, {})  # as the dict merge had it
    assert b'{"messageId":2}' in _written(batch, {})


def test_a_lone_surrogate_is_refused_as_before() -> None:
    """Text that UTF-8 cannot carry fails the same way as ``json`` then ``str.encode`` did (no other bytes)."""
    with pytest.raises(UnicodeEncodeError):
        _reference([{"sku": "\ud800"}], {})
    with pytest.raises(UnicodeEncodeError):
        _written([{"sku": "\ud800"}], {})


def test_a_value_json_cannot_write_is_refused_as_before() -> None:
    for bad in ({"x": {1, 2}}, {"x": object()}):
        with pytest.raises(TypeError):
            _reference([bad], {})
        with pytest.raises(TypeError):
            _written([bad], {})


def _documents(messages: list[dict[str, Any]], max_messages: int, cut: int | None) -> list[bytes]:
    """The documents of ``messages``; with ``cut``, the writer is left after ``cut`` messages (its end unwritten)
    and another one resumes the document it was writing."""
    documents = [io.BytesIO()]

    def open_part(number: int) -> io.BytesIO:
        documents.append(io.BytesIO())
        assert len(documents) == number
        return documents[-1]

    header = {"sellerId": "A1", "version": "2.0"}
    if cut is None:
        with JsonListingsWriter(documents[0], header=header, max_messages=max_messages, open_part=open_part) as w:
            for message in messages:
                w.write(message)
        return [d.getvalue() for d in documents]
    first = JsonListingsWriter(documents[0], header=header, max_messages=max_messages, open_part=open_part)
    first.__enter__()
    for message in messages[:cut]:
        first.write(message)  # left here: its document not ended
    count = cut - (len(documents) - 1) * max_messages if cut else 0
    later = JsonListingsWriter(documents[-1], header=header, max_messages=max_messages, open_part=open_part)
    with later.resume(count, len(documents)):
        for message in messages[cut:]:
            later.write(message)
    return [d.getvalue() for d in documents]


@given(st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=4), st.data())
def test_a_resumed_writer_continues_the_document_as_one_writer_would(
    total: int, max_messages: int, data: st.DataObject
) -> None:
    messages = [{"sku": f"S{n}", "operationType": "UPDATE"} for n in range(total)]
    cut = data.draw(st.integers(min_value=0, max_value=total))
    assert _documents(messages, max_messages, cut) == _documents(messages, max_messages, None)


class _Text(str):
    """A text subclass that prints otherwise (as Markup does): JSON writes its characters."""

    def __str__(self) -> str:
        return "printed"


TRIGGERS = ["null", "0.0000", "2e-3", "1e+5", "e-commerce", "size 10e-", "nullable"]
"""Texts holding the bytes after which orjson's output is not trusted (the message is written by json then)."""
any_leaves = st.one_of(
    texts,
    st.sampled_from(TRIGGERS),
    st.sampled_from(["\ud800", "a\udfff", "\udbff\udc00"]),  # lone surrogates: UTF-8 cannot carry them
    st.builds(_Text, st.text(max_size=8)),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(),  # NaN, infinities, subnormals, 1e-05 and 1e+16 included
    st.sampled_from([1e-05, -2.5e-07, 0.0001, 1e16, 9.999999999999998e15, -0.0, 5e-324]),
    st.booleans(),
    st.none(),
)
any_values = st.recursive(
    any_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple), st.dictionaries(texts, inner, max_size=4)
    ),
    max_leaves=24,
)
other_keys = st.one_of(st.integers(min_value=-5, max_value=5), st.booleans(), st.none(), st.floats(width=16))


def _outcome(make: Any, value: Any) -> bytes | type:
    try:
        return make(value)  # type: ignore[no-any-return]
    except Exception as exc:  # the kind of failure is what must agree
        return type(exc)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(texts, any_values, max_size=6))
def test_message_bytes_are_json_s_bytes_or_fail_as_json_did(message: dict[str, Any]) -> None:
    assert _outcome(message_bytes, message) == _outcome(lambda m: encode(m).encode("utf-8"), message)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(other_keys, any_values, min_size=1, max_size=3), st.dictionaries(texts, any_values, max_size=3))
def test_keys_that_are_not_texts_are_written_as_json_writes_them(odd: dict[Any, Any], plain: dict[str, Any]) -> None:
    message = {**plain, "nested": odd}
    assert _outcome(message_bytes, message) == _outcome(lambda m: encode(m).encode("utf-8"), message)


def test_a_plain_message_is_written_by_orjson_and_an_unsure_one_by_json(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    real = json_listings._dumps
    monkeypatch.setattr(json_listings, "_dumps", lambda value: calls.append(value) or real(value))
    plain = {"sku": "A-1", "attributes": {"item_name": [{"value": "Tee – one-size", "n": 3, "p": 12.5}]}}
    assert message_bytes(plain) == encode(plain).encode("utf-8")
    assert calls == []
    for unsure in ({"weight": 1e-05}, {"weight": 1e16}, {"x": float("nan")}, {"x": None}, {"t": "A2e-3"}, {1: "a"}):
        calls.clear()
        assert message_bytes(unsure) == encode(unsure).encode("utf-8")
        assert calls == [unsure]


@pytest.mark.parametrize("signed", [True, False])
def test_exponents_go_to_json_whichever_form_orjson_writes(signed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """orjson releases write ``1e+16`` or ``1e16``: either form, like ``1e-7``, is left to json."""
    monkeypatch.setattr(json_listings, "_SIGNED", signed)
    for written in (b'{"w":1e+16}', b'{"w":1e-7}', b'{"w":1.5e+300}'):
        assert json_listings._unlike(written)
    assert not json_listings._unlike(b'{"w":12.5,"t":"one-size tee"}')
    if not signed:  # the form without a sign
        assert json_listings._unlike(b'{"w":1e16}')
        assert json_listings._unlike(b'{"w":[2E17]}')


def _unlike_by_four_searches(data: bytes) -> bool:
    """The check as four searches of the whole bytes (an orjson that signs its exponents)."""
    if b"null" in data or b"0.0000" in data:
        return True
    for mark in (b"e-", b"e+"):
        at = data.find(mark)
        while at > 0:
            if 48 <= data[at - 1] <= 57:
                return True
            at = data.find(mark, at + 1)
    return False


# Bytes near the patterns, other letters among them, UTF-8 past ASCII
_PIECES = st.sampled_from(
    [b"null", b"nul", b"l", b"0.0000", b"0.000", b"0", b"7", b".", b"e-", b"e+", b"e", b"E-", b"-", b"+", b"x", b"Q"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PIECES, _PIECES, st.binary(max_size=6)), max_size=24).map(b"".join))
@example(b'{"w":1e+16}')
@example(b'{"w":1e-7,"t":"e+"}')
@example(b"e-1e-")
def test_the_check_finds_what_the_four_searches_of_the_bytes_find(data: bytes) -> None:
    """``e+`` looked for only when a ``+`` is there: the same answer as the four searches, for any bytes."""
    assert json_listings._unlike(data) == _unlike_by_four_searches(data)


def test_the_check_finds_each_pattern_among_other_bytes() -> None:
    for pattern in (b"null", b"0.0000", b"1e-7", b"2e+16", b"-0.00001"):
        for around in (b"", b"Qx", b"\xc3\xa9", b'"a b"', b"ee--", b"+"):
            data = b'{"t":"' + around + b'","w":' + pattern + around + b"}"
            assert json_listings._unlike(data), data
    for plain in (b'{"w":12.5,"t":"one-size tee"}', b'{"sku":"SKU-0001","d":"2026-11-27T05:00:00Z","t":"A+"}'):
        assert not json_listings._unlike(plain)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


_EDGES = [1e-4, 0.00010000000000000002, 9.999999999999999e-05, 1e16, 9999999999999998.0, 1e15, 123456789.125]
"""Floats at ``plain_number``'s bounds and either side of them (positive; each is also tried negated)."""


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.floats(), st.sampled_from(_EDGES), st.integers(min_value=-(2**63), max_value=2**64 - 1)))
@example(float("nan"))
@example(float("-inf"))
@example(-0.0)
def test_a_plain_number_is_written_by_orjson_as_json_writes_it(number: float | int) -> None:
    for each in (number, -number):
        if json_listings.plain_number(each):
            try:
                written = orjson.dumps(each)
            except TypeError:  # an integer past 64 bits: orjson refuses it, and json writes it (message_bytes)
                assert type(each) is int and not -(2**63) <= each < 2**64
                continue
            assert written == _json_bytes(each), each


def test_the_bounds_of_a_plain_number() -> None:
    for plain in (0.0, -0.0, 1e-4, -1e-4, 9999999999999998.0, 12.5, 3, -(2**63), 2**64 - 1):
        assert json_listings.plain_number(plain), plain
    for unsure in (9.999999999999999e-05, 1e16, -1e16, 5e-324, float("nan"), float("inf"), float("-inf")):
        assert not json_listings.plain_number(unsure), unsure


plain_leaves = st.one_of(
    texts,
    st.sampled_from(TRIGGERS),  # texts that make the whole-message scan give up on orjson: plain all the same
    st.builds(_Text, st.text(max_size=8)),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False).filter(json_listings.plain_number),
    st.sampled_from([x for edge in _EDGES for x in (edge, -edge) if json_listings.plain_number(x)]),
    st.booleans(),
    st.none(),
)
plain_values = nested(plain_leaves, 24)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(texts, plain_values, max_size=6))
def test_a_plain_message_is_written_as_json_writes_it_without_the_scan(message: dict[str, Any]) -> None:
    """A message that holds what ``PlainMessage`` vouches for: orjson's bytes taken as they are (no ``_unlike``)
    are ``json``'s, in the writer's document too."""
    plain = json_listings.PlainMessage(message)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(json_listings, "_unlike", None)  # called: a TypeError, and json's bytes (not the same path)
        patched.setattr(json_listings, "_dumps", None)
        assert message_bytes(plain) == _json_bytes(message)
    assert _written([plain], {}) == _reference([message], {})


def test_a_plain_message_orjson_refuses_is_written_or_refused_by_json() -> None:
    for refused in ({"n": 2**64}, {"n": -(2**63) - 1}):
        assert message_bytes(json_listings.PlainMessage(refused)) == _json_bytes(refused)
    with pytest.raises(UnicodeEncodeError):
        message_bytes(json_listings.PlainMessage({"sku": "\ud800"}))


def test_an_unsure_float_in_a_plain_message_would_be_written_otherwise() -> None:
    """What ``PlainMessage`` must not hold (the Amazon encoder's vouching is what keeps it out): orjson's bytes
    of it differ from json's, and the whole-message scan is what catches them in a plain dict."""
    for unsure in (1e-05, -2.5e-07, float("nan")):
        message = {"w": unsure}
        assert message_bytes(message) == _json_bytes(message)
        assert message_bytes(json_listings.PlainMessage(message)) != _json_bytes(message)
