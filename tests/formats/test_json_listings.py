"""The JSON listings writer's encoding against the standard library's: the same bytes for any message."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedsync.formats.json_listings import JsonListingsWriter, encode

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
values = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)
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
